"""Organisations, persons, events, keywords and the digital source type.

What is *shown* comes from the first sentence only (see :mod:`.text`): an
organisation or person named there is in the picture or is what the picture
is about; a person named only later ("China's President Xi Jinping has
launched...") is *mentioned*, not shown.

Products are not organisations (IPTC's OrganisationInImageName names an
organisation): a product in the first sentence adds its maker to the
organisations and its own name to the keywords, so "Face ++" yields Megvii
and the keyword "Face++".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .vocab import Mention, keywords


@dataclass(frozen=True)
class Agents:
    organisations: tuple[str, ...]
    persons_shown: tuple[str, ...]
    persons_mentioned: tuple[str, ...]
    events: tuple[str, ...]
    products: tuple[str, ...]  # products named anywhere, for the keywords


def collect(mentions: list[Mention], first_end: int) -> Agents:
    """Sort entity mentions into shown/mentioned fields, in order of first mention."""
    organisations: list[str] = []
    shown: list[str] = []
    mentioned: list[str] = []
    events: list[str] = []
    products: list[str] = []
    for mention in mentions:
        term, in_first = mention.term, mention.end <= first_end
        if term.kind == "product":
            _add(products, term.name)
        if not in_first:
            if term.kind == "person":
                _add(mentioned, term.name)
            continue
        if term.kind == "organisation":
            _add(organisations, term.name)
        elif term.kind == "product":
            _add(organisations, term.data["maker"])
        elif term.kind == "event":
            _add(events, term.name)
            for name in term.data.get("organisations", []):
                _add(organisations, name)
        elif term.kind == "person":
            _add(shown, term.name)
    return Agents(tuple(organisations), tuple(shown), tuple(p for p in mentioned if p not in shown),
                  tuple(events), tuple(products))


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def find_keywords(text: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Controlled keywords for a caption, in order of first mention, then ``extra``.

    Concepts match independently (one phrase may name two concepts); implied
    concepts follow the concept that implies them.
    """
    vocab = keywords()
    first: dict[str, int] = {}
    for mention in vocab.matcher.find(text):
        first.setdefault(mention.term.name, mention.start)
    out: list[str] = []
    for label in sorted(first, key=lambda lbl: (first[lbl], list(vocab.concepts).index(lbl))):
        _add_with_implied(out, label)
    for name in extra:
        _add(out, name)
    return tuple(out)


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
