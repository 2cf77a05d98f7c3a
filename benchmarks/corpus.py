"""Benchmark corpora: seeded collections, generated once and cached.

A corpus is a collection folder as `packager bag` takes it (``collection.toml``,
``captions.txt``, ``images/img-NNNNN.jpg``), kept under ``benchmarks/.cache/``
in a folder named after everything that decides its bytes (kind, seed, count,
size, generator version), so a second run reuses it and a changed option makes
a new one. A folder is built as ``<name>.partial`` and renamed when complete;
``corpus.json`` inside says what it holds.

Captions come from the sample collection (``collection/captions.txt``). A real
collection has no thousands of identical captions, and identical ones would
change what the packager does (the near-duplicate check W215 pairs them up;
any cache would hit), so each item's caption is a sample caption with 70% of
its lower-case words of three letters or more swapped for other words of the
sample, seeded: below that, thousands of captions from 25 still pair up as
near-duplicates and the W215 check alone costs seconds. Capitalised words
(places, organisations, names), numbers and punctuation are kept, so the
analysis still finds places and organisations in captions of the same shape.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .imagery import LargeMaker, SmallMaker
from .measure import progress

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CAPTIONS = ROOT / "collection" / "captions.txt"
GENERATOR_VERSION = 1  # raise when a change to this module or imagery.py changes the bytes
PATTERN = "img-{n:05d}.jpg"
MUTATION = 0.7  # share of lower-case words swapped per caption
_TOKEN = re.compile(r"[A-Za-z][a-z]+|[^A-Za-z]+|[A-Za-z]")

CONFIG = """[collection]
identifier = "{identifier}"
title = "Benchmark collection ({identifier})"
language = "en"
rights = "Generated test data"
[source]
captions = "captions.txt"
images = "images"
pattern = "{pattern}"
[bag-info]
Source-Organization = "packager benchmark"
"""


@dataclass(frozen=True)
class Corpus:
    """A generated collection: where it is and what it holds."""

    name: str
    folder: Path
    files: int
    bytes: int
    size: tuple[int, int]
    generated_s: float  # 0 when it came from the cache

    @property
    def images(self) -> list[Path]:
        return [self.folder / "images" / PATTERN.format(n=n) for n in range(1, self.files + 1)]

    def describe(self) -> dict[str, object]:
        return {"files": self.files, "bytes": self.bytes, "size": f"{self.size[0]}x{self.size[1]}",
                "folder": str(self.folder), "generated_s": round(self.generated_s, 3)}


def sample_captions() -> list[str]:
    """The sample's captions, without the page leftovers (a file name, 'prev / next')."""
    lines = SAMPLE_CAPTIONS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if len(line.split()) >= 8]


def captions(seed: int, count: int) -> list[str]:
    """``count`` distinct captions; caption ``i`` depends only on ``seed`` and ``i``."""
    pool = sample_captions()
    vocabulary = sorted({w for text in pool for w in _TOKEN.findall(text) if w.islower() and len(w) > 2})
    made = []
    for index in range(count):
        rng = random.Random(seed * 1_000_003 + index)
        tokens = _TOKEN.findall(pool[index % len(pool)])
        made.append("".join(rng.choice(vocabulary) if t.islower() and len(t) > 2 and rng.random() < MUTATION
                            else t for t in tokens))
    return made


def _write_collection(folder: Path, identifier: str, texts: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "collection.toml").write_text(CONFIG.format(identifier=identifier, pattern=PATTERN), encoding="utf-8")
    (folder / "captions.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")


def _load(folder: Path, name: str) -> Corpus | None:
    marker = folder / "corpus.json"
    if not marker.is_file():
        return None
    facts = json.loads(marker.read_text(encoding="utf-8"))
    width, height = facts["size"]
    return Corpus(name, folder, facts["files"], facts["bytes"], (width, height), 0.0)


def _finish(partial: Path, final: Path, name: str, files: int, size: tuple[int, int], started: float) -> Corpus:
    total = sum(p.stat().st_size for p in (partial / "images").iterdir())
    facts = {"files": files, "bytes": total, "size": list(size), "generator": GENERATOR_VERSION}
    (partial / "corpus.json").write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    partial.rename(final)
    return Corpus(name, final, files, total, size, time.perf_counter() - started)


def _fresh(cache: Path, key: str) -> tuple[Path, Path]:
    final, partial = cache / key, cache / f"{key}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "images").mkdir(parents=True)
    return final, partial


def generated(cache: Path, kind: str, seed: int, files: int, size: tuple[int, int]) -> Corpus:
    """The ``kind`` ("small" or "large") corpus of ``files`` images, from the cache or made now."""
    key = f"{kind}-s{seed}-n{files}-{size[0]}x{size[1]}-g{GENERATOR_VERSION}"
    found = _load(cache / key, kind)
    if found is not None:
        return found
    started = time.perf_counter()
    final, partial = _fresh(cache, key)
    progress(f"generating {files} {kind} images ({size[0]}x{size[1]}) in {final}")
    maker = SmallMaker(size, seed) if kind == "small" else LargeMaker(size, seed)
    rng = random.Random(seed)
    for n in range(1, files + 1):
        maker.save(rng, n, partial / "images" / PATTERN.format(n=n))
        if n % 500 == 0:
            progress(f"{n}/{files} {kind} images")
    _write_collection(partial, f"bench-{kind}", captions(seed, files))
    return _finish(partial, final, kind, files, size, started)


def scaled(cache: Path, base: Corpus, seed: int, files: int) -> Corpus:
    """A collection of ``files`` items whose images are ``base``'s, reused in turn under new names
    (hard links, or copies where links fail), each with its own caption."""
    if files == base.files:
        return base
    key = f"scale-s{seed}-n{files}-from-{base.folder.name}"
    found = _load(cache / key, f"scale-{files}")
    if found is not None:
        return found
    started = time.perf_counter()
    final, partial = _fresh(cache, key)
    sources = base.images
    for n in range(1, files + 1):
        source, target = sources[(n - 1) % len(sources)], partial / "images" / PATTERN.format(n=n)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    _write_collection(partial, f"bench-scale-{files}", captions(seed, files))
    return _finish(partial, final, f"scale-{files}", files, base.size, started)
