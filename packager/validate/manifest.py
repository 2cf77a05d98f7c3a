"""BagIt validator: reading payload and tag manifests.

Part of the receiving side (see :mod:`.check`). A manifest is
read line by line; a bad line is reported and skipped, the rest still counts.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import sys
from array import array
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any, NamedTuple

from packager import issues
from packager.files.hashing import WEAK
from packager.issues.receiving import situation
from packager.model import Issue

from .capped import Capped
from .paths import PathContext, check_area, decode_path, hashlib_name, hex_length, normalise_path
from .tags import Declaration, decode_tag_file, split_lines

_NAME = re.compile(r"(tag)?manifest-(.+)\.txt")
_LINE = re.compile(r"([^ \t]+)[ \t]+(.*)")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_BLOCK = 1 << 20
#: Lines of one manifest kept in full that name nothing in the bag; beyond them, such a line
#: is kept as an 8-byte hash of its path (``Entries.hashed``): still counted as missing, never
#: matched or reported one by one, so a manifest naming a million absent files stays small.
ABSENT_KEPT = 10_000


class Entry(NamedTuple):
    """One manifest line."""

    path: str  # bag-relative posix path, decoded and normalised
    digest: str | None  # lower-case hex, None when the line's checksum is unusable
    line: int


class Entries(Mapping[str, Entry]):
    """A manifest's lines by path, stored compactly so that memory stays small for
    hundreds of thousands of lines: one dict of path -> position, the line numbers
    in an array (negative when the line's checksum is unusable) and the digests as
    bytes in one bytearray (as text only for an algorithm of unknown size).
    :class:`Entry` values are made when asked for.

    Given ``present`` (what the bag holds), the lines naming something absent are
    kept in full up to :data:`ABSENT_KEPT`; the later ones only as the hash of
    their path in ``hashed`` (see :func:`path_hash`)."""

    def __init__(self, digest_size: int | None, present: Container[str] | None = None) -> None:
        self._position: dict[str, int] = {}
        self._lines = array("q")
        self._width = digest_size
        self._binary = bytearray()
        self._text: list[str | None] = []
        self._present = present
        self._absent = 0
        self.hashed = array("Q")

    def add(self, entry: Entry) -> None:
        if self._present is not None and entry.path not in self._present:
            if self._absent >= ABSENT_KEPT:
                self.hashed.append(path_hash(entry.path))
                return
            self._absent += 1
        self._position[sys.intern(entry.path)] = len(self._lines)
        self._lines.append(entry.line if entry.digest is not None else -entry.line)
        if self._width is None:
            self._text.append(entry.digest)
        else:
            self._binary += bytes.fromhex(entry.digest) if entry.digest is not None else bytes(self._width)

    def __getitem__(self, path: str) -> Entry:
        at = self._position[path]
        line = self._lines[at]
        if line < 0:
            digest = None
        elif self._width is None:
            digest = self._text[at]
        else:
            digest = self._binary[at * self._width:(at + 1) * self._width].hex()
        return Entry(path, digest, abs(line))

    def __contains__(self, path: object) -> bool:
        return path in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self._position)

    def __len__(self) -> int:
        return len(self._position)


@dataclass
class Manifest:
    name: str  # file name, e.g. "manifest-sha256.txt"
    kind: str  # "payload" or "tag"
    bagit_algorithm: str  # as in the file name
    algorithm: str | None  # hashlib name, None when unsupported
    present: Container[str] | None = field(default=None, repr=False, compare=False)  # see Entries
    entries: Entries = field(init=False)

    def __post_init__(self) -> None:
        self.entries = Entries(_hex_length(self.algorithm) // 2 if self.algorithm else None, self.present)


def path_hash(path: str) -> int:
    """64 bits of a path's BLAKE2b digest: how a manifest keeps a path past :data:`ABSENT_KEPT`."""
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def find_manifests(top_files: list[str]) -> tuple[list[str], list[str]]:
    """Names of the payload and tag manifests among the bag's top-level files, sorted."""
    payload: list[str] = []
    tag: list[str] = []
    for name in sorted(top_files):
        m = _NAME.fullmatch(name)
        if m:
            (tag if m[1] else payload).append(name)
    return payload, tag


def _new_manifest(name: str, out: list[Issue], present: Container[str] | None = None) -> Manifest:
    m = _NAME.fullmatch(name)
    assert m, name
    manifest = Manifest(name, "tag" if m[1] else "payload", m[2], hashlib_name(m[2]), present)
    _algorithm_notes(manifest, out)
    return manifest


def read_manifest(name: str, raw: bytes, decl: Declaration, out: list[Issue],
                  present: Container[str] | None = None) -> Manifest:
    """Parse manifest ``name`` (its bytes ``raw``); bad lines are reported and skipped.
    ``present``: what the bag holds, to keep lines naming absent files compactly (see Entries)."""
    manifest = _new_manifest(name, out, present)
    text = decode_tag_file(raw, decl, name, "E508" if manifest.kind == "tag" else "E502", out)
    for n, line in enumerate(split_lines(text or ""), 1):
        if line.strip():
            _read_line(manifest, line, n, decl.rules, out)
    return manifest


def read_manifest_stream(name: str, fh: IO[bytes], decl: Declaration, out: list[Issue],
                         present: Container[str] | None = None) -> Manifest:
    """:func:`read_manifest` of a stream, block by block, so that a manifest of a million
    lines is never held whole; the same findings, in the same order (a manifest that
    is not in its declared encoding gives that one problem and no line, as a whole).
    Only UTF-8 is read this way; other encodings are read whole. Reading may raise
    SourceError or OSError."""
    if decl.codec != "utf-8":
        return read_manifest(name, fh.read(), decl, out, present)
    manifest = _new_manifest(name, out, present)
    found = Capped()
    decoder = codecs.getincrementaldecoder("utf-8")()
    position, carried, n, started = 0, "", 0, False
    while True:
        block = fh.read(_BLOCK)
        held = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            manifest = _new_manifest(name, [], present)
            out.append(situation("E508" if manifest.kind == "tag" else "E502", "not_decodable", path=name,
                                 encoding=decl.encoding, byte=position - held + exc.start))
            return manifest
        if text and not started:
            started = True
            if text.startswith("\ufeff"):
                found.append(situation("W507", "tag_file_bom", path=name, encoding=decl.encoding))
                text = text[1:]
        position += len(block)
        text, carried = _complete_lines(carried + text, last=not block)
        for line in split_lines(text):
            n += 1
            if line.strip():
                _read_line(manifest, line, n, decl.rules, found)
        if not block:
            out.extend(found.issues())
            return manifest


def _complete_lines(text: str, last: bool) -> tuple[str, str]:
    """(the complete lines of ``text``, what may go on in the next block): a line ending
    in CR is held back too, in case its LF comes next."""
    if last or text.endswith("\n"):
        return text, ""
    cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1))
    return text[:cut + 1], text[cut + 1:]


def weak_only(manifests: list[Manifest], out: list[Issue]) -> None:
    """W529 when every manifest of one kind uses a weak algorithm (md5, sha1): a
    strong manifest beside a weak one already protects the files."""
    for kind in ("payload", "tag"):
        of_kind = [m for m in manifests if m.kind == kind and m.algorithm]
        if of_kind and all(m.algorithm in WEAK for m in of_kind):
            names = ", ".join(m.name for m in of_kind)
            out.append(issues.make("W529", path=of_kind[0].name, manifests=names, kind=kind,
                                   algorithms=", ".join(sorted({m.algorithm or "" for m in of_kind})),
                                   prefix="tagmanifest" if kind == "tag" else "manifest"))


def _algorithm_notes(manifest: Manifest, out: list[Issue]) -> None:
    alg, name = manifest.bagit_algorithm, manifest.name
    if manifest.algorithm is None:
        out.append(situation("W507", "algorithm_unsupported", path=name, algorithm=alg))
    elif alg != alg.lower():
        out.append(situation("W507", "algorithm_case", path=name, lower=alg.lower()))


def _plain(raw: str, kind: str) -> bool:
    """True for a path that needs no decoding, normalising or warning: the common case,
    told by string tests alone (anything else takes the full checks below)."""
    return ("%" not in raw and "\\" not in raw and ":" not in raw and "\x00" not in raw
            and raw[:1] not in ("", "/", "~", ".", "*") and "//" not in raw and not raw.endswith("/")
            and "/./" not in raw and "/../" not in raw and not raw.endswith(("/.", "/.."))
            and raw.startswith("data/") == (kind != "tag"))


def _read_line(manifest: Manifest, line: str, n: int, rules: tuple[int, int], out: list[Issue]) -> None:
    name = manifest.name
    m = _LINE.fullmatch(line)
    if not m or not m[2]:
        out.append(_bad(manifest, n, "line_syntax", text=line[:60]))
        return
    digest, raw = m[1], m[2]
    if _plain(raw, manifest.kind):
        _add_entry(manifest, Entry(raw, _digest(manifest, digest, n, out), n), rules, out)
        return
    if raw.startswith("*"):
        raw = raw[1:]
        out.append(issues.make("W523", path=name, line=n))
    ctx = PathContext(name, n, manifest.kind, rules)
    path = decode_path(raw, ctx, out)
    path = normalise_path(path, ctx, out) if path is not None else None
    if path is None or not check_area(path, ctx, out):
        return
    _add_entry(manifest, Entry(path, _digest(manifest, digest, n, out), n), rules, out)


def _digest(manifest: Manifest, digest: str, n: int, out: list[Issue]) -> str | None:
    if not _HEX.fullmatch(digest):
        out.append(_bad(manifest, n, "digest_not_hex", digest=digest[:40]))
        return None
    if manifest.algorithm and len(digest) != _hex_length(manifest.algorithm):
        out.append(_bad(manifest, n, "digest_length", digits=len(digest), algorithm=manifest.bagit_algorithm,
                        expected=_hex_length(manifest.algorithm)))
        return None
    return digest.lower()


@cache
def _hex_length(algorithm: str) -> int:
    return hex_length(algorithm)


def _add_entry(manifest: Manifest, entry: Entry, rules: tuple[int, int], out: list[Issue]) -> None:
    first = manifest.entries.get(entry.path)
    if first is None:
        manifest.entries.add(entry)
        return
    if first.digest != entry.digest:
        out.append(_bad(manifest, entry.line, "listed_twice_differently", first=first.line, file=entry.path))
    elif rules >= (1, 0):
        out.append(_bad(manifest, entry.line, "listed_twice", first=first.line, file=entry.path))
    else:
        out.append(situation("W507", "listed_twice_same", path=manifest.name, line=entry.line, first=first.line,
                             file=entry.path))


def _bad(manifest: Manifest, n: int, what: str, **values: Any) -> Issue:
    return situation("E508" if manifest.kind == "tag" else "E502", what, path=manifest.name, line=n, **values)
