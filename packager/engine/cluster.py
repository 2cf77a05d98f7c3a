"""The Dask engine: jobs run on an existing ``dask.distributed`` cluster.

Start a cluster with ``dask scheduler`` on one machine and ``dask worker
tcp://HOST:8786`` on each machine that should work, then pass the scheduler's
address to :func:`dask_engine`. ``distributed`` is an optional dependency
(``pip install 'packager[dask]'``) and is imported only here, when an engine
is asked for.

What the workers need:

- **The same filesystem as the client.** Jobs name files by path (images to
  read, staged copies to write), so every worker must see those paths exactly as
  the client does: one machine, or a shared filesystem mounted at the same place
  everywhere. Only jobs and results travel between the machines, so they
  should carry paths and small values, never image bytes.
- **The same software.** ``fn`` travels by reference (its module and name), so
  it must be a module-level function that workers can import: the packager, at
  the same version, installed in the workers' Python. Jobs, results and
  exceptions are pickled (an exception keeps its type and attributes; one that
  cannot be pickled reaches the caller as a plain ``Exception`` carrying its
  repr).

Objects made with :func:`~packager.engine.worker_local` live in the worker
process, one per worker thread, across jobs and across clients; they are
closed when the worker process exits.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from packager import issues
from packager.errors import EnvironmentProblem

from .base import Engine, J, Pending, R

TIMEOUT = 10.0  # seconds to wait for the scheduler to answer
DRAIN_TIMEOUT = 120.0  # seconds to wait for cancelled jobs that a worker had started
CODE = "E007"
log = logging.getLogger(__name__)
_ADDRESS = re.compile(r"(?:tcp://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>[0-9]{1,5})")


def problem(address: str, reason: str) -> EnvironmentProblem:
    """E007: the cluster cannot be used, why, and how to get one (exit code 3)."""
    issue = issues.make(CODE, address=address, reason=reason)
    return EnvironmentProblem(issue.message, [issue])


def scheduler_address(text: str) -> str:
    """``text`` as ``tcp://HOST:PORT`` (``HOST:PORT`` is completed); E007 when it is not an address."""
    match = _ADDRESS.fullmatch(text.strip())
    if match is None or not 0 < int(match["port"]) < 65536:
        raise problem(text, "not an address of the form tcp://HOST:PORT")
    return f"tcp://{match['host']}:{int(match['port'])}"


class DaskEngine(Engine):
    """A ``distributed.Client`` connected to a running scheduler; see :func:`dask_engine`."""

    def __init__(self, client: Any, address: str) -> None:
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError

        self._client = client
        self._address = address
        self._lost: tuple[type[Exception], ...] = (KilledWorker, FutureCancelledError)
        self.name = f"dask {address}"
        self.workers = max(1, sum(int(n) for n in client.nthreads().values()))
        self._closed = False

    def _submit(self, fn: Callable[[J], R], job: J) -> Pending[R]:
        future: Pending[R] = self._client.submit(fn, job, pure=False)
        return future

    def _result(self, pending: Pending[R]) -> R:
        try:
            return pending.result()
        except self._lost as exc:  # the cluster failed the job, not fn
            raise problem(self._address, f"a job was lost: {exc}") from exc

    def _release(self, pending: Pending[Any]) -> None:
        release = getattr(pending, "release", None)
        if release is not None:
            release()

    def _cancel(self, pending: list[Pending[Any]]) -> None:
        """Cancel the jobs; those a worker is running go on, so wait until no worker runs them any more."""
        if self._closed or not pending:
            return
        keys = {str(getattr(future, "key", "")) for future in pending}
        try:
            self._client.cancel(pending)
            deadline = time.monotonic() + DRAIN_TIMEOUT
            while (still := keys & _running(self._client)) and time.monotonic() < deadline:
                time.sleep(0.05)
        except (OSError, TimeoutError) as exc:  # the cluster is gone: nothing of ours runs there any more
            log.debug("could not cancel %d job(s) on %s: %s", len(keys), self.name, exc)
            return
        if still:
            log.warning("%s: %d job(s) still running %g s after they were cancelled", self.name, len(still),
                        DRAIN_TIMEOUT)

    def close(self) -> None:
        """Disconnect from the scheduler; the cluster and its workers go on running."""
        if self._closed:
            return
        self._closed = True
        self._client.close()


def _running(client: Any) -> set[str]:
    """The keys of the jobs the cluster's workers are running now."""
    running: dict[str, list[str]] = client.run(_active_keys)
    return {key for keys in running.values() for key in keys}


def _active_keys(dask_worker: Any) -> list[str]:
    """Run on each worker by ``Client.run``: what its threads are running (cancelled jobs included)."""
    return [str(key) for key in dict(dask_worker.active_threads).values()]


def dask_engine(scheduler: str, *, timeout: float = TIMEOUT) -> Engine:
    """An engine on the Dask cluster whose scheduler is at ``scheduler`` (``tcp://HOST:PORT``).

    Its ``workers`` is the number of worker threads in the cluster when it
    connects (at least one). E007 (:class:`EnvironmentProblem`, exit code 3)
    when ``distributed`` is not installed, the address is malformed, or no
    scheduler answers there within ``timeout`` seconds.
    """
    address = scheduler_address(scheduler)
    try:
        import distributed
    except ImportError as exc:
        raise problem(address, f"the distributed package is not installed ({exc})") from exc
    try:
        client: Any = distributed.Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:  # distributed says "Timed out trying to connect" as an OSError
        raise problem(address, f"no scheduler answered within {timeout:g} s") from exc
    except ValueError as exc:  # an address distributed cannot use
        raise problem(address, str(exc)) from exc
    try:
        return DaskEngine(client, address)
    except (OSError, TimeoutError) as exc:  # the scheduler went away while we asked for its workers
        client.close()
        raise problem(address, f"the scheduler stopped answering ({exc})") from exc
    except BaseException:
        client.close()
        raise
