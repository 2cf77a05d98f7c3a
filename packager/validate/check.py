"""The BagIt layer of the validator: is this folder a complete and valid bag?

Receiving side: everything is re-read from disk and nothing is trusted, not
even our own writer (this module never imports :mod:`packager.bagging`).
Every problem is collected, not just the first, each with a code from
:mod:`packager.issues` and the offending file relative to the bag:

* E501 structure (bagit.txt, bag-info.txt, data/, unreadable or special files)
* E502 manifest lines: syntax, unsafe paths, coverage of the payload
* E503 checksum mismatch; E504 listed but missing; E505 present but unlisted
* E506 Payload-Oxum; E508 tag manifests; E509 incomplete (file still to fetch)
* E510-E513 serialized bags (see :mod:`packager.bagit_archive`)
* W520-W529 named lint warnings (case and normalization clashes, OS junk files,
  ``*`` markers, leading ``./``, old versions, no tag manifest, manifests that
  list different files, a bag inside the bag, weak algorithms only); W507 other
  legal but risky things (links inside the bag, names that are not UTF-8...)

Rules follow the declared version (0.93-0.97 drafts, RFC 8493 for 1.0):
percent-decoding of manifest paths, "every payload file in every payload
manifest", duplicate lines and whitespace in bagit.txt are strict from 1.0 on.

Known gaps of bagit 1.9.0 that this checker closes (DESIGN.md §3): a file
missing from one of several payload manifests, ``BagIt-Version : 1.0``, a
path escaping into a sibling folder whose name starts with the bag's name,
extra payload files named individually (not only as an Oxum mismatch).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typing import Callable

from packager import issues
from .manifest import Manifest, find_manifests, read_manifest, weak_only
from .paths import name_warnings
from .source import BagSource, Listing, SourceError, open_source
from .tags import Declaration, FetchEntry, decode_tag_file, parse_bag_info, parse_fetch, read_declaration
from packager.model import ERROR, WARNING, Issue

#: progress(done_octets, total_octets) while hashing
Progress = Callable[[int, int], None]

_TAG_MANIFEST = re.compile(r"tagmanifest-.+\.txt")
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


@dataclass
class _Bag:
    """Everything read from the bag, shared by the checks below."""

    source: BagSource
    listing: Listing
    decl: Declaration
    payload: dict[str, int]  # files under data/ -> size
    tag_files: dict[str, int]  # files outside data/ -> size
    refused: dict[str, int]  # present, but not to be opened (links out of the bag, FIFOs...): reported
    payload_manifests: list[Manifest]
    tag_manifests: list[Manifest]
    fetch: dict[str, FetchEntry]
    out: list[Issue]


def check_bag(bag: Path | BagSource, *, fast: bool = False, completeness_only: bool = False,
              progress: Progress | None = None, processes: int = 1) -> BagCheck:
    """Check the bag (a folder, an archive, or an open source) against the BagIt
    rules of its declared version.

    ``fast``: structure, manifest syntax, Payload-Oxum and payload
    completeness (names and sizes only, no file is read). ``completeness_only``:
    everything but checksums. ``progress(done_bytes, total_bytes)`` is called
    while hashing; ``processes`` > 1 hashes a folder's files in that many
    worker processes.
    """
    if isinstance(bag, BagSource):
        return _check_source(bag, fast, completeness_only, progress, processes)
    out: list[Issue] = []
    root = Path(bag)
    if not root.exists():
        out.append(issues.make("E501", path=str(root), detail=f"{root} does not exist; give the bag's folder or "
                                                              "its .tar, .tar.gz, .tgz or .zip file"))
        return BagCheck(root, None, [], (), 0, 0, tuple(out))
    source = open_source(root, out)
    if source is None:
        return BagCheck(root, None, [], (), 0, 0, tuple(out))
    with source:
        return _check_source(source, fast, completeness_only, progress, processes)


def _check_source(source: BagSource, fast: bool, completeness_only: bool, progress: Progress | None,
                  processes: int) -> BagCheck:
    listing = source.listing()
    out: list[Issue] = list(listing.problems)
    if any(p.code in _UNREADABLE for p in out):  # a bomb or a damaged archive: nothing more to learn safely
        return BagCheck(source.location, None, [], (), 0, 0, tuple(out), name=source.name,
                        serialization=source.serialization, archive_name=source.archive_name)
    decl = read_declaration(source, out)
    info_name, info = _read_info(source, decl, out)
    bag = _load(source, listing, decl, out)
    _check_oxum(bag, info_name, info)
    jobs = _check_payload_coverage(bag)
    if not fast:
        for rel, expected in _check_tag_manifests(bag).items():
            jobs[rel].extend(expected)
        _lint(bag)
    if not (fast or completeness_only):
        _check_verifiable(bag)
        _verify(bag, jobs, progress, processes)
    files, octets = _payload_totals(bag)
    return BagCheck(source.location, decl.version, info, tuple(m.bagit_algorithm for m in bag.payload_manifests),
                    files, octets, tuple(out), name=source.name, serialization=source.serialization,
                    archive_name=source.archive_name,
                    tag_algorithms=tuple(m.bagit_algorithm for m in bag.tag_manifests),
                    payload_paths=tuple(sorted(bag.payload)), tag_paths=tuple(sorted(bag.tag_files)),
                    tag_fields=_tag_fields(bag), has_fetch=listing.is_file("fetch.txt"))


def _verify(bag: _Bag, jobs: dict[str, list[Expectation]], progress: Progress | None, processes: int) -> None:
    """Hash every file once with all the algorithms its manifests use; report each mismatch."""
    total = sum(bag.listing.files.get(rel, 0) for rel in jobs)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    wanted = {rel: {e.algorithm for e in expected} for rel, expected in jobs.items()}
    found: list[Issue] = []
    for rel, actual in bag.source.digests(wanted, tick, processes):
        if isinstance(actual, SourceError):
            found.append(issues.make("E501", path=rel, detail=str(actual)))
            continue
        for e in jobs[rel]:
            if actual[e.algorithm] != e.digest:
                found.append(issues.make("E503", path=rel, algorithm=e.bagit_algorithm, file=rel,
                                         actual=actual[e.algorithm], expected=f"{e.digest} ({e.manifest})"))
    bag.out.extend(sorted(found, key=lambda i: (i.path or "", i.message)))  # same order whatever the workers did
    if progress and total == 0:
        progress(0, 0)


class Expectation:
    """One checksum a manifest claims for one file."""

    __slots__ = ("algorithm", "bagit_algorithm", "digest", "manifest", "listed_as")

    def __init__(self, algorithm: str, bagit_algorithm: str, digest: str, manifest: str, listed_as: str):
        self.algorithm, self.bagit_algorithm, self.digest = algorithm, bagit_algorithm, digest
        self.manifest, self.listed_as = manifest, listed_as


_FIELDS_LIMIT = 1 << 20


def _tag_fields(bag: _Bag) -> dict[str, list[tuple[str, str]]]:
    """'Label: value' pairs of every top-level .txt tag file that has that form
    (bagit.txt, bag-info.txt, aptrust-info.txt...), for profiles. Problems in
    them are reported elsewhere (bagit.txt, bag-info.txt) or are not BagIt's."""
    fields: dict[str, list[tuple[str, str]]] = {}
    for rel, size in sorted(bag.tag_files.items()):
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
        bag.out.append(issues.make("E502", path=bag.payload_manifests[0].name,
                                   detail=f"no payload manifest uses a supported checksum algorithm ({names}), so "
                                          "no payload file can be verified; add a manifest-sha512.txt"))


def _payload_totals(bag: _Bag) -> tuple[int, int]:
    """Files and octets present under data/, refused ones included (they are there)."""
    sizes = [*bag.payload.values(), *(v for k, v in bag.refused.items() if k.startswith("data/"))]
    return len(sizes), sum(sizes)


def _load(source: BagSource, listing: Listing, decl: Declaration, out: list[Issue]) -> _Bag:
    payload = listing.payload()
    tags = listing.tags()
    if "data" not in listing.dirs:
        out.append(issues.make("E501", path="data", detail="the payload folder data/ is missing; every bag has "
                                                           "one (it may be empty)"))
    payload_names, tag_names = find_manifests([p for p in tags if "/" not in p])
    if not payload_names:
        out.append(issues.make("E502", detail="no payload manifest (manifest-<algorithm>.txt) in the bag; "
                                              "add one (sha512): without it nothing can be verified"))
    manifests = [_read_manifest(source, name, decl, out) for name in payload_names + tag_names]
    weak_only([m for m in manifests if m], out)
    bag = _Bag(source, listing, decl, payload, tags, dict(listing.refused),
               [m for m in manifests if m and m.kind == "payload"], [m for m in manifests if m and m.kind == "tag"],
               {}, out)
    bag.fetch = _read_fetch(bag)
    return bag


def _read_manifest(source: BagSource, name: str, decl: Declaration, out: list[Issue]) -> Manifest | None:
    try:
        return read_manifest(name, source.read_bytes(name, limit=None), decl, out)
    except SourceError as exc:
        out.append(issues.make("E501", path=name, detail=str(exc)))
        return None


def _read_text(source: BagSource, name: str, decl: Declaration, code: str, out: list[Issue]) -> str | None:
    try:
        raw = source.read_bytes(name)
    except SourceError as exc:
        out.append(issues.make(code, path=name, detail=str(exc)))
        return None
    return decode_tag_file(raw, decl, name, code, out)


def _read_info(source: BagSource, decl: Declaration, out: list[Issue]) -> tuple[str | None, list[tuple[str, str]]]:
    """bag-info.txt (package-info.txt before 0.96); optional, so absence is not a problem here."""
    for name in ("bag-info.txt", "package-info.txt"):
        if source.listing().is_file(name):
            text = _read_text(source, name, decl, "E501", out)
            return name, parse_bag_info(text or "", name, decl.rules, out)
    return None, []


def _read_fetch(bag: _Bag) -> dict[str, FetchEntry]:
    if not bag.listing.is_file("fetch.txt"):
        return {}
    text = _read_text(bag.source, "fetch.txt", bag.decl, "E502", bag.out)
    entries = {e.path: e for e in parse_fetch(text or "", bag.decl.rules, bag.out)}
    listed = set().union(*(m.entries for m in bag.payload_manifests)) if bag.payload_manifests else set()
    for path, entry in entries.items():
        if path not in listed:
            detail = (f"fetch.txt line {entry.line}: {path} is in no payload manifest, so it cannot be verified "
                      "once fetched; add it to every payload manifest")
            code = "E502" if bag.decl.rules >= (1, 0) else "W507"
            bag.out.append(issues.make(code, path="fetch.txt", line=entry.line, detail=detail))
    return entries


def _holes(bag: _Bag) -> list[str]:
    return sorted(p for p in bag.fetch if p not in bag.payload)


def _check_oxum(bag: _Bag, info_name: str | None, info: list[tuple[str, str]]) -> None:
    """Compare Payload-Oxum (optional) with the payload on disk."""
    values = [v for label, v in info if label.lower() == "payload-oxum"]
    if not values:
        return
    where = info_name or "bag-info.txt"
    if len(set(values)) > 1:
        bag.out.append(issues.make("E501", path=where, detail=f"{where} has conflicting Payload-Oxum values "
                                                              f"{values}; keep one"))
        return
    m = re.fullmatch(r"([0-9]+)\.([0-9]+)", values[0].strip())  # ASCII digits only
    if not m:
        bag.out.append(issues.make("E501", path=where, detail=f"Payload-Oxum {_clip(values[0])!r} is not "
                                                              "OCTETS.FILECOUNT (e.g. 1024.3)"))
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


def _locate(bag: _Bag, path: str, nfc: dict[str, str]) -> str | None:
    """The file on disk a manifest path names: exact, else equal after Unicode NFC
    normalization (names change when bags move through macOS), else without
    trailing blanks (added by some tools, stripped by bagit-python)."""
    for candidate in dict.fromkeys((path, path.rstrip(" \t"))):
        if candidate in bag.payload or candidate in bag.tag_files:
            return candidate
        found = nfc.get(unicodedata.normalize("NFC", candidate))
        if found:
            return found
    return None


def _check_payload_coverage(bag: _Bag) -> defaultdict[str, list[Expectation]]:
    """Every listed file present, every present file listed (in every manifest from 1.0)."""
    nfc: dict[str, str] = {}
    for rel in sorted(bag.payload):
        nfc.setdefault(unicodedata.normalize("NFC", rel), rel)
    listed: dict[str, set[str]] = {rel: set() for rel in bag.payload}
    missing: dict[str, list[str]] = defaultdict(list)
    jobs: defaultdict[str, list[Expectation]] = defaultdict(list)
    for m in bag.payload_manifests:
        for path, entry in m.entries.items():
            found = _locate(bag, path, nfc)
            if found is None:
                missing[path].append(m.name)
                continue
            if found != path:
                how = "trailing blanks" if found == path.rstrip(" \t") else "other Unicode normalization"
                bag.out.append(issues.make("W507", path=m.name, line=entry.line,
                                           detail=f"{m.name} line {entry.line} names {path!r}, found on disk as "
                                                  f"{found!r} ({how})"))
            listed.get(found, set()).add(m.name)
            if entry.digest and m.algorithm:
                jobs[found].append(Expectation(m.algorithm, m.bagit_algorithm, entry.digest, m.name, path))
    _report_missing(bag, missing)
    _report_unlisted(bag, listed)
    return jobs


def _report_missing(bag: _Bag, missing: dict[str, list[str]]) -> None:
    for path, names in sorted(missing.items()):
        fetch = bag.fetch.get(path)
        if path in bag.refused:
            continue  # present but unusable, reported as such
        if path in bag.listing.dirs:
            bag.out.append(issues.make("E502", path=path, detail=f"{', '.join(names)} list the folder {path}; "
                                                                 "manifests list files only, remove the line"))
        elif fetch is not None:
            bag.out.append(issues.make("E509", path=path, file=path, url=fetch.url))
        else:
            bag.out.append(issues.make("E504", path=path, file=path, manifest=", ".join(names)))


def _report_unlisted(bag: _Bag, listed: dict[str, set[str]]) -> None:
    names = [m.name for m in bag.payload_manifests]
    if not names:
        return
    for rel in sorted(listed):
        absent = [n for n in names if n not in listed[rel]]
        if not absent:
            continue
        if bag.decl.rules >= (1, 0):
            for name in absent:
                bag.out.append(issues.make("E505", path=rel, file=rel, manifest=name))
        elif len(absent) == len(names):
            bag.out.append(issues.make("E505", path=rel, file=rel,
                                       manifest=names[0] if len(names) == 1 else "any payload manifest"))
        else:
            bag.out.append(issues.make("W527", path=rel, detail=f"{rel} is listed in {', '.join(sorted(listed[rel]))} "
                                                                f"but not in {', '.join(absent)}; from BagIt 1.0 every "
                                                                "payload manifest must list every file"))


def _check_tag_manifests(bag: _Bag) -> dict[str, list[Expectation]]:
    jobs: dict[str, list[Expectation]] = defaultdict(list)
    for m in bag.tag_manifests:
        for path, entry in m.entries.items():
            if _tag_entry_ok(bag, m, path, entry.line) and entry.digest and m.algorithm:
                jobs[path].append(Expectation(m.algorithm, m.bagit_algorithm, entry.digest, m.name, path))
    sets = {m.name: frozenset(m.entries) for m in bag.tag_manifests}
    if len(set(sets.values())) > 1:
        summary = "; ".join(f"{name}: {', '.join(sorted(s)) or '(nothing)'}" for name, s in sets.items())
        bag.out.append(issues.make("W527", path=bag.tag_manifests[0].name,
                                   detail=f"the tag manifests list different files ({summary}); "
                                          "each should list the same tag files"))
    if bag.tag_manifests:
        covered = set().union(*sets.values())
        for rel in sorted(bag.tag_files):
            if rel not in covered and not _TAG_MANIFEST.fullmatch(rel):
                bag.out.append(issues.make("W507", path=rel, detail=f"tag file {rel} is in no tag manifest, so a "
                                                                    "change to it would go unnoticed"))
    return jobs


def _tag_entry_ok(bag: _Bag, m: Manifest, path: str, line: int) -> bool:
    if _TAG_MANIFEST.fullmatch(path):
        detail = f"{m.name} line {line} lists tag manifest {path}; tag manifests must not list each other"
        code = "E508" if bag.decl.rules >= (1, 0) else "W507"
        bag.out.append(issues.make(code, path=m.name, line=line, detail=detail))
        return False
    if path not in bag.tag_files:
        if path not in bag.refused:
            bag.out.append(issues.make("E508", path=path,
                                       detail=f"tag file {path} is listed in {m.name} line {line} but missing from "
                                              "the bag; "
                                              "restore it or remove the line"))
        return False
    return True


def _lint(bag: _Bag) -> None:
    """Named warnings for what is legal but risky (W520-W528; W529 comes with the manifests)."""
    names = set(bag.payload)
    for m in bag.payload_manifests:
        names.update(p for p in m.entries if p.startswith("data/"))
    bag.out.extend(name_warnings(sorted(names)))
    if bag.payload_manifests and not bag.tag_manifests:
        bag.out.append(issues.make("W526",
                                   detail="the bag has no tag manifest, so a change to bag-info.txt or to the "
                                          "manifests themselves would go unnoticed; add tagmanifest-sha512.txt"))
    for rel in sorted(bag.payload):
        if rel.rsplit("/", 1)[-1] == "bagit.txt":
            inner = rel.rsplit("/", 1)[0]
            bag.out.append(issues.make("W528", path=rel,
                                       detail=f"{inner}/ holds a bagit.txt: a bag inside the payload. Its own "
                                              "manifests are not checked (it is only payload here), and tools "
                                              "that look for bags may take it for one; deposit it as a bag of its "
                                              "own, or serialize it (.tar) inside the payload"))
