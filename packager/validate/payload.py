"""BagIt validator: the files of a bag folder actually on disk.

Part of the receiving side (see :mod:`.check`). The walk never
follows a symbolic link out of the bag and never opens anything but regular
files (a FIFO in the payload would otherwise hang the validator).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from packager.issues.receiving import situation
from packager.model import Issue


@dataclass
class Walk:
    """What is on disk: ``files`` may be opened; ``refused`` exist but must not be (already reported)."""

    files: dict[str, int] = field(default_factory=dict)  # bag-relative posix path -> size
    refused: dict[str, int] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)  # bag-relative folders seen (links to folders excluded)


def walk_files(bag: Path, top: str, out: list[Issue]) -> Walk:
    """Files under ``bag/top``: "data" for the payload, "" for the tag files (all outside data/).

    Links leaving the bag and special files are reported and refused.
    """
    root = bag / top if top else bag
    bag_real = bag.resolve()
    walk = Walk()
    if top and root.is_symlink():  # os.walk would follow it: the payload could live anywhere
        out.append(situation("E501", "top_is_link", path=top, target=root.resolve()))
        return walk
    for dirpath, dirnames, filenames in os.walk(root):
        if not top and Path(dirpath) == root and "data" in dirnames:
            dirnames.remove("data")
        for d in list(dirnames):
            full = Path(dirpath, d)
            if full.is_symlink():
                _link_problem(full, bag, bag_real, out, folder=True)
            else:
                walk.dirs.add(full.relative_to(bag).as_posix())
        for fname in filenames:
            full = Path(dirpath, fname)
            rel = full.relative_to(bag).as_posix()
            size, usable = _classify(full, rel, bag, bag_real, out)
            (walk.files if usable else walk.refused)[rel] = size
    return walk


def _classify(full: Path, rel: str, bag: Path, bag_real: Path, out: list[Issue]) -> tuple[int, bool]:
    """(size, may be opened) of one directory entry; problems are reported here."""
    safe_link = not full.is_symlink() or _link_problem(full, bag, bag_real, out, folder=False)
    try:
        st = full.stat()
    except OSError as exc:
        out.append(situation("E501", "cannot_stat", path=rel, reason=exc.strerror))
        return 0, False
    regular = stat.S_ISREG(st.st_mode)
    if safe_link and not regular:
        out.append(situation("E501", "not_regular", path=rel))
    if any("\udc80" <= c <= "\udcff" for c in rel):
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
