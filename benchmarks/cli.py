"""The benchmark's command line: ``python -m benchmarks [options]`` (``make benchmark``).

Generates (or reuses) the corpora, runs the chosen sections, prints the
table on stdout and, with ``--json FILE``, writes every figure there.
Progress goes to stderr. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from . import bagbench, scalebench, validatebench
from .context import Context
from .corpus import Corpus, generated
from .measure import BenchmarkError, floor_kib, progress
from .report import render, write_json

HERE = Path(__file__).resolve().parent
SECTIONS = ("bag", "validate", "scale")
SEED = 20261124


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None


def _counts(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("every count must be 1 or more")
    return values


def _sections(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"sections are {', '.join(SECTIONS)}; got {text!r}")
    return chosen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", type=int, default=2000, metavar="N", help="small images in the small corpus (default 2000)")
    p.add_argument("--large", type=int, default=100, metavar="N", help="large images in the large corpus; 0: none (default 100)")
    p.add_argument("--small-size", type=_size, default=(640, 480), metavar="WxH", help="default 640x480")
    p.add_argument("--large-size", type=_size, default=(4000, 3000), metavar="WxH", help="default 4000x3000")
    p.add_argument("--repeat", type=int, default=3, metavar="N", help="rounds of every measurement; medians (default 3)")
    p.add_argument("--scales", type=_counts, default=[500, 2000, 8000], metavar="N,N,...", help="collection sizes for the scale "
                   "section, from the small corpus's images (default 500,2000,8000)")
    p.add_argument("--only", type=_sections, default=list(SECTIONS), metavar="SECTIONS", help="sections: bag,validate,scale (default all)")
    p.add_argument("--diy-files", type=int, default=40, metavar="N", help="files of each corpus the DIY script handles; "
                   "it costs one ExifTool start per file (default 40)")
    p.add_argument("--seed", type=int, default=SEED, metavar="N", help=f"corpus seed (default {SEED})")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write every figure to FILE as JSON")
    p.add_argument("--cache", type=Path, default=HERE / ".cache", metavar="DIR", help="where corpora are kept between runs")
    p.add_argument("--work", type=Path, metavar="DIR", help="scratch folder for bags and copies (default: a temporary one, "
                   "removed at the end)")
    p.add_argument("--packager", metavar="CMD", default=str(Path(sys.executable).parent / "packager"),
                   help="the packager command, split as a shell would (default: the packager beside this Python)")
    return p


def _version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return "unknown"
    return (done.stdout.split() or ["unknown"])[-1]  # "packager, version 0.1.0" or "12.57"


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _corpora(args: argparse.Namespace) -> dict[str, Corpus]:
    found = {"small": generated(args.cache, "small", args.seed, args.small, args.small_size)}
    if args.large > 0 and {"bag", "validate"} & set(args.only):
        found["large"] = generated(args.cache, "large", args.seed, args.large, args.large_size)
    return found


def run(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    started, load_before, stamp = time.perf_counter(), _load(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    corpora = _corpora(args)
    results: dict[str, Any] = {"benchmark": {}, "corpora": {name: c.describe() for name, c in corpora.items()}}
    if "bag" in args.only:
        results["bag"] = {name: bagbench.bench(ctx, c) for name, c in corpora.items()}
    if "validate" in args.only:
        results["validate"] = {name: validatebench.bench(ctx, c) for name, c in corpora.items()}
    if "scale" in args.only:
        results["scale"] = scalebench.bench(ctx, args.cache, corpora["small"], args.seed, args.scales)
    results["benchmark"] = {
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "repeat": ctx.repeat, "cpus": os.cpu_count(), "python": sys.version.split()[0],
        "packager_version": _version([*ctx.packager, "--version"]),
        "exiftool_version": _version([ctx.exiftool, "-ver"]), "bagit_version": metadata.version("bagit"),
        "peak_floor_mb": round(floor_kib() / 1024, 1),
        "load_before": load_before, "load_after": _load(), "total_s": round(time.perf_counter() - started, 1),
        "started": stamp,
    }
    return results


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.cache = args.cache.resolve()
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        print("benchmark: exiftool is not on PATH (Debian: apt-get install libimage-exiftool-perl)", file=sys.stderr)
        return 3
    if args.repeat < 1 or args.small < 1 or args.diy_files < 1:
        print("benchmark: --repeat, --small and --diy-files must be 1 or more", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="packager-benchmark-"))
    ctx = Context(packager=tuple(shlex.split(args.packager)), python=sys.executable, exiftool=exiftool,
                  work=work.resolve(), repeat=args.repeat, diy_files=args.diy_files)
    try:
        results = run(args, ctx)
    except BenchmarkError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        print(f"benchmark: outputs kept in {work}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"benchmark: interrupted; outputs kept in {work}", file=sys.stderr)
        return 130
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.stdout.write(render(results))
    if args.json:
        write_json(args.json, results)
        progress(f"figures written to {args.json}")
    return 0
