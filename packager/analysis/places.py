"""Places shown: gazetteer mentions in the first sentence -> Location values.

Rules, in order:

1. Only the first sentence counts (it describes the picture; "Xinjiang is
   where..." in a later sentence is background).
2. A "Town (Province)" form qualifies the town: it picks among towns of the
   same name, and a town missing from the gazetteer is still taken (city +
   province + country) with an info note, since the caption says where it is.
3. A name shared by several entries is resolved by another place named in the
   caption; otherwise it is reported (W203) and left out rather than guessed.
4. Each place is completed upwards (city -> province -> country); a place
   that is part of another found place (Beijing beside Houhai Lake) is
   absorbed into it.

Identifiers are those of the place itself (a landmark's own, never its
city's): an identifier names one place, and Beijing's is not Houhai Lake's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Location
from .vocab import PLACE_KINDS, Gazetteer, Mention, Term, gazetteer, proper_matcher

Note = tuple[str, str]  # (issue code, detail)
_OPENING_WORDS = frozenset({"in", "at", "on", "near", "the", "a", "an", "from", "of", "to", "by", "outside"})
_QUALIFIED = re.compile(r"(?P<name>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,3})[ \t]*\((?P<qual>[^()]{2,60})\)")


@dataclass(frozen=True)
class Place:
    """A resolved place mention: where it was written and what it resolved to."""

    start: int
    end: int
    location: Location
    term: Term | None  # None for a town known only from its "(Province)" qualifier


def resolve(text: str, mentions: list[Mention], first_end: int) -> tuple[list[Place], list[Note]]:
    """Places shown in ``text[:first_end]``, in order of mention, with notes for the report."""
    gaz = gazetteer()
    notes: list[Note] = []
    groups = _groups([m for m in mentions if m.term.kind in PLACE_KINDS and m.end <= first_end])
    taken = [(m.start, m.end) for m in mentions]
    qualified, extra = _qualifiers(text[:first_end], groups, taken, gaz, notes)
    context = {m.term.key for m in mentions if m.term.kind in ("province", "country")}
    places = list(extra)
    for span, group in groups.items():
        term = _choose(group, qualified.get(span), context, gaz, notes)
        if term is not None:
            places.append(Place(span[0], span[1], location_of(term, gaz), term))
    return _absorb(sorted(places, key=lambda p: p.start)), notes


def location_of(term: Term, gaz: Gazetteer | None = None) -> Location:
    """The full Location for a gazetteer term, completed upwards."""
    gaz = gaz or gazetteer()
    city = term if term.kind == "city" else None
    if term.kind == "sublocation":
        city = gaz.cities[term.data["city"]]
    province = gaz.province_of(term)
    country = gaz.country_of(term)
    return Location(
        sublocation=term.name if term.kind == "sublocation" else "",
        city=city.name if city else "",
        province_state=province.name if province else "",
        country=country.name if country else "",
        country_code=country.data["alpha3"] if country else "",
        identifiers=tuple(term.data.get("identifiers", ())),
    )


def lookup(kind: str, name: str) -> list[Location]:
    """Locations of the gazetteer entries of ``kind`` whose name or a variant is ``name`` (any case)."""
    gaz = gazetteer()
    wanted = name.strip().casefold()
    terms = {"country": gaz.countries, "province": gaz.provinces, "city": gaz.cities,
             "sublocation": gaz.sublocations}[kind].values()
    return [location_of(t, gaz) for t in terms
            if wanted in {v.casefold() for v in [t.name, *t.data.get("variants", [])]}]


def _groups(mentions: list[Mention]) -> dict[tuple[int, int], list[Term]]:
    groups: dict[tuple[int, int], list[Term]] = {}
    for mention in mentions:
        groups.setdefault((mention.start, mention.end), []).append(mention.term)
    return groups


def _qualifiers(sentence: str, groups: dict[tuple[int, int], list[Term]], taken: list[tuple[int, int]],
                gaz: Gazetteer, notes: list[Note]) -> tuple[dict[tuple[int, int], Term], list[Place]]:
    """Read "Town (Province)" forms: the qualifier for known towns, new places for unknown ones.

    A capitalised name that is already something else (an organisation, a
    people such as "Uyghur") is not made a town.
    """
    qualified: dict[tuple[int, int], Term] = {}
    extra: list[Place] = []
    for match in _QUALIFIED.finditer(sentence):
        region = _region(match.group("qual"))
        if region is None:
            continue
        span = next((s for s in groups if s[1] == match.end("name") and s[0] >= match.start("name")), None)
        if span is not None:
            qualified[span] = region
            continue
        start, name = _town(match)
        if not name or name in gaz.not_places or any(a < match.end("name") and start < b for a, b in taken):
            continue
        location = _with_region(Location(city=name), region, gaz)
        extra.append(Place(start, match.end("name"), location, None))
        notes.append(("I204", f"{name!r} is not in the gazetteer; recorded as a place in "
                              f"{region.name} from the '{name} ({match.group('qual')})' form"))
    return qualified, extra


def _town(match: re.Match[str]) -> tuple[int, str]:
    """The town's name without a capitalised opening word ("In Xiaozhuang" -> "Xiaozhuang")."""
    start, name = match.start("name"), match.group("name")
    while name.split(None, 1)[0].lower() in _OPENING_WORDS and " " in name.strip():
        rest = name.split(None, 1)[1]
        start += len(name) - len(rest)
        name = rest
    return start, "" if name.lower() in _OPENING_WORDS else name


def _region(qualifier: str) -> Term | None:
    """The province or country a parenthesis names in full, if any."""
    found = [m for m in proper_matcher().find(qualifier)
             if m.term.kind in ("province", "country") and m.start == 0 and m.end == len(qualifier.strip())]
    return found[0].term if len(found) == 1 else None


def _with_region(location: Location, region: Term, gaz: Gazetteer) -> Location:
    province = region if region.kind == "province" else None
    country = gaz.country_of(region)
    return Location(city=location.city, province_state=province.name if province else "",
                    country=country.name if country else "", country_code=country.data["alpha3"] if country else "")


def _choose(group: list[Term], region: Term | None, context: set[str], gaz: Gazetteer,
            notes: list[Note]) -> Term | None:
    """One term for one written name, or None (reported) when it stays ambiguous."""
    candidates = _most_specific(group, gaz)
    if region is not None:
        candidates = [t for t in candidates if region in (gaz.province_of(t), gaz.country_of(t))] or candidates
    if len(candidates) > 1:
        by_context = [t for t in candidates if _ancestor_keys(t, gaz) & context]
        candidates = by_context if len(by_context) == 1 else candidates
    if len(candidates) == 1:
        return candidates[0]
    options = "; ".join(sorted(location_of(t, gaz).label() for t in candidates))
    notes.append(("W203", f"place name {candidates[0].name!r} is ambiguous ({options}); none was recorded. "
                          f"Write it as '{candidates[0].name} (Province)' or set city and province_state "
                          "in a CSV override"))
    return None


def _most_specific(group: list[Term], gaz: Gazetteer) -> list[Term]:
    """Drop candidates that are ancestors of another (Beijing the city over Beijing the municipality)."""
    ancestors = {key for term in group for key in _ancestor_keys(term, gaz) - {term.key}}
    return [term for term in group if term.key not in ancestors]


def _ancestor_keys(term: Term, gaz: Gazetteer) -> set[str]:
    keys = {term.key}
    if term.kind == "sublocation":
        keys.add(term.data["city"])
    for parent in (gaz.province_of(term), gaz.country_of(term)):
        if parent is not None:
            keys.add(parent.key)
    return keys


def _absorb(places: list[Place]) -> list[Place]:
    """Drop places contained in another (all their filled parts equal) and duplicates."""
    kept: list[Place] = []
    for place in places:
        if any(_within(place.location, other.location) for other in places if other is not place
               and (other.location != place.location or places.index(other) < places.index(place))):
            continue
        kept.append(place)
    return kept


def _within(inner: Location, outer: Location) -> bool:
    parts = ("sublocation", "city", "province_state", "country", "country_code")
    return all(not getattr(inner, p) or getattr(inner, p) == getattr(outer, p) for p in parts)
