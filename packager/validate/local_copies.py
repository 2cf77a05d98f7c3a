"""Archive members handed to other programs (ExifTool, Pillow) as local files.

An archive is never extracted, but a tool needs a path: each member of a batch
is copied into a memory file (Linux ``memfd``, opened by path as
``/proc/<pid>/fd/<n>``), or into a private temporary folder where memfd is
missing or the member is too large to hold in memory. A batch is released
when the next one is made, so memory stays flat in the number of members.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from packager.files.hashing import CHUNK

from .source import LOCAL_BATCH

#: A member handed to ExifTool is held in memory up to this size; above it, in a
#: private temporary file deleted right after its batch.
MEMORY_FILE_LIMIT = 512 << 20
_BATCH_OCTETS = 256 << 20


class _LocalFiles:
    """Members copied into memory files (Linux memfd) that other programs can open
    by path (/proc/<pid>/fd/<n>); a private temporary folder where memfd is
    missing or a member is too large to hold in memory. Each batch is released
    when the next one is made."""

    def __init__(self) -> None:
        self._fds: list[int] = []
        self._batch: list[tuple[str, Path]] = []
        self._octets = 0
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._handed = False  # a batch was handed out: release it before the next one grows

    def __enter__(self) -> _LocalFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self._release()
        if self._tmp is not None:
            self._tmp.cleanup()

    def add(self, rel: str, fh: IO[bytes] | None, size: int) -> None:
        if fh is None:
            return
        if self._handed:
            self._release()
            self._handed = False
        if size <= MEMORY_FILE_LIMIT and hasattr(os, "memfd_create") and Path(f"/proc/{os.getpid()}/fd").is_dir():
            fd = os.memfd_create("bag-member", 0)
            self._fds.append(fd)
            with open(fd, "wb", closefd=False) as out:
                _copy(fh, out)
            self._batch.append((rel, Path(f"/proc/{os.getpid()}/fd/{fd}")))
        else:
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="packager-member-")
            target = Path(self._tmp.name, f"member-{len(self._batch)}")
            with open(target, "xb") as out:
                _copy(fh, out)
            self._batch.append((rel, target))
        self._octets += size

    def full(self) -> bool:
        return len(self._batch) >= LOCAL_BATCH or self._octets >= _BATCH_OCTETS

    def pending(self) -> bool:
        return bool(self._batch)

    def batch(self) -> list[tuple[str, Path]]:
        """The batch made so far; it stays valid until the next add() after this call."""
        out, self._batch = self._batch, []
        self._octets = 0
        self._handed = True
        return out

    def _release(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()
        if self._tmp is not None:
            for p in Path(self._tmp.name).iterdir():
                p.unlink()


def _copy(fh: IO[bytes], out: IO[bytes]) -> None:
    while chunk := fh.read(CHUNK):
        out.write(chunk)
