"""Tag values on their way into and out of ExifTool (pure functions, no process).

:func:`prepare` turns the tags a caller wants into exactly what
:meth:`packager.embed.exiftool.ExifTool.write` sends: storable text (see
:mod:`packager.metadata.text`), IIM clipped to its byte limits at a character
boundary, ``base64:`` values protected from ``-json=`` decoding, IPTC tags
dropped for formats that cannot carry IIM, and the bookkeeping tags added.
:func:`parse` and :func:`compare` read ExifTool's JSON back and compare it
with what was meant, one E303 issue per differing tag.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from packager import issues
from packager.model import Issue

from .text import NOT_XML, storable_text

#: ExifTool FileType values whose files carry IPTC-IIM by standard.
IIM_FORMATS = frozenset({"JPEG", "TIFF", "PSD", "DNG"})
#: File name suffixes of formats that carry IPTC-IIM in a standard place; others get XMP + EXIF.
IIM_SUFFIXES = frozenset({".jpg", ".jpeg", ".tif", ".tiff", ".psd"})
#: Written by :meth:`ExifTool.write` itself; ignored by :func:`compare`.
BOOKKEEPING = frozenset({"IPTC:CodedCharacterSet", "Photoshop:IPTCDigest",
                         "IPTC:EnvelopeRecordVersion", "IPTC:ApplicationRecordVersion"})
#: IIM dataset limits in bytes (IIM 4.2, and ExifTool's for its private datasets), for every
#: free-text dataset: ExifTool cuts longer values mid-character, also when it re-writes an
#: original's own IIM, and does not always warn.
IIM_LIMITS = {"ObjectName": 64, "Headline": 256, "Caption-Abstract": 2000, "Keywords": 64, "By-line": 32,
              "By-lineTitle": 32, "City": 32, "Sub-location": 32, "Province-State": 32,
              "Country-PrimaryLocationName": 64, "Country-PrimaryLocationCode": 3, "CopyrightNotice": 128,
              "Credit": 32, "Source": 32, "Writer-Editor": 32, "SpecialInstructions": 256, "Contact": 128,
              "OriginalTransmissionReference": 32, "SupplementalCategories": 32, "Category": 3,
              "EditStatus": 64, "FixtureIdentifier": 32, "ContentLocationName": 64, "OriginatingProgram": 32,
              "ProgramVersion": 10, "LocalCaption": 256, "AudioOutcue": 64, "JobID": 64, "MasterDocumentID": 256,
              "ShortDocumentID": 64, "UniqueDocumentID": 128, "OwnerID": 128, "Prefs": 64, "ClassifyState": 64,
              "SimilarityIndex": 32, "DocumentNotes": 1024, "DocumentHistory": 256, "ExifCameraInfo": 4096,
              "CatalogSets": 256, "Destination": 1024, "ProductID": 32, "ServiceIdentifier": 10}
#: XMP language alternatives: writing the bare tag would delete every other language.
LANG_ALT_TAGS = frozenset({"XMP-dc:Title", "XMP-dc:Description", "XMP-dc:Rights", "XMP-iptcExt:Event"})
#: Tags that hold lists; ExifTool's JSON shows a one-item list as a bare value.
LIST_TAGS = frozenset({"XMP-dc:Subject", "XMP-dc:Creator", "XMP-dc:Contributor", "XMP-dc:Publisher",
                       "XMP-dc:Language", "XMP-dc:Type", "XMP-dc:Relation", "IPTC:Keywords", "IPTC:By-line",
                       "IPTC:By-lineTitle", "IPTC:SupplementalCategories", "IPTC:Writer-Editor",
                       "IPTC:Contact", "XMP-iptcExt:LocationShown", "XMP-iptcExt:LocationCreated",
                       "XMP-iptcExt:OrganisationInImageName", "XMP-iptcExt:OrganisationInImageCode",
                       "XMP-iptcExt:PersonInImage", "XMP-iptcCore:Scene", "XMP-iptcCore:SubjectCode"})
#: What every write of IIM adds: the UTF-8 marker and a fresh digest (MWG: XMP and IIM agree).
IIM_MARKS = {"IPTC:CodedCharacterSet": "UTF8", "Photoshop:IPTCDigest": "new"}
_LIST_FIELDS = frozenset({"LocationId"})  # list members inside structures

_TAG = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*:[A-Za-z][A-Za-z0-9-]*\Z")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_MARK = "\x1f"


def _storable(value: Any) -> tuple[Any, int]:
    """(value as stored, number of replaced characters); empty parts dropped."""
    if value is None:
        return "", 0
    if isinstance(value, bool):
        raise TypeError(f"tag values must be text, lists or structures, not {value!r}")
    if isinstance(value, (int, float)):
        value = str(value)
    if isinstance(value, str):
        return storable_text(value), len(NOT_XML.findall(value))
    if isinstance(value, Mapping):
        struct, count = {}, 0
        for key, member in value.items():
            if not _FIELD.match(key):
                _bad_name(key)
            struct[key], replaced = _storable(member)
            count += replaced
        return {k: v for k, v in struct.items() if not _empty(v)}, count
    if isinstance(value, (list, tuple)):
        items = [_storable(v) for v in value]
        return [v for v, _ in items if not _empty(v)], sum(n for _, n in items)
    raise TypeError(f"unsupported tag value {value!r}")


def _bad_name(name: str) -> None:
    raise ValueError(f"not an ExifTool tag or structure field name: {name!r}")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def group(tag: str) -> str:
    return tag.split(":", 1)[0].upper()


def _clip_iim(tag: str, value: Any, file: str, found: list[Issue], master: str = "XMP") -> Any:
    """Cut IIM values to their byte limit at a character boundary (W301)."""
    limit = IIM_LIMITS.get(tag.split(":", 1)[1])
    if limit is None or isinstance(value, Mapping):
        return value
    if isinstance(value, list):
        return [_clip_iim(tag, v, file, found, master) for v in value]
    data = value.encode("utf-8")
    if len(data) <= limit:
        return value
    where = master if master == "XMP" else f"{master}: {value!r}"
    found.append(issues.make("W301", path=file, field=tag, tag=tag, length=len(data), limit=limit, master=where))
    return data[:limit].decode("utf-8", "ignore")


def overlong_legacy(existing: Mapping[str, Any], tags: Mapping[str, object],
                    file: str) -> tuple[dict[str, Any], list[Issue]]:
    """An original's own IIM values that no longer fit their byte limit once re-encoded as
    UTF-8 (``é`` takes two bytes), clipped at a character boundary, each with W301.

    Re-writing legacy IIM as UTF-8 makes ExifTool cut such values mid-character,
    often without a warning; writing these clipped values afterwards replaces
    its cut. Tags in ``tags`` are left out: the caller writes its own values.
    """
    out: dict[str, Any] = {}
    found: list[Issue] = []
    for tag, value in existing.items():
        if not tag.startswith("IPTC:") or tag in tags or not isinstance(value, (str, list)):
            continue
        clipped = _clip_iim(tag, value, file, found, master="this warning only, as it was")
        if clipped != value:
            out[tag] = clipped
    return out, found


def alternatives(existing: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    """Language alternatives (``XMP-dc:Title-de``) that copied the x-default value being
    replaced, set to the new value (as the XMP specification asks); other
    alternatives are left as they are."""
    out: dict[str, Any] = {}
    for tag in LANG_ALT_TAGS & payload.keys():
        old = existing.get(tag)
        for key, value in existing.items():
            if old is not None and key.startswith(tag + "-") and value == old:
                out[key] = payload[tag]
    return out


def iim_by_name(file: str) -> bool:
    """True when the file's name says it is of a format that carries IIM (its content may disagree)."""
    return PurePosixPath(file).suffix.lower() in IIM_SUFFIXES


def carries_iim(record: Mapping[str, Any]) -> bool:
    """True when IIM is written to the file ``record`` (ExifTool's tags of it) describes:
    the formats of :data:`IIM_FORMATS`, and a PNG that already holds (non-standard)
    IIM, which is kept in step with the XMP rather than left stale."""
    kind = file_type(record) or "JPEG"
    return kind in IIM_FORMATS or (kind == "PNG" and any(group(t) == "IPTC" and t not in BOOKKEEPING
                                                         for t in record))


def prepare(tags: Mapping[str, object], file_type: str, file: str,
            iim: bool | None = None) -> tuple[dict[str, Any], list[Issue]]:
    """The exact tag set :meth:`ExifTool.write` sends for ``tags``, and its warnings.

    Empty values are skipped (nothing is written, existing values stay);
    bookkeeping tags are set here; IPTC tags are dropped unless ``iim``
    (default: the format is one of :data:`IIM_FORMATS`) (W305), clipped to
    their limits (W301) otherwise.
    """
    iim = file_type in IIM_FORMATS if iim is None else iim
    out: dict[str, Any] = {}
    found: list[Issue] = []
    dropped = False
    for tag, raw in tags.items():
        if not _TAG.match(tag):
            _bad_name(tag)
        value, replaced = _storable(raw)
        if tag in BOOKKEEPING or _empty(value):
            continue
        if replaced:
            found.append(issues.make("W311", path=file, field=tag, tag=tag, file=file, count=replaced))
        if group(tag) == "IPTC":
            if not iim:
                dropped = True
                continue
            value = _clip_iim(tag, value, file, found)
        out[tag] = value
    if dropped:
        found.append(issues.make("W305", path=file, format=file_type or "this"))
    if any(group(tag) == "IPTC" for tag in out):
        out.update(IIM_MARKS)
    return out, found


def deletions(tags: Iterable[str], iim: bool) -> list[str]:
    """The tags to delete: names checked (they become arguments), IPTC left out
    unless ``iim`` (IIM is written to the file), bookkeeping refused."""
    out = []
    for tag in tags:
        if not _TAG.match(tag) or tag in BOOKKEEPING:
            _bad_name(tag)
        if group(tag) != "IPTC" or iim:
            out.append(tag)
    return out


def _map_text(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with ``change`` applied to every string in it (lists and structures too)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        return {k: _map_text(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_text(v, change) for v in value]
    return value


def _escape(text: str) -> str:
    """Protect a value from ``-json=``'s ``base64:`` decoding by encoding it ourselves."""
    if text.startswith("base64:"):
        return "base64:" + base64.b64encode(text.encode("utf-8")).decode("ascii")
    return text


def _unmark(text: str) -> str:
    """Undo the read filter's U+001F prefix; values it did not touch stay as they are."""
    return text[1:] if text.startswith(_MARK) else text


def _listed(record: dict[str, Any]) -> dict[str, Any]:
    """Give list tags (and list members of structures) their list shape back."""
    for tag in LIST_TAGS & record.keys():
        if not isinstance(record[tag], list):
            record[tag] = [record[tag]]
        for item in record[tag]:
            for name in _LIST_FIELDS & (item.keys() if isinstance(item, dict) else set()):
                if not isinstance(item[name], list):
                    item[name] = [item[name]]
    return record


def parse(stdout: str) -> list[dict[str, Any]]:
    if not stdout.strip():
        return []
    data = json.loads(stdout, parse_int=str, parse_float=str)
    return [_listed(_map_text(record, _unmark)) for record in data]


def _canonical(value: Any) -> Any:
    """Comparable form: scalar == one-item list, struct keys unordered, numbers as text."""
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items() if not _empty(v)))
    items = value if isinstance(value, list) else [value]
    return tuple(_canonical(v) if isinstance(v, (dict, list)) else str(v) for v in items if not _empty(v))


def compare(expected: Mapping[str, object], actual: Mapping[str, Any], file: str,
            code: str = "E303") -> list[Issue]:
    """One issue (E303, or ``code`` with the same fields) per tag whose value in
    ``actual`` (from :meth:`ExifTool.read`) differs from what
    :meth:`ExifTool.write` stores for ``expected``.

    Bookkeeping values given in ``expected`` are ignored; instead, when IIM
    is expected, the file must say UTF-8 and hold a current IPTCDigest.
    """
    meant, _ = prepare(expected, file_type(actual) or "JPEG", file, carries_iim(actual))
    checks = [(tag, value, actual.get(tag)) for tag, value in meant.items() if tag not in BOOKKEEPING]
    if "IPTC:CodedCharacterSet" in meant:
        checks.append(("IPTC:CodedCharacterSet", "UTF8", actual.get("IPTC:CodedCharacterSet")))
        if "File:CurrentIPTCDigest" in actual:
            checks.append(("Photoshop:IPTCDigest", actual["File:CurrentIPTCDigest"],
                           actual.get("Photoshop:IPTCDigest")))
    return [issues.make(code, path=file, field=tag, file=file, tag=tag, expected=want, actual=got)
            for tag, want, got in checks if _canonical(want) != _canonical(got)]


def file_type(record: Mapping[str, Any]) -> str:
    """ExifTool's FileType without qualifiers ("Extended WEBP" -> "WEBP")."""
    words = str(record.get("File:FileType", "")).split()
    return words[-1] if words else ""


def protect(tags: dict[str, Any]) -> dict[str, Any]:
    """The tag set with every ``base64:`` value encoded, ready for ``-json=``."""
    protected: dict[str, Any] = _map_text(tags, _escape)
    return protected
