"""A bag run: the collection read, embedded batch by batch, bagged and checked.

The bag is made to a BagIt profile (:mod:`.deposit`: ours unless another is
given), as a folder or an archive, and split into a bag group when the
collection is larger than ``max_bag_size`` (:mod:`.groups`); each bag is
staged, sealed and checked (:mod:`.staging`), and all take their names only
when every one passed.

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
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from packager import issues
from packager.bag.lock import BagLock
from packager.bag.writer import BagWriter, check_out_dir, make_out_dir
from packager.collection import config as config_mod
from packager.collection.scan import scan
from packager.embed.batch import Probe, probe
from packager.engine import Engine, dask_engine, local_engine
from packager.errors import BagError, UsageError
from packager.files.exiftool import exiftool_version, find_exiftool
from packager.files.spool import KeyedSpool, Spool
from packager.metadata import crosswalk, layout
from packager.model import Issue, ItemResult
from packager.validate.profile import Profile, builtin_profile
from packager.validate.validator import ValidationReport

from . import deposit as deposit_mod
from . import exclusions, groups
from .exclusions import CollectionErrors, Exclusion
from .extraction import DEFAULT_WORKERS, Extraction, Progress, extract_from, load_config
from .staging import Abandon, Plan, Staged, batch_size, publish, stage
from .staging import remove as _remove

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
    packaged: int = 0  # items in the bag (in every bag of a group)
    #: a bag group (--max-bag-size): every bag with its report, in order; ``bag`` and ``validation`` are the first
    group: tuple[tuple[Path, ValidationReport], ...] = ()

    @property
    def ok(self) -> bool:
        if self.group:  # a valid bag of a group with an invalid one was kept aside too (.<name>.rejected)
            return all(report.valid and not bag.name.startswith(".") for bag, report in self.group)
        return self.bag is not None and self.validation is not None and self.validation.valid


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
              skip_failed: bool = False, profile: Profile | None = None, serialize: str | None = None,
              max_bag_size: int | None = None) -> BagRun:
    """Package a collection into ``out_dir/<identifier>/``, validated before it takes that name.

    A bag that fails its own check is kept for inspection as
    ``out_dir/.<identifier>.rejected`` (the run is not ok); an interrupt before
    the check has passed leaves no bag at all.

    The bag is made to ``profile`` (default: ours; :mod:`.deposit` says what a
    profile decides, and a profile's demand the collection cannot meet stops the
    run before any work), as an archive when ``serialize`` (``tar``, ``tar.gz``,
    ``zip``) or the profile asks (``out_dir/<identifier>.tar``...), and as a bag
    group ``<identifier>.b001.of00N`` when the collection is larger than
    ``max_bag_size`` bytes (:mod:`.groups`).

    Nothing is written when reading or analysing the collection found errors;
    when an item fails while embedding, the staged bag is discarded and the
    run reports why, item by item. With ``skip_failed`` the entries that
    failed are left out instead, each recorded with its reason in the bag
    (:mod:`packager.pipeline.exclusions`); errors about the collection as a
    whole still stop the run. With ``replace_existing`` an existing bag
    of the same name (or group) is set aside and removed only once the new one is
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
    chosen = profile or builtin_profile(layout.PROFILE_ID)
    assert chosen is not None
    deposit = deposit_mod.plan(cfg, chosen, deposit_mod.software_agent(version, crosswalk.load().version),
                               serialize=serialize, max_bag_size=max_bag_size)  # E407-E409 before any work
    created = not out_dir.exists()
    make_out_dir(out_dir)
    published: list[Path] = []  # the bags, once checked and under their own names
    try:
        with BagLock(out_dir, cfg.info.identifier):  # E405 at once when another run is writing this bag
            return _run(cfg, out_dir, replace_existing, workers, progress, when, scheduler, version, skip_failed,
                        published, deposit, profile is not None)
    except KeyboardInterrupt as exc:
        raise BagInterrupted(published[0] if published else None) from exc
    finally:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # nothing was written: leave no empty folder behind


def _run(cfg: config_mod.CollectionConfig, out_dir: Path, replace_existing: bool, workers: int,
         progress: Progress | None, when: _dt.date, scheduler: str | None, version: str,
         skip_failed: bool, published: list[Path], deposit: deposit_mod.Deposit, explicit: bool) -> BagRun:
    with _engine(scheduler, workers) as engine:
        extraction, probes = _extract_while_probing(cfg, engine, progress, keep_going=skip_failed)
        errors = exclusions.sort_collection_errors(extraction.issues, cfg.images, cfg.captions) \
            if skip_failed else None  # also without errors so far: an item may still fail while embedding
        if extraction.errors and (errors is None or errors.blocking):
            return BagRun(extraction=extraction, items=extraction.items, bag=None, validation=None,
                          skip_failed=skip_failed)
        _restore_set_aside(out_dir)
        plan = Plan(extraction, engine, probes, progress, when, version, _kept(extraction, errors), errors,
                    published, deposit, explicit)
        old = _existing(out_dir, extraction.config.info.identifier, deposit)
        if not (replace_existing and old):
            return _build(plan, out_dir)
        return _replace(plan, old)


def _existing(out_dir: Path, identifier: str, deposit: deposit_mod.Deposit) -> list[Path]:
    """The bag (or every bag of a group) a run with --replace replaces."""
    if deposit.max_bag_size is None:
        final = out_dir / f"{identifier}{deposit.suffix}"
        return [final] if os.path.lexists(final) else []
    return sorted(p for p in out_dir.glob(f"{identifier}.b*.of*{deposit.suffix}")
                  if groups.is_member(p.name, identifier, deposit.suffix))


def _restore_set_aside(out_dir: Path) -> None:
    """Put back what an earlier --replace run set aside and could not restore (it was killed)."""
    for aside in out_dir.glob(".*.previous"):
        final = out_dir / aside.name[1:-len(".previous")]
        if not os.path.lexists(final):
            log.warning("restoring %s: an earlier --replace run stopped before it could put it back", final)
            aside.rename(final)


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
    size = batch_size(len(files), engine.workers)

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


def _replace(plan: Plan, old: list[Path]) -> BagRun:
    """Build the new bag(s) while the old ones wait at ``.<name>.previous``; swap only if the new ones are valid.

    New bags that were written but do not validate are kept for inspection as
    ``.<name>.rejected`` and the old bags go back in place.
    """
    asides = [p.with_name(f".{p.name}.previous") for p in old]
    for final, aside in zip(old, asides, strict=True):
        _remove(aside)
        final.rename(aside)
    try:
        run = _build(plan, old[0].parent)
    except BaseException:
        _put_back(old, asides)
        raise
    if run.ok:
        for aside in asides:
            _remove(aside)
        return run
    _put_back(old, asides)  # new bags that did not validate are already at .<name>.rejected
    return run


def _put_back(old: list[Path], asides: list[Path]) -> None:
    for final, aside in zip(old, asides, strict=True):
        if not os.path.lexists(final) and os.path.lexists(aside):
            aside.rename(final)




def _build(plan: Plan, out_dir: Path) -> BagRun:
    """Every bag of the run staged and checked, then all published together (or none, when one fails)."""
    extraction, cfg, deposit = plan.extraction, plan.extraction.config, plan.deposit
    done: Spool[ItemResult] = Spool()  # the items as embedded (or left out), kept on disk for the report
    left_out = [*plan.errors.images.values(), *plan.errors.lines] if plan.errors else []
    identifier = cfg.info.identifier
    if deposit.max_bag_size is None:
        parts = [groups.Part(identifier, plan.items, 1, 1)]
    else:
        parts = groups.split(plan.items, cfg.images.resolve(), deposit.max_bag_size, identifier,
                             serialized=deposit.serialization is not None)
        _refuse_existing(out_dir, [p.name for p in parts], deposit.suffix)
        if plan.errors is not None and extraction.errors:
            _left_out_up_front(plan, done)
    staged: list[Staged] = []
    try:
        with ExitStack() as stack:  # an exception (Abandon included) removes every staged bag
            for part in parts:
                writer = stack.enter_context(BagWriter(
                    out_dir, part.name, deposit.payload_algorithms, bagging_date=plan.date,
                    tag_algorithms=deposit.tag_algorithms, version=deposit.version))
                info = list(deposit.bag_info) + (part.fields(identifier) if part.count > 1 else [])
                staged.append(stage(plan, writer, part.items, done, left_out, info, every_item=len(parts) == 1))
            bags = publish(plan, staged, deposit.max_bag_size)
            if all(report.valid and not bag.name.startswith(".") for bag, report in bags):
                plan.published.extend(bag for bag, _ in bags)
    except Abandon:
        return BagRun(extraction=extraction, items=done, bag=None, validation=None,
                      exiftool_version=plan.exiftool_version, bag_issues=tuple(e.issue() for e in left_out),
                      skip_failed=plan.skip_failed, excluded=tuple(left_out))
    written = tuple(i for s in staged for i in s.written) + deposit.notes + tuple(e.issue() for e in left_out)
    first, report = bags[0]
    return BagRun(extraction=extraction, items=done, bag=first, validation=report,
                  exiftool_version=plan.exiftool_version, bag_issues=written, skip_failed=plan.skip_failed,
                  excluded=tuple(left_out), packaged=sum(s.packed for s in staged),
                  group=tuple(bags) if len(bags) > 1 else ())


def _left_out_up_front(plan: Plan, done: Spool[ItemResult]) -> None:
    """In a bag group, the entries --skip-failed left out before embedding are reported first."""
    assert plan.errors is not None
    for item in plan.extraction.items:
        if item.failed or plan.errors.leaves_out(item):
            done.append(item)


def _refuse_existing(out_dir: Path, names: list[str], suffix: str) -> None:
    """E401 before any work when a bag of the group is already there."""
    for name in names:
        if os.path.lexists(out_dir / f"{name}{suffix}"):
            issue = issues.make("E401", path=str(out_dir / f"{name}{suffix}"))
            raise BagError(issue.message, [issue])
