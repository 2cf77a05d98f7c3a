"""Embedding one item: copy its original into the bag, embed, verify, prove the pixels.

The original is only ever read. What the image already carries is weighed
against our record first (:func:`packager.embed.reconcile.complete`), so the
returned item's record, tags and Dublin Core are those of the embedded copy.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from packager import issues
from packager.errors import PackagerError
from packager.files.hashing import copy_with_digests
from packager.files.pixels import pixel_digest
from packager.metadata import crosswalk
from packager.metadata.layout import ALGORITHMS, object_path
from packager.metadata.tagvalues import carries_iim, file_type, iim_by_name
from packager.model import ERROR, IMAGE, Issue, ItemResult, mark

from . import reconcile
from .exiftool import ExifTool


def embed_item(item: ItemResult, original: Path, staged: Path, et: ExifTool) -> ItemResult:
    """Copy ``original`` to ``staged`` (in the bag's staging folder), embed the item's tags there,
    and check them read back and the pixels unchanged; the item as embedded, with its issues.

    A failure is an error issue on the item (E302-E306), never an exception: the
    other items can still be packaged.
    """
    found = list(item.issues)
    try:
        digests = copy_with_digests(original, staged, ALGORITHMS)
    except OSError as exc:  # this item cannot be packaged; the others still can
        found.append(issues.make("E306", path=item.file, file=original, error=f"{type(exc).__name__}: {exc}"))
        return replace(item, issues=tuple(found))
    before = ""
    payload = object_path(item.file)
    embedding: list[Issue] = []
    try:
        before = pixel_digest(staged)
        existing = et.read(staged)
        tags, iim = dict(item.tags), carries_iim(existing)
        if iim != iim_by_name(item.file):  # the name lied about the format
            tags, clipped = crosswalk.to_tags(item.record, iim=iim)
            found = [i for i in found if i.code != "W301"] + clipped
        if not iim:
            found.append(issues.make("W305", path=payload, format=file_type(existing) or "this"))
        record, tags, gone, kept = reconcile.complete(item.record, tags, existing, iim=iim)
        record = mark(record, item.record, IMAGE)  # values kept from the image's own metadata
        item = replace(item, record=record, tags=tags, dublin_core=tuple(crosswalk.to_dc(record)))
        found += kept
        embedding += et.write(staged, tags, delete=gone, existing=existing)
        if not any(i.severity == ERROR for i in found + embedding):
            embedding += et.verify(staged, tags, deleted=gone)
            if pixel_digest(staged) != before:
                embedding.append(issues.make("E304", path=item.file, file=item.file))
    except PackagerError as exc:
        embedding.extend(exc.issues or [issues.make("E302", path=item.file, file=item.file, error=exc.message)])
    found += [_in_bag(i, staged, payload) for i in embedding]
    return replace(item, issues=tuple(found), payload=payload, original_digests=digests, pixel_digest=before)


def _in_bag(issue: Issue, staged: Path, payload: str) -> Issue:
    """The issue naming the file by its path in the bag, not the staging path, which is
    gone once the bag is renamed into place and differs from run to run."""
    where = os.path.abspath(staged)
    return replace(issue, message=issue.message.replace(where, payload),
                   path=payload if issue.path == where else issue.path)
