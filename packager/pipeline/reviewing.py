"""``packager review``: the review sheet written, keeping the archivist's edits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packager.errors import UsageError
from packager.model import ERROR, Issue
from packager.review import cells as sheet_mod
from packager.review import sheet as review

from .extraction import _finished, _reviewed, analyse_collection, config_mod, load_config


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
