"""All or nothing by default; ``bag --skip-failed`` packages the rest and says, inside the bag, what it left out."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from PIL import Image

from packager.metadata import layout

from .conftest import run_cli

CONFIG = """[collection]
identifier = "mixed"
title = "Some good, some not"
language = "en"
rights = "Generated test data"
[source]
captions = "captions.csv"
images = "images"
"""
CAPTIONS = (
    "filename,caption,truncated\n"
    "a.jpg,A street market in Kashgar.,\n"
    "b.jpg,A camera on a pole above a road.,maybe\n"  # E310: not yes/no, an error of item b
    "c.jpg,A police station in Urumqi.,\n"
    "e.jpg,A caption for an image that is not there.,\n"  # E104 on line 5: no image
    "f.jpg,A file that is no JPEG at all.,\n"
)


def collection(folder: Path) -> Path:
    rng = random.Random(12)
    images = folder / "images"
    images.mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):  # d.jpg has no caption: E105
        Image.new("RGB", (40, 30), tuple(rng.randrange(256) for _ in range(3))).save(images / name, quality=85)
    (images / "f.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not an image " + bytes(rng.randrange(256) for _ in range(200)))
    (folder / "captions.csv").write_text(CAPTIONS, encoding="utf-8")
    (folder / "collection.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def excluded_rows(bag: Path) -> list[dict[str, str]]:
    text = (bag / layout.PAYLOAD_DIR / layout.EXCLUDED).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_by_default_any_error_means_no_bag(tmp_path: Path) -> None:
    source, out = collection(tmp_path / "c"), tmp_path / "out"
    result = run_cli("bag", source, "--out", out, "--json")
    doc = json.loads(result.stdout)
    assert result.code == 1 and doc["ok"] is False and doc["bag"] is None
    assert not out.exists() or not any(p.name == "mixed" for p in out.iterdir())
    assert doc["excluded"] == [] and doc["summary"]["packaged"] == 0


def test_skip_failed_packages_the_rest_and_lists_each_exclusion_in_the_bag(tmp_path: Path) -> None:
    source, out = collection(tmp_path / "c"), tmp_path / "out"
    result = run_cli("bag", source, "--out", out, "--skip-failed", "--json")
    doc = json.loads(result.stdout)
    assert result.code == 4, result.stderr
    bag = out / "mixed"
    assert doc["ok"] is True and doc["bag"] == str(bag)
    objects = sorted(p.name for p in (bag / layout.OBJECTS_DIR).iterdir())
    assert objects == ["a.jpg", "c.jpg"]

    rows = excluded_rows(bag)
    by_entry = {(r["entry"], r["line"]): r for r in rows}
    assert set(by_entry) == {("d.jpg", ""), ("captions.csv", "5"), ("b.jpg", ""), ("f.jpg", "")}
    assert by_entry[("d.jpg", "")]["code"] == "E105"
    assert by_entry[("captions.csv", "5")]["code"] == "E104"
    assert by_entry[("b.jpg", "")]["code"] == "E310" and "maybe" in by_entry[("b.jpg", "")]["reason"]
    assert by_entry[("f.jpg", "")]["code"].startswith("E") and "f.jpg" in by_entry[("f.jpg", "")]["reason"]
    assert [(e["entry"], e["code"]) for e in doc["excluded"]] == [(r["entry"], r["code"]) for r in rows]
    assert doc["summary"]["packaged"] == 2 and doc["summary"]["excluded"] == 4
    warned = [i for i in doc["issues"] if i["code"] == "W406"]
    assert sorted(i["path"] for i in warned) == ["b.jpg", "captions.csv", "d.jpg", "f.jpg"]

    # the sidecars describe what is in the bag, and nothing else
    records = json.loads((bag / layout.RECORDS_PATH).read_text(encoding="utf-8"))
    assert sorted(item["file"] for item in records["items"]) == ["a.jpg", "c.jpg"]
    with (bag / layout.CSV_PATH).open(encoding="utf-8", newline="") as fh:
        assert sorted(row["filename"] for row in csv.DictReader(fh)) == [  # and the collection's own row
            "data/objects", "data/objects/a.jpg", "data/objects/c.jpg"]
    manifest = (bag / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert f"  {layout.EXCLUDED_PATH}\n" in manifest  # a payload file like the other sidecars

    checked = run_cli("validate", bag, "--json")
    assert checked.code == 0, checked.stdout
    assert json.loads(checked.stdout)["valid"] is True


def test_the_text_report_says_what_was_left_out(tmp_path: Path) -> None:
    result = run_cli("bag", collection(tmp_path / "c"), "--out", tmp_path / "out", "--skip-failed")
    assert result.code == 4
    last = result.stdout.strip().splitlines()[-2]  # the line before the validation verdict
    assert "(2 items; 4 entries that failed were left out" in last and "excluded.csv" in last
    assert "W406 warning d.jpg is left out of the bag for its error E105;" in result.stdout


def test_a_collection_without_failures_has_no_exclusion_file(tmp_path: Path) -> None:
    source = collection(tmp_path / "c")
    for name in ("d.jpg", "f.jpg"):
        (source / "images" / name).unlink()
    (source / "captions.csv").write_text("".join(line + "\n" for line in CAPTIONS.splitlines()[:4])
                                         .replace("maybe", "no"), encoding="utf-8")
    result = run_cli("bag", source, "--out", tmp_path / "out", "--skip-failed", "--json")
    assert result.code == 0, result.stdout
    bag = tmp_path / "out" / "mixed"
    assert not (bag / layout.PAYLOAD_DIR / layout.EXCLUDED).exists()
    assert json.loads(result.stdout)["summary"]["packaged"] == 3


def test_when_everything_failed_there_is_no_bag(tmp_path: Path) -> None:
    source = collection(tmp_path / "c")
    (source / "captions.csv").write_text("filename,caption,truncated\na.jpg,Text.,maybe\n", encoding="utf-8")
    result = run_cli("bag", source, "--out", tmp_path / "out", "--skip-failed")
    assert result.code == 1
    assert "every entry failed, so --skip-failed left nothing to package" in result.stdout
    assert not (tmp_path / "out" / "mixed").exists()


@pytest.mark.parametrize("json_flag", [False, True])
def test_an_error_about_the_whole_collection_still_stops_the_run(tmp_path: Path, json_flag: bool) -> None:
    """An unreadable review sheet holds the archivist's decisions: packaging without them would be wrong."""
    source = collection(tmp_path / "c")
    (source / "review.csv").write_bytes(b'identifier,title\n"never closed,x\n')
    args = ["bag", source, "--out", tmp_path / "out", "--skip-failed"] + (["--json"] if json_flag else [])
    result = run_cli(*args)
    assert result.code == 1
    assert not (tmp_path / "out" / "mixed").exists()
    if json_flag:
        doc = json.loads(result.stdout)
        assert doc["bag"] is None and "E120" in {i["code"] for i in doc["issues"]}
    else:
        assert "E120" in result.stdout
        assert "concern the collection as a whole, which --skip-failed cannot leave out" in result.stdout


def test_an_item_that_fails_only_while_embedding_is_left_out_too(tmp_path: Path) -> None:
    """No error until embedding (a JPEG cut off after its header passes the scan): still left out, not fatal."""
    source = collection(tmp_path / "c")
    for name in ("b.jpg", "d.jpg", "f.jpg"):
        (source / "images" / name).unlink()
    whole = (source / "images" / "c.jpg").read_bytes()
    (source / "images" / "c.jpg").write_bytes(whole[: len(whole) // 2])
    (source / "captions.csv").write_text(
        "filename,caption\na.jpg,A street market in Kashgar.\nc.jpg,A police station in Urumqi.\n", encoding="utf-8")
    result = run_cli("bag", source, "--out", tmp_path / "out", "--skip-failed", "--json")
    assert result.code == 4, result.stdout[-2000:]
    bag = tmp_path / "out" / "mixed"
    assert sorted(p.name for p in (bag / layout.OBJECTS_DIR).iterdir()) == ["a.jpg"]
    (row,) = excluded_rows(bag)
    assert (row["entry"], row["code"]) == ("c.jpg", "E306")
    assert run_cli("validate", bag).code == 0
