"""A bag run measures each thing once: probes overlap the analysis, the check after
writing reuses what the run measured, and memory does not grow with the items."""

from __future__ import annotations

import datetime
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from packager import pipeline
from packager.embed import batch
from packager.embed.exiftool import ExifTool
from packager.files.exiftool import ExifToolSession
from packager.model import ItemResult
from packager.validate import images as validate_images

from .conftest import COLLECTION, ROOT

DATE = datetime.date(2025, 6, 1)
CONFIG = """[collection]
identifier = "many"
title = "Many small images"
language = "en"
rights = "Generated test data"
[source]
captions = "captions.txt"
images = "images"
pattern = "img-{n:04d}.jpg"
"""
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zu", "pe", "da", "fi")


def many(folder: Path, count: int) -> Path:
    """``count`` small distinct JPEGs with distinct captions (seeded)."""
    rng = random.Random(count)
    (folder / "images").mkdir(parents=True)
    (folder / "collection.toml").write_text(CONFIG, encoding="utf-8")
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(3))

    # distinct captions that share no phrase, as in a real collection (no near-duplicates)
    lines = [" ".join(word() for _ in range(10)).capitalize() + "." for _ in range(count)]
    (folder / "captions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for n in range(1, count + 1):
        Image.new("RGB", (32, 24), tuple(rng.randrange(256) for _ in range(3))).save(
            folder / "images" / f"img-{n:04d}.jpg", quality=80)
    return folder


def test_the_check_after_writing_reads_no_image_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_start = ExifToolSession.start

    def no_session(self: ExifToolSession) -> None:
        if type(self) is ExifToolSession:  # the embedding's ExifTool (a subclass) may start
            raise AssertionError("the check after writing started an ExifTool of its own")
        real_start(self)

    def no_pixels(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the check after writing measured pixels again")

    monkeypatch.setattr(ExifToolSession, "start", no_session)
    monkeypatch.setattr(validate_images, "pixel_digest", no_pixels)
    run = pipeline.build_bag(COLLECTION, tmp_path, bagging_date=DATE)
    assert run.ok and run.validation is not None
    assert run.validation.metadata_checked and run.validation.incomplete is None
    assert "metadata" in run.validation.layers


def test_the_check_after_writing_still_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-back that disagrees with the sidecars is caught by the check after writing."""
    real = batch.embed_batch

    def lying(job: batch.Job, et: ExifTool) -> list[batch.Embedded]:
        out = real(job, et)
        return [batch.Embedded(e.item, e.digests, e.size, e.mtime_ns,
                               {**e.read_back, "XMP-dc:Title": "not what was written"}, e.octets) for e in out]

    monkeypatch.setattr(batch, "embed_batch", lying)
    run = pipeline.build_bag(COLLECTION, tmp_path, bagging_date=DATE)
    assert run.bag is not None and run.validation is not None and not run.ok
    assert {p.code for p in run.validation.problems} >= {"E603"}


def test_originals_are_probed_while_the_captions_are_analysed(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = batch._read_each

    def counting(et: ExifTool, paths: list[Path]) -> list[dict[str, Any]]:
        read.extend(p.parent.name for p in paths)
        return real(et, paths)

    monkeypatch.setattr(batch, "_read_each", counting)
    run = pipeline.build_bag(COLLECTION, tmp_path, bagging_date=DATE, workers=2)
    assert run.ok
    assert read.count("images") == 25  # each original probed once
    assert read.count("objects") == 25  # each copy read once, after writing; never probed again


def test_a_probe_of_an_original_that_changed_since_is_not_used(tmp_path: Path) -> None:
    item = pipeline.extract(COLLECTION).items[0]
    original = COLLECTION / "images" / item.file
    stale = batch.Probe({"XMP-dc:Creator": ["Somebody Else"], "File:FileType": "JPEG"}, 1, 1)
    (tmp_path / "objects").mkdir()
    with ExifTool() as et:
        done = batch.embed_batch(batch.Job((item,), (str(original),), (str(tmp_path / "objects" / item.file),),
                                           (stale,)), et)[0]
    assert not done.failed
    assert "Somebody Else" not in repr(done.item.record)  # read again from the copy, not taken from the probe
    assert done.read_back["XMP-dc:Title"] == done.item.tags["XMP-dc:Title"]


MEASURE = """
import json, sys, tracemalloc
from pathlib import Path
from packager.analysis import vocab
from packager.pipeline import bagging, staging
from packager.validate import folder, images
from tests.test_bag_run import DATE, many
staging.BATCH = images.READ_BATCH = folder.LOCAL_BATCH = 8
work, peaks = Path(sys.argv[1]), {}
vocab.gazetteer()  # what is loaded once per process (reference data, schemas), before both runs
bagging.build_bag(many(work / "warm", 5), work / "warm-bags", bagging_date=DATE, workers=2)
for count in (60, 240):
    tracemalloc.start()
    run = bagging.build_bag(many(work / f"c{count}", count), work / f"bags{count}", bagging_date=DATE, workers=2)
    peaks[count] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert run.ok, run.validation.problems[:3] if run.validation else run.bag
print(json.dumps(peaks))
"""


def test_memory_of_a_bag_run_does_not_grow_with_its_items(tmp_path: Path) -> None:
    """Python's own allocations (tracemalloc, not the noisy resident size), in a fresh
    process (threads left by other tests would allocate as time passes): 240 items may
    cost little more than 60 did. What must stay per item (its manifest digests, pixel
    digest and offsets on disk) is about 1 KB; an item held in memory costs about 7 KB
    and its records.json entry as much again (the run before this change grew by 33 to
    41 KB per item); measured here 3.5 KB alone and up to 8.7 KB inside a full suite
    run, so the bound sits at 16 KB, well below a run that keeps its items. Batches grow with the collection up to ``BATCH`` items (so that a
    few items still keep every worker busy), and so do the check's chunks of images;
    the caps are lowered in the child so that both runs have as many items in flight,
    as runs of thousands do."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr[-2000:]
    peaks = {int(k): v for k, v in json.loads(done.stdout).items()}
    per_item = (peaks[240] - peaks[60]) / 180
    assert per_item < 16_000, f"{per_item:.0f} bytes more per item"


def test_items_of_a_bag_run_are_read_back_from_disk(tmp_path: Path) -> None:
    collection = many(tmp_path / "c", 5)
    run = pipeline.build_bag(collection, tmp_path / "bags", bagging_date=DATE)
    assert run.ok
    assert type(run.items).__name__ == "Spool" and len(run.items) == 5
    assert all(isinstance(i, ItemResult) for i in run.items)
    assert [i.file for i in run.items] == [f"img-{n:04d}.jpg" for n in range(1, 6)]
    shutil.rmtree(tmp_path / "bags")


def test_bag_json_streams_its_items_and_prints_the_same_document() -> None:
    from packager.cli import render

    items = [{"identifier": "a", "tags": {"XMP-dc:Title": "é"}, "issues": []}, {"identifier": "b", "tags": {}}]
    document = {"command": "bag", "ok": True, "items": items, "issues": [], "summary": {"items": 2}}
    for given in (items, []):
        parts: list[str] = []
        render.write_json({**document, "items": render.LazyItems(iter(given), dict)}, parts.append)
        assert "".join(parts) == render.to_json({**document, "items": given}) + "\n"
        assert len(parts) == len(given) + 2  # the head, each item on its own, the tail


def test_the_bag_is_checked_under_its_staging_name_and_named_only_when_valid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from packager.pipeline import staging

    out, seen = tmp_path / "bags", []
    real = staging.validate

    def watching(bag: Path, **kwargs: Any) -> Any:
        seen.append((bag.name, sorted(p.name for p in out.iterdir())))
        return real(bag, **kwargs)

    monkeypatch.setattr(staging, "validate", watching)
    run = pipeline.build_bag(COLLECTION, out, bagging_date=DATE)
    assert run.ok and run.bag == out / "surveillance-china-photo-essay"
    name = run.bag.name
    assert seen == [(f"{name}.partial", [f".{name}.lock", f"{name}.partial"])]  # checked before it had its name
    assert run.validation is not None and run.validation.path == run.bag and run.validation.bagit.name == name
    assert sorted(p.name for p in out.iterdir()) == [name]


def test_an_interrupt_during_the_check_leaves_no_bag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or a kill that Python sees) while the new bag is being checked: before this change the
    bag had already taken its name, so a finished-looking bag that was never checked stayed behind
    and the next run refused it (E401)."""
    from packager.pipeline import staging

    def interrupted(bag: Path, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(staging, "validate", interrupted)
    out = tmp_path / "bags"
    with pytest.raises(KeyboardInterrupt):
        pipeline.build_bag(COLLECTION, out, bagging_date=DATE)
    assert not out.exists()  # no bag, no staging folder, no lock: the folder made for them is gone too
    monkeypatch.undo()
    assert pipeline.build_bag(COLLECTION, out, bagging_date=DATE).ok  # the next run is not refused


def test_a_bag_that_fails_its_own_check_never_takes_its_name(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace as swap

    from packager import issues
    from packager.pipeline import staging

    real = staging.validate

    def broken(bag: Path, **kwargs: Any) -> Any:
        return swap(real(bag, **kwargs), problems=(issues.make("E501", problem="pretend it is broken"),))

    monkeypatch.setattr(staging, "validate", broken)
    out = tmp_path / "bags"
    run = pipeline.build_bag(COLLECTION, out, bagging_date=DATE)
    assert not run.ok and run.bag == out / ".surveillance-china-photo-essay.rejected"
    assert sorted(p.name for p in out.iterdir()) == [".surveillance-china-photo-essay.rejected"]
    assert (run.bag / "bagit.txt").is_file()  # kept whole, for inspection
