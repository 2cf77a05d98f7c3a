"""Archival metadata packager: captions to Dublin Core and IPTC, embedded, bagged, validated.

The stages, their data and their rules are described in ``docs/architecture.md``.
"""

from __future__ import annotations

#: The one place the version is written: pyproject.toml reads it from here (a lookup
#: through importlib.metadata cost about 45 ms of every command's start-up).
__version__ = "0.1.0"
