"""Opening a bag: the right :class:`~.source.BagSource` for what the user named.

A folder is read where it lies (:mod:`.folder`); a file is an archive when its
first bytes say so (its name is not trusted) and is read in place as a tar
(:mod:`.archive_tar`) or a zip (:mod:`.archive_zip`). Anything else is E513.
"""

from __future__ import annotations

from pathlib import Path

from packager.issues.receiving import situation
from packager.model import Issue

from .folder import DirSource
from .source import BagSource


def open_source(path: Path, out: list[Issue]) -> BagSource | None:
    """The source for ``path``: a folder, or a .tar/.tar.gz/.tgz/.zip archive.

    Returns None (with the reason in ``out``) when ``path`` is neither.
    """
    path = Path(path)
    if path.is_dir():
        return DirSource(path)
    return open_archive(path, out)


def _kind(path: Path) -> str | None:
    """"tar", "tar.gz" or "zip" from the first bytes, None when it is none of them."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "tar.gz"
    if len(head) >= 262 and head[257:262] == b"ustar" or path.name.lower().endswith(".tar") and head:
        return "tar"
    return None


def open_archive(path: Path, out: list[Issue]) -> BagSource | None:
    """A source for the archive at ``path``, or None (reason in ``out``)."""
    if not path.is_file():
        out.append(situation("E513", "not_a_file", path=str(path)))
        return None
    kind = _kind(path)  # the archive readers (tarfile, zipfile) load only for an archive
    if kind == "zip":
        from .archive_zip import ZipSource

        return ZipSource(path)
    if kind in ("tar", "tar.gz"):
        from .archive_tar import TarSource

        return TarSource(path, gzip=kind == "tar.gz")
    out.append(situation("E513", "not_an_archive", path=str(path), name=path.name))
    return None
