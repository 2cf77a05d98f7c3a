"""Text that every copy of the metadata can carry.

XMP and the Dublin Core records are XML 1.0, which cannot hold C0 control
characters other than TAB, LF and CR, lone surrogates, or U+FFFE/U+FFFF.
Such characters are replaced by U+FFFD once, in the record, so that XMP,
IIM, EXIF and the sidecars all say the same thing; each replacement is
reported (W311) so the archivist can correct the source.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from packager import issues
from packager.model import Issue, Location, Record

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def storable_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


def clean_record(record: Record) -> tuple[Record, list[Issue]]:
    """The record with storable text in every field, and one W311 per changed field."""
    changes: dict[str, Any] = {}
    found: list[Issue] = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        cleaned, count = _clean(value)
        if count:
            changes[f.name] = cleaned
            found.append(issues.make("W311", path=record.file, field=f.name, tag=f.name, file=record.file,
                                     count=count))
    return (dataclasses.replace(record, **changes) if changes else record), found


def _clean(value: Any) -> tuple[Any, int]:
    if isinstance(value, str):
        return storable_text(value), len(NOT_XML.findall(value))
    if isinstance(value, Location):
        parts = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return Location(**{k: v for k, (v, _) in parts.items()}), sum(n for _, n in parts.values())
    if isinstance(value, tuple):
        members = [_clean(v) for v in value]
        return tuple(v for v, _ in members), sum(n for _, n in members)
    return value, 0
