"""Archival metadata packager: captions to Dublin Core and IPTC, embedded, bagged, validated.

The stages, their data and their rules are described in ``docs/architecture.md``.
"""

from __future__ import annotations

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("packager")
except _metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"
