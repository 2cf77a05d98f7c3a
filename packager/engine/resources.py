"""Long-lived objects kept per worker thread (an ExifTool process, say), and their closing.

Starting such an object costs far more than one job, so :func:`worker_local`
makes it on a thread's first job and hands the same object to every later job
on that thread. Each thread has its own, so nothing is shared between jobs that
run at once.

Who closes them depends on where the thread lives. Threads of a local engine are
bound to that engine's :class:`Scope` when they start, and the engine closes the
scope (every object its threads made) when it closes. Any other thread, a Dask
worker's included, uses the process's scope, closed when the interpreter exits
(``atexit``): a Dask worker process closes its objects when it shuts down.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from typing import TypeVar, cast

log = logging.getLogger(__name__)
T = TypeVar("T")


class Scope:
    """The objects made by a set of threads, closed together (each ``close()`` called once)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._objects: list[object] = []

    def add(self, obj: object) -> None:
        with self._lock:
            self._objects.append(obj)

    def close(self) -> None:
        """Close every object, newest first; a failure is logged and the others still closed."""
        with self._lock:
            objects, self._objects = self._objects, []
        for obj in reversed(objects):
            close = getattr(obj, "close", None)
            if close is None:
                continue
            try:
                close()
            except Exception:  # a close that fails must not keep the others open
                log.warning("closing %r (%s scope) failed", obj, self.name, exc_info=True)


PROCESS = Scope("process")
atexit.register(PROCESS.close)


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.scope = PROCESS
        self.objects: dict[str, object] = {}


_state = _ThreadState()


def bind_thread(scope: Scope) -> None:
    """Make ``scope`` own what the calling thread creates from now on (a thread pool's initializer)."""
    _state.scope = scope


def worker_local(key: str, factory: Callable[[], T]) -> T:
    """The calling thread's object under ``key``, made by ``factory()`` on first use.

    Later calls on the same thread return the same object, whatever factory they
    pass. The object is closed (its ``close()`` called, when it has one) with the
    thread's scope: when the local engine that owns the thread closes, or when
    the process exits (Dask workers, any other thread).
    """
    objects = _state.objects
    if key not in objects:
        obj = factory()
        objects[key] = obj
        _state.scope.add(obj)
    return cast(T, objects[key])
