"""The crosswalk: Record fields to Dublin Core and to embedded tags, and back.

The mapping itself is data (``schemas/crosswalk.toml``); this module only
interprets it. XMP receives the full values (it is the master copy); IIM
receives the same values clipped to each dataset's byte limit at a UTF-8
character boundary, each clipping reported; EXIF receives the few text fields
it has.
"""

from __future__ import annotations

import mimetypes
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from packager import issues, schemas
from packager.model import Issue, Location, Record

from .text import storable_text

CROSSWALK_FILE = "crosswalk.toml"  # in packager/schemas/
LOCATION_SHOWN = "XMP-iptcExt:LocationShown"
# Struct member names of IPTC's Location structure, by Location attribute.
LOCATION_MEMBERS = (
    ("sublocation", "Sublocation"),
    ("city", "City"),
    ("province_state", "ProvinceState"),
    ("country", "CountryName"),
    ("country_code", "CountryCode"),
)
Tags = dict[str, Any]
DCPairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Mapping:
    """One row of the crosswalk."""

    field: str
    label: str
    dc: str
    xmp: str
    iim: str
    iim_bytes: int | None
    exif: str
    repeat: bool
    source: str  # "" (a Record attribute) or "location" (first Location)


@dataclass(frozen=True)
class Crosswalk:
    version: str
    mappings: tuple[Mapping, ...]

    def by_field(self, name: str) -> Mapping:
        for m in self.mappings:
            if m.field == name:
                return m
        raise KeyError(name)


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> Crosswalk:
    """Parse the crosswalk (the shipped one unless ``path`` names another); a malformed row is a
    ValueError naming it."""
    if path is None:
        text, where = schemas.read_text(CROSSWALK_FILE), schemas.label(CROSSWALK_FILE)
    else:
        text, where = path.read_text(encoding="utf-8"), str(path)
    data = tomllib.loads(text)
    rows = []
    for n, row in enumerate(data.get("field", []), start=1):
        try:
            rows.append(Mapping(field=row["field"], label=row["label"], dc=row.get("dc", ""),
                                xmp=row.get("xmp", ""), iim=row.get("iim", ""),
                                iim_bytes=row.get("iim_bytes"), exif=row.get("exif", ""),
                                repeat=bool(row.get("repeat", False)), source=row.get("source", "")))
        except KeyError as exc:
            raise ValueError(f"{where}: field row {n} lacks {exc}") from exc
        if rows[-1].iim and not rows[-1].iim_bytes:
            raise ValueError(f"{where}: field {rows[-1].field} has an IIM tag but no iim_bytes")
    return Crosswalk(version=str(data["version"]), mappings=tuple(rows))


def clip_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits ``limit`` bytes."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def field_values(record: Record, m: Mapping) -> list[str]:
    """The non-empty text values of one crosswalk field for a record."""
    if m.source == "location":
        value: Any = getattr(record.primary_location(), m.field)
    elif m.field == "locations":
        return [loc.label() for loc in record.locations if not loc.is_empty()]
    else:
        value = getattr(record, m.field)
    if isinstance(value, bool):
        value = "true" if value else ""
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    values = [v for v in (str(x) for x in values if x is not None) if v != ""]
    if not m.repeat and len(values) > 1:
        values = ["; ".join(values)]
    return values


def location_struct(loc: Location) -> dict[str, Any]:
    struct: dict[str, Any] = {member: getattr(loc, attr) for attr, member in LOCATION_MEMBERS
                              if getattr(loc, attr)}
    if loc.identifiers:
        struct["LocationId"] = list(loc.identifiers)
    return struct


def location_from_struct(struct: dict[str, Any]) -> Location:
    """A Location from an IPTC Location structure as ExifTool reads it (``-struct``)."""
    return Location(**{attr: storable_text(str(struct.get(member, ""))) for attr, member in LOCATION_MEMBERS},
                    identifiers=tuple(storable_text(str(i)) for i in as_list(struct.get("LocationId"))))


def to_tags(record: Record, crosswalk: Crosswalk | None = None, *, iim: bool = True) -> tuple[Tags, list[Issue]]:
    """The tag set to embed for a record, and the IIM clippings as warnings."""
    cw = crosswalk or load()
    tags: Tags = {}
    found: list[Issue] = []
    for m in cw.mappings:
        if m.field == "locations":
            structs = [location_struct(loc) for loc in record.locations if not loc.is_empty()]
            if structs:
                tags[m.xmp] = structs
            continue
        values = field_values(record, m)
        if values:
            tags.update(field_tags(m, values, record.file, found, iim))
    return tags, found


def field_tags(m: Mapping, values: list[str], file: str, found: list[Issue], iim: bool) -> Tags:
    """One field's values in each of its homes: XMP in full, EXIF joined, IIM clipped."""
    tags: Tags = {}
    if m.xmp:
        tags[m.xmp] = values if m.repeat else values[0]
    if m.exif:
        tags[m.exif] = "; ".join(values)
    if iim and m.iim:
        clipped = _clip_all(values, m, file, found)
        if not (m.field == "country_code" and len(clipped[0].encode("utf-8")) != 3):
            tags[m.iim] = clipped if m.repeat else clipped[0]  # IIM wants exactly three letters
    return tags


def _clip_all(values: list[str], m: Mapping, file: str, found: list[Issue]) -> list[str]:
    assert m.iim_bytes is not None
    out = []
    for value in values:
        clipped = clip_utf8(value, m.iim_bytes)
        if clipped != value:
            found.append(issues.make("W301", path=file, field=m.field, tag=m.iim,
                                     length=len(value.encode("utf-8")), limit=m.iim_bytes, master=m.xmp))
        out.append(clipped)
    return out


def to_dc(record: Record, crosswalk: Crosswalk | None = None) -> DCPairs:
    """Dublin Core pairs for an item's sidecar record and metadata.csv row."""
    cw = crosswalk or load()
    pairs: DCPairs = []
    for m in cw.mappings:
        if m.dc:
            pairs.extend((m.dc, v) for v in field_values(record, m))
    mime = mimetypes.guess_type(record.file)[0]
    if mime:
        pairs.append(("dc.format", mime))
    return pairs


def embedded_dc_elements(crosswalk: Crosswalk | None = None) -> set[str]:
    """DC elements whose values are also embedded in XMP (checkable against the file)."""
    cw = crosswalk or load()
    return {m.dc for m in cw.mappings if m.dc and m.xmp and m.source != "location"}


def tags_to_dc(tags: Tags, crosswalk: Crosswalk | None = None) -> DCPairs:
    """Read-back: the DC pairs that embedded XMP implies (for elements in embedded_dc_elements)."""
    cw = crosswalk or load()
    pairs: DCPairs = []
    for m in cw.mappings:
        if not (m.dc and m.xmp) or m.source == "location":
            continue
        value = tags.get(m.xmp)
        if m.field == "locations":
            for struct in as_list(value):
                if isinstance(struct, dict):
                    loc = location_from_struct(struct)
                    if not loc.is_empty():
                        pairs.append((m.dc, loc.label()))
            continue
        pairs.extend((m.dc, str(v)) for v in as_list(value) if str(v) != "")
    return pairs


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def iim_expectations(tags: Tags, crosswalk: Crosswalk | None = None) -> Iterable[tuple[Mapping, list[str]]]:
    """For each IIM-mapped field present in XMP: the IIM values the XMP implies."""
    cw = crosswalk or load()
    for m in cw.mappings:
        if not (m.iim and m.xmp):
            continue
        values = [str(v) for v in as_list(tags.get(m.xmp)) if str(v) != ""]
        if not m.repeat and len(values) > 1:
            values = ["; ".join(values)]
        assert m.iim_bytes is not None
        clipped = [clip_utf8(v, m.iim_bytes) for v in values]
        if m.field == "country_code":
            clipped = [v for v in clipped if len(v.encode("utf-8")) == 3]
        yield m, clipped


def render_markdown(crosswalk: Crosswalk | None = None) -> str:
    """The crosswalk as a Markdown table (docs/crosswalk.md is this, generated)."""
    cw = crosswalk or load()
    lines = [
        "# Crosswalk",
        "",
        f"Generated from `packager/schemas/crosswalk.toml` (version {cw.version}) by "
        "`python scripts/crosswalk_table.py`; do not edit by hand, a test compares the two.",
        "",
        "XMP holds the full value (master copy). IIM values are clipped to the byte limit at a "
        "UTF-8 character boundary, and each clipping is reported as warning W301. Fields labelled "
        "*(first location)* come from the item's first location shown; all locations go into "
        "`LocationShown` with their identifiers in `LocationId`.",
        "",
        "| Field | Label | Dublin Core | XMP (master) | IPTC-IIM | IIM bytes | EXIF | Repeats |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in cw.mappings:
        label = m.label + (" (first location)" if m.source == "location" else "")
        cells = [f"`{m.field}`", label, m.dc or "–", m.xmp or "–", m.iim or "–",
                 str(m.iim_bytes) if m.iim_bytes else "–", m.exif or "–", "yes" if m.repeat else "no"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
