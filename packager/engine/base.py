"""The interface every engine offers: ordered, windowed ``map`` of a function over jobs.

An engine only has to say how one job is submitted and how submitted jobs are
cancelled; :meth:`Engine.map` keeps the order and the window for all of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

J = TypeVar("J")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Pending(Protocol[R_co]):
    """A submitted job: a ``concurrent.futures.Future`` or a ``distributed.Future``."""

    def result(self) -> R_co: ...

    def cancel(self) -> object: ...


class Engine(ABC):
    """Runs a module-level function over jobs, ``workers`` of them at once.

    ``name`` says where for reports: ``"local"`` or ``"dask tcp://HOST:PORT"``.
    An engine is a context manager; leaving it calls :meth:`close`.
    """

    workers: int
    name: str

    def map(self, fn: Callable[[J], R], jobs: Iterable[J], *, window: int | None = None) -> Iterator[R]:
        """``fn(job)`` for every job, results in the order of ``jobs``.

        Each result is yielded as soon as it and all before it are done. At most
        ``window`` jobs (default ``2 * workers + 2``) are submitted and not yet
        yielded, and ``jobs`` is consumed lazily, so memory stays flat however
        many jobs there are. Jobs are submitted when the first result is asked
        for.

        An exception raised by ``fn`` is raised here (its own type, when it
        survives pickling) once the jobs still pending are cancelled: those not
        started never run, and those already running are waited for, so nothing
        this call submitted is still running when the exception arrives. The
        same happens when the caller stops early (closes the iterator, or
        drops it).
        """
        size = 2 * self.workers + 2 if window is None else window
        if size < 1:
            raise ValueError(f"window must be at least 1, not {size}")
        return self._ordered(fn, iter(jobs), size)

    def _ordered(self, fn: Callable[[J], R], jobs: Iterator[J], size: int) -> Iterator[R]:
        pending: deque[Pending[R]] = deque()
        try:
            while True:
                for job in islice(jobs, size - len(pending)):  # takes no more jobs than it submits
                    pending.append(self._submit(fn, job))
                if not pending:
                    return
                head = pending.popleft()
                result = self._result(head)
                self._release(head)
                del head  # a Dask future held here would keep its result on the cluster
                yield result
        finally:
            if pending:
                self._cancel(list(pending))

    @abstractmethod
    def _submit(self, fn: Callable[[J], R], job: J) -> Pending[R]:
        """Start ``fn(job)`` and return its handle."""

    def _result(self, pending: Pending[R]) -> R:
        """The job's result, or the exception it raised."""
        return pending.result()

    def _release(self, pending: Pending[Any]) -> None:  # noqa: B027 - most engines have nothing to release
        """Forget a job whose result has been taken."""

    @abstractmethod
    def _cancel(self, pending: list[Pending[Any]]) -> None:
        """Cancel jobs not yet started, and return once those already running have ended."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources; calling it again does nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}, {self.workers} worker(s)>"

