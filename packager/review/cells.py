"""Spreadsheet-safe CSV cells that read back exactly as written.

The review sheet is opened in Excel or LibreOffice, so it is written the way
they read CSV best: UTF-8 with a byte order mark (Excel takes a file without
one for the local code page), CRLF line ends, every field quoted (a caption
holds commas, quotes and line breaks).

*Formulas.* A cell starting with ``=``, ``+``, ``-`` or ``@`` (or TAB/CR,
which some spreadsheets skip before looking) would be run as a formula, so
such a cell is written with a leading apostrophe, which spreadsheets show as
text. Reading removes one leading apostrophe from any cell; a value that
itself starts with an apostrophe is therefore written with two. This is the
spreadsheets' own convention (typing ``'=1`` enters the text ``=1``), and it
makes the round trip lossless.

*Lists* (keywords, organisations, persons, events) are joined with ``; ``.
Reading splits on ``;`` and trims the spaces around each element. A
backslash makes the next character literal: ``\\;`` is a semicolon inside an
element, ``\\\\`` a backslash, and an element's own leading or trailing
whitespace is written escaped so that trimming keeps it. Empty elements are
dropped.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from packager.errors import SheetSyntaxError

BOM = "\ufeff"
GUARD = "'"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = ";"
ESCAPE = "\\"
DELIMITERS = (",", ";", "\t")  # spreadsheets in some locales re-save with ; or TAB


def protect(text: str) -> str:
    """The cell text for ``text``: formula starts and a leading apostrophe get an apostrophe."""
    return GUARD + text if text.startswith(FORMULA_START + (GUARD,)) else text


def unprotect(cell: str) -> str:
    """The value of a cell: one leading apostrophe (a spreadsheet's text marker) removed."""
    return cell[1:] if cell.startswith(GUARD) else cell


def join_list(values: Iterable[str]) -> str:
    """One cell for a list of values (see the module docstring)."""
    return (SEPARATOR + " ").join(_escape(v) for v in values if v)


def _escape(value: str) -> str:
    last = len(value) - 1
    return "".join(ESCAPE + ch if ch in (ESCAPE, SEPARATOR) or (ch.isspace() and i in (0, last)) else ch
                   for i, ch in enumerate(value))


def split_list(cell: str) -> tuple[str, ...]:
    """The values of a list cell, in order; the inverse of :func:`join_list`."""
    elements: list[list[tuple[str, bool]]] = [[]]
    i = 0
    while i < len(cell):
        ch = cell[i]
        if ch == ESCAPE and i + 1 < len(cell):
            elements[-1].append((cell[i + 1], True))
            i += 2
            continue
        if ch == SEPARATOR:
            elements.append([])
        else:
            elements[-1].append((ch, False))
        i += 1
    out = []
    for chars in elements:
        while chars and not chars[0][1] and chars[0][0].isspace():
            chars.pop(0)
        while chars and not chars[-1][1] and chars[-1][0].isspace():
            chars.pop()
        if chars:
            out.append("".join(ch for ch, _ in chars))
    return tuple(out)


def table_bytes(header: list[str], rows: Iterable[list[str]]) -> bytes:
    """The whole sheet: BOM, CRLF, every field quoted, every cell protected."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([protect(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def read_table(data: bytes, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (lower case, trimmed) and each record with its row number, cells unprotected.

    Rows are numbered as a spreadsheet shows them (the header is row 1), not
    by physical line: a cell may hold line breaks.

    Accepts what a spreadsheet writes back: with or without BOM, CRLF or LF,
    quoted or not, and ``;`` or TAB as the delimiter when the header shows it.
    Raises SheetSyntaxError naming the line.
    """
    if data.startswith(BOM.encode("utf-8")):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SheetSyntaxError(f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8; save the sheet as "
                               "\"CSV UTF-8\"") from exc
    delimiter = _delimiter(text, required)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    number = 1
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        for number, row in enumerate(reader, start=2):
            if any(cell.strip() for cell in row):
                rows.append((number, [unprotect(cell) for cell in row]))
    except csv.Error as exc:
        raise SheetSyntaxError(f"row {number + 1} (line {reader.line_num}): cannot parse the record: {exc}") from exc
    return header, rows


def _delimiter(text: str, required: tuple[str, ...]) -> str:
    first = text.split("\n", 1)[0]
    for delimiter in DELIMITERS:
        names = {cell.strip().lower() for cell in next(csv.reader([first], delimiter=delimiter), [])}
        if set(required) <= names:
            return delimiter
    raise SheetSyntaxError(f"line 1 is not the sheet's header: it must name the columns {', '.join(required)}")


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
