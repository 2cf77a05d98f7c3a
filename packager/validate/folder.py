"""A bag that is a folder on disk, read where it lies.

:class:`DirSource` lists the folder without following links out of the bag
(the walk is :mod:`.payload`'s), reads files directly, and hashes them in a
pool of threads (:mod:`.hashpool`). The interface it implements is
:class:`~.source.BagSource`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from packager.errors import SourceError
from packager.model import Issue

from .hashpool import hash_files
from .payload import Walk, walk_files
from .source import LOCAL_BATCH, TAG_FILE_LIMIT, BagSource, Listing, Tick


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

    def open(self, rel: str, limit: int | None = TAG_FILE_LIMIT) -> AbstractContextManager[IO[bytes]]:
        self._readable(rel, limit)
        try:
            return open(self.root / rel, "rb")
        except OSError as exc:
            raise SourceError(f"{rel} cannot be read: {exc.strerror or exc}") from None

    def digests(self, wanted: Mapping[str, set[str]], tick: Tick | None = None,
                workers: int | None = None) -> Iterator[tuple[str, dict[str, str] | SourceError]]:
        sizes = self.listing().files
        yield from hash_files(self.root, sorted(wanted), wanted, lambda rel: sizes.get(rel, 0), tick, workers)

    @property
    def stable_local_paths(self) -> bool:
        # The files themselves are handed out; a subclass that hands out copies says so by overriding local_files.
        return type(self).local_files is DirSource.local_files

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
