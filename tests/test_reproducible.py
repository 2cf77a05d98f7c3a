"""The same inputs give the same bag, byte for byte, whatever runs the work.

One worker, four workers and a real Dask cluster (scheduler and two workers as
separate processes) bag the sample collection with the same bagging date; the
bags must not differ in a single byte, and must carry no path of this machine.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest

from packager import pipeline
from packager.errors import UsageError

from .conftest import COLLECTION

DATE = datetime.date(2024, 2, 29)


def files_of(bag: Path) -> dict[str, bytes]:
    return {p.relative_to(bag).as_posix(): p.read_bytes() for p in sorted(bag.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def one_worker_bag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = pipeline.build_bag(COLLECTION, tmp_path_factory.mktemp("one"), workers=1, bagging_date=DATE)
    assert run.ok and run.bag is not None
    return run.bag


def test_four_workers_make_the_same_bag_as_one(one_worker_bag: Path, tmp_path: Path) -> None:
    run = pipeline.build_bag(COLLECTION, tmp_path, workers=4, bagging_date=DATE)
    assert run.ok and run.bag is not None
    assert files_of(run.bag) == files_of(one_worker_bag)


def test_a_dask_cluster_makes_the_same_bag(one_worker_bag: Path, tmp_path: Path, dask_scheduler: str) -> None:
    run = pipeline.build_bag(COLLECTION, tmp_path, scheduler=dask_scheduler, bagging_date=DATE)
    assert run.ok and run.bag is not None
    ours, theirs = files_of(run.bag), files_of(one_worker_bag)
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


def test_the_bagging_date_is_the_one_date_the_bag_carries(one_worker_bag: Path) -> None:
    info = (one_worker_bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "Bagging-Date: 2024-02-29\n" in info
    today = datetime.date.today().isoformat()
    assert not [name for name, data in files_of(one_worker_bag).items() if today.encode() in data]


def test_no_path_of_this_machine_enters_the_bag(one_worker_bag: Path, tmp_path: Path) -> None:
    moved = tmp_path / "somewhere" / "else"
    shutil.copytree(COLLECTION, moved)
    run = pipeline.build_bag(moved, tmp_path / "bags", workers=2, bagging_date=DATE)
    assert run.ok and run.bag is not None
    assert files_of(run.bag) == files_of(one_worker_bag)  # the folder it was made from leaves no trace
    for name, data in files_of(run.bag).items():
        for path in (str(moved), str(COLLECTION), str(tmp_path)):
            assert path.encode() not in data, (name, path)
    records = (run.bag / "data/metadata/records.json").read_text(encoding="utf-8")
    assert '"caption_source": "captions.txt"' in records


def test_source_date_epoch_pins_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709164800")  # 2024-02-29T00:00:00Z
    assert pipeline.resolve_bagging_date() == DATE
    assert pipeline.resolve_bagging_date(datetime.date(2001, 1, 2)) == datetime.date(2001, 1, 2)  # given wins
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        pipeline.resolve_bagging_date()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert pipeline.resolve_bagging_date() == datetime.date.today()
