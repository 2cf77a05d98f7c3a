"""Named events the vocabulary does not list, found by the form of their name.

An event's name is a proper name that ends in a word saying what kind of
event it is: "Notting Hill Carnival", "Boston Marathon", "Paris Fashion
Week", "Munich Security Conference". Listing every carnival and marathon
is hopeless, so a capitalised run of words ending in such a *head noun*
is taken as an event, optionally after a year ("the 2019 Notting Hill
Carnival") or an ordinal ("the 8th Party Congress"). The year and the
ordinal stay in the name: they say which edition the picture shows, as
catalogues name editions ("2018 FIFA World Cup").

Where the core of the name is a vocabulary event ("World Cup", "Rio
Carnival"), the vocabulary's canonical name is used, with the year kept.
UN climate conferences are mostly written by their code ("COP26", "COP
26"); the code is resolved to the conference's catalogue name, "2021
United Nations Climate Change Conference" (the form Wikipedia and the UN
use, and the one that sorts with other editions); the code alone is kept
only when its year is unknown.

Precision first: the head noun must follow at least one capitalised word
that is not a sentence opener ("At", "During"...), "Congress" counts only
with an ordinal or a year (a congress without one is usually a
legislature: "World Uyghur Congress"), and the words must be capitalised
as written. Whether the picture shows the event (the descriptive part of
the caption) is decided by :mod:`.entities`, as for vocabulary events.
"""

from __future__ import annotations

import re

from . import geo
from .vocab import Mention, Term, entities

HEADS = ("Festival", "Carnival", "Marathon", "Games", "Olympics", "Paralympics", "Summit", "Conference",
         "Convention", "Championships", "Championship", "Cup", "Expo", "Fair", "Biennale", "Biennial",
         "Triennale", "Parade", "Pride", "Week", "Forum", "Elections", "Election", "Rally", "Race", "Grand Prix",
         "Open", "Regatta", "Tournament", "Derby", "Show", "Day", "Jubilee", "Final", "Finals", "Congress")
NEEDS_NUMBER = frozenset({"Congress"})  # heads that name a body, not a meeting, unless an edition is given
# Capitalised words that open a sentence or a phrase but never begin an event's name.
OPENERS = frozenset({
    "The", "A", "An", "At", "In", "On", "During", "For", "From", "To", "Of", "And", "Or", "As", "After", "Before",
    "Since", "While", "Ahead", "This", "That", "These", "Those", "Last", "Next", "Every", "Each", "Some", "His",
    "Her", "Their", "Its", "Our", "Visitors", "Participants", "Delegates", "Fans", "People", "Crowds",
    "Runners", "Revellers", "Spectators", "Police", "Security", "Annual", "Yearly", "Daily", "Opening",
    "Closing", "Final", "First", "Second"})
_CAP = r"(?:St\.|[A-Z][\w'’&-]*|\d+[A-Za-z]+)"  # "Notting", "Macy's", "G20", "St."
_JOIN = r"(?:\s+(?:of|and|for|de|du|des|la|le|the|&)(?=\s+[A-Z]))?"
_HEAD = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in sorted(HEADS, key=len, reverse=True))
_EDITION = r"(?:(?P<year>(?:19|20)\d\d)\s+|(?P<ordinal>\d{1,3}(?:st|nd|rd|th))\s+)?"
_NAMED = re.compile(rf"(?<![\w'’-]){_EDITION}(?P<core>(?:{_CAP}{_JOIN}\s+)+?(?P<head>{_HEAD}))"
                    rf"(?:\s+(?P<expo_year>(?:19|20)\d\d))?(?![\w'’-])(?!\s+(?:[A-Z][a-z]|of\s+[A-Z]))")
_CLIMATE = re.compile(r"(?<![\w-])(?:(?:the\s+)?(?P<year>(?:19|20)\d\d)\s+)?(?:UN|U\.N\.|United\s+Nations)\s+Climate"
                      r"(?:\s+Change)?\s+(?:Conference|Summit|Talks)(?:\s*\(\s*COP\s?-?(?P<in>\d{1,2})\s*\))?"
                      r"|(?<![\w-])COP\s?-?(?P<code>\d{1,2})(?![\w-])")
CLIMATE_NAME = "United Nations Climate Change Conference"
# "the Qingming festival", "the Beijing marathon": a head written in lower case after "the" and a proper name.
LOWER_HEADS = ("festival", "carnival", "marathon", "parade", "regatta", "games")
_LOWER_NAMED = re.compile(rf"(?<![\w-])the\s+(?P<core>(?:[A-Z][\w'’-]*\s+){{1,3}}(?P<head>{'|'.join(LOWER_HEADS)}))"
                          r"(?![\w'’-])")
_ADJECTIVE = re.compile(r"(?:ese|ian|ish|ic|an|i)$")  # "the Chinese festival", "the Tibetan festival": no name


def cop_year(number: int) -> int:
    """The year of the n-th Conference of the Parties: yearly from 1995; none in 2020 (COP26 met in 2021)."""
    return 1994 + number if number <= 25 else 1995 + number


def climate_conference(year: int | None = None, number: int | None = None) -> str:
    """The catalogue name of a UN climate conference: "2021 United Nations Climate Change Conference"."""
    if year is None and number is not None:
        year = cop_year(number)
    return f"{year} {CLIMATE_NAME}" if year else CLIMATE_NAME


def find(text: str) -> list[Mention]:
    """Events named in ``text`` by the form of their name (see the module docstring), in text order."""
    found = _climate(text)
    taken = [(m.start, m.end) for m in found]
    for match in _NAMED.finditer(text):
        mention = _named(text, match)
        if mention and not any(a < mention.end and mention.start < b for a, b in taken):
            found.append(mention)
            taken.append((mention.start, mention.end))
    for match in _LOWER_NAMED.finditer(text):
        mention = _lower_named(text, match)
        if mention and not any(a < mention.end and mention.start < b for a, b in taken):
            found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _lower_named(text: str, match: re.Match[str]) -> Mention | None:
    """ "the Qingming festival" -> "Qingming Festival"; not after an opener or an adjective of nationality."""
    words = match.group("core").split()[:-1]
    if words[0] in OPENERS or (len(words) == 1 and _ADJECTIVE.search(words[0])):
        return None
    name = _canonical(" ".join(words + [match.group("head").capitalize()]))
    return _mention(match.start("core"), match.end("core"), text, name, "name form")


def _climate(text: str) -> list[Mention]:
    found = []
    for match in _CLIMATE.finditer(text):
        number = match.group("in") or match.group("code")
        year = int(match.group("year")) if match.group("year") else None
        if match.group("code") and int(match.group("code")) < 1:
            continue
        name = climate_conference(year, int(number) if number else None)
        found.append(_mention(match.start(), match.end(), text, name, "name form"))
    return found


def _named(text: str, match: re.Match[str]) -> Mention | None:
    words = match.group("core").split()
    start = match.start("core")
    while words and (words[0] in OPENERS or words[0].lower() in ("of", "and", "for", "the", "&")):
        start = text.index(words[0], start) + len(words[0])
        start += len(text[start:]) - len(text[start:].lstrip())
        words.pop(0)
    head_words = len(match.group("head").split())
    if len(words) <= head_words:
        return None  # a head noun alone ("Festival goers") is not a name
    year, ordinal = match.group("year"), match.group("ordinal")
    if match.group("head") in NEEDS_NUMBER and not (year or ordinal):
        return None
    if len(words) > head_words + 1 and _is_place_possessive(words[0]):
        start = text.index(words[0], start) + len(words[0])
        start += len(text[start:]) - len(text[start:].lstrip())
        words.pop(0)  # "China's National Day": the country is not part of the name
    core = " ".join(words)
    begin = match.start() if (year or ordinal) and start == match.start("core") else start
    end = match.end()
    name = _canonical(core)
    edition = year or ordinal if begin == match.start() else None
    if match.group("expo_year"):
        name = f"{name} {match.group('expo_year')}"
    elif edition:
        name = f"{edition} {name}"
    return _mention(begin, end, text, name, "name form")


def _is_place_possessive(word: str) -> bool:
    owner = re.sub(r"['’]s?$", "", word)
    if owner == word:
        return False
    return bool(geo.reference().index.get(owner) or geo.cities().index.get(owner))


def _canonical(core: str) -> str:
    """The vocabulary's name for the core of an event's name, else the name as written (spacing tidied)."""
    folded = core.casefold()
    for term in entities().events.values():
        if folded in (v.casefold() for v in [term.name, *term.data.get("variants", [])]):
            return term.name
    return core


def _mention(start: int, end: int, text: str, name: str, found_by: str) -> Mention:
    return Mention(start, end, text[start:end], Term("event", name, name, {"unlisted": True, "found_by": found_by}))
