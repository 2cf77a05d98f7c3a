#!/usr/bin/env python3
"""Measure the caption analysis against hand-written labels.

Two labelled sets live in ``tests/labels/`` (their README says how they were
made): ``sample.json`` labels the 25 captions of the sample collection, and
``heldout.json`` holds captions about other places and subjects that the
people who tune the analysis never see. Each set is run through the same
path as ``packager extract --json`` (:func:`packager.pipeline.extract`): the
sample on the real ``collection/`` folder, so that its ``collection.toml``
applies; the held-out set as a minimal collection built in a temporary
folder (one caption a line, tiny JPEGs named by the pattern, no defaults).

Scoring, per field, micro-averaged over the items of a set:

* list fields (city, province, country, sublocation, organisations,
  persons_shown, events, and persons_mentioned for information) compare sets
  of normalised values (NFC, casefold, stripped, the label file's aliases
  mapped to their canonical name): true positives, false positives, false
  negatives summed over items. Precision is 1.0 when nothing was predicted
  and recall is 1.0 when there was nothing to find, so a field with no true
  and no predicted values anywhere scores 1.0 / 1.0.
* ``persons_not_shown``: the share of labelled not-shown persons that the
  analysis kept out of ``persons_shown`` (reported as both P and R; a person
  wrongly shown counts as a false positive and a false negative).
* ``digital_source_type``: the IPTC code compared per item; P and R are the
  accuracy.
* ``truncated``: precision and recall of the positive class (cut off).

The script reports; it does not judge. It exits 0 whatever the figures are
(the floors live in ``tests/labels/thresholds.json`` and are enforced by
``tests/test_accuracy.py``) and non-zero only when it cannot run.

    python scripts/accuracy.py                  # both sets, a table each
    python scripts/accuracy.py --set heldout --details
    python scripts/accuracy.py --json
    python scripts/accuracy.py --raise-thresholds   # after an improvement
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "labels"
SAMPLE_COLLECTION = ROOT / "collection"
THRESHOLDS = LABELS / "thresholds.json"
SETS = ("sample", "heldout")
HELDOUT_PATTERN = "held-{n:03d}.jpg"

#: Fields compared as sets of names, with where each comes from in a record.
LIST_FIELDS = ("city", "province", "country", "sublocation", "organisations", "persons_shown", "events")
#: Every scored field in report order; persons_mentioned is informational (not in the issue's list).
FIELDS = LIST_FIELDS[:6] + ("persons_not_shown", "events", "persons_mentioned", "digital_source_type", "truncated")
_LOCATION_PART = {"city": "city", "province": "province_state", "country": "country", "sublocation": "sublocation"}

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))


@dataclass
class Score:
    """Counts for one field of one set; precision and recall derive from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass(frozen=True)
class Mismatch:
    """What one item was expected to have in one field and what came out instead."""

    identifier: str
    field: str
    missing: tuple[str, ...]  # expected, not found
    unexpected: tuple[str, ...]  # found, not expected
    defaulted: tuple[str, ...] = ()  # of ``unexpected``: filled in from the collection's [defaults]

    def to_dict(self) -> dict[str, Any]:
        return {"identifier": self.identifier, "field": self.field, "missing": list(self.missing),
                "unexpected": list(self.unexpected), "from_collection_defaults": list(self.defaulted)}


@dataclass
class SetResult:
    name: str
    items: int
    scores: dict[str, Score] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)

    def to_dict(self, details: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"items": self.items, "fields": {f: s.to_dict() for f, s in self.scores.items()}}
        if details:
            out["mismatches"] = [m.to_dict() for m in self.mismatches]
        return out


class Normaliser:
    """Equal names compare equal: NFC, casefold, stripped, and a label file's aliases.

    Aliases map every accepted variant of a name (``Kiev``, ``Peking``,
    ``Zürich``) to its canonical form, so that a spelling the label file
    accepts is not counted as both a miss and a false find.
    """

    def __init__(self, aliases: Mapping[str, Iterable[str]] | None = None):
        self._canonical: dict[str, str] = {}
        for canonical, variants in (aliases or {}).items():
            for variant in variants:
                self._canonical[self._plain(variant)] = self._plain(canonical)

    @staticmethod
    def _plain(value: str) -> str:
        return unicodedata.normalize("NFC", value).casefold().strip()

    def __call__(self, value: str) -> str:
        plain = self._plain(value)
        return self._canonical.get(plain, plain)

    def values(self, values: Iterable[str]) -> dict[str, str]:
        """Normalised value -> the first original spelling (for reports); empty values dropped."""
        out: dict[str, str] = {}
        for value in values:
            if value and value.strip():
                out.setdefault(self(value), value.strip())
        return out


def score_sets(pairs: Iterable[tuple[str, Iterable[str], Iterable[str]]], name: str,
               norm: Normaliser | None = None) -> tuple[Score, list[Mismatch]]:
    """Micro-averaged counts over ``(identifier, expected, predicted)`` triples of one list field."""
    norm = norm or Normaliser()
    score, mismatches = Score(), []
    for identifier, expected, predicted in pairs:
        want, got = norm.values(expected), norm.values(predicted)
        score.tp += len(want.keys() & got.keys())
        missing = tuple(want[k] for k in want.keys() - got.keys())
        unexpected = tuple(got[k] for k in got.keys() - want.keys())
        score.fn += len(missing)
        score.fp += len(unexpected)
        if missing or unexpected:
            mismatches.append(Mismatch(identifier, name, tuple(sorted(missing)), tuple(sorted(unexpected))))
    return score, mismatches


def score_kept_out(pairs: Iterable[tuple[str, Iterable[str], Iterable[str]]],
                   norm: Normaliser | None = None) -> tuple[Score, list[Mismatch]]:
    """Labelled not-shown persons that stayed out of ``persons_shown``: each kept out is a tp,
    each put in the picture is a fp and a fn (so P = R = the share kept out)."""
    norm = norm or Normaliser()
    score, mismatches = Score(), []
    for identifier, not_shown, shown in pairs:
        wrongly = [original for key, original in norm.values(not_shown).items() if key in norm.values(shown)]
        kept = len(norm.values(not_shown)) - len(wrongly)
        score.tp += kept
        score.fp += len(wrongly)
        score.fn += len(wrongly)
        if wrongly:
            mismatches.append(Mismatch(identifier, "persons_not_shown", (), tuple(sorted(wrongly))))
    return score, mismatches


def score_codes(pairs: Iterable[tuple[str, str, str]], name: str) -> tuple[Score, list[Mismatch]]:
    """One code per item: a match is a tp, a difference a fp and a fn (P = R = accuracy)."""
    score, mismatches = Score(), []
    for identifier, expected, predicted in pairs:
        if expected == predicted:
            score.tp += 1
        else:
            score.fp += 1
            score.fn += 1
            mismatches.append(Mismatch(identifier, name, (expected,), (predicted,)))
    return score, mismatches


def score_flags(pairs: Iterable[tuple[str, bool, bool]], name: str) -> tuple[Score, list[Mismatch]]:
    """Precision and recall of the positive class of a yes/no field."""
    score, mismatches = Score(), []
    for identifier, expected, predicted in pairs:
        if expected and predicted:
            score.tp += 1
        elif predicted:
            score.fp += 1
        elif expected:
            score.fn += 1
        if expected != predicted:
            mismatches.append(Mismatch(identifier, name, (str(expected).lower(),), (str(predicted).lower(),)))
    return score, mismatches


def predictions(record: Mapping[str, Any]) -> dict[str, Any]:
    """The scored fields of one record as ``record.to_dict()`` (and ``extract --json``) gives it."""
    out: dict[str, Any] = {}
    locations = record.get("locations") or []
    for name, part in _LOCATION_PART.items():
        out[name] = [loc.get(part, "") for loc in locations]
    for name in ("organisations", "persons_shown", "persons_mentioned", "events"):
        out[name] = list(record.get(name) or [])
    out["digital_source_type"] = (record.get("digital_source_type") or "").rstrip("/").rsplit("/", 1)[-1]
    out["truncated"] = bool(record.get("truncated"))
    return out


def from_collection(record: Mapping[str, Any], name: str) -> set[str]:
    """Values of a list field that the record says came from ``collection.toml`` (its [defaults]), not the caption.

    Reads the ``provenance`` of ``extract --json``; a record without one has none.
    """
    origins: Mapping[str, str] = record.get("provenance") or {}
    if name in _LOCATION_PART:
        part = _LOCATION_PART[name]
        return {loc.get(part, "") for i, loc in enumerate(record.get("locations") or [])
                if origins.get(f"locations[{i}].{part}") == "collection"}
    values = record.get(name) or []
    if origins.get(name) == "collection":
        return set(values)
    return {v for i, v in enumerate(values) if origins.get(f"{name}[{i}]") == "collection"}


def score(name: str, labels: list[dict[str, Any]], predicted: Mapping[str, Mapping[str, Any]],
          aliases: Mapping[str, Iterable[str]] | None = None) -> SetResult:
    """Score every field of one set; an item the analysis did not return counts as all empty."""
    norm = Normaliser(aliases)
    rows = [(label, predictions(predicted.get(label["identifier"], {}))) for label in labels]
    result = SetResult(name, len(labels))
    found: list[Mismatch] = []

    def keep(field_name: str, outcome: tuple[Score, list[Mismatch]]) -> None:
        result.scores[field_name] = outcome[0]
        found.extend(outcome[1])

    for f in FIELDS:
        if f in LIST_FIELDS:
            keep(f, score_sets(((lb["identifier"], lb[f], p[f]) for lb, p in rows), f, norm))
        elif f == "persons_not_shown":
            keep(f, score_kept_out(((lb["identifier"], lb[f], p["persons_shown"]) for lb, p in rows), norm))
        elif f == "persons_mentioned":
            keep(f, score_sets(((lb["identifier"], lb["persons_not_shown"], p[f]) for lb, p in rows), f, norm))
        elif f == "digital_source_type":
            keep(f, score_codes(((lb["identifier"], lb[f], p[f]) for lb, p in rows), f))
        else:
            keep(f, score_flags(((lb["identifier"], bool(lb[f]), p[f]) for lb, p in rows), f))
    for n, m in enumerate(found):
        if m.unexpected and m.field in LIST_FIELDS:
            defaulted = from_collection(predicted.get(m.identifier, {}), m.field)
            found[n] = replace(m, defaulted=tuple(v for v in m.unexpected if v in defaulted))
    order = {lb["identifier"]: n for n, lb in enumerate(labels)}
    result.mismatches = sorted(found, key=lambda m: (order.get(m.identifier, len(order)), FIELDS.index(m.field)))
    return result


def load_labels(name: str, folder: Path = LABELS) -> dict[str, Any]:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


def _extract(collection: Path) -> dict[str, dict[str, Any]]:
    # Imported here, after ROOT is on sys.path, so the script runs from any folder.
    from packager import pipeline

    extraction = pipeline.extract(collection)
    return {item.identifier: item.record.to_dict() for item in extraction.items if item.record is not None}


def build_collection(folder: Path, captions: list[str], pattern: str = HELDOUT_PATTERN) -> Path:
    """A minimal collection (no defaults) with one tiny JPEG per caption; returns its folder."""
    from PIL import Image

    images = folder / "images"
    images.mkdir(parents=True)
    (folder / "captions.txt").write_text("".join(c + "\n" for c in captions), encoding="utf-8")
    (folder / "collection.toml").write_text(
        '[collection]\nidentifier = "accuracy-heldout"\ntitle = "Held-out captions for measuring accuracy"\n\n'
        f'[source]\ncaptions = "captions.txt"\nimages = "images"\npattern = "{pattern}"\n', encoding="utf-8")
    for n in range(1, len(captions) + 1):
        Image.new("RGB", (8, 8), (n % 256, 128, 64)).save(images / pattern.format(n=n), "JPEG")
    return folder


def run_set(name: str, folder: Path = LABELS) -> SetResult:
    """Label file -> extraction -> scores, for ``sample`` or ``heldout``."""
    data = load_labels(name, folder)
    labels = data["items"]
    if name == "sample":
        predicted = _extract(SAMPLE_COLLECTION)
    else:
        with tempfile.TemporaryDirectory(prefix="accuracy-") as tmp:
            expected_ids = [HELDOUT_PATTERN.format(n=n).removesuffix(".jpg") for n in range(1, len(labels) + 1)]
            if [lb["identifier"] for lb in labels] != expected_ids:
                raise SystemExit(f"{name}.json: identifiers must be held-001, held-002, ... in order")
            predicted = _extract(build_collection(Path(tmp), [lb["caption"] for lb in labels]))
        if sorted(predicted) != sorted(expected_ids):  # a caption dropped as a page leftover would shift pairing
            raise SystemExit(f"{name}.json: the extraction returned {len(predicted)} items for {len(labels)} captions")
    return score(name, labels, predicted, data.get("aliases"))


def table(result: SetResult) -> str:
    lines = [f"{result.name} ({result.items} items)",
             f"  {'field':<22}{'P':>7}{'R':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for name, s in result.scores.items():
        lines.append(f"  {name:<22}{s.precision:>7.3f}{s.recall:>7.3f}{s.tp:>6}{s.fp:>6}{s.fn:>6}")
    return "\n".join(lines)


def details(result: SetResult) -> str:
    if not result.mismatches:
        return f"{result.name}: no mismatches"
    lines = [f"{result.name}: {len(result.mismatches)} mismatches"]
    for m in result.mismatches:
        parts = []
        if m.missing:
            parts.append(f"expected {', '.join(m.missing)}")
        if m.unexpected:
            parts.append("got " + ", ".join(v + (" (collection default)" if v in m.defaulted else "")
                                            for v in m.unexpected))
        lines.append(f"  {m.identifier} {m.field}: {'; '.join(parts)}")
    return "\n".join(lines)


def floor2(value: float) -> float:
    """Round down to two decimals (0.8999... stays 0.89; 0.29 stays 0.29 despite binary floats)."""
    return math.floor(value * 100 + 1e-9) / 100


def raise_thresholds(results: list[SetResult], path: Path = THRESHOLDS) -> dict[str, Any]:
    """Lift the floors to the measured figures (rounded down); a floor is never lowered."""
    floors: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for r in results:
        old = floors.setdefault(r.name, {})
        for name, s in r.scores.items():
            was = old.get(name, {})
            old[name] = {"precision": max(was.get("precision", 0.0), floor2(s.precision)),
                         "recall": max(was.get("recall", 0.0), floor2(s.recall))}
    path.write_text(_floors_text(floors), encoding="utf-8")
    return floors


def _floors_text(floors: dict[str, Any]) -> str:
    """One line per field, so that a raised floor reads as a one-line diff."""
    blocks = []
    for name, fields in floors.items():
        rows = ",\n".join(f"  {json.dumps(f)}: {json.dumps(v)}" for f, v in fields.items())
        blocks.append(f" {json.dumps(name)}: {{\n{rows}\n }}")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=(*SETS, "all"), default="all", help="which labelled set (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--details", action="store_true", help="list every item's mismatches")
    parser.add_argument("--raise-thresholds", action="store_true",
                        help=f"lift {THRESHOLDS.relative_to(ROOT)} to the figures measured (never lowers one)")
    args = parser.parse_args(argv)
    results = [run_set(name) for name in (SETS if args.set == "all" else (args.set,))]
    if args.raise_thresholds:
        raise_thresholds(results)
    if args.json:
        print(json.dumps({"sets": {r.name: r.to_dict(args.details) for r in results}}, ensure_ascii=False, indent=2))
        return 0
    blocks = []
    for r in results:
        blocks.append(table(r))
        if args.details:
            blocks.append(details(r))
    print("\n\n".join(blocks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
