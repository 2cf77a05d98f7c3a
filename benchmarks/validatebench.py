"""Validation: ``packager validate`` against bagit-python, raw hashing and ExifTool's batch read.

All five read the bag the packager wrote of the corpus in this run, from a
warm page cache (the machine's memory holds every corpus here).

- ``packager --quiet validate BAG --no-metadata --json``: BagIt, checksums,
  profile; compared with bagit 1.9.0's full validation
  (``bagit.Bag(path).validate(processes=2)``, a child ``python -c``) and with
  the hashing limit (``hashlimit.py``: sha256 and sha512 of every payload
  file in one read, ``os.cpu_count()`` threads).
- ``packager --quiet validate BAG --json``: the above plus the metadata
  layer (sidecars against each other and against the tags and pixels in
  every image); compared with the hashing limit plus ExifTool's own batch
  read of every image (``exiftool -j -a -G1 -struct``, two processes side by
  side, each half the images): the least a validator that hashes everything
  and reads every image's metadata must spend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .context import HASH_SCRIPT, Context, packaged_bag, read_json, verdict
from .corpus import Corpus
from .measure import BenchmarkError, Command, Sample, Series, paired_ratio, rounds, run

BAGIT_VALIDATE = "import sys, bagit; bagit.Bag(sys.argv[1]).validate(processes=2)"
WORKERS = 2


def _packager_validate(ctx: Context, bag: Path, report: Path, *options: str) -> Sample:
    sample = run(Command(ctx.packager_argv("validate", bag, *options, "--json"), stdout=report,
                         stderr=report.with_suffix(".err"), ok_codes=(0, 1)))
    document = read_json(report, "packager validate")
    if not document.get("valid"):
        raise BenchmarkError(f"packager validate {' '.join(options)} called the bag invalid "
                             f"({verdict(document)}); see {report}")
    return sample


def bench(ctx: Context, corpus: Corpus) -> dict[str, Any]:
    """The five on the packager's bag of ``corpus``, paired rounds; figures and ratios."""
    bag = packaged_bag(ctx, corpus)
    base = ctx.folder(corpus.name, "validate")
    payload = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    images = sorted((bag / "data" / "objects").iterdir())
    lists = []
    for w in range(min(WORKERS, len(images))):
        lists.append(base / f"images-{w}.txt")
        lists[-1].write_text("".join(f"{p}\n" for p in images[w::WORKERS]), encoding="utf-8")

    def exiftool_read() -> Sample:
        return run(*(Command([ctx.exiftool, "-j", "-a", "-G1", "-struct", "-@", lists[w]],
                             stdout=base / f"read-{w}.json", stderr=base / f"read-{w}.err")
                     for w in range(len(lists))))

    things = {
        "no_metadata": lambda: _packager_validate(ctx, bag, base / "no-metadata.json", "--no-metadata"),
        "full": lambda: _packager_validate(ctx, bag, base / "full.json"),
        "bagit": lambda: run(Command([ctx.python, "-c", BAGIT_VALIDATE, bag], stderr=base / "bagit.err")),
        "hash_limit": lambda: run(Command([ctx.python, HASH_SCRIPT, bag], stdout=base / "hash.txt",
                                          stderr=base / "hash.err")),
        "exiftool_read": exiftool_read,
    }
    files, size = len(payload), sum(p.stat().st_size for p in payload)
    image_bytes = sum(p.stat().st_size for p in images)
    series = {name: Series(files, size) for name in things}
    series["exiftool_read"] = Series(len(images), image_bytes)
    by_round = rounds(ctx.repeat, things, series, f"validate {corpus.name}")
    figures: dict[str, Any] = {name: s.figures() for name, s in series.items()}
    figures["ratios"] = {
        # bagit's time over packager --no-metadata's: how many times faster the packager is
        "no_metadata_speedup_vs_bagit": paired_ratio(by_round, lambda r: r["bagit"].seconds / r["no_metadata"].seconds),
        # packager --no-metadata over the hashing limit: 1.0 would be hashing speed
        "no_metadata_over_hash_limit": paired_ratio(
            by_round, lambda r: r["no_metadata"].seconds / r["hash_limit"].seconds),
        # full validation over (hashing limit + ExifTool batch read)
        "full_over_limits": paired_ratio(
            by_round, lambda r: r["full"].seconds / (r["hash_limit"].seconds + r["exiftool_read"].seconds)),
    }
    return figures
