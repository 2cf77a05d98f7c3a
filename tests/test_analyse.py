"""Caption analysis: values checked against what a cataloguer reads in the sample captions."""

from __future__ import annotations

import re

import pytest

from packager.analysis import text, vocab
from packager.analysis.record import analyse
from packager.collection.captions import read_captions
from packager.model import CollectionInfo, Item, Location, Record

from .conftest import COLLECTION

SAMPLE = COLLECTION / "captions.txt"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
INFO = CollectionInfo(identifier="surv", title="Surveillance in China", creator=("Gilles Sabrié",),
                      rights="© Gilles Sabrié", publisher="Some Archive", credit="Gilles Sabrié",
                      source="gallery page", language="en", date="2017")
TRUNCATED = {1, 2, 3, 6, 7, 8, 9, 11, 12, 18, 21, 22, 23, 25}
SCREEN_CAPTURES = {2, 4, 6, 12, 13, 17, 19, 24}
BAD_LAST_WORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "by", "and", "or", "is", "are",
                  "his", "their", "its", "from", "via"}


def item(caption: str | None, line: int = 1, overrides: dict[str, str] | None = None) -> Item:
    return Item(identifier=f"surv-{line:03d}", file=f"Surv - {line:03d}.jpg", image=None, caption=caption,
                source="captions.txt", line=line, overrides=overrides or {})


@pytest.fixture(scope="module")
def sample() -> dict[int, tuple[Record, list]]:
    entries, _ = read_captions(SAMPLE)
    return {e.line: analyse(item(e.text, e.line), INFO) for e in entries}


def rec(sample: dict, n: int) -> Record:
    return sample[n][0]


# --- text ------------------------------------------------------------------------

def test_exactly_the_14_cut_off_captions_are_truncated_with_w201(sample: dict) -> None:
    assert {n for n, (r, _) in sample.items() if r.truncated} == TRUNCATED
    for n, (_r, found) in sample.items():
        w201 = [i for i in found if i.code == "W201"]
        assert len(w201) == (n in TRUNCATED)
        if w201:
            assert w201[0].line == n and w201[0].path == "captions.txt"
    w201 = next(i for i in sample[1][1] if i.code == "W201")
    assert "additional $30 bi'" in w201.message


def test_description_is_the_caption_exactly(sample: dict) -> None:
    entries, _ = read_captions(SAMPLE)
    assert [rec(sample, e.line).description for e in entries] == [e.text for e in entries]


def test_headlines_keep_abbreviations_inside_the_sentence(sample: dict) -> None:
    assert rec(sample, 10).headline == ("Visitors to Tian An Men square having their ID scanned at a security "
                                        "check.")
    assert rec(sample, 15).headline == ("Developed by the Chinese start-up Sensetime, this A.I. system coupled "
                                        "with the the CCTV camera, allows for basic descriptions of individuals "
                                        "and vehicles.")
    assert rec(sample, 16).headline.endswith("alongside their name and I.D. number.")
    assert rec(sample, 17).headline == ("Screen capture of CCTV live footage using the face and vehicles "
                                        "recognition system Face ++.")
    assert rec(sample, 1).headline == ("A police robot equipped with surveillance cameras on patrol in a "
                                       "commercial street of Beijing.")


@pytest.mark.parametrize("caption, first", [
    ("Mr. Li and Dr. Wang at work. Later they left.", "Mr. Li and Dr. Wang at work."),
    ("J. Smith holds 3.5 kg, e.g. Rice. Then more.", "J. Smith holds 3.5 kg, e.g. Rice."),
    ("He said “Stop.” Then he left.", "He said “Stop.”"),
    ("Is it? Yes.", "Is it?"),
    ("Police in the U.S. Army base", "Police in the U.S. Army base"),
    ("北京的警察。机器人在巡逻。", "北京的警察。"),
    ("One cut-off sentence without an end", "One cut-off sentence without an end"),
])
def test_first_sentence(caption: str, first: str) -> None:
    assert text.headline(caption) == first


@pytest.mark.parametrize("caption, cut", [
    ("Ends well.", False), ("Ends “quoted.”", False), ("Ends (bracketed.)", False), ("Really?", False),
    ("北京的警察。", False), ("Ends in the midd", True), ("Ends with a comma,", True), ("Trails off...", True),
    ("Trails off…", True), ("Ends with a quote “sensitiv", True), ("", False),
])
def test_truncation(caption: str, cut: bool) -> None:
    assert text.is_truncated(caption) is cut


# --- title -----------------------------------------------------------------------

def test_titles_fit_64_bytes_and_end_on_a_whole_word(sample: dict) -> None:
    for n, (r, _) in sample.items():
        assert r.title and len(r.title.encode("utf-8")) <= 64, (n, r.title)
        last = re.sub(r"[^\w+]+$", "", r.title.rsplit(None, 1)[-1])
        assert last.lower() not in BAD_LAST_WORDS, (n, r.title)
        known = {w.strip(".").lower() for w in re.findall(r"[\w+’'.-]+", r.description)}
        known |= {"tiananmen", "face++", "the"}  # canonical names
        known |= {"near", "of", "displaying", "developed"}  # the cataloguer's wording (packager/analysis/wording.py)
        known |= {w.lower() for place in r.locations for w in place.label().replace(",", " ").split()}
        words = [w.strip(".").lower() for w in re.findall(r"[\w+’'.-]+", r.title)]
        assert all(w in known for w in words), (n, r.title)  # whole words of the caption, nothing cut
        assert r.title[0].isupper() and not r.title.endswith((",", ".", " "))


def test_titles_read_like_catalogue_titles(sample: dict) -> None:
    assert rec(sample, 1).title == "Police robot on patrol in a commercial street, Beijing"
    assert rec(sample, 3).title == "Police standing guard by Houhai Lake, Beijing"
    assert rec(sample, 10).title == "Visitors to Tiananmen Square having their ID scanned, Beijing"
    assert rec(sample, 18).title == "Locals playing Mah-Jong in a home, Yangqiao"
    assert rec(sample, 22).title == "Paramilitary police at a subway entrance, Beijing"
    assert rec(sample, 15).title == "A.I. system by the Chinese start-up SenseTime"
    titles = [r.title for r, _ in sample.values()]
    headlines = [r.headline.rstrip(".") for r, _ in sample.values()]
    assert sum(t == h for t, h in zip(titles, headlines, strict=False)) == 0  # devised, not copied


def test_title_is_deterministic_and_drops_a_cut_off_word() -> None:
    first = analyse(item("Police at a checkpoint in the centre of Kash"), INFO)[0]
    again = analyse(item("Police at a checkpoint in the centre of Kash"), INFO)[0]
    assert first.title == again.title == "Police at a checkpoint in the centre"


def test_long_title_without_spaces_is_clipped_at_a_character() -> None:
    title = analyse(item("北京的警察机器人在商业街上巡逻，配备了监控摄像头并连接到城市监控系统。"), INFO)[0].title
    assert title == "北京的警察机器人在商业街上巡逻"
    assert len(title.encode("utf-8")) <= 64


# --- digital source type ---------------------------------------------------------

def test_screen_captures_are_told_apart_from_photos_of_screens(sample: dict) -> None:
    screen = {n for n, (r, _) in sample.items() if r.digital_source_type == DST + "screenCapture"}
    assert screen == SCREEN_CAPTURES
    assert rec(sample, 9).description.startswith("At Sensetime showroom, a video shows")
    assert all(r.digital_source_type == INFO.digital_source_type for n, (r, _) in sample.items()
               if n not in SCREEN_CAPTURES)


@pytest.mark.parametrize("caption, screen", [
    ("A screenshot of the app.", True), ("Screengrab: the app.", True), ("Screen grabs of a feed.", True),
    ("Photo of a screen showing a screenshot.", False), ("A screen capturing faces.", False),
])
def test_source_type_from_opening_words(caption: str, screen: bool) -> None:
    dst = analyse(item(caption), INFO)[0].digital_source_type
    assert (dst == DST + "screenCapture") is screen


# --- places ----------------------------------------------------------------------

CHINA = {"country": "China", "country_code": "CHN"}
# A location's identifiers name each of its parts, most specific first: the
# city's GeoNames URI, then the province's ISO 3166-2 and the country's ISO 3166-1 code.
CN = "urn:iso:std:iso:3166:-1:CN"
ZJ = ("urn:iso:std:iso:3166:-2:CN-ZJ", CN)
XJ = ("urn:iso:std:iso:3166:-2:CN-XJ", CN)
HANGZHOU = ("http://sws.geonames.org/1808926/", *ZJ)


def loc(r: Record) -> Location:
    assert len(r.locations) == 1, r.locations
    return r.locations[0]


def test_hangzhou_resolves_to_zhejiang_china(sample: dict) -> None:
    for n in (11, 12, 14):
        assert loc(rec(sample, n)) == Location(city="Hangzhou", province_state="Zhejiang", **CHINA,
                                               identifiers=HANGZHOU)


def test_sample_places(sample: dict) -> None:
    beijing = ("http://sws.geonames.org/1816670/", "urn:iso:std:iso:3166:-2:CN-BJ", CN)
    assert loc(rec(sample, 1)) == Location(city="Beijing", province_state="Beijing", **CHINA, identifiers=beijing)
    assert loc(rec(sample, 3)) == Location("Houhai Lake", "Beijing", "Beijing", **CHINA, identifiers=beijing)
    assert loc(rec(sample, 5)).sublocation == "Great Hall of the People"
    assert loc(rec(sample, 7)) == Location("Kashgar Old City", "Kashgar", "Xinjiang", **CHINA,
                                           identifiers=("http://sws.geonames.org/1280849/", *XJ))
    assert loc(rec(sample, 10)) == loc(rec(sample, 23)) == Location("Tiananmen Square", "Beijing", "Beijing", **CHINA,
                                                                    identifiers=beijing)
    assert loc(rec(sample, 13)) == Location(city="Rongcheng", province_state="Shandong", **CHINA,
                                            identifiers=("urn:iso:std:iso:3166:-2:CN-SD", CN))
    assert loc(rec(sample, 16)) == Location(city="Xiangyang", province_state="Hubei", **CHINA,
                                            identifiers=("http://sws.geonames.org/1790587/",
                                                         "urn:iso:std:iso:3166:-2:CN-HB", CN))
    assert loc(rec(sample, 18)) == Location(city="Yangqiao", province_state="Zhejiang", **CHINA, identifiers=ZJ)
    assert loc(rec(sample, 25)).sublocation == "National Centre for the Performing Arts"
    assert {n for n, (r, _) in sample.items() if not r.locations} == {4, 6, 9, 15, 17, 24}
    assert all(i.code == "I202" for n in (4, 6, 9, 15, 17, 24) for i in sample[n][1] if i.field == "locations")


def test_no_people_or_country_as_city(sample: dict) -> None:
    for r, _ in sample.values():
        for place in r.locations:
            assert "Uyghur" not in place.label() and "Uighur" not in place.label()
            assert place.city != "China" and place.country_code in ("", "CHN")


@pytest.mark.parametrize("caption, expected", [
    ("Police patrol in Xinjiang.", Location(province_state="Xinjiang", **CHINA, identifiers=XJ)),
    ("A street in China.", Location(**CHINA, identifiers=("http://sws.geonames.org/1814991/", CN))),
    ("A market in Kashi.", Location(city="Kashgar", province_state="Xinjiang", **CHINA,
                                    identifiers=("http://sws.geonames.org/1280849/", *XJ))),
    ("A Uyghur man walks home.", None),
    ("A square in china.", None),
])
def test_gazetteer_levels_and_variants(caption: str, expected: Location | None) -> None:
    r = analyse(item(caption), INFO)[0]
    assert r.locations == ((expected,) if expected else ())


def test_ambiguous_town_is_reported_not_guessed() -> None:
    r, found = analyse(item("Officers in Rongcheng check papers."), INFO)
    assert r.locations == ()
    w203 = [i for i in found if i.code == "W203"]
    assert len(w203) == 1 and "Shandong" in w203[0].message and "Hebei" in w203[0].message


@pytest.mark.parametrize("caption, title", [
    ("Farmers in Xiaozhuang (Zhejiang) at dawn.", "Farmers at dawn, Xiaozhuang"),
    ("In Xiaozhuang (Zhejiang) farmers are working.", "Farmers working, Xiaozhuang"),
])
def test_unknown_town_with_province_is_taken_with_a_note(caption: str, title: str) -> None:
    r, found = analyse(item(caption), INFO)
    assert r.locations == (Location(city="Xiaozhuang", province_state="Zhejiang", **CHINA, identifiers=ZJ),)
    assert [i.code for i in found] == ["I204"] and "'Xiaozhuang'" in found[0].message
    assert r.title == title


def test_a_people_in_town_province_form_is_not_a_town() -> None:
    r = analyse(item("A Uyghur (Xinjiang) man walks."), INFO)[0]
    xinjiang = Location(province_state="Xinjiang", **CHINA, identifiers=XJ)
    assert r.locations == (xinjiang,)


def test_places_in_background_sentences_are_not_shown() -> None:
    r = analyse(item("A man reads a newspaper. Hangzhou is a big city."), INFO)[0]
    assert r.locations == ()


# --- organisations, persons, events ----------------------------------------------

def test_xi_jinping_is_mentioned_not_shown(sample: dict) -> None:
    assert rec(sample, 2).persons_mentioned == ("Xi Jinping",)
    assert all("Xi Jinping" not in r.persons_shown for r, _ in sample.values())
    shown = analyse(item("Xi Jinping waves at the Great Hall of the People."), INFO)[0]
    assert shown.persons_shown == ("Xi Jinping",) and shown.persons_mentioned == ()


def test_organisations_use_canonical_names(sample: dict) -> None:
    for n in (4, 9, 15, 24):
        assert rec(sample, n).organisations == ("SenseTime",)
    for n in (2, 6, 8, 17, 19):
        assert rec(sample, n).organisations == ("Megvii",)
    assert all("Sensetime" not in r.organisations for r, _ in sample.values())


def test_products_give_their_maker_and_a_keyword(sample: dict) -> None:
    for n in (6, 17):
        assert "Face++" in rec(sample, n).keywords and "Face++" not in rec(sample, n).organisations
    assert rec(sample, 17).organisations == ("Megvii",)


def test_party_congress_is_an_event_not_an_organisation_in_the_image(sample: dict) -> None:
    r = rec(sample, 5)
    assert r.events == ("19th National Congress of the Communist Party of China",)
    assert r.organisations == ()  # a guard on a street: the party is not what the picture shows
    assert all(not other.events for n, (other, _) in sample.items() if n != 5)


# --- keywords --------------------------------------------------------------------

def test_keywords_are_controlled_unique_and_short(sample: dict) -> None:
    labels = set(vocab.keywords().concepts) | {"Face++"}
    for r, _ in sample.values():
        assert len(set(r.keywords)) == len(r.keywords)
        assert set(r.keywords) <= labels
        assert all(len(k.encode("utf-8")) <= 64 for k in r.keywords)


def test_same_concept_same_keyword_across_items(sample: dict) -> None:
    for n in (2, 6, 8, 10, 14, 16):  # "facial recognition", "face recognition", "facial identification"...
        assert "facial recognition" in rec(sample, n).keywords, n
    assert "facial recognition" in rec(sample, 9).keywords  # "facial identification"
    for n in (12, 13, 18):
        assert "social credit system" in rec(sample, n).keywords
    assert {"Uyghurs", "security checkpoint", "police"} <= set(rec(sample, 7).keywords)
    assert "Uyghurs" in rec(sample, 7).keywords and "Uyghurs" not in rec(sample, 8).keywords  # background only
    assert "ethnic minorities" in rec(sample, 8).keywords  # a subject: "a largely Muslim minority"
    assert "artificial intelligence" in rec(sample, 15).keywords  # written "A.I."
    assert rec(sample, 1).keywords == ("police", "robots", "surveillance", "CCTV", "streets")


def test_keyword_order_is_by_first_mention() -> None:
    r = analyse(item("A robot near a checkpoint watches police."), INFO)[0]
    assert r.keywords == ("robots", "security checkpoint", "police")


# --- collection facts, provenance, overrides -------------------------------------

def test_collection_facts_and_provenance(sample: dict) -> None:
    r = rec(sample, 7)
    assert (r.identifier, r.file) == ("surv-007", "Surv - 007.jpg")
    assert (r.creator, r.rights, r.publisher, r.credit, r.source, r.language, r.date, r.collection) == (
        ("Gilles Sabrié",), "© Gilles Sabrié", "Some Archive", "Gilles Sabrié", "gallery page", "en", "2017",
        "Surveillance in China")
    assert (r.caption_source, r.caption_line) == ("captions.txt", 7)


def test_overrides_win_over_analysis() -> None:
    overrides = {"title": "Night patrol", "keywords": "police; night; police", "digital_source_type": "screenCapture",
                 "persons_shown": "Li Keqiang", "truncated": "yes", "rights": "CC BY 4.0"}
    r, found = analyse(item("Police in Beijing.", overrides=overrides), INFO)
    assert found == []
    assert (r.title, r.keywords, r.digital_source_type, r.persons_shown, r.truncated, r.rights) == (
        "Night patrol", ("police", "night"), DST + "screenCapture", ("Li Keqiang",), True, "CC BY 4.0")


def test_location_override_is_completed_from_the_gazetteer() -> None:
    r = analyse(item("Police in Beijing.", overrides={"city": "Hangzhou"}), INFO)[0]
    assert r.locations == (Location(city="Hangzhou", province_state="Zhejiang", **CHINA, identifiers=HANGZHOU),)
    r = analyse(item("Police.", overrides={"city": "Xiaozhuang", "province_state": "Zhejiang"}), INFO)[0]
    assert r.locations == (Location(city="Xiaozhuang", province_state="Zhejiang", **CHINA),)


@pytest.mark.parametrize("name, value", [
    ("digital_source_type", "https://cv.iptc.org/newscodes/digitalsourcetype/screenCapture"),
    ("digital_source_type", "photo"), ("truncated", "maybe"), ("title", "x" * 65), ("keywords", "ok; " + "k" * 65),
    ("country_code", "CN"),
])
def test_unusable_override_is_e310_and_analysis_is_kept(name: str, value: str) -> None:
    plain = analyse(item("Police in Beijing."), INFO)[0]
    r, found = analyse(item("Police in Beijing.", overrides={name: value}), INFO)
    assert [i.code for i in found] == ["E310"]
    assert repr(value) in found[0].message and "captions.txt" in found[0].message
    assert r == plain


def test_item_without_caption_gives_an_empty_record() -> None:
    r, found = analyse(item(None), INFO)
    assert (r.description, r.title, r.headline, r.truncated, r.locations) == ("", "", "", False, ())
    assert found == []


# --- the part of a caption that describes the picture ----------------------------

@pytest.mark.parametrize("caption, described", [
    ("A police robot in Beijing. This robot is connected to the city system.", "A police robot in Beijing."),
    ("Полиция на площади. Police on Tiananmen Square. Security is tight.",
     "Полиция на площади. Police on Tiananmen Square."),
    ("北京的警察。Police in Beijing. Security is tight.", "北京的警察。Police in Beijing."),
    ("Xi Jinping has launched a campaign. Pictured: police in Hangzhou. More follows.",
     "Xi Jinping has launched a campaign. Pictured: police in Hangzhou."),
    ("A market. (Photo: a street in Hangzhou.)", "A market. (Photo: a street in Hangzhou.)"),
    ("Police in Beijing. Police in Hangzhou too.", "Police in Beijing."),  # two Latin sentences: only the first
    ("A Russian phrase «Москва» inside. Then more.", "A Russian phrase «Москва» inside."),
    ("", ""),
])
def test_descriptive_part(caption: str, described: str) -> None:
    assert caption[:text.descriptive_end(caption)] == described


def test_a_translation_after_a_caption_in_another_script_is_descriptive() -> None:
    r = analyse(item("Полиция у контрольно-пропускного пункта. Police at a checkpoint in Hangzhou. "
                     "Checks are frequent."), INFO)[0]
    assert [(loc.city, loc.province_state) for loc in r.locations] == [("Hangzhou", "Zhejiang")]


def test_a_pictured_sentence_is_descriptive_and_the_statement_before_it_is_not() -> None:
    r = analyse(item("China's President Xi Jinping has launched a campaign. Pictured: police on patrol in "
                     "Hangzhou. The campaign began in 2017."), INFO)[0]
    assert [loc.city for loc in r.locations] == ["Hangzhou"]
    assert r.persons_shown == () and r.persons_mentioned == ("Xi Jinping",)


@pytest.mark.parametrize("caption, title", [
    ("A market in Hangzhou, Zhejiang.", "Market, Hangzhou"),  # the province goes with the city
    ("A market in Hotan, Xinjiang, China.", "Market, Hotan"),
    ("Policemen at a railway station, Henan province.", "Policemen at a railway station, Henan"),
    ("Police in Henan province check papers.", "Police in Henan province check papers"),  # kept whole
    ("Tourists at the Potala Palace in Lhasa.", "Tourists at the Potala Palace in Lhasa"),
    ("Surveillance cameras above Nathan Road in Hong Kong.", "Surveillance cameras above Nathan Road, Hong Kong"),
])
def test_titles_keep_landmarks_and_drop_the_place_once(caption: str, title: str) -> None:
    assert analyse(item(caption), INFO)[0].title == title


@pytest.mark.parametrize("caption, city", [
    ("Uighur men pass a police station in Hotan (Xinjiang).", "Hotan"),  # GeoNames: Gujangbagh
    ("A checkpoint in Kuqa.", "Kuqa"),  # GeoNames: Xincheng
    ("Monks in Shigatse.", "Shigatse"),  # GeoNames: Rikaze
])
def test_cities_geonames_names_after_a_subdistrict_keep_their_usual_name(caption: str, city: str) -> None:
    assert [loc.city for loc in analyse(item(caption), INFO)[0].locations] == [city]
