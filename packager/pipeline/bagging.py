"""Orchestration: collection -> records -> embedded copies -> bag -> validation.

The pipeline prints nothing; it returns values (and calls ``progress`` with
counts) that :mod:`packager.cli.render` renders and :mod:`packager.cli` exits on.
Originals are only ever read: every write goes into the bag's staging folder.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
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
from .embed.batch import BATCH, Embedded, Job
from .embed.batch import run as run_job
from .engine import Engine, dask_engine, local_engine
from .errors import UsageError
from .files.exiftool import exiftool_version, find_exiftool
from .files.spool import Spool
from .metadata import crosswalk, layout, text
from .metadata.provenance import software
from .metadata.sidecars import Sidecars
from .metadata.tagvalues import iim_by_name
from .model import ERROR, Issue, ItemResult
from .review import cells as sheet_mod
from .review import sheet as review
from .validate.validator import ValidationReport, validate

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


@dataclass(frozen=True)
class BagRun:
    extraction: Extraction
    items: Sequence[ItemResult]  # as embedded, in collection order (on disk: see files.spool)
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


def extract(collection_path: Path, progress: Progress | None = None, *, on_disk: bool = False) -> Extraction:
    """Read, pair and analyse a collection, and apply its review sheet; write nothing.

    ``on_disk`` keeps the items in a :class:`~packager.files.spool.Spool` rather than in
    memory (a bag run's memory stays flat in the number of items; with a review sheet,
    matching its rows still holds every item once).
    """
    cfg = load_config(collection_path)
    base, found = analyse_collection(cfg, progress)
    items, sheet_issues = _reviewed(cfg, base)
    finished = (_finished(r) for r in items)
    return Extraction(config=cfg, items=Spool(finished) if on_disk else tuple(finished),
                      issues=tuple(found + sheet_issues))


def analyse_collection(cfg: config_mod.CollectionConfig,
                       progress: Progress | None = None) -> tuple[Sequence[ItemResult], list[Issue]]:
    """The records as the analysis gives them, before the review sheet, and the collection's issues.

    Items carry their record and issues only; :func:`_finished` adds the tags.
    """
    if progress:
        progress("analyse", 0, 0)  # the run has started: reading the captions and the image folder
    items, found = scan(cfg.captions, cfg.images, cfg.pattern)
    paired = [item for item in items if item.image is not None and item.caption is not None]
    results: Spool[ItemResult] = Spool()  # unpaired items are reported by scan (E104/E105), naming both sides
    for n, item in enumerate(paired, start=1):
        record, record_issues = analyse(item, cfg.info)
        results.append(ItemResult(identifier=record.identifier, file=item.file, record=record,
                                  issues=tuple(record_issues)))
        if progress:
            progress("analyse", n, len(paired))
    return _near_duplicates(results), found


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


def resolve_bagging_date(given: _dt.date | None = None) -> _dt.date:
    """The date the bag carries: the one given, else ``SOURCE_DATE_EPOCH`` (reproducible
    builds' convention: seconds since 1970, UTC), else today."""
    if given is not None:
        return given
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return _dt.date.today()
    try:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC).date()
    except (ValueError, OverflowError, OSError) as exc:
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970; "
                         "unset it or give --bagging-date YYYY-MM-DD") from exc


def build_bag(collection_path: Path, out_dir: Path, *, replace_existing: bool = False,
              workers: int = DEFAULT_WORKERS, progress: Progress | None = None,
              bagging_date: _dt.date | None = None, scheduler: str | None = None) -> BagRun:
    """Package a collection into ``out_dir/<identifier>/`` and validate the result.

    Nothing is written when reading or analysing the collection found errors;
    when an item fails while embedding, the staged bag is discarded and the
    run reports why, item by item. With ``replace_existing`` an existing bag
    of the same name is set aside and removed only once the new one is
    complete (restored otherwise). Items are embedded in batches by ``workers``
    threads here, each with its own ExifTool, or by the workers of the Dask
    cluster at ``scheduler`` (which must see ``out_dir`` and the originals at
    the same paths). ``bagging_date`` (default: :func:`resolve_bagging_date`) is the
    one date the bag carries, so the same inputs give the same bag.
    """
    when = resolve_bagging_date(bagging_date)
    extraction = extract(collection_path, progress=progress, on_disk=True)
    if extraction.errors:
        return BagRun(extraction=extraction, items=extraction.items, bag=None, validation=None)
    final = out_dir / extraction.config.info.identifier
    aside = out_dir / f".{final.name}.previous"
    if aside.is_dir() and not final.exists():
        log.warning("restoring %s: an earlier --replace run stopped before it could put it back", final)
        aside.rename(final)
    plan = _Plan(extraction, workers, progress, when, scheduler)
    if not (replace_existing and final.exists()):
        return _build(plan, out_dir)
    return _replace(plan, final, aside)


@dataclass(frozen=True)
class _Plan:
    extraction: Extraction
    workers: int
    progress: Progress | None
    date: _dt.date
    scheduler: str | None


def _replace(plan: _Plan, final: Path, aside: Path) -> BagRun:
    """Build a new bag while the old one waits at ``aside``; swap only if the new one is valid.

    A new bag that was written but does not validate is kept for inspection
    as ``.<identifier>.rejected`` and the old bag goes back in place.
    """
    if aside.exists():
        shutil.rmtree(aside)
    final.rename(aside)
    try:
        run = _build(plan, final.parent)
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


def _engine(plan: _Plan, items: int) -> Engine:
    if plan.scheduler:
        return dask_engine(plan.scheduler)
    return local_engine(max(1, min(plan.workers, items)))


def _build(plan: _Plan, out_dir: Path) -> BagRun:
    extraction, cfg = plan.extraction, plan.extraction.config
    version = exiftool_version(find_exiftool())  # E004/E005 before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    done: Spool[ItemResult] = Spool()  # the items as embedded, kept on disk for the report
    with _engine(plan, len(extraction.items)) as engine, ExitStack() as stack:
        try:
            with BagWriter(out_dir, cfg.info.identifier, layout.ALGORITHMS, bagging_date=plan.date) as writer:
                sidecars = stack.enter_context(Sidecars(writer, cfg, software(version)))
                proofs, failed = _Proofs(), False
                for embedded in _embedded(extraction, writer, engine, plan.progress):
                    done.append(embedded.item)
                    failed = failed or embedded.failed
                    if failed:
                        continue  # the bag is abandoned; the other items still report their issues
                    writer.add_hashed(f"{layout.OBJECTS}/{embedded.item.file}", embedded.digests, embedded.size,
                                      embedded.mtime_ns)
                    sidecars.add(embedded.item)
                    proofs.add(embedded)
                if failed:
                    raise _Abandon()
                sidecars.close(extraction.issues)
                bag = writer.finish(_bag_info(cfg, version, len(done)))
                written = tuple(writer.issues)
        except _Abandon:
            return BagRun(extraction=extraction, items=done, bag=None, validation=None,
                          exiftool_version=version)
    validation = validate(bag, progress=plan.progress)
    return BagRun(extraction=extraction, items=done, bag=bag, validation=validation,
                  exiftool_version=version, bag_issues=written)


class _Proofs:
    """What the run proved about each embedded copy, for the check after writing."""

    def __init__(self) -> None:
        self.pixels: dict[str, str] = {}

    def add(self, embedded: Embedded) -> None:
        self.pixels[f"{layout.PAYLOAD_DIR}/{embedded.item.payload}"] = embedded.item.pixel_digest


def _embedded(extraction: Extraction, writer: BagWriter, engine: Engine,
              progress: Progress | None) -> Iterator[Embedded]:
    """Every item embedded, in collection order, batch by batch on the engine's workers."""
    items = extraction.items
    images = extraction.config.images.resolve()
    size = max(1, min(BATCH, -(-len(items) // (engine.workers * 4))))  # every worker busy, even on a few items

    def jobs() -> Iterator[Job]:
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            yield Job(tuple(chunk), tuple(str(images / i.file) for i in chunk),
                      tuple(str(writer.path_for(f"{layout.OBJECTS}/{i.file}").resolve()) for i in chunk))

    count = octets = 0
    for results in engine.map(run_job, jobs()):
        for embedded in results:
            count += 1
            octets += embedded.octets
            if progress:
                progress("embed", count, len(items), octets)
            yield embedded


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
