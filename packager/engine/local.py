"""The local engine: worker threads in this process (a ``ThreadPoolExecutor``).

Nothing is pickled: jobs and results are passed as they are. The threads are
bound to the engine's scope, so whatever :func:`~packager.engine.worker_local`
made on them is closed when the engine closes, after the last job has ended.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from .base import Engine, J, Pending, R
from .resources import Scope, bind_thread

_numbers = itertools.count(1)


class LocalEngine(Engine):
    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.name = "local"
        self._scope = Scope(f"local engine {next(_numbers)}")
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="engine",
                                            initializer=bind_thread, initargs=(self._scope,))
        self._closed = False

    def _submit(self, fn: Callable[[J], R], job: J) -> Pending[R]:
        return self._executor.submit(fn, job)

    def _cancel(self, pending: list[Pending[Any]]) -> None:
        for future in pending:
            future.cancel()
        wait([f for f in pending if isinstance(f, Future)])

    def close(self) -> None:
        """Cancel jobs not started, wait for the running ones, then close the threads' objects."""
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.shutdown(wait=True, cancel_futures=True)
        finally:
            self._scope.close()


def local_engine(workers: int) -> Engine:
    """An engine of ``workers`` threads in this process (at least one)."""
    return LocalEngine(workers)
