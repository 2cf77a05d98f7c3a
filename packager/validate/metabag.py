"""The bag as the metadata layer sees it: :class:`_Bag`, and the layer's paths.

Shared by the sidecar checks (:mod:`.metacsv`, :mod:`.sidecars`) and their
entry point (:mod:`.metacheck`): the listing, whether the bag is ours, the
problems found so far, and reading a sidecar with a size limit (a file the
BagIt layer refused is never opened). See docs/validator.md for what the
layer checks.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any

from packager import issues
from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.metadata.layout import OBJECTS_DIR
from packager.model import Issue

from .capped import Capped
from .source import BagSource, Listing

OBJECTS_PREFIX = OBJECTS_DIR + "/"
#: Archivematica names objects relative to the transfer (the bag's data/ folder).
TRANSFER_DIR = "objects"


@dataclass
class _Bag:
    """The bag being checked, and the problems found so far."""

    source: BagSource
    listing: Listing
    ours: bool
    found: list[Issue] = field(default_factory=Capped)  # bounded: see .capped

    def report(self, code: str, what: str | None, path: str | None, line: int | None = None, **values: Any) -> None:
        """One finding: situation ``what`` of ``code``, or None for a code raised in one situation only."""
        if what is None:
            self.found.append(issues.make(code, path=path, line=line, **values))
        else:
            self.found.append(situation(code, what, path=path, line=line, **values))

    def present(self, rel: str) -> bool:
        return rel in self.listing.files or rel in self.listing.refused

    @cached_property
    def folders(self) -> set[str]:
        """Every folder of the bag: those listed, and those above a listed file (an
        archive need not list its folders)."""
        found = set(self.listing.dirs)
        for rel in (*self.listing.files, *self.listing.refused):
            parts = rel.split("/")[:-1]
            found.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        return found

    def read(self, rel: str, limit: int, code: str) -> bytes | None:
        """A sidecar's bytes, or None with the reason reported (refused, too large, unreadable)."""
        if self._refused(rel, code):
            return None
        try:
            return self.source.read_bytes(rel, limit=limit)
        except SourceError as exc:
            self.report(code, "unreadable", rel, error=exc)
            return None

    def stream(self, rel: str, limit: int, code: str) -> AbstractContextManager[IO[bytes]] | None:
        """A sidecar to read front to back, or None with the reason reported as :meth:`read` does.
        Reading it may raise SourceError or OSError (see :meth:`unreadable`)."""
        if self._refused(rel, code):
            return None
        try:
            return self.source.open(rel, limit=limit)
        except SourceError as exc:
            self.report(code, "unreadable", rel, error=exc)
            return None

    def unreadable(self, rel: str, code: str, exc: Exception) -> None:
        """Report a sidecar that failed while being read as a stream."""
        error = exc if isinstance(exc, SourceError) else SourceError(f"{rel} cannot be read: {exc}")
        self.report(code, "unreadable", rel, error=error)

    def _refused(self, rel: str, code: str) -> bool:
        if rel not in self.listing.refused:
            return False
        why = next((p.message for p in self.listing.problems if p.path == rel), "it is not a regular file")
        self.report(code, "refused", rel, why=why)
        return True


def _blocked(listing: Listing, folder: str) -> str | None:
    """Why ``folder`` was not walked (a link to a folder, or missing), from the listing's problems."""
    if folder in listing.dirs:
        return None
    return next((p.message for p in listing.problems if p.path == folder), None)


def _in_folder(rel: str, folder: str) -> bool:
    """True for a file directly inside ``folder`` (not in a subfolder)."""
    return rel.startswith(folder + "/") and "/" not in rel[len(folder) + 1:]
