"""Devised titles: every sample title exactly, and sentences of other kinds.

The titles are built from each caption's first sentence and the location
shown; the location is given here (as the places analysis finds it) so that
these tests pin the title rules alone.
"""

from __future__ import annotations

import pytest

from packager.analysis import text, title, vocab
from packager.analysis.vocab import Mention, Term
from packager.collection.captions import read_captions
from packager.model import Location

from .conftest import COLLECTION

SAMPLE = COLLECTION / "captions.txt"
CN = {"country": "China", "country_code": "CHN"}
BEIJING = Location(city="Beijing", province_state="Beijing", **CN)
HANGZHOU = Location(city="Hangzhou", province_state="Zhejiang", **CN)
TIANANMEN = Location("Tiananmen Square", "Beijing", "Beijing", **CN)

SAMPLE_TITLES = {
    1: (BEIJING, "Police robot on patrol in a commercial street, Beijing"),
    2: (BEIJING, "Facial recognition software in use at Megvii showroom, Beijing"),
    3: (Location("Houhai Lake", "Beijing", "Beijing", **CN), "Police standing guard by Houhai Lake, Beijing"),
    4: (None, "Screen capture of SenseTime crowd monitoring system"),
    5: (Location("Great Hall of the People", "Beijing", "Beijing", **CN),
        "Plainclothes security near the Great Hall of the People, Beijing"),
    6: (None, "Screen capture of the face recognition system Face++ by Megvii"),
    7: (Location("Kashgar Old City", "Kashgar", "Xinjiang", **CN), "Uyghur looking at a police checkpoint in Kashgar Old City"),
    8: (BEIJING, "Programmer at Megvii headquarters, Beijing"),
    9: (None, "Video of a facial identification system at SenseTime showroom"),
    10: (TIANANMEN, "Visitors to Tiananmen Square having their ID scanned, Beijing"),
    11: (HANGZHOU, "Pedestrian handing his city smart ID card, Hangzhou"),
    12: (HANGZHOU, "Screenshot of an app for a social credit system, Hangzhou"),
    13: (Location(city="Rongcheng", province_state="Shandong", **CN),
         "Animation explaining the social credit system, Rongcheng"),
    14: (HANGZHOU, "Receptionists at a hotel scanning the ID of guests, Hangzhou"),
    15: (None, "A.I. system by the Chinese start-up SenseTime"),
    16: (Location(city="Xiangyang", province_state="Hubei", **CN),
         "Outdoor screen displaying photos of jaywalkers, Xiangyang"),
    17: (None, "Face and vehicles recognition system Face++"),
    18: (Location(city="Yangqiao", province_state="Zhejiang", **CN), "Locals playing Mah-Jong in a home, Yangqiao"),
    19: (BEIJING, "Human recognition software in use at Megvii showroom, Beijing"),
    20: (BEIJING, "Security guard monitoring passers-by, Beijing"),
    21: (BEIJING, "Volunteers from a neighbourhood security committee, Beijing"),
    22: (BEIJING, "Paramilitary police at a subway entrance, Beijing"),
    23: (TIANANMEN, "Visitors to Tiananmen Square passing by a street light, Beijing"),
    24: (None, "Screen capture of SenseTime crowd monitoring system"),
    25: (Location("National Centre for the Performing Arts", "Beijing", "Beijing", **CN),
         "Audience members using their smartphones, Beijing"),
}


def devise(caption: str, location: Location | None) -> str:
    """As :func:`packager.analysis.record.analyse` calls it: first-sentence mentions, a town known only from the text."""
    spans = text.sentence_spans(caption)
    first_end = spans[0][1] if spans else len(caption)
    headline = caption[:first_end].strip()
    mentions = [m for m in vocab.longest(vocab.proper_matcher().find(caption)) if m.end <= first_end]
    city = location.city if location else ""
    if city and city in headline and not any(m.term.name == city for m in mentions):
        start = headline.index(city)
        mentions.append(Mention(start, start + len(city), city, Term("city", city, city)))
    cut_off = text.is_truncated(caption) and first_end >= len(caption)
    return title.devise(headline, sorted(mentions, key=lambda m: m.start), location, cut_off=cut_off)


@pytest.fixture(scope="module")
def captions() -> dict[int, str]:
    entries, _ = read_captions(SAMPLE)
    return {e.line: e.text for e in entries}


def test_all_25_sample_titles(captions: dict[int, str]) -> None:
    assert set(captions) == set(SAMPLE_TITLES)
    got = {n: devise(captions[n], location) for n, (location, _) in SAMPLE_TITLES.items()}
    assert got == {n: expected for n, (_, expected) in SAMPLE_TITLES.items()}


def test_sample_titles_fit_iim_and_differ_from_the_headline(captions: dict[int, str]) -> None:
    for n, (_, expected) in SAMPLE_TITLES.items():
        assert len(expected.encode("utf-8")) <= 64
        assert expected != text.headline(captions[n]).rstrip(".")
    assert "developped" not in " ".join(t for _, t in SAMPLE_TITLES.values())
    assert not any(t.endswith(("on display", "in use")) for _, t in SAMPLE_TITLES.values())


@pytest.mark.parametrize("caption, location, expected", [
    # no place: no ", City" suffix; a finite verb becomes a participle
    ("A man reads a newspaper on a bench.", None, "Man reading a newspaper on a bench"),
    # all capitals: sentence case, names canonical, acronyms kept
    ("POLICE ROBOT ON PATROL IN A COMMERCIAL STREET OF BEIJING.", BEIJING,
     "Police robot on patrol in a commercial street, Beijing"),
    ("CCTV CAMERAS WATCH THE SQUARE.", None, "CCTV cameras watch the square"),
    # a script without our prepositions: whole words up to the limit, not one word
    ("Москва: полиция патрулирует Красную площадь во время парада.", None, "Москва: полиция патрулирует"),
    # Chinese without spaces: clipped at a character, after a comma where possible
    ("北京的警察机器人在商业街上巡逻，配备了监控摄像头并连接到城市监控系统。", None, "北京的警察机器人在商业街上巡逻"),
    # very long: whole phrases in order, never a dangling preposition
    (("A long line of commuters waiting patiently to pass through the airport-style security screening machines "
      "installed at the entrance of a crowded metro station during the evening rush hour in Beijing."), BEIJING,
     "Long line of commuters waiting patiently to pass, Beijing"),
    ("President Emmanuel Macron walks past guards of honour in Beijing.", BEIJING,
     "President Emmanuel Macron walking past guards of honour, Beijing"),
    ("Workers in the neighbourhood of the Great Hall of the People sweep the street.", None,
     "Workers near the Great Hall of the People sweep the street"),
    ("A robot developped by UBTech, on display at a fair.", None, "Robot by UBTech Robotics, on display at a fair"),
])
def test_unseen_sentences(caption: str, location: Location | None, expected: str) -> None:
    got = devise(caption, location)
    assert got == expected
    assert len(got.encode("utf-8")) <= 64


def test_a_title_never_ends_inside_a_name() -> None:
    from packager.analysis.record import analyse
    from packager.model import CollectionInfo, Item
    caption = "Screen captures of the Skynet surveillance network, shown at the Public Security Expo in Beijing."
    r = analyse(Item("a", "a.jpg", None, caption, "c", 1), CollectionInfo(identifier="x", title="x"))[0]
    assert r.title == "Skynet surveillance network, Beijing"
