"""Typed, frozen values that flow through the pipeline.

Data moves one way: collection -> Item -> Record -> tags/DC -> bag -> report.
Nothing here does I/O; every other module builds or consumes these values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

# Where a record's value came from (see Record.provenance).
CAPTION = "caption"  # the caption text itself
ANALYSIS = "analysis"  # caption analysis (gazetteer, vocabularies, rules)
COLLECTION = "collection"  # collection.toml: collection facts and [defaults]
ARCHIVIST = "archivist"  # a captions.csv override column or a review-sheet edit
IMAGE = "image"  # the image's own metadata, kept where the record said nothing (bag only)
ORIGINS = (CAPTION, ANALYSIS, COLLECTION, ARCHIVIST, IMAGE)
LOCATION_PARTS = ("sublocation", "city", "province_state", "country", "country_code", "identifiers")


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
    name: str | None = None  # a stable slug for lint findings, e.g. "case-clash"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message}
        for key in ("name", "path", "line", "field"):
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
    # [defaults]: used where the caption analysis finds nothing.
    default_location: Location = Location()  # the location of an item whose caption names no place
    default_keywords: tuple[str, ...] = ()  # added to every item's keywords


@dataclass(frozen=True)
class Record:
    """The structured, embeddable description of one item.

    Field names are a public contract: ``packager extract --json`` emits them
    and the crosswalk in ``schemas/crosswalk.toml`` maps them.

    ``provenance`` says where each value came from (one of :data:`ORIGINS`),
    as ``(path, origin)`` pairs in field order. A path is a field name
    (``title``), a list element (``keywords[2]``) or a location part
    (``locations[0].city``, ``locations[0].identifiers``). Every non-empty
    value has an entry; an empty value has one only when the archivist
    emptied it (then a cleared list or location list has its bare field name,
    ``keywords``). :meth:`to_dict` folds a list whose elements share one
    origin into its field name. See :func:`mark`.
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
    provenance: tuple[tuple[str, str], ...] = ()

    def primary_location(self) -> Location:
        return self.locations[0] if self.locations else Location()

    def origin(self, path: str) -> str:
        """Where the value at ``path`` came from ("" when the record does not say)."""
        return dict(self.provenance).get(path, "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "locations":
                out[key] = [loc.to_dict() for loc in self.locations]
            elif key == "provenance":
                out[key] = _folded(self.provenance)
            elif isinstance(value, tuple):
                out[key] = list(value)
            else:
                out[key] = value
        return out


_ELEMENT = re.compile(r"^(?P<field>[a-z_]+)\[\d+\]$")


def field_values(record: Record) -> dict[str, Any]:
    """Every path of ``record`` (see :attr:`Record.provenance`) with its value, in field order.

    Lists contribute their bare field name too (with the whole tuple), so
    that an emptied list still has a path.
    """
    out: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name == "provenance":
            continue
        if f.name == "locations":
            out[f.name] = value
            for i, loc in enumerate(value):
                out.update({f"locations[{i}].{part}": getattr(loc, part) for part in LOCATION_PARTS})
        elif isinstance(value, tuple):
            out[f.name] = value
            out.update({f"{f.name}[{i}]": v for i, v in enumerate(value)})
        else:
            out[f.name] = value
    return out


def _is_empty(value: Any) -> bool:
    return value in ("", None, False) or value == ()


def _is_list(path: str, values: Mapping[str, Any]) -> bool:
    return isinstance(values.get(path), tuple) and "[" not in path


def mark(record: Record, before: Record | None, origin: str, edited: Iterable[str] = ()) -> Record:
    """``record`` with every path whose value differs from ``before`` (all, if None) attributed to ``origin``.

    Paths named in ``edited`` (field names or location part paths) are
    attributed to ``origin`` even when the value did not change: the
    archivist confirmed it. For the archivist, a changed list field is
    attributed as a whole. Entries of values that became empty are dropped
    unless the archivist emptied them.
    """
    new = field_values(record)
    old = field_values(before) if before is not None else {}
    forced = set(edited)
    prov = dict(record.provenance)
    whole = {p for p in new if _is_list(p, new) and (old.get(p) != new[p] or p in forced) and origin == ARCHIVIST}
    for path, value in new.items():
        field_name = m.group("field") if (m := _ELEMENT.match(path)) else path
        changed = path not in old or old[path] != value or path in forced or field_name in whole
        if _is_list(path, new) and value:
            prov.pop(path, None)  # a non-empty list is described by its elements
        elif changed and (not _is_empty(value) or origin == ARCHIVIST):
            prov[path] = origin
    for path in list(prov):
        if path not in new or (_is_empty(new[path]) and prov[path] != ARCHIVIST):
            del prov[path]
    return replace(record, provenance=tuple((p, prov[p]) for p in new if p in prov))


def _folded(provenance: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The provenance as a JSON object; a list whose elements share one origin gets its field name only."""
    groups: dict[str, set[str]] = {}
    for path, origin in provenance:
        if m := _ELEMENT.match(path):
            groups.setdefault(m.group("field"), set()).add(origin)
    out: dict[str, str] = {}
    for path, origin in provenance:
        m = _ELEMENT.match(path)
        if m and len(groups[m.group("field")]) == 1:
            out[m.group("field")] = origin
        else:
            out[path] = origin
    return out


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item in a run (as JSON: :func:`packager.metadata.records.item_dict`)."""

    identifier: str
    file: str
    record: Record  # as analysed, reviewed, then as embedded
    issues: tuple[Issue, ...] = ()
    tags: Mapping[str, Any] = field(default_factory=dict)  # what is (to be) embedded
    dublin_core: tuple[tuple[str, str], ...] = ()  # the sidecar record's pairs
    payload: str | None = None  # path inside the bag, once written
    original_digests: Mapping[str, str] = field(default_factory=dict)  # of the untouched original
    pixel_digest: str = ""  # of the decoded pixels, equal before and after embedding
    # the image's own values that embedding replaced or removed, so that the bag keeps their old text
    # (records.json "replaced"): {"tag": ExifTool tag, "old": value as read, "new": as written, None if removed}
    replaced: tuple[Mapping[str, Any], ...] = ()

    @property
    def failed(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)
