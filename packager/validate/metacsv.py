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
from .metabag import _REPACKAGE, OBJECTS_PREFIX, TRANSFER_DIR, _Bag

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
            bag.report("E602", CSV_PATH, f"{CSV_PATH} is missing, but bag-info.txt names packager as the bag's maker "
                                         f"and packager always writes it; {_REPACKAGE}")
        return table
    data = bag.read(CSV_PATH, CSV_LIMIT, "E602")
    if data is None:
        return table
    reading = csvfile.read_metadata_csv(data)
    if reading.bom:
        bag.report("W615", CSV_PATH, f"{CSV_PATH} starts with a UTF-8 byte order mark; older Archivematica releases "
                                     "then miss the 'filename' column: save it as UTF-8 without BOM")
    for problem in reading.problems:
        skipped = "" if reading.usable else "; no row could be read, so the checks that need rows were skipped"
        bag.report("E602", CSV_PATH, f"metadata.csv, line {problem.line}: {problem.message}{skipped}",
                   line=problem.line)
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
            bag.report("E602", CSV_PATH, f"metadata.csv, line {row.line}: {form}", line=row.line)
            meant = _resolve(row.filename, ours=False)[0]  # e.g. objects/x in our bag: x's row is reported here
            if meant:
                table.reported.add(meant)
            continue  # never read: it could name a file outside the bag
        forms[form] += 1
        if target in first:
            bag.report("E602", CSV_PATH, f"metadata.csv, line {row.line}: {row.filename} describes {target}, which "
                                         f"line {first[target]} describes already; keep one row", line=row.line)
            continue
        first[target] = row.line
        problem = _row_target_problem(bag, target, row.filename, table)
        if problem:
            bag.report("E602", CSV_PATH, f"metadata.csv, line {row.line}: {problem}", line=row.line)
            table.reported.add(target)
        elif target in bag.listing.files:
            table.rows[target] = row.pairs
    return forms


def _resolve(filename: str, ours: bool) -> tuple[str | None, str]:
    """(bag path a row's filename names, "bag" or "transfer"), or (None, why it names nothing we may read)."""
    name = filename if ours else filename.rstrip("/")
    if name == OBJECTS_DIR or name.startswith(OBJECTS_PREFIX):
        target, form = name, "bag"
    elif not ours and (name == TRANSFER_DIR or name.startswith(TRANSFER_DIR + "/")):
        target, form = "data/" + name, "transfer"
    else:
        also = "" if ours else f" (or Archivematica's {TRANSFER_DIR}/<name>)"
        return None, f"the row names {filename!r}, which is not under {OBJECTS_PREFIX}; write {OBJECTS_PREFIX}<name>{also}"
    if any(part in ("", ".", "..") for part in target.split("/")):
        return None, (f"the row names {filename!r}, which has empty, '.' or '..' parts and could lead out of "
                      f"{OBJECTS_DIR}/; it was not read: write the plain path of the object")
    return target, form


def _row_target_problem(bag: _Bag, target: str, filename: str, table: _Table) -> str | None:
    """Why the payload path a row names cannot be described by it, or None (a folder row is noted in ``table``)."""
    listing = bag.listing
    if target in listing.files:
        return None
    if target in listing.refused:
        return (f"{filename} names {target}, which the BagIt layer refused (a link out of the bag or a special "
                "file); it was not read: replace it with the file itself")
    if target == OBJECTS_DIR or target in bag.folders:
        if bag.ours:
            return f"{filename} names the folder {target}; packager writes one row per file: {_REPACKAGE}"
        table.folders.add(target)  # Archivematica describes folders (and the whole transfer) too
        return None
    return f"{filename} names a file that is not in the payload; remove the row or restore {target}"


def _report_forms(bag: _Bag, forms: dict[str, int]) -> None:
    """Foreign bags: say which filename form metadata.csv uses (both are read)."""
    if bag.ours or not any(forms.values()):
        return
    if forms["bag"] and forms["transfer"]:
        bag.report("W613", CSV_PATH, f"metadata.csv names {forms['bag']} object(s) as {OBJECTS_PREFIX}… and "
                                     f"{forms['transfer']} as {TRANSFER_DIR}/… (Archivematica's form); both were read, "
                                     "but tools that expect one form will miss the others: use one form")
    elif forms["transfer"]:
        bag.report("I612", CSV_PATH, f"metadata.csv names objects as {TRANSFER_DIR}/… (Archivematica's form, relative "
                                     f"to data/); they were read as {OBJECTS_PREFIX}…")
    else:
        bag.report("I612", CSV_PATH, f"metadata.csv names objects as {OBJECTS_PREFIX}… (paths in the bag); "
                                     f"Archivematica expects {TRANSFER_DIR}/… if the bag is to be ingested there")


def _check_coverage(bag: _Bag, table: _Table) -> None:
    """Every object needs a row: an error in ours, a warning (W611) in a foreign bag."""
    accounted = table.accounted()
    for rel in sorted(bag.listing.files):
        if not rel.startswith(OBJECTS_PREFIX) or rel in accounted or _under_described_folder(rel, table.folders):
            continue
        if bag.ours:
            bag.report("E602", CSV_PATH, f"metadata.csv: payload file {rel} has no row; every object needs its "
                                         "description")
        else:
            bag.report("W611", rel, f"{rel} has no row in metadata.csv (nor has a folder above it), so it is kept "
                                    "without a description; add a row if it should have one")


def _under_described_folder(rel: str, folders: set[str]) -> bool:
    parts = rel.split("/")
    return any("/".join(parts[:i]) in folders for i in range(2, len(parts)))


def _identifier(pairs: Pairs) -> str | None:
    return next((v for k, v in pairs if k == "dc.identifier"), None)
