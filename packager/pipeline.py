"""Orchestration: collection -> records -> embedded copies -> bag -> validation.

The pipeline prints nothing; it returns values (and calls ``progress`` with
counts) that :mod:`packager.cli.render` renders and :mod:`packager.cli` exits on.
Originals are only ever read: every write goes into the bag's staging folder.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from . import __version__, issues
from .analysis import similar
from .analysis.overrides import with_default_place
from .analysis.record import analyse
from .bag.writer import BagWriter
from .collection import config as config_mod
from .collection.scan import scan
from .embed.exiftool import ExifTool
from .embed.item import embed_item
from .errors import UsageError
from .metadata import crosswalk, csvfile, dc, layout, originals, records, text
from .metadata.provenance import software
from .metadata.tagvalues import iim_by_name
from .model import ERROR, Issue, ItemResult
from .review import cells as sheet_mod
from .review import sheet as review
from .validate.validator import ValidationReport, validate

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class Extraction:
    """The records of a collection as they would be embedded, with their issues."""

    config: config_mod.CollectionConfig
    items: tuple[ItemResult, ...]
    issues: tuple[Issue, ...]  # about the collection as a whole (caption file, pairing)

    @property
    def errors(self) -> int:
        return sum(i.severity == ERROR for i in self.all_issues())

    def all_issues(self) -> list[Issue]:
        return list(self.issues) + [i for item in self.items for i in item.issues]


@dataclass(frozen=True)
class BagRun:
    extraction: Extraction
    items: tuple[ItemResult, ...]
    bag: Path | None
    validation: ValidationReport | None
    exiftool_version: str = ""
    bag_issues: tuple[Issue, ...] = ()  # from writing the bag (e.g. W404 risky names)

    @property
    def ok(self) -> bool:
        return self.bag is not None and self.validation is not None and self.validation.valid


def load_config(collection_path: Path) -> config_mod.CollectionConfig:
    """``collection.toml`` read, its ``[defaults]`` place completed from the gazetteer."""
    return with_default_place(config_mod.load(collection_path))


def extract(collection_path: Path) -> Extraction:
    """Read, pair and analyse a collection, and apply its review sheet; write nothing."""
    cfg = load_config(collection_path)
    base, found = analyse_collection(cfg)
    items, sheet_issues = _reviewed(cfg, base)
    return Extraction(config=cfg, items=tuple(_finished(r) for r in items), issues=tuple(found + sheet_issues))


def analyse_collection(cfg: config_mod.CollectionConfig) -> tuple[list[ItemResult], list[Issue]]:
    """The records as the analysis gives them, before the review sheet, and the collection's issues.

    Items carry their record and issues only; :func:`_finished` adds the tags.
    """
    items, found = scan(cfg.captions, cfg.images, cfg.pattern)
    results = []
    for item in items:
        if item.image is None or item.caption is None:
            continue  # reported by scan (E104/E105), naming both sides
        record, record_issues = analyse(item, cfg.info)
        results.append(ItemResult(identifier=record.identifier, file=item.file, record=record,
                                  issues=tuple(record_issues)))
    return _near_duplicates(results), found


def _near_duplicates(results: list[ItemResult]) -> list[ItemResult]:
    """W215 on both items of each pair of near-identical captions, naming the other."""
    pairs = similar.near_duplicates((r.identifier, r.record.description) for r in results)
    by_id = {r.identifier: r for r in results}
    extra: dict[str, list[Issue]] = {}
    for pair in pairs:
        for this, other in ((pair.first, pair.second), (pair.second, pair.first)):
            record = by_id[this].record
            extra.setdefault(this, []).append(issues.make(
                "W215", path=record.caption_source, line=record.caption_line, field="description", other=other,
                other_file=by_id[other].file, score=pair.score))
    return [replace(r, issues=r.issues + tuple(extra.get(r.identifier, ()))) for r in results]


def _reviewed(cfg: config_mod.CollectionConfig, base: list[ItemResult]) -> tuple[list[ItemResult], list[Issue]]:
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


@dataclass(frozen=True)
class ReviewRun:
    """What ``packager review`` did: the sheet written (None when refused), its rows and kept edits."""

    config: config_mod.CollectionConfig
    sheet: Path | None
    rows: int
    edits: int
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> int:
        return sum(i.severity == ERROR for i in self.issues)


def write_review(collection_path: Path, out: Path | None = None) -> ReviewRun:
    """Write the review sheet (to ``out`` or the configured place), keeping the archivist's edits.

    The edits come from the configured sheet, the one extract applies. Nothing
    is written while that sheet cannot be read or a row with edits matches no
    item (E120/E121): rewriting would lose those edits. The sheet replaces the
    old one in one step; originals are never touched.
    """
    cfg = load_config(collection_path)
    target = Path(out) if out is not None else cfg.review
    assert target is not None
    protected = {cfg.path.resolve(), cfg.captions.resolve()}
    if target.resolve() in protected or target.resolve().parent == cfg.images.resolve():
        raise UsageError(f"--out {target} would overwrite the collection's own files; name another file")
    base, found = analyse_collection(cfg)
    final, sheet_issues = _reviewed(cfg, base)
    found += sheet_issues
    kept: dict[str, review.Match] = {}
    if cfg.review is not None and cfg.review.exists():
        sheet, _ = review.read(cfg.review)
        kept = review.match(sheet, base)[0] if sheet is not None else {}
    if any(i.code in ("E120", "E121") for i in found):
        return ReviewRun(config=cfg, sheet=None, rows=0, edits=0, issues=tuple(found))
    items = [_finished(r) for r in final]
    data = review.sheet_bytes(base, {i.identifier: i for i in items}, kept)
    sheet_mod.write_atomically(target, data)
    item_issues = tuple(i for item in items for i in item.issues if i.severity == ERROR)
    return ReviewRun(config=cfg, sheet=target, rows=len(base), edits=review.edit_count(kept),
                     issues=tuple(found) + item_issues)


class _Abandon(Exception):
    """Raised inside the bag writer to discard the staged bag."""


def build_bag(collection_path: Path, out_dir: Path, *, replace_existing: bool = False,
              workers: int = DEFAULT_WORKERS, progress: Progress | None = None) -> BagRun:
    """Package a collection into ``out_dir/<identifier>/`` and validate the result.

    Nothing is written when reading or analysing the collection found errors;
    when an item fails while embedding, the staged bag is discarded and the
    run reports why, item by item. With ``replace_existing`` an existing bag
    of the same name is set aside and removed only once the new one is
    complete (restored otherwise). ``workers`` items are embedded at once,
    each worker with its own ExifTool process.
    """
    extraction = extract(collection_path)
    if extraction.errors:
        return BagRun(extraction=extraction, items=extraction.items, bag=None, validation=None)
    final = out_dir / extraction.config.info.identifier
    aside = out_dir / f".{final.name}.previous"
    if aside.is_dir() and not final.exists():
        log.warning("restoring %s: an earlier --replace run stopped before it could put it back", final)
        aside.rename(final)
    if not (replace_existing and final.exists()):
        return _build(extraction, out_dir, workers, progress)
    return _replace(extraction, final, aside, workers, progress)


def _replace(extraction: Extraction, final: Path, aside: Path, workers: int, progress: Progress | None) -> BagRun:
    """Build a new bag while the old one waits at ``aside``; swap only if the new one is valid.

    A new bag that was written but does not validate is kept for inspection
    as ``.<identifier>.rejected`` and the old bag goes back in place.
    """
    if aside.exists():
        shutil.rmtree(aside)
    final.rename(aside)
    try:
        run = _build(extraction, final.parent, workers, progress)
    except BaseException:
        if not final.exists():
            aside.rename(final)
        raise
    if run.ok:
        shutil.rmtree(aside)
        return run
    if run.bag is not None:
        rejected = final.parent / f".{final.name}.rejected"
        if rejected.exists():
            shutil.rmtree(rejected)
        run.bag.rename(rejected)
        run = replace(run, bag=rejected)
    aside.rename(final)
    return run


def _build(extraction: Extraction, out_dir: Path, workers: int, progress: Progress | None) -> BagRun:
    cfg = extraction.config
    with ExitStack() as stack:
        # One long-lived ExifTool per worker: starting ExifTool costs far more than a write.
        pool = [stack.enter_context(ExifTool()) for _ in range(max(1, min(workers, len(extraction.items))))]
        et = pool[0]
        out_dir.mkdir(parents=True, exist_ok=True)  # only once ExifTool is known to work
        done: list[ItemResult] = []
        try:
            with BagWriter(out_dir, cfg.info.identifier, layout.ALGORITHMS) as writer:
                done = _embed_all(extraction, writer, pool, progress)
                if any(r.failed for r in done):
                    raise _Abandon()
                _write_sidecars(extraction, done, writer, et.version)
                bag = writer.finish(_bag_info(cfg, et.version, len(done)))
                written = tuple(writer.issues)
        except _Abandon:
            return BagRun(extraction=extraction, items=tuple(done), bag=None, validation=None,
                          exiftool_version=et.version)
        validation = validate(bag, exiftool=et, progress=progress)
    return BagRun(extraction=extraction, items=tuple(done), bag=bag, validation=validation,
                  exiftool_version=et.version, bag_issues=written)


def _embed_all(extraction: Extraction, writer: BagWriter, pool: list[ExifTool],
               progress: Progress | None) -> list[ItemResult]:
    """Embed every item, one worker thread per ExifTool; results in collection order.

    The bag writer is only touched from this thread (staging paths before,
    recording hashes after), so it needs no locking.
    """
    idle: queue.SimpleQueue[ExifTool] = queue.SimpleQueue()
    for et in pool:
        idle.put(et)
    images = extraction.config.images

    def work(item: ItemResult, staged: Path) -> ItemResult:
        et = idle.get()
        try:
            return embed_item(item, images / item.file, staged, et)
        finally:
            idle.put(et)

    executor = ThreadPoolExecutor(max_workers=len(pool), thread_name_prefix="embed")
    try:
        futures = [executor.submit(work, item, writer.path_for(f"{layout.OBJECTS}/{item.file}"))
                   for item in extraction.items]
        results = []
        for n, future in enumerate(futures, start=1):
            result = future.result()
            if not result.failed:
                writer.record(f"{layout.OBJECTS}/{result.file}")
            results.append(result)
            if progress:
                progress("embed", n, len(futures))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return results


def _write_sidecars(extraction: Extraction, done: list[ItemResult], writer: BagWriter, et_version: str) -> None:
    """The sidecars of :mod:`packager.metadata.layout`, from the items as embedded."""
    cfg = extraction.config
    rows = []
    for item in done:
        pairs = list(item.dublin_core)
        writer.add_bytes(f"{layout.DC}/{item.identifier}.xml", dc.dc_record_bytes(pairs, item.identifier))
        rows.append((item.payload or "", pairs))
    writer.add_bytes(f"{layout.DC}/{layout.COLLECTION_RECORD}",
                     dc.dc_record_bytes(records.collection_dc(cfg.info), cfg.info.identifier))
    writer.add_bytes(layout.CSV, csvfile.metadata_csv_bytes(rows))
    # Paths of originals relative to the collection folder (or named by the image folder's name).
    source_root = cfg.images.relative_to(cfg.root) if cfg.images.is_relative_to(cfg.root) else Path(cfg.images.name)
    writer.add_bytes(layout.ORIGINALS, originals.originals_manifest_bytes(
        [((Path(source_root) / r.file).as_posix(), dict(r.original_digests)) for r in done]))
    writer.add_bytes(layout.RECORDS, records.records_json_bytes(software(et_version), cfg, done, extraction.issues))


def _bag_info(cfg: config_mod.CollectionConfig, et_version: str, count: int) -> list[tuple[str, str]]:
    info = list(cfg.bag_info)
    labels = {label.lower() for label, _ in info}
    if "external-identifier" not in labels:
        info.append(("External-Identifier", cfg.info.identifier))
    if "external-description" not in labels and cfg.info.description:
        info.append(("External-Description", cfg.info.description))
    if "bagit-profile-identifier" not in labels:  # a repository's own profile, declared in [bag-info], wins
        info.append(("BagIt-Profile-Identifier", layout.PROFILE_ID))
    info.append(("Bag-Software-Agent", layout.software_agent(__version__, et_version, crosswalk.load().version)))
    log.debug("bag-info for %d items: %s", count, info)
    return info
