"""The command line contract: exit codes, stdout/stderr, the extract JSON, interruption."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from packager import pipeline
from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, EXIT_USAGE

from .conftest import COLLECTION, run_cli, tree_digest

ITEM_KEYS = {"identifier", "file", "description", "headline", "title", "truncated", "digital_source_type",
             "keywords", "locations", "organisations", "persons_shown", "issues"}
LOCATION_KEYS = {"sublocation", "city", "province_state", "country", "country_code", "identifiers"}


def test_extract_json_follows_the_contract_and_writes_nothing(tmp_path: Path) -> None:
    collection = tmp_path / "c"
    shutil.copytree(COLLECTION, collection)
    before = tree_digest(collection)
    result = run_cli("extract", collection, "--json")
    assert result.code == EXIT_OK, result.stdout
    doc = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert tree_digest(collection) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
    items = doc["items"]
    assert len(items) == 25
    for item in items:
        assert set(item) >= ITEM_KEYS
        assert isinstance(item["truncated"], bool)
        assert item["digital_source_type"].startswith("http://cv.iptc.org/newscodes/digitalsourcetype/")
        for loc in item["locations"]:
            assert set(loc) >= LOCATION_KEYS
        for issue in item["issues"]:
            assert {"code", "severity", "message"} <= set(issue)
    assert sum(item["truncated"] for item in items) == 14
    assert items[0]["file"] == "Surv - 001.jpg"
    dropped = [i for i in doc["issues"] if i["code"] == "W101"]
    assert [i["line"] for i in dropped] == [26, 27]
    assert doc["summary"]["dropped_lines"] == 2


def test_extract_text_goes_to_stdout_and_ends_with_a_summary() -> None:
    result = run_cli("extract", COLLECTION)
    assert result.code == EXIT_OK
    assert result.stdout.rstrip().splitlines()[-1].startswith("25 items, 2 page leftovers dropped")
    assert "surv-001" in result.stdout


@pytest.mark.parametrize("args", [["frobnicate"], ["extract"], ["bag", "collection", "--colour", "red"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.code == EXIT_USAGE
    assert result.stdout == ""
    assert "Usage" in result.stderr or "Error" in result.stderr


def test_usage_error_with_json_is_still_one_document() -> None:
    result = run_cli("validate", "--json")
    assert result.code == EXIT_USAGE
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["error"]["exit_code"] == EXIT_USAGE


def test_missing_collection_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_cli("extract", tmp_path, "--json")
    assert result.code == EXIT_ENVIRONMENT
    doc = json.loads(result.stdout)
    assert doc["issues"][0]["code"] == "E001"
    assert "collection.toml" in doc["error"]["message"]


def test_bad_config_names_the_field(tmp_path: Path) -> None:
    shutil.copytree(COLLECTION, tmp_path / "c")
    toml = tmp_path / "c" / "collection.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[source]", "[source]\npattern2 = 1\n", 1)
                    .replace('pattern = "Surv - {n:03d}.jpg"', 'pattern = "Surv.jpg"'), encoding="utf-8")
    result = run_cli("bag", tmp_path / "c", "--out", tmp_path / "bags")
    assert result.code == EXIT_ENVIRONMENT
    assert "pattern must contain {n}" in result.stderr
    assert not (tmp_path / "bags").exists()


def test_validate_on_a_folder_that_is_not_a_bag(tmp_path: Path) -> None:
    result = run_cli("validate", tmp_path, "--json")
    assert result.code == EXIT_FAILED
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    assert any("bagit.txt" in p["message"] for p in doc["problems"])


def test_missing_image_stops_before_writing_and_names_both_sides(tmp_path: Path) -> None:
    collection = tmp_path / "c"
    shutil.copytree(COLLECTION, collection)
    (collection / "images" / "Surv - 013.jpg").unlink()
    result = run_cli("bag", collection, "--out", tmp_path / "bags", "--json")
    assert result.code == EXIT_FAILED
    doc = json.loads(result.stdout)
    assert doc["bag"] is None
    e104 = [i for i in doc["issues"] if i["code"] == "E104"]
    assert len(e104) == 1 and "Surv - 013.jpg" in e104[0]["message"] and "13" in e104[0]["message"]
    assert not (tmp_path / "bags").exists()  # nothing written at all


def test_interrupted_run_leaves_no_bag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = pipeline.embed_item

    def interrupt_on_fifth(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "embed_item", interrupt_on_fifth)
    out = tmp_path / "bags"
    with pytest.raises(KeyboardInterrupt):
        pipeline.build_bag(COLLECTION, out)
    assert 5 <= calls["n"] < 25  # queued items were cancelled, not embedded
    assert list(out.iterdir()) == []  # neither a bag nor a .partial


def test_replace_swaps_only_when_the_new_bag_is_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bags"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.ok and first.bag is not None
    marker = first.bag / "bag-info.txt"
    old_info = marker.read_bytes()

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "_write_sidecars", boom)
    with pytest.raises(RuntimeError):
        pipeline.build_bag(COLLECTION, out, replace_existing=True)
    assert [p.name for p in out.iterdir()] == [first.bag.name]
    assert marker.read_bytes() == old_info  # the old bag is back, untouched
    result = run_cli("bag", COLLECTION, "--out", out)
    assert result.code == EXIT_FAILED and "E401" in result.stdout + result.stderr


def test_replace_keeps_the_old_bag_when_the_new_one_does_not_validate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bags"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.ok and first.bag is not None
    old_info = (first.bag / "bag-info.txt").read_bytes()
    real = pipeline.validate

    def reject(*args, **kwargs):  # type: ignore[no-untyped-def]
        report = real(*args, **kwargs)
        from dataclasses import replace as swap

        from packager import issues
        return swap(report, problems=(issues.make("E501", problem="pretend the new bag is broken"),))

    monkeypatch.setattr(pipeline, "validate", reject)
    run = pipeline.build_bag(COLLECTION, out, replace_existing=True)
    assert not run.ok and run.bag == out / f".{first.bag.name}.rejected"
    assert (first.bag / "bag-info.txt").read_bytes() == old_info  # the valid old bag is back in place
    assert sorted(p.name for p in out.iterdir()) == [f".{first.bag.name}.rejected", first.bag.name]


def test_a_bag_left_aside_by_a_killed_replace_is_restored(tmp_path: Path) -> None:
    out = tmp_path / "bags"
    first = pipeline.build_bag(COLLECTION, out)
    assert first.bag is not None
    first.bag.rename(out / f".{first.bag.name}.previous")  # as if killed mid-swap
    result = run_cli("bag", COLLECTION, "--out", out)
    assert result.code == EXIT_FAILED and "E401" in result.stderr  # the old bag is back, so no silent overwrite
    assert sorted(p.name for p in out.iterdir()) == [first.bag.name]
