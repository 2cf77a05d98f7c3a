"""The registry of coded issues.

Every finding the packager reports has a stable code, a severity and a message
template. The code says what happened; the template, filled from the values
the call site gives, says what is wrong and what to do about it. Codes are
grouped by the stage that raises them, one module each:

* :mod:`.collecting` ``0xx`` configuration and environment, ``1xx`` reading the
  collection (captions, images, pairing), ``2xx`` analysing captions
* :mod:`.writing` ``3xx`` crosswalk and embedding, ``4xx`` writing the bag
* :mod:`.receiving` ``5xx`` BagIt validation (structure, manifests, checksums,
  archives, lint, profiles), ``6xx`` the metadata inside a bag (``621``-``629``,
  mets.xml and premis.xml, in :mod:`.receiving_mets`)

Use :func:`make` to build an :class:`~packager.model.Issue`; an unknown code is
a programming error.
"""

from __future__ import annotations

from . import collecting, receiving, receiving_mets, writing  # noqa: F401  (each registers its codes)
from .registry import IssueType, make, registry

__all__ = ["IssueType", "make", "registry"]
