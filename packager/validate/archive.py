"""What every serialized bag (``.tar``, ``.tar.gz``/``.tgz``, ``.zip``) shares.

An archive is read in place: nothing is extracted to disk. This module owns
what does not depend on the format: the listing built member by member
(:class:`_Members`), which refuses what would be dangerous to extract (E510:
absolute paths, ``..``, links, devices, members beside the single top folder,
the same path twice) and checks the serialization rules; the archive bomb
limit (E511: the sizes the archive declares against its own size); hashing a
member as a stream; and the common base of :mod:`.archive_tar` and
:mod:`.archive_zip`. :mod:`.opening` tells the formats apart by their first
bytes. Members are handed to other programs through :mod:`.local_copies`.

The serialization rules of the BagIt drafts (draft-kunze-bagit-14 §4; RFC
8493 dropped the section, nothing replaced it): a serialized bag unpacks to
a single top-level folder (MUST), named like the archive without its
extension (SHOULD: W512 when not).
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from packager import issues
from packager.errors import SourceError
from packager.files.hashing import CHUNK, Digests
from packager.issues.receiving import situation
from packager.model import Issue

from .paths import escape_reason
from .source import BagSource, Listing, Tick

MIME_TAR = "application/tar"
MIME_TAR_GZIP = "application/tar+gzip"
MIME_ZIP = "application/zip"
_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
#: Expansion beyond this many times the archive's own size is taken for a bomb...
MAX_EXPANSION_RATIO = 100
#: ...once more than this much would come out (small archives may compress well).
BOMB_FLOOR = 512 << 20


def archive_name(path: Path) -> str:
    """The archive's file name without its extension (what the top folder should be called)."""
    name = path.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


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
        if not raw:
            self._refuse(raw, "member_empty_name")
            return None
        reason = self._unsafe(raw)
        if reason:
            self._refuse(raw, "member_unsafe", reason=reason)
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
                self._refuse(raw, "member_second_top", top=top, first=self.top)
            return None
        if not rel:
            return None  # the top folder itself
        if rel in self.seen:
            self.listing.files.pop(rel, None)
            self.listing.refused[rel] = size
            self._refuse(raw, "member_twice")
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
            self._refuse(raw, "member_link", link="symbolic" if kind == "symlink" else "hard", target=target)
            return None
        if kind != "file":
            self.listing.refused[rel] = 0
            self._refuse(raw, "member_special", kind=kind)
            return None
        if any("\udc80" <= c <= "\udcff" for c in rel):
            self.listing.problems.append(situation("W507", "name_not_utf8_archive", path=rel))
        self.listing.files[rel] = size
        return rel

    @staticmethod
    def _unsafe(raw: str) -> str | None:
        """Why unpacking member ``raw`` could write outside the target folder, or None."""
        while raw.startswith("./"):  # "tar -cf x.tar ./bag" writes such names; harmless
            raw = raw[2:]
        return escape_reason(raw)

    def _refuse(self, raw: str, what: str, **values: Any) -> None:
        self.listing.problems.append(situation("E510", what, path=raw, **values))

    def finish(self, source: _ArchiveSource, complete: bool = True) -> Listing:
        """The listing; ``complete`` False when reading stopped early (nothing more is judged)."""
        source.name = self.top or source.archive_name or source.location.name
        if not complete:
            return self.listing
        if self.loose:
            shown = ", ".join(repr(n) for n in self.loose[:5]) + (" ..." if len(self.loose) > 5 else "")
            self.listing.problems.append(situation("E510", "loose_files", path=self.loose[0],
                                                   count=len(self.loose), shown=shown))
        if self.top is None:
            self.listing.problems.append(situation("E510", "no_folder", path=source.location.name))
        elif source.archive_name and self.top != source.archive_name:
            self.listing.problems.append(issues.make("W512", path=self.top + "/", archive=source.location.name,
                                                     expected=source.archive_name))
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
            return issues.make("E511", path=self.location.name, declared=declared, cause=what,
                               ratio=MAX_EXPANSION_RATIO, size=self.size)
        return None


#: What reading a member may raise, besides SourceError.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, tarfile.TarError)


class _Guarded(io.RawIOBase):
    """A member's stream whose reading errors (a damaged archive) become SourceError."""

    def __init__(self, fh: IO[bytes], rel: str, archive: str):
        super().__init__()
        self._fh, self._rel, self._archive = fh, rel, archive

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._fh.read(len(buffer))
        except READ_ERRORS as exc:
            raise SourceError(f"{self._rel} is damaged in {self._archive}: {exc}") from None
        buffer[:len(data)] = data
        return len(data)


def guarded(fh: IO[bytes] | None, rel: str, archive: str) -> IO[bytes]:
    """``fh`` buffered, with reading errors as SourceError (an empty stream for None)."""
    if fh is None:
        return io.BytesIO(b"")
    return io.BufferedReader(_Guarded(fh, rel, archive), buffer_size=1 << 16)


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
    return situation("E513", "damaged", path=location.name, error=exc)
