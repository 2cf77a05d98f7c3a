"""Near-duplicate captions: the measured threshold, the scaling, and W215 on both items."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from packager import pipeline
from packager.analysis import similar
from packager.collection.captions import read_captions

from .conftest import COLLECTION, ROOT


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, str]]:
    entries, _ = read_captions(COLLECTION / "captions.txt")
    return [(f"surv-{n:03d}", e.text) for n, e in enumerate(entries, start=1)]


def test_sample_flags_only_the_two_captions_of_one_screen_capture(sample: list[tuple[str, str]]) -> None:
    assert len(sample) == 25
    assert similar.near_duplicates(sample) == [similar.Pair("surv-004", "surv-024", 0.91)]


def test_shared_background_sentence_scores_well_below_the_threshold(sample: list[tuple[str, str]]) -> None:
    text = dict(sample)
    shared = similar.similarity(text["surv-015"], text["surv-017"])
    assert 0.65 < shared < similar.THRESHOLD - 0.05  # measured 0.71
    assert similar.similarity(text["surv-004"], text["surv-024"]) > similar.THRESHOLD + 0.05  # measured 0.91
    others = [similar.similarity(a, b) for i, (_, a) in enumerate(sample) for _, b in sample[i + 1:]]
    assert sorted(others)[-3] < 0.6  # every other pair is far from the threshold


@pytest.mark.parametrize("a, b, expected", [
    ("Police in Beijing.", "police  in  BEIJING.", 1.0),  # case and spacing do not count
    ("Beijing.", "Beijing.", 1.0),
    ("", "Beijing.", 0.0),
])
def test_similarity_values(a: str, b: str, expected: float) -> None:
    assert similar.similarity(a, b) == expected


def test_short_and_identical_captions_are_found() -> None:
    pairs = similar.near_duplicates([("a", "Beijing."), ("b", "Hangzhou."), ("c", "beijing."), ("d", "")])
    assert pairs == [similar.Pair("a", "c", 1.0)]


def test_shingles() -> None:
    assert similar.shingles("one two") == {"one two"}
    assert similar.shingles("a b c d") == {"a b c", "b c d"}
    assert similar.shingles("") == set()


def _random_captions(n: int, seed: int, boilerplate: str = "") -> list[tuple[str, str]]:
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(3, 9))) for _ in range(4000)]
    return [(f"item-{i:05d}", " ".join(rng.choice(words) for _ in range(rng.randint(25, 60))) + boilerplate)
            for i in range(n)]


def test_ten_thousand_captions_without_n_squared_comparisons(monkeypatch: pytest.MonkeyPatch) -> None:
    captions = _random_captions(10_000, seed=7)
    captions.append(("copy", captions[1234][1] + " seen again"))
    captions.append(("reworded", captions[42][1].replace(" ", " the ", 2)))
    scored = []
    real = similar._score
    monkeypatch.setattr(similar, "_score", lambda x, y, t: scored.append(1) or real(x, y, t))
    pairs = similar.near_duplicates(captions)
    assert [(p.first, p.second) for p in pairs] == [("item-00042", "reworded"), ("item-01234", "copy")]
    assert len(scored) < 100  # n² would be 50 million: the count of comparisons is the speed, not a clock


def test_a_credit_line_on_every_caption_is_boilerplate_not_sameness(monkeypatch: pytest.MonkeyPatch) -> None:
    credit = " Photograph by the agency's staff photographer, all rights reserved, do not reproduce."
    captions = _random_captions(400, seed=3, boilerplate=credit)
    scored = []
    real = similar._score
    monkeypatch.setattr(similar, "_score", lambda x, y, t: scored.append(1) or real(x, y, t))
    assert similar.near_duplicates(captions) == []
    assert len(scored) < 50  # the credit line's shingles, held by all 400, are not indexed


def test_the_index_built_bucket_by_bucket_finds_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    captions = _random_captions(600, seed=11)
    captions += [("copy", captions[17][1] + " again"), ("twin", captions[599][1].replace(" ", " a ", 1))]
    whole = similar.near_duplicates(captions)
    assert [(p.first, p.second) for p in whole] == [("item-00017", "copy"), ("item-00599", "twin")]
    built = []
    real = similar._buckets
    monkeypatch.setattr(similar, "BUCKET", 500)  # about 50 buckets instead of one
    monkeypatch.setattr(similar, "PAIRS_IN_MEMORY", 10)  # and the candidate pairs counted file by file
    monkeypatch.setattr(similar, "_buckets", lambda *a: (built.append(1) or b for b in real(*a)))
    assert similar.near_duplicates(captions) == whole
    assert len(built) > 40


def _phrased_captions(n: int, seed: int) -> list[tuple[str, str]]:
    """Captions made of stock phrases, each phrase in about 20 captions: many candidate pairs."""
    rng = random.Random(seed)
    phrases = [" ".join(f"w{rng.randrange(10**6)}" for _ in range(4)) for _ in range(n // 2)]
    return [(f"item-{i:05d}", ". ".join(rng.choice(phrases) for _ in range(10))) for i in range(n)]


def test_captions_sharing_many_phrases_are_counted_pair_by_pair_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    captions = _phrased_captions(1000, seed=2)
    captions.append(("copy", captions[500][1] + " again"))
    whole = similar.near_duplicates(captions)
    assert [(p.first, p.second) for p in whole] == [("item-00500", "copy")]
    spilled = []
    real = similar._spill
    monkeypatch.setattr(similar, "_spill", lambda *a: spilled.append(1) or real(*a))
    monkeypatch.setattr(similar, "PAIRS_IN_MEMORY", 2000)
    assert similar.near_duplicates(captions) == whole
    assert len(spilled) > 5


MEASURE = """
import json, sys, tracemalloc
from tests.test_similar import _phrased_captions, _random_captions
from packager.analysis import similar
peaks = {}
for n in (2000, 8000):
    captions = _random_captions(n, seed=5) + _phrased_captions(n, seed=6)
    tracemalloc.start()
    similar.near_duplicates(iter(captions))
    peaks[n] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
print(json.dumps(peaks))
"""


def test_the_index_does_not_grow_with_the_captions(tmp_path: Path) -> None:
    """Python's allocations while 4,000 and then 16,000 captions (about 40 shingles each,
    half of them made of phrases that about 20 captions share) are compared: the shingles
    as strings cost about 3 KB per caption; what stays per caption now is 12 bytes (its
    shingle count and the offset of its text on disk), the index and the pair counts
    being held one bucket at a time."""
    done = subprocess.run([sys.executable, "-c", MEASURE], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, check=False, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr[-2000:]
    peaks = {int(k): v for k, v in json.loads(done.stdout).items()}
    assert (peaks[8000] - peaks[2000]) / 12000 < 200, peaks


# --- W215 in the pipeline ------------------------------------------------------------------------

def _collection(root: Path, captions: list[str]) -> Path:
    (root / "images").mkdir(parents=True)
    for n in range(1, len(captions) + 1):
        Image.new("RGB", (8, 8), (n, 20, 30)).save(root / "images" / f"p-{n:03d}.jpg", "JPEG")
    (root / "captions.txt").write_text("\n".join(captions) + "\n", encoding="utf-8")
    (root / "collection.toml").write_text(
        '[collection]\nidentifier = "dups"\ntitle = "Dups"\n\n'
        '[source]\ncaptions = "captions.txt"\nimages = "images"\npattern = "p-{n:03d}.jpg"\n', encoding="utf-8")
    return root


def test_near_duplicates_warn_on_both_items_naming_the_other(tmp_path: Path) -> None:
    root = _collection(tmp_path / "c", [
        "Screen capture of a crowd monitoring system measuring crowd density in a square.",
        "Volunteers stand guard on a street corner.",
        "Screen capture of a crowd monitoring system measuring the crowd density in a square.",
    ])
    ex = pipeline.extract(root)
    warned = {item.identifier: [i for i in item.issues if i.code == "W215"] for item in ex.items}
    assert warned["p-002"] == []
    (first,), (third,) = warned["p-001"], warned["p-003"]
    assert first.severity == "warning" and first.field == "description" and first.line == 1
    assert first.message.startswith("caption is nearly identical to p-003's (p-003.jpg, similarity 0.9")
    assert "check that the two images are different pictures, or remove one" in first.message
    assert "p-001's (p-001.jpg" in third.message and third.line == 3
    assert ex.errors == 0  # a warning: the archivist decides
