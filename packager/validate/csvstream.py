"""metadata.csv read as a stream: row by row, memory flat in the number of rows.

The same tolerant reading as :func:`packager.metadata.csvfile.read_metadata_csv`
(the same rows, the same problem on the same line, the same restart after a
quote error), from a binary stream instead of the whole file: a collection of
100,000 images has a metadata.csv of about 100 MiB, several times that once
decoded and split. Only the lines of the record being read are held; after a
quote error the reader goes back to the line after the bad record's first
line, as the whole-file reader does, which can hold the rest of the file
while the unclosed quote runs on (a damaged file, read once).

A physical line longer than :data:`LINE_LIMIT` characters is not held: it is
reported as a damaged row on its line and the file is read no further (far
more than a row needs: the csv module holds a cell to 131,072 characters),
so one endless line cannot fill memory.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from typing import IO

from packager.metadata.csvfile import (
    CsvCollectionRow,
    CsvProblem,
    CsvRow,
    first_cell,
    header_problem,
    row_problem,
    usable_row,
)

#: Longest physical line read, in characters (see above).
LINE_LIMIT = 8 << 20
#: What of a damaged record's first line is kept to find its filename cell.
_FIRST_LINE_KEPT = 1 << 16


class _TooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class CsvStream:
    """Iterating gives each usable row (:class:`CsvRow`, or :class:`CsvCollectionRow` for the row
    describing the whole objects folder) and each problem (:class:`CsvProblem`) in line order. ``bom`` is known from the start; ``usable`` is False once the header
    proved unusable (then the one problem is on line 1 and no row follows)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="")
        first = self._text.readline(LINE_LIMIT + 1)
        self._overlong = len(first) > LINE_LIMIT
        if self._overlong:
            first = ""
        self.bom = first.startswith("\ufeff")
        self._lines = _Lines(first[1:] if self.bom else first, self._text)
        self.usable = True

    def __iter__(self) -> Iterator[CsvRow | CsvCollectionRow | CsvProblem]:
        try:
            if self._overlong:
                raise _TooLong(1)
            yield from self._rows()
        except _TooLong as exc:
            if exc.line == 1:
                self.usable = False
            yield CsvProblem(exc.line, f"the line is longer than {LINE_LIMIT:,} characters, which no row needs; "
                             "metadata.csv was read no further")

    def _rows(self) -> Iterator[CsvRow | CsvCollectionRow | CsvProblem]:
        records = _csv_records(self._lines)
        first = next(records, None)
        problem = header_problem(first)
        if problem:
            self.usable = False
            yield CsvProblem(1, problem)
            return
        assert first is not None and first[1] is not None
        header = first[1]
        seen: dict[str, int] = {}
        for line, cells, error in records:
            if cells is not None and not any(cells):
                continue  # a blank row: nothing to describe
            problem = row_problem(cells, error, header, seen)
            if problem:
                filename = cells[0] if cells else first_cell(error)
                yield CsvProblem(line, problem, filename or None)
                continue
            assert cells is not None
            seen[cells[0]] = line
            yield usable_row(line, cells[0], [(name, value) for name, value in zip(header[1:], cells[1:], strict=False)
                                              if value != ""])


class _Lines:
    """Physical lines (ends kept: LF, CR or CRLF, as the csv module splits) by number,
    read on demand and forgotten once a record before them is done."""

    def __init__(self, first: str, rest: IO[str]) -> None:
        self._rest = rest
        self._held: deque[str] = deque([first] if first else [])
        self._first = 1  # number of the first held line
        self._done = not first

    def get(self, n: int) -> str | None:
        while not self._done and n >= self._first + len(self._held):
            line = self._rest.readline(LINE_LIMIT + 1)
            if not line:
                self._done = True
                break
            if len(line) > LINE_LIMIT:
                self._done = True
                raise _TooLong(self._first + len(self._held))
            self._held.append(line)
        index = n - self._first
        return self._held[index] if 0 <= index < len(self._held) else None

    def forget_before(self, n: int) -> None:
        while self._first < n and self._held:
            self._held.popleft()
            self._first += 1


def _feed(lines: _Lines, start: int) -> Iterator[str]:
    n = start
    while (line := lines.get(n)) is not None:
        yield line
        n += 1


def _csv_records(lines: _Lines) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line the record starts on, its cells or None, the csv error or None), as
    ``csvfile._csv_records`` gives them for the whole file."""
    pos = 0  # lines before the current reader's first line
    while lines.get(pos + 1) is not None:
        reader = csv.reader(_feed(lines, pos + 1), strict=True)
        consumed = 0
        try:
            for row in reader:
                yield pos + consumed + 1, row, None
                consumed = reader.line_num
                lines.forget_before(pos + consumed + 1)
            return
        except csv.Error as exc:
            start = pos + consumed + 1
            reached = pos + reader.line_num
            runs_on = f" (the quoted cell that starts here runs on to line {reached})" if reached > start else ""
            yield start, None, f"{(lines.get(start) or '')[:_FIRST_LINE_KEPT]}\0{exc}\0{runs_on}"
            pos = start
