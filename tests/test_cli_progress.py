"""Progress on stderr: a bar per stage on a terminal, nothing at all otherwise.

The bars are drawn by tqdm into a stream that says it is a terminal (in
process), and into a real pseudo-terminal attached as stderr of
``python -m packager`` (end to end). Values are asserted, never timings.
"""

from __future__ import annotations

import fcntl
import io
import json
import logging
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from packager.cli.progress import BarSafeHandler, Progress
from packager.errors import EXIT_OK

from .conftest import COLLECTION, ROOT

SMALL = 4  # items in the small collection


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def final_lines(text: str) -> list[str]:
    """What a terminal shows once everything is drawn: the last state of each line."""
    return [segment.split("\r")[-1] for segment in text.split("\n") if segment.split("\r")[-1].strip()]


def stage(line: str) -> str:
    """The stage a bar is about (the bar reads "   embed: 100%|...")."""
    return line.split(":", 1)[0].strip()


def test_a_bar_per_stage_with_counts_rates_and_bytes() -> None:
    out, clock = Terminal(), Clock()
    progress = Progress(enabled=True, stream=out, clock=clock)
    assert progress.active
    progress("analyse", 0, 3)  # the three-argument form
    progress("analyse", 3, 3)
    progress("embed", 1, 2, 1_000_000)  # items, and bytes of originals done
    clock.now = 2.0
    progress("embed", 2, 2, 6_000_000)
    progress("verify", 2_000_000, 8_000_000)  # bytes hashed
    progress("verify", 8_000_000, 8_000_000)
    analyse, embed, verify = final_lines(out.getvalue())
    assert stage(analyse) == "analyse" and "3/3" in analyse and " items/s" in analyse
    assert stage(embed) == "embed" and "2/2" in embed and " items/s" in embed
    assert "3.00MB/s" in embed  # 6 MB in 2 s
    assert stage(verify) == "verify" and "8.00M/8.00M" in verify and "B/s" in verify


def test_the_next_stage_closes_an_unfinished_bar() -> None:
    out = Terminal()
    progress = Progress(enabled=True, stream=out)
    progress("embed", 1, 5)
    progress("verify", 10, 100)
    progress.close()
    embed, verify = final_lines(out.getvalue())
    assert stage(embed) == "embed" and "1/5" in embed
    assert stage(verify) == "verify"
    progress("verify", 100, 100)  # a finished stage reported again draws no second bar
    assert len(final_lines(out.getvalue())) == 2


def test_metadata_counts_images() -> None:
    out = Terminal()
    Progress(enabled=True, stream=out)("metadata", 4, 4)
    (line,) = final_lines(out.getvalue())
    assert stage(line) == "metadata" and "4/4" in line and " images/s" in line


@pytest.mark.parametrize("quiet, stream", [(True, Terminal()), (False, io.StringIO())])
def test_quiet_or_not_a_terminal_prints_nothing(quiet: bool, stream: io.StringIO) -> None:
    progress = Progress(enabled=not quiet, stream=stream)
    assert not progress.active
    progress("analyse", 1, 2)
    progress("embed", 2, 2, 1000)
    progress.close()
    assert stream.getvalue() == ""


def test_a_log_line_during_a_bar_gets_a_line_of_its_own() -> None:
    out = Terminal()
    progress = Progress(enabled=True, stream=out)
    handler = BarSafeHandler(progress)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    progress("embed", 1, 3)
    handler.emit(logging.LogRecord("packager", logging.WARNING, __file__, 1, "restoring the bag", None, None))
    progress("embed", 3, 3)
    lines = final_lines(out.getvalue())
    assert "WARNING restoring the bag" in lines
    assert stage(lines[-1]) == "embed" and "3/3" in lines[-1]


# End to end: python -m packager with stderr on a pseudo-terminal.


@dataclass
class Run:
    code: int
    stdout: str
    terminal: str  # everything written to stderr, i.e. to the terminal


def run_on_terminal(*args: str | Path, env: dict[str, str] | None = None) -> Run:
    """Run the CLI with stderr attached to a pseudo-terminal of 40 x 120; stdout is a pipe."""
    return on_terminal(["-m", "packager", *map(str, args)], env=env)


def on_terminal(python_args: list[str], env: dict[str, str] | None = None, size: tuple[int, int] = (40, 120)) -> Run:
    """Run Python with stderr attached to a pseudo-terminal of ``size`` (rows, columns); stdout is a pipe."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    proc = subprocess.Popen([sys.executable, *python_args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=terminal, cwd=ROOT, env=environment)
    os.close(terminal)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the process closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout, _ = proc.communicate(timeout=600)
    reader.join(timeout=60)
    os.close(controller)
    return Run(proc.returncode, stdout.decode("utf-8"), b"".join(chunks).decode("utf-8", "replace"))


def test_a_terminal_that_gives_no_size_still_gets_bars() -> None:
    code = ("from packager.cli.progress import Progress\n"
            "progress = Progress(enabled=True)\n"
            "progress('embed', 1, 4, 1000)\n"
            "progress('embed', 4, 4, 5000)\n")
    run = on_terminal(["-c", code], size=(0, 0))
    assert run.code == 0 and run.stdout == ""
    (line,) = final_lines(run.terminal.replace("\r\n", "\n"))
    assert stage(line) == "embed" and "4/4" in line and " items/s" in line and len(line) <= 80


@pytest.fixture(scope="module")
def small_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's first four captions and images."""
    folder = tmp_path_factory.mktemp("small") / "collection"
    shutil.copytree(COLLECTION, folder, ignore=shutil.ignore_patterns("images"))
    (folder / "images").mkdir()
    for n in range(1, SMALL + 1):
        shutil.copy2(COLLECTION / "images" / f"Surv - {n:03d}.jpg", folder / "images")
    lines = (COLLECTION / "captions.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "captions.txt").write_text("".join(lines[:SMALL]), encoding="utf-8")
    return folder


def bagging_date(bag: Path) -> str:
    info = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    return next(line.split(":", 1)[1].strip() for line in info if line.startswith("Bagging-Date:"))


def test_bag_on_a_terminal_draws_bars_and_stdout_stays_one_document(small_collection: Path,
                                                                      tmp_path: Path) -> None:
    run = run_on_terminal("bag", small_collection, "--out", tmp_path, "--json", "--bagging-date", "2001-02-03")
    assert run.code == EXIT_OK, run.terminal
    doc = json.loads(run.stdout)  # exactly one JSON document, untouched by the bars
    assert doc["ok"] is True and doc["summary"]["items"] == SMALL
    assert "\r" not in run.stdout and "items/s" not in run.stdout
    lines = final_lines(run.terminal.replace("\r\n", "\n"))
    stages = {stage(line): line for line in lines}
    for name in ("analyse", "embed"):
        assert f"{SMALL}/{SMALL}" in stages[name] and " items/s" in stages[name], run.terminal
    assert "B/s" in stages["verify"]
    assert bagging_date(Path(doc["bag"])) == "2001-02-03"


def test_quiet_on_a_terminal_prints_no_progress(small_collection: Path, tmp_path: Path) -> None:
    run = run_on_terminal("--quiet", "bag", small_collection, "--out", tmp_path,
                          env={"SOURCE_DATE_EPOCH": "981158400"})  # 2001-02-03, the default when no option
    assert run.code == EXIT_OK, run.terminal
    assert [mark for mark in ("%|", "items/s", "B/s", "analyse:", "embed:") if mark in run.terminal] == [], run.terminal
    assert run.stdout.rstrip().splitlines()[-1].split(": ")[1].startswith("VALID")
    assert bagging_date(tmp_path / "surveillance-china-photo-essay") == "2001-02-03"


def test_validate_on_a_terminal_shows_the_hashing(sample_bag: Path) -> None:
    run = run_on_terminal("validate", sample_bag, "--no-metadata")
    assert run.code == EXIT_OK, run.stdout
    verify = [line for line in final_lines(run.terminal.replace("\r\n", "\n")) if stage(line) == "verify"]
    assert len(verify) == 1 and "B/s" in verify[0] and "100%" in verify[0]
    assert "VALID" in run.stdout and "B/s" not in run.stdout


def test_bag_on_a_dask_cluster_from_the_command_line(small_collection: Path, tmp_path: Path,
                                                     dask_scheduler: str) -> None:
    run = run_on_terminal("bag", small_collection, "--out", tmp_path, "--json", "--scheduler", dask_scheduler,
                          "--bagging-date", "2001-02-03")
    assert run.code == EXIT_OK, run.stdout[-4000:]
    doc = json.loads(run.stdout)
    assert doc["ok"] is True and doc["validation"]["valid"] is True and doc["summary"]["items"] == SMALL
    embed = [line for line in final_lines(run.terminal.replace("\r\n", "\n")) if stage(line) == "embed"]
    assert len(embed) == 1 and f"{SMALL}/{SMALL}" in embed[0]
    assert bagging_date(Path(doc["bag"])) == "2001-02-03"
