"""originals.txt read as a stream: line by line, memory flat in the number of lines.

The same verdicts as :func:`packager.metadata.originals.read_originals_manifest`
(each line checked by the same line reader, the same problem on the same
line, the same file-level problems), without holding the file, its lines or
every original's digests: what is kept of each original is its path, the
line it first appears on and which algorithms it has (one int).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from packager.metadata.originals import ALGORITHMS, ManifestProblem, header_problem_of, parse_line

_BITS = 16  # the low bits hold the algorithms seen, the others the line an original first appears on


class _Seen:
    """What the line reader asks of its ``entries`` (``get``, ``setdefault``, then
    ``in`` and item assignment on the value), keeping only which algorithms each
    path has and where it first appeared."""

    def __init__(self) -> None:
        self.paths: dict[str, int] = {}  # path -> first line << _BITS | algorithm bits
        self.line = 0
        self._bits: dict[str, int] = {name: 1 << i for i, name in enumerate(ALGORITHMS)}

    def bit(self, algorithm: str) -> int:
        if algorithm not in self._bits:
            self._bits[algorithm] = 1 << len(self._bits)
        return self._bits[algorithm]

    def get(self, path: str, default: Any = None) -> Any:
        return _Algorithms(self, path) if path in self.paths else default

    def setdefault(self, path: str, default: Any) -> _Algorithms:
        self.paths.setdefault(path, self.line << _BITS)
        return _Algorithms(self, path)

    def algorithms(self, path: str) -> set[str]:
        bits = self.paths[path]
        return {name for name, bit in self._bits.items() if bits & bit}


class _Algorithms:
    __slots__ = ("seen", "path")

    def __init__(self, seen: _Seen, path: str) -> None:
        self.seen, self.path = seen, path

    def __contains__(self, algorithm: object) -> bool:
        return isinstance(algorithm, str) and bool(self.seen.paths[self.path] & self.seen.bit(algorithm))

    def __setitem__(self, algorithm: str, _digest: str) -> None:
        self.seen.paths[self.path] |= self.seen.bit(algorithm)


def read_originals(lines: Iterable[bytes]) -> tuple[list[str], list[ManifestProblem]]:
    """The originals' paths in file order and every problem, from the file's lines (as
    binary lines, each ending in LF but perhaps the last)."""
    seen = _Seen()
    by_line: dict[int, list[str]] = {}
    offset = number = 0
    last = b"\n"
    for raw in lines:
        number += 1
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return [], [ManifestProblem(number, f"byte {offset + exc.start}: not UTF-8", prefixed=False)]
        offset += len(raw)
        last = raw
        line = line[:-1] if line.endswith("\n") else line
        if number == 1:
            header = header_problem_of([line])
            if header:
                by_line[1] = [header]
        seen.line = number
        problem = parse_line(line, seen)  # type: ignore[arg-type]  # a stand-in for its entries dict
        if problem:
            by_line.setdefault(number, []).append(problem)
    if number == 0:  # an empty file: the header is missing
        by_line[1] = [str(header_problem_of([]))]
    unterminated = not last.endswith(b"\n")
    if unterminated:
        by_line.setdefault(number, []).append("no line break at the end of the file")
    problems = [ManifestProblem(n, "; ".join(texts)) for n, texts in sorted(by_line.items())]
    for path, bits in seen.paths.items():
        missing = [a for a in ALGORITHMS if a not in seen.algorithms(path)]
        if missing:
            problems.append(ManifestProblem(bits >> _BITS, f"{path!r} has no {' or '.join(missing)} checksum",
                                            prefixed=False))
    if not seen.paths and len(by_line) == 0:
        problems.append(ManifestProblem(number, "the file lists no checksums; every original needs its "
                                                f"{' and '.join(ALGORITHMS)} lines"))
    return list(seen.paths), problems
