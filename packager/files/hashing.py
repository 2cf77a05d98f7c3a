"""Streaming digests: every file is read once for all the algorithms wanted.

The one place the packager hashes data: the bag writer, the pipeline (for
the originals' chain-of-custody checksums) and the validator all use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

CHUNK = 1 << 20
#: Algorithms too weak to prove a file unchanged on their own (BagIt allows them).
WEAK = frozenset({"md5", "sha1"})
#: Algorithms a bag may be written with: hashlib's guaranteed fixed-size ones, under the names
#: bagit-python also uses for ``manifest-<name>.txt`` (the SHAKEs need a length: not for manifests).
SUPPORTED = tuple(sorted(a for a in hashlib.algorithms_guaranteed if not a.startswith("shake")))


class Digests:
    """Several algorithms fed from one pass over the data."""

    def __init__(self, algorithms: Iterable[str]):
        self._h = {alg: hashlib.new(alg) for alg in algorithms}
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        for h in self._h.values():
            h.update(chunk)

    def hexdigests(self) -> dict[str, str]:
        return {alg: h.hexdigest() for alg, h in self._h.items()}


#: Something else fed the same bytes in the same read (e.g. a pixel proof's ``feed``).
Feed = Callable[[bytes], object]


def file_digests(path: Path, algorithms: Iterable[str],
                 progress: Callable[[int], None] | None = None, also: Sequence[Feed] = ()) -> dict[str, str]:
    """Hex digests of one file, one read for all algorithms (and ``also``); ``progress`` gets byte counts."""
    digests = Digests(algorithms)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digests.update(chunk)
            for feed in also:
                feed(chunk)
            if progress:
                progress(len(chunk))
    return digests.hexdigests()


def copy_with_digests(src: Path, dst: Path, algorithms: Iterable[str], also: Sequence[Feed] = ()) -> dict[str, str]:
    """Copy ``src`` to ``dst`` (which must not exist) while hashing; ``src`` is only read.

    ``also`` are fed the same bytes, so a pixel proof costs no second read.
    """
    digests = Digests(algorithms)
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        while chunk := fin.read(CHUNK):
            digests.update(chunk)
            for feed in also:
                feed(chunk)
            fout.write(chunk)
    return digests.hexdigests()
