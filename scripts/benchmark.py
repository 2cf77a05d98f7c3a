"""Time packaging and validation of a generated collection.

    python scripts/benchmark.py [--items N] [--width PX] [--keep DIR]

Generates N seeded JPEGs (camera EXIF, no metadata) with captions taken from
the sample collection, then times: extract (read + analyse), bag (copy,
embed, verify, hash, sidecars, manifests; includes validation), a separate
full `validate` of the written bag, the BagIt layer alone with 1 and 2
hashing processes, and full validation of the bag as .tar.gz and .zip read
in place. Prints a small table on stdout;
numbers are wall-clock seconds on this machine, for comparing changes, not
for asserting in tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402

from packager import pipeline  # noqa: E402
from packager.collection.captions import read_captions  # noqa: E402
from packager.validate.validator import validate  # noqa: E402

CONFIG = """[collection]
identifier = "benchmark"
title = "Benchmark collection"
language = "en"
rights = "Generated test data"
[source]
captions = "captions.txt"
images = "images"
pattern = "img-{n:05d}.jpg"
[bag-info]
Source-Organization = "packager benchmark"
"""


def make_collection(folder: Path, items: int, width: int) -> None:
    rng = random.Random(20261124)
    entries, _ = read_captions(ROOT / "collection" / "captions.txt")
    captions = [e.text for e in entries]
    (folder / "images").mkdir(parents=True)
    (folder / "collection.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "captions.txt").write_text("\n".join(captions[n % len(captions)] for n in range(items)) + "\n",
                                         encoding="utf-8")
    height = width * 2 // 3
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "NIKON CORPORATION", "NIKON D750", 1
    for n in range(1, items + 1):
        im = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(im)
        for _ in range(40):
            x, y = rng.randrange(width), rng.randrange(height)
            draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)),
                         fill=tuple(rng.randrange(256) for _ in range(3)))
        im.save(folder / "images" / f"img-{n:05d}.jpg", quality=90, exif=exif)


def timed(label: str, rows: list[tuple[str, float]], fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    rows.append((label, time.perf_counter() - start))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--keep", type=Path, help="write the collection and bag here instead of a temp dir")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="packager-bench-"))
    rows: list[tuple[str, float]] = []
    try:
        timed("generate collection", rows, lambda: make_collection(work / "collection", args.items, args.width))
        ex = timed("extract", rows, lambda: pipeline.extract(work / "collection"))
        run = timed("bag (incl. validation)", rows, lambda: pipeline.build_bag(work / "collection", work / "bags"))
        if not run.ok:
            print("bag failed:", [i.message for i in run.extraction.all_issues() if i.severity == "error"][:5])
            return 1
        report = timed("validate (separate)", rows, lambda: validate(run.bag))
        assert report.valid, report.problems[:3]
        for n in (1, 2):
            report = timed(f"validate BagIt only, {n}p", rows,
                           lambda: validate(run.bag, metadata=False, processes=n))  # noqa: B023
            assert report.valid, report.problems[:3]
        tgz = shutil.make_archive(str(work / run.bag.name), "gztar", run.bag.parent, run.bag.name)
        zipped = shutil.make_archive(str(work / run.bag.name), "zip", run.bag.parent, run.bag.name)
        for label, archive in (("validate .tar.gz in place", tgz), ("validate .zip in place", zipped)):
            report = timed(label, rows, lambda: validate(Path(archive)))  # noqa: B023
            assert report.valid, report.problems[:3]
        size = sum(p.stat().st_size for p in (run.bag / "data" / "objects").iterdir())
        print(f"{len(ex.items)} items, {size / 1e6:.1f} MB of images, {args.width}px wide")
        for label, seconds in rows:
            per = f"{seconds / len(ex.items) * 1000:8.1f} ms/item" if label != "generate collection" else ""
            print(f"{label:<24} {seconds:8.2f} s {per}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
