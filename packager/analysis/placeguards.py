"""When a reference-data name in a caption is really a place.

GeoNames lists 34,000 places of 15,000 people or more, and many of their
names are also ordinary words (Police in Poland, Mobile, Reading, Nice, Split,
Of in Turkey) or first names (Charlotte, Austin). A curated gazetteer entry
needs no guard - someone decided it - but a name known only from the data
counts only when all of these hold:

1. it is written capitalised (every word, except particles such as "de" and
   generic words such as "province"), and not in capitals inside a caption
   that is not all capitals ("NICE" is an acronym);
2. it is not part of a longer capitalised name known as nothing (a capitalised
   word right before or after it, other than an opening word of the sentence
   or a cue: "Michael Jordan", "Orange County", "Victoria Harbour");
3. the caption introduces it as a place - a locative cue before it ("in",
   "at", "near", "outside", "from", "the city of", "downtown"...), or a
   province or country right after it ("Mobile, Alabama", "Rongcheng
   (Shandong)"), or it closes the sentence after a comma ("..., Bombay, 1994.")
   - or it is a country or province, or a city of at least
   :data:`BIG_CITY` people written by its own name; either way not one of the
   gazetteer's ``common_words``.
"""

from __future__ import annotations

import re

from .geo import Hit, fold

BIG_CITY = 500_000  # a city this large is a place even without a cue ("a Hangzhou street")
_PARTICLES = frozenset({"and", "of", "the", "de", "del", "della", "di", "da", "do", "dos", "das", "la", "le", "les",
                        "el", "al", "upon", "on", "sur", "am", "im", "an", "der", "den", "en", "y", "province",
                        "municipality", "region", "autonomous", "city"})
_PLACE_NOUNS = r"city|town|village|county|district|province|region|capital|outskirts|suburbs|streets|centre|center"
_ADJECTIVES = r"old|central|downtown|northern|southern|eastern|western|greater|rural|suburban|urban|historic"
CUE = re.compile(rf"(?:\b(?:in|at|near|outside|inside|from|to|into|around|across|on|via|towards?|through|visiting)"
                 rf"\s+(?:the\s+)?(?:(?:{_ADJECTIVES})\s+)?|\b(?:{_PLACE_NOUNS})\s+of\s+(?:(?:{_ADJECTIVES})\s+)?"
                 rf"|\b(?:downtown|central)\s+)$", re.IGNORECASE)
OPENING_LOCATIVE = re.compile(rf"\s*(?:here\s+)?(?:in|at|on|near|outside|inside)\s+(?:the\s+)?"
                              rf"(?:(?:{_ADJECTIVES})\s+)?(?:(?:{_PLACE_NOUNS})\s+of\s+)?", re.IGNORECASE)
_CUE_WORDS = frozenset({"in", "at", "near", "outside", "inside", "from", "to", "into", "around", "across", "on",
                        "via", "toward", "towards", "through", "downtown", "central", "the", "of"})
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’-]*)[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+([^\W\d_][\w'’-]*)")
_AFTER_COMMA = re.compile(r",[ \t]+$")
_CLOSING = re.compile(r"(?:,[ \t]*(?:c\.[ \t]*)?\d{4}s?)?[ \t]*(?:[.!?;]|$)")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;][\"'”’)]*\s+|[\"“‘(]\s*)$")


def has_cue(text: str, start: int) -> bool:
    """A locative cue ends right before ``start`` ("in ", "at the ", "the city of ", "downtown ")."""
    return CUE.search(text[max(0, start - 60):start]) is not None


def accept(text: str, hit: Hit, candidates: list, hits: list[Hit], occupied: list[tuple[int, int]],
           common_words: frozenset[str]) -> bool:
    """Whether the reference-data name ``hit`` is a place here (rules 1-3 of the module docstring).

    ``candidates`` are what it may mean; ``hits`` and ``occupied`` the spans of
    other names (reference hits; curated and organisation mentions).
    """
    known = occupied + [(h.start, h.end) for h in hits if h is not hit]
    if not _capitalised(text, hit) or _in_longer_name(text, hit, known):
        return False
    if has_cue(text, hit.start) or _region_follows(text, hit, hits):
        return True
    if fold(hit.text) in common_words:
        return False
    if _closing_place(text, hit):
        return True
    if any(c.kind in ("country", "province") for c in candidates):
        return True
    return any(c.primary and c.population >= BIG_CITY for c in candidates)


def _closing_place(text: str, hit: Hit) -> bool:
    """ "..., Mumbai." or "..., Leningrad, 1984.": a name after a comma that ends the sentence (a year may follow)
    is how captions write where a picture was taken."""
    return (_AFTER_COMMA.search(text, 0, hit.start) is not None
            and _CLOSING.match(text, hit.end) is not None)


def _capitalised(text: str, hit: Hit) -> bool:
    words = hit.text.replace("-", " ").split()
    if hit.text.isupper() and len([c for c in hit.text if c.isalpha()]) > 1:
        return text.isupper()  # capitals in a caption that is not all capitals are an acronym
    return hit.text[0].isupper() and all(w[0].isupper() or w.casefold() in _PARTICLES for w in words)


def _in_longer_name(text: str, hit: Hit, known: list[tuple[int, int]]) -> bool:
    before = _WORD_BEFORE.search(text, max(0, hit.start - 40), hit.start)
    if before and before.group(1)[0].isupper() and before.group(1).casefold() not in _CUE_WORDS:
        covered = any(a <= before.start(1) < b for a, b in known)
        if not covered and not _SENTENCE_START.search(text, 0, before.start(1)):
            return True
    after = _WORD_AFTER.match(text, hit.end)
    if after and after.group(1)[0].isupper():
        return not any(a <= after.start(1) < b for a, b in known)
    return False


def _region_follows(text: str, hit: Hit, hits: list[Hit]) -> bool:
    """ "Mobile, Alabama", "Rongcheng (Shandong)": a province or country right after the name."""
    gap = re.compile(r"\s*(?:,|\()\s*")
    for other in hits:
        if other.start > hit.end and gap.fullmatch(text, hit.end, other.start):
            return any(r.kind in ("province", "country") for r in other.refs)
    return False


_ORIGIN = re.compile(r"\bfrom\s+(?:the\s+)?$", re.IGNORECASE)
_SCENE_CUE = re.compile(r"\b(?:in|at|on|inside|outside|near)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}$", re.IGNORECASE)


def origin_only(text: str, start: int, later: list[int]) -> bool:
    """ "Families from Aleppo arriving in Lesbos": a place after "from" is where people came from, not the scene,
    when a place introduced by "in", "at" or "on" follows it (``later``: the starts of the places after it)."""
    if _ORIGIN.search(text, max(0, start - 12), start) is None:
        return False
    return any(_SCENE_CUE.search(text, max(0, b - 40), b) is not None for b in later if b > start)


_AFTER_NAME = re.compile(r"[A-Z\u00C0-\u00DE][\w'’.-]*,[ \t]*$")


def borrowed_qualifier(text: str, hit: Hit) -> bool:
    """A qualifier ("Grasmere, Cumbria") that the data knows only as another city's alternate name.

    GeoNames lists the names of regions among the alternate names of towns
    called after them: "Cumbria" is an alternate name of Cumberland,
    Maryland. After "Name," such a word names the region the first name lies
    in, not a second town; taking it would put the photograph on another
    continent. A city's own name ("Brooklyn, New York") or a province or
    country in that position is still a place.
    """
    if not hit.refs or any(r.kind != "city" or r.primary for r in hit.refs):
        return False
    return _AFTER_NAME.search(text[max(0, hit.start - 60):hit.start]) is not None
