"""A bag that is a folder on disk, read where it lies.

:class:`DirSource` lists the folder without following links out of the bag
(the walk is :mod:`.payload`'s), reads files directly, and hashes them either
in this process or in a pool of worker processes that keeps only a few files
queued at a time. The interface it implements is :class:`~.source.BagSource`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from packager.errors import SourceError
from packager.files.hashing import file_digests
from packager.model import Issue

from .payload import Walk, walk_files
from .source import LOCAL_BATCH, TAG_FILE_LIMIT, BagSource, Listing, Tick


class DirSource(BagSource):
    """A bag that is a folder. Links out of the bag and special files are refused."""

    def __init__(self, root: Path):
        self.location = Path(root)
        self.root = Path(root)
        self.name = self.root.resolve().name or str(self.root)

    def _scan(self) -> Listing:
        out: list[Issue] = []
        payload = walk_files(self.root, "data", out) if (self.root / "data").is_dir() else Walk()
        tags = walk_files(self.root, "", out)
        dirs = payload.dirs | tags.dirs | ({"data"} if (self.root / "data").is_dir() else set())
        return Listing({**payload.files, **tags.files}, {**payload.refused, **tags.refused}, dirs, out)

    def read_bytes(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> bytes:
        self._readable(rel, limit)
        try:
            return (self.root / rel).read_bytes()
        except OSError as exc:
            raise SourceError(f"{rel} cannot be read: {exc.strerror or exc}") from None

    def digests(self, wanted: dict[str, set[str]], tick: Tick | None = None,
                processes: int = 1) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        if processes <= 1 or len(wanted) < 2:
            for rel in sorted(wanted):
                yield rel, _digest_one(self.root, rel, sorted(wanted[rel]), tick)
            return
        yield from _parallel_digests(self.root, wanted, tick, processes)

    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        batch: list[tuple[str, Path]] = []
        for rel in rels:
            if rel in self.listing().files:
                batch.append((rel, self.root / rel))
            if len(batch) == LOCAL_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _digest_one(root: Path, rel: str, algorithms: list[str], tick: Tick | None) -> dict[str, str] | SourceError:
    try:
        return file_digests(root / rel, algorithms, tick)
    except OSError as exc:
        return SourceError(f"{rel} cannot be read: {exc.strerror or exc}")


def _hash_in_worker(root: str, rel: str, algorithms: list[str]) -> tuple[str, dict[str, str] | str, int]:
    """Run in a worker process: (path, digests or why not, octets read)."""
    try:
        return rel, file_digests(Path(root, rel), algorithms), os.stat(Path(root, rel)).st_size
    except OSError as exc:
        return rel, f"{rel} cannot be read: {exc.strerror or exc}", 0


def _parallel_digests(root: Path, wanted: dict[str, set[str]], tick: Tick | None,
                      processes: int) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
    """Hash in ``processes`` worker processes. At most a few files per worker are
    queued at any time, so memory does not grow with the number of files."""
    window = processes * 4
    pending: set[Future[tuple[str, dict[str, str] | str, int]]] = set()
    todo = iter(sorted(wanted))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        while True:
            for rel in todo:
                pending.add(pool.submit(_hash_in_worker, str(root), rel, sorted(wanted[rel])))
                if len(pending) >= window:
                    break
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                rel, result, size = future.result()
                if tick and size:
                    tick(size)
                yield rel, (SourceError(result) if isinstance(result, str) else result)
