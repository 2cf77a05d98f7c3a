"""One bag of a run staged: its items embedded batch by batch, its sidecars written, sealed and checked.

A bag is staged in ``<out>/<name>.partial/`` (:class:`~packager.bag.writer.BagWriter`)
and checked there under the profile it is made to; it takes its name only in
:func:`publish`, once every bag of the run has passed its check: as a folder,
or as an archive (``--serialize``) written under its own name in a hidden folder
beside it (``.<name>.tar.partial/<name>.tar``), checked in place, and moved out. An
interrupt or an error before then leaves no bag of the run, folder or archive.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packager import issues
from packager.bag.serialize import serialize
from packager.bag.writer import BagWriter
from packager.collection.scan import EXIFTOOL_TMP
from packager.embed.batch import BATCH, Embedded, Job, Probe
from packager.embed.batch import run as run_job
from packager.engine import Engine
from packager.errors import BagError
from packager.files.spool import KeyedSpool, Spool
from packager.metadata import layout
from packager.metadata.provenance import software
from packager.metadata.sidecars import Sidecars
from packager.model import Issue, ItemResult
from packager.validate.profile import Profile
from packager.validate.proven import Proven
from packager.validate.validator import ValidationReport, validate

from . import exclusions, groups
from .deposit import Deposit
from .exclusions import CollectionErrors, Exclusion
from .extraction import Extraction, Progress


@dataclass(frozen=True)
class Plan:
    """Everything a bag run decided before the first item is embedded."""

    extraction: Extraction
    engine: Engine
    probes: KeyedSpool[Probe]
    progress: Progress | None
    date: _dt.date
    exiftool_version: str
    items: Sequence[ItemResult]  # the items to embed: all, or with --skip-failed those that did not fail
    errors: CollectionErrors | None  # with --skip-failed: the collection's errors, sorted
    published: list[Path]  # where the bags are, once checked and under their own names
    deposit: Deposit  # what the receiving repository's profile asks of the bag
    explicit_profile: bool = False  # --profile was given: every bag is checked against it

    @property
    def skip_failed(self) -> bool:
        return self.errors is not None


class Abandon(Exception):
    """Raised inside the bag writer to discard the staged bag."""


@dataclass
class Staged:
    """A bag sealed and checked under its staging name, waiting to be published."""

    writer: BagWriter
    validation: ValidationReport
    packed: int  # items in it
    written: tuple[Issue, ...]  # from writing it (W404 risky names...)


def stage(plan: Plan, writer: BagWriter, items: Sequence[ItemResult], done: Spool[ItemResult],
          left_out: list[Exclusion], bag_info: list[tuple[str, str]], *, every_item: bool) -> Staged:
    """Embed ``items`` into ``writer``'s bag, write its sidecars, seal it and check it where it is staged.

    ``every_item``: ``items`` is the whole collection's list, so the entries --skip-failed left
    out before embedding are reported here, in their order. Each item goes to ``done`` (for the
    report); what fails with --skip-failed goes to ``left_out``. Raises :class:`Abandon` when the
    bag cannot be made (an item failed, or nothing is left to package).
    """
    cfg, deposit = plan.extraction.config, plan.deposit
    with Sidecars(writer, cfg, software(plan.exiftool_version)) as sidecars:
        proofs, failed, packed = _Proofs(), False, 0
        for item, embedded in _in_order(plan, writer, items, every_item):
            if embedded is not None:
                _stop_if_output_failed(embedded, writer.out_dir)
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
            writer.add_hashed(f"{layout.OBJECTS}/{item.file}", embedded.digests, embedded.size, embedded.mtime_ns)
            sidecars.add(item)
            proofs.add(embedded)
            packed += 1
        if failed or not packed:
            raise Abandon()
        if left_out:
            writer.add_bytes(layout.EXCLUDED, exclusions.as_csv(left_out))
        sidecars.close(plan.extraction.issues)
    staged = writer.seal(bag_info, [(name, list(fields)) for name, fields in deposit.tag_files])
    # Checked under its staging name, against the profile it is made to: an interrupt during the
    # check leaves no finished-looking bag. Every check runs; what the run measured is not measured again.
    validation = validate(staged, progress=plan.progress, proven=proofs.proven(writer), profile=_folder_profile(plan))
    return Staged(writer, validation, packed, tuple(writer.issues))


def _folder_profile(plan: Plan) -> Profile | None:
    """The profile the staged folder is checked against: the one asked for, less what only its archive
    can meet (serialization, the archive's name), which is checked on the archive in :func:`publish`."""
    if not plan.explicit_profile:
        return None
    profile = plan.deposit.profile
    if plan.deposit.serialization is None:
        return profile
    return replace(profile, serialization="optional", accept_serialization=None, dir_must_match_name=False)


def publish(plan: Plan, bags: list[Staged], limit: int | None) -> list[tuple[Path, ValidationReport]]:
    """Give every checked bag of the run its name, together: each folder renamed, or its archive written
    beside it (in ``.<name>.tar.partial/``), checked in place and renamed, once all are valid and (with
    ``limit``) no larger than that (E410). When one is not, none takes its name: each is kept for
    inspection as ``.<name>.rejected``. An exception leaves no archive behind.
    """
    deposit, archives = plan.deposit, []
    try:
        whole = all(s.validation.valid for s in bags)
        if whole and deposit.serialization is not None:
            for staged in bags:
                archives.append(_archive(plan, staged))
            whole = all(report.valid for _, report in archives)
        if whole and limit is not None:
            for k, staged in enumerate(bags):
                groups.check_size(archives[k][0] if archives else staged.writer.partial, limit)
        if deposit.serialization is None:
            return [_name_folder(s, whole) for s in bags]
        named = []
        for staged, (partial, report) in zip(bags, archives, strict=True):
            final = staged.writer.out_dir / f"{staged.writer.name}{deposit.suffix}"
            target = final if whole else _rejected(final)
            os.rename(partial, target)
            partial.parent.rmdir()
            staged.writer.discard()
            named.append((target, _named(report, target)))
        if not whole:  # a folder whose archive was never made is kept as it is
            named += [_name_folder(s, False) for s in bags[len(archives):]]
        return named
    except BaseException:
        for partial, _ in archives:
            remove(partial.parent)
        raise


def _name_folder(staged: Staged, whole: bool) -> tuple[Path, ValidationReport]:
    writer = staged.writer
    bag = writer.publish(None if whole and staged.validation.valid else _rejected(writer.final))
    return bag, _named(staged.validation, bag)


def _archive(plan: Plan, staged: Staged) -> tuple[Path, ValidationReport]:
    """The checked folder written as an archive under its final name, in a hidden staging folder
    (``.<name>.tar.partial/<name>.tar``: the name a receiver checks it by), and checked where it is."""
    writer, deposit = staged.writer, plan.deposit
    assert deposit.serialization is not None
    final = writer.out_dir / f"{writer.name}{deposit.suffix}"
    if os.path.lexists(final):
        issue = issues.make("E401", path=str(final))
        raise BagError(issue.message, [issue])
    folder = writer.out_dir / f".{final.name}.partial"
    remove(folder)
    try:
        folder.mkdir()
        partial = folder / final.name
        serialize(writer.partial, partial, deposit.serialization, top=writer.name, mtime=_epoch(plan.date))
        return partial, validate(partial, progress=plan.progress,
                                 profile=deposit.profile if plan.explicit_profile else None)
    except BaseException:
        remove(folder)
        raise


def remove(path: Path) -> None:
    """Remove a file or a folder (a link itself, never what it points to); nothing if it is not there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _named(report: ValidationReport, bag: Path) -> ValidationReport:
    """The report of a bag checked under its staging name, naming it as published."""
    name = bag.name if report.bagit.serialization is None else report.bagit.name
    return replace(report, path=bag, bagit=replace(report.bagit, name=name))


def _epoch(date: _dt.date) -> int:
    """The bagging date at 00:00 UTC, in seconds since 1970: every archive member's time."""
    return calendar.timegm(date.timetuple())


def _rejected(final: Path) -> Path:
    """Where a bag that failed its own check goes: a hidden name that no one takes for the bag."""
    rejected = final.parent / f".{final.name}.rejected"
    remove(rejected)
    return rejected


def _discard(writer: BagWriter, file: str) -> None:
    """Remove what a failed embedding left in the staged bag (its copy, ExifTool's temporary file)."""
    copy = writer.path_for(f"{layout.OBJECTS}/{file}")
    for path in (copy, copy.with_name(copy.name + EXIFTOOL_TMP)):
        path.unlink(missing_ok=True)


def _in_order(plan: Plan, writer: BagWriter, items: Sequence[ItemResult],
              every_item: bool) -> Iterator[tuple[ItemResult, Embedded | None]]:
    """Every item in its order, with its embedded copy; None for one --skip-failed left out."""
    embedded = _embedded(plan, writer, items)
    if not every_item or plan.errors is None or not plan.extraction.errors:  # every item is embedded
        yield from ((e.item, e) for e in embedded)
        return
    for item in plan.extraction.items:
        if item.failed or plan.errors.leaves_out(item):
            yield item, None
        else:
            yield item, next(embedded)


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


def batch_size(items: int, workers: int) -> int:
    """Items per job: every worker busy even on a few items, at most :data:`BATCH`."""
    return max(1, min(BATCH, -(-items // (workers * 4))))


def _embedded(plan: Plan, writer: BagWriter, items: Sequence[ItemResult]) -> Iterator[Embedded]:
    """Every item embedded, in collection order, batch by batch on the engine's workers."""
    progress = plan.progress
    images = plan.extraction.config.images.resolve()
    size = batch_size(len(items), plan.engine.workers)
    algorithms = plan.deposit.payload_algorithms

    def jobs() -> Iterator[Job]:
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            yield Job(tuple(chunk), tuple(str(images / i.file) for i in chunk),
                      tuple(str(writer.path_for(f"{layout.OBJECTS}/{i.file}").resolve()) for i in chunk),
                      tuple(plan.probes.take(i.file) for i in chunk), algorithms)  # each probe is used once

    count = octets = 0
    for results in plan.engine.map(run_job, jobs()):
        for embedded in results:
            count += 1
            octets += embedded.octets
            if progress:
                progress("embed", count, len(items), octets)
            yield embedded
