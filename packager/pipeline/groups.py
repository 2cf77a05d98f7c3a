"""A collection split by size into a bag group (``--max-bag-size``).

Items are divided in collection order, whole, into the fewest bags that each
stay under the limit, before anything is embedded, so every bag knows its
``Bag-Count: k of N``. What a bag will weigh is estimated from what the
originals weigh now, plus an allowance per item for the metadata embedded in
its copy and its share of the sidecars (DC record, metadata.csv row,
records.json entry, METS and PREMIS sections, manifest lines), plus one per bag
for what each bag carries whole (the collection's records, tag files). The
allowances are generous (measured on the sample: about 45 KB per item, most of
it the METS and PREMIS sections, and under 20 KB per bag; :data:`ITEM_ALLOWANCE`, :data:`BAG_ALLOWANCE`), and each
bag's real size is checked against the limit after it is written
(:func:`check_size`), so the limit holds even when an estimate would not.

Bags of a group are named ``<identifier>.b001.of003`` (APTrust's convention for
multi-part bags: the order shows in the name and sorts by it), carry
``Bag-Group-Identifier: <identifier>`` and ``Bag-Count: k of N``
(RFC 8493 §2.2.2), and each stands alone: its own sidecars, the collection's
record in each.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from packager import issues
from packager.bag.format import human_size
from packager.errors import BagError
from packager.model import ItemResult

#: Bytes allowed per item beyond its original: its embedded metadata and its share of the sidecars,
#: plus this many bytes for each byte of its Dublin Core text (written some ten times over: XMP, IIM,
#: EXIF, the DC record, metadata.csv, records.json, METS).
ITEM_ALLOWANCE = 64 * 1024
TEXT_FACTOR = 16
#: Bytes allowed per bag for what every bag carries whole: the collection's records and the tag files.
BAG_ALLOWANCE = 64 * 1024
#: Bytes an archive adds per member (tar: a header, a PAX header and padding to 512).
ARCHIVE_MEMBER = 2048
#: Members per item in an archive: its copy, its DC record, and a share of the folders.
MEMBERS_PER_ITEM = 3


@dataclass(frozen=True)
class Part:
    """One bag of a group: its name, its items, and where it stands in the group."""

    name: str
    items: Sequence[ItemResult]
    index: int  # 1-based
    count: int

    def fields(self, group: str) -> list[tuple[str, str]]:
        """The bag-info tags that tie this bag to its group."""
        return [("Bag-Group-Identifier", group), ("Bag-Count", f"{self.index} of {self.count}")]


def bag_name(identifier: str, index: int, count: int) -> str:
    """``<identifier>.b001.of003``: at least three digits, as many as the count needs."""
    width = max(3, len(str(count)))
    return f"{identifier}.b{index:0{width}d}.of{count:0{width}d}"


def weight(item: ItemResult, images: Path, serialized: bool) -> int:
    """What an item is expected to add to its bag, at most."""
    size = os.stat(images / item.file).st_size
    text = sum(len(value.encode("utf-8")) for _, value in item.dublin_core)
    return size + ITEM_ALLOWANCE + TEXT_FACTOR * text + (ARCHIVE_MEMBER * MEMBERS_PER_ITEM if serialized else 0)


def split(items: Sequence[ItemResult], images: Path, limit: int, identifier: str, *,
          serialized: bool) -> list[Part]:
    """The items, in order and whole, in the fewest bags that each stay under ``limit`` bytes.

    E410 (BagError) when one item cannot fit in a bag of that size on its own.
    """
    room = limit - BAG_ALLOWANCE
    bounds: list[int] = [0]
    used = 0
    for index, item in enumerate(items):
        need = weight(item, images, serialized)
        if need > room:
            issue = issues.make("E410", path=item.file, what=item.file, limit=human_size(limit),
                                reason=f"it needs about {human_size(need + BAG_ALLOWANCE)} in a bag of its own")
            raise BagError(issue.message, [issue])
        if used + need > room:
            bounds.append(index)
            used = 0
        used += need
    bounds.append(len(items))
    count = len(bounds) - 1
    return [Part(bag_name(identifier, k + 1, count), _Slice(items, bounds[k], bounds[k + 1]), k + 1, count)
            for k in range(count)]


def check_size(bag: Path, limit: int) -> None:
    """E410 (BagError) when a written bag (a folder or an archive) is over the limit after all."""
    size = bag.stat().st_size if bag.is_file() else sum(
        os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(bag) for f in files)
    if size > limit:
        issue = issues.make("E410", path=str(bag), what=bag.name, limit=human_size(limit),
                            reason=f"it came to {human_size(size)} once written")
        raise BagError(issue.message, [issue])


class _Slice(Sequence[ItemResult]):
    """Items ``start`` to ``stop`` of a sequence (kept on disk by a spool), without copying them."""

    def __init__(self, items: Sequence[ItemResult], start: int, stop: int) -> None:
        self._items, self._start, self._stop = items, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> ItemResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[ItemResult]: ...

    def __getitem__(self, index: int | slice) -> ItemResult | list[ItemResult]:
        if isinstance(index, slice):
            return [self._items[self._start + i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._items[self._start + (index % len(self))]


def is_member(name: str, identifier: str, suffix: str) -> bool:
    """True when ``name`` is a bag of ``identifier``'s group as :func:`bag_name` names them (with ``suffix``)."""
    if not (name.startswith(identifier + ".b") and name.endswith(suffix)):
        return False
    core = name[len(identifier) + 2:len(name) - len(suffix)]
    index, of, count = core.partition(".of")
    return bool(of) and index.isdigit() and count.isdigit()
