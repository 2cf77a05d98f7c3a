"""Reading caption sources: one caption per line (.txt) or a spreadsheet (.csv).

Captions usually come from a web gallery that was copied as text, so a line
source may carry the page's leftovers (the next image's file name, ``prev /
next``, page counters, blank lines). Those are dropped with a warning that
names the line; everything else is kept exactly as written (curly quotes,
double spaces, non-breaking spaces), because the caption is the archival
description and must not be silently "improved".

Nothing in a caption is changed here, and what a reader may miss is said:
control characters (W110, a stray NUL included), characters that reorder the
text when it is shown (W118: U+202A-U+202E, U+2066-U+2069), and a start that a
spreadsheet would run as a formula (W119). Unicode normalisation is left as
written too: an NFD caption stays NFD (see ``analysis.text.for_analysis``).

Encoding problems stop the run (:class:`~packager.errors.CollectionError`,
code E103): a caption file that is not UTF-8 cannot be read without guessing,
and a guess would corrupt every non-ASCII character downstream. The message
names the line and the byte, and what the byte would be in Windows-1252
(Excel's plain CSV), as a hint only.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from packager import issues
from packager.errors import CollectionError
from packager.model import Issue, Location, Record

BOM = b"\xef\xbb\xbf"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".tif", ".tiff", ".png", ".webp", ".heic", ".avif")
CSV_REQUIRED = ("filename", "caption")
LIST_SEPARATOR = ";"

#: Record fields (and first-location parts) a CSV column may set for one item.
#: Provenance and identity come from the collection itself and cannot be overridden.
OVERRIDE_FIELDS: frozenset[str] = frozenset(
    {f.name for f in fields(Record)} - {"identifier", "file", "locations", "caption_source", "caption_line",
                                        "provenance"}
    | {f.name for f in fields(Location)} - {"identifiers"}
)

# A bare image file name on a line of its own: the gallery's next-image link.
_FILE_NAME = re.compile(r"^[^\s/\\][^/\\]{0,200}\.(?:jpe?g|tiff?|png|webp|heic|avif|gif)$", re.IGNORECASE)
_PAGE_COUNTER = re.compile(r"^(?:(?:page|image|photo)\s+)?\d{1,4}\s*(?:/|of)\s*\d{1,4}$|^page\s+\d{1,4}$",
                           re.IGNORECASE)
_NAV_SEPARATORS = re.compile(r"[/|·•«»‹›<>←→\-–—\[\]()]+")
_NAV_WORDS = frozenset({"prev", "previous", "next", "back", "first", "last", "to", "the", "top", "gallery",
                        "page", "of"})
_NAV_ANCHORS = frozenset({"prev", "previous", "next"})
_NAV_PHRASES = frozenset({"back to top", "to top", "back to gallery", "back to the gallery"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class CaptionEntry:
    """One caption as read, with where it came from.

    ``line`` is the physical line (for CSV: the line where the record starts);
    ``file`` is the image named by a CSV row (None for line sources, which are
    paired by position); ``overrides`` holds the CSV's further columns.
    """

    text: str
    line: int
    file: str | None = None
    overrides: dict[str, str] = field(default_factory=dict, hash=False)


def read_captions(path: Path) -> tuple[list[CaptionEntry], list[Issue]]:
    """Read a caption source; dispatch on the suffix (``.csv``, else one caption a line).

    Raises CollectionError (E103) for text that is not UTF-8; every other
    problem is returned as an issue so the run can report all of them at once.
    """
    text = decode(path.read_bytes(), str(path))
    if path.suffix.lower() == ".csv":
        return _read_csv(text, path)
    return _read_lines(text, path)


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (BOM allowed); raise CollectionError naming the first bad line.

    A file where NUL bytes are common is UTF-16 (or no text) and is refused. A
    stray NUL in UTF-8 text is a control character like any other: the caption
    keeps it, W110 names the line, and XMP gets U+FFFD for it (W311).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _encoding_error(name, 1, "starts with a UTF-16 byte order mark, not UTF-8")
    if data.startswith(BOM):
        data = data[len(BOM):]
    nul = data.find(b"\x00")
    if nul >= 0 and (data.count(b"\x00") * 8 >= len(data) or nul < 2):
        raise _encoding_error(name, data.count(b"\n", 0, nul) + 1,
                              f"NUL byte at offset {nul}, not UTF-8 text (UTF-16 without BOM?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _encoding_error(name, line, f"byte 0x{data[exc.start]:02x} is not UTF-8 ({exc.reason})"
                                          + _legacy_hint(data[exc.start:exc.end])) from exc


def _legacy_hint(bad: bytes) -> str:
    """What the bytes would be in Windows-1252, the usual encoding of a spreadsheet saved as plain CSV.

    Said as a guess only: the file is not decoded with it, since a wrong guess
    would change every non-ASCII character of every caption.
    """
    try:
        as_cp1252 = bad.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return (f"; in Windows-1252, which Excel's plain \"CSV\" writes, it would be {as_cp1252!r}, so the file is "
            "probably that: in Excel choose \"CSV UTF-8\"")


def _encoding_error(name: str, line: int, why: str) -> CollectionError:
    issue = issues.make("E103", path=name, line=line, problem=why)
    return CollectionError(issue.message, [issue])


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR only.

    ``str.splitlines`` would also split on form feeds, U+2028 and other
    characters that we want to keep (and warn about) inside a caption. A final
    line break does not start another line.
    """
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def leftover_reason(line: str) -> str | None:
    """Why a stripped line looks like a web page leftover, or None for a caption.

    Deliberately narrow: a real caption may be one word ("Beijing.") or a
    number ("2018") or "Home", so only file names, page counters and lines made
    solely of navigation words (with prev/next, or "back to top") are dropped.
    """
    if _FILE_NAME.match(line) and ". " not in line:
        return "a bare image file name"
    if _PAGE_COUNTER.match(line):
        return "a page counter"
    words = _NAV_SEPARATORS.sub(" ", line).lower().split()
    if words and set(words) <= _NAV_WORDS and (set(words) & _NAV_ANCHORS or " ".join(words) in _NAV_PHRASES):
        return "gallery navigation"
    return None


def has_control_characters(text: str) -> bool:
    """True for C0/C1 controls (tab included) and Unicode line/paragraph separators."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


#: Characters that embed, override or isolate a direction: they reorder the text around them when it is shown.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: What a spreadsheet takes as the start of a formula in a cell.
FORMULA_START = ("=", "+", "-", "@")


def caption_warnings(caption: str, path: Path, line: int) -> list[Issue]:
    """W110 (control characters), W118 (direction controls) and W119 (a formula start) for one caption.

    None of them changes the caption: it is the archival description, kept as written.
    """
    found = []
    if has_control_characters(caption):
        found.append(issues.make("W110", path=str(path), line=line))
    bidi = sorted({ch for ch in caption if ch in BIDI_CONTROLS})
    if bidi:
        chars = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch)}" for ch in bidi)
        found.append(issues.make("W118", path=str(path), line=line, chars=chars))
    if caption.startswith(FORMULA_START):
        found.append(issues.make("W119", path=str(path), line=line, start=caption[:12]))
    return found


def _read_lines(text: str, path: Path) -> tuple[list[CaptionEntry], list[Issue]]:
    entries: list[CaptionEntry] = []
    found: list[Issue] = []
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if not line:
            found.append(issues.make("W102", path=str(path), line=number))
            continue
        why = leftover_reason(line)
        if why:
            found.append(issues.make("W101", path=str(path), line=number, text=line, why=why))
            continue
        found.extend(caption_warnings(line, path, number))
        entries.append(CaptionEntry(text=line, line=number))
    return entries, found


def _read_csv(text: str, path: Path) -> tuple[list[CaptionEntry], list[Issue]]:
    """The records of a caption CSV, read strictly: a quote that does not close, or a cell that
    starts with a quote it does not close at its end, is an error naming the line, never a
    caption silently merged with the rows after it or stripped of its quotes."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, found = _csv_header(reader, path)
    if header is None:
        return [], found
    entries: list[CaptionEntry] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            found.append(_csv_error(path, _quote_problem(str(exc), start, reader.line_num, text), start))
            if "end of data" in str(exc):
                break  # the quote ran to the end of the file: nothing after it can be read as rows
            start = reader.line_num + 1
            continue
        swallowed = _swallowed_row(row, header, start) if reader.line_num > start else None
        if swallowed:
            found.append(_csv_error(path, swallowed, start))
        else:
            entry, row_issues = _csv_row(row, header, start, path)
            found.extend(row_issues)
            if entry:
                entries.append(entry)
        start = reader.line_num + 1
    return entries, found


def _quote_problem(error: str, line: int, end: int, text: str) -> str:
    if "end of data" in error:
        return (f"the quote opened in the record on line {line} is never closed, so every line after it would "
                "become part of one caption; close it (a quote inside a quoted caption is written twice: \"\")")
    if end > line:
        return (f"the quote opened in the record on line {line} does not close until line {end}, so lines "
                f"{line + 1}-{end} would become part of one caption; close it on line {line} (a quote inside a "
                'quoted caption is written twice: "")')
    lines = re.split(r"\r\n|\n|\r", text)  # as the csv module counts lines
    first = lines[line - 1] if line - 1 < len(lines) else ""
    return (f"line {line}: a cell starts with a quote that does not close at the end of the cell "
            f"({_clip(first)}); a caption that begins with a quoted phrase must be quoted as a whole, with "
            'its own quotes written twice: "\"\"Sharp Eyes\"\" cameras ..." (the csv error was: ' f"{error})")


def _swallowed_row(row: list[str], header: list[str], start: int) -> str | None:
    """Why a record that spans several lines looks like rows run together by a quote left open, or None.

    A line break inside a quoted caption is allowed; a line inside it that itself reads as a row
    (an image file name in the filename column, then a caption) is taken as a quote left open.
    """
    where = header.index("filename")
    for cell in row:
        for inner in re.split(r"\r\n|\n|\r", cell)[1:]:
            try:
                cells = next(csv.reader([inner]), [])
            except csv.Error:
                continue
            if (len(cells) > where + 1 and cells[where].strip().lower().endswith(IMAGE_EXTENSIONS)
                    and any(c.strip() for c in cells[where + 1:])):
                return (f"the record on line {start} runs on over several lines, and a line inside it reads as a "
                        f"row of its own ({_clip(inner)}): a quote is probably left open; close it, or put the "
                        "line break somewhere that is not the start of a file name")
    return None


def _clip(line: str, width: int = 60) -> str:
    return repr(line if len(line) <= width else line[:width] + "…")


def _csv_error(path: Path, problem: str, line: int | None = None) -> Issue:
    return issues.make("E107", path=str(path), line=line, source=str(path), problem=problem)


def _csv_header(reader: Any, path: Path) -> tuple[list[str] | None, list[Issue]]:
    """Read and check the header row; the required columns may come in any order.

    A column that is not a record field is ignored with a warning (W111)
    rather than refused, so that a spreadsheet's working notes do not block a run.
    """
    try:
        row = next(reader)
    except StopIteration:
        return None, [_csv_error(path, "the file is empty; it needs a header row 'filename,caption'")]
    except csv.Error as exc:
        return None, [_csv_error(path, f"cannot parse the header row: {exc}", 1)]
    header = [cell.strip().lower() for cell in row]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        problem = (f"line 1 is not a header naming the columns filename and caption (missing: {', '.join(missing)});"
                   " add a first line such as 'filename,caption'")
        return None, [_csv_error(path, problem, 1)]
    twice = sorted({name for name in header if header.count(name) > 1 and name})
    if twice:
        return None, [_csv_error(path, f"column {', '.join(twice)} appears more than once in the header", 1)]
    found = []
    for index, name in enumerate(header):
        if name not in CSV_REQUIRED and name not in OVERRIDE_FIELDS:
            found.append(issues.make("W111", path=str(path), line=1, problem=(
                f"{path}: column {index + 1} {name!r} is not a record field and is ignored; "
                f"known: {', '.join(sorted(OVERRIDE_FIELDS))}")))
            header[index] = ""
    return header, found


def _csv_row(row: list[str], header: list[str], line: int,
             path: Path) -> tuple[CaptionEntry | None, list[Issue]]:
    """Turn one record into an entry; a row that cannot be paired is reported and skipped."""
    if not any(cell.strip() for cell in row):
        return None, [issues.make("W102", path=str(path), line=line)]
    if len(row) > len(header):
        return None, [_csv_error(path, f"line {line} has {len(row)} values but the header has {len(header)}", line)]
    short = [name for name in CSV_REQUIRED if header.index(name) >= len(row)]
    if short:
        return None, [_csv_error(path, f"line {line} has {len(row)} value(s) but the header has {len(header)}, so "
                                       f"it has no {' and no '.join(short)}; give every row its cells (an empty "
                                       "cell is two commas)", line)]
    values = {k: v for k, v in zip(header, (cell.strip() for cell in row), strict=False) if k}
    name, caption = values.get("filename", ""), values.get("caption", "")
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return None, [_csv_error(path, f"line {line}: filename {name!r} must be a plain file name in the "
                                       "image folder", line)]
    if not caption:
        return None, [_csv_error(path, f"line {line}: {name} has an empty caption", line)]
    found = caption_warnings(caption, path, line)
    overrides = {k: v for k, v in values.items() if k not in CSV_REQUIRED and v}
    return CaptionEntry(text=caption, line=line, file=name, overrides=overrides), found
