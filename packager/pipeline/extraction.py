"""Reading a collection: its captions paired with images, analysed, reviewed, made ready to embed.

Nothing here writes anything. :func:`extract` is what ``packager extract``
prints and what a bag run packages; the records come from
:mod:`packager.analysis`, the archivist's corrections from :mod:`packager.review`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packager import issues
from packager.analysis import similar
from packager.analysis.overrides import with_default_place
from packager.analysis.record import analyse
from packager.collection import config as config_mod
from packager.collection.scan import scan
from packager.files.spool import Spool
from packager.metadata import crosswalk, text
from packager.metadata.tagvalues import iim_by_name
from packager.model import ERROR, Issue, Item, ItemResult
from packager.review import sheet as review

log = logging.getLogger(__name__)
Progress = Callable[..., None]  # (stage, done, total[, octets])
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class Extraction:
    """The records of a collection as they would be embedded, with their issues."""

    config: config_mod.CollectionConfig
    items: Sequence[ItemResult]  # a tuple, or a Spool on disk when the collection is bagged
    issues: tuple[Issue, ...]  # about the collection as a whole (caption file, pairing)

    @property
    def errors(self) -> int:
        return sum(i.severity == ERROR for i in self.issues) + sum(item.failed for item in self.items)

    def all_issues(self) -> list[Issue]:
        return list(self.issues) + [i for item in self.items for i in item.issues]


def load_config(collection_path: Path) -> config_mod.CollectionConfig:
    """``collection.toml`` read, its ``[defaults]`` place completed from the gazetteer."""
    return with_default_place(config_mod.load(collection_path))


def extract(collection_path: Path, progress: Progress | None = None, *, on_disk: bool = False) -> Extraction:
    """Read, pair and analyse a collection, and apply its review sheet; write nothing.

    ``on_disk`` keeps the items in a :class:`~packager.files.spool.Spool` rather than in
    memory (a bag run's memory stays flat in the number of items; with a review sheet,
    matching its rows still holds every item once).
    """
    return extract_from(load_config(collection_path), progress, on_disk=on_disk)


Scanned = tuple[Sequence[Item], list[Issue]]  # a bag run keeps the items in a Spool


def extract_from(cfg: config_mod.CollectionConfig, progress: Progress | None = None, *, on_disk: bool = False,
                 scanned: Scanned | None = None) -> Extraction:
    """:func:`extract` for a configuration already read, and its scan when already made."""
    base, found = analyse_collection(cfg, progress, scanned=scanned)
    items, sheet_issues = _reviewed(cfg, base)
    finished = (_finished(r) for r in items)
    return Extraction(config=cfg, items=Spool(finished) if on_disk else tuple(finished),
                      issues=tuple(found + sheet_issues))


def analyse_collection(cfg: config_mod.CollectionConfig, progress: Progress | None = None, *,
                       scanned: Scanned | None = None) -> tuple[Sequence[ItemResult], list[Issue]]:
    """The records as the analysis gives them, before the review sheet, and the collection's issues.

    Items carry their record and issues only; :func:`_finished` adds the tags.
    """
    if progress:
        progress("analyse", 0, 0)  # the run has started: reading the captions and the image folder
    items, found = scanned if scanned is not None else scan(cfg.captions, cfg.images, cfg.pattern)
    found = list(found)
    total = sum(1 for item in items if _paired(item))
    results: Spool[ItemResult] = Spool()  # unpaired items are reported by scan (E104/E105), naming both sides
    for n, item in enumerate((item for item in items if _paired(item)), start=1):
        record, record_issues = analyse(item, cfg.info)
        results.append(ItemResult(identifier=record.identifier, file=item.file, record=record,
                                  issues=tuple(record_issues)))
        if progress:
            progress("analyse", n, total)
    return _near_duplicates(results), found


def _paired(item: Item) -> bool:
    return item.image is not None and item.caption is not None


def _near_duplicates(results: Sequence[ItemResult]) -> Sequence[ItemResult]:
    """W215 on both items of each pair of near-identical captions, naming the other."""
    pairs = similar.near_duplicates((r.identifier, r.record.description) for r in results)
    by_id = {r.identifier: (r.file, r.record.caption_source, r.record.caption_line) for r in results} if pairs else {}
    extra: dict[str, list[Issue]] = {}
    for pair in pairs:
        for this, other in ((pair.first, pair.second), (pair.second, pair.first)):
            _, source, line = by_id[this]
            extra.setdefault(this, []).append(issues.make(
                "W215", path=source, line=line, field="description", other=other, other_file=by_id[other][0],
                score=pair.score))
    if not extra:
        return results
    return Spool(replace(r, issues=r.issues + tuple(extra.get(r.identifier, ()))) for r in results)


def _reviewed(cfg: config_mod.CollectionConfig,
              base: Sequence[ItemResult]) -> tuple[Sequence[ItemResult], list[Issue]]:
    """The items with the review sheet's edits applied (when there is a sheet), and the sheet's issues."""
    if cfg.review is None or not cfg.review.exists():
        return base, []
    sheet, found = review.read(cfg.review)
    if sheet is None:
        return base, found
    matched, mismatched = review.match(sheet, base)
    items, count = review.apply_matches(base, matched, sheet.path)
    found += mismatched + review.read_only_changes(sheet, matched, base)
    if count:
        edited = sum(1 for m in matched.values() if m.edits)
        found.append(issues.make("I126", path=str(sheet.path), edits=count, items=edited))
    return review.without_rows(sheet, items), found


def _finished(item: ItemResult) -> ItemResult:
    """The item with storable text in its record, its tags and Dublin Core."""
    record, cleaned = text.clean_record(item.record)
    tags, clip_issues = crosswalk.to_tags(record, iim=iim_by_name(item.file))
    return replace(item, record=record, issues=item.issues + tuple(cleaned) + tuple(clip_issues), tags=tags,
                   dublin_core=tuple(crosswalk.to_dc(record)))


