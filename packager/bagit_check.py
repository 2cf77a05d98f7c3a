"""The BagIt layer of the validator: is this folder a complete and valid bag?

Receiving side: everything is re-read from disk and nothing is trusted, not
even our own writer (this module never imports :mod:`packager.bagging`).
Every problem is collected, not just the first, each with a code from
:mod:`packager.issues` and the offending file relative to the bag:

* E501 structure (bagit.txt, bag-info.txt, data/, unreadable or special files)
* E502 manifest lines: syntax, unsafe paths, coverage of the payload
* E503 checksum mismatch; E504 listed but missing; E505 present but unlisted
* E506 Payload-Oxum; E508 tag manifests; E509 incomplete (file still to fetch)
* W507 legal but risky (weak algorithms, ``./`` and ``*`` in paths, name clashes...)

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import issues
from .bagit_manifest import Manifest, find_manifests, read_manifest
from .bagit_paths import name_warnings
from .bagit_payload import Expectation, Progress, Walk, inside_bag, verify, walk_files
from .bagit_tags import Declaration, FetchEntry, decode_tag_file, parse_bag_info, parse_fetch, read_declaration
from .model import ERROR, WARNING, Issue

_TAG_MANIFEST = re.compile(r"tagmanifest-.+\.txt")


@dataclass(frozen=True)
class BagCheck:
    """The verdict on one bag; ``problems`` holds every finding, errors and warnings."""

    path: Path
    version: str | None
    info: list[tuple[str, str]]
    algorithms: tuple[str, ...]
    payload_files: int
    payload_bytes: int
    problems: tuple[Issue, ...]

    @property
    def valid(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "valid": self.valid, "version": self.version,
                "info": [list(pair) for pair in self.info], "algorithms": list(self.algorithms),
                "payload_files": self.payload_files, "payload_bytes": self.payload_bytes,
                "problems": [p.to_dict() for p in self.problems]}


@dataclass
class _Bag:
    """Everything read from disk, shared by the checks below."""

    path: Path
    decl: Declaration
    payload: dict[str, int]  # files under data/ -> size
    tag_files: dict[str, int]  # files outside data/ -> size
    refused: dict[str, int]  # present, but not to be opened (links out of the bag, FIFOs...): reported
    payload_manifests: list[Manifest]
    tag_manifests: list[Manifest]
    fetch: dict[str, FetchEntry]
    out: list[Issue]


def check_bag(path: Path, *, fast: bool = False, completeness_only: bool = False,
              progress: Progress | None = None) -> BagCheck:
    """Check the bag at ``path`` against the BagIt rules of its declared version.

    ``fast``: structure, manifest syntax, Payload-Oxum and payload
    completeness (names and sizes only, no file is read). ``completeness_only``:
    everything but checksums. ``progress(done_bytes, total_bytes)`` is called
    while hashing.
    """
    root = Path(path)
    out: list[Issue] = []
    if not root.is_dir():
        out.append(issues.make("E501", path=str(root), detail=f"{root} is not a folder; a bag is a folder holding "
                                                              "bagit.txt, manifests and data/"))
        return BagCheck(root, None, [], (), 0, 0, tuple(out))
    decl = read_declaration(root, out)
    info_name, info = _read_info(root, decl, out)
    bag = _load(root, decl, out)
    _check_oxum(bag, info_name, info)
    jobs = _check_payload_coverage(bag)
    if not fast:
        for rel, expected in _check_tag_manifests(bag).items():
            jobs[rel].extend(expected)
        _name_warnings(bag)
    if not (fast or completeness_only):
        _check_verifiable(bag)
        verify(root, jobs, {**bag.payload, **bag.tag_files}, progress, out)
    files, octets = _payload_totals(bag)
    return BagCheck(root, decl.version, info, tuple(m.bagit_algorithm for m in bag.payload_manifests),
                    files, octets, tuple(out))


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


def _load(root: Path, decl: Declaration, out: list[Issue]) -> _Bag:
    if not (root / "data").is_dir():
        out.append(issues.make("E501", path="data", detail="the payload folder data/ is missing; every bag has "
                                                           "one (it may be empty)"))
        payload = Walk()
    else:
        payload = walk_files(root, "data", out)
    tags = walk_files(root, "", out)
    payload_names, tag_names = find_manifests(root)
    if not payload_names:
        out.append(issues.make("E502", detail="no payload manifest (manifest-<algorithm>.txt) in the bag; "
                                              "add one (sha512): without it nothing can be verified"))
    manifests = [_read_manifest(root, name, decl, out) for name in payload_names + tag_names]
    bag = _Bag(root, decl, payload.files, tags.files, {**payload.refused, **tags.refused},
               [m for m in manifests if m and m.kind == "payload"], [m for m in manifests if m and m.kind == "tag"],
               {}, out)
    bag.fetch = _read_fetch(bag)
    return bag


def _read_manifest(root: Path, name: str, decl: Declaration, out: list[Issue]) -> Manifest | None:
    try:
        return read_manifest(root, name, decl, out)
    except OSError as exc:
        out.append(issues.make("E501", path=name, detail=f"{name} cannot be read: {exc.strerror or exc}"))
        return None


def _read_text(root: Path, name: str, decl: Declaration, code: str, out: list[Issue]) -> str | None:
    try:
        raw = (root / name).read_bytes()
    except OSError as exc:
        out.append(issues.make(code, path=name, detail=f"{name} cannot be read: {exc.strerror or exc}"))
        return None
    return decode_tag_file(raw, decl, name, code, out)


def _read_info(root: Path, decl: Declaration, out: list[Issue]) -> tuple[str | None, list[tuple[str, str]]]:
    """bag-info.txt (package-info.txt before 0.96); optional, so absence is not a problem here."""
    for name in ("bag-info.txt", "package-info.txt"):
        if (root / name).is_file():
            text = _read_text(root, name, decl, "E501", out)
            return name, parse_bag_info(text or "", name, decl.rules, out)
    return None, []


def _read_fetch(bag: _Bag) -> dict[str, FetchEntry]:
    if not (bag.path / "fetch.txt").is_file():
        return {}
    text = _read_text(bag.path, "fetch.txt", bag.decl, "E502", bag.out)
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
        if (bag.path / path).is_dir():
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
            bag.out.append(issues.make("W507", path=rel, detail=f"{rel} is listed in {', '.join(sorted(listed[rel]))} "
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
        bag.out.append(issues.make("W507", path=bag.tag_manifests[0].name,
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
    if not inside_bag(bag.path, path):
        bag.out.append(issues.make("E502", path=m.name, line=line, detail=f"{m.name} line {line}: {path} leads "
                                                                          "outside the bag via a symbolic link"))
        return False
    return True


def _name_warnings(bag: _Bag) -> None:
    names = set(bag.payload)
    for m in bag.payload_manifests:
        names.update(p for p in m.entries if p.startswith("data/"))
    bag.out.extend(name_warnings(sorted(names)))
