"""Archival metadata packager: captions to Dublin Core and IPTC, embedded, bagged, validated."""

from __future__ import annotations

from importlib import metadata as _metadata
from pathlib import Path

try:
    __version__ = _metadata.version("packager")
except _metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"

#: Where the project's data files (crosswalk, vocabularies, XSD) live.
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
