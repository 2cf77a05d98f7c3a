"""The JSON vocabularies in ``schemas/`` and how their terms are found in a caption.

Three files, each loaded once (cached) and checked on load, so that a broken
vocabulary stops the run with a ConfigError naming the file and entry rather
than silently recognising nothing:

* ``gazetteer.json``     curated places (landmarks, villages, variants) over the reference data
  of :mod:`.geo` (GeoNames cities, ISO 3166 countries and subdivisions)
* ``organisations.json`` organisations, products, persons, events
* ``keywords.json``      controlled keywords and digital source type rules

Two matching modes. *Proper* names (places, organisations...) match
case-insensitively but must be capitalised in the caption where the variant
is ("Beijing", not "beijing"), and acronyms ("CPC") match exactly. *Common*
keyword variants match case-insensitively when written in lower case, exactly
otherwise ("CCTV", "A.I.", "ID"), and allow a plural ending.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packager import schemas
from packager.errors import ConfigError

from . import geo

PROPER = "proper"
COMMON = "common"
PLACE_KINDS = ("country", "province", "city", "sublocation")
ENTITY_KINDS = ("organisation", "product", "person", "event")
IIM_KEYWORD_BYTES = 64


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: what kind it is, its canonical name, its JSON data."""

    kind: str
    key: str  # unique within its kind: the gazetteer id or the canonical name
    name: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Mention:
    """A term found in a text: ``text[start:end]`` is the variant as written."""

    start: int
    end: int
    text: str
    term: Term


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    term: Term
    capital: bool  # the matched text must start with a capital letter


_WORD = re.compile(r"\w+")


class Matcher:
    """Finds every variant of every term in a text (overlaps included).

    A variant can only match where the text has its first word: a match starts
    after a non-word character, so the variant's first run of word characters is a
    whole word of the text (or, for a one-word common variant, that word with a
    plural ending). Patterns are indexed by that word, lowercased, so a caption
    is tried only against the few variants whose first word it contains, not
    against the thousands of the gazetteer.
    """

    def __init__(self, variants: list[tuple[Term, str]], mode: str):
        self._by_word: dict[str, list[tuple[int, _Pattern]]] = {}
        self._always: list[tuple[int, _Pattern]] = []
        for order, (term, variant) in enumerate(variants):
            pattern = (order, _compile(variant, term, mode))
            runs = _WORD.findall(variant)
            if not runs:
                self._always.append(pattern)
                continue
            self._by_word.setdefault(runs[0].lower(), []).append(pattern)

    def _candidates(self, text: str) -> list[_Pattern]:
        chosen: dict[int, _Pattern] = dict(self._always)
        for word in {w.lower() for w in _WORD.findall(text)}:
            for key in (word, word[:-1] if word.endswith("s") else None, word[:-2] if word.endswith("es") else None):
                if key:
                    chosen.update(self._by_word.get(key, ()))
        return [chosen[order] for order in sorted(chosen)]

    def find(self, text: str) -> list[Mention]:
        found = []
        for pattern in self._candidates(text):
            for match in pattern.regex.finditer(text):
                if pattern.capital and not match.group(0)[0].isupper():
                    continue
                found.append(Mention(match.start(), match.end(), match.group(0), pattern.term))
        return sorted(set(found), key=lambda m: (m.start, -m.end, m.term.kind, m.term.key))


def _compile(variant: str, term: Term, mode: str) -> _Pattern:
    body = r"\s+".join(re.escape(word) for word in variant.split())
    letters = [c for c in variant if c.isalpha()]
    if mode == COMMON:
        exact = any(c.isupper() for c in letters)
        plural = r"(?:s|es)?" if variant[-1].isalpha() else ""
        capital = False
    else:
        exact = len(letters) > 1 and all(c.isupper() for c in letters)
        plural = ""
        capital = not exact and variant[0].isupper()
    flags = 0 if exact else re.IGNORECASE
    return _Pattern(re.compile(rf"(?<!\w){body}{plural}(?!\w)", flags), term, capital)


def longest(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest of overlapping mentions, earliest first.

    Mentions with exactly the same span are all kept: they are the same words
    naming several terms (two towns called Rongcheng) and are resolved later.
    """
    chosen: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        last = chosen[-1] if chosen else None
        if last and (mention.start, mention.end) == (last.start, last.end) or not any(m.start < mention.end and mention.start < m.end for m in chosen):
            chosen.append(mention)
    return chosen


# --- loading ----------------------------------------------------------------

def _load(name: str) -> dict[str, Any]:
    path = schemas.label(name)
    try:
        data = json.loads(schemas.read_text(name))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"vocabulary {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"vocabulary {path}: the top level must be an object")
    return data


def _entries(data: dict[str, Any], section: str, source: str, required: tuple[str, ...]) -> list[dict[str, Any]]:
    entries = data.get(section, [])
    if not isinstance(entries, list):
        raise ConfigError(f"vocabulary {source}: {section} must be a list")
    for n, entry in enumerate(entries, start=1):
        missing = [key for key in required if not entry.get(key)] if isinstance(entry, dict) else required
        variants = entry.get("variants", []) if isinstance(entry, dict) else None
        if missing or not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise ConfigError(f"vocabulary {source}: {section} entry {n} needs {', '.join(required)} "
                              "and a list of non-empty variants")
    return entries


def _variants(term: Term, entry: dict[str, Any]) -> list[tuple[Term, str]]:
    names = [term.name] + [v for v in entry.get("variants", []) if v != term.name]
    return [(term, variant) for variant in names]


@dataclass(frozen=True)
class Gazetteer:
    """Countries and provinces from the reference data (:mod:`.geo`), plus the curated ``gazetteer.json``.

    The curated part holds what the data lacks: landmarks and sublocations,
    villages below the data's population threshold, cities whose spelling
    variants must win over the data's alternate names (Kashi is Kashgar, not
    Varanasi), extra country variants ("PRC"), words that are never places,
    and common words that are places only when the caption says so.
    """

    countries: dict[str, Term]  # by ISO 3166-1 alpha-2, every country
    provinces: dict[str, Term]  # by ISO 3166-2 code, every subdivision of schemas/subdivisions.json
    cities: dict[str, Term]  # curated, by id
    sublocations: dict[str, Term]  # curated, by id
    not_places: frozenset[str]
    common_words: frozenset[str] = frozenset()  # folded names of places that are also common words or first names

    def province_of(self, term: Term) -> Term | None:
        if term.kind == "province":
            return term
        if term.kind == "sublocation":
            return self.province_of(self.city_of(term))
        return self.provinces.get(term.data.get("province", "")) if term.kind == "city" else None

    def country_of(self, term: Term) -> Term | None:
        if term.kind == "country":
            return term
        province = self.province_of(term)
        if province is not None:
            return self.countries.get(province.data["country"])
        city = self.city_of(term) if term.kind == "sublocation" else term
        return self.countries.get(city.data.get("country", "")) if city.kind == "city" else None

    def city_of(self, term: Term) -> Term:
        """The city a sublocation is in: a curated city by id, or a GeoNames city written "geonames:<id>".

        World-famous landmarks lie in large cities the reference data already
        has; naming that record keeps one source for the city, its province
        and its identifier instead of a curated copy that would also capture
        every "Paris, Texas".
        """
        key = term.data["city"]
        return self.cities[key] if key in self.cities else _geonames_city(key)

    def terms(self) -> list[Term]:
        return [*self.countries.values(), *self.provinces.values(), *self.cities.values(),
                *self.sublocations.values()]

    def curated_variants(self) -> list[tuple[Term, str]]:
        """(term, variant) pairs for the caption matcher: curated names only.

        Reference names (every country, province and GeoNames city) are
        found by :class:`.geo.NameIndex` instead, which scales to them.
        """
        pairs = [pair for term in [*self.cities.values(), *self.sublocations.values()]
                 for pair in _variants(term, term.data)]
        return pairs + [(term, v) for term in self.countries.values() for v in term.data.get("variants", [])]


@lru_cache(maxsize=256)
def _geonames_city(key: str) -> Term:
    """A GeoNames city as a city term (``key`` is "geonames:<id>"); KeyError when the data has no such city."""
    city = geo.cities().by_id[key.removeprefix("geonames:")]
    return Term("city", key, city.name, {"province": geo.cities().province_of(city), "country": city.country,
                                         "geonameid": city.geonameid, "variants": []})


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = _load("gazetteer.json")
    src = "gazetteer.json"
    ref = geo.reference()
    extra = {e["id"]: e for e in _entries(data, "countries", src, ("id",))}
    unknown = sorted(set(extra) - set(ref.countries))
    if unknown:
        raise ConfigError(f"vocabulary {src}: countries entry {unknown[0]!r} is not an ISO 3166-1 alpha-2 code")
    countries = {c.alpha2: Term("country", c.alpha2, c.name,
                                {"alpha3": c.alpha3, "variants": extra.get(c.alpha2, {}).get("variants", [])})
                 for c in ref.countries.values()}
    provinces = {s.code: Term("province", s.code, s.name, {"country": s.country}) for s in ref.subdivisions.values()}
    levels = {}
    for section, kind, parent in (("cities", "city", "province"), ("sublocations", "sublocation", "city")):
        entries = _entries(data, section, src, ("id", "name", parent))
        levels[kind] = {e["id"]: Term(kind, e["id"], e["name"], e) for e in entries}
    gaz = Gazetteer(countries, provinces, levels["city"], levels["sublocation"],
                    frozenset(data.get("not_places", [])), frozenset(geo.fold(w) for w in data.get("common_words", [])))
    _check_gazetteer(gaz)
    return gaz


def _check_gazetteer(gaz: Gazetteer) -> None:
    parents = (("city", gaz.cities, "province", gaz.provinces),
               ("sublocation", gaz.sublocations, "city", gaz.cities))
    for kind, terms, parent_key, parents_by_id in parents:
        for term in terms.values():
            if term.data[parent_key] not in parents_by_id and not _is_geonames_city(term.data[parent_key]):
                raise ConfigError(f"vocabulary gazetteer.json: {kind} {term.key} names unknown "
                                  f"{parent_key} {term.data[parent_key]!r}")
            if not isinstance(term.data.get("identifiers", []), list):
                raise ConfigError(f"vocabulary gazetteer.json: {kind} {term.key}: identifiers must be a list of URIs")
    for term in gaz.cities.values():
        if not isinstance(term.data.get("geonameid", 0), int):
            raise ConfigError(f"vocabulary gazetteer.json: city {term.key}: geonameid must be a number")
    clash = gaz.not_places & {v for t in gaz.terms() for v in t.data.get("variants", [])}
    if clash:
        raise ConfigError(f"vocabulary gazetteer.json: {', '.join(sorted(clash))} is both a place and a not-place")


def _is_geonames_city(key: str) -> bool:
    return key.startswith("geonames:") and key.removeprefix("geonames:") in geo.cities().by_id


@dataclass(frozen=True)
class Entities:
    organisations: dict[str, Term]
    products: dict[str, Term]
    persons: dict[str, Term]
    events: dict[str, Term]

    def terms(self) -> list[Term]:
        return [*self.organisations.values(), *self.products.values(), *self.persons.values(),
                *self.events.values()]


@lru_cache(maxsize=1)
def entities() -> Entities:
    data = _load("organisations.json")
    src = "organisations.json"
    kinds = {}
    for section, kind in (("organisations", "organisation"), ("products", "product"), ("persons", "person"),
                          ("events", "event")):
        kinds[kind] = {e["name"]: Term(kind, e["name"], e["name"], e) for e in _entries(data, section, src, ("name",))}
    ents = Entities(kinds["organisation"], kinds["product"], kinds["person"], kinds["event"])
    for term in [*ents.products.values(), *ents.events.values()]:
        named = [term.data["maker"]] if term.kind == "product" else term.data.get("organisations", [])
        unknown = [name for name in named if name not in ents.organisations]
        if unknown:
            raise ConfigError(f"vocabulary {src}: {term.kind} {term.name!r} names unknown organisation {unknown[0]!r}")
    return ents


@lru_cache(maxsize=1)
def proper_matcher() -> Matcher:
    """One matcher over places and entities, so that the longest name wins across both."""
    places = gazetteer().curated_variants()
    return Matcher(places + [pair for term in entities().terms() for pair in _variants(term, term.data)], PROPER)


SUBJECT = "subject"  # what the item is about: found anywhere in the caption
DEPICTED = "depicted"  # what a viewer expects to see: found in the descriptive first sentence only
KEYWORD_KINDS = (SUBJECT, DEPICTED)
MEDIA_TOPIC_NAMESPACE = "http://cv.iptc.org/newscodes/mediatopic/"
MEDIA_TOPIC_MATCHES = ("exact", "broad")


@dataclass(frozen=True)
class Keywords:
    concepts: dict[str, Term]  # label -> term, in file order
    matcher: Matcher
    namespace: str
    codes: frozenset[str]
    lead_phrases: dict[str, tuple[str, ...]]  # code -> phrases opening a caption
    uris: dict[str, str] = field(default_factory=dict)  # label -> IPTC Media Topic URI, where one fits

    def kind(self, label: str) -> str:
        return str(self.concepts[label].data.get("kind", SUBJECT))


@lru_cache(maxsize=1)
def keywords() -> Keywords:
    data = _load("keywords.json")
    src = "keywords.json"
    concepts = {e["label"]: Term("keyword", e["label"], e["label"], e)
                for e in _entries(data, "concepts", src, ("label",))}
    for term in concepts.values():
        if len(term.name.encode("utf-8")) > IIM_KEYWORD_BYTES:
            raise ConfigError(f"vocabulary {src}: keyword {term.name!r} is longer than {IIM_KEYWORD_BYTES} bytes")
        unknown = [label for label in term.data.get("implies", []) if label not in concepts]
        if unknown:
            raise ConfigError(f"vocabulary {src}: {term.name!r} implies unknown concept {unknown[0]!r}")
        if term.data.get("kind", SUBJECT) not in KEYWORD_KINDS:
            raise ConfigError(f"vocabulary {src}: {term.name!r} has kind {term.data.get('kind')!r}; "
                              f"use one of {', '.join(KEYWORD_KINDS)}")
    uris = {label: _media_topic_uri(src, term) for label, term in concepts.items() if "media_topic" in term.data}
    dst = data.get("digital_source_types", {})
    codes = frozenset(dst.get("codes", []))
    leads = {code: tuple(p.lower() for p in phrases) for code, phrases in dst.get("lead_phrases", {}).items()}
    if not dst.get("namespace") or not set(leads) <= codes:
        raise ConfigError(f"vocabulary {src}: digital_source_types needs a namespace, codes and lead_phrases "
                          "for known codes")
    matcher = Matcher([pair for t in concepts.values() for pair in _variants(t, t.data)], COMMON)
    return Keywords(concepts, matcher, dst["namespace"], codes, leads, uris)


def _media_topic_uri(source: str, term: Term) -> str:
    """The Media Topic URI of a concept; a malformed link stops the run rather than write a wrong URI."""
    topic = term.data["media_topic"]
    if not (isinstance(topic, dict) and re.fullmatch(r"\d{8}", str(topic.get("id", "")))
            and topic.get("label") and topic.get("match") in MEDIA_TOPIC_MATCHES):
        raise ConfigError(f"vocabulary {source}: {term.name!r} needs media_topic with an 8-digit id, IPTC's "
                          f"label and a match of {' or '.join(MEDIA_TOPIC_MATCHES)}")
    return MEDIA_TOPIC_NAMESPACE + topic["id"]
