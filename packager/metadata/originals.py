"""``originals.txt``: checksums of the untouched originals, the chain of custody.

``<algorithm> <hex>  <path>`` lines under a comment header; the paths are those of
the originals relative to the collection folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import HEX_DIGITS

ALGORITHMS = HEX_DIGITS  # name -> hex digits, the algorithms of our manifests
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
    lines, seen = [ORIGINALS_HEADER], set[str]()
    for path, digests in entries:
        lines.append(originals_lines(path, digests, seen))
    return "".join(lines).encode("utf-8")


def originals_lines(path: str, digests: dict[str, str], seen: set[str]) -> str:
    """The lines of one entry (one per algorithm); ``seen`` holds the paths written before
    and gets this one. ValueError as :func:`originals_manifest_bytes` says."""
    problem = _path_problem(path) or ("listed twice" if path in seen else None)
    if not problem and set(digests) != set(ALGORITHMS):
        problem = f"needs exactly {', '.join(ALGORITHMS)}, got {', '.join(sorted(digests)) or 'none'}"
    problem = problem or next(filter(None, (_digest_problem(a, d) for a, d in digests.items())), None)
    if problem:
        raise ValueError(f"originals checksums: {path!r}: {problem}")
    seen.add(path)
    return "".join(f"{algorithm} {digests[algorithm]}  {_encode_path(path)}\n" for algorithm in ALGORITHMS)


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
        at = data[:exc.start].count(b"\n") + 1
        return [], [ManifestProblem(at, f"byte {exc.start}: not UTF-8", prefixed=False)]
    lines = text.split("\n")
    last = lines.pop()  # "" when the file ends with LF, as it should
    unterminated = last != ""
    if unterminated:
        lines.append(last)
    by_line: dict[int, list[str]] = {}
    header = header_problem_of(lines)
    if header:
        by_line[1] = [header]
    entries: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        known = len(entries)
        problem = parse_line(line, entries)
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


def header_problem_of(lines: list[str]) -> str | None:
    first = lines[0].rstrip("\r") if lines else ""
    if first == ORIGINALS_MAGIC:
        return None
    version = ORIGINALS_MAGIC.rsplit(" ", 1)[0] + " "
    if first.startswith(version):
        return f"format version {first[len(version):]!r} is not known; this packager reads {ORIGINALS_MAGIC!r}"
    return f"missing the header line {ORIGINALS_MAGIC!r}"


def parse_line(line: str, entries: dict[str, dict[str, str]]) -> str | None:
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
