"""Where a bag's bytes come from: a folder on disk, or an archive read in place.

The validator (:mod:`packager.bagit_check`, :mod:`packager.metacheck`) sees a
bag only through a :class:`BagSource`: a listing of what is there, the bytes
of small files, the digests of many files, and short-lived local paths for
tools that need one (ExifTool, Pillow). A folder is read where it lies
(:class:`DirSource`, here); a ``.tar``, ``.tar.gz``/``.tgz`` or ``.zip`` is
streamed without being extracted (:mod:`packager.bagit_archive`).

Paths are bag-relative POSIX strings (``data/objects/a.jpg``); the bag's own
top folder is never part of them.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .payload import Walk, walk_files
from packager.files.hashing import file_digests
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

    @abstractmethod
    def digests(self, wanted: dict[str, set[str]], tick: Tick | None = None,
                processes: int = 1) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        """(path, {algorithm: hex digest}) for every wanted file, each file read once
        for all its algorithms; a file that cannot be read gives a SourceError.
        Results come in any order; memory stays flat in the number of files."""

    @abstractmethod
    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        """Batches of (path, local path another program can open). A batch's local
        paths stay valid until the next batch is asked for."""

    def _readable(self, rel: str, limit: int | None) -> int:
        """The size of listed file ``rel``; SourceError if it is not listed or larger than ``limit``."""
        size = self.listing().files.get(rel)
        if size is None:
            raise SourceError(f"{rel} is not a readable file of the bag")
        if limit is not None and size > limit:
            raise SourceError(f"{rel} is {size:,} bytes, too large to be read as a tag file (limit {limit:,})")
        return size

    def close(self) -> None:
        """Release what the source holds open."""

    def __enter__(self) -> BagSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DirSource(BagSource):
    """A bag that is a folder. Links out of the bag and special files are refused."""

    def __init__(self, root: Path):
        self.location = Path(root)
        self.root = Path(root)
        self.name = self.root.resolve().name or str(self.root)

    def _scan(self) -> Listing:
        out: list[Issue] = []
        payload = walk_files(self.root, "data", out) if (self.root / "data").is_dir() else Walk()
        tags = walk_files(self.root, "", out)
        dirs = payload.dirs | tags.dirs | ({"data"} if (self.root / "data").is_dir() else set())
        return Listing({**payload.files, **tags.files}, {**payload.refused, **tags.refused}, dirs, out)

    def read_bytes(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> bytes:
        self._readable(rel, limit)
        try:
            return (self.root / rel).read_bytes()
        except OSError as exc:
            raise SourceError(f"{rel} cannot be read: {exc.strerror or exc}") from None

    def digests(self, wanted: dict[str, set[str]], tick: Tick | None = None,
                processes: int = 1) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        if processes <= 1 or len(wanted) < 2:
            for rel in sorted(wanted):
                yield rel, _digest_one(self.root, rel, sorted(wanted[rel]), tick)
            return
        yield from _parallel_digests(self.root, wanted, tick, processes)

    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        batch: list[tuple[str, Path]] = []
        for rel in rels:
            if rel in self.listing().files:
                batch.append((rel, self.root / rel))
            if len(batch) == LOCAL_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _digest_one(root: Path, rel: str, algorithms: list[str], tick: Tick | None) -> dict[str, str] | SourceError:
    try:
        return file_digests(root / rel, algorithms, tick)
    except OSError as exc:
        return SourceError(f"{rel} cannot be read: {exc.strerror or exc}")


def _hash_in_worker(root: str, rel: str, algorithms: list[str]) -> tuple[str, dict[str, str] | str, int]:
    """Run in a worker process: (path, digests or why not, octets read)."""
    try:
        return rel, file_digests(Path(root, rel), algorithms), os.stat(Path(root, rel)).st_size
    except OSError as exc:
        return rel, f"{rel} cannot be read: {exc.strerror or exc}", 0


def _parallel_digests(root: Path, wanted: dict[str, set[str]], tick: Tick | None,
                      processes: int) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
    """Hash in ``processes`` worker processes. At most a few files per worker are
    queued at any time, so memory does not grow with the number of files."""
    window = processes * 4
    pending: set[Future[tuple[str, dict[str, str] | str, int]]] = set()
    todo = iter(sorted(wanted))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        while True:
            for rel in todo:
                pending.add(pool.submit(_hash_in_worker, str(root), rel, sorted(wanted[rel])))
                if len(pending) >= window:
                    break
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                rel, result, size = future.result()
                if tick and size:
                    tick(size)
                yield rel, (SourceError(result) if isinstance(result, str) else result)


def open_source(path: Path, out: list[Issue]) -> BagSource | None:
    """The source for ``path``: a folder, or a .tar/.tar.gz/.tgz/.zip archive.

    Returns None (with the reason in ``out``) when ``path`` is neither.
    """
    path = Path(path)
    if path.is_dir():
        return DirSource(path)
    from .archive import open_archive  # archives are the rarer case

    return open_archive(path, out)
