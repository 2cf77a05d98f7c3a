"""Which software made or checked something: recorded in every report and bag."""

from __future__ import annotations

import platform

from packager import __version__

from . import crosswalk


def software(exiftool_version: str = "") -> dict[str, str]:
    """Versions of the packager, its crosswalk, Python and (when used) ExifTool."""
    out = {"packager": __version__, "crosswalk": crosswalk.load().version, "python": platform.python_version()}
    if exiftool_version:
        out["exiftool"] = exiftool_version
    return out
