"""A ``.tar`` or ``.tar.gz``/``.tgz`` bag, read as a stream, front to back.

A tar has no index and is never seeked: one pass lists the members (keeping
the small tag files and ``data/metadata/`` in memory), each later pass
(hashing, reading a tag file that was too large to keep, handing images to
ExifTool) streams the archive again and picks the members it wants. What is
common to all archives (member safety, bombs) is :mod:`.archive`'s.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from packager.errors import SourceError

from .archive import MIME_TAR, MIME_TAR_GZIP, _ArchiveSource, _damaged, _digest_stream, _Members, guarded
from .local_copies import _LocalFiles
from .source import TAG_FILE_LIMIT, Listing, Tick

#: Small files (tag files, data/metadata/) are kept in memory while listing a tar.
_CACHE_FILE = 16 << 20
_CACHE_TOTAL = 256 << 20
_CACHED_PAYLOAD = "data/metadata/"


class TarSource(_ArchiveSource):
    """A .tar or .tar.gz/.tgz, read front to back as a stream (never seeks)."""

    def __init__(self, path: Path, gzip: bool):
        super().__init__(path)
        self.gzip = gzip
        self.serialization = MIME_TAR_GZIP if gzip else MIME_TAR
        self._cache: dict[str, bytes] = {}
        self._rel: dict[str, str] = {}  # member name -> bag-relative path, for the later passes

    def _stream(self) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
        with tarfile.open(self.location, mode="r|gz" if self.gzip else "r|", errorlevel=2) as tar:
            for member in tar:
                yield tar, member

    def _scan(self) -> Listing:
        members = _Members(self)
        cached = 0
        try:
            for tar, m in self._stream():
                bomb = self._bomb(m.offset_data + m.size, f"member {m.name!r} alone declares {m.size:,} bytes")
                if bomb:
                    members.listing.problems.append(bomb)
                    members.listing.files.clear()
                    return members.finish(self, complete=False)
                rel = members.add(m.name, _tar_kind(m), m.size, m.linkname)
                if rel is None:
                    continue
                self._rel[m.name] = rel
                if m.size <= _CACHE_FILE and cached + m.size <= _CACHE_TOTAL and \
                        (not rel.startswith("data/") or rel.startswith(_CACHED_PAYLOAD)):
                    self._cache[rel] = _read_member(tar, m)
                    cached += m.size
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            members.listing.problems.append(_damaged(self.location, exc))
            return members.finish(self, complete=False)
        return members.finish(self)

    def read_bytes(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> bytes:
        self._readable(rel, limit)
        if rel in self._cache:
            return self._cache[rel]
        for tar, m in self._wanted({rel}):
            return _read_member(tar, m)
        raise SourceError(f"{rel} could not be found again in {self.location.name}")

    @contextmanager
    def open(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> Iterator[IO[bytes]]:
        self._readable(rel, limit)
        if rel in self._cache:
            yield io.BytesIO(self._cache[rel])
            return
        for tar, m in self._wanted({rel}):
            yield guarded(tar.extractfile(m), rel, self.location.name)
            return
        raise SourceError(f"{rel} could not be found again in {self.location.name}")

    def _wanted(self, rels: set[str]) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
        """Members whose bag-relative path is in ``rels``, in archive order (one pass)."""
        if not rels:
            return
        left = set(rels)
        try:
            for tar, m in self._stream():
                rel = self._rel.get(m.name)
                if rel in left and m.isfile():
                    left.discard(rel)
                    yield tar, m
                    if not left:
                        return
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise SourceError(str(_damaged(self.location, exc).message)) from None

    def digests(self, wanted: Mapping[str, set[str]], tick: Tick | None = None,
                workers: int | None = None) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        done: set[str] = set()
        try:
            for tar, m in self._wanted(set(wanted)):
                rel = self._rel[m.name]
                done.add(rel)
                yield rel, _digest_stream(tar.extractfile(m), wanted[rel], tick)
        except SourceError as exc:
            for rel in sorted(set(wanted) - done):
                yield rel, exc

    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        with _LocalFiles() as local:
            for tar, m in self._wanted(set(rels) & set(self.listing().files)):
                local.add(self._rel[m.name], tar.extractfile(m), m.size)
                if local.full():
                    yield local.batch()
            if local.pending():
                yield local.batch()


def _tar_kind(m: tarfile.TarInfo) -> str:
    if m.isdir():
        return "dir"
    if m.issym():
        return "symlink"
    if m.islnk():
        return "hardlink"
    if m.isfile():
        return "file"
    return {tarfile.CHRTYPE: "character device", tarfile.BLKTYPE: "block device",
            tarfile.FIFOTYPE: "FIFO"}.get(m.type, f"special member (type {m.type!r})")


def _read_member(tar: tarfile.TarFile, m: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(m)
    return fh.read() if fh else b""
