"""Per-item CSV columns that replace analysed values.

The archivist's word wins over the analysis, but only a value the packager
can use: a digital source type that is not an IPTC code, a country code that
is not ISO 3166-1 alpha-3, a language that is not an ISO 639 code, a title or
keyword over the 64-byte IIM limit, or a "truncated" that is not yes/no is
refused with E310 and the analysed value
is kept, so one bad cell does not silently corrupt the record.

List fields (keywords, creator, organisations, persons, events) are separated
by ``;``. Location columns describe the first location shown; what they leave
out is completed from the gazetteer when the place is known there.

:func:`with_defaults` fills what is still empty from the collection's
``[defaults]``; :func:`location_from` turns place names into a completed
Location (also for ``[defaults]`` in collection.toml).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any

from packager import issues
from packager.collection.captions import LIST_SEPARATOR, OVERRIDE_FIELDS
from packager.collection.config import CollectionConfig, config_error
from packager.errors import UnusableValue
from packager.model import CollectionInfo, Issue, Item, Location, Record

from .entities import source_type_uri
from .language import checked_code
from .places import lookup

LIMIT = 64
LOCATION_FIELDS = ("sublocation", "city", "province_state", "country", "country_code")
TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"false", "no", "n", "0"})


def apply(record: Record, item: Item) -> tuple[Record, list[Issue]]:
    """Return ``record`` with ``item.overrides`` applied, and E310 for each refused value."""
    found: list[Issue] = []
    changes: dict[str, Any] = {}
    kinds = {f.name: f.type for f in fields(Record)}
    for name, value in sorted(item.overrides.items()):
        if name in LOCATION_FIELDS or name not in kinds or name not in OVERRIDE_FIELDS or name == "provenance":
            continue
        try:
            changes[name] = _convert(name, value, kinds[name])
        except UnusableValue as exc:
            found.append(_refused(item, name, value, str(exc)))
    record = replace(record, **changes)
    given = {k: v for k, v in item.overrides.items() if k in LOCATION_FIELDS}
    if given:
        try:
            record = replace(record, locations=_relocate(record.locations, given))
        except UnusableValue as exc:
            found.append(_refused(item, "location", "; ".join(f"{k}={v}" for k, v in sorted(given.items())), str(exc)))
    return record, found


def applied(item: Item, refused: list[Issue]) -> list[str]:
    """Provenance paths of the override values that were used (see :attr:`Record.provenance`)."""
    denied = {i.field for i in refused}
    out = []
    for name in item.overrides:
        if name in LOCATION_FIELDS and "location" not in denied:
            out.append(f"locations[0].{name}")
        elif name in OVERRIDE_FIELDS and name not in denied and name != "provenance":
            out.append(name)
    return out


def with_defaults(record: Record, info: CollectionInfo) -> Record:
    """``record`` completed from the collection's ``[defaults]`` where it is still empty.

    The default location becomes the location of an item without one; a
    first location without a country takes the default's country (a place
    the gazetteer does not know, given in the same collection). Default
    keywords are added after the item's own.
    """
    default = info.default_location
    changes: dict[str, Any] = {}
    if not record.locations and not default.is_empty():
        changes["locations"] = (default,)
    elif record.locations and default.country and not (record.locations[0].country or
                                                       record.locations[0].country_code):
        first = replace(record.locations[0], country=default.country, country_code=default.country_code)
        changes["locations"] = (first,) + record.locations[1:]
    extra = tuple(k for k in info.default_keywords if k not in record.keywords)
    if extra:
        changes["keywords"] = record.keywords + extra
    return replace(record, **changes) if changes else record


def location_from(given: Mapping[str, str]) -> Location:
    """The Location that place names (keys of :data:`LOCATION_FIELDS`) describe, completed from the gazetteer.

    Raises :class:`UnusableValue` for a country code that is not ISO 3166-1 alpha-3.
    """
    return _relocate((), {k: v for k, v in given.items() if v})[0]


def with_default_place(cfg: CollectionConfig) -> CollectionConfig:
    """``cfg`` with its ``[defaults]`` place completed from the gazetteer (``country = "China"`` gives CHN too).

    The collection stage reads the place names as written; here they become a
    Location. A place that cannot be used is an error in collection.toml (E003).
    """
    given = cfg.info.default_location
    if given.is_empty():
        return cfg
    try:
        location = location_from({key: getattr(given, key) for key in LOCATION_FIELDS})
    except UnusableValue as exc:
        raise config_error(f"[defaults] {exc}", cfg.path) from exc
    if location.country and not location.country_code:
        raise config_error(f"[defaults] country {location.country!r} is not in the gazetteer, so its code is "
                           "unknown; add country_code (ISO 3166-1 alpha-3, e.g. CHN)", cfg.path)
    return replace(cfg, info=replace(cfg.info, default_location=location))


def _refused(item: Item, name: str, value: str, reason: str) -> Issue:
    return issues.make("E310", path=item.source, line=item.line, field=name, value=value, source=item.source,
                       reason=reason)


def _convert(name: str, value: str, kind: Any) -> Any:
    converter = _CONVERTERS.get(name)
    if converter is not None:
        return converter(value)
    if "tuple" in str(kind):
        return _split(value)
    return value


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()))


def check_title(value: str) -> str:
    if len(value.encode("utf-8")) > LIMIT:
        raise UnusableValue(f"it is {len(value.encode('utf-8'))} bytes; a title must fit {LIMIT} bytes (IIM ObjectName)")
    return value


def _keywords(value: str) -> tuple[str, ...]:
    words = _split(value)
    long = [w for w in words if len(w.encode("utf-8")) > LIMIT]
    if long:
        raise UnusableValue(f"keyword {long[0]!r} is longer than {LIMIT} bytes (IIM Keywords)")
    return words


def _truncated(value: str) -> bool:
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise UnusableValue("write yes or no")


def _source_type(value: str) -> str:
    uri = source_type_uri(value)
    if uri is None:
        raise UnusableValue("not an IPTC digital source type; use a code such as screenCapture or the full "
                            "http://cv.iptc.org/newscodes/digitalsourcetype/... URI")
    return uri


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "title": check_title, "keywords": _keywords, "truncated": _truncated, "digital_source_type": _source_type,
    "language": checked_code,
}


def _relocate(locations: tuple[Location, ...], given: Mapping[str, str]) -> tuple[Location, ...]:
    """Replace the first location by the one the override columns describe.

    Values are kept as written; the levels above the most specific part the
    gazetteer knows are completed from it (city Kashi -> Xinjiang, China).
    Identifiers are kept only when that part is the most specific one given.
    """
    code = given.get("country_code", "")
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        raise UnusableValue(f"country_code {code!r} must be ISO 3166-1 alpha-3 in capitals, e.g. CHN")
    base, level = known_place(given)
    values = {part: given.get(part) or (getattr(base, part) if LOCATION_FIELDS.index(part) >= level else "")
              for part in LOCATION_FIELDS}
    most_specific = min(LOCATION_FIELDS.index(p) for p in given if p != "country_code") if set(given) - {
        "country_code"} else len(LOCATION_FIELDS)
    primary = Location(**values, identifiers=base.identifiers if level == most_specific else ())
    return (primary,) + tuple(loc for loc in locations[1:] if loc != primary)


_KINDS = (("sublocation", "sublocation"), ("city", "city"), ("province_state", "province"), ("country", "country"))


def known_place(given: Mapping[str, str]) -> tuple[Location, int]:
    """Of the given place parts (keys of :data:`LOCATION_FIELDS`), the gazetteer's Location for the most specific given part it knows unambiguously, and its level."""
    for level, (part, kind) in enumerate(_KINDS):
        if not given.get(part):
            continue
        above = [p for p, _ in _KINDS[level + 1:] if given.get(p)]
        matches = [loc for loc in lookup(kind, given[part])
                   if all(getattr(loc, p).casefold() == given[p].casefold() for p in above)]
        if len(matches) == 1:
            return matches[0], level
    return Location(), len(LOCATION_FIELDS)
