"""Engines run item work in order, a bounded window at a time, locally or on a real Dask cluster.

The Dask tests use the session's ``dask_scheduler`` fixture (a scheduler and two
worker processes started from the virtualenv, see tests/cluster.py); their job
functions live in tests/cluster.py so that the workers can import them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from packager import errors
from packager.engine import Engine, dask_engine, local_engine, worker_local
from packager.errors import EnvironmentProblem

from . import cluster
from .cluster import JobFailed, Resource
from .conftest import ROOT
from .test_architecture import GRAPH, reachable

needs_dask = pytest.mark.skipif(not cluster.have_distributed(), reason="distributed is not installed")


class Feed:
    """A lazy job source that counts how many jobs the engine has taken from it."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0

    def __iter__(self) -> Iterator[int]:
        for n in range(self.count):
            self.taken += 1
            yield n


# --- the local engine -------------------------------------------------------------------------------

def test_local_results_come_in_job_order_though_jobs_finish_out_of_order() -> None:
    second_done = threading.Event()
    finished: list[int] = []

    def job(n: int) -> int:
        if n == 0:
            assert second_done.wait(10), "job 1 never finished"
        time.sleep(0.01 * (n % 3))
        finished.append(n)
        if n == 1:
            second_done.set()
        return n * n

    with local_engine(2) as engine:
        assert list(engine.map(job, range(8))) == [n * n for n in range(8)]
    assert finished[0] == 1 and finished.index(0) > 0  # 0 finished after 1, yet came first


def test_local_window_bounds_the_jobs_in_flight_and_jobs_are_taken_lazily() -> None:
    feed = Feed(200)
    running = 0
    most_running = 0
    lock = threading.Lock()

    def job(n: int) -> int:
        nonlocal running, most_running
        with lock:
            running += 1
            most_running = max(most_running, running)
        time.sleep(0.001)
        with lock:
            running -= 1
        return n

    with local_engine(3) as engine:
        results = engine.map(job, feed, window=5)
        assert feed.taken == 0  # nothing is submitted before the first result is asked for
        in_flight = []
        for yielded, n in enumerate(results, start=1):
            assert n == yielded - 1
            in_flight.append(feed.taken - (yielded - 1))  # taken and not yet yielded, this one included
        assert max(in_flight) == 5 and feed.taken == 200
        assert most_running <= 3

        default = Feed(100)
        for yielded, _ in enumerate(engine.map(job, default), start=1):
            assert default.taken - (yielded - 1) <= 2 * 3 + 2


def test_local_exception_reaches_the_caller_and_pending_jobs_never_run(tmp_path: Path) -> None:
    feed = Feed(100)
    started: list[int] = []

    def job(n: int) -> int:
        started.append(n)
        if n == 0:
            time.sleep(0.05)
            raise JobFailed("job 0 failed on purpose")
        time.sleep(0.2)
        (tmp_path / str(n)).touch()
        return n

    with local_engine(1) as engine:
        with pytest.raises(JobFailed, match="job 0 failed"):
            list(engine.map(job, feed, window=4))
        done_at_raise = sorted(p.name for p in tmp_path.iterdir())
        assert feed.taken <= 4
        assert set(started) <= {0, 1}  # the one worker may have started job 1; 2 and 3 were cancelled
        time.sleep(0.3)
        assert sorted(p.name for p in tmp_path.iterdir()) == done_at_raise  # nothing was still running
        assert list(engine.map(abs, [-1, -2])) == [1, 2]  # the engine is still usable


def test_local_stopping_early_cancels_the_rest() -> None:
    feed = Feed(1000)
    ran: list[int] = []

    def job(n: int) -> int:
        ran.append(n)
        return n

    with local_engine(2) as engine:
        results = engine.map(job, feed, window=3)
        assert next(results) == 0
        results.close()  # the caller stops reading
        assert feed.taken <= 3 and len(ran) <= 3


def test_worker_local_gives_one_object_per_thread_and_the_engine_closes_them() -> None:
    key = f"test-{uuid.uuid4()}"

    def job(n: int) -> tuple[int, Resource]:
        resource = worker_local(key, Resource)
        resource.uses += 1
        time.sleep(0.005)
        return threading.get_ident(), resource

    outside = worker_local(key, Resource)  # this thread belongs to no engine: its own object
    with local_engine(3) as engine:
        results = list(engine.map(job, range(40)))
        objects = {id(r): r for _, r in results}
        per_thread: dict[int, set[int]] = {}
        for thread, resource in results:
            per_thread.setdefault(thread, set()).add(id(resource))
        assert all(len(ids) == 1 for ids in per_thread.values())
        assert 1 <= len(objects) <= 3 and outside not in objects.values()
        assert sum(r.uses for r in objects.values()) == 40
        assert not any(r.closed for r in objects.values())
        other = local_engine(1)
        (theirs,) = {id(r): r for _, r in other.map(job, range(3))}.values()
        assert theirs not in objects.values()  # another engine's threads have their own
        other.close()
        assert theirs.closed
    assert all(r.closed for r in objects.values())
    assert not outside.closed and worker_local(key, Resource) is outside


def test_local_engine_basics() -> None:
    engine = local_engine(0)
    assert isinstance(engine, Engine)
    assert (engine.name, engine.workers) == ("local", 1)
    with pytest.raises(ValueError, match="window"):
        engine.map(abs, [1], window=0)
    assert list(engine.map(abs, [])) == []
    engine.close()
    engine.close()  # twice is harmless


# --- layering and the optional dependency ---------------------------------------------------------

def test_the_engine_imports_only_errors_and_issues() -> None:
    reached = {m for start in GRAPH if start.startswith("packager.engine") for m in reachable(start)}
    outside = sorted(m for m in reached if not m.startswith(("packager.engine", "packager.issues")))
    assert outside == ["packager.errors", "packager.model"]


def test_importing_the_engine_does_not_import_distributed() -> None:
    code = "import sys, packager.engine; print('distributed' in sys.modules, 'dask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["False", "False"]


def _assert_e007(caught: pytest.ExceptionInfo[EnvironmentProblem], *words: str) -> None:
    problem = caught.value
    assert problem.exit_code == errors.EXIT_ENVIRONMENT == 3
    assert [i.code for i in problem.issues] == ["E007"]
    assert "pip install 'packager[dask]'" in problem.message and "dask scheduler" in problem.message
    for word in words:
        assert word in problem.message


def test_without_distributed_the_dask_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(EnvironmentProblem) as caught:
        dask_engine("tcp://127.0.0.1:8786")
    _assert_e007(caught, "not installed", "tcp://127.0.0.1:8786")


@pytest.mark.parametrize("address", ["http://127.0.0.1:8786", "tcp://127.0.0.1", "127.0.0.1:0", "tcp://a b:1", ""])
def test_a_malformed_scheduler_address_is_e007(address: str) -> None:
    with pytest.raises(EnvironmentProblem) as caught:
        dask_engine(address)
    _assert_e007(caught, "tcp://HOST:PORT")


@needs_dask
def test_an_unreachable_scheduler_is_e007_with_exit_code_3() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(EnvironmentProblem) as caught:
        dask_engine(f"127.0.0.1:{port}", timeout=1.5)
    assert time.monotonic() - started < 20
    _assert_e007(caught, f"tcp://127.0.0.1:{port}", "no scheduler answered within 1.5 s")


# --- a real Dask cluster ------------------------------------------------------------------------------

@needs_dask
def test_dask_results_come_in_order_from_worker_processes(dask_scheduler: str) -> None:
    with dask_engine(dask_scheduler) as engine:
        assert isinstance(engine, Engine)
        assert engine.workers == 2 and engine.name == f"dask {dask_scheduler}"
        results = list(engine.map(cluster.whoami, range(16)))
    assert [n for n, _, _ in results] == list(range(16))
    pids = {pid for _, pid, _ in results}
    assert os.getpid() not in pids and len(pids) == 2  # both worker processes, none of them this one


@needs_dask
def test_dask_window_bounds_the_jobs_in_flight(dask_scheduler: str) -> None:
    feed = Feed(30)
    with dask_engine(dask_scheduler) as engine:
        for yielded, (n, _, _) in enumerate(engine.map(cluster.whoami, feed, window=3), start=1):
            assert n == yielded - 1 and feed.taken - n <= 3


@needs_dask
def test_dask_worker_local_keeps_one_object_per_worker_thread(dask_scheduler: str) -> None:
    key = f"test-{uuid.uuid4()}"
    with dask_engine(dask_scheduler) as engine:
        results = list(engine.map(cluster.use_resource, [(key, n, None) for n in range(20)]))
        again = list(engine.map(cluster.use_resource, [(key, n, None) for n in range(4)]))
    assert [r[0] for r in results] == list(range(20))
    objects: dict[tuple[int, int], set[int]] = {}
    uses: dict[tuple[int, int], list[int]] = {}
    for _, pid, thread, obj, count in results + again:
        objects.setdefault((pid, thread), set()).add(obj)
        uses.setdefault((pid, thread), []).append(count)
    assert len(objects) == 2 and all(len(ids) == 1 for ids in objects.values())
    for counts in uses.values():  # made once per thread, then used by every later job there
        assert sorted(counts) == list(range(1, len(counts) + 1))


@needs_dask
def test_dask_exception_reaches_the_caller_and_nothing_runs_after(dask_scheduler: str, tmp_path: Path) -> None:
    feed = Feed(100)
    with dask_engine(dask_scheduler) as engine:
        with pytest.raises(JobFailed, match="job 3 failed on purpose"):
            list(engine.map(cluster.fail_on, range(8)))
        with pytest.raises(JobFailed, match="job 0 failed on purpose"):
            list(engine.map(cluster.fail_first, ((n, str(tmp_path)) for n in feed), window=6))
        done_at_raise = sorted(p.name for p in tmp_path.iterdir())
        assert feed.taken <= 6 and set(done_at_raise) <= {"1", "2", "3", "4", "5"}
        time.sleep(1.0)
        assert sorted(p.name for p in tmp_path.iterdir()) == done_at_raise  # cancelled jobs never ran
        assert [n for n, _, _ in engine.map(cluster.whoami, range(3))] == [0, 1, 2]  # still usable


@needs_dask
def test_dask_worker_closes_its_objects_when_it_exits(tmp_path: Path) -> None:
    mark = tmp_path / "closed.txt"
    with cluster.running(tmp_path / "cluster", workers=1) as address, dask_engine(address) as engine:
        (pid,) = {pid for _, pid, *_ in engine.map(cluster.use_resource, [("closing", n, str(mark)) for n in range(3)])}
        assert not mark.exists()
    assert mark.read_text().split() == [str(pid)]  # closed once, by the worker process, as it shut down
