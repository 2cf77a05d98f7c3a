"""A ``.zip`` bag, read member by member through its central directory.

Encrypted members are refused (E510: they cannot be verified); members that
claim more than the archive could hold, or overlap each other, stop the
reading as a bomb before anything is expanded. What is common to all archives
(member safety, bombs) is :mod:`.archive`'s.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from packager.errors import SourceError
from packager.issues.receiving import situation

from .archive import BOMB_FLOOR, MIME_ZIP, _ArchiveSource, _damaged, _digest_stream, _Members, guarded
from .local_copies import _LocalFiles
from .source import TAG_FILE_LIMIT, Listing, Tick


class ZipSource(_ArchiveSource):
    """A .zip, read member by member (zip has a central directory)."""

    serialization = MIME_ZIP

    def __init__(self, path: Path):
        super().__init__(path)
        self._zip: zipfile.ZipFile | None = None
        self._info: dict[str, zipfile.ZipInfo] = {}

    def _open(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = self._stack.enter_context(zipfile.ZipFile(self.location))
        return self._zip

    def _scan(self) -> Listing:
        members = _Members(self)
        try:
            infos = self._open().infolist()
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError) as exc:
            members.listing.problems.append(_damaged(self.location, exc))
            return members.finish(self, complete=False)
        declared = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        bomb = self._bomb(declared, f"{len(infos):,} members") or (
            self._bomb(BOMB_FLOOR + packed, "members that overlap each other") if packed > self.size else None)
        if bomb:
            members.listing.problems.append(bomb)
            return members.finish(self, complete=False)
        for info in infos:
            rel = members.add(info.filename, _zip_kind(info), info.file_size)
            if rel is None:
                continue
            if info.flag_bits & 0x1:
                members.listing.files.pop(rel, None)
                members.listing.refused[rel] = info.file_size
                members.listing.problems.append(situation("E510", "member_encrypted", path=rel))
                continue
            self._info[rel] = info
        return members.finish(self)

    def _member(self, rel: str) -> IO[bytes]:
        info = self._info.get(rel)
        if info is None:
            raise SourceError(f"{rel} is not a readable file of the bag")
        try:
            return self._open().open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, zlib.error) as exc:
            raise SourceError(f"{rel} cannot be read from {self.location.name}: {exc}") from None

    def read_bytes(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> bytes:
        self._readable(rel, limit)
        with self._member(rel) as fh:
            try:
                return fh.read()
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                raise SourceError(f"{rel} is damaged in {self.location.name}: {exc}") from None

    def open(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> AbstractContextManager[IO[bytes]]:
        self._readable(rel, limit)
        return guarded(self._member(rel), rel, self.location.name)

    def digests(self, wanted: Mapping[str, set[str]], tick: Tick | None = None,
                workers: int | None = None) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        for rel in sorted(wanted):
            try:
                with self._member(rel) as fh:
                    yield rel, _digest_stream(fh, wanted[rel], tick)
            except SourceError as exc:
                yield rel, exc

    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        with _LocalFiles() as local:
            for rel in rels:
                if rel not in self._info:
                    continue
                try:
                    with self._member(rel) as fh:
                        local.add(rel, fh, self._info[rel].file_size)
                except (SourceError, zipfile.BadZipFile, zlib.error, EOFError):
                    continue  # the BagIt layer reports the damaged member; the tool reports it unreadable
                if local.full():
                    yield local.batch()
            if local.pending():
                yield local.batch()


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
        return {stat.S_IFCHR: "character device", stat.S_IFBLK: "block device", stat.S_IFIFO: "FIFO",
                stat.S_IFSOCK: "socket"}.get(stat.S_IFMT(mode), "special member")
    return "file"
