"""A finished bag folder written as one archive: ``.tar``, ``.tar.gz`` or ``.zip``.

The archive holds one top folder (``top``, the bag's name: the BagIt serialization
rules, draft-kunze-bagit-14 §4, and profiles such as APTrust's ask for it) and is
reproducible: the same folder gives the same bytes, whoever owns its files, whatever
their times and whatever the host. Only names, contents and the one ``mtime`` the
caller gives (the bagging date at 00:00 UTC) reach the archive.

Order. The top folder's own entry, then ``bagit.txt``, then the other files at the
bag's top (``bag-info.txt``, manifests, tag manifests, extra tag files), then folders
of tag files other than ``data/``, then ``data/`` and the payload; below the top each
folder's entries are sorted by the bytes of their UTF-8 names (files and folders
together, as ``tar --sort=name`` does) and a folder's entry comes just before what it
holds. A reader that streams the archive (a tar has no index) meets the declaration,
bag-info and every manifest before the first payload byte.

Every member: owner 0:0 with empty owner names, mode 0644 (files) or 0755 (folders),
time ``mtime``, no extended attributes, ACLs or link counts (members are made from
names, never from the host's ``stat``).

* tar: POSIX.1-2001 (PAX). A PAX header is written only for what ustar cannot hold
  (a name that is not ASCII or longer than 100 bytes, a file of 8 GiB or more) and
  never carries a time. Blocks of 512 bytes, records of 10240.
* tar.gz: that tar through gzip at level 6, the header's time ``mtime``, no file
  name, OS byte 255 (unknown).
* zip: DOS times from ``mtime`` in UTC (clamped to 1980-01-01..2107-12-31, seconds
  rounded down to even), made on Unix (``create_system`` 3) so the modes are read,
  the UTF-8 flag on every name that is not plain ASCII (an ASCII name reads the same
  in any encoding), no extra time fields, zip64 only for a member or an archive that
  needs it. Already-compressed formats (:data:`STORED_SUFFIXES`: JPEG, PNG, GIF,
  WebP, HEIF/AVIF, JPEG 2000/XL, compressed archives) are stored; everything else
  (tag files, sidecars, TIFF) is deflated at zlib's level 6. The choice follows the
  name only, so it cannot vary.

Files are copied in chunks (:data:`~packager.files.hashing.CHUNK`), never read whole,
so memory does not grow with a file's size; a file whose size or time changes while it
is copied is an error naming it. A bag holds only files and folders: a
symbolic link, device, FIFO or socket inside the folder, and a name that is not
UTF-8, are refused (BagError naming it). Deflate output is fixed for a given zlib;
the tests prove identical bytes on one machine, across runs and file attributes.

Like the rest of the bag writer this never imports the validator.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import stat
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from packager.errors import BagError
from packager.files.hashing import CHUNK

from .format import refuse

LOG = logging.getLogger(__name__)

KINDS = ("tar", "tar.gz", "zip")
SUFFIX = {"tar": ".tar", "tar.gz": ".tar.gz", "zip": ".zip"}
#: The MIME types BagIt profiles name (``Accept-Serialization``).
MIME = {"tar": "application/tar", "tar.gz": "application/tar+gzip", "zip": "application/zip"}
_ALIASES = {"application/x-tar": "tar", "application/gzip": "tar.gz", "application/x-gzip": "tar.gz",
            "application/x-gtar": "tar.gz", "application/x-zip-compressed": "zip"}

FILE_MODE = 0o644
DIR_MODE = 0o755
GZIP_LEVEL = 6
#: zip members stored as they are: their formats are compressed already.
STORED_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".heic", ".heif",
                             ".avif", ".jp2", ".j2k", ".jpf", ".jpx", ".jxl", ".zip", ".gz", ".tgz", ".bz2",
                             ".xz", ".zst", ".7z"})
_DOS_FIRST = (1980, 1, 1, 0, 0, 0)
_DOS_LAST = (2107, 12, 31, 23, 59, 58)
_TAR_TIME_LIMIT = 8 ** 11  # what a ustar header's time field holds


def kind_for_mime(mime: str) -> str | None:
    """The kind (``"tar"``, ``"tar.gz"``, ``"zip"``) written for a profile's MIME type, None if none."""
    wanted = mime.strip().lower()
    for kind, name in MIME.items():
        if name == wanted:
            return kind
    return _ALIASES.get(wanted)


class _ReadFailure(Exception):
    """A file of the bag could not be read (not an OSError: the target is not to blame)."""

    def __init__(self, path: str, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def serialize(folder: Path, target: Path, kind: str, *, top: str, mtime: int) -> int:
    """Write the bag in ``folder`` as one archive at ``target``; its size in bytes.

    ``target`` is created, never overwritten (the caller passes
    ``<out>/<bag><suffix>.partial`` and renames it), and synced before this returns.
    It holds one top folder named ``top``; every member has ``mtime`` (seconds since
    1970, UTC) as its time. Raises BagError naming the file for anything that cannot
    be read or written, or that a bag must not hold; the partial target is removed then.
    """
    if kind not in KINDS:
        raise BagError(f"cannot serialize a bag as {kind!r}; the kinds are {', '.join(KINDS)}")
    _check_top(top)
    if not isinstance(mtime, int) or not 0 <= mtime < _TAR_TIME_LIMIT:
        raise BagError(f"archive member time {mtime!r} is not a whole number of seconds from 1970 to 2242")
    folder, target = Path(folder), Path(target)
    if folder.is_symlink() or not folder.is_dir():
        raise refuse(f"cannot serialize {_shown(str(folder))}: it is not a folder", _shown(str(folder)),
                     "not a folder")
    if target.parent.resolve().is_relative_to(folder.resolve()):
        raise refuse(f"cannot write {_shown(str(target))} inside the bag it holds; write it beside the bag",
                     _shown(str(target)), "inside the bag")
    try:
        raw = open(target, "xb")  # noqa: SIM115  (closed below, on every path)
    except FileExistsError:
        raise refuse(f"{_shown(str(target))} already exists; it is not overwritten", _shown(str(target)),
                     "already exists") from None
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        with raw:
            if kind == "zip":
                _write_zip(raw, folder, top, mtime)
            else:
                _write_tar(raw, folder, top, mtime, gz=kind == "tar.gz")
            raw.flush()
            os.fsync(raw.fileno())
            size = os.fstat(raw.fileno()).st_size
    except BaseException as exc:
        _discard(target)
        if isinstance(exc, _ReadFailure):
            raise refuse(f"could not read {_shown(exc.path)} to serialize the bag: {exc.detail}",
                         _shown(exc.path), exc.detail) from None
        if isinstance(exc, OSError | tarfile.TarError | zipfile.LargeZipFile):
            raise _write_error(target, exc) from None
        raise
    return size


# --- which members, in which order -------------------------------------------------------------
def _members(folder: Path) -> Iterator[tuple[str, str | None]]:
    """``(path inside the bag, file to copy)`` in archive order; the file is None for a folder.

    Walks one folder at a time (memory follows the widest folder, not the bag), refusing
    what a bag must not hold.
    """
    pending = [iter(_children(str(folder), "", top=True))]
    while pending:
        for rel, full, is_dir in pending[-1]:
            yield rel, None if is_dir else full
            if is_dir:
                pending.append(iter(_children(full, rel + "/", top=False)))
            break
        else:
            pending.pop()


def _children(path: str, prefix: str, *, top: bool) -> list[tuple[str, str, bool]]:
    found: list[tuple[bytes, int, str, bool]] = []
    try:
        with os.scandir(path) as listing:
            for entry in listing:
                rel = prefix + entry.name
                is_dir = entry.is_dir(follow_symlinks=False)
                if not is_dir and not entry.is_file(follow_symlinks=False):
                    what = _special(entry)
                    raise refuse(f"cannot serialize the bag: {_shown(entry.path)} is {what}; a bag holds only "
                                 "files and folders", _shown(entry.path), what)
                try:
                    key = entry.name.encode("utf-8")
                except UnicodeEncodeError:
                    raise refuse(f"cannot serialize the bag: the name of {_shown(entry.path)} is not UTF-8; "
                                 "rename it", _shown(rel), "name not UTF-8") from None
                found.append((key, _rank(entry.name, is_dir) if top else 0, entry.path, is_dir))
    except OSError as exc:
        raise _ReadFailure(path, exc.strerror or str(exc)) from None
    found.sort(key=lambda f: (f[1], f[0]))
    return [(prefix + key.decode("utf-8"), full, is_dir) for key, _rank_, full, is_dir in found]


def _rank(name: str, is_dir: bool) -> int:
    """At the bag's top: bagit.txt, the other tag files, tag folders, then data/."""
    if name == "bagit.txt" and not is_dir:
        return 0
    if not is_dir:
        return 1
    return 3 if name == "data" else 2


def _special(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return f"a symbolic link (to {_link_target(entry.path)})"
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return "neither a file nor a folder"
    return _KIND_NAMES.get(stat.S_IFMT(mode), "neither a file nor a folder")


_KIND_NAMES = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
               stat.S_IFSOCK: "a socket"}


def _shown(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _link_target(path: str) -> str:
    try:
        return repr(_shown(os.readlink(path)))
    except OSError:
        return "an unreadable target"


def _check_top(top: str) -> None:
    ok = bool(top) and top not in (".", "..") and "/" not in top and "\\" not in top and "\x00" not in top
    try:
        top.encode("utf-8")
    except UnicodeEncodeError:
        ok = False
    if not ok:
        raise BagError(f"{top!r} cannot name an archive's top folder; give the bag's name")


# --- reading the files ----------------------------------------------------------------------------
class _Source:
    """One file of the bag, opened for copying: its size is fixed when it is opened, and a
    read that fails, falls short or meets a changed file raises _ReadFailure naming it."""

    def __init__(self, path: str):
        self.path = path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO put here does not block
        except OSError as exc:
            raise _ReadFailure(path, exc.strerror or str(exc)) from None
        self._fh = os.fdopen(fd, "rb")  # buffered: a read returns all it was asked for, short only at the end
        self._stat = os.fstat(fd)
        if not stat.S_ISREG(self._stat.st_mode):
            self._fh.close()
            raise _ReadFailure(path, "it is no longer a regular file")
        self.size = self._stat.st_size
        self._left = self.size

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def read(self, n: int = CHUNK) -> bytes:
        want = min(CHUNK if n < 0 else n, self._left)
        try:
            data = self._fh.read(want) if want else b""
        except OSError as exc:
            raise _ReadFailure(self.path, exc.strerror or str(exc)) from None
        if data is None or len(data) < want:
            raise _ReadFailure(self.path, "it became shorter while the archive was written")
        self._left -= len(data)
        return data

    def check_unchanged(self) -> None:
        now = os.fstat(self._fh.fileno())
        if (now.st_size, now.st_mtime_ns) != (self._stat.st_size, self._stat.st_mtime_ns):
            raise _ReadFailure(self.path, "it changed while the archive was written")


# --- tar and tar.gz ------------------------------------------------------------------------------
def _write_tar(raw: IO[bytes], folder: Path, top: str, mtime: int, *, gz: bool) -> None:
    with contextlib.ExitStack() as stack:
        out: IO[bytes] | gzip.GzipFile = raw
        if gz:
            out = stack.enter_context(gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=raw,
                                                    mtime=mtime))
        tar = stack.enter_context(tarfile.TarFile(fileobj=out, mode="w", format=tarfile.PAX_FORMAT,
                                                  encoding="utf-8", errors="strict", copybufsize=CHUNK))
        tar.addfile(_tar_info(top, None, mtime))
        for rel, full in _members(folder):
            if full is None:
                tar.addfile(_tar_info(f"{top}/{rel}", None, mtime))
                continue
            with _Source(full) as source:
                tar.addfile(_tar_info(f"{top}/{rel}", source.size, mtime), source)
                source.check_unchanged()


def _tar_info(name: str, size: int | None, mtime: int) -> tarfile.TarInfo:
    """A member made from its name alone; ``size`` None for a folder."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if size is None else tarfile.REGTYPE
    info.mode = DIR_MODE if size is None else FILE_MODE
    info.size = size or 0
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


# --- zip -------------------------------------------------------------------------------------------
def _write_zip(raw: IO[bytes], folder: Path, top: str, mtime: int) -> None:
    archive = zipfile.ZipFile(raw, "w", allowZip64=True)
    try:
        stamp = _dos_time(mtime)
        archive.mkdir(_zip_info(top + "/", stamp, None))
        for rel, full in _members(folder):
            if full is None:
                archive.mkdir(_zip_info(f"{top}/{rel}/", stamp, None))
                continue
            with _Source(full) as source:
                info = _zip_info(f"{top}/{rel}", stamp, source.size)
                with archive.open(info, "w") as member:
                    while chunk := source.read(CHUNK):
                        member.write(chunk)
                source.check_unchanged()
    except BaseException:
        # Released, not finished: the caller removes the half-written file. A second failure
        # here (the disk still full) must not hide the first.
        with contextlib.suppress(Exception):
            archive.close()
        raise
    archive.close()


def _zip_info(name: str, stamp: tuple[int, int, int, int, int, int], size: int | None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system = 3  # Unix: the mode in external_attr is meant
    if size is None:
        info.external_attr = (stat.S_IFDIR | DIR_MODE) << 16 | 0x10  # and the MS-DOS folder bit
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = info.compress_size = info.CRC = 0
        return info
    info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
    info.compress_type = zipfile.ZIP_STORED if Path(name).suffix.lower() in STORED_SUFFIXES \
        else zipfile.ZIP_DEFLATED
    info.file_size = size  # zipfile picks zip64 for the member from it
    return info


def _dos_time(mtime: int) -> tuple[int, int, int, int, int, int]:
    """``mtime`` as a zip's DOS date and time (UTC fields), within what DOS times can hold."""
    t = time.gmtime(mtime)
    stamp = (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)
    return max(_DOS_FIRST, min(_DOS_LAST, stamp))


# --- failures -------------------------------------------------------------------------------------
def _write_error(target: Path, exc: BaseException) -> BagError:
    detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    return refuse(f"could not write {_shown(str(target))}: {detail}", _shown(str(target)), detail)


def _discard(target: Path) -> None:
    """Remove the partial archive; a failure to do so is logged, never hides the first error."""
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        LOG.error("could not remove %s: %s", target, exc)
