"""metadata.csv in a bag: its rows, what each row names, and the objects without one.

Reads the file through :class:`~.metabag._Bag`, reports each damaged row
(E602 on its line) and keeps reading the others; resolves each row's
filename, in packager's form (``data/objects/<path>``) or Archivematica's
(``objects/<path>``, foreign bags only: I612, W613), never to anything outside
``data/objects``; and says which objects have no row (E602 in ours, W611 in a
foreign bag). The result is a :class:`_Table` for the other sidecar checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packager.metadata import csvfile
from packager.metadata.layout import CSV_PATH, OBJECTS_DIR

from .images import Pairs
from .metabag import OBJECTS_PREFIX, TRANSFER_DIR, _Bag

#: Largest metadata.csv read into memory; a larger one is reported, not read. A
#: collection of 100,000 images has one of a few hundred MiB at most.
CSV_LIMIT = 256 << 20


@dataclass
class _Table:
    """What metadata.csv says. ``usable`` is False when it is missing or its header
    is unusable: then nothing can be said about objects without rows."""

    rows: dict[str, Pairs] = field(default_factory=dict)  # payload file -> its values
    usable: bool = False
    reported: set[str] = field(default_factory=set)  # payload paths whose row is unusable and reported
    folders: set[str] = field(default_factory=set)  # folders a row describes (foreign bags)

    def by_identifier(self) -> dict[str, str]:
        return {ident: name for name, pairs in self.rows.items() if (ident := _identifier(pairs)) is not None}

    def accounted(self) -> set[str]:
        """Payload paths the table speaks for: a good row, or one already reported
        (damaged, naming a missing or refused file): never called rowless again."""
        return set(self.rows) | self.reported


def _read_csv(bag: _Bag) -> _Table:
    """metadata.csv rows by payload file; problems with rows and against the payload."""
    table = _Table()
    if not bag.present(CSV_PATH):
        if bag.ours:
            bag.report("E602", "csv_missing", CSV_PATH)
        return table
    data = bag.read(CSV_PATH, CSV_LIMIT, "E602")
    if data is None:
        return table
    reading = csvfile.read_metadata_csv(data)
    if reading.bom:
        bag.report("W615", None, CSV_PATH)
    for problem in reading.problems:
        bag.report("E602", "csv_row" if reading.usable else "csv_header", CSV_PATH, line=problem.line,
                   reason=problem.message)
        target = _resolve(problem.filename, bag.ours)[0] if problem.filename else None
        if target:
            table.reported.add(target)
    if not reading.usable:
        return table
    table.usable = True
    forms = _read_rows(bag, reading.rows, table)
    _report_forms(bag, forms)
    _check_coverage(bag, table)
    return table


def _read_rows(bag: _Bag, rows: list[csvfile.CsvRow], table: _Table) -> dict[str, int]:
    """Fill ``table`` from the usable rows; return how many rows use each path form."""
    forms = {"bag": 0, "transfer": 0}
    first: dict[str, int] = {}
    for row in rows:
        target, form = _resolve(row.filename, bag.ours)
        if target is None:
            bag.report("E602", form, CSV_PATH, line=row.line, filename=row.filename, objects=OBJECTS_PREFIX,
                       transfer=TRANSFER_DIR)
            meant = _resolve(row.filename, ours=False)[0]  # e.g. objects/x in our bag: x's row is reported here
            if meant:
                table.reported.add(meant)
            continue  # never read: it could name a file outside the bag
        forms[form] += 1
        if target in first:
            bag.report("E602", "row_repeated", CSV_PATH, line=row.line, filename=row.filename, target=target,
                       first=first[target])
            continue
        first[target] = row.line
        problem = _row_target_problem(bag, target, table)
        if problem:
            bag.report("E602", problem, CSV_PATH, line=row.line, filename=row.filename, target=target)
            table.reported.add(target)
        elif target in bag.listing.files:
            table.rows[target] = row.pairs
    return forms


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
