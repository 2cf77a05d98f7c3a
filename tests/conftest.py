"""Shared fixtures: the sample collection packaged once per test session."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import cluster

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "collection"
DATA = ROOT / "tests" / "data"
CONFORMANCE = DATA / "conformance"  # vendored third-party test data, bytes unchanged


def write_captions(root: Path, captions: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
    """``root/captions.csv``: a filename,caption header and one row per caption, written by the csv
    module (which quotes fields holding commas, quotes or line breaks)."""
    with open(root / "captions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["filename", "caption"])
        writer.writerows(captions.items() if isinstance(captions, Mapping) else captions)


def write_csv_collection(root: Path, captions: Mapping[str, str] | Iterable[tuple[str, str]], identifier: str,
                         title: str, *, collection: str = "", after: str = "") -> Path:
    """A collection.toml naming ``captions.csv`` and ``images/`` (the caller makes the images), and
    the captions; ``collection`` adds lines to its [collection] table, ``after`` tables after [source]."""
    write_captions(root, captions)
    (root / "collection.toml").write_text(
        f'[collection]\nidentifier = "{identifier}"\ntitle = "{title}"\n{collection}\n'
        '[source]\ncaptions = "captions.csv"\nimages = "images"\n' + after, encoding="utf-8")
    return root


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str | Path, cwd: Path | None = None) -> CliResult:
    """Run ``python -m packager`` as a user would, in a subprocess."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "packager", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=600)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def tree_digest(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime under a folder (to prove nothing changed)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class PackagedSample:
    collection: Path
    before: dict[str, tuple[bytes, int]]
    out: Path
    result: CliResult


@pytest.fixture(scope="session")
def packaged_sample(tmp_path_factory: pytest.TempPathFactory) -> PackagedSample:
    """The sample collection copied to a temp folder and packaged once with the CLI."""
    base = tmp_path_factory.mktemp("sample")
    collection = base / "collection"
    shutil.copytree(COLLECTION, collection)
    before = tree_digest(collection)
    out = base / "bags"
    result = run_cli("bag", collection, "--out", out, "--json")
    return PackagedSample(collection=collection, before=before, out=out, result=result)


@pytest.fixture
def sample_bag(packaged_sample: PackagedSample, tmp_path: Path) -> Path:
    """A private copy of the packaged sample bag, free to tamper with."""
    assert packaged_sample.result.code == 0, packaged_sample.result.stderr
    (bag,) = [p for p in packaged_sample.out.iterdir()]
    copy = tmp_path / bag.name
    shutil.copytree(bag, copy)
    return copy


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address (``tcp://127.0.0.1:PORT``) of a real Dask cluster: a ``dask scheduler`` and two
    single-threaded worker processes, started once for the session (see tests/cluster.py)."""
    if not cluster.have_distributed():
        pytest.skip("distributed is not installed (pip install 'packager[dask]')")
    with cluster.running(tmp_path_factory.mktemp("dask")) as address:
        yield address
