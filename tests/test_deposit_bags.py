"""The sample bagged for a repository: to the APTrust profile as a tar, and split into a bag group.

Read as a receiver would: bagit 1.9.0 on the extracted bags, our validator with the same profile,
and the group checked as a whole. Real ExifTool throughout.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
from pathlib import Path

import bagit
import pytest

from .conftest import COLLECTION, run_cli

IDENTIFIER = "surveillance-china-photo-essay"
APTRUST = "https://raw.githubusercontent.com/APTrust/preservation-services/master/profiles/aptrust-v2.3.json"
DATE = "2026-12-03"


def _bag_info(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        label, _, value = line.partition(": ")
        found.setdefault(label, []).append(value)
    return found


@pytest.fixture(scope="module")
def aptrust_tar(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("aptrust")
    result = run_cli("bag", COLLECTION, "--out", out, "--profile", "aptrust", "--bagging-date", DATE, "--json")
    assert result.code == 0, result.stdout[-3000:] + result.stderr
    return out, result.json()


def test_aptrust_bag_is_one_tar_named_after_its_folder(aptrust_tar: tuple[Path, dict[str, object]]) -> None:
    out, document = aptrust_tar
    assert sorted(p.name for p in out.iterdir()) == [f"{IDENTIFIER}.tar"]  # no folder, no .partial left
    assert document["bag"] == str(out / f"{IDENTIFIER}.tar")
    validation = document["validation"]
    assert isinstance(validation, dict)
    assert validation["valid"] is True and validation["errors"] == 0 and validation["warnings"] == 0
    assert validation["serialization"] == "application/tar" and validation["bag_name"] == IDENTIFIER
    assert APTRUST in str(validation["profile"])
    with tarfile.open(out / f"{IDENTIFIER}.tar") as tar:
        members = tar.getmembers()
    assert [m.name for m in members[:2]] == [IDENTIFIER, f"{IDENTIFIER}/bagit.txt"]
    assert all(m.name == IDENTIFIER or m.name.startswith(IDENTIFIER + "/") for m in members)
    assert {m.mtime for m in members} == {1796256000}  # 2026-12-03T00:00:00Z
    names = {m.name[len(IDENTIFIER) + 1:] for m in members}
    assert {"manifest-md5.txt", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
            "tagmanifest-sha512.txt", "aptrust-info.txt", "data/metadata/mets.xml"} <= names


def test_aptrust_bag_reads_with_bagit_and_our_validator(aptrust_tar: tuple[Path, dict[str, object]],
                                                        tmp_path: Path) -> None:
    out, _ = aptrust_tar
    with tarfile.open(out / f"{IDENTIFIER}.tar") as tar:
        tar.extractall(tmp_path, filter="data")
    folder = tmp_path / IDENTIFIER
    bag = bagit.Bag(str(folder))
    bag.validate()  # raises when invalid
    assert set(bag.algorithms) == {"md5", "sha256", "sha512"}
    assert bag.info["BagIt-Profile-Identifier"] == APTRUST
    assert (folder / "aptrust-info.txt").read_text(encoding="utf-8") == (
        "Access: Restricted\nTitle: Surveillance in China: a photo essay\nStorage-Option: Standard\n")
    image = folder / "data" / "objects" / "Surv - 001.jpg"
    md5 = hashlib.md5(image.read_bytes()).hexdigest()  # noqa: S324 - APTrust's required manifest
    assert f"{md5}  data/objects/Surv - 001.jpg" in (folder / "manifest-md5.txt").read_text(encoding="utf-8")
    checked = run_cli("validate", out / f"{IDENTIFIER}.tar", "--profile", "aptrust", "--json")
    assert checked.code == 0 and checked.json()["valid"] is True, checked.stdout[-2000:]
    # the folder alone is not what APTrust takes: the profile's serialization rule says so
    folder_check = run_cli("validate", folder, "--profile", "aptrust", "--json")
    assert folder_check.code == 1
    assert [p["code"] for p in folder_check.json()["problems"] if p["severity"] == "error"] == ["E537"]


def test_aptrust_tar_is_reproducible(aptrust_tar: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = aptrust_tar
    again = run_cli("-q", "bag", COLLECTION, "--out", tmp_path, "--profile", "aptrust", "--bagging-date", DATE)
    assert again.code == 0, again.stderr
    assert (tmp_path / f"{IDENTIFIER}.tar").read_bytes() == (out / f"{IDENTIFIER}.tar").read_bytes()


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("group")
    result = run_cli("bag", COLLECTION, "--out", out, "--max-bag-size", "1MB", "--bagging-date", DATE, "--json")
    assert result.code == 0, result.stdout[-3000:] + result.stderr
    return out, result.json()


def test_group_bags_hold_every_item_once_under_the_size(group: tuple[Path, dict[str, object]]) -> None:
    out, document = group
    names = sorted(p.name for p in out.iterdir())
    count = len(names)
    assert count >= 3
    assert names == [f"{IDENTIFIER}.b{k:03d}.of{count:03d}" for k in range(1, count + 1)]
    listed = document["group"]
    assert isinstance(listed, list) and [Path(g["bag"]).name for g in listed] == names
    assert all(g["validation"]["valid"] for g in listed)
    seen: list[str] = []
    for k, name in enumerate(names, start=1):
        bag = out / name
        size = sum(p.stat().st_size for p in bag.rglob("*") if p.is_file())
        assert size <= 1_000_000
        info = _bag_info((bag / "bag-info.txt").read_text(encoding="utf-8"))
        assert info["Bag-Group-Identifier"] == [IDENTIFIER] and info["Bag-Count"] == [f"{k} of {count}"]
        assert (bag / "data" / "metadata" / "dc" / "collection.xml").is_file()
        assert (bag / "data" / "metadata" / "mets.xml").is_file()
        bagit.Bag(str(bag)).validate()
        seen += sorted(p.name for p in (bag / "data" / "objects").iterdir())
    assert seen == sorted(p.name for p in (COLLECTION / "images").iterdir())  # every item once, in order
    assert document["summary"]["packaged"] == 25  # type: ignore[index]


def test_group_validates_as_a_group(group: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = group
    checked = run_cli("validate", out, "--json")
    assert checked.code == 0, checked.stdout[-2000:]
    # one bag missing: the group is incomplete
    copy = tmp_path / "bags"
    shutil.copytree(out, copy)
    second = sorted(copy.iterdir())[1]
    shutil.rmtree(second)
    incomplete = run_cli("validate", copy, "--json")
    assert incomplete.code == 1
    assert "E544" in incomplete.stdout


def test_group_as_tars_and_replaced(tmp_path: Path) -> None:
    first = run_cli("-q", "bag", COLLECTION, "--out", tmp_path, "--max-bag-size", "1MB", "--serialize", "tar",
                    "--bagging-date", DATE)
    assert first.code == 0, first.stderr
    tars = sorted(tmp_path.iterdir())
    assert len(tars) >= 3 and all(p.suffix == ".tar" and p.stat().st_size <= 1_000_000 for p in tars)
    again = run_cli("-q", "bag", COLLECTION, "--out", tmp_path, "--max-bag-size", "1MB", "--serialize", "tar",
                    "--bagging-date", DATE)
    assert again.code == 1 and "E401" in again.stderr  # the group is there: not overwritten
    replaced = run_cli("-q", "bag", COLLECTION, "--out", tmp_path, "--max-bag-size", "1MB", "--serialize", "tar",
                       "--bagging-date", DATE, "--replace")
    assert replaced.code == 0, replaced.stderr
    assert sorted(tmp_path.iterdir()) == tars  # the same names, nothing set aside left over


def test_an_item_larger_than_the_size_is_named(tmp_path: Path) -> None:
    result = run_cli("bag", COLLECTION, "--out", tmp_path / "bags", "--max-bag-size", "100KB", "--json")
    assert result.code == 1
    document = result.json()
    assert [i["code"] for i in document["issues"]] == ["E410"]
    assert document["error"]["message"].startswith("Surv - 001.jpg cannot be split into bags of at most 100.0 KB: "
                                                    "it needs about 2")
    assert not (tmp_path / "bags").exists()


def test_an_interrupt_while_the_archive_is_written_leaves_nothing(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    from packager import pipeline
    from packager.pipeline import staging

    real = staging.serialize

    def interrupted(folder: Path, target: Path, *args: object, **kwargs: object) -> int:
        assert target.parent.name == f".{IDENTIFIER}.tar.partial" and target.name == f"{IDENTIFIER}.tar"
        real(folder, target, *args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # the archive is whole, but not yet checked

    monkeypatch.setattr(staging, "serialize", interrupted)
    out = tmp_path / "bags"
    with pytest.raises(KeyboardInterrupt):
        pipeline.build_bag(COLLECTION, out, serialize="tar", bagging_date=datetime.date(2026, 12, 3))
    assert not out.exists()  # no archive, no staging folder, no lock


def test_an_archive_that_fails_its_check_is_kept_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime
    from dataclasses import replace as swap

    from packager import issues, pipeline
    from packager.pipeline import staging

    real = staging.validate

    def broken(bag: Path, **kwargs: object) -> object:
        report = real(bag, **kwargs)  # type: ignore[arg-type]
        if bag.suffix == ".tar":
            return swap(report, problems=(issues.make("E501", problem="pretend the archive is broken"),))
        return report

    monkeypatch.setattr(staging, "validate", broken)
    out = tmp_path / "bags"
    run = pipeline.build_bag(COLLECTION, out, serialize="tar", bagging_date=datetime.date(2026, 12, 3))
    assert not run.ok and run.bag == out / f".{IDENTIFIER}.tar.rejected"
    assert sorted(p.name for p in out.iterdir()) == [f".{IDENTIFIER}.tar.rejected"]
