"""A bag run: the collection read, embedded batch by batch, bagged and checked.

The run overlaps what can overlap on two cores: while the captions are analysed
here (Python, one core), the engine's workers already read what each original
carries (ExifTool, the other core). Then items go to the workers in batches
(:mod:`packager.embed.batch`), and the results come back in collection order
into the bag writer and the sidecars. The check after writing
(:func:`packager.validate.validator.validate`) runs every check, given what
the run measured (:class:`~packager.validate.proven.Proven`) so as not to
measure it again.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packager import __version__
from packager.bag.lock import BagLock
from packager.bag.writer import BagWriter, check_out_dir, make_out_dir
from packager.collection import config as config_mod
from packager.collection.scan import EXIFTOOL_TMP, scan
from packager.embed.batch import BATCH, Embedded, Job, Probe, probe
from packager.embed.batch import run as run_job
from packager.engine import Engine, dask_engine, local_engine
from packager.errors import BagError, UsageError
from packager.files.exiftool import exiftool_version, find_exiftool
from packager.files.spool import KeyedSpool, Spool
from packager.metadata import crosswalk, layout
from packager.metadata.provenance import software
from packager.metadata.sidecars import Sidecars
from packager.model import Issue, ItemResult
from packager.validate.proven import Proven
from packager.validate.validator import ValidationReport, validate

from . import exclusions
from .exclusions import CollectionErrors, Exclusion
from .extraction import DEFAULT_WORKERS, Extraction, Progress, extract_from, load_config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BagRun:
    extraction: Extraction
    items: Sequence[ItemResult]  # as embedded, in collection order (on disk: see files.spool)
    bag: Path | None
    validation: ValidationReport | None
    exiftool_version: str = ""
    bag_issues: tuple[Issue, ...] = ()  # from writing the bag (e.g. W404 risky names)
    skip_failed: bool = False  # asked to package what did not fail
    excluded: tuple[Exclusion, ...] = ()  # what --skip-failed left out of the bag, in the order found
    packaged: int = 0  # items in the bag

    @property
    def ok(self) -> bool:
        return self.bag is not None and self.validation is not None and self.validation.valid


class _Abandon(Exception):
    """Raised inside the bag writer to discard the staged bag."""


class BagInterrupted(KeyboardInterrupt):
    """An interrupt (Ctrl-C) during a bag run, saying whether the bag had already been checked and
    taken its name (``bag``), or not (None: no bag of this run is left)."""

    def __init__(self, bag: Path | None) -> None:
        super().__init__()
        self.bag = bag


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
              bagging_date: _dt.date | None = None, scheduler: str | None = None,
              skip_failed: bool = False) -> BagRun:
    """Package a collection into ``out_dir/<identifier>/``, validated before it takes that name.

    A bag that fails its own check is kept for inspection as
    ``out_dir/.<identifier>.rejected`` (the run is not ok); an interrupt before
    the check has passed leaves no bag at all.

    Nothing is written when reading or analysing the collection found errors;
    when an item fails while embedding, the staged bag is discarded and the
    run reports why, item by item. With ``skip_failed`` the entries that
    failed are left out instead, each recorded with its reason in the bag
    (:mod:`packager.pipeline.exclusions`); errors about the collection as a
    whole still stop the run. With ``replace_existing`` an existing bag
    of the same name is set aside and removed only once the new one is
    complete (restored otherwise). Items are embedded in batches by ``workers``
    threads here, each with its own ExifTool, or by the workers of the Dask
    cluster at ``scheduler`` (which must see ``out_dir`` and the originals at
    the same paths). ``bagging_date`` (default: :func:`resolve_bagging_date`) is the
    one date the bag carries, so the same inputs give the same bag.
    """
    when = resolve_bagging_date(bagging_date)
    cfg = load_config(collection_path)
    check_out_dir(out_dir)  # E402 before any work: --out names a file, or a folder we may not write in
    version = exiftool_version(find_exiftool())  # E004/E005 before any work
    created = not out_dir.exists()
    make_out_dir(out_dir)
    published: list[Path] = []  # the bag, once checked and under its own name
    try:
        with BagLock(out_dir, cfg.info.identifier):  # E405 at once when another run is writing this bag
            return _run(cfg, out_dir, replace_existing, workers, progress, when, scheduler, version, skip_failed,
                        published)
    except KeyboardInterrupt as exc:
        raise BagInterrupted(published[0] if published else None) from exc
    finally:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # nothing was written: leave no empty folder behind


def _run(cfg: config_mod.CollectionConfig, out_dir: Path, replace_existing: bool, workers: int,
         progress: Progress | None, when: _dt.date, scheduler: str | None, version: str,
         skip_failed: bool, published: list[Path]) -> BagRun:
    with _engine(scheduler, workers) as engine:
        extraction, probes = _extract_while_probing(cfg, engine, progress, keep_going=skip_failed)
        errors = exclusions.sort_collection_errors(extraction.issues, cfg.images, cfg.captions) \
            if skip_failed else None  # also without errors so far: an item may still fail while embedding
        if extraction.errors and (errors is None or errors.blocking):
            return BagRun(extraction=extraction, items=extraction.items, bag=None, validation=None,
                          skip_failed=skip_failed)
        final = out_dir / extraction.config.info.identifier
        aside = out_dir / f".{final.name}.previous"
        if aside.is_dir() and not final.exists():
            log.warning("restoring %s: an earlier --replace run stopped before it could put it back", final)
            aside.rename(final)
        plan = _Plan(extraction, engine, probes, progress, when, version, _kept(extraction, errors), errors,
                     published)
        if not (replace_existing and final.exists()):
            return _build(plan, out_dir)
        return _replace(plan, final, aside)


@dataclass(frozen=True)
class _Plan:
    extraction: Extraction
    engine: Engine
    probes: KeyedSpool[Probe]
    progress: Progress | None
    date: _dt.date
    exiftool_version: str
    items: Sequence[ItemResult]  # the items to embed: all, or with --skip-failed those that did not fail
    errors: CollectionErrors | None  # with --skip-failed: the collection's errors, sorted
    published: list[Path]  # where the bag is, once it was checked and took its name

    @property
    def skip_failed(self) -> bool:
        return self.errors is not None


def _kept(extraction: Extraction, errors: CollectionErrors | None) -> Sequence[ItemResult]:
    if errors is None or not extraction.errors:
        return extraction.items
    return Spool(item for item in extraction.items if not (item.failed or errors.leaves_out(item)))


def _engine(scheduler: str | None, workers: int) -> Engine:
    return dask_engine(scheduler) if scheduler else local_engine(max(1, workers))


def _extract_while_probing(cfg: config_mod.CollectionConfig, engine: Engine, progress: Progress | None,
                           keep_going: bool = False) -> tuple[Extraction, KeyedSpool[Probe]]:
    """The collection analysed here while the engine's workers read each original's metadata.

    The reads are ExifTool's, in other processes, so they take the core that the
    analysis (Python) leaves idle. Stopped early when the analysis finds errors,
    unless ``keep_going`` (--skip-failed: the items that did not fail go on).
    """
    items, scan_issues = scan(cfg.captions, cfg.images, cfg.pattern)  # once: the probes and the analysis share it
    files = [item.file for item in items if item.image is not None and item.caption is not None]
    scanned = (Spool(items), scan_issues)  # on disk while the analysis runs: a caption and two paths each
    del items
    images = cfg.images.resolve()
    probes: KeyedSpool[Probe] = KeyedSpool()
    stop = threading.Event()
    size = _batch_size(len(files), engine.workers)

    def jobs() -> Iterator[tuple[str, ...]]:
        for start in range(0, len(files), size):
            if stop.is_set():
                return
            yield tuple(str(images / f) for f in files[start:start + size])

    def read_all() -> None:
        results = (result for batch in engine.map(probe, jobs()) for result in batch)
        for file, found in zip(files, results, strict=False):
            if found is not None:
                probes.put(file, found)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe") as reader:
        reading = reader.submit(read_all)
        try:
            extraction = extract_from(cfg, progress, on_disk=True, scanned=scanned)
        except BaseException:
            stop.set()  # no new reads; those under way end with the engine
            raise
        if extraction.errors and not keep_going:
            stop.set()
        reading.result()
    return extraction, probes


def _batch_size(items: int, workers: int) -> int:
    """Items per job: every worker busy even on a few items, at most :data:`BATCH`."""
    return max(1, min(BATCH, -(-items // (workers * 4))))


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
    aside.rename(final)  # a new bag that did not validate is already at .<identifier>.rejected
    return run


def _build(plan: _Plan, out_dir: Path) -> BagRun:
    extraction, cfg, version = plan.extraction, plan.extraction.config, plan.exiftool_version
    done: Spool[ItemResult] = Spool()  # the items as embedded (or left out), kept on disk for the report
    left_out = [*plan.errors.images.values(), *plan.errors.lines] if plan.errors else []
    with ExitStack() as stack:
        try:
            with BagWriter(out_dir, cfg.info.identifier, layout.ALGORITHMS, bagging_date=plan.date) as writer:
                sidecars = stack.enter_context(Sidecars(writer, cfg, software(version)))
                proofs, failed, packed = _Proofs(), False, 0
                for item, embedded in _in_order(plan, writer):
                    if embedded is not None:
                        _stop_if_output_failed(embedded, out_dir)
                        item = embedded.item
                    done.append(item)
                    if plan.errors is not None and (embedded is None or embedded.failed):
                        if item.failed and not plan.errors.leaves_out(item):  # else already in left_out
                            left_out.append(exclusions.of_item(item))
                        if embedded is not None:
                            _discard(writer, item.file)
                        continue
                    assert embedded is not None
                    failed = failed or embedded.failed
                    if failed:
                        continue  # the bag is abandoned; the other items still report their issues
                    writer.add_hashed(f"{layout.OBJECTS}/{item.file}", embedded.digests, embedded.size,
                                      embedded.mtime_ns)
                    sidecars.add(item)
                    proofs.add(embedded)
                    packed += 1
                if failed or not packed:
                    raise _Abandon()
                if left_out:
                    writer.add_bytes(layout.EXCLUDED, exclusions.as_csv(left_out))
                sidecars.close(extraction.issues)
                staged = writer.seal(_bag_info(cfg, version, packed))
                written = tuple(writer.issues) + tuple(e.issue() for e in left_out)
                # The bag is checked under its staging name and takes its own name only when valid:
                # an interrupt during the check leaves no finished-looking bag. Every check of a
                # validation runs; what the run measured is not measured again.
                validation = validate(staged, progress=plan.progress, proven=proofs.proven(writer))
                bag = writer.publish(None if validation.valid else _rejected(writer.final))
                if validation.valid:
                    plan.published.append(bag)
        except _Abandon:
            return BagRun(extraction=extraction, items=done, bag=None, validation=None, exiftool_version=version,
                          bag_issues=tuple(e.issue() for e in left_out), skip_failed=plan.skip_failed,
                          excluded=tuple(left_out))
    checked = replace(validation, path=bag, bagit=replace(validation.bagit, name=bag.name))  # its name now
    return BagRun(extraction=extraction, items=done, bag=bag, validation=checked, exiftool_version=version,
                  bag_issues=written, skip_failed=plan.skip_failed, excluded=tuple(left_out), packaged=packed)


def _discard(writer: BagWriter, file: str) -> None:
    """Remove what a failed embedding left in the staged bag (its copy, ExifTool's temporary file)."""
    copy = writer.path_for(f"{layout.OBJECTS}/{file}")
    for path in (copy, copy.with_name(copy.name + EXIFTOOL_TMP)):
        path.unlink(missing_ok=True)


def _in_order(plan: _Plan, writer: BagWriter) -> Iterator[tuple[ItemResult, Embedded | None]]:
    """Every item of the collection in its order, with its embedded copy; None for one --skip-failed left out."""
    embedded = _embedded(plan, writer)
    if plan.errors is None or not plan.extraction.errors:  # every item is embedded
        yield from ((e.item, e) for e in embedded)
        return
    for item in plan.extraction.items:
        if item.failed or plan.errors.leaves_out(item):
            yield item, None
        else:
            yield item, next(embedded)


def _rejected(final: Path) -> Path:
    """Where a bag that failed its own check goes: a hidden name that no one takes for the bag."""
    rejected = final.parent / f".{final.name}.rejected"
    if rejected.exists():
        shutil.rmtree(rejected)
    return rejected


def _stop_if_output_failed(embedded: Embedded, out_dir: Path) -> None:
    """A full disk (or a read-only one) fails every item alike: one error naming the output, not one per item.

    The staging folder is removed on the way out; the originals and any earlier bag are untouched.
    """
    for issue in embedded.item.issues:
        if issue.code == "E402":
            raise BagError(f"{issue.message}; no bag was made in {out_dir}: free space or choose another --out, "
                           "then run again", [issue])


class _Proofs:
    """What the run measured of each embedded copy, handed to the check after writing
    (:class:`~packager.validate.proven.Proven`): the tags read back and the pixel digest,
    kept on disk together by bag path; the payload digests are the bag writer's own table."""

    def __init__(self) -> None:
        self.measured: KeyedSpool[tuple[dict[str, Any], str]] = KeyedSpool()

    def add(self, embedded: Embedded) -> None:
        path = embedded.item.payload or layout.object_path(embedded.item.file)
        self.measured.put(path, (embedded.read_back, embedded.item.pixel_digest))

    def read(self, paths: list[str]) -> list[dict[str, Any]]:
        """The tags of each image as read back after writing, in the order asked for."""
        found = [self.measured.get(p) for p in paths]
        return [m[0] if m else {"ExifTool:Error": "not read back by the run that wrote the bag"} for m in found]

    def proven(self, writer: BagWriter) -> Proven:
        return Proven(payload_digests=writer.payload_digests(), tags=self.read, pixel_digests=_Pixels(self.measured))


class _Pixels(Mapping[str, str]):
    """The pixel digests measured after writing, by bag path, read from the proofs on disk."""

    def __init__(self, measured: KeyedSpool[tuple[dict[str, Any], str]]) -> None:
        self._measured = measured

    def __getitem__(self, path: str) -> str:
        found = self._measured.get(path)
        if found is None:
            raise KeyError(path)
        return found[1]

    def __contains__(self, path: object) -> bool:
        return path in self._measured

    def __iter__(self) -> Iterator[str]:
        return iter(self._measured)

    def __len__(self) -> int:
        return len(self._measured)


def _embedded(plan: _Plan, writer: BagWriter) -> Iterator[Embedded]:
    """Every item embedded, in collection order, batch by batch on the engine's workers."""
    items, progress = plan.items, plan.progress
    images = plan.extraction.config.images.resolve()
    size = _batch_size(len(items), plan.engine.workers)

    def jobs() -> Iterator[Job]:
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            yield Job(tuple(chunk), tuple(str(images / i.file) for i in chunk),
                      tuple(str(writer.path_for(f"{layout.OBJECTS}/{i.file}").resolve()) for i in chunk),
                      tuple(plan.probes.take(i.file) for i in chunk))  # each probe is used once

    count = octets = 0
    for results in plan.engine.map(run_job, jobs()):
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
