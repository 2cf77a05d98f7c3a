"""metadata.csv in a bag: its rows, what each row names, and the objects without one.

Reads the file through :class:`~.metabag._Bag`, reports each damaged row
(E602 on its line) and keeps reading the others; resolves each row's
filename, in packager's form (``data/objects/<path>``) or Archivematica's
(``objects/<path>``, foreign bags only: I612, W613), never to anything outside
``data/objects``; and says which objects have no row (E602 in ours, W611 in a
foreign bag). The row naming the whole objects folder (``data/objects``, or
``objects`` in a foreign bag) is the collection's directory-level row: kept
apart (:attr:`_Table.collection`), never counted as an object's row; bags of
ours written before it existed have none, and :mod:`.mets` compares it with the
collection's dmdSec in mets.xml. The result is a :class:`_Table` for the other
sidecar checks.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from functools import cached_property

from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.metadata import csvfile
from packager.metadata.layout import CSV_PATH, OBJECTS_DIR
from packager.model import Issue

from .csvstream import CsvStream
from .images import Pairs
from .metabag import OBJECTS_PREFIX, TRANSFER_DIR, _Bag
from .spill import Spill

#: Largest metadata.csv read; a larger one is reported, not read. It is read as a
#: stream (memory flat in its rows): a collection of 100,000 images has one of
#: about 100 MiB.
CSV_LIMIT = 4 << 30
#: The kind of a row's pairs in the bag's :class:`~.spill.Spill`.
ROW = "row"

#: What is kept in memory of a usable row: (line, its dc.identifier or None, the
#: fingerprint of its sorted pairs); the pairs themselves are in the spill.
Row = tuple[int, str | None, bytes]


def fingerprint(pairs: Pairs) -> bytes:
    """A digest of the pairs as a set with repeats (order does not count): equal pairs, equal fingerprints."""
    h = hashlib.blake2b(digest_size=16)
    for name, value in sorted(pairs):
        h.update(f"{len(name)}:{name}{len(value)}:{value}".encode("utf-8", "surrogatepass"))
    return h.digest()


@dataclass
class _Table:
    """What metadata.csv says. ``usable`` is False when it is missing or its header
    is unusable: then nothing can be said about objects without rows."""

    store: Spill
    rows: dict[str, Row] = field(default_factory=dict)  # payload file -> its row, compact
    usable: bool = False
    reported: set[str] = field(default_factory=set)  # payload paths whose row is unusable and reported
    folders: set[str] = field(default_factory=set)  # folders a row describes (foreign bags)
    collection: tuple[int, Pairs] | None = None  # the collection's row: (line, values)

    def pairs(self, name: str) -> Pairs:
        """The values of ``name``'s row, read back from the spill."""
        pairs: Pairs = self.store.get(ROW, name, [])
        return pairs

    @cached_property
    def identifiers(self) -> dict[str, str]:
        """dc.identifier -> payload file, for the rows that give one."""
        return {row[1]: name for name, row in self.rows.items() if row[1] is not None}

    def by_identifier(self) -> dict[str, str]:
        return self.identifiers

    def accounted(self) -> set[str]:
        """Payload paths the table speaks for: a good row, or one already reported
        (damaged, naming a missing or refused file): never called rowless again."""
        return set(self.rows) | self.reported


def _read_csv(bag: _Bag, store: Spill) -> _Table:
    """metadata.csv rows by payload file; problems with rows and against the payload.

    Read as a stream: the problems of the file's lines come first (as a whole-file
    reader gives them), then those of the rows against the payload."""
    table = _Table(store)
    if not bag.present(CSV_PATH):
        if bag.ours:
            bag.report("E602", "csv_missing", CSV_PATH)
        return table
    stream = bag.stream(CSV_PATH, CSV_LIMIT, "E602")
    if stream is None:
        return table
    before = len(bag.found)
    try:
        with stream as fh:
            reading = CsvStream(fh)
            if reading.bom:
                bag.report("W615", None, CSV_PATH)
            rows = _Rows(bag, table)
            for item in reading:
                if isinstance(item, csvfile.CsvRow):
                    rows.add(item)
                    continue
                if isinstance(item, csvfile.CsvCollectionRow):
                    rows.collection(item)
                    continue
                bag.report("E602", "csv_row" if reading.usable else "csv_header", CSV_PATH, line=item.line,
                           reason=item.message)
                target = _resolve(item.filename, bag.ours)[0] if item.filename else None
                if target:
                    table.reported.add(target)
    except (SourceError, OSError) as exc:  # damaged on the way: as if it could not be read at all
        del bag.found[before:]
        bag.unreadable(CSV_PATH, "E602", exc)
        return _Table(store)
    if not reading.usable:
        return table
    table.usable = True
    bag.found.extend(rows.found)
    _report_forms(bag, rows.forms)
    _check_coverage(bag, table)
    return table


class _Rows:
    """Fills a table from the usable rows as they are read; keeps the problems they have
    with the payload (reported after those of the file's lines) and how many rows use
    each path form."""

    def __init__(self, bag: _Bag, table: _Table) -> None:
        self.bag, self.table = bag, table
        self.found: list[Issue] = []
        self.forms = {"bag": 0, "transfer": 0}
        self.first: dict[str, int] = {}

    def collection(self, row: csvfile.CsvCollectionRow) -> None:
        """The collection's directory-level row: one per file, in our bags in the ``data/objects`` form."""
        bag, table = self.bag, self.table
        if bag.ours and not row.filename.startswith(OBJECTS_DIR):
            self.found.append(situation("E602", "row_outside_objects", path=CSV_PATH, line=row.line,
                                        filename=row.filename, objects=OBJECTS_PREFIX, transfer=TRANSFER_DIR))
            return
        if table.collection is not None:
            self.found.append(situation("E602", "row_repeated", path=CSV_PATH, line=row.line, filename=row.filename,
                                        target=OBJECTS_DIR, first=table.collection[0]))
            return
        table.collection = (row.line, row.pairs)
        if not bag.ours:
            table.folders.add(OBJECTS_DIR)  # it describes every object: none lacks a description
            self.forms["bag" if row.filename.startswith(OBJECTS_DIR) else "transfer"] += 1

    def add(self, row: csvfile.CsvRow) -> None:
        bag, table = self.bag, self.table
        target, form = _resolve(row.filename, bag.ours)
        if target is None:
            self.found.append(situation("E602", form, path=CSV_PATH, line=row.line, filename=row.filename,
                                        objects=OBJECTS_PREFIX, transfer=TRANSFER_DIR))
            meant = _resolve(row.filename, ours=False)[0]  # e.g. objects/x in our bag: x's row is reported here
            if meant:
                table.reported.add(meant)
            return  # never read: it could name a file outside the bag
        self.forms[form] += 1
        earlier = table.rows[target][0] if target in table.rows else self.first.get(target)
        if earlier is not None:
            self.found.append(situation("E602", "row_repeated", path=CSV_PATH, line=row.line, filename=row.filename,
                                        target=target, first=earlier))
            return
        problem = _row_target_problem(bag, target, table)
        if problem or target not in bag.listing.files:
            self.first[target] = row.line  # rows of files are found in table.rows
        if problem:
            self.found.append(situation("E602", problem, path=CSV_PATH, line=row.line, filename=row.filename,
                                        target=target))
            table.reported.add(target)
        elif target in bag.listing.files:
            target = sys.intern(target)  # one string for the path, shared with the listing
            table.rows[target] = (row.line, _identifier(row.pairs), fingerprint(row.pairs))
            table.store.put(ROW, target, row.pairs)


def _resolve(filename: str, ours: bool) -> tuple[str | None, str]:
    """(bag path a row's filename names, "bag" or "transfer"), or (None, the E602 situation saying why it names
    nothing we may read)."""
    name = filename if ours else filename.rstrip("/")
    if name == OBJECTS_DIR or name.startswith(OBJECTS_PREFIX):
        target, form = name, "bag"
    elif not ours and (name == TRANSFER_DIR or name.startswith(TRANSFER_DIR + "/")):
        target, form = "data/" + name, "transfer"
    else:
        return None, "row_outside_objects" if ours else "row_outside_objects_or_transfer"
    if any(part in ("", ".", "..") for part in target.split("/")):
        return None, "row_climbs"
    return target, form


def _row_target_problem(bag: _Bag, target: str, table: _Table) -> str | None:
    """The E602 situation saying why the payload path a row names cannot be described by it, or None (a folder
    row is noted in ``table``)."""
    listing = bag.listing
    if target in listing.files:
        return None
    if target in listing.refused:
        return "row_refused"
    if target == OBJECTS_DIR or target in bag.folders:
        if bag.ours:
            return "row_folder"
        table.folders.add(target)  # Archivematica describes folders (and the whole transfer) too
        return None
    return "row_missing_file"


def _report_forms(bag: _Bag, forms: dict[str, int]) -> None:
    """Foreign bags: say which filename form metadata.csv uses (both are read)."""
    if bag.ours or not any(forms.values()):
        return
    if forms["bag"] and forms["transfer"]:
        bag.report("W613", None, CSV_PATH, bag_count=forms["bag"], transfer_count=forms["transfer"],
                   objects=OBJECTS_PREFIX, transfer=TRANSFER_DIR)
    else:
        bag.report("I612", "transfer" if forms["transfer"] else "bag", CSV_PATH, objects=OBJECTS_PREFIX,
                   transfer=TRANSFER_DIR)


def _check_coverage(bag: _Bag, table: _Table) -> None:
    """Every object needs a row: an error in ours, a warning (W611) in a foreign bag."""
    accounted = table.accounted()
    for rel in sorted(bag.listing.files):
        if not rel.startswith(OBJECTS_PREFIX) or rel in accounted or _under_described_folder(rel, table.folders):
            continue
        if bag.ours:
            bag.report("E602", "object_without_row", CSV_PATH, file=rel)
        else:
            bag.report("W611", None, rel)


def _under_described_folder(rel: str, folders: set[str]) -> bool:
    parts = rel.split("/")
    return any("/".join(parts[:i]) in folders for i in range(2, len(parts)))


def _identifier(pairs: Pairs) -> str | None:
    return next((v for k, v in pairs if k == "dc.identifier"), None)
