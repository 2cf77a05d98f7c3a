"""Measured accuracy of the caption analysis: the scorer itself, the label files, and the floors.

The floors in ``tests/labels/thresholds.json`` are the figures the analysis
reached when they were last measured (rounded down); a change that makes any
field of either labelled set worse fails here. Failures on the held-out set
name counts only, never its captions or labels, so that the set stays unseen
by whoever is changing the analysis.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from functools import cache
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT

LABELS = ROOT / "tests" / "labels"
LABEL_KEYS = {"identifier", "city", "province", "country", "sublocation", "organisations", "persons_shown",
              "persons_not_shown", "events", "digital_source_type", "truncated"}
LIST_KEYS = LABEL_KEYS - {"identifier", "digital_source_type", "truncated"}
OPTIONAL_KEYS = {"note", "notes", "caption"}


def _load_script() -> ModuleType:
    """scripts/accuracy.py imported as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("accuracy", ROOT / "scripts" / "accuracy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("accuracy", module)
    spec.loader.exec_module(module)
    return module


accuracy = _load_script()


@cache
def measured(name: str) -> Any:
    """One extraction and scoring per set per test session."""
    return accuracy.run_set(name)


def _thresholds() -> dict[str, dict[str, dict[str, float]]]:
    return json.loads((LABELS / "thresholds.json").read_text(encoding="utf-8"))


# --- the scorer ---------------------------------------------------------------------------------------------

def test_empty_everywhere_scores_one() -> None:
    score, mismatches = accuracy.score_sets([("a", [], []), ("b", [], [])], "city")
    assert (score.tp, score.fp, score.fn) == (0, 0, 0)
    assert (score.precision, score.recall) == (1.0, 1.0)
    assert mismatches == []


def test_perfect_match_after_normalisation() -> None:
    norm = accuracy.Normaliser({"Kyiv": ["Kiev"]})
    score, mismatches = accuracy.score_sets(
        [("a", ["Zürich"], ["  zu\u0308rich "]), ("b", ["Kyiv", "Lviv"], ["KIEV", "Lviv"])], "city", norm)
    assert (score.tp, score.fp, score.fn) == (3, 0, 0)
    assert (score.precision, score.recall) == (1.0, 1.0)
    assert mismatches == []


def test_all_wrong() -> None:
    score, mismatches = accuracy.score_sets([("a", ["Paris"], ["Nice"]), ("b", ["Split"], ["Reading"])], "city")
    assert (score.tp, score.fp, score.fn) == (0, 2, 2)
    assert (score.precision, score.recall) == (0.0, 0.0)
    assert [(m.identifier, m.missing, m.unexpected) for m in mismatches] == [
        ("a", ("Paris",), ("Nice",)), ("b", ("Split",), ("Reading",))]


def test_partial_is_micro_averaged_over_items() -> None:
    pairs = [("a", ["Megvii", "SenseTime"], ["Megvii"]),  # one found, one missed
             ("b", [], ["Police"]),                       # one false find
             ("c", ["Apple"], ["Apple"])]
    score, _ = accuracy.score_sets(pairs, "organisations")
    assert (score.tp, score.fp, score.fn) == (2, 1, 1)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)


def test_nothing_predicted_has_precision_one_and_recall_zero() -> None:
    score, _ = accuracy.score_sets([("a", ["Beijing"], [])], "city")
    assert (score.precision, score.recall) == (1.0, 0.0)


def test_duplicates_and_empty_values_count_once_or_not_at_all() -> None:
    score, _ = accuracy.score_sets([("a", ["Beijing"], ["Beijing", "beijing", "", "  "])], "city")
    assert (score.tp, score.fp, score.fn) == (1, 0, 0)


def test_persons_not_shown_scores_the_share_kept_out() -> None:
    pairs = [("a", ["Xi Jinping"], []), ("b", ["Emmanuel Macron"], ["Emmanuel Macron"]), ("c", [], ["Jack Ma"])]
    score, mismatches = accuracy.score_kept_out(pairs)
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)
    assert score.precision == score.recall == 0.5
    assert [(m.identifier, m.unexpected) for m in mismatches] == [("b", ("Emmanuel Macron",))]


def test_codes_score_accuracy() -> None:
    score, mismatches = accuracy.score_codes(
        [("a", "screenCapture", "screenCapture"), ("b", "screenCapture", "digitalCapture"),
         ("c", "digitalCapture", "digitalCapture"), ("d", "digitalCapture", "digitalCapture")], "dst")
    assert score.precision == score.recall == 0.75
    assert [(m.identifier, m.missing, m.unexpected) for m in mismatches] == [
        ("b", ("screenCapture",), ("digitalCapture",))]


def test_flags_score_the_positive_class() -> None:
    pairs = [("a", True, True), ("b", True, False), ("c", False, True), ("d", False, False), ("e", True, True)]
    score, mismatches = accuracy.score_flags(pairs, "truncated")
    assert (score.tp, score.fp, score.fn) == (2, 1, 1)
    assert [m.identifier for m in mismatches] == ["b", "c"]
    none, _ = accuracy.score_flags([("a", False, False)], "truncated")
    assert (none.precision, none.recall) == (1.0, 1.0)


def test_predictions_read_a_record_as_extract_json_gives_it() -> None:
    record = {"locations": [{"sublocation": "Houhai Lake", "city": "Beijing", "province_state": "Beijing",
                             "country": "China"}, {"sublocation": "", "city": "Hangzhou",
                                                   "province_state": "Zhejiang", "country": "China"}],
              "organisations": ["Megvii"], "persons_shown": [], "persons_mentioned": ["Xi Jinping"], "events": [],
              "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/screenCapture",
              "truncated": True}
    got = accuracy.predictions(record)
    assert got["city"] == ["Beijing", "Hangzhou"] and got["province"] == ["Beijing", "Zhejiang"]
    assert got["sublocation"] == ["Houhai Lake", ""]
    assert got["digital_source_type"] == "screenCapture" and got["truncated"] is True
    assert accuracy.predictions({})["city"] == [] and accuracy.predictions({})["digital_source_type"] == ""


def test_values_from_the_collection_defaults_are_told_apart() -> None:
    record = {"locations": [{"city": "", "country": "China"}], "keywords": ["police", "surveillance"],
              "organisations": ["Megvii"], "digital_source_type": "digitalCapture",
              "provenance": {"locations[0].country": "collection", "keywords[1]": "collection",
                             "organisations": "analysis"}}
    assert accuracy.from_collection(record, "country") == {"China"}
    assert accuracy.from_collection(record, "city") == set()
    assert accuracy.from_collection(record, "keywords") == {"surveillance"}
    assert accuracy.from_collection(record, "organisations") == set()
    label = {"identifier": "x-001", "city": [], "province": [], "country": [], "sublocation": [],
             "organisations": ["Megvii"], "persons_shown": [], "persons_not_shown": [], "events": [],
             "digital_source_type": "digitalCapture", "truncated": False}
    result = accuracy.score("t", [label], {"x-001": record})
    assert [(m.field, m.unexpected, m.defaulted) for m in result.mismatches] == [("country", ("China",), ("China",))]
    assert "got China (collection default)" in accuracy.details(result)


def test_a_missing_item_counts_as_all_empty() -> None:
    label = {"identifier": "x-001", "city": ["Nice"], "province": [], "country": ["France"], "sublocation": [],
             "organisations": [], "persons_shown": [], "persons_not_shown": [], "events": [],
             "digital_source_type": "digitalCapture", "truncated": True}
    result = accuracy.score("t", [label], {})
    assert (result.scores["city"].recall, result.scores["country"].recall) == (0.0, 0.0)
    assert result.scores["digital_source_type"].precision == 0.0
    assert result.scores["truncated"].fn == 1


def test_the_script_prints_a_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert accuracy.main(["--set", "sample"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("sample (25 items)") and re.search(r"^  city\s+\d\.\d{3}\s+\d\.\d{3}", text, re.MULTILINE)
    assert accuracy.main(["--set", "sample", "--json", "--details"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["sets"]) == {"sample"} and doc["sets"]["sample"]["items"] == 25
    assert set(doc["sets"]["sample"]["fields"]) == set(accuracy.FIELDS)
    assert isinstance(doc["sets"]["sample"]["mismatches"], list)


# --- the label files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", accuracy.SETS)
def test_label_files_are_well_formed(name: str) -> None:
    data = accuracy.load_labels(name)
    for item in data["items"]:
        assert LABEL_KEYS <= item.keys() <= LABEL_KEYS | OPTIONAL_KEYS, item["identifier"]
        assert all(isinstance(item[k], list) and all(isinstance(v, str) and v.strip() for v in item[k])
                   for k in LIST_KEYS), item["identifier"]
        assert item["digital_source_type"] in ("digitalCapture", "screenCapture"), item["identifier"]
        assert isinstance(item["truncated"], bool), item["identifier"]
        no_city = not (item["city"] or item["sublocation"])
        assert no_city == ("note" in item), f"{item['identifier']}: a 'note' goes with an empty place"
    aliases = data["aliases"]
    variants = [v for vs in aliases.values() for v in vs]
    assert len(variants) == len(set(variants)) and not set(variants) & set(aliases)


def test_sample_labels_cover_the_sample_captions_in_order() -> None:
    items = accuracy.load_labels("sample")["items"]
    assert [i["identifier"] for i in items] == [f"surv-{n:03d}" for n in range(1, 26)]
    captions = (ROOT / "collection" / "captions.txt").read_text(encoding="utf-8").splitlines()[:25]
    for item, caption in zip(items, captions, strict=False):
        screen = caption.strip().startswith(("Screen capture", "Screenshot"))
        assert (item["digital_source_type"] == "screenCapture") == screen, item["identifier"]
    assert sum(i["truncated"] for i in items) == 14  # as the collection's own description says


def test_heldout_set_is_large_enough_and_one_caption_a_line() -> None:
    items = accuracy.load_labels("heldout")["items"]
    assert len(items) >= 40
    assert [i["identifier"] for i in items] == [f"held-{n:03d}" for n in range(1, len(items) + 1)]
    assert all(i["caption"].strip() and "\n" not in i["caption"] and "\r" not in i["caption"] for i in items)


# --- the floors ---------------------------------------------------------------------------------------------

def _floors() -> list[tuple[str, str]]:
    return [(name, f) for name in accuracy.SETS for f in accuracy.FIELDS]


def test_every_set_and_field_has_a_floor() -> None:
    floors = _thresholds()
    assert sorted(floors) == sorted(accuracy.SETS)
    for name in accuracy.SETS:
        assert sorted(floors[name]) == sorted(accuracy.FIELDS)
        assert all(set(v) == {"precision", "recall"} and 0 <= min(v.values()) <= max(v.values()) <= 1
                   for v in floors[name].values())


@pytest.mark.parametrize(("name", "field"), _floors())
def test_accuracy_does_not_fall_below_its_floor(name: str, field: str) -> None:
    floor = _thresholds()[name][field]
    result = measured(name)
    got = result.scores[field]
    said = f"{name} {field}: P {got.precision:.3f} R {got.recall:.3f} (tp {got.tp}, fp {got.fp}, fn {got.fn})"
    if name == "sample":  # the held-out labels stay unseen: counts only
        said += "".join(f"\n  {m.identifier}: expected {list(m.missing)}, got {list(m.unexpected)}"
                        for m in result.mismatches if m.field == field)
    assert got.precision >= floor["precision"], said
    assert got.recall >= floor["recall"], said
