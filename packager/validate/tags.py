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
from typing import Any

from packager import issues
from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.model import Issue

from .paths import PathContext, check_area, decode_path, normalise_path
from .source import BagSource

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
            out.append(_e501("bagit_missing"))
        return default
    try:
        raw = source.read_bytes("bagit.txt", limit=1 << 16)
    except SourceError as exc:
        out.append(_e501("bagit_unreadable", error=exc))
        return default
    for bom in _BOMS:
        if raw.startswith(bom):
            out.append(_e501("bagit_bom"))
            raw = raw[len(bom):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.append(_e501("bagit_not_utf8", byte=exc.start))
        return default
    return _declaration_from_lines(split_lines(text), out)


def _declaration_from_lines(lines: list[str], out: list[Issue]) -> Declaration:
    while lines and not lines[-1].strip():
        lines.pop()
        out.append(situation("W507", "bagit_blank_lines", path="bagit.txt"))
    if len(lines) > 2:
        out.append(_e501("bagit_too_many_lines", line=3, count=len(lines)))
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
        out.append(_e501("bagit_line_absent", line=index + 1, label=label))
        return None
    m = _FIELD.fullmatch(lines[index])
    if not m or m["label"] != label:
        out.append(_e501("bagit_line_wrong", line=index + 1, text=lines[index], label=label))
        return None
    return m["value"], m["pre"], m["post"], m["trail"]


def _field_spacing(fld: tuple[str, str, str, str], n: int, rules: tuple[int, int], out: list[Issue]) -> None:
    _value, pre, post, trail = fld
    if pre and rules >= (1, 0):
        out.append(_e501("bagit_space_before_colon", line=n))
    elif pre:
        out.append(situation("W507", "bagit_space_before_colon", path="bagit.txt", line=n))
    if post not in (" ", "\t") or trail:
        out.append(situation("W507", "bagit_spacing", path="bagit.txt", line=n))


def _version(value: str | None, out: list[Issue]) -> tuple[str | None, tuple[int, int]]:
    if value is None:
        return None, (1, 0)
    m = re.fullmatch(r"([0-9]{1,4})\.([0-9]{1,4})", value)  # ASCII digits; no int() of 5,000 digits
    if not m:
        shown = value if len(value) <= 20 else value[:20] + "…"
        out.append(_e501("version_syntax", line=1, value=shown))
        return value, (1, 0)
    rules = (int(m[1]), int(m[2]))
    if rules not in KNOWN_VERSIONS:
        out.append(situation("W507", "version_unknown", path="bagit.txt", line=1, version=value))
        rules = (1, 0) if rules > (1, 0) else rules
    elif rules < (1, 0):
        out.append(issues.make("W525", path="bagit.txt", line=1, version=value))
    return value, rules


def _codec(value: str | None, out: list[Issue]) -> tuple[str, str]:
    if value is None:
        return "utf-8", "UTF-8"
    try:
        return codecs.lookup(value).name, value
    except LookupError:
        out.append(_e501("encoding_unknown", line=2, value=value))
        return "utf-8", value


def decode_tag_file(raw: bytes, decl: Declaration, name: str, code: str, out: list[Issue]) -> str | None:
    """Decode a tag file or manifest with the declared encoding (UTF-16 byte order from its BOM)."""
    try:
        if decl.codec == "utf-16" and raw[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            out.append(situation("W507", "utf16_no_bom", path=name))
            text = raw.decode("utf-16-be")
        else:
            text = raw.decode(decl.codec)
    except UnicodeDecodeError as exc:
        out.append(situation(code, "not_decodable", path=name, encoding=decl.encoding, byte=exc.start))
        return None
    if text.startswith("\ufeff") and decl.codec != "utf-16":
        out.append(situation("W507", "tag_file_bom", path=name, encoding=decl.encoding))
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
                out.append(_e501("info_indented", path=name, line=n))
        elif ":" not in line:
            out.append(_e501("info_no_colon", path=name, line=n, text=line[:40]))
        else:
            label, value = line.split(":", 1)
            _label_spacing(label, value, name, n, rules, out)
            fields.append((label.strip(), [value.strip()]))
    return [(label, "\n".join(lines).strip("\n")) for label, lines in fields]


def _label_spacing(label: str, value: str, name: str, n: int, rules: tuple[int, int], out: list[Issue]) -> None:
    if not label.strip():
        out.append(_e501("info_empty_label", path=name, line=n))
    elif label != label.rstrip() and rules >= (1, 0):
        out.append(situation("W507", "info_space_before_colon", path=name, line=n, label=label.strip()))
    elif value and value[0] not in " \t" and rules >= (1, 0):
        out.append(situation("W507", "info_space_after_colon", path=name, line=n))


def parse_fetch(text: str, rules: tuple[int, int], out: list[Issue]) -> list[FetchEntry]:
    """Parse fetch.txt lines 'URL LENGTH PATH' (RFC 8493 §2.2.3)."""
    entries: list[FetchEntry] = []
    for n, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        m = re.fullmatch(r"(\S+)[ \t]+(\S+)[ \t]+(.+)", line)
        if not m:
            out.append(_e502(n, "fetch_syntax"))
            continue
        url, length, raw = m.groups()
        if not _url_ok(url, n, out):
            continue
        if not re.fullmatch(r"\d+|-", length):
            out.append(_e502(n, "fetch_length", length=length))
        ctx = PathContext("fetch.txt", n, "fetch", rules)
        path = decode_path(raw, ctx, out)
        path = normalise_path(path, ctx, out) if path is not None else None
        if path is not None and check_area(path, ctx, out):
            entries.append(FetchEntry(url, length, path, n))
    return entries


def _url_ok(url: str, n: int, out: list[Issue]) -> bool:
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not (parts.netloc or parts.path):
        out.append(_e502(n, "fetch_not_url", url=url))
        return False
    if parts.scheme.lower() == "file":
        out.append(situation("W507", "fetch_file_url", path="fetch.txt", line=n, url=url))
    return True


def _e501(what: str, path: str = "bagit.txt", line: int | None = None, **values: Any) -> Issue:
    return situation("E501", what, path=path, line=line, **values)


def _e502(n: int, what: str, **values: Any) -> Issue:
    return situation("E502", what, path="fetch.txt", line=n, **values)
