"""Hashing the files of a bag folder: each file read once for all its algorithms, in threads.

hashlib releases the GIL while it digests a block of more than 2 KiB, so a
few threads hash as many files side by side as there are cores, without the
start-up and pickling costs of worker processes. Files are handed to the
threads in small groups (:data:`GROUP_FILES` files or :data:`GROUP_OCTETS`
octets), at most a few groups per thread at a time, so memory stays flat in
the number of files; each thread reads into one buffer of its own. Results
come back in the order the files were asked for, whatever the threads did.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from packager.errors import SourceError

from .source import Tick

#: Block read at once (and handed to every digest of the file).
BLOCK = 1 << 20
#: A group of files handed to one thread: at most this many files...
GROUP_FILES = 32
#: ...or this many octets (a larger file is a group of its own).
GROUP_OCTETS = 8 << 20
#: Groups queued per thread: enough to keep every thread busy, few enough to keep memory flat.
QUEUED_PER_WORKER = 3

_local = threading.local()
_FAST = {name: getattr(hashlib, name) for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")}

Result = dict[str, str] | SourceError


def resolve_workers(workers: int | None) -> int:
    """``workers`` threads, or one per core when None (at least one)."""
    return max(1, workers if workers is not None else os.cpu_count() or 1)


def _new(algorithm: str) -> Any:
    make = _FAST.get(algorithm)
    return make() if make else hashlib.new(algorithm)


def digest_file(path: str | Path, algorithms: Sequence[str]) -> dict[str, str]:
    """Hex digests of one file, read once in blocks into this thread's buffer. Raises OSError."""
    buf: bytearray | None = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = bytearray(BLOCK)
    view = memoryview(buf)
    hashes = [_new(a) for a in algorithms]
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            block = view[:n]
            for h in hashes:
                h.update(block)
    return {a: h.hexdigest() for a, h in zip(algorithms, hashes, strict=True)}


def _hash_group(root: str, group: list[str], wanted: Mapping[str, set[str]]) -> list[Result]:
    out: list[Result] = []
    for rel in group:
        try:
            out.append(digest_file(os.path.join(root, rel), sorted(wanted[rel])))
        except OSError as exc:
            out.append(SourceError(f"{rel} cannot be read: {exc.strerror or exc}"))
    return out


def _groups(names: Sequence[str], size_of: Callable[[str], int]) -> Iterator[list[str]]:
    group: list[str] = []
    octets = 0
    for rel in names:
        size = size_of(rel)
        if group and (len(group) >= GROUP_FILES or octets + size > GROUP_OCTETS):
            yield group
            group, octets = [], 0
        group.append(rel)
        octets += size
    if group:
        yield group


def hash_files(root: Path, names: Sequence[str], wanted: Mapping[str, set[str]], size_of: Callable[[str], int],
               tick: Tick | None = None, workers: int | None = None) -> Iterator[tuple[str, Result]]:
    """(path, {algorithm: hex} or why not) for each of ``names`` (paths under ``root``), in that
    order; ``wanted`` gives each path's algorithms, ``size_of`` its size (for grouping and ``tick``)."""
    threads = resolve_workers(workers)
    groups = _groups(names, size_of)
    folder = os.fspath(root)  # plain strings: pathlib would intern every file name
    if threads == 1 or len(names) < 2:
        for group in groups:
            yield from _finish(group, _hash_group(folder, group, wanted), size_of, tick)
        return
    pending: deque[tuple[list[str], Future[list[Result]]]] = deque()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hash") as pool:
        try:
            for group in groups:
                pending.append((group, pool.submit(_hash_group, folder, group, wanted)))
                if len(pending) >= threads * QUEUED_PER_WORKER:
                    done, future = pending.popleft()
                    yield from _finish(done, future.result(), size_of, tick)
            while pending:
                done, future = pending.popleft()
                yield from _finish(done, future.result(), size_of, tick)
        finally:
            for _, future in pending:  # the caller stopped early: queued groups are not hashed
                future.cancel()


def _finish(group: list[str], results: list[Result], size_of: Callable[[str], int],
            tick: Tick | None) -> Iterator[tuple[str, Result]]:
    for rel, result in zip(group, results, strict=True):
        if tick and not isinstance(result, SourceError):
            tick(size_of(rel))
        yield rel, result
