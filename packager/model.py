"""Typed, frozen values that flow through the pipeline.

Data moves one way: collection -> Item -> Record -> tags/DC -> bag -> report.
Nothing here does I/O; every other module builds or consumes these values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Issue:
    """One coded finding about an input, an item or a bag.

    ``code`` comes from :mod:`packager.issues`; ``path``/``line``/``field``
    say where, so that the message can be acted upon.
    """

    code: str
    severity: str
    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message}
        for key in ("path", "line", "field"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Location:
    """A place shown in the image, most specific part first."""

    sublocation: str = ""
    city: str = ""
    province_state: str = ""
    country: str = ""
    country_code: str = ""  # ISO 3166-1 alpha-3, as IIM requires exactly 3 letters
    identifiers: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any((self.sublocation, self.city, self.province_state, self.country, self.country_code))

    def label(self) -> str:
        """Human-readable form, e.g. ``Houhai Lake, Beijing, China``."""
        parts: list[str] = []
        for part in (self.sublocation, self.city, self.province_state, self.country):
            if part and part not in parts:
                parts.append(part)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["identifiers"] = list(self.identifiers)
        return d


@dataclass(frozen=True)
class Item:
    """An image paired with its caption, before any analysis.

    ``image`` is None when the caption names no existing file; ``caption`` is
    None for an image that has no caption. Provenance (``source``, ``line``)
    points back at the caption's origin for error messages.
    """

    identifier: str
    file: str  # file name relative to the collection's image folder (posix)
    image: Path | None
    caption: str | None
    source: str  # caption source file, as given in the collection description
    line: int | None  # 1-based line (or CSV record) of the caption
    overrides: Mapping[str, str] = field(default_factory=dict)  # extra CSV columns


@dataclass(frozen=True)
class CollectionInfo:
    """Collection-level facts from ``collection.toml`` (unknown facts stay empty)."""

    identifier: str
    title: str
    description: str = ""
    language: str = ""
    rights: str = ""
    creator: tuple[str, ...] = ()
    publisher: str = ""
    contributor: tuple[str, ...] = ()
    date: str = ""
    coverage: str = ""
    source: str = ""  # where the material came from (e.g. the gallery URL)
    credit: str = ""
    subject: tuple[str, ...] = ()
    digital_source_type: str = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    contact: str = ""


@dataclass(frozen=True)
class Record:
    """The structured, embeddable description of one item.

    Field names are a public contract: ``packager extract --json`` emits them
    and the crosswalk in ``schemas/crosswalk.toml`` maps them.
    """

    identifier: str
    file: str
    description: str
    headline: str = ""
    title: str = ""
    truncated: bool = False
    digital_source_type: str = ""
    keywords: tuple[str, ...] = ()
    locations: tuple[Location, ...] = ()
    organisations: tuple[str, ...] = ()
    persons_shown: tuple[str, ...] = ()
    persons_mentioned: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    # Collection-level facts copied onto every item.
    creator: tuple[str, ...] = ()
    rights: str = ""
    publisher: str = ""
    credit: str = ""
    source: str = ""
    language: str = ""
    date: str = ""
    collection: str = ""  # title of the collection the item is part of
    # Provenance of the caption.
    caption_source: str = ""
    caption_line: int | None = None

    def primary_location(self) -> Location:
        return self.locations[0] if self.locations else Location()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "locations":
                out[key] = [loc.to_dict() for loc in self.locations]
            elif isinstance(value, tuple):
                out[key] = list(value)
            else:
                out[key] = value
        return out


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item in a run."""

    identifier: str
    file: str
    record: Record | None
    issues: tuple[Issue, ...] = ()
    tags: Mapping[str, Any] = field(default_factory=dict)  # what is (to be) embedded
    dublin_core: tuple[tuple[str, str], ...] = ()  # the sidecar record's pairs
    payload: str | None = None  # path inside the bag, once written
    original_digests: Mapping[str, str] = field(default_factory=dict)  # of the untouched original
    pixel_digest: str = ""  # of the decoded pixels, equal before and after embedding

    @property
    def failed(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.record.to_dict() if self.record else {"identifier": self.identifier, "file": self.file}
        out["issues"] = [i.to_dict() for i in self.issues]
        out["tags"] = dict(self.tags)
        out["dublin_core"] = [{"element": k, "value": v} for k, v in self.dublin_core]
        if self.payload:
            out["payload"] = self.payload
        if self.pixel_digest:
            out["pixel_sha256"] = self.pixel_digest
        return out
