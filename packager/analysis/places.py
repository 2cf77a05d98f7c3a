"""Places shown: names in a caption -> completed :class:`~packager.model.Location` values.

Two sources of names, one rule for conflicts: the curated gazetteer
(``schemas/gazetteer.json``, found by the caption matcher together with the
organisations) wins over the reference data of :mod:`.geo` (GeoNames cities,
ISO 3166 countries and subdivisions) for the same words, and a name inside a
longer name known as something else ("China Mobile", "Hangzhou Hikvision")
is not a place.

A reference-data name becomes a place only when it passes the guards of
:mod:`.placeguards` (written capitalised, not part of a longer capitalised
name, and either introduced as a place or a large city that is not a common
English word): GeoNames has towns called Police, Mobile, Reading and Of.

Which sentences (see :func:`resolve`): the first sentence says what the
picture shows; a later sentence only when the first names no place and the
later one clearly locates the scene ("In Beijing, ..." opening it, or a
landmark introduced by a preposition). "Xinjiang is where China's
surveillance system is the most advanced" is background, never the place.

Ambiguity: a name shared by several places is decided by a "(Province)" or
", Country" qualifier, then by a province or country named elsewhere in the
caption, then - for GeoNames cities only - by population when one candidate
has at least ten times the people of the next; otherwise it is reported
(W203) and left out rather than guessed.

Identifiers (IPTC LocationShown/LocationId): every part's own identifier,
most specific first: a landmark's URIs, the city's GeoNames URI, the
province's ISO 3166-2 code and the country's ISO 3166-1 code as URNs; a
location that is only a country starts with the country's GeoNames URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from packager.model import Location

from . import cjk, geo, landmarks, placeguards
from .text import is_truncated, sentence_spans
from .vocab import PLACE_KINDS, Gazetteer, Mention, Term, gazetteer

Note = tuple[str, dict[str, str]]  # (issue code, the values its message template names)
POPULATION_RATIO = 10  # a namesake this many times larger is the one meant
_OPENING_WORDS = frozenset({"in", "at", "on", "near", "the", "a", "an", "from", "of", "to", "by", "outside"})
_TOWN_NAME = r"[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2}"
_CUED_TOWN = re.compile(rf"\b(?:(?:in|near|outside)[ \t]+(?P<name>{_TOWN_NAME}),[ \t]*"
                        rf"(?P<qual>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){{0,3}})"
                        rf"|\b(?:village|town|hamlet)[ \t]+of[ \t]+(?P<name2>{_TOWN_NAME}))")
_QUALIFIED = re.compile(r"(?P<name>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,3})[ \t]*\((?P<qual>[^()]{2,60})\)")


@dataclass(frozen=True)
class Place:
    """A resolved place mention: where it was written and what it resolved to.

    ``term`` is the gazetteer term (curated entry, country or province), or
    None for a city from GeoNames or a town known only from its "(Province)"
    qualifier: the caller then knows the words name a city not in its matcher.
    """

    start: int
    end: int
    location: Location
    term: Term | None


@dataclass(frozen=True)
class Candidate:
    """One place a written name may mean."""

    kind: str  # country, province, city, sublocation
    key: str  # alpha-2, ISO 3166-2, curated id, or "geonames:<id>"
    location: Location
    province: str = ""  # ISO 3166-2 code of the province it is in (or is)
    country: str = ""  # ISO 3166-1 alpha-2 of the country it is in (or is)
    population: int = 0
    primary: bool = True  # written as its own name, not as one of the data's alternate names
    term: Term | None = None


@dataclass(frozen=True)
class Group:
    """The candidates for one written name."""

    start: int
    end: int
    text: str
    candidates: tuple[Candidate, ...]
    curated: bool


def resolve(text: str, mentions: list[Mention], first_end: int) -> tuple[list[Place], list[Note]]:
    """Places shown in ``text``, in order of mention, with notes for the report.

    ``mentions`` are the caption matcher's (curated places and organisations,
    longest first); ``first_end`` ends the first sentence.
    """
    gaz = gazetteer()
    notes: list[Note] = []
    groups = _groups(text, mentions, gaz)
    context = {code for g in groups if len(g.candidates) == 1 for c in g.candidates
               for code in (c.province, c.country) if code}
    first = [g for g in groups if g.end <= first_end]
    taken = [(m.start, m.end) for m in mentions] + [(g.start, g.end) for g in groups]
    places, extra = _resolve_groups(text, first, taken, context, 0, first_end, gaz, notes)
    span = (0, first_end)
    if not places and not extra:
        for start, end in sentence_spans(text)[1:]:
            scene = [g for g in groups if start <= g.start and g.end <= end and _locates_scene(text, start, g)]
            places, extra = _resolve_groups(text, scene, taken, context, start, end, gaz, notes)
            if places or extra:
                span = (start, end)
                break
    found = sorted(places + extra, key=lambda p: p.start)
    occupied = [(m.start, m.end) for m in mentions] + [(g.start, g.end) for g in groups if g.curated]
    return _absorb(found + _landmarks(text, span, occupied, found, notes)), notes


def _landmarks(text: str, span: tuple[int, int], occupied: list[tuple[int, int]], found: list[Place],
               notes: list[Note]) -> list[Place]:
    """Landmarks of :mod:`.landmarks` in the sentence that gave the places, each completed with that sentence's
    most specific place (a city over a province or country), or alone when the sentence names none."""
    if any(p.location.sublocation for p in found):
        return []  # a curated landmark was named: it is the scene
    ranked = sorted(found, key=lambda p: (not p.location.city, not p.location.province_state))
    base = ranked[0].location if ranked else Location()
    out: list[Place] = []
    for mark in landmarks.find(text, span[0], span[1], occupied):
        if any(p.location.sublocation == mark.name for p in out):
            continue  # each distinct landmark once, in order of mention
        out.append(Place(mark.start, mark.end, replace(base, sublocation=mark.name), None))
        notes.append(("I205", {"name": mark.name}))
    return out


def _resolve_groups(text: str, groups: list[Group], taken: list[tuple[int, int]], context: set[str], start: int,
                    end: int, gaz: Gazetteer, notes: list[Note]) -> tuple[list[Place], list[Place]]:
    qualified, extra = _qualifiers(text, start, end, groups, taken, gaz, notes)
    places = []
    for group in groups:
        chosen = _choose(group, qualified.get((group.start, group.end)), context, notes)
        if chosen is not None:
            places.append(Place(group.start, group.end, chosen.location, chosen.term))
    starts = [p.start for p in places + extra]
    return [p for p in places if not placeguards.origin_only(text, p.start, starts)], extra


def _locates_scene(text: str, sentence_start: int, group: Group) -> bool:
    """A later sentence locates the scene when it opens with a place ("In Beijing, ...") or a landmark follows a
    preposition ("taken at Tiananmen Square"); a place as subject ("Xinjiang is where ...") is background."""
    before = text[sentence_start:group.start]
    if placeguards.OPENING_LOCATIVE.fullmatch(before):
        return True
    return any(c.kind == "sublocation" for c in group.candidates) and placeguards.has_cue(text, group.start)


# --- finding names ------------------------------------------------------------------------------

def _groups(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Group]:
    """Curated mentions and guarded reference-data names, in text order, not overlapping."""
    groups: dict[tuple[int, int], list[Candidate]] = {}
    for mention in mentions:
        if mention.term.kind in PLACE_KINDS:
            groups.setdefault((mention.start, mention.end), []).append(candidate_of(mention.term, gaz))
    curated = set(groups)
    occupied = [(m.start, m.end) for m in mentions]
    hits = sorted(_hits(text), key=lambda h: (h.start, -h.end))
    kept: list[geo.Hit] = []
    for hit in hits:
        if kept and (kept[-1].start, kept[-1].end) == (hit.start, hit.end):  # a province and a city of one name
            kept[-1] = replace(kept[-1], refs=kept[-1].refs + hit.refs)
        elif not any(a < hit.end and hit.start < b for a, b in occupied + [(h.start, h.end) for h in kept]):
            kept.append(hit)
    cut = is_truncated(text)
    for hit in kept:
        if hit.text in gaz.not_places or (cut and hit.end >= len(text.rstrip())):
            continue  # a people or adjective; or a word the page cut off ("Kash" for "Kashgar")
        if placeguards.borrowed_qualifier(text, hit):
            continue  # "Grasmere, Cumbria": a region's name GeoNames lists under a town named after it
        candidates = [c for c in (_reference_candidate(ref, gaz) for ref in hit.refs) if c is not None]
        if candidates and (cjk.is_cjk(hit.text)  # guarded by the CJK index itself: no case, no spaces to look at
                           or placeguards.accept(text, hit, candidates, kept, occupied, gaz.common_words)):
            groups[(hit.start, hit.end)] = candidates
    return [Group(a, b, text[a:b], tuple(cands), (a, b) in curated) for (a, b), cands in sorted(groups.items())]


def _hits(text: str) -> list[geo.Hit]:
    """Reference-data names in ``text``: Latin-script ones by words, Chinese and Japanese ones as substrings."""
    reference, cities = geo.reference(), geo.cities()
    hits = reference.index.scan(text) + cities.index.scan(text)
    if cjk.CJK_RUN.search(text):
        for index in (reference.cjk, cities.cjk):
            hits += [geo.Hit(a, b, text[a:b], refs) for a, b, refs in index.scan(text)]
    return hits


def _reference_candidate(ref: geo.Ref, gaz: Gazetteer) -> Candidate | None:
    if ref.kind == "country":
        return candidate_of(gaz.countries[ref.key], gaz)
    if ref.kind == "province":
        return candidate_of(gaz.provinces[ref.key], gaz)
    city = geo.cities().by_id[ref.key]
    return replace(city_candidate(city, gaz), primary=ref.primary)


def city_candidate(city: geo.City, gaz: Gazetteer) -> Candidate:
    """A GeoNames city, its province from the admin1 table (empty where the table has none)."""
    code = geo.reference().by_admin1.get(f"{city.country}.{city.admin1}", "")
    province = gaz.provinces.get(code)
    country = gaz.countries.get(city.country)
    location = Location(city=city.name, province_state=province.name if province else "",
                        country=country.name if country else "",
                        country_code=country.data["alpha3"] if country else "",
                        identifiers=_identifiers([city.uri], province, country))
    return Candidate("city", f"geonames:{city.geonameid}", location, code, city.country, city.population)


def candidate_of(term: Term, gaz: Gazetteer | None = None) -> Candidate:
    """The candidate for a gazetteer term (curated entry, country or province), completed upwards."""
    gaz = gaz or gazetteer()
    location = location_of(term, gaz)
    province, country = gaz.province_of(term), gaz.country_of(term)
    return Candidate(term.kind, term.key, location, province.key if province else "",
                     country.key if country else "", term=term)


def location_of(term: Term, gaz: Gazetteer | None = None) -> Location:
    """The full Location for a gazetteer term, completed upwards, with every part's identifiers."""
    gaz = gaz or gazetteer()
    city = term if term.kind == "city" else gaz.city_of(term) if term.kind == "sublocation" else None
    province, country = gaz.province_of(term), gaz.country_of(term)
    own: list[str] = []
    if term.kind == "sublocation":
        own += term.data.get("identifiers", [])
    if city is not None:
        own += ([geo.GEONAMES_URI.format(city.data["geonameid"])] if city.data.get("geonameid") else [])
        own += city.data.get("identifiers", [])
    if term.kind == "country":
        geonameid = geo.reference().countries[term.key].geonameid
        own += [geo.GEONAMES_URI.format(geonameid)] if geonameid else []
    return Location(
        sublocation=term.name if term.kind == "sublocation" else "",
        city=city.name if city else "",
        province_state=province.name if province else "",
        country=country.name if country else "",
        country_code=country.data["alpha3"] if country else "",
        identifiers=_identifiers(own, province, country),
    )


def _identifiers(own: list[str], province: Term | None, country: Term | None) -> tuple[str, ...]:
    codes = [geo.iso_urn(t.key) for t in (province, country) if t is not None]
    return tuple(dict.fromkeys(own + codes))


def lookup(kind: str, name: str) -> list[Location]:
    """Locations of the places of ``kind`` whose name or a variant is ``name`` (any case or accents).

    A curated entry wins over the reference data; among GeoNames cities, one
    written by its own name wins over those that merely list it as an
    alternate name.
    """
    gaz = gazetteer()
    wanted = geo.fold(name)
    curated = {"city": gaz.cities, "sublocation": gaz.sublocations}.get(kind, {})
    found = [location_of(t, gaz) for t in curated.values()
             if wanted in {geo.fold(v) for v in [t.name, *t.data.get("variants", [])]}]
    if found or kind == "sublocation":
        return found
    if kind == "city":
        refs = [r for r in geo.cities().index.get(name) if r.kind == "city"]
        primary = [r for r in refs if r.primary] or refs
        return [city_candidate(geo.cities().by_id[r.key], gaz).location for r in primary]
    terms = gaz.countries if kind == "country" else gaz.provinces
    return [location_of(terms[r.key], gaz) for r in geo.reference().index.get(name) if r.kind == kind] + [
        location_of(t, gaz) for t in terms.values() if wanted in {geo.fold(v) for v in t.data.get("variants", [])}]


# --- qualifiers and unknown towns -------------------------------------------------------------

def _qualifiers(text: str, start: int, end: int, groups: list[Group], taken: list[tuple[int, int]],
                gaz: Gazetteer, notes: list[Note]) -> tuple[dict[tuple[int, int], Candidate], list[Place]]:
    """Read "Town (Province)" and "Town, Country" forms: the qualifier of known names, new places for unknown towns.

    A capitalised name that is already something else (an organisation, a
    people such as "Uyghur") is not made a town.
    """
    qualified: dict[tuple[int, int], Candidate] = {}
    for group, following in pairwise(groups):
        region = _single_region(following)
        if region is not None and re.fullmatch(r"\s*(?:,|\()\s*", text[group.end:following.start]):
            qualified[(group.start, group.end)] = region
    extra: list[Place] = []
    for match in _QUALIFIED.finditer(text, start, end):
        region = _region(match.group("qual"), gaz)
        if region is None or any(g.start >= match.start("name") and g.end == match.end("name") for g in groups):
            continue
        town_start, name = _town(match)
        if not name or name in gaz.not_places or any(a < match.end("name") and town_start < b for a, b in taken):
            continue
        location = _small_town(name, region, gaz) or Location(
            city=name, province_state=region.location.province_state, country=region.location.country,
            country_code=region.location.country_code,
            identifiers=tuple(i for i in region.location.identifiers if i.startswith("urn:iso")))
        extra.append(Place(town_start, match.end("name"), location, None))
        notes.append(("I204", {"name": name, "region": region.location.label(), "qualifier": match.group("qual")}))
    extra += _cued_small_towns(text, start, end, groups, taken + [(p.start, p.end) for p in extra], gaz, notes)
    return qualified, extra


def _cued_small_towns(text: str, start: int, end: int, groups: list[Group], taken: list[tuple[int, int]],
                      gaz: Gazetteer, notes: list[Note]) -> list[Place]:
    """ "near Grasmere, Cumbria", "in Oberstdorf, Germany", "the village of X" (with a region named in the sentence):
    towns below the main data's threshold, taken only when the fallback data has the name in that region."""
    out: list[Place] = []
    sentence_regions = [c for g in groups if start <= g.start < end for c in [_single_region(g)] if c is not None]
    for match in _CUED_TOWN.finditer(text, start, end):
        group = "name" if match["name"] else "name2"
        (a, b), name = match.span(group), match[group]
        if any(x < b and a < y for x, y in taken + [(p.start, p.end) for p in out]) or name in gaz.not_places:
            continue
        region = _region(match["qual"], gaz) if match["qual"] else (
            sentence_regions[0] if len(sentence_regions) == 1 else None)
        location = _small_town(name, region, gaz) if region is not None else None
        if location is not None and region is not None:
            out.append(Place(a, b, location, None))
            notes.append(("I206", {"name": name, "region": region.location.label()}))
    return out


def _small_town(name: str, region: Candidate, gaz: Gazetteer) -> Location | None:
    """The one town of :func:`.geo.small_towns` called ``name`` in ``region`` (a province or country), if exactly one
    (or one ten times larger than the others)."""
    towns = geo.small_towns()
    inside = [city_candidate(towns.by_id[r.key], gaz) for r in towns.index.get(name)]
    inside = [c for c in inside if region.key in (c.province, c.country)]
    inside = _by_population(inside) if len(inside) > 1 else inside
    return inside[0].location if len(inside) == 1 else None


def _single_region(group: Group) -> Candidate | None:
    regions = [c for c in group.candidates if c.kind in ("province", "country")]
    return regions[0] if len(regions) == 1 else None


def _town(match: re.Match[str]) -> tuple[int, str]:
    """The town's name without a capitalised opening word ("In Xiaozhuang" -> "Xiaozhuang")."""
    start, name = match.start("name"), match.group("name")
    while name.split(None, 1)[0].lower() in _OPENING_WORDS and " " in name.strip():
        rest = name.split(None, 1)[1]
        start += len(name) - len(rest)
        name = rest
    return start, "" if name.lower() in _OPENING_WORDS else name


def _region(qualifier: str, gaz: Gazetteer) -> Candidate | None:
    """The province or country a parenthesis names in full, if any."""
    words = qualifier.strip()
    refs = [r for r in geo.reference().index.get(words) if r.kind in ("province", "country")]
    refs += [geo.Ref("country", t.key, True) for t in gaz.countries.values()
             if words in t.data.get("variants", [])]
    if len({(r.kind, r.key) for r in refs}) != 1 or not words[:1].isupper():
        return None
    terms = gaz.countries if refs[0].kind == "country" else gaz.provinces
    return candidate_of(terms[refs[0].key], gaz)


# --- choosing among candidates ----------------------------------------------------------------

def _choose(group: Group, region: Candidate | None, context: set[str], notes: list[Note]) -> Candidate | None:
    """One candidate for one written name, or None (reported) when it stays ambiguous."""
    candidates = list(group.candidates)
    if region is not None:
        inside = [c for c in candidates if region.key in (c.province, c.country)]
        candidates = inside or candidates
    candidates = _most_specific(candidates)
    for level in ("province", "country"):  # a province named elsewhere says more than its country
        by_context = [c for c in candidates if getattr(c, level) in context]
        if len(candidates) > 1 and by_context:
            candidates = by_context
    if len(candidates) > 1 and not group.curated:
        candidates = _by_population(candidates)
    if len(candidates) == 1:
        return candidates[0]
    options = "; ".join(sorted({c.location.label() for c in candidates}))
    notes.append(("W203", {"name": group.text, "candidates": options}))
    return None


def _most_specific(candidates: list[Candidate]) -> list[Candidate]:
    """Beijing the city over Beijing the municipality; China the country over a town called China elsewhere.

    A city stays beside a country or province of the same name only when it
    lies in it and is written by its own name (Singapore, Beijing, Quebec), or
    the region is named after it: "Kiev" is an alternate name of the city
    Kyiv, whose own province is called Kyiv too.
    """
    regions = [c for c in candidates if c.kind in ("country", "province")]
    cities = [c for c in candidates if c.kind not in ("country", "province")]
    if regions:
        cities = [c for c in cities if any(r.key in (c.province, c.country) and (c.primary or _named_after(r, c))
                                           for r in regions)]
    if cities:
        return cities
    countries = [c for c in regions if c.kind == "country"]
    return countries or regions


def _named_after(region: Candidate, city: Candidate) -> bool:
    own = region.location.province_state if region.kind == "province" else region.location.country
    return geo.fold(own) == geo.fold(city.location.city)


def _by_population(candidates: list[Candidate]) -> list[Candidate]:
    ranked = sorted(candidates, key=lambda c: -c.population)
    if ranked[0].kind == "city" and ranked[0].population >= POPULATION_RATIO * max(ranked[1].population, 1):
        return ranked[:1]
    return candidates


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
