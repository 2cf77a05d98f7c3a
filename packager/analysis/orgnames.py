"""Organisations the vocabulary does not list, found by the form of their name.

Two forms say "this is an organisation" without a list of names:

* a capitalised name with an organisation *head*: a head word at its end
  ("Metropolitan Police", "Peking University", "Wagner Group", "Arsenal
  FC"), a head word that opens it ("FC Barcelona"), or a head followed by
  "of" and a capitalised name ("Ministry of Defence", "University of Hong
  Kong", "Chinese Academy of Sciences");
* a single capitalised word owning a workplace ("Foxconn's factory",
  "Tesla's Gigafactory"): in the descriptive part of a caption the company
  whose factory is pictured is featured.

Precision comes first, so the rules refuse what is only shaped like a
name: a head word alone ("Police officers"), a name whose words are all
generic ("Riot Police", "Security Committee", "West Bank"), a possessive
owner that is a place ("China's factories") or a sentence opener, and
heads that also name places or buildings (Hospital, Museum) are not heads.
Whether the organisation is featured (descriptive part, not cited) is
decided by :mod:`.entities`, as for vocabulary organisations.
"""

from __future__ import annotations

import re

from . import geo
from .vocab import Mention, Term, entities

SUFFIX_HEADS = ("Police", "Police Force", "Police Service", "Police Department", "Constabulary", "University",
                "College", "Institute", "Company", "Corporation", "Corp", "Inc", "Ltd", "Limited", "Group", "Bank",
                "Club", "Party", "Agency", "Bureau", "Council", "Committee", "Commission", "Association",
                "Foundation", "Society", "Federation", "Authority", "Army", "Navy", "Air Force", "Guard", "Guards",
                "Coast Guard", "FC", "AFC", "CF", "United", "Airlines", "Airways", "Motors", "Technologies",
                "Holdings", "Ministry", "Academy", "Co")
PREFIX_HEADS = ("Ministry", "Department", "University", "Bank", "Bureau", "Institute", "Academy", "Office",
                "Federation", "Union", "Church", "League", "Council", "Commission", "Committee")
CLUB_PREFIXES = ("FC", "AFC", "AC", "AS", "SC", "SV", "Real", "Atlético", "Atletico", "Olympique", "Borussia")
# Words that describe a kind of force or body rather than name one: a name made only of these is generic.
GENERIC = frozenset({
    "The", "A", "An", "Riot", "Armed", "Traffic", "Military", "Secret", "Special", "Local", "Paramilitary",
    "Religious", "Border", "Tourist", "Security", "Neighbourhood", "Neighborhood", "Residents", "Village",
    "Street", "Community", "Private", "State", "Federal", "City", "Municipal", "Provincial", "Regional",
    "County", "District", "Central", "People's", "People’s", "West", "East", "North", "South", "Left", "Right",
    "Terracotta", "Chinese", "Foreign", "Public", "Police", "Student", "Students", "Party",
    "Opposition", "Ruling", "Food", "Blood", "Sperm", "Data", "Youth", "Women's", "Women’s", "Tour",
    "Workers", "Workers'", "Workers’", "Family", "Art", "Arts", "Football", "Sports", "Night", "Book", "Fan", "Fans"})
OPENERS = frozenset({
    "The", "A", "An", "At", "In", "On", "During", "For", "From", "To", "Of", "And", "Or", "As", "After", "Before",
    "Since", "While", "This", "That", "These", "Those", "Some", "His", "Her", "Their", "Its", "Our", "Outside",
    "Inside", "Near", "Officers", "Members", "Staff", "Workers", "Employees", "Students", "Supporters", "Fans",
    "Visitors", "Soldiers", "Troops", "Protesters", "Two", "Three", "Several", "Many", "Former"})
WORKPLACES = ("factory", "factories", "plant", "plants", "assembly line", "assembly lines", "production line",
              "production lines", "headquarters", "HQ", "offices", "office", "campus", "warehouse", "warehouses",
              "store", "stores", "flagship store", "showroom", "stand", "booth", "data centre", "data center",
              "research centre", "research center", "laboratory", "laboratories", "lab", "labs", "shipyard",
              "refinery", "mine", "Gigafactory", "gigafactory", "workshop", "workers", "employees", "engineers",
              "couriers", "delivery riders", "delivery drivers")
_CAP = r"(?:[A-Z][\w'’&.-]*[\w&]|[A-Z])"  # "Peking", "O'Neill", "AT&T", "S.A"
_JOIN = r"(?:\s+(?:of|for|de|the|&)(?=\s+[A-Z]))?"  # not "and": "Peking University and Tsinghua University"


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


_SUFFIXED = re.compile(rf"(?<![\w'’-])(?P<name>(?:{_CAP}{_JOIN}\s+)+(?P<head>{_alternation(SUFFIX_HEADS)}))"
                       rf"(?P<of>\s+of\s+(?:the\s+)?{_CAP}(?:\s+(?:and\s+)?{_CAP}){{0,3}})?(?![\w'’-])")
_PREFIXED = re.compile(rf"(?<![\w'’-])(?P<name>(?P<head>{_alternation(PREFIX_HEADS)})\s+of\s+(?:the\s+)?"
                       rf"{_CAP}(?:\s+(?:and\s+|for\s+|of\s+)?{_CAP}){{0,4}})(?![\w'’-])")
_CLUB = re.compile(rf"(?<![\w'’-])(?P<name>(?P<head>{_alternation(CLUB_PREFIXES)})\s+{_CAP}(?:\s+{_CAP})?)"
                   rf"(?![\w'’-])")
_OWNER = re.compile(rf"(?<![\w'’.-])(?P<name>[A-Z][\w&-]*[a-z][\w&-]*)['’]s?\s+(?:[\w-]+\s+){{0,2}}?"
                    rf"(?P<head>{_alternation(WORKPLACES)})(?![\w'’-])")
_JOINERS = frozenset({"of", "for", "de", "the", "&"})
_TRAILING_SMALL = re.compile(r"(?:\s+(?:of|and|for|de|the|&))+$")


def find(text: str) -> list[Mention]:
    """Organisations named in ``text`` by the form of their name, longest first where they overlap."""
    found: list[Mention] = []
    for regex, check in ((_PREFIXED, _prefixed), (_SUFFIXED, _suffixed), (_CLUB, _club), (_OWNER, _owner)):
        for match in regex.finditer(text):
            mention = check(text, match)
            if mention and not any(m.start < mention.end and mention.start < m.end for m in found):
                found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _trim(text: str, match: re.Match[str], group: str = "name") -> tuple[int, list[str]]:
    """Where the name starts once sentence openers are dropped, and its words."""
    start, words = match.start(group), match.group(group).split()
    while words and (words[0] in OPENERS or words[0] in _JOINERS):
        start = text.index(words[0], start) + len(words[0])
        start += len(text[start:]) - len(text[start:].lstrip())
        words.pop(0)
    return start, words


def _suffixed(text: str, match: re.Match[str]) -> Mention | None:
    start, words = _trim(text, match)
    head = match.group("head").split()
    modifiers = words[:len(words) - len(head)]
    generic = all(w in GENERIC or w in _JOINERS for w in modifiers)
    if not modifiers or (generic and not match.group("of")):
        return None  # "Riot Police"; but "Chinese Academy of Sciences" is named by its "of" part
    if match.group("head") == "United" and len(modifiers) > 2:
        return None
    if modifiers[0].endswith(("'s", "’s")):
        return None  # "Beijing's Police": an owner, not part of the name
    end = match.end("of") if match.group("of") else match.end("name")
    return _mention(text, start, end)


def _prefixed(text: str, match: re.Match[str]) -> Mention | None:
    start = match.start("name")
    before = text[:start].split()
    if before and before[-1][:1].isupper() and before[-1] not in OPENERS:
        return None  # "Chinese Academy of Sciences" is found whole by the suffix rule
    tail = _TRAILING_SMALL.sub("", match.group("name"))
    return _mention(text, start, start + len(tail))


def _club(text: str, match: re.Match[str]) -> Mention | None:
    words = match.group("name").split()
    if any(w in GENERIC for w in words[1:]):
        return None
    return _mention(text, match.start("name"), match.end("name"))


def _owner(text: str, match: re.Match[str]) -> Mention | None:
    owner = match.group("name")
    if owner in OPENERS or owner in GENERIC or _is_place(owner) or owner in entities().persons:
        return None
    return _mention(text, match.start("name"), match.end("name"))


def _is_place(name: str) -> bool:
    return bool(geo.reference().index.get(name) or geo.cities().index.get(name))


def _mention(text: str, start: int, end: int) -> Mention:
    written = re.sub(r"\s+", " ", text[start:end])
    name = _canonical(written)
    return Mention(start, end, text[start:end], Term("organisation", name, name, {"unlisted": True}))


def _canonical(written: str) -> str:
    """The vocabulary's name when the written name is a listed organisation's name ("Apple"), else as written."""
    folded = written.casefold()
    for term in entities().organisations.values():
        if folded == term.name.casefold() or folded in (v.casefold() for v in term.data.get("variants", [])):
            return term.name
    return written
