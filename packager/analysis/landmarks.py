"""Landmarks no gazetteer lists: a capitalised name with a landmark head noun.

The curated gazetteer knows a few landmarks with their city; the world has
millions of squares, streets, temples and stations, and captions name them
the same way everywhere: capitalised words ending in a head noun
("Trafalgar Square", "Khreshchatyk Street", "Sensō-ji Temple") or a head
noun followed by "of" and a capitalised name ("Temple of Heaven", "Church of
the Holy Sepulchre", "Palace of Westminster"). German and Dutch write the head
into the word ("Alexanderplatz", "Marienkirche"). Such a name is taken as
the sublocation shown; :mod:`.places` gives it the city of the same sentence.

Not a landmark: a head noun alone or after generic words only ("Police
Station", "Main Street": which one?); a span the caller already knows as
something else (an organisation, a curated place); a name that is itself a
city, province or country ("Long Beach", "Salt Lake"); a name the caption cut
off mid-word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import geo
from .text import is_truncated

HEADS = ("Square", "Street", "Avenue", "Road", "Boulevard", "Lane", "Bridge", "Temple", "Shrine", "Pagoda",
         "Mosque", "Church", "Cathedral", "Basilica", "Abbey", "Monastery", "Synagogue", "Palace", "Castle", "Fort",
         "Fortress", "Citadel", "Museum", "Gallery", "Station", "Terminal", "Terminus", "Airport", "Market", "Bazaar", "Souk",
         "Beach", "Park", "Garden", "Gardens", "Gate", "Tower", "Stadium", "Arena", "Harbour", "Harbor", "Port",
         "Pier", "Quarter", "District", "Hall", "House", "Parliament", "Plaza", "Piazza", "Platz", "Memorial",
         "Monument", "Mausoleum", "Wall", "Canal", "Embankment", "Promenade", "Waterfront", "Cemetery", "Souq",
         "Chancellery", "Resort", "Mine", "Wharf")
_PREFIX_HEADS = ("Lake", "Mount", "Mt.")  # "Lake Geneva", "Mount Fuji": the head comes first, without "of"
_GENERIC = frozenset({"the", "a", "an", "main", "old", "new", "police", "railway", "train", "bus", "fire", "city",
                      "town", "village", "local", "this", "that", "its", "their", "his", "her", "our", "my", "high",
                      "north", "south", "east", "west", "central", "grand", "great", "royal", "national", "state",
                      "public", "upper", "lower", "little", "big", "in", "at", "on", "near", "from", "to",
                      "by", "outside", "inside", "while", "as", "when", "after", "before", "during", "here", "there"})
_OPENERS = frozenset({"the", "a", "an", "in", "at", "on", "near", "from", "to", "by", "outside", "inside", "while",
                      "as", "when", "after", "before", "during", "here", "there", "this", "that", "its", "their"})
_TITLES = frozenset({"president", "king", "queen", "prince", "princess", "minister", "mr", "mrs", "ms", "dr",
                     "general", "chairman", "premier", "pope", "professor", "senator", "governor", "mayor"})
# "Avenida Paulista", "Rue de Rivoli", "Plaza de Mayo": Romance and German heads come first
ROMANCE_HEADS = ("Avenida", "Rua", "Rue", "Praça", "Plaza", "Place", "Paseo", "Calle", "Cerro", "Piazza", "Via",
                 "Largo", "Promenade", "Boulevard", "Pont", "Puente", "Ponte", "Porta", "Puerta", "Parque", "Jardin",
                 "Mercado", "Marché", "Iglesia", "Igreja", "Église", "Souq", "Souk")  # and Arabic "Souq Waqif"
# Heads that are also English words ("Place", "Via"): only with a joining word ("Place de la Concorde")
_NEEDS_JOIN = frozenset({"Place", "Via", "Largo", "Promenade", "Boulevard", "Porta"})
_JOIN = r"(?:de[ \t]+la|de[ \t]+los|de[ \t]+las|de|del|da|do|dos|das|des|du|della|delle|dei|di|d'|l')"
_SUFFIXES = ("platz", "straße", "strasse", "brücke", "kirche", "bahnhof", "plein", "gracht")
_CAP = r"[A-Z\u00C0-\u00DE\u0100-\u024F][\w'’.-]*"
_LINK = r"(?:of|the|de|del|della|di|da|do|du|des|la|le|el|al|and|&|der|van|von)"
_HEAD = "|".join(re.escape(h) for h in HEADS)
_TAIL_FIRST = re.compile(rf"\b(?:{_CAP}[ \t]+(?:{_LINK}[ \t]+)*){{1,5}}(?:{_HEAD})\b")
_HEAD_FIRST = re.compile(rf"\b(?:(?:{_HEAD})[ \t]+of[ \t]+(?:the[ \t]+)?|(?:{'|'.join(re.escape(h) for h in _PREFIX_HEADS)})[ \t]+)"
                         rf"{_CAP}(?:[ \t]+(?:{_LINK}[ \t]+)?{_CAP}){{0,3}}")
_ROMANCE = re.compile(rf"\b(?P<head>{'|'.join(re.escape(h) for h in ROMANCE_HEADS)})[ \t]+(?P<join>{_JOIN}[ \t]*)?"
                      rf"{_CAP}(?:[ \t]+(?:{_JOIN}[ \t]*)?{_CAP}){{0,2}}")
_COMPOUND = re.compile(rf"\b{_CAP}(?:{'|'.join(_SUFFIXES)})\b")


@dataclass(frozen=True)
class Landmark:
    start: int
    end: int
    name: str


def find(text: str, start: int, end: int, occupied: list[tuple[int, int]]) -> list[Landmark]:
    """Landmark names in ``text[start:end]`` that overlap none of the ``occupied`` spans, in text order."""
    found: list[Landmark] = []
    cut = is_truncated(text)
    for pattern in (_TAIL_FIRST, _HEAD_FIRST, _ROMANCE, _COMPOUND):
        for match in pattern.finditer(text, start, end):
            if pattern is _ROMANCE and match.group("head") in _NEEDS_JOIN and not match.group("join"):
                continue
            else:
                a, b, name = _trim(text, match.start(), match.end())
            if not name or _overlaps(a, b, occupied + [(f.start, f.end) for f in found]):
                continue
            if _is_landmark(name, pattern is _COMPOUND) and not (cut and not text[b:].strip()):
                found.append(Landmark(a, b, name))
    return sorted(found, key=lambda f: f.start)


def _trim(text: str, start: int, end: int) -> tuple[int, int, str]:
    """Drop opening words that are not part of the name ("In Trafalgar Square" -> "Trafalgar Square")."""
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    while len(words) > 1 and text[words[0][0]:words[0][1]].casefold() in _OPENERS:
        words = words[1:]
    a, b = words[0][0], words[-1][1]
    while b > a and text[b - 1] in ".,;:":
        b -= 1
    return a, b, text[a:b]


def _is_landmark(name: str, compound: bool) -> bool:
    words = name.replace("-", " ").split()
    if compound:
        return len(words) == 1 and len(name) > 8
    heads = {h.casefold() for h in HEADS + _PREFIX_HEADS + ROMANCE_HEADS}
    # the closing head noun does not name the place; a head before it does ("Main Market Square", not "Main Square")
    proper = [w for i, w in enumerate(words) if w[0].isupper() and w.casefold() not in _GENERIC
              and not (w.casefold() in heads and (i == len(words) - 1 or i == 0))]
    if not proper or any(w.casefold().rstrip(".") in _TITLES for w in words):
        return False  # "Police Station", "Main Street": generic words around a head noun; "President Park"
    return not any(r.kind in ("city", "province", "country") and r.primary for r in _refs(name))


def _refs(name: str) -> tuple[geo.Ref, ...]:
    return geo.reference().index.get(name) + geo.cities().index.get(name)


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(x < b and a < y for x, y in spans)
