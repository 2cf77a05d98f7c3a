"""How the bag writer keeps each payload file's digests: one bytes value per file.

Split out of :mod:`packager.bag.writer` to keep it small; like the writer, this
never imports the validator.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Mapping

_STAT = struct.Struct("<qq")  # size, mtime_ns: with size, the time detects a change after hashing


class Packing:
    """Each payload file as one bytes value: its size and modification time, then its raw
    digests in the writer's algorithm order (about 180 bytes besides its name, where hex
    digests in a dict took 560), given back as the hex the manifests carry."""

    def __init__(self, algorithms: tuple[str, ...]) -> None:
        self.algorithms = algorithms
        self._spans: dict[str, slice] = {}
        start = _STAT.size
        for alg in algorithms:
            size = hashlib.new(alg).digest_size
            self._spans[alg] = slice(start, start + size)
            start += size

    def pack(self, size: int, mtime_ns: int, digests: Mapping[str, str]) -> bytes:
        return _STAT.pack(size, mtime_ns) + b"".join(bytes.fromhex(digests[alg]) for alg in self.algorithms)

    @staticmethod
    def stat(packed: bytes) -> tuple[int, int]:
        """(size, mtime_ns)"""
        size, mtime_ns = _STAT.unpack_from(packed)
        return size, mtime_ns

    def hex(self, packed: bytes, alg: str) -> str:
        return packed[self._spans[alg]].hex()

    def unpack(self, packed: bytes) -> dict[str, str]:
        return {alg: self.hex(packed, alg) for alg in self.algorithms}


class DigestView(Mapping[str, Mapping[str, str]]):
    def __init__(self, entries: dict[str, bytes], packing: Packing) -> None:
        self._entries = entries
        self._packing = packing

    def __getitem__(self, key: str) -> Mapping[str, str]:
        if not key.startswith("data/"):
            raise KeyError(key)
        return self._packing.unpack(self._entries[key[5:]])

    def __iter__(self) -> Iterator[str]:
        return (f"data/{rel}" for rel in self._entries)

    def __len__(self) -> int:
        return len(self._entries)
