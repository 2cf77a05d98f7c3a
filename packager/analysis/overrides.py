"""Per-item CSV columns that replace analysed values.

The archivist's word wins over the analysis, but only a value the packager
can use: a digital source type that is not an IPTC code, a country code that
is not ISO 3166-1 alpha-3, a title or keyword over the 64-byte IIM limit, or
a "truncated" that is not yes/no is refused with E310 and the analysed value
is kept, so one bad cell does not silently corrupt the record.

List fields (keywords, creator, organisations, persons, events) are separated
by ``;``. Location columns describe the first location shown; what they leave
out is completed from the gazetteer when the place is known there.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any, Callable, Mapping

from .. import issues
from ..captions import LIST_SEPARATOR
from ..model import Issue, Item, Location, Record
from .entities import source_type_uri
from .places import lookup

LIMIT = 64
LOCATION_FIELDS = ("sublocation", "city", "province_state", "country", "country_code")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class Unusable(ValueError):
    """An override value that cannot be used; the message says why."""


def apply(record: Record, item: Item) -> tuple[Record, list[Issue]]:
    """Return ``record`` with ``item.overrides`` applied, and E310 for each refused value."""
    found: list[Issue] = []
    changes: dict[str, Any] = {}
    kinds = {f.name: f.type for f in fields(Record)}
    for name, value in sorted(item.overrides.items()):
        if name in LOCATION_FIELDS or name not in kinds:
            continue
        try:
            changes[name] = _convert(name, value, kinds[name])
        except Unusable as exc:
            found.append(_refused(item, name, value, str(exc)))
    record = replace(record, **changes)
    given = {k: v for k, v in item.overrides.items() if k in LOCATION_FIELDS}
    if given:
        try:
            record = replace(record, locations=_relocate(record.locations, given))
        except Unusable as exc:
            found.append(_refused(item, "location", "; ".join(f"{k}={v}" for k, v in sorted(given.items())), str(exc)))
    return record, found


def _refused(item: Item, name: str, value: str, detail: str) -> Issue:
    return issues.make("E310", path=item.source, line=item.line, field=name, value=value, source=item.source,
                       detail=detail + "; the analysed value is kept")


def _convert(name: str, value: str, kind: Any) -> Any:
    converter = _CONVERTERS.get(name)
    if converter is not None:
        return converter(value)
    if "tuple" in str(kind):
        return _split(value)
    return value


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()))


def _title(value: str) -> str:
    if len(value.encode("utf-8")) > LIMIT:
        raise Unusable(f"it is {len(value.encode('utf-8'))} bytes; a title must fit {LIMIT} bytes (IIM ObjectName)")
    return value


def _keywords(value: str) -> tuple[str, ...]:
    words = _split(value)
    long = [w for w in words if len(w.encode("utf-8")) > LIMIT]
    if long:
        raise Unusable(f"keyword {long[0]!r} is longer than {LIMIT} bytes (IIM Keywords)")
    return words


def _truncated(value: str) -> bool:
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise Unusable("write yes or no")


def _source_type(value: str) -> str:
    uri = source_type_uri(value)
    if uri is None:
        raise Unusable("not an IPTC digital source type; use a code such as screenCapture or the full "
                       "http://cv.iptc.org/newscodes/digitalsourcetype/... URI")
    return uri


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "title": _title, "keywords": _keywords, "truncated": _truncated, "digital_source_type": _source_type,
}


def _relocate(locations: tuple[Location, ...], given: Mapping[str, str]) -> tuple[Location, ...]:
    """Replace the first location by the one the override columns describe.

    Values are kept as written; the levels above the most specific part the
    gazetteer knows are completed from it (city Kashi -> Xinjiang, China).
    Identifiers are kept only when that part is the most specific one given.
    """
    code = given.get("country_code", "")
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        raise Unusable(f"country_code {code!r} must be ISO 3166-1 alpha-3 in capitals, e.g. CHN")
    base, level = _known(given)
    values = {part: given.get(part) or (getattr(base, part) if LOCATION_FIELDS.index(part) >= level else "")
              for part in LOCATION_FIELDS}
    most_specific = min(LOCATION_FIELDS.index(p) for p in given if p != "country_code") if set(given) - {
        "country_code"} else len(LOCATION_FIELDS)
    primary = Location(**values, identifiers=base.identifiers if level == most_specific else ())
    return (primary,) + tuple(loc for loc in locations[1:] if loc != primary)


_KINDS = (("sublocation", "sublocation"), ("city", "city"), ("province_state", "province"), ("country", "country"))


def _known(given: Mapping[str, str]) -> tuple[Location, int]:
    """The gazetteer's Location for the most specific given part it knows unambiguously, and its level."""
    for level, (part, kind) in enumerate(_KINDS):
        if not given.get(part):
            continue
        above = [p for p, _ in _KINDS[level + 1:] if given.get(p)]
        matches = [loc for loc in lookup(kind, given[part])
                   if all(getattr(loc, p).casefold() == given[p].casefold() for p in above)]
        if len(matches) == 1:
            return matches[0], level
    return Location(), len(LOCATION_FIELDS)
