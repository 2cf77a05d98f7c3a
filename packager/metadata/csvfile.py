"""``metadata.csv``, the Archivematica layout: one row per object, Dublin Core columns.

UTF-8 without BOM, RFC 4180 with CRLF. :func:`metadata_csv_bytes` writes it;
:func:`read_metadata_csv` is the one reader, tolerant so that the validator can
report every damaged line and still check the others.

Besides a row per object (``data/objects/<file>``), our bags end with a
directory-level row for the collection: its filename names the whole objects
folder, in the ``data/`` form Archivematica's documentation gives for bags
("Adding metadata to bags" on its import-metadata page; a directory row names
the directory, as ``objects/<dir>`` does in a transfer). Readers give that row
as a :class:`CsvCollectionRow`, not a :class:`CsvRow`, so that code counting
objects or item identifiers never takes the collection for an item.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from .dc import Pairs, check_name


def _csv_columns(rows: Iterable[tuple[str, Pairs]]) -> list[tuple[str, int]]:
    """(element name, number of columns) in order of first appearance."""
    widths: dict[str, int] = {}
    for filename, pairs in rows:
        count_columns(filename, pairs, widths)
    return list(widths.items())


def count_columns(filename: str, pairs: Pairs, widths: dict[str, int]) -> None:
    """Widen ``widths`` (element name -> columns, in order of first use) for one row."""
    counts: dict[str, int] = {}
    for index, (name, value) in enumerate(pairs, start=1):
        check_name(name)
        if not isinstance(value, str):
            raise TypeError(f"{filename}: value #{index} ({name}) must be str")
        counts[name] = counts.get(name, 0) + 1
    for name, count in counts.items():
        widths[name] = max(widths.get(name, 0), count)


def metadata_csv_bytes(rows: list[tuple[str, Pairs]]) -> bytes:
    """Archivematica ``metadata.csv``: ``filename`` first, then one column per value.

    A repeated element gets as many same-named adjacent columns as its
    largest repeat count in any row (Archivematica collects same-named
    columns into a list); columns appear in order of first use; shorter rows
    get empty cells (Archivematica turns those into empty elements in its
    METS; our parser drops them). UTF-8 without BOM: Archivematica requires UTF-8 and
    older releases compare the first header cell with ``filename``, which a
    BOM breaks. RFC 4180 quoting with CRLF line ends (Archivematica reads any
    line end; CRLF is what the RFC and Python's csv module write). Filenames
    are written as given (the caller passes ``data/objects/...``).
    """
    out = io.StringIO(newline="")
    write_metadata_csv(out, _csv_columns(rows), rows)
    return out.getvalue().encode("utf-8")


def write_metadata_csv(out: TextIO, columns: list[tuple[str, int]], rows: Iterable[tuple[str, Pairs]]) -> None:
    """Write the header for ``columns`` (see :func:`count_columns`) and every row, one at a time,
    to a text file opened with ``newline=""``: memory stays flat in the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["filename"] + [name for name, width in columns for _ in range(width)])
    seen: set[str] = set()
    for filename, pairs in rows:
        if not filename or filename in seen:
            raise ValueError(f"metadata.csv: filename {filename!r} is empty or given twice")
        seen.add(filename)
        cells = [filename]
        for name, width in columns:
            values = [value for key, value in pairs if key == name]
            cells += values + [""] * (width - len(values))
        writer.writerow(cells)


@dataclass(frozen=True)
class CsvRow:
    """One usable row of metadata.csv: the line it starts on, its filename cell, its values."""

    line: int
    filename: str
    pairs: Pairs


@dataclass(frozen=True)
class CsvCollectionRow:
    """The directory-level row for the whole objects folder: the collection's description."""

    line: int
    filename: str
    pairs: Pairs


#: The filenames a row for the whole objects folder may have: in a bag (``data/objects``, what we write)
#: or, in another tool's bag, Archivematica's transfer form; a trailing ``/`` is allowed (Archivematica strips it).
COLLECTION_FILENAMES = frozenset({"data/objects", "data/objects/", "objects", "objects/"})


def is_collection_row(filename: str) -> bool:
    """True for the filename of a row describing the whole objects folder (the collection)."""
    return filename in COLLECTION_FILENAMES


def usable_row(line: int, filename: str, pairs: Pairs) -> CsvRow | CsvCollectionRow:
    """A usable row as the readers give it: the collection's row apart from the objects' rows."""
    return CsvCollectionRow(line, filename, pairs) if is_collection_row(filename) else CsvRow(line, filename, pairs)


@dataclass(frozen=True)
class CsvProblem:
    """Why one line of metadata.csv cannot be used. ``filename`` is the row's first
    cell when it could still be read, so that a reader can tell which object lost
    its row (and say so once, here, rather than again as "no row")."""

    line: int
    message: str
    filename: str | None = None


@dataclass
class CsvReading:
    """What :func:`read_metadata_csv` made of a file. ``usable`` is False when the
    header is unusable: then no row can be read and ``rows`` is empty."""

    rows: list[CsvRow] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    collection: list[CsvCollectionRow] = field(default_factory=list)  # rows for the whole objects folder
    usable: bool = True
    bom: bool = False


_CSV_ERRORS = {
    "unexpected end of data": "a quoted cell is never closed (unclosed quote), so the rest of the file would be "
                              "one cell; close the quote (a quote inside a quoted cell is written \"\")",
    "',' expected after '\"'": "text follows a closing quote; a quote inside a quoted cell is written \"\"",
}


def read_metadata_csv(data: bytes) -> CsvReading:
    """Tolerant reader of metadata.csv for the validator: the good rows, and one
    problem per bad line, so one damaged row does not hide the others.

    A row is bad when it has more cells than the header has columns, an
    unclosed or misplaced quote, bytes that are not UTF-8, an empty filename
    while holding values, or a filename already given on an earlier line (the
    first row is kept). Blank rows (no cell holds text) are skipped. After a
    quote error, reading goes on at the line after the bad row's first line.
    A bad header (not UTF-8, first column not ``filename``, an unknown column
    name) makes the file unusable: one problem naming line 1, no rows.
    Values are read as :func:`parse_metadata_csv` reads them.
    """
    reading = CsvReading(bom=data.startswith(b"\xef\xbb\xbf"))
    text = data[3:].decode("utf-8", "surrogateescape") if reading.bom else data.decode("utf-8", "surrogateescape")
    records = _csv_records(_physical_lines(text))
    first = next(records, None)
    header_trouble = header_problem(first)
    if header_trouble:
        reading.usable = False
        reading.problems.append(CsvProblem(1, header_trouble))
        return reading
    assert first is not None and first[1] is not None
    header = first[1]
    seen: dict[str, int] = {}
    for line, cells, error in records:
        if cells is not None and not any(cells):
            continue  # a blank row (spreadsheets write them, as wide as they like): nothing to describe
        problem = row_problem(cells, error, header, seen)
        filename = cells[0] if cells else first_cell(error)
        if problem:
            reading.problems.append(CsvProblem(line, problem, filename or None))
            continue
        assert cells is not None
        seen[cells[0]] = line
        pairs = [(name, value) for name, value in zip(header[1:], cells[1:], strict=False) if value != ""]
        row = usable_row(line, cells[0], pairs)
        if isinstance(row, CsvCollectionRow):
            reading.collection.append(row)
        else:
            reading.rows.append(row)
    return reading


def _physical_lines(text: str) -> list[str]:
    """Lines with their ends, split where the csv module splits (LF, CR, CRLF)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _csv_records(lines: list[str]) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line the record starts on, its cells or None, the csv error or None) for each record.

    After an error, a new reader starts at the line after the bad record's
    first line: the rows after an unclosed quote are read, not swallowed.
    The error text is prefixed with the record's first line (for its filename).
    """
    pos = 0
    while pos < len(lines):
        reader = csv.reader(lines[pos:], strict=True)
        consumed = 0
        try:
            for row in reader:
                yield pos + consumed + 1, row, None
                consumed = reader.line_num
            return
        except csv.Error as exc:
            start = pos + consumed + 1
            reached = pos + reader.line_num
            runs_on = f" (the quoted cell that starts here runs on to line {reached})" if reached > start else ""
            yield start, None, f"{lines[start - 1]}\0{exc}\0{runs_on}"
            pos = start


def first_cell(error: str | None) -> str:
    """The filename cell of a record the csv module refused, read leniently from its first line."""
    if not error:
        return ""
    line = error.split("\0", 1)[0]
    try:
        return next(csv.reader([line]), [""])[0] if line.strip() else ""
    except csv.Error:
        return ""


_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as surrogate escapes


def _not_utf8(cells: list[str]) -> int | None:
    """1-based column of the first cell holding bytes that are not UTF-8, or None."""
    return next((i for i, c in enumerate(cells, start=1) if _UNDECODED.search(c)), None)


def header_problem(first: tuple[int, list[str] | None, str | None] | None) -> str | None:
    """Why line 1 is not a usable header (all reasons at once), or None."""
    if first is None or (first[1] is not None and not first[1]):
        return "the first line is empty; it must be the header, starting with the column 'filename'"
    _line, header, error = first
    if header is None:
        return f"the header cannot be read ({_csv_message(error)})"
    column = _not_utf8(header)
    if column:
        return f"column {column} of the header is not UTF-8; save metadata.csv as UTF-8"
    reasons = [] if header[0] == "filename" else [f"the first column is {header[0]!r}, it must be 'filename'"]
    for column, name in enumerate(header[1:], start=2):
        try:
            check_name(name)
        except ValueError as exc:
            reasons.append(f"column {column}: {exc}")
    return "; ".join(reasons) or None


def _csv_message(error: str | None) -> str:
    _line, message, runs_on = (error or "\0\0").split("\0", 2)
    return _CSV_ERRORS.get(message, message) + runs_on


def row_problem(cells: list[str] | None, error: str | None, header: list[str], seen: dict[str, int]) -> str | None:
    """Why one record cannot be used, or None."""
    if cells is None:
        return _csv_message(error)
    column = _not_utf8(cells)
    if column:
        return f"column {column} holds bytes that are not UTF-8; save metadata.csv as UTF-8"
    if len(cells) > len(header):
        return (f"{len(cells)} cells but the header has {len(header)} columns; a cell holding a comma must be "
                "quoted, and every value needs its column")
    if cells[0] == "":
        return "the filename cell is empty, so the row describes nothing; write the object's path in it"
    if cells[0] in seen:
        return f"{cells[0]} already has a row on line {seen[cells[0]]}; keep one row per file"
    return None
