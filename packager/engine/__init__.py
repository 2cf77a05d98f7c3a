"""Where item work runs: threads in this process, or a Dask cluster, behind one interface.

:func:`local_engine` (the default) runs jobs on a pool of threads here;
:func:`dask_engine` sends them to the workers of a running ``dask.distributed``
cluster, which must share the client's filesystem (see
:mod:`packager.engine.cluster`). Both give an :class:`Engine` whose ``map``
yields results in the order of the jobs, with a bounded number in flight.
:func:`worker_local` keeps one long-lived object per worker thread (an
ExifTool process, say) and has it closed with the engine or the worker.

This package is generic: it knows nothing of items, images or bags, and imports
nothing from the stages that use it.
"""

from __future__ import annotations

from .base import Engine
from .cluster import dask_engine
from .local import local_engine
from .resources import worker_local

__all__ = ["Engine", "dask_engine", "local_engine", "worker_local"]
