"""The crosswalk: Record fields to Dublin Core and to embedded tags, and back.

The mapping itself is data (``schemas/crosswalk.toml``); this module only
interprets it. XMP receives the full values (it is the master copy); IIM
receives the same values clipped to each dataset's byte limit at a UTF-8
character boundary, each clipping reported; EXIF receives the few text fields
it has.
"""

from __future__ import annotations

import mimetypes
import re
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
    #: Dublin Core values every item carries whatever its record says (``[dc_constants]``).
    dc_constants: tuple[tuple[str, str], ...] = ()

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
    constants = tuple((str(k), str(v)) for k, v in data.get("dc_constants", {}).items())
    return Crosswalk(version=str(data["version"]), mappings=tuple(rows), dc_constants=constants)


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
    """Dublin Core pairs of an item (its metadata.csv row; its oai_dc record dumbs them down):
    the mapped fields, the constants, then ``dc.format`` from the file name."""
    cw = crosswalk or load()
    pairs: DCPairs = []
    for m in cw.mappings:
        if m.dc:
            pairs.extend((m.dc, v) for v in field_values(record, m))
    pairs.extend(cw.dc_constants)
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
            shown = [loc for loc in (location_from_struct(s) for s in as_list(value) if isinstance(s, dict))
                     if not loc.is_empty()]
            core = core_location(tags, cw)
            if not core.is_empty() and not any(location_within(core, loc) for loc in shown):
                shown.insert(0, core)  # the image's own City, Country... name a place LocationShown lacks
            pairs.extend((m.dc, loc.label()) for loc in shown)
            continue
        pairs.extend((m.dc, str(v)) for v in as_list(value) if str(v) != "")
    return pairs


def core_location(tags: Tags, crosswalk: Crosswalk | None = None) -> Location:
    """The location the image's core XMP tags (City, State, Country...) name, as one Location."""
    cw = crosswalk or load()
    parts: dict[str, Any] = {m.field: storable_text(str(as_list(tags[m.xmp])[0])) for m in cw.mappings
                             if m.source == "location" and m.xmp and as_list(tags.get(m.xmp))}
    return Location(**parts)


def location_within(part: Location, whole: Location) -> bool:
    """True when every part ``part`` names, ``whole`` names alike (ignoring case and outer spaces)."""
    return all(getattr(whole, attr).strip().casefold() == getattr(part, attr).strip().casefold()
               for attr, _ in LOCATION_MEMBERS if getattr(part, attr))


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def iim_left_alone(tags: Tags) -> str:
    """Why IIM in a file that ExifTool describes with ``tags`` is not written ("" when it may be):
    IIM in more than one place (two Photoshop APP13 blocks, or a FotoStation trailer; ExifTool
    names the second block's group IPTC2) cannot be rewritten without merging the blocks, and the
    merge loses or repeats values."""
    blocks = {tag.split(":", 1)[0] for tag in tags if re.match(r"IPTC\d+:", tag)}
    if not blocks:
        return ""
    if any(tag.startswith("FotoStation:") for tag in tags):
        return "it is stored in a FotoStation trailer after the image data, not in a standard IIM block"
    return f"it is split over {len(blocks) + 1} IIM blocks (Photoshop APP13 segments) whose values differ"


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
    return "\n".join(lines + dc_section(cw) + KEPT_SECTION) + "\n"


def dc_section(cw: Crosswalk) -> list[str]:
    """What docs/crosswalk.md says of the Dublin Core columns beyond the table."""
    constants = ", ".join(f"`{name}` = `{value}`" for name, value in cw.dc_constants)
    return [
        "",
        "## Dublin Core",
        "",
        f"- Every item also carries {constants or 'no constant value'}, and `dc.format` (the MIME type "
        "its file name gives). The IPTC digital source type stays in XMP (`Iptc4xmpExt:DigitalSourceType`).",
        "- `dc.language` is the caption's own language: the CSV column `language` (an ISO 639 code) when "
        "the archivist gives one, else the language its script shows unambiguously (Chinese, Japanese, "
        "Korean, Arabic, Hebrew, Greek, Thai and a few more; never a language written in Latin or Cyrillic "
        "letters), else the collection's `language`. The record's provenance says which.",
        "- `metadata.csv` holds every pair of this table, `dcterms.*` included. The item's record in "
        "`data/metadata/dc/` is an OAI-PMH `oai_dc:dc` document with the fifteen `dc.*` elements only: "
        "a `dcterms.*` value is written as the element it refines (`dcterms.isPartOf` as `dc.relation`), "
        "and only where that element does not already hold its text (`dcterms.abstract`, the caption's "
        "first sentence, is already in `dc.description`). Terms that refine no element are left out there.",
    ]


#: How the values an image already holds are treated (the end of docs/crosswalk.md).
KEPT_SECTION = [
    "",
    "## What the image already says",
    "",
    "- A field the record leaves empty keeps the image's own value (I312), chosen as a Metadata Working "
    "Group reader would, and that value enters the record, so `records.json`, the Dublin Core record and "
    "`metadata.csv` say it too. This includes the image's location: its City, Province/State, Country "
    "(when no `LocationShown` entry names that place, it comes first) and its `LocationShown` entries "
    "all become the record's locations and `dc.coverage`.",
    "- A location named by the caption replaces the image's core location (City ... Country code) as a "
    "whole, but `LocationShown` is merged: an entry of the image for the same place lends the record's "
    "entry what it lacks (GPS, world region, location name, further identifiers); entries for other "
    "places follow the record's own.",
    "- Every tag of this table whose value in the bag's copy differs from the original's is reported "
    "with its old text (W314; W313 when a copy is removed or brought in line), and listed in the item's "
    "`replaced` in `records.json`: `[{\"tag\": \"XMP-photoshop:City\", \"old\": ..., \"new\": ...}]`, "
    "values as ExifTool reads them, `new` null when the tag was removed. A `LocationShown` member "
    "ExifTool cannot write back (12.57: `GPSAltitudeRef` in the iptcExt namespace) is kept there only (W315).",
    "- Tags outside this table are never changed, also IIM datasets longer than their limit (an "
    "over-long Category stays whole). IIM in two places (two Photoshop APP13 blocks, a FotoStation "
    "trailer) is left byte for byte as it is, with no fresh IPTCDigest, and the record goes to XMP and "
    "EXIF only (W316).",
]
