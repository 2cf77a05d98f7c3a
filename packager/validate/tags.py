"""BagIt validator: reading tag files (bagit.txt, bag-info.txt, fetch.txt).

Part of the receiving side (see :mod:`.check`). Each reader
returns what it could make of the file plus every problem found, so that a
broken tag file does not hide the problems behind it.
"""

from __future__ import annotations

import codecs
import re
import urllib.parse
from dataclasses import dataclass

from packager import issues
from .source import BagSource
from .paths import PathContext, check_area, decode_path, normalise_path
from packager.errors import SourceError
from packager.model import Issue

KNOWN_VERSIONS = {(0, 93), (0, 94), (0, 95), (0, 96), (0, 97), (1, 0)}
_FIELD = re.compile(r"(?P<label>[^:]*?)(?P<pre>[ \t]*):(?P<post>[ \t]*)(?P<value>.*?)(?P<trail>[ \t]*)")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Declaration:
    """What bagit.txt declares. ``rules`` is the version whose rules apply (1.0 if unknown)."""

    version: str | None
    rules: tuple[int, int]
    codec: str  # Python codec used for the other tag files
    encoding: str  # as declared (or assumed), for messages


@dataclass(frozen=True)
class FetchEntry:
    url: str
    length: str
    path: str  # bag-relative, decoded
    line: int


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF or CR (all legal in tag files); a final line break ends the last line."""
    lines = re.split(r"\r\n|\n|\r", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_declaration(source: BagSource, out: list[Issue]) -> Declaration:
    """Read and check bagit.txt (RFC 8493 §2.1.1)."""
    default = Declaration(None, (1, 0), "utf-8", "UTF-8")
    if not source.listing().is_file("bagit.txt"):
        if "bagit.txt" not in source.listing().refused:
            out.append(_e501("bagit.txt is missing; every bag has it at its top level: check that the path is "
                             "the bag's top folder, or add 'BagIt-Version: 1.0' and "
                             "'Tag-File-Character-Encoding: UTF-8'"))
        return default
    try:
        raw = source.read_bytes("bagit.txt", limit=1 << 16)
    except SourceError as exc:
        out.append(_e501(f"bagit.txt cannot be read: {exc}"))
        return default
    for bom in _BOMS:
        if raw.startswith(bom):
            out.append(_e501("bagit.txt starts with a byte-order mark, which BagIt forbids; "
                             "save it as UTF-8 without BOM"))
            raw = raw[len(bom):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.append(_e501(f"bagit.txt is not UTF-8 (byte {exc.start}); it must be UTF-8 text"))
        return default
    return _declaration_from_lines(split_lines(text), out)


def _declaration_from_lines(lines: list[str], out: list[Issue]) -> Declaration:
    while lines and not lines[-1].strip():
        lines.pop()
        out.append(issues.make("W507", path="bagit.txt", detail="bagit.txt ends with blank lines; remove them"))
    if len(lines) > 2:
        out.append(_e501(f"bagit.txt has {len(lines)} lines; it must have exactly two "
                         "(BagIt-Version and Tag-File-Character-Encoding), remove the others", line=3))
    version_field = _field(lines, 0, "BagIt-Version", out)
    encoding_field = _field(lines, 1, "Tag-File-Character-Encoding", out)
    version, rules = _version(version_field[0] if version_field else None, out)
    for n, fld in ((1, version_field), (2, encoding_field)):
        if fld:
            _field_spacing(fld, n, rules, out)
    codec, encoding = _codec(encoding_field[0] if encoding_field else None, out)
    return Declaration(version, rules, codec, encoding)


def _field(lines: list[str], index: int, label: str, out: list[Issue]) -> tuple[str, str, str, str] | None:
    """(value, whitespace before colon, after colon, trailing) of a bagit.txt line, or None."""
    if index >= len(lines):
        out.append(_e501(f"bagit.txt has no line {index + 1}; it must read '{label}: ...'", line=index + 1))
        return None
    m = _FIELD.fullmatch(lines[index])
    if not m or m["label"] != label:
        out.append(_e501(f"bagit.txt line {index + 1} is {lines[index]!r}; it must read '{label}: ...'",
                         line=index + 1))
        return None
    return m["value"], m["pre"], m["post"], m["trail"]


def _field_spacing(fld: tuple[str, str, str, str], n: int, rules: tuple[int, int], out: list[Issue]) -> None:
    _value, pre, post, trail = fld
    if pre and rules >= (1, 0):
        out.append(_e501(f"bagit.txt line {n} has whitespace before the colon, which BagIt 1.0 does not allow; "
                         "write 'Label: value'", line=n))
    elif pre:
        out.append(issues.make("W507", path="bagit.txt", line=n,
                               detail=f"bagit.txt line {n} has whitespace before the colon; write 'Label: value'"))
    if post not in (" ", "\t") or trail:
        out.append(issues.make("W507", path="bagit.txt", line=n,
                               detail=f"bagit.txt line {n} needs exactly one space after the colon and no "
                                      "trailing whitespace; strict readers reject it"))


def _version(value: str | None, out: list[Issue]) -> tuple[str | None, tuple[int, int]]:
    if value is None:
        return None, (1, 0)
    m = re.fullmatch(r"([0-9]{1,4})\.([0-9]{1,4})", value)  # ASCII digits; no int() of 5,000 digits
    if not m:
        shown = value if len(value) <= 20 else value[:20] + "…"
        out.append(_e501(f"BagIt-Version {shown!r} is not a version number of the form M.N (e.g. 1.0)", line=1))
        return value, (1, 0)
    rules = (int(m[1]), int(m[2]))
    if rules not in KNOWN_VERSIONS:
        out.append(issues.make("W507", path="bagit.txt", line=1,
                               detail=f"BagIt-Version {value} is not a published version (0.93-0.97, 1.0); "
                                      "checked with the rules of the nearest one"))
        rules = (1, 0) if rules > (1, 0) else rules
    elif rules < (1, 0):
        out.append(issues.make("W525", path="bagit.txt", line=1,
                               detail=f"BagIt-Version {value} is a draft older than RFC 8493 (BagIt 1.0, 2018); "
                                      "it was checked with its own rules, but current tools may read it "
                                      "differently: re-bag it as 1.0 when convenient"))
    return value, rules


def _codec(value: str | None, out: list[Issue]) -> tuple[str, str]:
    if value is None:
        return "utf-8", "UTF-8"
    try:
        return codecs.lookup(value).name, value
    except LookupError:
        out.append(_e501(f"Tag-File-Character-Encoding {value!r} is not a known character encoding; "
                         "use UTF-8", line=2))
        return "utf-8", value


def decode_tag_file(raw: bytes, decl: Declaration, name: str, code: str, out: list[Issue]) -> str | None:
    """Decode a tag file or manifest with the declared encoding (UTF-16 byte order from its BOM)."""
    try:
        if decl.codec == "utf-16" and raw[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            out.append(issues.make("W507", path=name, detail=f"{name} is UTF-16 without a byte-order mark; "
                                                             "read as big-endian"))
            text = raw.decode("utf-16-be")
        else:
            text = raw.decode(decl.codec)
    except UnicodeDecodeError as exc:
        out.append(issues.make(code, path=name, detail=f"{name} is not valid {decl.encoding} (byte {exc.start}); "
                                                       "re-save it in the encoding bagit.txt declares"))
        return None
    if text.startswith("\ufeff") and decl.codec != "utf-16":
        out.append(issues.make("W507", path=name, detail=f"{name} starts with a byte-order mark; "
                                                         f"{decl.encoding} tag files are written without one"))
        text = text[1:]
    return text


def parse_bag_info(text: str, name: str, rules: tuple[int, int], out: list[Issue]) -> list[tuple[str, str]]:
    """Parse 'Label: value' lines; indented lines continue a value (their line break is kept)."""
    fields: list[tuple[str, list[str]]] = []
    for n, line in enumerate(split_lines(text), 1):
        if not line.strip():
            if fields:
                fields[-1][1].append("")
        elif line[0] in " \t":
            if fields:
                fields[-1][1].append(line.strip())
            else:
                out.append(_e501(f"{name} line {n} is indented but no label comes before it", path=name, line=n))
        elif ":" not in line:
            out.append(_e501(f"{name} line {n} {line[:40]!r} has no colon; write 'Label: value', and indent "
                             "lines that continue the value above", path=name, line=n))
        else:
            label, value = line.split(":", 1)
            _label_spacing(label, value, name, n, rules, out)
            fields.append((label.strip(), [value.strip()]))
    return [(label, "\n".join(lines).strip("\n")) for label, lines in fields]


def _label_spacing(label: str, value: str, name: str, n: int, rules: tuple[int, int], out: list[Issue]) -> None:
    if not label.strip():
        out.append(_e501(f"{name} line {n} has an empty label", path=name, line=n))
    elif label != label.rstrip() and rules >= (1, 0):
        out.append(issues.make("W507", path=name, line=n,
                               detail=f"{name} line {n}: whitespace before the colon is not allowed from "
                                      f"BagIt 1.0; write '{label.strip()}: ...'"))
    elif value and value[0] not in " \t" and rules >= (1, 0):
        out.append(issues.make("W507", path=name, line=n,
                               detail=f"{name} line {n}: put one space after the colon"))


def parse_fetch(text: str, rules: tuple[int, int], out: list[Issue]) -> list[FetchEntry]:
    """Parse fetch.txt lines 'URL LENGTH PATH' (RFC 8493 §2.2.3)."""
    entries: list[FetchEntry] = []
    for n, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        m = re.fullmatch(r"(\S+)[ \t]+(\S+)[ \t]+(.+)", line)
        if not m:
            out.append(_e502(n, f"fetch.txt line {n} is not 'URL LENGTH PATH'"))
            continue
        url, length, raw = m.groups()
        if not _url_ok(url, n, out):
            continue
        if not re.fullmatch(r"\d+|-", length):
            out.append(_e502(n, f"fetch.txt line {n}: length {length!r} must be a number of octets or '-'"))
        ctx = PathContext("fetch.txt", n, "fetch", rules)
        path = decode_path(raw, ctx, out)
        path = normalise_path(path, ctx, out) if path is not None else None
        if path is not None and check_area(path, ctx, out):
            entries.append(FetchEntry(url, length, path, n))
    return entries


def _url_ok(url: str, n: int, out: list[Issue]) -> bool:
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not (parts.netloc or parts.path):
        out.append(_e502(n, f"fetch.txt line {n}: {url!r} is not a URL"))
        return False
    if parts.scheme.lower() == "file":
        out.append(issues.make("W507", path="fetch.txt", line=n,
                               detail=f"fetch.txt line {n}: {url} is a local file URL, meaningless on another "
                                      "machine"))
    return True


def _e501(detail: str, path: str = "bagit.txt", line: int | None = None) -> Issue:
    return issues.make("E501", path=path, line=line, detail=detail)


def _e502(n: int, detail: str) -> Issue:
    return issues.make("E502", path="fetch.txt", line=n, detail=detail)
