"""A read-only ExifTool session: one long-lived process reading the tags of many files.

Both sides read images through it: the embedder before and after writing, the
validator when it compares embedded tags with a bag's sidecars. Writing lives in
:mod:`packager.embed.exiftool`, which extends this session; the validator never
loads it.

* ExifTool prints values such as ``1.50`` or ``True`` as JSON numbers and
  booleans, which would change them; reads run a fixed ``-api Filter`` that
  prefixes every value with U+001F, so every value arrives as a string
  (:func:`packager.metadata.tagvalues.parse` takes the mark off).
* IIM without a UTF-8 marker is decoded as Latin (cp1252, ExifTool's default).
* Arguments are fixed options and absolute paths without line breaks (E309):
  pyexiftool separates arguments with newlines.
* A watchdog kills a process that hangs or dies mid-reply (pyexiftool would
  wait forever); the next command starts a fresh one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

import exiftool as _pyexiftool
import exiftool.exiftool as _pyexiftool_module

from packager import issues
from packager.errors import EnvironmentProblem, ExifToolError, PackagerError
from packager.metadata.tagvalues import parse

MIN_VERSION = (12, 15)
ENV_VAR = "PACKAGER_EXIFTOOL"
# -e: no Composite tags (values ExifTool derives from others: nothing reads them, and making
# them cost about 30% of a read).
_READ = ("-j", "-a", "-G1", "-struct", "-e", "-api", 'Filter=$_="\\x{1F}$_"')
_COMMON = ("-charset", "iptc=Latin")  # how IIM without a UTF-8 marker is decoded
_BATCH = 200


def environment_problem(code: str, **values: Any) -> EnvironmentProblem:
    issue = issues.make(code, **values)
    return EnvironmentProblem(issue.message, [issue])


def find_exiftool() -> str:
    """The ExifTool executable: ``$PACKAGER_EXIFTOOL`` if set, else ``exiftool`` on PATH."""
    configured = os.environ.get(ENV_VAR, "")
    found = shutil.which(configured or "exiftool")
    if found is None:
        reason = f"{ENV_VAR}={configured!r} is not an executable" if configured else "no 'exiftool' on PATH"
        raise environment_problem("E004", reason=reason)
    return os.path.abspath(found)


def exiftool_version(executable: str) -> str:
    """Run ``executable -ver`` once; E004 if it is not ExifTool, E005 if older than MIN_VERSION."""
    try:
        done = subprocess.run([executable, "-ver"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise environment_problem("E004", reason=f"{executable}: {exc}") from exc
    text = done.stdout.decode("ascii", "replace").strip()
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    if done.returncode != 0 or match is None:
        raise environment_problem("E004", reason=f"{executable} -ver printed {text[:40]!r}, not an ExifTool version")
    if (int(match[1]), int(match[2])) < MIN_VERSION:
        raise environment_problem("E005", version=text, minimum=f"{MIN_VERSION[0]}.{MIN_VERSION[1]:02d}")
    return text


def checked_path(path: Path | str) -> Path:
    """Absolute form of ``path``; a CR or LF in it would split the argument, so refuse (E309)."""
    text = os.fspath(path)
    if "\n" in text or "\r" in text:
        issue = issues.make("E309", path=text, file=text)
        raise PackagerError(issue.message, [issue])
    return Path(os.path.abspath(text))


def messages(stderr: str, kind: str) -> dict[str, list[str]]:
    """ExifTool's ``Kind: text - file`` lines of stderr, grouped by file ("" if none named)."""
    found: dict[str, list[str]] = {}
    for line in stderr.splitlines():
        head, _, text = line.partition(":")
        if head != kind:
            continue
        message, sep, file = text.strip().rpartition(" - /")
        found.setdefault("/" + file if sep else "", []).append(message if sep else text.strip())
    return found


# An ExifTool must not outlive the packager. In stay-open mode it reads its arguments
# from stdin and, at the end of that stream, waits for more rather than exiting: after
# the packager is killed (SIGKILL, an out-of-memory kill) every one of its ExifTools
# would stay, idle, for good. Linux ends them with PR_SET_PDEATHSIG, which pyexiftool
# sets in the child before exec; but the signal goes when the *thread* that started
# the process ends, and ExifTools are started by worker threads that end long before
# their sessions close. So every ExifTool here is started by a thread of one pool
# whose threads live as long as the interpreter (:func:`_start`; several, so that
# workers still start their ExifTools side by side), and prctl is looked up in the
# parent so that the child, between fork and exec, only calls it.
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _pdeathsig(sig: int) -> Any:
    """The preexec_fn that asks Linux to send ``sig`` to the child when its parent ends (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # a C library without prctl: the child is not tied to us
        return None

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, sig)

    return in_child


_pyexiftool_module._set_pdeathsig = _pdeathsig
_starter: ThreadPoolExecutor | None = None
_starter_lock = threading.Lock()


def _start(process: _pyexiftool.ExifTool) -> None:
    """Start ``process`` on a long-lived starting thread (see above), and wait for it."""
    global _starter
    with _starter_lock:
        if _starter is None:
            _starter = ThreadPoolExecutor(max_workers=32, thread_name_prefix="exiftool-start")
        starter = _starter
    starter.submit(process.run).result()


class _Process(_pyexiftool.ExifTool):
    """pyexiftool's stay-open process, plus what the watchdog needs.

    pyexiftool reads replies without a time limit and spins forever when the
    process dies mid-reply; killing the process and closing its pipes is the
    only way to get the waiting thread out.
    """

    def died(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def kill(self) -> None:
        popen = self._process
        if popen is None:
            return
        popen.kill()
        for stream in (popen.stdout, popen.stderr, popen.stdin):
            with contextlib.suppress(OSError, ValueError):
                stream.close()

    def abandon(self) -> None:
        self.kill()
        if self._process is not None:
            self._process.wait()
        self._flag_running_false()


class ExifToolSession:
    """One long-lived ExifTool process reused for many files (``with ExifTool() as et``).

    Commands are serialised by a lock; for parallel work give each worker its
    own object. ``timeout`` bounds every single command; a command that exceeds it gets
    E302 and the next command runs in a fresh process.
    """

    def __init__(self, executable: str | None = None, timeout: float = 120.0) -> None:
        self.executable = executable or find_exiftool()
        self.timeout = timeout
        self.version = ""
        self._process: _Process | None = None
        self._lock = threading.Lock()
        self._watched: _Process | None = None  # the process the watchdog thread looks after
        self._deadline: float | None = None  # when the running command must have finished

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Check the version (E004/E005) and start the stay-open process."""
        if not self.version:
            self.version = exiftool_version(self.executable)
        if self._process is None:
            process = _Process(executable=self.executable, common_args=list(_COMMON), encoding="utf-8")
            try:
                self._guarded(process, _start, process)
            except Exception as exc:
                process.abandon()
                raise environment_problem("E004", reason=f"{self.executable} did not start: {exc}") from exc
            self._process = process

    def close(self) -> None:
        process, self._process = self._process, None
        self._watched = None  # the watchdog thread ends
        if process is not None and not process.died():
            try:
                process.terminate(timeout=10)
            except Exception:  # already broken: make sure it is gone
                process.abandon()

    def _guarded(self, process: _Process, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``call`` with a deadline: the session's watchdog kills the process if the call
        takes longer than ``timeout`` or the process dies while it waits."""
        self._watch(process)
        self._deadline = time.monotonic() + self.timeout
        try:
            return call(*args, **kwargs)
        finally:
            self._deadline = None

    def _watch(self, process: _Process) -> None:
        """One watchdog thread per process (not per command: a thread per command cost
        about 14% of the time of a small write)."""
        if self._watched is process:
            return
        self._watched = process

        def watch() -> None:
            while self._watched is process and not process.died():
                deadline = self._deadline
                if deadline is not None and time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            if self._watched is process:  # timed out or died: free the waiting caller
                process.kill()

        threading.Thread(target=watch, daemon=True, name="exiftool-watchdog").start()

    def _call(self, *args: str | bytes) -> tuple[int, str, str]:
        """Run one command: (exit status, stdout, stderr); ExifToolError if the process failed."""
        with self._lock:
            if self._process is not None and self._process.died():
                self._process.abandon()
                self._process = None
            self.start()
            process = self._process
            assert process is not None
            try:
                out = self._guarded(process, process.execute, *args, raw_bytes=True)
            except Exception as exc:
                process.abandon()
                self._process = None
                raise ExifToolError(f"ExifTool stopped responding ({type(exc).__name__}: {exc}); "
                                    "it is restarted for the next file") from exc
            err = process.last_stderr or b""
            return (process.last_status or 0, out.decode("utf-8", "replace"),
                    err.decode("utf-8", "replace") if isinstance(err, bytes) else err)

    def read_many(self, paths: Iterable[Path | str]) -> list[dict[str, Any]]:
        """Tags of many files, one ExifTool command per batch, in the order given.

        A file ExifTool could not read at all gets ``{"ExifTool:Error": ...}``.
        """
        return self._records([checked_path(p) for p in paths], _READ)

    def _records(self, targets: list[Path], options: tuple[str, ...]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(targets), _BATCH):
            batch = targets[start:start + _BATCH]
            status, out, err = self._call(*options, *(os.fsencode(t) for t in batch))
            by_name = {str(r.pop("SourceFile", "")): r for r in parse(out)}
            errors = messages(err, "Error")
            results += [by_name.get(str(t)) or {"ExifTool:Error": "; ".join(errors.get(str(t), []))
                                                 or f"not read (exit status {status})"} for t in batch]
        return results

    def read(self, path: Path | str) -> dict[str, Any]:
        """All tags of one file keyed ``Group1:Tag`` (``-a -G1 -struct -j``), values as text.

        Raises :class:`ExifToolError` when ExifTool cannot read the file at all.
        """
        target = checked_path(path)
        record = self._records([target], _READ)[0]
        if list(record) == ["ExifTool:Error"]:
            raise ExifToolError(f"ExifTool could not read {target}: {record['ExifTool:Error']}")
        return record
