"""The BagIt layer of the validator: is this folder or archive a complete and valid bag?

Receiving side: everything is re-read from the bag and nothing is trusted, not
even our own writer (nothing under :mod:`packager.validate` imports
:mod:`packager.bag`). Every problem is collected, not just the first, each
with a code from :mod:`packager.issues` and the offending file relative to
the bag:

* E501 structure (bagit.txt, bag-info.txt, data/, unreadable or special files)
* E502 manifest lines: syntax, unsafe paths, coverage of the payload
* E503 checksum mismatch; E504 listed but missing; E505 present but unlisted
* E506 Payload-Oxum; E508 tag manifests; E509 incomplete (file still to fetch)
* E510-E513 serialized bags (see :mod:`.archive`)
* W520-W529 named lint warnings (case and normalization clashes, OS junk files,
  ``*`` markers, leading ``./``, old versions, no tag manifest, manifests that
  list different files, a bag inside the bag, weak algorithms only); W507 other
  legal but risky things (links inside the bag, names that are not UTF-8...)

This module owns the verdict (:class:`BagCheck`), the order of the checks,
hashing against the manifests, Payload-Oxum and the lint warnings. It
composes :mod:`.contents` (reading the bag's tag files and manifests) and
:mod:`.coverage` (every listed file present, every present file listed),
which rest on :mod:`.tags`, :mod:`.manifest`, :mod:`.paths` and
:mod:`.payload`.

Rules follow the declared version (0.93-0.97 drafts, RFC 8493 for 1.0):
percent-decoding of manifest paths, "every payload file in every payload
manifest", duplicate lines and whitespace in bagit.txt are strict from 1.0 on.

Known gaps of bagit 1.9.0 that this checker closes (see docs/validator.md): a
file missing from one of several payload manifests, ``BagIt-Version : 1.0``, a
path escaping into a sibling folder whose name starts with the bag's name,
extra payload files named individually (not only as an Oxum mismatch).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packager import issues
from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.model import ERROR, WARNING, Issue

from .capped import Capped
from .contents import _Bag, _load, _read_info
from .coverage import Expectation, Jobs, _check_payload_coverage, _check_tag_manifests
from .manifest import find_manifests
from .opening import open_source
from .paths import name_warnings
from .source import BagSource
from .tags import decode_tag_file, parse_bag_info, read_declaration

#: progress(done_octets, total_octets) while hashing
Progress = Callable[[int, int], None]
#: Digests already measured, by bag path: "data/..." -> {hashlib algorithm: hex}
Known = Mapping[str, Mapping[str, str]]

_UNREADABLE = frozenset({"E511", "E513"})


@dataclass(frozen=True)
class BagCheck:
    """The verdict on one bag; ``problems`` holds every finding, errors and warnings.

    The remaining fields are what a BagIt profile is checked against."""

    path: Path
    version: str | None
    info: list[tuple[str, str]]
    algorithms: tuple[str, ...]
    payload_files: int
    payload_bytes: int
    problems: tuple[Issue, ...]
    name: str = ""
    serialization: str | None = None
    archive_name: str | None = None
    tag_algorithms: tuple[str, ...] = ()
    payload_paths: tuple[str, ...] = ()
    tag_paths: tuple[str, ...] = ()
    tag_fields: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    has_fetch: bool = False

    @property
    def valid(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def listing_usable(self) -> bool:
        """False when the bag could not be listed safely (archive bomb, damaged archive)."""
        return not any(p.code in _UNREADABLE for p in self.problems)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "valid": self.valid, "version": self.version,
                "serialization": self.serialization,
                "info": [list(pair) for pair in self.info], "algorithms": list(self.algorithms),
                "payload_files": self.payload_files, "payload_bytes": self.payload_bytes,
                "problems": [p.to_dict() for p in self.problems]}


def check_bag(bag: Path | BagSource, *, fast: bool = False, completeness_only: bool = False,
              progress: Progress | None = None, workers: int | None = None, processes: int | None = None,
              known: Known | None = None) -> BagCheck:
    """Check the bag (a folder, an archive, or an open source) against the BagIt
    rules of its declared version.

    ``fast``: structure, manifest syntax, Payload-Oxum and payload
    completeness (names and sizes only, no file is read). ``completeness_only``:
    everything but checksums. ``progress(done_bytes, total_bytes)`` is called
    while hashing; ``workers`` threads hash a folder's files side by side
    (None: one per core; ``processes`` is its former name). ``known`` gives
    digests already measured of payload files ("data/..." -> {algorithm: hex}):
    such a file is not read again, its manifest lines are compared with them.
    """
    run = _Run(fast, completeness_only, progress, workers if workers is not None else processes, known)
    if isinstance(bag, BagSource):
        return _check_source(bag, run)
    out: list[Issue] = []
    root = Path(bag)
    if not root.exists():
        out.append(situation("E501", "not_found", path=str(root)))
        return BagCheck(root, None, [], (), 0, 0, tuple(out))
    source = open_source(root, out)
    if source is None:
        return BagCheck(root, None, [], (), 0, 0, tuple(out))
    with source:
        return _check_source(source, run)


@dataclass(frozen=True)
class _Run:
    """How to check: what check_bag was asked."""

    fast: bool
    completeness_only: bool
    progress: Progress | None
    workers: int | None
    known: Known | None


def _check_source(source: BagSource, run: _Run) -> BagCheck:
    listing = source.listing()
    out = Capped(listing.problems)
    if any(p.code in _UNREADABLE for p in out):  # a bomb or a damaged archive: nothing more to learn safely
        return BagCheck(source.location, None, [], (), 0, 0, out.issues(), name=source.name,
                        serialization=source.serialization, archive_name=source.archive_name)
    decl = read_declaration(source, out)
    info_name, info = _read_info(source, decl, out)
    bag = _load(source, listing, decl, out)
    _check_oxum(bag, info_name, info)
    jobs = _check_payload_coverage(bag)
    if not run.fast:
        _check_tag_manifests(bag, jobs)
        _lint(bag)
    if not (run.fast or run.completeness_only):
        _check_verifiable(bag)
        _verify(bag, jobs, run)
    files, octets = _payload_totals(bag)
    return BagCheck(source.location, decl.version, info, tuple(m.bagit_algorithm for m in bag.payload_manifests),
                    files, octets, out.issues(), name=source.name, serialization=source.serialization,
                    archive_name=source.archive_name,
                    tag_algorithms=tuple(m.bagit_algorithm for m in bag.tag_manifests),
                    payload_paths=tuple(sorted(bag.payload)), tag_paths=tuple(sorted(bag.tag_files)),
                    tag_fields=_tag_fields(bag, info_name, info), has_fetch=listing.is_file("fetch.txt"))


def _verify(bag: _Bag, jobs: Jobs, run: _Run) -> None:
    """Hash every file once with all the algorithms its manifests use; report each mismatch.
    A payload file whose digests ``run.known`` gives is compared with those instead."""
    sizes = bag.listing.files
    files = jobs.files()
    total = sum(sizes.get(rel, 0) for rel in files)
    done = 0
    progress = run.progress

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    found = Capped()
    to_hash: list[str] = []
    for rel in files:
        given = run.known.get(rel) if run.known is not None and rel.startswith("data/") else None
        expected = jobs.expected(rel) if given is not None else None
        if given is not None and expected is not None and all(e.algorithm in given for e in expected):
            _compare(rel, given, expected, found)
            tick(sizes.get(rel, 0))
        else:
            to_hash.append(rel)
    for rel, actual in bag.source.digests(_Wanted(to_hash, jobs), tick, run.workers):
        if isinstance(actual, SourceError):
            found.append(situation("E501", "source_error", path=rel, error=actual))
        else:
            _compare(rel, actual, jobs.expected(rel), found)
    bag.out.extend(sorted(found, key=lambda i: (i.path or "", i.message)))  # same order whatever the workers did
    bag.out.extend(found.issues()[len(found):])  # what was counted, not kept
    if progress and total == 0:
        progress(0, 0)


class _Wanted(Mapping[str, set[str]]):
    """The files to hash, in order, each with the algorithms its manifests use (worked out when asked)."""

    def __init__(self, files: list[str], jobs: Jobs) -> None:
        self._files, self._jobs = files, jobs

    def __getitem__(self, rel: str) -> set[str]:
        return {e.algorithm for e in self._jobs.expected(rel)}

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _compare(rel: str, actual: Mapping[str, str], expected: list[Expectation], found: list[Issue]) -> None:
    for e in expected:
        if actual[e.algorithm] != e.digest:
            found.append(issues.make("E503", path=rel, algorithm=e.bagit_algorithm, file=rel,
                                     actual=actual[e.algorithm], expected=f"{e.digest} ({e.manifest})"))


_FIELDS_LIMIT = 1 << 20


def _tag_fields(bag: _Bag, info_name: str | None, info: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """'Label: value' pairs of every top-level .txt tag file that has that form
    (bagit.txt, bag-info.txt, aptrust-info.txt...), for profiles. Problems in
    them are reported elsewhere (bagit.txt, bag-info.txt) or are not BagIt's.
    bag-info.txt (``info_name``), when read already (whatever its size), gives its ``info``."""
    fields: dict[str, list[tuple[str, str]]] = {}
    for rel, size in sorted(bag.tag_files.items()):
        if rel == info_name and info:
            fields[rel] = info
            continue
        if "/" in rel or not rel.endswith(".txt") or size > _FIELDS_LIMIT or rel == "fetch.txt" \
                or find_manifests([rel]) != ([], []):
            continue
        try:
            text = decode_tag_file(bag.source.read_bytes(rel), bag.decl, rel, "E501", [])
        except SourceError:
            continue
        if text is not None:
            fields[rel] = parse_bag_info(text, rel, bag.decl.rules, [])
    return fields


def _check_verifiable(bag: _Bag) -> None:
    """A bag whose payload manifests all use unknown algorithms cannot be called valid."""
    if bag.payload_manifests and not any(m.algorithm for m in bag.payload_manifests):
        names = ", ".join(m.name for m in bag.payload_manifests)
        bag.out.append(situation("E502", "no_supported_algorithm", path=bag.payload_manifests[0].name,
                                 manifests=names))


def _payload_totals(bag: _Bag) -> tuple[int, int]:
    """Files and octets present under data/, refused ones included (they are there)."""
    sizes = [*bag.payload.values(), *(v for k, v in bag.refused.items() if k.startswith("data/"))]
    return len(sizes), sum(sizes)


def _check_oxum(bag: _Bag, info_name: str | None, info: list[tuple[str, str]]) -> None:
    """Compare Payload-Oxum (optional) with the payload on disk."""
    values = [v for label, v in info if label.lower() == "payload-oxum"]
    if not values:
        return
    where = info_name or "bag-info.txt"
    if len(set(values)) > 1:
        bag.out.append(situation("E501", "oxum_conflict", path=where, values=values))
        return
    m = re.fullmatch(r"([0-9]+)\.([0-9]+)", values[0].strip())  # ASCII digits only
    if not m:
        bag.out.append(situation("E501", "oxum_syntax", path=where, value=_clip(values[0])))
        return
    if _holes(bag):
        return  # an incomplete bag cannot match; E509 names the missing files
    count, octets = _payload_totals(bag)
    actual = f"{octets}.{count}"
    # compared as text: int() refuses numbers of more than 4,300 digits
    if f"{m[1].lstrip('0') or '0'}.{m[2].lstrip('0') or '0'}" != actual:
        bag.out.append(issues.make("E506", path=where, expected=_clip(values[0].strip()), actual=actual))


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _holes(bag: _Bag) -> list[str]:
    return sorted(p for p in bag.fetch if p not in bag.payload)


def _lint(bag: _Bag) -> None:
    """Named warnings for what is legal but risky (W520-W528; W529 comes with the manifests)."""
    names = set(bag.payload)
    for m in bag.payload_manifests:
        names.update(p for p in m.entries if p.startswith("data/"))
    bag.out.extend(name_warnings(sorted(names)))
    if bag.payload_manifests and not bag.tag_manifests:
        bag.out.append(issues.make("W526"))
    for rel in sorted(bag.payload):
        if rel.rsplit("/", 1)[-1] == "bagit.txt":
            inner = rel.rsplit("/", 1)[0]
            bag.out.append(issues.make("W528", path=rel, folder=inner))
