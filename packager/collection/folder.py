"""What the image folder holds beyond names: entries that are no image file, contents that do not
match the name, names that are not UTF-8, and links.

Each check costs at most one ``stat`` and a read of the first bytes of a file,
so the whole folder is looked at before anything is analysed or written:

* an entry with an image suffix that is not a regular file (a folder, a FIFO,
  a device, a link that leads nowhere or to a folder) is E115. It is never
  opened: reading a FIFO would wait for a writer forever.
* a regular file that is empty, that holds no image format we package, or
  whose first bytes are another format than its suffix says (a PNG named
  ``.jpg``) is E115. ExifTool refuses to write such a file ("Not a valid JPG
  (looks more like a PNG)") and the packager never renames an original, so
  the archivist renames it. A JPEG cut off after its header is not found
  here: its pixel proof fails when it is bagged (E306).
* a name that is not valid UTF-8 (Linux hands such bytes to Python as
  surrogate escapes) is E117: BagIt manifests, XMP and the JSON report are
  UTF-8, and no caption file can name it.
* a symbolic link that stays inside the folder is followed: the bag holds
  the bytes of its target under the link's name. I116 says so for every link,
  naming its target and the other names that lead to the same file, so that
  a deliberate alias is told apart from an image filed twice.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from packager import issues
from packager.model import Issue

#: What each image suffix promises, by the name used in messages.
FORMAT_BY_SUFFIX = {".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".png": "PNG",
                    ".webp": "WebP", ".heic": "HEIF", ".avif": "HEIF"}
#: The suffix to suggest for each format found.
SUFFIX_BY_FORMAT = {"JPEG": ".jpg", "TIFF": ".tif", "PNG": ".png", "WebP": ".webp", "HEIF": ".heic",
                    "GIF": ".gif", "BMP": ".bmp", "JPEG 2000": ".jp2", "PDF": ".pdf"}
HEAD = 16  # bytes read from each file: enough for every signature below


def format_of(head: bytes) -> str | None:
    """The format the first bytes of a file announce, or None for none we know.

    HEIC and AVIF are both HEIF (ISO base media) files; ExifTool writes either
    under either suffix, so they are not told apart here.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        return "HEIF"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"BM"):
        return "BMP"
    if head.startswith((b"\x00\x00\x00\x0cjP  ", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head.startswith(b"%PDF"):
        return "PDF"
    return None


def not_utf8(name: str) -> bool:
    """True for a name whose bytes are not UTF-8 (os.fsdecode turned them into surrogate escapes)."""
    return any("\udc80" <= c <= "\udcff" for c in name)


def entry_kind(mode: int) -> str:
    """What a non-regular entry is, in the words of a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


_PUT_FILE = "; put the image file itself under this name, or remove the entry and its caption"


def not_a_file(path: Path) -> str | None:
    """Why the entry at ``path`` is not a regular file (links followed), or None when it is one."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return (f"is a symbolic link to {os.readlink(path)}, which does not exist{_PUT_FILE}" if path.is_symlink()
                else "disappeared while the folder was read; run again")
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = entry_kind(mode)
    if path.is_symlink():
        return f"is a symbolic link to {os.readlink(path)}, which is {kind}, not an image file{_PUT_FILE}"
    return f"is {kind}, not an image file{_PUT_FILE}"


def content_problem(path: Path, shown: str, read: Callable[[Path], bytes] | None = None) -> str | None:
    """Why the regular file at ``path`` cannot be the image its suffix says, or None.

    ``read`` gives the first bytes of a file (tests stand in a failing read).
    """
    try:
        head = (read or _head)(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc}); make it readable for this user"
    promised = FORMAT_BY_SUFFIX[path.suffix.lower()]
    if not head:
        return ("is empty (0 bytes); copy the image again from where it came, or remove the file and its "
                "caption")
    found = format_of(head)
    if found is None:
        return (f"holds no image format we know (it starts with {head[:8]!r}), though its name says "
                f"{promised}; replace it with the image, or remove the file and its caption")
    if found != promised:
        stem = shown[: -len(path.suffix)]
        return (f"holds a {found} image, though its name says {promised}; ExifTool will not write it under "
                f"this name: rename it to {stem}{SUFFIX_BY_FORMAT[found]} (and its caption's filename)")
    return None


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEAD)


def link_notes(folder: Path, names: list[str], shown: Callable[[str], str]) -> list[Issue]:
    """I116 for every symbolic link among ``names`` whose target is a file inside ``folder``."""
    targets = {name: (folder / name).resolve() for name in names if (folder / name).is_symlink()}
    if not targets:
        return []
    home = folder.resolve()
    by_target: dict[Path, list[str]] = {}
    for name in names:
        by_target.setdefault(targets.get(name, home / name), []).append(name)
    found = []
    for name, target in targets.items():
        if not target.is_relative_to(home):
            continue  # E113
        others = [shown(n) for n in by_target[target] if n != name]
        also = f"; the same file is also named {', '.join(others)} in this folder" if others else ""
        found.append(issues.make("I116", path=str(folder / shown(name)), file=shown(name),
                                 target=shown(str(target.relative_to(home))), also=also))
    return found
