"""A real Dask cluster for tests, and module-level jobs for its workers.

:func:`running` starts ``dask scheduler`` and ``dask worker`` from the
virtualenv as separate processes on 127.0.0.1, waits for the workers and
yields the scheduler's address; the ``dask_scheduler`` fixture in conftest.py
keeps one for the whole session. The workers start in the repository with it on
``PYTHONPATH``, so they import this checkout's ``packager`` and ``tests``: a job
function must be module-level (here or in a test module) to reach them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from packager.engine import worker_local

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
START_TIMEOUT = 90.0  # seconds; the machine may be busy
STOP_TIMEOUT = 20.0


def have_distributed() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


class ClusterError(RuntimeError):
    """The cluster did not come up; the message holds what its processes printed."""


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([str(DASK), *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the worker's nannies close their workers cleanly); SIGKILL to its process group if that hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the nannies' worker processes too
        process.wait()


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(folder.glob("*.log")))


def _wait_for_address(scheduler_file: Path, processes: list[subprocess.Popen[bytes]], deadline: float) -> str:
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise ClusterError("a dask process exited while starting")
        try:
            return str(json.loads(scheduler_file.read_text())["address"])
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
    raise ClusterError(f"no scheduler file at {scheduler_file}")


@contextmanager
def running(folder: Path, workers: int = 2, threads: int = 1) -> Iterator[str]:
    """A scheduler and ``workers`` worker processes of ``threads`` threads; yields ``tcp://127.0.0.1:PORT``."""
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    deadline = time.monotonic() + START_TIMEOUT
    with ExitStack() as stack:
        scheduler = _start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                            "--scheduler-file", str(scheduler_file)], folder / "scheduler.log")
        stack.callback(_stop, scheduler)
        try:
            address = _wait_for_address(scheduler_file, [scheduler], deadline)
            worker = _start(["worker", address, "--nthreads", str(threads), "--nworkers", str(workers),
                             "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(folder / "work")],
                            folder / "worker.log")
            stack.callback(_stop, worker)  # stopped before the scheduler
            with Client(address, timeout=30, set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
        except Exception as exc:
            raise ClusterError(f"the Dask cluster did not start: {exc}\n{_logs(folder)}") from exc
        yield address


# --- jobs the workers run ---------------------------------------------------------------------------

class JobFailed(Exception):
    """Raised by :func:`fail_on`; picklable, so it reaches the caller as itself."""


def whoami(n: int) -> tuple[int, int, int]:
    """The job's number, and the process and thread that ran it (after a short nap, so work spreads)."""
    time.sleep(0.05)
    return n, os.getpid(), threading.get_ident()


def fail_on(n: int) -> int:
    if n == 3:
        raise JobFailed(f"job {n} failed on purpose")
    return n


def fail_first(job: tuple[int, str]) -> int:
    """Job 0 fails soon; every other job takes a while, then leaves a file named after itself in the folder."""
    n, folder = job
    if n == 0:
        time.sleep(0.2)
        raise JobFailed(f"job {n} failed on purpose")
    time.sleep(0.5)
    Path(folder, str(n)).touch()
    return n


class Resource:
    """A stand-in for a long-lived process: counts its uses; ``close()`` may leave a mark in a file."""

    def __init__(self, mark: str | None = None) -> None:
        self.uses = 0
        self.closed = False
        self.mark = mark

    def close(self) -> None:
        self.closed = True
        if self.mark:
            with open(self.mark, "a", encoding="utf-8") as out:
                out.write(f"{os.getpid()}\n")


def use_resource(job: tuple[str, int, str | None]) -> tuple[int, int, int, int, int]:
    """``worker_local`` under the job's key: (job, pid, thread, the object's id, its use count so far)."""
    key, n, mark = job
    resource = worker_local(key, lambda: Resource(mark))
    resource.uses += 1
    time.sleep(0.02)
    return n, os.getpid(), threading.get_ident(), id(resource), resource.uses
