"""Values kept on disk instead of in memory, so that a run's memory stays flat in the number of items.

A run over 100,000 images cannot hold every record, tag set or result in
memory (about 7 KB each). :class:`Spool` is an append-only sequence of
picklable values in a temporary file: it keeps one offset per value (8
bytes) and reads a value back when it is asked for. :class:`KeyedSpool` does
the same for values found by a key (the tags read back from each image, by
its path in the bag). Both may be read from several threads at once. Both live in an anonymous temporary file that vanishes
when it is closed or the process ends.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class Spool(Sequence[T], Generic[T]):
    """An append-only, disk-backed sequence (``len``, indexing, slicing, iteration)."""

    def __init__(self, values: Iterable[T] = ()) -> None:
        self._file = tempfile.TemporaryFile(prefix="packager-spool-")  # noqa: SIM115 - lives as long as the spool
        self._offsets = array("q")
        self._end = 0
        self._lock = threading.Lock()  # one file position: readers on several threads take turns
        for value in values:
            self.append(value)

    def append(self, value: T) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._file.seek(self._end)
            self._file.write(data)
            self._offsets.append(self._end)
            self._end += len(data)

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("spool index out of range")
        with self._lock:
            start = self._offsets[index]
            end = self._offsets[index + 1] if index + 1 < len(self) else self._end
            self._file.seek(start)
            data = self._file.read(end - start)
        value: T = pickle.loads(data)
        return value

    def __iter__(self) -> Iterator[T]:
        for index in range(len(self)):
            yield self[index]

    def close(self) -> None:
        self._file.close()

    def __getstate__(self) -> dict[str, object]:
        raise TypeError("a Spool lives in one process's temporary file; send its values, not the spool")


class KeyedSpool(Generic[T]):
    """Values stored under a key, read back by key; only the keys and offsets stay in memory."""

    def __init__(self) -> None:
        self._spool: Spool[T] = Spool()
        self._index: dict[str, int] = {}

    def put(self, key: str, value: T) -> None:
        self._index[key] = len(self._spool)
        self._spool.append(value)

    def get(self, key: str) -> T | None:
        index = self._index.get(key)
        return None if index is None else self._spool[index]

    def take(self, key: str) -> T | None:
        """The value, forgotten here: its key no longer takes memory (the bytes stay on disk)."""
        index = self._index.pop(key, None)
        return None if index is None else self._spool[index]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[str]:
        """The keys, in the order they were first put."""
        return iter(self._index)

    def close(self) -> None:
        self._spool.close()
