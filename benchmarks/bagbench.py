"""Packaging: ``packager bag`` against the do-it-yourself script and ExifTool's own limit.

The three write the same tags: the ones ``packager extract --json`` gives
for each item, plus the two IIM bookkeeping tags the packager adds
(``IPTC:CodedCharacterSet=UTF8``, ``Photoshop:IPTCDigest=new``), always
through a JSON file as the packager does.

- packager: ``packager --quiet bag COLLECTION --out OUT --json``, everything
  it does (copy, embed, read back and verify, prove the pixels, hash,
  sidecars, manifests, validate the finished bag).
- DIY (``diy.py``): copy, one ``exiftool -json=`` process per file, then
  ``bagit.make_bag(..., processes=2)``. ExifTool's start-up (~0.3-0.5 s)
  makes its cost per file, so it runs on the first ``--diy-files`` files of
  the corpus and is compared per file.
- limit: the files already copied (not timed), then one ``exiftool -json=``
  import per worker, two workers side by side, each with half the files and
  one JSON file holding all their entries. Nothing else: the least any
  packager that embeds with ExifTool must spend.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .context import DIY_SCRIPT, Context, issue_counts, read_json, run_bag
from .corpus import Corpus
from .measure import BenchmarkError, Command, Sample, Series, paired_ratio, progress, rounds, run

IIM_MARKS = {"IPTC:CodedCharacterSet": "UTF8", "Photoshop:IPTCDigest": "new"}
WORKERS = 2


def item_tags(ctx: Context, corpus: Corpus, base: Path) -> dict[str, dict[str, Any]]:
    """Each image's tags as the packager would embed them, from ``packager extract --json`` (not timed)."""
    report = base / "extract.json"
    progress(f"extract {corpus.name}: reading the tags with packager extract")
    run(Command(ctx.packager_argv("extract", corpus.folder, "--json"), stdout=report,
                stderr=report.with_suffix(".err"), ok_codes=(0, 1)))
    items = read_json(report, "packager extract").get("items", [])
    tags = {item["file"]: dict(item["tags"]) for item in items if item.get("tags")}
    if len(tags) != corpus.files:
        raise BenchmarkError(f"packager extract gave tags for {len(tags)} of {corpus.files} items; see {report}")
    for values in tags.values():
        if any(tag.startswith("IPTC:") for tag in values):
            values.update(IIM_MARKS)
    return tags


def _write_json(path: Path, entries: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def _diy_tags(base: Path, tags: dict[str, dict[str, Any]], names: list[str]) -> Path:
    folder = base / "diy-tags"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name in names:
        _write_json(folder / f"{name}.json", [{"SourceFile": "*", **tags[name]}])
    return folder


class Limit:
    """ExifTool's batch import, two workers; the copies are made fresh before each run, untimed."""

    def __init__(self, ctx: Context, corpus: Corpus, base: Path, tags: dict[str, dict[str, Any]]) -> None:
        self.ctx, self.corpus, self.base = ctx, corpus, base / "limit"
        names = sorted(tags)
        self.shares = [share for share in (names[w::WORKERS] for w in range(WORKERS)) if share]
        self.base.mkdir(exist_ok=True)
        for w, share in enumerate(self.shares):
            targets = [self._target(w, name) for name in share]
            _write_json(self.base / f"batch-{w}.json",
                        [{"SourceFile": str(t), **tags[name]} for t, name in zip(targets, share, strict=True)])
            (self.base / f"files-{w}.txt").write_text("".join(f"{t}\n" for t in targets), encoding="utf-8")

    def _target(self, worker: int, name: str) -> Path:
        return self.base / f"w{worker}" / name

    def __call__(self) -> Sample:
        for w, share in enumerate(self.shares):
            shutil.rmtree(self.base / f"w{w}", ignore_errors=True)
            (self.base / f"w{w}").mkdir()
            for name in share:
                shutil.copyfile(self.corpus.folder / "images" / name, self._target(w, name))
        commands = [Command([self.ctx.exiftool, "-overwrite_original", f"-json={self.base / f'batch-{w}.json'}",
                             "-@", self.base / f"files-{w}.txt"], stdout=self.base / f"out-{w}.txt",
                            stderr=self.base / f"err-{w}.txt") for w in range(len(self.shares))]
        sample = run(*commands)
        # ExifTool says "N image files updated" on stdout, or on stderr when importing JSON
        updated = sum(_updated(self.base / f"{stream}-{w}.txt") for w in range(len(self.shares))
                      for stream in ("out", "err"))
        if updated != self.corpus.files:
            raise BenchmarkError(f"ExifTool's batch import updated {updated} of {self.corpus.files} files; "
                                 f"see {self.base}/err-*.txt")
        return sample


def _updated(report: Path) -> int:
    for line in report.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split()
        if words[1:4] == ["image", "files", "updated"]:
            return int(words[0])
    return 0


def bench(ctx: Context, corpus: Corpus) -> dict[str, Any]:
    """Packager, DIY and limit on ``corpus``, paired rounds; figures and ratios."""
    base = ctx.folder(corpus.name)
    tags = item_tags(ctx, corpus, base)
    diy_names = sorted(tags)[: max(1, ctx.diy_files)]
    diy_bytes = sum((corpus.folder / "images" / n).stat().st_size for n in diy_names)
    diy_tags = _diy_tags(base, tags, diy_names)
    report, out = base / "packager-bag.json", base / "packager-out"
    diy_bag = base / "diy-bag"

    def diy() -> Sample:
        shutil.rmtree(diy_bag, ignore_errors=True)
        return run(Command([ctx.python, DIY_SCRIPT, corpus.folder / "images", diy_tags, diy_bag],
                           stderr=base / "diy.err"))

    things: dict[str, Callable[[], Sample]] = {"packager": lambda: run_bag(ctx, corpus, out, report), "diy": diy,
              "limit": Limit(ctx, corpus, base, tags)}
    series = {"packager": Series(corpus.files, corpus.bytes), "diy": Series(len(diy_names), diy_bytes),
              "limit": Series(corpus.files, corpus.bytes)}
    by_round = rounds(ctx.repeat, things, series, f"bag {corpus.name}")
    n, n_diy = corpus.files, len(diy_names)
    return {
        "packager": series["packager"].figures() | {"issues": issue_counts(report)},
        "diy": series["diy"].figures(),
        "limit": series["limit"].figures(),
        "ratios": {
            # time of the packager over the limit's on the same files: 1.0 would be ExifTool's own speed
            "packager_over_limit": paired_ratio(by_round, lambda r: r["packager"].seconds / r["limit"].seconds),
            # DIY's time per file over the packager's: how many times faster the packager is
            "speedup_vs_diy": paired_ratio(
                by_round, lambda r: (r["diy"].seconds / n_diy) / (r["packager"].seconds / n)),
        },
    }
