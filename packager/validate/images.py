"""The images of the metadata layer: what each image embeds, and its pixels.

:mod:`.metacheck` reads the sidecars and works out what each image
should say (:class:`Expectations`: its Dublin Core values from its
metadata.csv row, or from records.json when the row is damaged; its pixel
digest and, in our bags, the tag set records.json says was written). This
module owns everything after that, and never reads a sidecar nor imports
the sidecar modules (:mod:`.metacheck`, :mod:`.metacsv`, :mod:`.sidecars`):

* reading embedded tags through the source's short-lived local copies
  (``source.local_files``), :data:`READ_BATCH` images per reader call, so
  memory stays flat in the number of images;
* matching each result to its image by position and ``System:FileName``; a
  batch the reader fails on, or answers for the wrong files, is retried image
  by image, so one unreadable image is reported on its own (E606) without
  hiding the others;
* comparing the embedded values with the expected ones: Dublin Core elements
  (E603), IIM mirroring XMP (E604), EXIF text equal to XMP (E609), and in our
  bags the whole written tag set (E610); in a foreign bag each is its warning
  twin (W603, W604, W606, W609), an element only one side has is not
  reported, and E610 does not apply;
* decoding the pixels and comparing their digest with records.json's (E607,
  an error in every bag).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
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

#: Images whose embedded tags are read at once: memory stays flat in the number
#: of images, and a batch ExifTool fails on is retried image by image.
READ_BATCH = 100


@dataclass
class Expectations:
    """What each image is checked against."""

    values: dict[str, Pairs]  # payload -> DC values it should embed
    digests: dict[str, str]  # payload -> pixel digest records.json gives
    written: dict[str, dict[str, Any]]  # payload -> tags records.json says were written (ours)

    def wanted(self) -> list[str]:
        return sorted(set(self.values) | set(self.digests))


def check_images(source: BagSource, want: Expectations, read_tags: ReadTags, ours: bool) -> list[Issue]:
    """Pixels and embedded tags of every image, batch by batch through local copies.

    The problems come image by image in path order; ``ours`` (a bag packager
    wrote) makes embedded disagreements errors, otherwise their warning twins.
    """
    names = want.wanted()
    by_image: dict[str, list[Issue]] = {}
    for batch in source.local_files(names):  # each batch's local paths die with the next batch
        for start in range(0, len(batch), READ_BATCH):
            by_image.update(_check_chunk(batch[start:start + READ_BATCH], want, read_tags, ours))
    found: list[Issue] = []
    for name in names:
        if name not in by_image:
            unread = situation("E606", "not_copied", path=name, file=name)
            by_image[name] = [unread if ours else _as_warning(unread)]
        found.extend(by_image[name])
    return found


def _check_chunk(chunk: list[tuple[str, Path]], want: Expectations, read_tags: ReadTags,
                 ours: bool) -> dict[str, list[Issue]]:
    tagged = [(rel, local) for rel, local in chunk if rel in want.values]
    tags_of = dict(zip((rel for rel, _ in tagged), _read_batch(tagged, read_tags), strict=True))
    out: dict[str, list[Issue]] = {}
    for rel, local in chunk:
        found = _check_pixels(rel, local, want.digests[rel]) if rel in want.digests else []
        if rel in tags_of:
            embedded = _check_one_image(rel, want.values[rel], tags_of[rel], ours=ours)
            tags = tags_of[rel]
            if rel in want.written and isinstance(tags, dict) and not tags.get("ExifTool:Error"):
                embedded += _compare_written(rel, want.written[rel], tags)
            found += embedded if ours else [_as_warning(i) for i in embedded]
        out[rel] = found
    return out


def _as_warning(issue: Issue) -> Issue:
    """The warning twin (W603, W604, W606, W609) of an embedded-metadata error."""
    return replace(issue, code="W" + issue.code[1:], severity=WARNING,
                   message=issue.message + " (bag not written by packager)")


def _check_pixels(payload: str, local: Path, expected: str) -> list[Issue]:
    try:
        actual = pixel_digest(local, like=expected)
    except PackagerError as exc:
        cause = exc.__cause__
        why = f"{type(cause).__name__}: {cause}" if cause else exc.message
        return [situation("E606", "undecodable", path=payload, file=payload, why=_named(why, local, payload))]
    if actual != expected:
        return [issues.make("E607", path=payload, file=payload, actual=actual[:16], expected=expected[:16])]
    return []


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
    iim_present = any(key.startswith("IPTC:") for key in tags)
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
