"""Running a measured thing as child processes: wall time and peak memory.

Every measured thing, the packager and every baseline alike, runs as one or
more child processes, started by ``spawn.py`` (a small process, so that the
benchmark's own size does not leak into the children's peaks; see there).
Time is wall-clock from the first start to the last exit. Peak memory is
``ru_maxrss`` from ``os.wait4`` on each child: on Linux that is the largest
resident set of the child *or of any descendant it waited for* (the kernel
reports the maximum, not a sum), in KiB. A thing made of several children
started together (two ExifTools side by side) reports the largest of them.

Repetitions are paired: in each round every compared thing runs once, in an
order rotated from round to round, so slow spells of a shared machine hit
them all; ratios are taken within a round and their median reported.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Argv = Sequence[str | Path]
SPAWN = Path(__file__).resolve().parent / "spawn.py"


class BenchmarkError(RuntimeError):
    """A measured command failed, or produced something other than what was asked."""


@dataclass(frozen=True)
class Command:
    """One child process: its arguments and where its output goes."""

    argv: Argv
    stdout: Path | None = None  # None: discarded
    stderr: Path | None = None  # None: discarded
    ok_codes: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_kib: int


@dataclass
class Series:
    """Repeated samples of one measured thing on one set of files."""

    files: int
    bytes: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_kib for s in self.samples) / 1024

    def figures(self) -> dict[str, object]:
        """Medians and rates, the raw samples kept beside them."""
        seconds = self.seconds
        return {"files": self.files, "bytes": self.bytes, "seconds": figure(seconds),
                "files_per_s": figure(self.files / seconds), "mb_per_s": figure(self.bytes / 1e6 / seconds),
                "ms_per_file": figure(seconds / self.files * 1000), "peak_rss_mb": round(self.peak_mb, 1),
                "samples_s": [figure(s.seconds) for s in self.samples],
                "samples_peak_rss_mb": [round(s.peak_kib / 1024, 1) for s in self.samples]}


def figure(value: float) -> float:
    """A measured value kept to 5 significant digits (far finer than the noise)."""
    return float(f"{value:.5g}")


def _describe(command: Command) -> str:
    return " ".join(str(a) for a in command.argv)


def tail(path: Path | None, lines: int = 15) -> str:
    if path is None or not path.is_file():
        return "(stderr not kept)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def run(*commands: Command) -> Sample:
    """Start every command at once (through ``spawn.py``) and wait for all: the wall time and the
    largest peak RSS. Raises :class:`BenchmarkError` when a command exits with a code it does not allow.
    """
    spec = [{"argv": [str(a) for a in c.argv], "stdout": str(c.stdout) if c.stdout else None,
             "stderr": str(c.stderr) if c.stderr else None} for c in commands]
    done = subprocess.run([sys.executable, "-I", "-S", str(SPAWN)], input=json.dumps(spec), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"could not start {_describe(commands[0])}:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    failures = [f"{_describe(command)}\n  exit {child['code']}; stderr ends:\n{tail(command.stderr)}"
                for command, child in zip(commands, result["children"], strict=True)
                if child["code"] not in command.ok_codes]
    if failures:
        raise BenchmarkError("a measured command failed:\n" + "\n".join(failures))
    return Sample(result["seconds"], max(child["maxrss_kib"] for child in result["children"]))


def floor_kib() -> int:
    """The peak a command that does nothing is reported with: the starting process's own size."""
    return run(Command(["true"])).peak_kib


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """The benchmark's own progress, on stderr (stdout carries only the table), with the time since start."""
    print(f"benchmark [{time.perf_counter() - _STARTED:6.0f} s]: {message}", file=sys.stderr, flush=True)


def rounds(repeat: int, things: Mapping[str, Callable[[], Sample]], series: Mapping[str, Series],
           label: str) -> list[dict[str, Sample]]:
    """``repeat`` rounds, each running every thing once in a rotated order; the samples by round."""
    names = list(things)
    done: list[dict[str, Sample]] = []
    for index in range(repeat):
        shift = index % len(names)
        order = names[shift:] + names[:shift]
        this: dict[str, Sample] = {}
        for name in order:
            progress(f"{label}: round {index + 1}/{repeat}, {name}")
            sample = things[name]()
            this[name] = sample
            series[name].samples.append(sample)
            progress(f"{label}: {name} {sample.seconds:.2f} s, peak {sample.peak_kib / 1024:.0f} MB")
        done.append(this)
    return done


def paired_ratio(by_round: list[dict[str, Sample]], ratio: Callable[[dict[str, Sample]], float]) -> dict[str, object]:
    """The median of a ratio computed within each round, with the per-round values."""
    values = [ratio(r) for r in by_round]
    return {"median": figure(statistics.median(values)), "rounds": [figure(v) for v in values]}
