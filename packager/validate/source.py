"""What the validator reads a bag through: the abstract :class:`BagSource`.

The BagIt checks (:mod:`.check` and its helpers) and the metadata layer
(:mod:`.metacheck`) see a bag only through a :class:`BagSource`: a
:class:`Listing` of what is there, the bytes of small files, the digests of
many files, and short-lived local paths for tools that need one (ExifTool,
Pillow). This module owns that interface and the limits every source shares;
the implementations are a folder read where it lies (:mod:`.folder`) and
archives read in place without being extracted (:mod:`.archive` with
:mod:`.archive_tar` and :mod:`.archive_zip`). :mod:`.opening` picks one for a
path. See docs/architecture.md.

Paths are bag-relative POSIX strings (``data/objects/a.jpg``); the bag's own
top folder is never part of them.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from packager.errors import SourceError
from packager.model import Issue

#: Bytes counted so far (a progress callback gets increments).
Tick = Callable[[int], None]
#: Largest tag file read into memory; bigger ones are reported, not read.
TAG_FILE_LIMIT = 64 << 20
#: Images handed to a tool at once (memory flat in the number of images).
LOCAL_BATCH = 100


@dataclass
class Listing:
    """What the bag holds. ``files`` may be read; ``refused`` are present but must
    not be opened (links out of the bag, devices, unsafe archive members), and
    are already reported in ``problems``."""

    files: dict[str, int] = field(default_factory=dict)  # path -> size in octets
    refused: dict[str, int] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    problems: list[Issue] = field(default_factory=list)

    def payload(self) -> dict[str, int]:
        return {p: s for p, s in self.files.items() if p.startswith("data/")}

    def tags(self) -> dict[str, int]:
        return {p: s for p, s in self.files.items() if not p.startswith("data/")}

    def is_file(self, rel: str) -> bool:
        return rel in self.files


class BagSource(ABC):
    """A bag to be read: a folder, or an archive holding one."""

    #: what the user named (folder or archive file), for reports
    location: Path
    #: the bag's name: its folder, or the archive's top folder
    name: str
    #: MIME type of the archive ("application/tar", "application/tar+gzip",
    #: "application/zip"), None for a folder
    serialization: str | None = None
    #: the archive's file name without its extension, None for a folder
    archive_name: str | None = None

    _listing: Listing | None = None

    def listing(self) -> Listing:
        """Everything in the bag, read once and kept."""
        if self._listing is None:
            self._listing = self._scan()
        return self._listing

    @abstractmethod
    def _scan(self) -> Listing: ...

    @abstractmethod
    def read_bytes(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> bytes:
        """The content of one listed file. Raises SourceError (also when larger than ``limit``)."""

    def open(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> AbstractContextManager[IO[bytes]]:
        """A listed file as a binary stream, for files read front to back (large sidecars).
        Raises SourceError as :meth:`read_bytes` does; reading may raise OSError."""
        return nullcontext(io.BytesIO(self.read_bytes(rel, limit)))

    @abstractmethod
    def digests(self, wanted: Mapping[str, set[str]], tick: Tick | None = None,
                workers: int | None = None) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        """(path, {algorithm: hex digest}) for every wanted file, each file read once
        for all its algorithms; a file that cannot be read gives a SourceError.
        ``workers`` threads hash side by side where the source allows (None: one per
        core). Results come in any order; memory stays flat in the number of files."""

    @abstractmethod
    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        """Batches of (path, local path another program can open). A batch's local
        paths stay valid until the next batch is asked for (longer when
        :attr:`stable_local_paths`)."""

    @property
    def stable_local_paths(self) -> bool:
        """True when the local paths :meth:`local_files` hands out stay valid as long as
        the source is open (a folder's own files), so that several batches may be in use at once."""
        return False

    def _readable(self, rel: str, limit: int | None) -> int:
        """The size of listed file ``rel``; SourceError if it is not listed or larger than ``limit``."""
        size = self.listing().files.get(rel)
        if size is None:
            raise SourceError(f"{rel} is not a readable file of the bag")
        if limit is not None and size > limit:
            raise SourceError(f"{rel} is {size:,} bytes, too large to be read as a tag file (limit {limit:,})")
        return size

    def close(self) -> None:  # noqa: B027  (a hook: a folder holds nothing open)
        """Release what the source holds open."""

    def __enter__(self) -> BagSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
