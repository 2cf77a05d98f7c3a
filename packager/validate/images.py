"""The images of the metadata layer: what each image embeds, and its pixels.

:mod:`.metacheck` reads the sidecars and works out what each image
should say (:class:`Expectations`: its Dublin Core values from its
metadata.csv row, or from records.json when the row is damaged; its pixel
digest and, in our bags, the tag set records.json says was written). This
module owns everything after that, and never reads a sidecar nor imports
the sidecar modules (:mod:`.metacheck`, :mod:`.metacsv`, :mod:`.sidecars`):

* reading embedded tags through the source's short-lived local copies
  (``source.local_files``), :data:`READ_BATCH` images per reader call, in
  several threads each with a reader of its own (one ExifTool process each),
  a few chunks queued per thread, so memory stays flat in the number of
  images and the problems still come in path order;
* matching each result to its image by position and ``System:FileName``; a
  batch the reader fails on, or answers for the wrong files, is retried image
  by image, so one unreadable image is reported on its own (E606) without
  hiding the others;
* comparing the embedded values with the expected ones: Dublin Core elements
  (E603), IIM mirroring XMP (E604), EXIF text equal to XMP (E609), and in our
  bags the whole written tag set (E610); in a foreign bag each is its warning
  twin (W603, W604, W606, W609), an element only one side has is not
  reported, and E610 does not apply;
* measuring the pixel digest (a JPEG's image data, or the decoded pixels, as
  the expected value's form says) and comparing it with records.json's
  (E607, an error in every bag).

A :class:`Look` may carry tags and pixel digests already measured (the
writer's own check after writing, :class:`~.proven.Proven`): those stand in
for reading and measuring, and are compared exactly like measured ones.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from packager import issues
from packager.errors import PackagerError
from packager.files.pixels import pixel_digest
from packager.issues.receiving import situation
from packager.metadata import crosswalk, tagvalues
from packager.model import WARNING, Issue

from .source import BagSource

Pairs = list[tuple[str, str]]
ReadTags = Callable[[list[Path]], list[dict[str, Any]]]
#: Tags by bag path (a writer's read-back, see :class:`~.proven.Proven`).
KnownTags = Callable[[list[str]], list[dict[str, Any]]]

#: Images whose embedded tags are read at once: memory stays flat in the number
#: of images, and a batch ExifTool fails on is retried image by image.
READ_BATCH = 100
#: Chunks of images queued per thread: every thread stays busy, memory stays flat.
QUEUED_PER_WORKER = 2


@dataclass(frozen=True)
class Expected:
    """What one image is checked against."""

    values: Pairs | None  # DC values it should embed; None: its tags are not checked
    digest: str | None  # pixel digest records.json gives
    written: dict[str, Any] | None  # tags records.json says were written (ours)


@dataclass(frozen=True)
class Expectations:
    """The images to check, in path order, and what each is checked against
    (looked up when its turn comes, so that nothing is held for every image)."""

    names: list[str]
    lookup: Callable[[str], Expected]
    has_digest: Callable[[str], bool]


@dataclass(frozen=True)
class Look:
    """How the images are looked at: ``workers`` threads, each taking a reader from
    ``readers`` (tags of local files, e.g. one ExifTool session per thread) while it
    reads. ``known_tags`` (by bag path) and ``known_pixels`` stand in for reading
    and measuring (see :class:`~.proven.Proven`); an image they do not cover is
    read and measured as usual."""

    readers: Sequence[ReadTags] = ()
    workers: int = 1
    known_tags: KnownTags | None = None
    known_pixels: Mapping[str, str] = field(default_factory=dict)


Chunk = list[tuple[str, Path | None]]


def check_images(source: BagSource, want: Expectations, look: Look, ours: bool) -> list[Issue]:
    """Pixels and embedded tags of every image, in chunks of at most :data:`READ_BATCH`
    checked side by side by ``look.workers`` threads, through the source's local copies.

    The problems come image by image in path order, whatever the threads did;
    ``ours`` (a bag packager wrote) makes embedded disagreements errors,
    otherwise their warning twins.
    """
    threads = max(1, look.workers)
    idle: queue.SimpleQueue[ReadTags] = queue.SimpleQueue()
    for reader in look.readers:
        idle.put(reader)

    def copy_needed(name: str) -> bool:
        return look.known_tags is None or (name not in look.known_pixels and want.has_digest(name))

    def task(chunk: Chunk) -> dict[str, list[Issue]]:
        return _check_chunk(chunk, want, look, idle, ours)

    results: dict[str, list[Issue]] = {}
    handed: set[str] = set()
    pending: deque[Future[dict[str, list[Issue]]]] = deque()

    def drain(keep: int) -> None:
        while len(pending) > keep:
            results.update(pending.popleft().result())

    queued = threads * QUEUED_PER_WORKER
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="images") as pool:
        direct = [name for name in want.names if not copy_needed(name)]
        for part in _split(direct, threads):
            pending.append(pool.submit(task, [(name, None) for name in part]))
            drain(queued)
        copied = [name for name in want.names if copy_needed(name)]
        for batch in source.local_files(copied):  # each batch's local paths may die with the next batch
            handed.update(rel for rel, _ in batch)
            for part in _split(batch, threads, len(copied) if source.stable_local_paths else len(batch)):
                pending.append(pool.submit(task, list(part)))
                drain(queued)
            if not source.stable_local_paths:
                drain(0)  # this batch is done with before the source makes the next one
        drain(0)
    found: list[Issue] = []
    for name in want.names:
        if name not in handed and copy_needed(name):
            unread = situation("E606", "not_copied", path=name, file=name)
            found.append(unread if ours else _as_warning(unread))
        found.extend(results.get(name, ()))
    return found


def _split(items: Sequence[Any], threads: int, total: int | None = None) -> list[Sequence[Any]]:
    """``items`` in chunks of at most READ_BATCH, small enough that ``total`` items
    (default: these) keep ``threads`` threads busy."""
    size = max(1, min(READ_BATCH, -(-(total or len(items)) // threads)))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _check_chunk(chunk: Chunk, want: Expectations, look: Look, idle: queue.SimpleQueue[ReadTags],
                 ours: bool) -> dict[str, list[Issue]]:
    """The problems of each image of ``chunk`` that has any (run in a worker thread)."""
    expected = {rel: want.lookup(rel) for rel, _ in chunk}
    tagged = [(rel, local) for rel, local in chunk if expected[rel].values is not None]
    tags_of = dict(zip((rel for rel, _ in tagged), _read_tags(tagged, look, idle), strict=True))
    out: dict[str, list[Issue]] = {}
    for rel, local in chunk:
        e = expected[rel]
        found = _pixels(rel, local, e.digest, look.known_pixels.get(rel)) if e.digest is not None else []
        if rel in tags_of and e.values is not None:
            tags = tags_of[rel]
            embedded = _check_one_image(rel, e.values, tags, ours=ours)
            if e.written is not None and isinstance(tags, dict) and not tags.get("ExifTool:Error"):
                embedded += _compare_written(rel, e.written, tags)
            found += embedded if ours else [_as_warning(i) for i in embedded]
        if found:
            out[rel] = found
    return out


def _read_tags(tagged: Chunk, look: Look, idle: queue.SimpleQueue[ReadTags]) -> list[dict[str, Any] | str]:
    if not tagged:
        return []
    known = look.known_tags
    if known is not None:
        return _read_batch([(rel, Path(rel)) for rel, _ in tagged],
                           lambda paths: known([p.as_posix() for p in paths]))
    local = [(rel, path) for rel, path in tagged if path is not None]
    assert len(local) == len(tagged), "an image read by ExifTool needs its local copy"
    reader = idle.get()  # one reader per thread at a time (an ExifTool session runs one command at once)
    try:
        return _read_batch(local, reader)
    finally:
        idle.put(reader)


def _as_warning(issue: Issue) -> Issue:
    """The warning twin (W603, W604, W606, W609) of an embedded-metadata error."""
    return replace(issue, code="W" + issue.code[1:], severity=WARNING,
                   message=issue.message + " (bag not written by packager)")


def _pixels(payload: str, local: Path | None, expected: str, known: str | None) -> list[Issue]:
    """E607 when the image's pixel digest (measured, or ``known`` when it has the form of
    ``expected``) differs from ``expected``; E606 when it cannot be decoded."""
    if known is not None and _form(known) == _form(expected):
        actual = known
    else:
        assert local is not None
        try:
            actual = pixel_digest(local, like=expected)
        except PackagerError as exc:
            cause = exc.__cause__
            why = f"{type(cause).__name__}: {cause}" if cause else exc.message
            return [situation("E606", "undecodable", path=payload, file=payload, why=_named(why, local, payload))]
    if actual != expected:
        return [issues.make("E607", path=payload, file=payload, actual=actual[:16], expected=expected[:16])]
    return []


def _form(digest: str) -> str:
    """"jpeg" for a JPEG's image-data digest, "" for a decoded-pixel digest."""
    return digest.partition(":")[0] if ":" in digest else ""


def _named(text: str, local: Path, payload: str) -> str:
    """A reader's message with the local copy's path replaced by the bag path."""
    return text.replace(str(local), payload)


def _read_batch(batch: list[tuple[str, Path]], read_tags: ReadTags) -> list[dict[str, Any] | str]:
    """Tags of each image, or why they could not be read; one bad image spoils only itself.

    The reader must give one record per path, in order (ExifTool's
    ``read_many`` matches its output to the paths it was given, so local
    copies without an extension are fine); a record that names another file
    (``System:FileName``) counts as a failure and the batch is retried.
    """
    if not batch:
        return []
    try:
        tags = read_tags([local for _, local in batch])
        if len(tags) == len(batch) and all(_belongs(t, local) for t, (_, local) in zip(tags, batch, strict=False)):
            return list(tags)
        failure = f"the reader returned {len(tags)} record(s) for {len(batch)} file(s), or another file's"
    except Exception as exc:  # noqa: BLE001 - any failure: retry one by one, or report
        failure = _named(str(getattr(exc, "message", None) or exc), batch[0][1], batch[0][0])
    if len(batch) == 1:
        return [failure]
    return [result for item in batch for result in _read_batch([item], read_tags)]


def _belongs(tags: Any, local: Path) -> bool:
    name = tags.get("System:FileName") if isinstance(tags, dict) else None
    return name is None or name == local.name


def _compare_written(name: str, written: dict[str, Any], tags: dict[str, Any]) -> list[Issue]:
    """E610 for each embedded tag that differs from the tag set records.json says
    was written, beyond what the Dublin Core and mirror checks already cover
    (locations and their identifiers, credit, the IIM marker and digest)."""
    covered = _dc_covered_tags() | {"Photoshop:IPTCDigest"}  # a stale digest follows from an IIM change
    return [i for i in tagvalues.compare(written, tags, name, code="E610") if i.field not in covered]


@lru_cache(maxsize=1)
def _dc_covered_tags() -> frozenset[str]:
    checked = crosswalk.embedded_dc_elements()
    return frozenset(tag for m in crosswalk.load().mappings if m.dc in checked and m.source != "location"
                     and m.field != "locations" for tag in (m.xmp, m.iim, m.exif) if tag)


def _check_one_image(name: str, pairs: Pairs, tags: dict[str, Any] | str, ours: bool = True) -> list[Issue]:
    error = tags if isinstance(tags, str) else tags.get("ExifTool:Error")
    if error:
        return [situation("E606", "tags_unreadable", path=name, file=name, error=error)]
    assert isinstance(tags, dict)
    checked = crosswalk.embedded_dc_elements()
    expected = sorted(p for p in pairs if p[0] in checked)
    actual = sorted(crosswalk.tags_to_dc(tags))
    return _compare_elements(name, expected, actual, both_sides_only=not ours) + _compare_mirrors(name, tags)


def _compare_elements(name: str, expected: Pairs, actual: Pairs, both_sides_only: bool = False) -> list[Issue]:
    """E603 per element whose embedded values differ from the record's; with
    ``both_sides_only`` (foreign bags) an element only one side has is not a disagreement."""
    found = []
    for element in sorted({k for k, _ in expected} | {k for k, _ in actual}):
        want = [v for k, v in expected if k == element]
        got = [v for k, v in actual if k == element]
        if want != got and not (both_sides_only and not (want and got)):
            found.append(issues.make("E603", path=name, field=element, file=name, tag=f"XMP for {element}",
                                     actual=_show(got), expected=_show(want)))
    return found


def _show(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _compare_mirrors(name: str, tags: dict[str, Any]) -> list[Issue]:
    """IIM must be the XMP clipped to its limit; EXIF text must equal XMP."""
    found = []
    # IIM in two places (two APP13 blocks, a FotoStation trailer) is left as it was (W316): not ours to mirror
    iim_present = any(key.startswith("IPTC:") for key in tags) and not crosswalk.iim_left_alone(tags)
    for m, want in crosswalk.iim_expectations(tags):
        if not iim_present:
            break
        if not want:
            continue  # nothing of ours to mirror; an original's own IIM is not ours to judge
        raw = tags.get(m.iim)
        got = [str(v) for v in (raw if isinstance(raw, list) else [raw] if raw not in (None, "") else [])]
        if got != want:
            found.append(issues.make("E604", path=name, field=m.field, file=name, tag=m.iim,
                                     actual=_show(got), expected=_show(want), limit=m.iim_bytes))
    for m in crosswalk.load().mappings:
        if m.exif and m.xmp and m.source != "location":
            xmp = tags.get(m.xmp)
            want_text = "; ".join(str(v) for v in (xmp if isinstance(xmp, list) else [xmp] if xmp else []))
            if not want_text:
                continue
            got_text = str(tags.get(m.exif, "") or "")
            if want_text != got_text:
                found.append(issues.make("E609", path=name, field=m.field, file=name, tag=m.exif,
                                         actual=got_text, expected=want_text))
    return found
