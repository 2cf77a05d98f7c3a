"""Caption -> Record: the structured description of one item.

The work is split into :mod:`packager.analysis` (sentences, vocabularies,
places, entities, title, overrides); this module only puts the parts
together, copies the collection-level facts, applies the collection's
``[defaults]`` and the per-item CSV columns, records where every value came
from (:attr:`Record.provenance`) and turns notes into issues.

:func:`analyse` is pure: the same item and collection always give the same
record and issues, and the only I/O is loading the vocabularies in
``schemas/`` once per process.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from packager import issues
from packager.model import ANALYSIS, ARCHIVIST, CAPTION, COLLECTION, CollectionInfo, Issue, Item, Record, mark

from . import entities, language, overrides, places, text, title, vocab
from .places import Place
from .vocab import Mention, Term


def analyse(item: Item, info: CollectionInfo) -> tuple[Record, list[Issue]]:
    """Analyse one item's caption into a Record; issues carry the caption's file and line.

    An item without a caption (``caption=None``, already reported by the
    scan) gives a record with the collection facts and empty caption fields.

    Values are layered, each layer attributed in the provenance: collection
    facts, the caption, its analysis, the item's CSV columns (archivist),
    then the collection's defaults where the record is still empty. The
    language is the CSV column's, else the one the caption's letters show
    (:func:`.language.caption_language`), else the collection's.
    """
    facts = Record(identifier=item.identifier, file=item.file, description="", caption_source=item.source,
                   caption_line=item.line, digital_source_type=info.digital_source_type, **_collection_facts(info))
    facts = mark(facts, None, COLLECTION)
    captioned = mark(replace(facts, description=item.caption or ""), facts, CAPTION)
    analysed, notes, truncated = _analysed(captioned, info)
    decided = entities.source_type(analysed.headline, "") != ""
    analysed = mark(analysed, captioned, ANALYSIS, edited=["digital_source_type"] if decided else [])
    record, refused = overrides.apply(analysed, item)
    record = mark(record, analysed, ARCHIVIST, edited=overrides.applied(item, refused))
    found = _issues(item, record, truncated and record.truncated, notes) + refused  # before defaults: I202
    return mark(overrides.with_defaults(record, info), record, COLLECTION), found


def _analysed(record: Record, info: CollectionInfo) -> tuple[Record, list[tuple[str, dict[str, str], str]], bool]:
    """The record with the caption's analysed fields, notes (code, values, field) and whether it is cut off."""
    caption = text.for_analysis(record.description)  # NFC: the gazetteer's form; the description stays as written
    spans = text.sentence_spans(caption)
    first_end = spans[0][1] if spans else len(caption)
    shown_end = text.descriptive_end(caption, spans)  # first sentence, or more when it says what is pictured
    headline = caption[:first_end].strip()
    truncated = text.is_truncated(caption)
    mentions = vocab.longest(vocab.proper_matcher().find(caption))
    found_places, notes = places.resolve(caption, mentions, shown_end)
    agents = entities.collect(mentions, shown_end, caption, text.pictured_start(caption, spans))
    locations = tuple(p.location for p in found_places)
    analysed = replace(
        record,
        headline=headline,
        title=title.devise(headline, _title_mentions(mentions, found_places, first_end, caption),
                           locations[0] if locations else None, cut_off=truncated and first_end >= len(caption)),
        truncated=truncated,
        digital_source_type=entities.source_type(headline, info.digital_source_type),
        keywords=entities.find_keywords(caption, agents.products),
        locations=locations,
        organisations=agents.organisations,
        persons_shown=agents.persons_shown,
        persons_mentioned=agents.persons_mentioned,
        events=agents.events,
        language=language.caption_language(caption, record.language),
    )
    return analysed, [(code, values, "locations") for code, values in notes] + [
        (code, values, entities.NOTE_FIELDS[code]) for code, values in agents.notes], truncated


def _collection_facts(info: CollectionInfo) -> dict[str, Any]:
    return {"creator": info.creator, "rights": info.rights, "publisher": info.publisher, "credit": info.credit,
            "source": info.source, "language": info.language, "date": info.date, "collection": info.title}


def _title_mentions(mentions: list[Mention], found: list[Place], first_end: int, written: str) -> list[Mention]:
    """Mentions in the first sentence, plus towns known only from a "(Province)" qualifier."""
    inside = [m for m in mentions if m.end <= first_end]
    taken = {m.start for m in inside}
    for place in found:
        if place.term is None and place.start not in taken:
            words = written[place.start:place.end]
            # A landmark found by its form is written as a sublocation; a town or data city as a city.
            kind, name = ("sublocation", place.location.sublocation) if place.location.sublocation \
                and words.casefold() == place.location.sublocation.casefold() else ("city", place.location.city)
            inside.append(Mention(place.start, place.end, words, Term(kind, name, name)))
    # A province or country written after a data city ("Altay, Xinjiang") is part of the place too.
    for place in found:
        for kind, name in (("province", place.location.province_state), ("country", place.location.country)):
            for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", written[:first_end]) if name else ():
                if not any(m.start < match.end() and match.start() < m.end for m in inside):
                    inside.append(Mention(match.start(), match.end(), match.group(0), Term(kind, name, name)))
    return sorted(inside, key=lambda m: m.start)


def _issues(item: Item, record: Record, cut_off: bool, notes: list[tuple[str, dict[str, Any], str]]) -> list[Issue]:
    """W201 only when the analysis saw the cut and no override denied it; I202 after location overrides."""
    where: dict[str, Any] = {"path": item.source, "line": item.line}
    found: list[Issue] = []
    if cut_off and item.caption:
        found.append(issues.make("W201", field="description", tail=text.tail(item.caption), **where))
    for code, values, field in notes:
        found.append(issues.make(code, path=item.source, line=item.line, field=field, **values))
    if item.caption and not record.locations:
        found.append(issues.make("I202", field="locations", **where))
    return found
