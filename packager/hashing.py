"""Streaming digests: every file is read once for all the algorithms wanted."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO, Iterable

CHUNK = 1 << 20


def _hashers(algorithms: Iterable[str]) -> dict[str, "hashlib._Hash"]:
    return {name: hashlib.new(name) for name in algorithms}


def _pump(source: BinaryIO, hashers: dict, sink: BinaryIO | None = None) -> int:
    size = 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        for h in hashers.values():
            h.update(chunk)
        if sink is not None:
            sink.write(chunk)
    return size


def file_digests(path: Path, algorithms: Iterable[str]) -> dict[str, str]:
    """Hex digests of one file, one read for all algorithms."""
    hashers = _hashers(algorithms)
    with open(path, "rb") as fh:
        _pump(fh, hashers)
    return {name: h.hexdigest() for name, h in hashers.items()}


def copy_with_digests(src: Path, dst: Path, algorithms: Iterable[str]) -> dict[str, str]:
    """Copy ``src`` to ``dst`` (which must not exist) while hashing; ``src`` is only read."""
    hashers = _hashers(algorithms)
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        _pump(fin, hashers, fout)
    return {name: h.hexdigest() for name, h in hashers.items()}
