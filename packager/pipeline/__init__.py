"""Orchestration: collection -> records -> embedded copies -> bag -> validation.

The pipeline prints nothing; it returns values (and calls ``progress`` with
counts) that :mod:`packager.cli.render` renders and :mod:`packager.cli` exits on.
Originals are only ever read: every write goes into the bag's staging folder.

* :mod:`.extraction`: reading, pairing, analysing and reviewing a collection
  (``packager extract``);
* :mod:`.reviewing`: writing the review sheet (``packager review``);
* :mod:`.bagging`: a bag run (``packager bag``): items embedded in batches on
  an engine's workers, sidecars and manifests, the check after writing.
"""

from __future__ import annotations

from .bagging import BagRun, build_bag, resolve_bagging_date
from .extraction import DEFAULT_WORKERS, Extraction, Progress, analyse_collection, extract, load_config
from .reviewing import ReviewRun, write_review

__all__ = ["DEFAULT_WORKERS", "BagRun", "Extraction", "Progress", "ReviewRun", "analyse_collection", "build_bag",
           "extract", "load_config", "resolve_bagging_date", "write_review"]
