"""BagIt validator: the files of a bag folder actually on disk.

Part of the receiving side (see :mod:`.check`). The walk never
follows a symbolic link out of the bag and never opens anything but regular
files (a FIFO in the payload would otherwise hang the validator).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packager.issues.receiving import situation
from packager.model import Issue

#: Bytes of a file name that are not UTF-8 (decoded by os as lone surrogates).
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass
class Walk:
    """What is on disk: ``files`` may be opened; ``refused`` exist but must not be (already reported)."""

    files: dict[str, int] = field(default_factory=dict)  # bag-relative posix path -> size
    refused: dict[str, int] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)  # bag-relative folders seen (links to folders excluded)


def walk_files(bag: Path, top: str, out: list[Issue]) -> Walk:
    """Files under ``bag/top``: "data" for the payload, "" for the tag files (all outside data/).

    Links leaving the bag and special files are reported and refused. Folders are
    read with ``os.scandir`` (one stat per file, none per folder entry that says
    what it is), top-down and depth-first like ``os.walk``.
    """
    root = bag / top if top else bag
    bag_real = bag.resolve()
    walk = Walk()
    if top and root.is_symlink():  # os.walk would follow it: the payload could live anywhere
        out.append(situation("E501", "top_is_link", path=top, target=root.resolve()))
        return walk
    _walk_folder(bag, bag_real, os.fspath(root), top, walk, out)
    return walk


def _walk_folder(bag: Path, bag_real: Path, folder: str, rel_folder: str, walk: Walk, out: list[Issue]) -> None:
    """One folder: its links to folders reported first, then its files (as ``os.walk`` lists
    them), then each subfolder in turn. Entries are taken as they come, so that a folder
    of 100,000 files is never held as a list."""
    prefix = rel_folder + "/" if rel_folder else ""
    below: list[tuple[str, str]] = []
    found: list[Issue] = []  # the files' problems, reported after the folders'
    try:
        with os.scandir(folder) as listed:
            for entry in listed:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    rel = prefix + entry.name
                    size, usable = _classify_entry(entry, rel, bag, bag_real, found)
                    (walk.files if usable else walk.refused)[sys.intern(rel)] = size
                elif rel_folder or entry.name != "data":  # the payload is walked on its own
                    if entry.is_symlink():
                        _link_problem(Path(entry.path), bag, bag_real, out, folder=True)
                    else:
                        walk.dirs.add(prefix + entry.name)
                        below.append((entry.path, prefix + entry.name))
    except OSError:
        pass  # as os.walk: a folder that cannot be listed is passed over
    out.extend(found)
    for path, rel in below:
        _walk_folder(bag, bag_real, path, rel, walk, out)


def _classify_entry(entry: os.DirEntry[str], rel: str, bag: Path, bag_real: Path,
                    out: list[Issue]) -> tuple[int, bool]:
    """(size, may be opened) of one directory entry; problems are reported here."""
    link = entry.is_symlink()
    safe_link = not link or _link_problem(Path(entry.path), bag, bag_real, out, folder=False)
    try:
        st = entry.stat() if not link else os.stat(entry.path)
    except OSError as exc:
        out.append(situation("E501", "cannot_stat", path=rel, reason=exc.strerror))
        return 0, False
    regular = stat.S_ISREG(st.st_mode)
    if safe_link and not regular:
        out.append(situation("E501", "not_regular", path=rel))
    if not rel.isascii() and _UNDECODED.search(rel):
        out.append(situation("W507", "name_not_utf8_disk", path=rel))
    return (st.st_size if regular else 0), safe_link and regular


def _link_problem(full: Path, bag: Path, bag_real: Path, out: list[Issue], *, folder: bool) -> bool:
    """Report a symbolic link; True if it links to a file inside the bag (usable, with a warning)."""
    rel = full.relative_to(bag).as_posix()
    target = full.resolve()
    if not target.is_relative_to(bag_real):
        out.append(situation("E502", "link_outside", path=rel, target=target))
        return False
    if folder:
        out.append(situation("W507", "link_to_folder", path=rel))
        return False
    out.append(situation("W507", "link_inside", path=rel, target=target.relative_to(bag_real)))
    return True
