"""Organisations, persons, events, keywords and the digital source type.

What is *shown* comes from the first sentence only (see :mod:`.text`): an
organisation named there is featured in the picture or is what the picture
is about; a person is shown only when that sentence presents them as in the
picture (:mod:`.persons`), so "China's President Xi Jinping has launched..."
mentions him even in the first sentence. Names in later sentences are only
mentioned; mentioned organisations have no IPTC field and are dropped.

Products are not organisations (IPTC's OrganisationInImageName names an
organisation): a product in the first sentence adds its maker to the
organisations and its own name to the keywords, so "Face ++" yields Megvii
and the keyword "Face++". An event (IPTC Event) does not add its organiser:
a guard on a street during the party congress does not show the party.

Names the vocabulary lacks are also found by their form: events by a head
noun ("... Carnival", "COP26", :mod:`.events`), organisations by a head
noun or a workplace they own ("... University", "Foxconn's factory",
:mod:`.orgnames`), persons by a role word or title (:mod:`.persons`). Each
such name that reaches a field is noted (I210-I212, :data:`NOTE_FIELDS`)
so that the archivist checks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import events, orgnames, persons, vocab
from .text import sentence_spans
from .vocab import DEPICTED, Mention, Term, keywords

#: The record field each note of :attr:`Agents.notes` is about.
NOTE_FIELDS = {"I210": "persons_shown", "I211": "organisations", "I212": "events"}


@dataclass(frozen=True)
class Agents:
    organisations: tuple[str, ...]
    persons_shown: tuple[str, ...]
    persons_mentioned: tuple[str, ...]
    events: tuple[str, ...]
    products: tuple[str, ...]  # products named anywhere, for the keywords
    # (issue code, the values its message names): names found by a role word or form (NOTE_FIELDS)
    notes: tuple[tuple[str, dict[str, str]], ...] = ()


def collect(mentions: list[Mention], first_end: int, text: str | None = None, shown_start: int = 0) -> Agents:
    """Sort entity mentions into shown/mentioned fields, in order of first mention.

    With the caption ``text`` the words around each name decide whether a
    person is shown, and names the vocabulary lacks are found by their role
    word; without it every person in the first sentence counts as shown.
    """
    found = list(mentions)
    unlisted = persons.unlisted(text, mentions) if text else []
    found += [persons.as_mention(person) for person in unlisted]
    if text:
        found = _with_name_forms(found, events.find(text), orgnames.find(text))
    found.sort(key=lambda m: (m.start, -m.end))
    people = [m for m in found if m.term.kind == "person"]
    organisations: list[str] = []
    shown: list[str] = []
    mentioned: list[str] = []
    events_shown: list[str] = []
    products: list[str] = []
    notes: list[tuple[str, dict[str, str]]] = [("I210", {"name": p.name, "role": p.role}) for p in unlisted]
    for mention in found:
        term, in_first = mention.term, shown_start <= mention.start and mention.end <= first_end
        if term.kind == "product":
            _add(products, term.name)
        if term.kind == "person":
            visible = in_first and (persons.is_shown(text, mention, first_end, people) if text else True)
            _add(shown if visible else mentioned, term.name)
        elif not in_first or (text and persons.is_cited(text, mention, first_end)):
            continue
        elif term.kind == "organisation":
            _add(organisations, term.name)
            _note(notes, "I211", term, organisations)
        elif term.kind == "product":
            _add(organisations, term.data["maker"])
        elif term.kind == "event":
            if text and _another_time(text, mention):
                continue
            _add(events_shown, term.name)
            _note(notes, "I212", term, events_shown)
    return Agents(tuple(organisations), tuple(shown), tuple(p for p in mentioned if p not in shown),
                  tuple(events_shown), tuple(products), tuple(notes))


# "a week before Chinese New Year", "ahead of the summit": the picture was taken at another time.
_ANOTHER_TIME = re.compile(r"(?i)\b(?:before|ahead\s+of|after|since|until|till|prior\s+to|following|"
                           r"run-up\s+to|eve\s+of)\s+(?:the\s+|this\s+year'?s\s+)?$")


def _another_time(text: str, mention: Mention) -> bool:
    """True when the words just before an event say the picture is from before or after it."""
    return _ANOTHER_TIME.search(text[max(0, mention.start - 40):mention.start]) is not None


def _with_name_forms(found: list[Mention], named_events: list[Mention], named_orgs: list[Mention]) -> list[Mention]:
    """Vocabulary mentions plus names found by their form, one reading per stretch of text.

    The vocabulary wins where both read the same words: its canonical name
    is better than the words as written. An event found by its form that
    contains vocabulary names takes their place: "United Nations" inside
    "United Nations Climate Change Conference" names the organiser, who is
    not in the picture. An organisation found by its form gives way to any
    other reading ("Huawei Technologies Co Ltd" is the vocabulary's Huawei).
    """
    agents = [m for m in found if m.term.kind in vocab.ENTITY_KINDS]
    kept_events = []
    for event in named_events:
        overlapping = [m for m in agents if _overlaps(m, event)]
        if all(_inside(m, event) for m in overlapping):
            kept_events.append(event)
            found = [m for m in found if m not in overlapping]
    taken = [m for m in found if m.term.kind in vocab.ENTITY_KINDS] + kept_events
    kept_orgs = [org for org in named_orgs if not any(_overlaps(m, org) for m in taken)]
    return found + kept_events + kept_orgs


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


def _inside(inner: Mention, outer: Mention) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and (inner.start, inner.end) != (outer.start,
                                                                                                 outer.end)


def _note(notes: list[tuple[str, dict[str, str]]], code: str, term: Term, added: list[str]) -> None:
    """I211/I212 for a name found by its form that made it into a field: the archivist should check it."""
    note = (code, {"name": term.name})
    if term.data.get("unlisted") and term.name in added and note not in notes:
        notes.append(note)


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def find_keywords(text: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Controlled keywords for a caption, in order of first mention, then ``extra``.

    Concepts match independently (one phrase may name two concepts); implied
    concepts follow the concept that implies them. *Subject* concepts count
    anywhere in the caption: background sentences say what story the picture
    belongs to, and that is what a subject search looks for. *Depicted*
    concepts (people, things, settings) count only in the first sentence,
    which describes the picture: a hotel named in the background is not in it.
    """
    vocab = keywords()
    spans = sentence_spans(text)
    first_end = spans[0][1] if spans else len(text)
    first: dict[str, int] = {}
    for mention in vocab.matcher.find(text):
        if mention.end > first_end and vocab.kind(mention.term.name) == DEPICTED:
            continue
        first.setdefault(mention.term.name, mention.start)
    order = list(vocab.concepts)
    out: list[str] = []
    for label in sorted(first, key=lambda lbl: (first[lbl], order.index(lbl))):
        _add_with_implied(out, label)
    for name in extra:
        _add(out, name)
    return tuple(out)


def keyword_uri(label: str) -> str | None:
    """The IPTC Media Topic URI of a controlled keyword, or None (no fitting topic, or not a controlled label).

    Meant for a later step that writes scheme-linked subjects into XMP; the
    crosswalk does not use it yet.
    """
    return keywords().uris.get(label)


def _add_with_implied(out: list[str], label: str) -> None:
    if label in out:
        return
    out.append(label)
    for implied in keywords().concepts[label].data.get("implies", []):
        _add_with_implied(out, implied)


def source_type(first_sentence: str, default: str) -> str:
    """The IPTC digital source type URI the caption's opening words state, else ``default``.

    Only the opening counts: "Screen capture of a video..." is a screen
    capture, while "At Sensetime showroom, a video shows..." is a photograph
    of a screen.
    """
    vocab = keywords()
    opening = re.sub(r"^(?:an?|the)\s+", "", first_sentence.lstrip().lower())
    for code, phrases in vocab.lead_phrases.items():
        for phrase in phrases:
            if re.match(rf"{re.escape(phrase)}(?![\w-])", opening):
                return vocab.namespace + code
    return default


def source_type_uri(value: str) -> str | None:
    """A full digital source type URI for an override (full URI or bare code), or None if unknown."""
    vocab = keywords()
    code = value.strip()
    if code.startswith(("http://", "https://")):
        if not code.startswith(vocab.namespace):
            return None
        code = code[len(vocab.namespace):]
    return vocab.namespace + code if code in vocab.codes else None
