"""What every section needs: the commands to run, where to work, how often to repeat.

The packager is only ever run through its command line, as a user runs it
(``packager --quiet bag ...``, ``packager --quiet validate ...``), so the
benchmark measures what a user gets and keeps working while the package's
insides change. ``--packager`` names another command (another checkout's
``python -m packager``) to measure that one instead.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import Corpus
from .measure import BenchmarkError, Command, Sample, run, tail

HERE = Path(__file__).resolve().parent
DIY_SCRIPT = HERE / "diy.py"
HASH_SCRIPT = HERE / "hashlimit.py"


@dataclass(frozen=True)
class Context:
    packager: tuple[str, ...]  # the command before the packager's arguments
    python: str  # runs the in-Python baselines (bagit, hashing, DIY) as children
    exiftool: str
    work: Path  # scratch space: bags, copies, outputs
    repeat: int
    diy_files: int  # how many files of each corpus the DIY script handles

    def packager_argv(self, *args: str | Path) -> list[str]:
        return [*self.packager, "--quiet", *(str(a) for a in args)]

    def folder(self, *parts: str) -> Path:
        path = self.work.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


def read_json(path: Path, what: str) -> Any:
    """The JSON document a command wrote to ``path``; when there is none, say why (its stderr,
    kept beside it as ``.err``, e.g. a traceback)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchmarkError(f"{what}: no JSON document in {path} ({exc}); its stderr ends:\n"
                             f"{tail(path.with_suffix('.err'))}") from exc


def run_bag(ctx: Context, corpus: Corpus, out: Path, report: Path) -> Sample:
    """``packager bag`` of ``corpus`` into an empty ``out``; fails unless the bag was written and is valid."""
    shutil.rmtree(out, ignore_errors=True)
    command = Command(ctx.packager_argv("bag", corpus.folder, "--out", out, "--json"), stdout=report,
                      stderr=report.with_suffix(".err"), ok_codes=(0, 1))
    sample = run(command)
    document = read_json(report, "packager bag")
    if not document.get("ok") or not document.get("bag"):
        raise BenchmarkError(f"packager bag {corpus.folder} did not give a valid bag ({verdict(document)}); "
                             f"see {report}")
    return sample


def verdict(document: dict[str, Any]) -> str:
    """What a packager JSON report says went wrong, in one line: its error, else its problems' codes."""
    if isinstance(document.get("error"), dict):
        return str(document["error"].get("message", "error"))
    found = Counter(i["code"] for item in document.get("items", []) for i in item.get("issues", [])
                    if i.get("severity") == "error")
    validation = document.get("validation") or document
    found.update(p["code"] for p in validation.get("problems", []) if p.get("severity") == "error")
    return ", ".join(f"{code} x{count}" for code, count in sorted(found.items())) or "no error reported"


def issue_counts(report: Path) -> dict[str, int]:
    """How many of each issue code a packager JSON report holds (items' and the run's)."""
    document = read_json(report, "packager report")
    codes = Counter(i["code"] for item in document.get("items", []) for i in item.get("issues", []))
    codes.update(i["code"] for i in document.get("issues", []))
    return dict(sorted(codes.items()))


def packaged_bag(ctx: Context, corpus: Corpus) -> Path:
    """The bag the packager made of ``corpus`` in this run (the bag section's last), made now if none."""
    report = ctx.folder(corpus.name) / "packager-bag.json"
    out = ctx.work / corpus.name / "packager-out"
    if not report.is_file() or not out.is_dir():
        run_bag(ctx, corpus, out, report)
    return Path(read_json(report, "packager bag")["bag"])
