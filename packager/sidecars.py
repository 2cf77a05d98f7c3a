"""Sidecar files of a bag: Dublin Core XML records, metadata.csv, originals checksums.

Pure serialisation and parsing: bytes in, bytes out, no file I/O except
loading the XSD in ``schemas/dc/``. The bag writer decides where the bytes go;
the validator re-reads them with the ``parse_*``/``validate_*`` functions.

Dublin Core values travel as ``list[tuple[str, str]]``: element names such as
``"dc.title"`` or ``"dcterms.abstract"`` (the Archivematica column spelling),
order kept, repeats allowed. A name must be one of the fifteen DCMES 1.1
elements (``dc.*``) or one of the 55 DCMI Metadata Terms properties
(``dcterms.*``); the list of names is read from the XSD so the writer and the
schema cannot disagree. Empty values mean "unknown" and are not written.

Formats (see each function for the details and the reasons):

* DC record: ``<record xmlns="urn:packager:dc-record:1">`` holding ``dc:*`` and
  ``dcterms:*`` children, UTF-8 with an XML declaration. Text that XML 1.0
  cannot carry (C0 control characters other than TAB/LF/CR, lone surrogates,
  U+FFFE/U+FFFF) raises :class:`UnencodableTextError` rather than being
  altered, because the sidecar must equal what is embedded in the image.
* ``metadata.csv``: Archivematica layout, UTF-8 without BOM, RFC 4180 with CRLF.
* originals checksums: ``<algorithm> <hex>  <path>`` lines under a comment header.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from lxml import etree

from . import SCHEMAS
from .text import NOT_XML

RECORD_NS = "urn:packager:dc-record:1"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
PREFIXES = {"dc": DC_NS, "dcterms": DCTERMS_NS}
XSD_DIR = SCHEMAS / "dc"
RECORD_XSD = XSD_DIR / "record.xsd"
_XSD_FILES = {"dc": XSD_DIR / "dc-elements.xsd", "dcterms": XSD_DIR / "dcterms.xsd"}

Pairs = list[tuple[str, str]]

_NAME = re.compile(r"^(dc|dcterms)\.([A-Za-z]+)$")


class UnencodableTextError(ValueError):
    """A value holds a character that XML 1.0 cannot carry, even as ``&#...;``."""


def _safe_parser() -> etree.XMLParser:
    """No DTD, no entities, no network: sidecars come from bags we do not trust."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


@lru_cache(maxsize=None)
def known_terms(prefix: str) -> frozenset[str]:
    """Element names the XSD declares for ``"dc"`` or ``"dcterms"``."""
    tree = etree.parse(str(_XSD_FILES[prefix]), _safe_parser())
    xs = "{http://www.w3.org/2001/XMLSchema}"
    return frozenset(el.get("name") for el in tree.getroot().iterchildren(f"{xs}element"))


def check_name(name: str) -> tuple[str, str]:
    """Split ``"dc.title"`` into (namespace URI, local name); ValueError if unknown."""
    match = _NAME.match(name) if isinstance(name, str) else None
    if not match:
        raise ValueError(f"{name!r} is not a Dublin Core element name; write dc.<element> or dcterms.<term>")
    prefix, local = match.groups()
    if local not in known_terms(prefix):
        what = "one of the 15 DCMES 1.1 elements" if prefix == "dc" else "a DCMI Metadata Terms property"
        raise ValueError(f"unknown element {name!r}: {prefix}.* must be {what} (see schemas/dc/)")
    return PREFIXES[prefix], local


def unencodable_chars(text: str) -> list[tuple[int, str]]:
    """(0-based index, character) of everything XML 1.0 cannot carry in ``text``."""
    return [(m.start(), m.group()) for m in NOT_XML.finditer(text)]


def _check_value(name: str, index: int, value: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"value #{index} ({name}) must be str, not {type(value).__name__}")
    bad = unencodable_chars(value)
    if bad:
        pos, char = bad[0]
        raise UnencodableTextError(
            f"value #{index} ({name}) contains U+{ord(char):04X} at character {pos + 1}, which XML 1.0 "
            f"cannot carry ({len(bad)} such character(s) in all); remove it from the source text")


# --- Dublin Core XML record --------------------------------------------------

def dc_record_bytes(pairs: Pairs, identifier: str) -> bytes:
    """One Dublin Core record as UTF-8 XML.

    ``identifier`` is written as the first ``dc:identifier`` unless the pairs
    already hold ``("dc.identifier", identifier)``, so every record carries
    the identifier the bag knows it by (the XSD requires one). Pairs with an
    empty value are skipped. Raises ValueError for unknown element names and
    :class:`UnencodableTextError` for text XML cannot hold.
    """
    if not isinstance(identifier, str) or not identifier:
        raise ValueError("a Dublin Core record needs a non-empty identifier")
    _check_value("identifier", 0, identifier)
    elements: list[tuple[str, str, str]] = []
    for index, (name, value) in enumerate(pairs, start=1):
        namespace, local = check_name(name)
        _check_value(name, index, value)
        elements.append((namespace, local, value))
    if ("dc.identifier", identifier) not in pairs:
        elements.insert(0, (DC_NS, "identifier", identifier))
    root = etree.Element(f"{{{RECORD_NS}}}record", nsmap={None: RECORD_NS, **PREFIXES})
    for ns, local, value in elements:
        if value:
            etree.SubElement(root, f"{{{ns}}}{local}").text = value
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def parse_dc_record(data: bytes) -> Pairs:
    """Inverse of :func:`dc_record_bytes`: the (name, value) pairs in document order.

    Raises ValueError for XML that is not well-formed or not shaped like a
    record (other root, foreign or nested elements); use
    :func:`validate_dc_record` for the full report.
    """
    root = _load_record(data)
    if root.tag != f"{{{RECORD_NS}}}record":
        raise ValueError(f"root element is {root.tag}, expected {{{RECORD_NS}}}record")
    names = {uri: prefix for prefix, uri in PREFIXES.items()}
    pairs: Pairs = []
    for child in root.iterchildren(tag=etree.Element):
        qname = etree.QName(child)
        if qname.namespace not in names or any(True for _ in child.iterchildren(tag=etree.Element)):
            raise ValueError(f"line {child.sourceline}: unexpected element {child.tag}")
        # itertext: a comment or processing instruction inside a value is not part of it
        pairs.append((f"{names[qname.namespace]}.{qname.localname}", "".join(child.itertext())))
    return pairs


def _load_record(data: bytes) -> etree._Element:
    """Parse a record; ValueError ("line N: ...") if malformed or if it has a DOCTYPE.

    Our records never have a DOCTYPE; refusing one keeps entity tricks
    (external files, expansion bombs) out of both parsing and validation.
    """
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"line {exc.lineno}: not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        line = data[:max(data.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        raise ValueError(f"line {line}: a DOCTYPE declaration is not allowed in a Dublin Core record")
    return root


_schema_lock = threading.Lock()


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    """The record schema, loaded once; imports resolve relative to schemas/dc/."""
    return etree.XMLSchema(etree.parse(str(RECORD_XSD), _safe_parser()))


def _short(message: str) -> str:
    """Write namespaces as prefixes so that messages fit on a line."""
    message = message.replace(f"{{{RECORD_NS}}}", "rec:")
    for prefix, uri in PREFIXES.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


def validate_dc_record(data: bytes) -> list[str]:
    """Messages ("line N: reason") from validating against schemas/dc/record.xsd; [] when valid."""
    try:
        doc = _load_record(data)
    except ValueError as exc:
        return [str(exc)]
    schema = _schema()
    with _schema_lock:  # one XMLSchema object, one error log: keep validations apart
        try:
            valid = schema.validate(doc)
        except etree.XMLSchemaValidateError as exc:  # libxml2 gave up; say so rather than crash
            return [f"line {doc.sourceline}: the schema validator failed: {exc}"]
        errors = [f"line {e.line}: {_short(e.message)}" for e in schema.error_log]
    if valid:
        return []
    if doc.tag == f"{{{RECORD_NS}}}record" and doc.find(f"{{{DC_NS}}}identifier") is None:
        errors.insert(0, f"line {doc.sourceline}: the record has no dc:identifier element; every record needs one")
    return errors


# --- metadata.csv (Archivematica) -------------------------------------------

def _csv_columns(rows: list[tuple[str, Pairs]]) -> list[tuple[str, int]]:
    """(element name, number of columns) in order of first appearance."""
    widths: dict[str, int] = {}
    for filename, pairs in rows:
        counts: dict[str, int] = {}
        for index, (name, value) in enumerate(pairs, start=1):
            check_name(name)
            if not isinstance(value, str):
                raise TypeError(f"{filename}: value #{index} ({name}) must be str")
            counts[name] = counts.get(name, 0) + 1
        for name, count in counts.items():
            widths[name] = max(widths.get(name, 0), count)
    return list(widths.items())


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
    columns = _csv_columns(rows)
    out = io.StringIO(newline="")
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
    return out.getvalue().encode("utf-8")


def parse_metadata_csv(data: bytes) -> list[tuple[str, Pairs]]:
    """Inverse of :func:`metadata_csv_bytes`; empty cells are dropped.

    Pairs come back in column order: the values of one element keep their
    order, but pairs of different elements that were interleaved come back
    grouped by element (the layout cannot record the interleaving).

    Tolerates a UTF-8 BOM (check ``data[:3]`` yourself to report one).
    Raises ValueError, naming the line, for a file that is not UTF-8,
    has no ``filename`` first column, an unknown column, or a row longer
    than the header.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start}): save metadata.csv as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or header[0] != "filename":
            raise ValueError("line 1: the first column must be 'filename'")
        for column, name in enumerate(header[1:], start=2):
            try:
                check_name(name)
            except ValueError as exc:
                raise ValueError(f"line 1, column {column}: {exc}") from None
        rows: list[tuple[str, Pairs]] = []
        for row in reader:
            if not row:
                continue
            if len(row) > len(header):
                raise ValueError(f"line {reader.line_num}: {len(row)} cells but {len(header)} columns")
            pairs = [(name, value) for name, value in zip(header[1:], row[1:]) if value != ""]
            rows.append((row[0], pairs))
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from None
    return rows


@dataclass(frozen=True)
class CsvRow:
    """One usable row of metadata.csv: the line it starts on, its filename cell, its values."""

    line: int
    filename: str
    pairs: Pairs


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
    header_problem = _header_problem(first)
    if header_problem:
        reading.usable = False
        reading.problems.append(CsvProblem(1, header_problem))
        return reading
    assert first is not None and first[1] is not None
    header = first[1]
    seen: dict[str, int] = {}
    for line, cells, error in records:
        if cells is not None and not any(cells):
            continue  # a blank row (spreadsheets write them, as wide as they like): nothing to describe
        problem = _row_problem(cells, error, header, seen)
        filename = cells[0] if cells else _first_cell(error)
        if problem:
            reading.problems.append(CsvProblem(line, problem, filename or None))
            continue
        assert cells is not None
        seen[cells[0]] = line
        pairs = [(name, value) for name, value in zip(header[1:], cells[1:]) if value != ""]
        reading.rows.append(CsvRow(line, cells[0], pairs))
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


def _first_cell(error: str | None) -> str:
    """The filename cell of a record the csv module refused, read leniently from its first line."""
    if not error:
        return ""
    line = error.split("\0", 1)[0]
    try:
        return next(csv.reader([line]), [""])[0] if line.strip() else ""
    except csv.Error:
        return ""


def _not_utf8(cells: list[str]) -> int | None:
    """1-based column of the first cell holding bytes that are not UTF-8, or None."""
    return next((i for i, c in enumerate(cells, start=1) if any("\udc80" <= ch <= "\udcff" for ch in c)), None)


def _header_problem(first: tuple[int, list[str] | None, str | None] | None) -> str | None:
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


def _row_problem(cells: list[str] | None, error: str | None, header: list[str], seen: dict[str, int]) -> str | None:
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


# --- checksums of the untouched originals -----------------------------------

ALGORITHMS = {"sha256": 64, "sha512": 128}  # name -> hex digits
ORIGINALS_MAGIC = "# packager originals checksums 1"
ORIGINALS_HEADER = (
    f"{ORIGINALS_MAGIC}\n"
    "# Checksums of the original files as received, before any metadata was embedded\n"
    "# (chain of custody: the payload files carry embedded metadata, so their bytes differ).\n"
    "# One line per file and algorithm: <algorithm> <lowercase hex>  <path> (two spaces).\n"
    "# Paths are relative to the collection folder, '/'-separated, UTF-8; '%', CR and LF\n"
    "# in a path are percent-encoded (%25, %0D, %0A) as in BagIt manifests (RFC 8493).\n"
)
_LINE = re.compile(r"^(\S+) (\S+)  (.+)$")


def _encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _decode_path(path: str) -> str:
    return re.sub("%(25|0D|0A)", lambda m: {"25": "%", "0D": "\r", "0A": "\n"}[m.group(1).upper()], path,
                  flags=re.IGNORECASE)


def _path_problem(path: str) -> str | None:
    """Why a path cannot name a file inside the collection folder, or None."""
    if not path or path.startswith("/") or "\\" in path or re.match(r"^[A-Za-z]:", path):
        return "must be a relative path with '/' separators"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "must not contain empty, '.' or '..' segments"
    return None


def _escape_problem(raw_path: str) -> str | None:
    """RFC 8493 §2.1.3: '%' appears in a listed path only as %25, %0D or %0A."""
    bad = re.search("%(?!25|0[DdAa])", raw_path)
    if bad:
        return (f"'%' at character {bad.start() + 1} is not part of %25, %0D or %0A; "
                "a '%' in a path is written %25")
    return None


def _digest_problem(algorithm: str, digest: str) -> str | None:
    if algorithm not in ALGORITHMS:
        return f"unknown algorithm {algorithm!r}; use {' or '.join(ALGORITHMS)}"
    if not re.fullmatch("[0-9a-f]*", digest):
        return f"{algorithm} digest is not lowercase hexadecimal"
    if len(digest) != ALGORITHMS[algorithm]:
        return f"{algorithm} digest has {len(digest)} hex digits, expected {ALGORITHMS[algorithm]}"
    return None


def originals_manifest_bytes(entries: list[tuple[str, dict[str, str]]]) -> bytes:
    """The originals checksum file: the header comment, then two lines per entry.

    Entries keep their order; within an entry the algorithms follow
    :data:`ALGORITHMS`. Every entry must give every algorithm (as BagIt asks
    of payload manifests), so a receiver can check either. ValueError on a
    bad path, a duplicate path, an unknown algorithm or a malformed digest.
    """
    lines, seen = [ORIGINALS_HEADER], set()
    for path, digests in entries:
        problem = _path_problem(path) or ("listed twice" if path in seen else None)
        if not problem and set(digests) != set(ALGORITHMS):
            problem = f"needs exactly {', '.join(ALGORITHMS)}, got {', '.join(sorted(digests)) or 'none'}"
        problem = problem or next(filter(None, (_digest_problem(a, d) for a, d in digests.items())), None)
        if problem:
            raise ValueError(f"originals checksums: {path!r}: {problem}")
        seen.add(path)
        lines += [f"{algorithm} {digests[algorithm]}  {_encode_path(path)}\n" for algorithm in ALGORITHMS]
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class ManifestProblem:
    """One problem of an originals checksum file. ``line`` is the 1-based line it
    is on (for a path lacking an algorithm: the path's first line; None for the
    file as a whole); ``prefixed`` says whether its text form starts "line N: "."""

    line: int | None
    message: str
    prefixed: bool = True

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.prefixed and self.line else self.message


def parse_originals_manifest(data: bytes) -> tuple[list[tuple[str, dict[str, str]]], list[str]]:
    """Entries (path, {algorithm: hex}) in file order, and problems ("line N: ...").

    Never raises on bad content: the validator reports every problem (E605)
    and can still check the entries that parsed. :func:`read_originals_manifest`
    gives the same problems with their line numbers apart.
    """
    entries, problems = read_originals_manifest(data)
    return entries, [str(p) for p in problems]


def read_originals_manifest(data: bytes) -> tuple[list[tuple[str, dict[str, str]]], list[ManifestProblem]]:
    """Entries (path, {algorithm: hex}) in file order, and every problem, at most one per line.

    Checked: UTF-8; the header line (:data:`ORIGINALS_MAGIC`) first; each
    line ``<algorithm> <lowercase hex>  <path>`` with a known algorithm and
    the right number of hex digits; ``%`` in a path only as ``%25``, ``%0D``
    or ``%0A``; relative paths without ``..``; no (path, algorithm) twice;
    LF line ends with one at the end; every path with every algorithm; at
    least one entry.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return [], [ManifestProblem(line, f"byte {exc.start}: not UTF-8", prefixed=False)]
    lines = text.split("\n")
    last = lines.pop()  # "" when the file ends with LF, as it should
    unterminated = last != ""
    if unterminated:
        lines.append(last)
    by_line: dict[int, list[str]] = {}
    header = _header_problem_of(lines)
    if header:
        by_line[1] = [header]
    entries: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        known = len(entries)
        problem = _parse_line(line, entries)
        if problem:
            by_line.setdefault(number, []).append(problem)
        if len(entries) > known:  # a new path: remember where it first appeared
            first_line[next(reversed(entries))] = number
    if unterminated:
        by_line.setdefault(len(lines), []).append("no line break at the end of the file")
    problems = [ManifestProblem(n, "; ".join(texts)) for n, texts in sorted(by_line.items())]
    for path, digests in entries.items():
        missing = [a for a in ALGORITHMS if a not in digests]
        if missing:
            problems.append(ManifestProblem(first_line[path], f"{path!r} has no {' or '.join(missing)} checksum",
                                            prefixed=False))
    if not entries and not header and not by_line:
        problems.append(ManifestProblem(len(lines), "the file lists no checksums; every original needs its "
                                                    f"{' and '.join(ALGORITHMS)} lines"))
    return list(entries.items()), problems


def _header_problem_of(lines: list[str]) -> str | None:
    first = lines[0].rstrip("\r") if lines else ""
    if first == ORIGINALS_MAGIC:
        return None
    version = ORIGINALS_MAGIC.rsplit(" ", 1)[0] + " "
    if first.startswith(version):
        return f"format version {first[len(version):]!r} is not known; this packager reads {ORIGINALS_MAGIC!r}"
    return f"missing the header line {ORIGINALS_MAGIC!r}"


def _parse_line(line: str, entries: dict[str, dict[str, str]]) -> str | None:
    """Add one checksum line to ``entries``; return the problem with it, if any."""
    if line.startswith("#") or line == "":
        return None
    if line.endswith("\r"):
        return "ends with CR; the file must use LF line ends"
    match = _LINE.match(line)
    if not match:
        return "not '<algorithm> <hex>  <path>'"
    algorithm, digest, raw_path = match.groups()
    path = _decode_path(raw_path)
    problem = _digest_problem(algorithm, digest) or _escape_problem(raw_path) or _path_problem(path)
    if problem:
        return f"{path!r}: {problem}"
    if algorithm in entries.get(path, {}):
        return f"duplicate {algorithm} checksum for {path!r}"
    entries.setdefault(path, {})[algorithm] = digest
    return None

