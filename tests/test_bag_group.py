"""`packager validate` on a bag group: several bags that hold one collection together.

The bags are written here by the real writer (``pipeline.build_bag``, real
ExifTool), each from a collection folder holding part of one small fixture
collection (fixed-seed images), with ``Bag-Group-Identifier`` and
``Bag-Count`` in the collection's ``[bag-info]`` table. Variants (another
total, another group, no Bag-Count...) change bag-info.txt of a copy and
bring its tag manifests in line, as a depositor's tool would: only the group
is wrong, each bag stays valid on its own.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import shutil
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from packager import pipeline
from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK
from packager.validate.group import find_bags, holds_bags, validate_group

from .conftest import run_cli, write_csv_collection
from .test_validate_cli import run_without_exiftool

DATE = datetime.date(2025, 6, 1)
GROUP = "grp"
SEED = 1342
#: The fixture collection: file name -> caption, split into three bags below.
CAPTIONS = {
    "a-01.jpg": "A red kite circles over a hayfield near a farm.",
    "a-02.jpg": "Fishing boats moored in a harbour at low tide.",
    "a-03.jpg": "A steam train crosses a stone viaduct in the rain.",
    "a-04.jpg": "Children fly paper lanterns at a village festival.",
    "a-05.jpg": "A lighthouse keeper paints the lamp room railing.",
    "a-06.jpg": "Market stalls selling cheese under striped awnings.",
    "A 01.jpg": "An old windmill with torn sails on a grey morning.",
}
PARTS = {1: ["a-01.jpg", "a-02.jpg"], 2: ["a-03.jpg"], 3: ["a-04.jpg", "a-05.jpg"]}


def image(path: Path, name: str) -> None:
    """A small JPEG whose pixels depend only on ``name`` (the same file in any bag)."""
    rng = random.Random(f"{SEED}:{name}")
    picture = Image.new("RGB", (24, 16))
    picture.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(24 * 16)])
    picture.save(path, "JPEG", quality=85)


def build(base: Path, identifier: str, files: list[str], fields: Mapping[str, str]) -> Path:
    """Write a collection of ``files`` with ``fields`` in [bag-info], and bag it with the real writer."""
    root = base / "collections" / identifier
    (root / "images").mkdir(parents=True)
    for name in files:
        image(root / "images" / name, name)
    table = "[bag-info]\n" + "".join(f'{label} = "{value}"\n' for label, value in fields.items())
    write_csv_collection(root, {name: CAPTIONS[name] for name in files}, identifier, "Group test collection",
                         collection='language = "en"\nrights = "Generated test data"\n', after=table)
    run = pipeline.build_bag(root, base / "bags", workers=1, bagging_date=DATE)
    assert run.ok and run.bag is not None, run.validation.problems if run.validation else run.bag_issues
    return run.bag


@dataclass
class Built:
    parts: dict[int, Path]  # "grp.b00K.of003", K of 3
    extra: Path  # another bag that says it is 2 of 3 (a-06.jpg)
    dup: Path  # says 3 of 3, holds a-02.jpg again and "A 01.jpg" (identifier a-01, another path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("group")
    parts = {k: build(base, f"{GROUP}.b{k:03d}.of003", files,
                      {"Bag-Group-Identifier": GROUP, "Bag-Count": f"{k} of 3"}) for k, files in PARTS.items()}
    extra = build(base, "grp-extra", ["a-06.jpg"], {"Bag-Group-Identifier": GROUP, "Bag-Count": "2 of 3"})
    dup = build(base, "grp-dup", ["a-02.jpg", "A 01.jpg"], {"Bag-Group-Identifier": GROUP, "Bag-Count": "3 of 3"})
    return Built(parts, extra, dup)


@pytest.fixture
def group(built: Built, tmp_path: Path) -> dict[int, Path]:
    """A private copy of the three bags of the group, in one folder, free to change."""
    folder = tmp_path / "deposit"
    folder.mkdir()
    return {k: Path(shutil.copytree(bag, folder / bag.name)) for k, bag in built.parts.items()}


def set_fields(bag: Path, fields: Mapping[str, str | None]) -> None:
    """Put ``fields`` first in bag-info.txt (None: remove the label), and update the tag manifests' lines for it."""
    info = bag / "bag-info.txt"
    kept = [line for line in info.read_text(encoding="utf-8").splitlines()
            if line.split(":", 1)[0].lower() not in {label.lower() for label in fields}]
    added = [f"{label}: {value}" for label, value in fields.items() if value is not None]
    info.write_text("\n".join(added + kept) + "\n", encoding="utf-8")
    for algorithm in ("sha256", "sha512"):
        manifest = bag / f"tagmanifest-{algorithm}.txt"
        digest = hashlib.new(algorithm, info.read_bytes()).hexdigest()
        lines = [f"{digest}  bag-info.txt" if line.endswith("  bag-info.txt") else line
                 for line in manifest.read_text(encoding="utf-8").splitlines()]
        manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def codes(found: Any) -> dict[str, list[dict[str, Any]]]:
    """Issues of a JSON document (or a report's issues) by code."""
    out: dict[str, list[dict[str, Any]]] = {}
    for issue in found:
        entry = issue if isinstance(issue, dict) else issue.to_dict()
        out.setdefault(entry["code"], []).append(entry)
    return out


def group_codes(*paths: Path, **options: Any) -> tuple[bool, dict[str, list[dict[str, Any]]], Any]:
    report = validate_group(paths, **options)
    assert all(bag.valid for bag in report.bags), [p for b in report.bags for p in b.problems]
    return report.valid, codes(report.problems), report


# --- a complete group --------------------------------------------------------------------------------

def test_a_complete_folder_of_bags_is_valid_as_text_and_json(group: dict[int, Path]) -> None:
    folder = group[1].parent
    assert holds_bags(folder) and find_bags(folder) == [group[1], group[2], group[3]]
    result = run_cli("validate", folder)
    assert result.code == EXIT_OK, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "bag group 'grp': VALID (3 of 3 bags, each valid; 0 errors, 0 warnings in the group check)"
    assert [line.split(": ")[-1].split(" (")[0] for line in lines if line.startswith(str(folder))] == ["VALID"] * 3

    doc = run_cli("validate", folder, "--json").json()
    assert doc["command"] == "validate" and doc["ok"] is True and doc["valid"] is True
    assert doc["group"]["bag_group_identifier"] == GROUP and doc["group"]["total"] == 3
    assert doc["group"]["complete"] is True and doc["problems"] == []
    assert [(m["number"], m["total"]) for m in doc["group"]["members"]] == [(1, 3), (2, 3), (3, 3)]
    assert [b["bag"] for b in doc["bags"]] == [str(group[k]) for k in (1, 2, 3)]
    assert all(b["command"] == "validate" and b["valid"] and b["metadata_checked"] for b in doc["bags"])
    files = [b["payload_files"] for b in doc["bags"]]
    assert files[0] == files[2] == files[1] + 2  # two objects and their DC records, against one
    assert doc["summary"] == {"verdict": "VALID", "bags": 3, "invalid_bags": 0, "bag_errors": 0, "bag_warnings": 0,
                              "errors": 0, "warnings": 0}


def test_bags_named_one_by_one_are_a_group_and_one_bag_is_checked_as_today(group: dict[int, Path]) -> None:
    doc = run_cli("validate", group[3], group[1], group[2], "--json").json()
    assert doc["valid"] is True and doc["group"]["complete"] is True
    assert [m["number"] for m in doc["group"]["members"]] == [3, 1, 2]  # in the order given

    single = run_cli("validate", group[1], "--json")
    assert single.code == EXIT_OK
    assert "group" not in single.json() and single.json()["bag"] == str(group[1])
    text = run_cli("validate", group[1]).stdout.splitlines()
    assert len(text) == 1 and text[0].startswith(f"{group[1]}: VALID (BagIt + profile + metadata;")


def test_a_folder_of_folders_and_a_tar_archive(group: dict[int, Path]) -> None:
    archive = group[2].parent / f"{group[2].name}.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(group[2], arcname=group[2].name)
    shutil.rmtree(group[2])
    result = run_cli("validate", group[1].parent, "--json")
    doc = result.json()
    assert result.code == EXIT_OK, doc["problems"]
    assert [b["bag"] for b in doc["bags"]] == [str(group[1]), str(archive), str(group[3])]
    assert [b["serialization"] for b in doc["bags"]] == [None, "application/tar", None]
    assert doc["group"]["complete"] is True and doc["bags"][1]["metadata_checked"] is True


def test_a_group_checked_without_exiftool_exits_3(group: dict[int, Path]) -> None:
    proc = run_without_exiftool("validate", group[1].parent, "--json")
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stdout
    doc = json.loads(proc.stdout)
    assert doc["valid"] is True and doc["incomplete"] and "/nonexistent/exiftool" in doc["incomplete"]
    assert [[p["code"] for p in b["problems"]] for b in doc["bags"]] == [["W620"]] * 3
    shutil.rmtree(group[2])
    assert run_without_exiftool("validate", group[1].parent).returncode == EXIT_FAILED  # invalid wins


# --- what makes a group incomplete or inconsistent ------------------------------------------------------

def test_a_missing_bag_is_named(group: dict[int, Path]) -> None:
    shutil.rmtree(group[2])
    result = run_cli("validate", group[1].parent)
    assert result.code == EXIT_FAILED
    assert ("E544 error group 'grp' has 3 bags, but bag(s) 2 are not among those given; find them and validate "
            "the whole group") in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1].startswith("bag group 'grp': INVALID (2 of 3 bags, each valid; 1 errors")


def test_a_number_given_twice(group: dict[int, Path], built: Built) -> None:
    valid, found, report = group_codes(group[1], group[2], group[3], built.extra)
    assert not valid and set(found) == {"E544"}
    (twice,) = found["E544"]
    assert twice["message"].startswith(f"{group[2]}, {built.extra} all say they are bag 2;")
    assert not report.complete


def test_bags_that_disagree_about_the_total(group: dict[int, Path]) -> None:
    set_fields(group[3], {"Bag-Count": "3 of 4"})
    result = run_cli("validate", group[1].parent, "--json")
    assert result.code == EXIT_FAILED
    found = codes(result.json()["problems"])
    assert set(found) == {"E543", "W543"}
    assert found["E543"][0]["message"].startswith(
        f"the bags disagree about the group's size (3 ({group[1]}, {group[2]}); 4 ({group[3]}))")
    assert found["W543"][0]["path"] == str(group[3])  # named .b003.of003, says 3 of 4
    assert "(.b003.of003), but Bag-Count is '3 of 4'" in found["W543"][0]["message"]
    assert result.json()["group"]["total"] is None


def test_a_bag_of_another_group(group: dict[int, Path]) -> None:
    set_fields(group[2], {"Bag-Group-Identifier": "other"})
    valid, found, report = group_codes(*group.values())
    assert not valid and set(found) == {"E542", "E544"}  # the stranger is not counted: 2 is missing
    assert found["E542"][0]["path"] == str(group[2])
    assert found["E542"][0]["message"] == (f"the bag belongs to group 'other', {group[1]}, {group[3]} to 'grp'; "
                                           "validate each group on its own")
    assert "bag(s) 2 are not among those given" in found["E544"][0]["message"]
    assert report.identifier == GROUP


def test_a_bag_without_bag_count_or_group(group: dict[int, Path]) -> None:
    set_fields(group[2], {"Bag-Count": None, "Bag-Group-Identifier": None})
    result = run_cli("validate", *group.values(), "--json")
    assert result.code == EXIT_FAILED
    found = codes(result.json()["problems"])
    assert [(i["code"], i["path"]) for i in found["E542"] + found["E543"]] == [("E542", str(group[2])),
                                                                                ("E543", str(group[2]))]
    assert found["E543"][0]["message"].startswith("no Bag-Count in bag-info.txt")
    assert "bag(s) 2 are not among those given" in found["E544"][0]["message"]


def test_bags_that_are_no_group_at_all(group: dict[int, Path]) -> None:
    for bag in group.values():
        set_fields(bag, {"Bag-Count": None, "Bag-Group-Identifier": None})
    valid, found, _ = group_codes(*group.values(), metadata=False)
    assert not valid and list(found) == ["E542", "I542"]
    assert found["E542"][0]["message"].startswith("none of the 3 bags declares Bag-Group-Identifier or Bag-Count")


def test_an_item_in_two_bags(group: dict[int, Path], built: Built) -> None:
    result = run_cli("validate", group[1], group[2], built.dup, "--json")
    assert result.code == EXIT_FAILED
    doc = result.json()
    assert all(b["valid"] for b in doc["bags"]) and doc["group"]["complete"] is True
    overlap = [(i["path"], i["message"].split(";")[0]) for i in doc["problems"]]
    assert overlap == [
        (str(built.dup), f"data/objects/a-02.jpg is in {group[1]} and in {built.dup}"),
        (str(built.dup), f"item 'a-02' is in {group[1]} and in {built.dup} (data/objects/a-02.jpg)"),
        (str(built.dup), f"item 'a-01' is in {group[1]} and in {built.dup} (data/objects/A 01.jpg)"),
    ]
    assert {i["code"] for i in doc["problems"]} == {"E545"}


def test_total_unknown_is_a_warning_and_gaps_below_the_highest_are_errors(group: dict[int, Path]) -> None:
    for k, bag in group.items():
        set_fields(bag, {"Bag-Count": f"{k} of ?"})
    result = run_cli("validate", group[1].parent)
    assert result.code == EXIT_OK, result.stdout
    assert ("W542 warning every bag gives the total as '?', so the group cannot be proven complete (bags 1-3 "
            "found); ask the depositor how many bags it has") in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == ("bag group 'grp': VALID (3 bags, total unknown, each valid; 0 errors, "
                                              "1 warnings in the group check)")
    assert run_cli("validate", group[1].parent, "--strict").code == EXIT_FAILED

    valid, found, report = group_codes(group[1], group[3])
    assert not valid and set(found) == {"W542", "E544"} and report.total is None
    assert found["E544"][0]["message"].startswith("bag(s) 2 of group 'grp' are not among those given, though bag 3 is")


def test_one_total_unknown_among_known_ones(group: dict[int, Path]) -> None:
    set_fields(group[2], {"Bag-Count": " 2of? "})  # blanks tolerated
    valid, found, report = group_codes(*group.values())
    assert valid and set(found) == {"W542"} and report.total == 3 and report.complete
    assert found["W542"][0]["path"] == str(group[2])


@pytest.mark.parametrize(("value", "situation"), [("two of three", "syntax"), ("4 of 3", "out_of_range"),
                                                  ("0 of 3", "out_of_range")])
def test_a_bag_count_that_does_not_parse_or_fit(group: dict[int, Path], value: str, situation: str) -> None:
    set_fields(group[2], {"Bag-Count": value})
    valid, found, _ = group_codes(*group.values(), metadata=False)
    assert not valid and set(found) == {"E543", "E544", "I542"}
    message = found["E543"][0]["message"]
    assert message.startswith(f"Bag-Count {value!r} is not 'K of N'" if situation == "syntax"
                              else f"Bag-Count {value!r}: bag number {value.split()[0]} is not between 1 and 3")


def test_a_bag_count_given_twice_differently(group: dict[int, Path]) -> None:
    info = group[2] / "bag-info.txt"
    set_fields(group[2], {"Bag-Count": "2 of 3"})
    info.write_text(info.read_text(encoding="utf-8") + "Bag-Count: 3 of 3\n", encoding="utf-8")
    set_fields(group[2], {})  # the tag manifests again
    valid, found, _ = group_codes(*group.values(), metadata=False)
    assert not valid
    assert found["E543"][0]["message"] == ("bag-info.txt gives Bag-Count 2 times with different values ('2 of 3', "
                                           "'3 of 3'); keep one")


def test_a_name_that_disagrees_with_bag_count(group: dict[int, Path]) -> None:
    renamed = group[2].with_name(f"{GROUP}.b005.of003")
    group[2].rename(renamed)
    valid, found, _ = group_codes(group[1].parent, metadata=False)
    assert valid and set(found) == {"W543", "I542"}
    assert found["W543"][0]["message"] == ("the name says bag 5 of 3 (.b005.of003), but Bag-Count is '2 of 3'; "
                                           "rename the bag or correct its Bag-Count")


# --- what a folder of bags holds besides bags, and bags named twice -------------------------------------

def test_what_is_not_a_bag_in_the_folder_is_named_and_not_checked(group: dict[int, Path]) -> None:
    folder = group[1].parent
    (folder / "notes.txt").write_text("sent on 2 June\n", encoding="utf-8")
    (folder / "stray").mkdir()
    (folder / f"{GROUP}.partial").mkdir()
    (folder / ".grp.lock").write_text("", encoding="utf-8")  # hidden: the writer's, not reported
    result = run_cli("validate", folder, "--json")
    doc = result.json()
    assert result.code == EXIT_OK, doc["problems"]
    assert [(i["code"], i["path"]) for i in doc["problems"]] == [
        ("W544", str(folder / "grp.partial")), ("W544", str(folder / "notes.txt")), ("W544", str(folder / "stray"))]
    assert doc["problems"][1]["message"] == (f"notes.txt in {folder} is not a bag folder nor a .tar, .tar.gz, .tgz "
                                             "or .zip file; it was not checked")
    assert len(doc["bags"]) == 3 and doc["valid"] is True
    assert run_cli("validate", folder, "--strict").code == EXIT_FAILED


def test_a_non_bag_named_with_bags_is_an_invalid_bag(group: dict[int, Path], tmp_path: Path) -> None:
    stray = tmp_path / "stray.txt"
    stray.write_text("not a bag\n", encoding="utf-8")
    result = run_cli("validate", *group.values(), stray, "--json")
    assert result.code == EXIT_FAILED
    doc = result.json()
    assert [b["valid"] for b in doc["bags"]] == [True, True, True, False]
    assert [p["code"] for p in doc["bags"][3]["problems"]] == ["E513"]
    assert [(p["code"], p["path"]) for p in doc["problems"]] == [("I542", str(stray))]
    assert doc["group"]["complete"] is True and doc["summary"]["invalid_bags"] == 1


def test_a_bag_given_twice_is_checked_once(group: dict[int, Path]) -> None:
    valid, found, report = group_codes(group[1].parent, group[2], metadata=False)
    assert valid and len(report.bags) == 3
    assert found["W545"][0]["message"] == f"the bag was given more than once ({group[2]}, {group[2]}); it was checked once"
