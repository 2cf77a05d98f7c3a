"""Embedding a batch of items with one ExifTool: the unit of work a worker runs.

Every step that talks to ExifTool is one command for the whole batch (tens to
hundreds of files), because a command costs far more than a file in it:

1. each original is copied into the bag's staging folder, read once for its
   chain-of-custody digests and, for a JPEG, the proof of its image data
   (:class:`~packager.files.pixels.ImageDataDigest`); other formats are
   decoded once here;
2. one read tells what each copy already carries; it is weighed against our
   record (:func:`packager.embed.kept.plan`), every value it replaces kept in the item;
3. one ``-json=`` import writes the batch (files that need more, such as tags
   to delete or legacy IIM to re-encode, are written alone);
4. one read gives the tags back, compared with what was meant (E303);
5. each written copy is read once more, for every manifest algorithm and the
   proof that its image data is unchanged (E304), in the same read.

A :class:`Job` and its results are plain picklable values, so a Dask worker can
run one: paths are absolute, on storage the client and every worker share.
The originals are only ever read.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packager import issues
from packager.engine import worker_local
from packager.errors import PackagerError
from packager.files.hashing import copy_with_digests, file_digests
from packager.files.pixels import JPEG_PREFIX, ImageDataDigest, decoded_digest
from packager.metadata import crosswalk
from packager.metadata.layout import ALGORITHMS, object_path
from packager.metadata.tagvalues import carries_iim, file_type, iim_by_name
from packager.model import ERROR, IMAGE, Issue, ItemResult, mark

from . import kept
from .exiftool import ExifTool

#: Items handed to a worker at once: enough to share each ExifTool command among many files.
BATCH = 64


@dataclass(frozen=True)
class Probe:
    """What ExifTool read from an original before it was copied, and the file's size and
    modification time then: valid for the copy only while they are unchanged."""

    tags: dict[str, Any]
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Job:
    """Items to embed: each original (absolute path) and where its copy goes in the staging folder;
    ``probes`` (when given) what was already read from each original (None where nothing was)."""

    items: tuple[ItemResult, ...]
    originals: tuple[str, ...]
    staged: tuple[str, ...]
    probes: tuple[Probe | None, ...] = ()
    algorithms: tuple[str, ...] = ALGORITHMS  # of the bag's payload manifests: each copy is hashed with them


@dataclass(frozen=True)
class Embedded:
    """One item as embedded, and what the run proved about its copy (for the manifests and the self-check)."""

    item: ItemResult
    digests: dict[str, str] = field(default_factory=dict)  # of the copy as written; {} when it failed
    size: int = 0
    mtime_ns: int = 0
    read_back: dict[str, Any] = field(default_factory=dict)  # the copy's tags as read after writing
    octets: int = 0  # size of the original

    @property
    def failed(self) -> bool:
        return self.item.failed


@dataclass
class _Work:
    item: ItemResult
    original: Path
    staged: Path
    found: list[Issue]
    embedding: list[Issue] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    before: str | None = None
    octets: int = 0
    probe: Probe | None = None
    stat: tuple[int, int] = (-1, -1)  # the original's (size, mtime_ns) when it was copied
    existing: dict[str, Any] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    result: Embedded | None = None
    algorithms: tuple[str, ...] = ALGORITHMS

    @property
    def broken(self) -> bool:
        return any(i.severity == ERROR for i in self.found + self.embedding)


def run(job: Job) -> list[Embedded]:
    """A worker's entry point (local pool or Dask): the batch, with this worker's long-lived ExifTool."""
    return embed_batch(job, worker_local("packager.exiftool", ExifTool))


def probe(originals: tuple[str, ...]) -> list[Probe | None]:
    """A worker's entry point: read what each original carries (one ExifTool command), so
    that this can happen while the captions are still being analysed. None for a file
    that cannot be read now: it is read again when it is embedded."""
    et = worker_local("packager.exiftool", ExifTool)
    found: dict[str, os.stat_result] = {}
    for original in originals:
        with contextlib.suppress(OSError):
            found[original] = os.stat(original)
    tags = dict(zip(found, _read_each(et, [Path(o) for o in found]), strict=True))
    return [Probe(tags[o], found[o].st_size, found[o].st_mtime_ns)
            if o in found and "ExifTool:Error" not in tags[o] else None for o in originals]


#: Failures of the output side while copying: a full disk or quota, a read-only or too small file system.
#: They say nothing about the original, and every later item would meet them too.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def embed_batch(job: Job, et: ExifTool) -> list[Embedded]:
    """Copy, embed, verify and prove every item of ``job``; results in the job's order.

    A failure is an error issue on its item (E302-E306), never an exception:
    the other items of the batch go on.
    """
    probes = job.probes or (None,) * len(job.items)
    work = [_Work(item, Path(o), Path(s), list(item.issues), probe=p, algorithms=job.algorithms)
            for item, o, s, p in zip(job.items, job.originals, job.staged, probes, strict=True)]
    for w in work:
        _copy(w)
    live = [w for w in work if w.result is None]
    unread = [w for w in live if w.probe is None or (w.probe.size, w.probe.mtime_ns) != w.stat]
    read = dict(zip(map(id, unread), _read_each(et, [w.staged for w in unread]), strict=True))
    for w in live:
        _plan(w, read[id(w)] if id(w) in read else dict(w.probe.tags) if w.probe else {})
    live = [w for w in live if not w.broken]
    written = et.write_many([(w.staged, w.item.tags, w.gone, w.existing) for w in live])
    for w, found in zip(live, written, strict=True):
        w.embedding += found
    live = [w for w in live if not w.broken]
    for w, tags in zip(live, _read_each(et, [w.staged for w in live]), strict=True):
        w.embedding += et.verify(w.staged, w.item.tags, actual=tags, deleted=w.gone)
        if not w.broken:
            _prove(w, tags)
    return [w.result or _finish(w) for w in work]


def embed_item(item: ItemResult, original: Path, staged: Path, et: ExifTool) -> ItemResult:
    """One item on its own (:func:`embed_batch` of one): the item as embedded, with its issues."""
    return embed_batch(Job((item,), (str(original),), (str(staged),)), et)[0].item


def _copy(w: _Work) -> None:
    """The original into the staging folder, hashed and (for a JPEG) proven in the same read."""
    proof = ImageDataDigest()
    try:
        before = os.stat(w.original)
        w.digests = copy_with_digests(w.original, w.staged, ALGORITHMS, also=(proof.feed,))
        w.octets = os.path.getsize(w.staged)
        w.stat = (before.st_size, before.st_mtime_ns) if w.octets == before.st_size else (-1, -1)
    except OSError as exc:  # this item cannot be packaged; the others still can, unless the output failed
        if exc.errno in OUTPUT_ERRNOS or (exc.filename is not None and os.fspath(exc.filename) == os.fspath(w.staged)):
            w.found.append(issues.make("E402", path=os.fspath(w.staged), problem=exc.strerror or str(exc)))
        else:
            w.found.append(issues.make("E306", path=w.item.file, file=w.original,
                                       error=f"{type(exc).__name__}: {exc}"))
        w.result = Embedded(replace(w.item, issues=tuple(w.found)))
        return
    w.before = proof.hexdigest()


def _plan(w: _Work, existing: dict[str, Any]) -> None:
    """Weigh what the copy already carries against the record: the tags to write and to delete."""
    if "ExifTool:Error" in existing:
        w.embedding.append(issues.make("E302", path=w.item.file, file=w.item.file,
                                       error=f"ExifTool could not read {w.staged}: {existing['ExifTool:Error']}"))
        return
    item = w.item
    tags, iim, odd = dict(item.tags), carries_iim(existing), kept.odd_iim(existing)
    if odd:  # IIM in two places: left alone, not merged (which would lose or repeat values)
        iim = False
        w.found.append(issues.make("W316", path=object_path(item.file), file=object_path(item.file), reason=odd))
    if iim != iim_by_name(item.file) or odd:  # the name lied about the format, or the IIM is left alone
        tags, clipped = crosswalk.to_tags(item.record, iim=iim)
        w.found = [i for i in w.found if i.code != "W301"] + clipped
    if not iim and not odd:
        w.found.append(issues.make("W305", path=object_path(item.file), format=file_type(existing) or "this"))
    planned = kept.plan(item.record, tags, existing, iim=iim)
    record = mark(planned.record, item.record, IMAGE)  # values kept from the image's own metadata
    w.item = replace(item, record=record, tags=planned.tags, dublin_core=tuple(crosswalk.to_dc(record)),
                     replaced=planned.replaced)
    w.found += planned.issues
    w.existing, w.gone = existing, list(planned.delete)
    if w.before is None:  # not a JPEG: the decoded pixels are the proof
        try:
            w.before = decoded_digest(w.staged)
        except PackagerError as exc:
            w.embedding.extend(exc.issues)


def _prove(w: _Work, tags: dict[str, Any]) -> None:
    """Hash the copy as written for the manifests, and prove its image data unchanged, in one read."""
    proof = ImageDataDigest()
    try:
        digests = file_digests(w.staged, w.algorithms, also=(proof.feed,))
        stat = os.stat(w.staged)
        after = proof.hexdigest() if (w.before or "").startswith(JPEG_PREFIX) else decoded_digest(w.staged)
    except OSError as exc:
        w.embedding.append(issues.make("E302", path=w.item.file, file=w.item.file, error=str(exc)))
        return
    except PackagerError as exc:
        w.embedding.extend(exc.issues)
        return
    if after != w.before:
        w.embedding.append(issues.make("E304", path=w.item.file, file=w.item.file))
        return
    w.result = _finish(w, Embedded(w.item, digests, stat.st_size, stat.st_mtime_ns, tags, w.octets))


def _finish(w: _Work, proven: Embedded | None = None) -> Embedded:
    payload = object_path(w.item.file)
    found = w.found + [_in_bag(i, w.staged, payload) for i in w.embedding]
    item = replace(w.item, issues=tuple(found), payload=payload, original_digests=w.digests,
                   pixel_digest=w.before or "")
    if proven is None or item.failed:
        return Embedded(item, octets=w.octets)
    return replace(proven, item=item)


def _read_each(et: ExifTool, paths: list[Path]) -> list[dict[str, Any]]:
    """Tags of every file, one command for all; when the command fails (ExifTool died on one
    file), file by file, so that one bad file spoils only itself."""
    if not paths:
        return []
    try:
        return et.read_many(paths)
    except PackagerError as exc:
        if len(paths) == 1:
            return [{"ExifTool:Error": exc.message}]
    return [record for path in paths for record in _read_each(et, [path])]


def _in_bag(issue: Issue, staged: Path, payload: str) -> Issue:
    """The issue naming the file by its path in the bag, not the staging path, which is
    gone once the bag is renamed into place and differs from run to run."""
    where = os.path.abspath(staged)
    return replace(issue, message=issue.message.replace(where, payload),
                   path=payload if issue.path == where else issue.path)
