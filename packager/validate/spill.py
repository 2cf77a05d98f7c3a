"""A store on disk for what the metadata layer needs of every item, but only one at a time.

The sidecars are read front to back once (metadata.csv, records.json), but
what they say of each image is needed later, image by image: its Dublin Core
values, its pixel digest, the tags our writer says it embedded (a few KiB an
item). Held in memory for 100,000 items that would be hundreds of MiB, so
each value goes to an unnamed temporary file (``marshal``: our own data,
written and read back by this process only) and memory keeps an offset per
key. Reading is thread-safe (``os.pread``); writing happens before reading.
"""

from __future__ import annotations

import marshal
import os
import tempfile
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO

_LENGTH_BITS = 40


class Spill:
    """Values by (kind, key), kept in a temporary file that disappears on :meth:`close`."""

    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._end = 0
        self._where: dict[str, dict[str, int]] = {}  # kind -> key -> offset << _LENGTH_BITS | length
        self._dirty = False
        self._lock = threading.Lock()

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` (anything ``marshal`` takes) under ``key``; a later put replaces it."""
        data = marshal.dumps(value)
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="packager-validate-")  # noqa: SIM115 (closed in close)
        self._file.write(data)
        self._where.setdefault(kind, {})[key] = self._end << _LENGTH_BITS | len(data)
        self._end += len(data)
        self._dirty = True

    def __contains__(self, kind_key: tuple[str, str]) -> bool:
        kind, key = kind_key
        return key in self._where.get(kind, {})

    def get(self, kind: str, key: str, default: Any = None) -> Any:
        where = self._where.get(kind, {}).get(key)
        if where is None or self._file is None:
            return default
        if self._dirty:
            with self._lock:
                if self._dirty:
                    self._file.flush()
                    self._dirty = False
        data = os.pread(self._file.fileno(), where & ((1 << _LENGTH_BITS) - 1), where >> _LENGTH_BITS)
        return marshal.loads(data)

    def keys(self, kind: str) -> Iterator[str]:
        return iter(self._where.get(kind, {}))

    def drop(self, kind: str) -> None:
        """Forget every value of ``kind`` (their bytes stay in the file until it is closed)."""
        self._where.pop(kind, None)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._where.clear()
