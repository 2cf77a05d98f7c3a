"""The benchmark runs end to end at a tiny scale and reports every figure it promises.

Nothing here is about speed: the figures must be there, positive, and the
ratios must be the ratios of the times they are made of (benchmarks/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from .conftest import ROOT

MEASURED = ("files", "bytes", "seconds", "files_per_s", "mb_per_s", "ms_per_file", "peak_rss_mb")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    base = tmp_path_factory.mktemp("benchmark")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--small", "6", "--large", "1", "--large-size", "640x480",
         "--repeat", "1", "--scales", "4,8", "--diy-files", "3", "--cache", str(base / "cache"),
         "--work", str(base / "work"), "--json", str(base / "figures.json"),
         "--packager", f"{sys.executable} -m packager"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((base / "figures.json").read_text(encoding="utf-8")), done.stdout


def check_measured(figures: dict[str, Any]) -> None:
    for key in MEASURED:
        assert figures[key] > 0, (key, figures)
    assert len(figures["samples_s"]) == len(figures["samples_peak_rss_mb"]) == 1
    seconds = figures["seconds"]
    assert figures["files_per_s"] == pytest.approx(figures["files"] / seconds, rel=1e-2)
    assert figures["mb_per_s"] == pytest.approx(figures["bytes"] / 1e6 / seconds, rel=1e-2)
    assert figures["ms_per_file"] == pytest.approx(seconds / figures["files"] * 1000, rel=1e-2)


def check_ratio(ratio: dict[str, Any], expected: float) -> None:
    assert ratio["median"] > 0
    assert ratio["rounds"] == [ratio["median"]]  # one round: the median is that round's ratio
    assert ratio["median"] == pytest.approx(expected, rel=1e-2)


def per_file(figures: dict[str, Any]) -> float:
    return float(figures["seconds"]) / figures["files"]


def test_the_run_and_its_corpora_are_described(run: tuple[dict[str, Any], str]) -> None:
    figures, table = run
    meta = figures["benchmark"]
    assert meta["repeat"] == 1 and meta["cpus"] >= 1 and meta["total_s"] > 0
    assert meta["exiftool_version"] != "unknown" and meta["bagit_version"] == "1.9.0"
    assert figures["corpora"]["small"]["files"] == 6 and figures["corpora"]["large"]["files"] == 1
    assert all(c["bytes"] > 0 for c in figures["corpora"].values())
    for heading in ("packaging", "validation", "several sizes", "peak MB"):
        assert heading in table


def test_packaging_figures(run: tuple[dict[str, Any], str]) -> None:
    figures, _ = run
    for corpus in ("small", "large"):
        bag = figures["bag"][corpus]
        for thing in ("packager", "diy", "limit"):
            check_measured(bag[thing])
        assert bag["packager"]["files"] == bag["limit"]["files"] == figures["corpora"][corpus]["files"]
        assert bag["diy"]["files"] == min(3, bag["packager"]["files"])
        check_ratio(bag["ratios"]["packager_over_limit"], bag["packager"]["seconds"] / bag["limit"]["seconds"])
        check_ratio(bag["ratios"]["speedup_vs_diy"], per_file(bag["diy"]) / per_file(bag["packager"]))


def test_validation_figures(run: tuple[dict[str, Any], str]) -> None:
    figures, _ = run
    for corpus in ("small", "large"):
        v = figures["validate"][corpus]
        for thing in ("no_metadata", "full", "bagit", "hash_limit", "exiftool_read"):
            check_measured(v[thing])
        assert v["exiftool_read"]["files"] == figures["corpora"][corpus]["files"]  # the images
        assert v["full"]["files"] > v["exiftool_read"]["files"]  # images and sidecars
        ratios = v["ratios"]
        check_ratio(ratios["no_metadata_speedup_vs_bagit"], v["bagit"]["seconds"] / v["no_metadata"]["seconds"])
        check_ratio(ratios["no_metadata_over_hash_limit"], v["no_metadata"]["seconds"] / v["hash_limit"]["seconds"])
        check_ratio(ratios["full_over_limits"],
                    v["full"]["seconds"] / (v["hash_limit"]["seconds"] + v["exiftool_read"]["seconds"]))


def test_scaling_figures(run: tuple[dict[str, Any], str]) -> None:
    figures, _ = run
    scale = figures["scale"]
    points = {p["files"]: p for p in scale["points"]}
    assert scale["smallest"] == 4 and sorted(points) == [4, 8]
    for point in points.values():
        check_measured(point)
    check_ratio(points[4]["s_per_file_vs_smallest"], 1.0)
    check_ratio(points[8]["s_per_file_vs_smallest"], per_file(points[8]) / per_file(points[4]))
    assert points[8]["peak_vs_smallest"] == pytest.approx(points[8]["peak_rss_mb"] / points[4]["peak_rss_mb"], rel=1e-2)
    assert points[8]["marginal_ms_per_file"]["median"] == pytest.approx(
        (points[8]["seconds"] - points[4]["seconds"]) / 4 * 1000, rel=1e-2, abs=1e-2)
