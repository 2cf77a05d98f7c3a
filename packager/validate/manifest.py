"""BagIt validator: reading payload and tag manifests.

Part of the receiving side (see :mod:`.check`). A manifest is
read line by line; a bad line is reported and skipped, the rest still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from packager import issues
from packager.files.hashing import WEAK
from packager.issues.receiving import situation
from packager.model import Issue

from .paths import PathContext, check_area, decode_path, hashlib_name, hex_length, normalise_path
from .tags import Declaration, decode_tag_file, split_lines

_NAME = re.compile(r"(tag)?manifest-(.+)\.txt")
_LINE = re.compile(r"([^ \t]+)[ \t]+(.*)")


@dataclass(frozen=True)
class Entry:
    path: str  # bag-relative posix path, decoded and normalised
    digest: str | None  # lower-case hex, None when the line's checksum is unusable
    line: int


@dataclass
class Manifest:
    name: str  # file name, e.g. "manifest-sha256.txt"
    kind: str  # "payload" or "tag"
    bagit_algorithm: str  # as in the file name
    algorithm: str | None  # hashlib name, None when unsupported
    entries: dict[str, Entry] = field(default_factory=dict)


def find_manifests(top_files: list[str]) -> tuple[list[str], list[str]]:
    """Names of the payload and tag manifests among the bag's top-level files, sorted."""
    payload: list[str] = []
    tag: list[str] = []
    for name in sorted(top_files):
        m = _NAME.fullmatch(name)
        if m:
            (tag if m[1] else payload).append(name)
    return payload, tag


def read_manifest(name: str, raw: bytes, decl: Declaration, out: list[Issue]) -> Manifest:
    """Parse manifest ``name`` (its bytes ``raw``); bad lines are reported and skipped."""
    m = _NAME.fullmatch(name)
    assert m, name
    kind = "tag" if m[1] else "payload"
    manifest = Manifest(name, kind, m[2], hashlib_name(m[2]))
    _algorithm_notes(manifest, out)
    code = "E508" if kind == "tag" else "E502"
    text = decode_tag_file(raw, decl, name, code, out)
    for n, line in enumerate(split_lines(text or ""), 1):
        if line.strip():
            _read_line(manifest, line, n, decl.rules, out)
    return manifest


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


def _read_line(manifest: Manifest, line: str, n: int, rules: tuple[int, int], out: list[Issue]) -> None:
    name = manifest.name
    m = _LINE.fullmatch(line)
    if not m or not m[2]:
        out.append(_bad(manifest, n, "line_syntax", text=line[:60]))
        return
    digest, raw = m[1], m[2]
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
    if not re.fullmatch(r"[0-9A-Fa-f]+", digest):
        out.append(_bad(manifest, n, "digest_not_hex", digest=digest[:40]))
        return None
    if manifest.algorithm and len(digest) != hex_length(manifest.algorithm):
        out.append(_bad(manifest, n, "digest_length", digits=len(digest), algorithm=manifest.bagit_algorithm,
                        expected=hex_length(manifest.algorithm)))
        return None
    return digest.lower()


def _add_entry(manifest: Manifest, entry: Entry, rules: tuple[int, int], out: list[Issue]) -> None:
    first = manifest.entries.get(entry.path)
    if first is None:
        manifest.entries[entry.path] = entry
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
