"""Serialized bags (``.tar``, ``.tar.gz``/``.tgz``, ``.zip``) read in place.

Nothing is extracted to disk. A tar is read as a stream, front to back: one
pass lists the members (keeping the small tag files in memory), one more pass
hashes the files, one more hands images to ExifTool through memory files
(``memfd``). A zip is read member by member. What would be dangerous to
extract is an error here and is never read (E510): absolute paths, ``..``,
links, devices, members beside the single top folder, the same path twice.
Archive bombs stop the reading before the expansion happens (E511): the
sizes the archive declares are compared with its own size.

The serialization rules of the BagIt drafts (draft-kunze-bagit-14 §4; RFC
8493 dropped the section, nothing replaced it): a serialized bag unpacks to
a single top-level folder (MUST), named like the archive without its
extension (SHOULD: W512 when not).
"""

from __future__ import annotations

import os
import stat
import tarfile
import tempfile
import zipfile
import zlib
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Iterable, Iterator

from packager import issues
from .paths import escape_reason
from .source import LOCAL_BATCH, TAG_FILE_LIMIT, BagSource, Listing, SourceError, Tick
from packager.files.hashing import CHUNK, Digests
from packager.model import Issue

MIME_TAR = "application/tar"
MIME_TAR_GZIP = "application/tar+gzip"
MIME_ZIP = "application/zip"
_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
#: Expansion beyond this many times the archive's own size is taken for a bomb...
MAX_EXPANSION_RATIO = 100
#: ...once more than this much would come out (small archives may compress well).
BOMB_FLOOR = 512 << 20
#: Small files (tag files, data/metadata/) are kept in memory while listing a tar.
_CACHE_FILE = 16 << 20
_CACHE_TOTAL = 256 << 20
_CACHED_PAYLOAD = "data/metadata/"
#: A member handed to ExifTool is held in memory up to this size; above it, in a
#: private temporary file deleted right after its batch.
MEMORY_FILE_LIMIT = 512 << 20
_BATCH_OCTETS = 256 << 20


def archive_name(path: Path) -> str:
    """The archive's file name without its extension (what the top folder should be called)."""
    name = path.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _kind(path: Path) -> str | None:
    """"tar", "tar.gz" or "zip" from the first bytes, None when it is none of them."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "tar.gz"
    if len(head) >= 262 and head[257:262] == b"ustar" or path.name.lower().endswith(".tar") and head:
        return "tar"
    return None


def open_archive(path: Path, out: list[Issue]) -> BagSource | None:
    """A source for the archive at ``path``, or None (reason in ``out``)."""
    if not path.is_file():
        out.append(issues.make("E513", path=str(path), detail=f"{path} is neither a folder nor a regular file; "
                                                              "give the bag's folder or its archive"))
        return None
    kind = _kind(path)
    if kind == "zip":
        return ZipSource(path)
    if kind in ("tar", "tar.gz"):
        return TarSource(path, gzip=kind == "tar.gz")
    out.append(issues.make("E513", path=str(path), detail=f"{path.name} is not a bag folder, nor a tar, tar.gz "
                                                          "or zip archive (checked by its first bytes); give the "
                                                          "bag's folder or its .tar, .tar.gz, .tgz or .zip file"))
    return None


class _Members:
    """Builds the Listing from archive members, one at a time, in archive order."""

    def __init__(self, source: _ArchiveSource):
        self.source = source
        self.listing = Listing()
        self.top: str | None = None
        self.tops: set[str] = set()
        self.seen: set[str] = set()
        self.loose: list[str] = []  # files at the archive's top, beside the bag folder

    def add(self, raw: str, kind: str, size: int, target: str = "") -> str | None:
        """Record one member; its bag-relative path if it is a readable file, else None."""
        problem = self._unsafe(raw)
        if problem:
            self._refuse(raw, problem)
            return None
        parts = [p for p in raw.split("/") if p not in ("", ".")]
        if not parts:
            return None
        top, rel = parts[0], "/".join(parts[1:])
        if not rel and kind != "dir":
            self.loose.append(raw)
            return None
        if self.top is None:
            self.top = top
        if top != self.top:
            if top not in self.tops:
                self.tops.add(top)
                self._refuse(raw, f"is in a second top folder {top}/; a serialized bag unpacks to exactly one "
                                  f"folder, the bag ({self.top}/): put one bag in each archive")
            return None
        if not rel:
            return None  # the top folder itself
        if rel in self.seen:
            self.listing.files.pop(rel, None)
            self.listing.refused[rel] = size
            self._refuse(raw, "appears more than once; unpacking keeps only the last copy, so what is checked "
                              "here might not be what is unpacked: rebuild the archive")
            return None
        self.seen.add(rel)
        return self._classify(raw, rel, kind, size, target)

    def _classify(self, raw: str, rel: str, kind: str, size: int, target: str) -> str | None:
        if kind == "dir":
            self.listing.dirs.add(rel)
            parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
            while parent:
                self.listing.dirs.add(parent)
                parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
            return None
        for i in range(1, rel.count("/") + 1):
            self.listing.dirs.add("/".join(rel.split("/")[:i]))
        if kind in ("symlink", "hardlink"):
            self.listing.refused[rel] = 0
            self._refuse(raw, f"is a {'symbolic' if kind == 'symlink' else 'hard'} link to {target!r}; an archived "
                              "bag must hold the files themselves (unpacking a link can write outside the "
                              "target folder)")
            return None
        if kind != "file":
            self.listing.refused[rel] = 0
            self._refuse(raw, f"is a {kind}, not a regular file; remove it and rebuild the archive")
            return None
        if any("\udc80" <= c <= "\udcff" for c in rel):
            self.listing.problems.append(issues.make("W507", path=rel, detail=f"the name {rel!r} is not valid "
                                                                              "UTF-8 in the archive; manifests "
                                                                              "cannot name it portably"))
        self.listing.files[rel] = size
        return rel

    @staticmethod
    def _unsafe(raw: str) -> str | None:
        if not raw:
            return "has an empty name"
        while raw.startswith("./"):  # "tar -cf x.tar ./bag" writes such names; harmless
            raw = raw[2:]
        reason = escape_reason(raw)
        return f"has an unsafe path ({reason}); unpacking it would write outside the target folder" if reason else None

    def _refuse(self, raw: str, why: str) -> None:
        self.listing.problems.append(issues.make("E510", path=raw, detail=f"archive member {raw!r} {why}"))

    def finish(self, source: _ArchiveSource, complete: bool = True) -> Listing:
        """The listing; ``complete`` False when reading stopped early (nothing more is judged)."""
        source.name = self.top or source.archive_name or source.location.name
        if not complete:
            return self.listing
        if self.loose:
            shown = ", ".join(repr(n) for n in self.loose[:5]) + (" ..." if len(self.loose) > 5 else "")
            self.listing.problems.append(issues.make(
                "E510", path=self.loose[0],
                detail=f"{len(self.loose)} file(s) lie at the top of the archive, outside any folder ({shown}); a "
                       "serialized bag unpacks to one folder holding bagit.txt and data/: archive the bag's "
                       "folder itself, not its contents"))
        if self.top is None:
            self.listing.problems.append(issues.make("E510", path=source.location.name,
                                                     detail=f"{source.location.name} holds no folder; a serialized "
                                                            "bag unpacks to one folder holding bagit.txt and data/"))
        elif source.archive_name and self.top != source.archive_name:
            self.listing.problems.append(issues.make(
                "W512", path=self.top + "/",
                detail=f"the archive's top folder is {self.top}/ but the archive is named {source.location.name}; "
                       f"the BagIt serialization rules ask for the same name ({source.archive_name}/), and some "
                       "repositories "
                       "(APTrust) refuse the bag otherwise"))
        return self.listing


class _ArchiveSource(BagSource):
    def __init__(self, path: Path):
        self.location = Path(path)
        self.archive_name = archive_name(self.location)
        self.name = self.archive_name
        self.size = self.location.stat().st_size
        self._stack = ExitStack()

    def close(self) -> None:
        self._stack.close()

    def _bomb(self, declared: int, what: str) -> Issue | None:
        """E511 when ``declared`` octets would come out of an archive this size."""
        if declared > BOMB_FLOOR and declared > MAX_EXPANSION_RATIO * max(self.size, 1):
            return issues.make("E511", path=self.location.name,
                               detail=f"{self.location.name} would expand to {declared:,} bytes or more ({what}), "
                                      f"over {MAX_EXPANSION_RATIO} times its own size of {self.size:,} bytes: "
                                      "reading stopped, as for an archive bomb. If the bag is genuine, unpack "
                                      "it with care and validate the folder")
        return None


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

    def digests(self, wanted: dict[str, set[str]], tick: Tick | None = None,
                processes: int = 1) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
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
                members.listing.problems.append(issues.make("E510", path=rel, detail=f"archive member {rel} is "
                                                                                     "encrypted, so it cannot be "
                                                                                     "verified; send it unencrypted"))
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

    def digests(self, wanted: dict[str, set[str]], tick: Tick | None = None,
                processes: int = 1) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
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


def _read_member(tar: tarfile.TarFile, m: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(m)
    return fh.read() if fh else b""


def _digest_stream(fh: IO[bytes] | None, algorithms: set[str], tick: Tick | None) -> dict[str, str] | SourceError:
    digests = Digests(sorted(algorithms))
    if fh is None:
        return digests.hexdigests()
    try:
        while chunk := fh.read(CHUNK):
            digests.update(chunk)
            if tick:
                tick(len(chunk))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, tarfile.TarError) as exc:
        return SourceError(f"cannot be read from the archive: {exc}")
    return digests.hexdigests()


def _damaged(location: Path, exc: BaseException) -> Issue:
    return issues.make("E513", path=location.name, detail=f"{location.name} cannot be read as an archive: {exc}; "
                                                          "it may be truncated or damaged: ask for a new copy")


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
