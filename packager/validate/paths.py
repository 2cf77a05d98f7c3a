"""BagIt validator helpers: algorithm names, manifest path decoding and path safety.

Part of the receiving side (see :mod:`.check`). A path read
from a manifest or ``fetch.txt`` is hostile until proven otherwise: it must
stay inside the bag whatever a POSIX shell, a Windows API or a naive string
prefix test would make of it. These checks are lexical; the caller adds the
file-system check (symbolic links) for paths that exist.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from typing import Any

from packager import issues
from packager.issues.receiving import situation
from packager.model import Issue

#: BagIt algorithm names (lower-cased, ``-``/``_`` removed) -> hashlib name.
#: bagit-python writes ``sha3_256``, bagit-java ``sha3256``; both are accepted.
_ALGORITHMS = {
    "md5": "md5", "sha1": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
    "sha512": "sha512", "sha3224": "sha3_224", "sha3256": "sha3_256", "sha3384": "sha3_384",
    "sha3512": "sha3_512", "blake2b": "blake2b", "blake2b512": "blake2b", "blake2s": "blake2s",
    "blake2s256": "blake2s",
}
_SCHEME_OR_DRIVE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS_VAR = re.compile(r"%[^%/\\]+%")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_REQUIRED_ESCAPES = re.compile(r"%(25|0[aAdD])")
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".spotlight-v100", ".trashes"})


def hashlib_name(bagit_name: str) -> str | None:
    """The hashlib algorithm for a BagIt algorithm name, or None if unsupported."""
    name = _ALGORITHMS.get(bagit_name.lower().replace("-", "").replace("_", ""))
    return name if name in hashlib.algorithms_guaranteed else None


def hex_length(algorithm: str) -> int:
    return hashlib.new(algorithm).digest_size * 2


@dataclass(frozen=True)
class PathContext:
    """Where a path was read, for messages: file relative to the bag and line."""

    source: str  # e.g. "manifest-sha256.txt"
    line: int
    kind: str  # "payload", "tag" or "fetch"
    version: tuple[int, int]


def decode_path(raw: str, ctx: PathContext, out: list[Issue]) -> str | None:
    """Undo RFC 8493 percent-encoding (BagIt 1.0 only; earlier versions had none)."""
    if ctx.version < (1, 0):
        return raw
    if _BAD_PERCENT.search(raw):
        out.append(_e502(ctx, "percent_bad", entry=raw))
        return None
    try:
        decoded = urllib.parse.unquote(raw, errors="strict")
    except UnicodeDecodeError:
        out.append(_e502(ctx, "percent_not_utf8", entry=raw))
        return None
    if "%" in _REQUIRED_ESCAPES.sub("", raw):
        out.append(_w507(ctx, "percent_extra", entry=raw, decoded=decoded))
    return decoded


def normalise_path(path: str, ctx: PathContext, out: list[Issue]) -> str | None:
    """Check a decoded path; return it as a clean posix path relative to the bag, or None if unsafe."""
    if path.startswith("./"):
        while path.startswith("./"):
            path = path[2:]
        out.append(issues.make("W524", path=ctx.source, line=ctx.line))
    reason = escape_reason(path)
    if reason:
        out.append(_e502(ctx, "unsafe_path", entry=path, reason=reason))
        return None
    if "\\" in path:
        out.append(_w507(ctx, "backslash", entry=path))
    parts = path.split("/")
    clean = [p for p in parts if p not in ("", ".")]
    if not clean:
        out.append(_e502(ctx, "no_file", entry=path))
        return None
    if len(clean) != len(parts):
        out.append(_w507(ctx, "empty_parts", entry=path, clean="/".join(clean)))
    return "/".join(clean)


def escape_reason(path: str) -> str | None:
    """Why a path could leave the bag (POSIX, Windows or shell reading), or None."""
    if "\x00" in path:
        return "it contains a NUL character"
    if path.startswith(("/", "\\")):
        return "it is absolute"
    if _SCHEME_OR_DRIVE.match(path):
        return "it starts with a URI scheme or drive letter"
    if path.startswith("~"):
        return "'~' is a home-directory shortcut"
    if _WINDOWS_VAR.match(path):
        return "it starts with a Windows environment variable"
    as_windows = re.split(r"[/\\]", path)
    as_shell = path.replace("\\", "").split("/")
    if ".." in as_windows or ".." in as_shell:
        return "'..' climbs out of the folder"
    return None


def check_area(path: str, ctx: PathContext, out: list[Issue]) -> bool:
    """Payload manifests and fetch.txt list files under data/; tag manifests list the others.

    Returns False when the entry must be ignored for checksum and coverage checks.
    """
    in_payload = path.startswith("data/")
    if ctx.kind == "tag" and in_payload:
        out.append(situation("E508", "tag_lists_payload", path=ctx.source, line=ctx.line, entry=path))
        return False
    if ctx.kind == "fetch" and not in_payload:
        out.append(_e502(ctx, "fetch_outside_data", entry=path))
        return False
    if ctx.kind == "payload" and not in_payload:
        report = _e502 if ctx.version >= (1, 0) else _w507
        out.append(report(ctx, "payload_outside_data", entry=path))
    return True


def name_warnings(paths: list[str]) -> list[Issue]:
    """Names that clash on other file systems: case-only or normalization-only differences, system files."""
    out: list[Issue] = []
    by_key: dict[str, str] = {}
    for path in paths:
        key = unicodedata.normalize("NFC", path).casefold()
        other = by_key.setdefault(path if key == path else key, path)  # a name already folded is its own key
        if other != path:
            how = "case" if unicodedata.normalize("NFC", other) != unicodedata.normalize("NFC", path) \
                else "Unicode normalization (NFC/NFD)"
            out.append(issues.make("W520" if how == "case" else "W521", path=path, other=other))
        base = path.rsplit("/", 1)[-1]
        if base.lower() in SYSTEM_FILES or base.startswith("._"):
            out.append(issues.make("W522", path=path))
    return out


def _e502(ctx: PathContext, what: str, **values: Any) -> Issue:
    return situation("E502", what, path=ctx.source, line=ctx.line, **values)


def _w507(ctx: PathContext, what: str, **values: Any) -> Issue:
    return situation("W507", what, path=ctx.source, line=ctx.line, **values)
