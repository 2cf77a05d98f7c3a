"""Manifest completeness: every listed file present, every present file listed.

For the payload manifests (E504 missing, E505 unlisted, E509 still to fetch,
W527 when manifests list different files before 1.0) and the tag manifests
(E508, W507). Matching a manifest path to a file on disk tolerates what
moving a bag between systems does to names (Unicode normalization, trailing
blanks), with a warning. What each manifest claims becomes an
:class:`Expectation` for :mod:`.check` to verify by hashing.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Mapping

from packager import issues
from packager.issues.receiving import situation
from packager.model import ERROR

from .capped import summary as omitted
from .contents import _Bag
from .manifest import Manifest, path_hash

_TAG_MANIFEST = re.compile(r"tagmanifest-.+\.txt")


class Expectation:
    """One checksum a manifest claims for one file."""

    __slots__ = ("algorithm", "bagit_algorithm", "digest", "manifest", "listed_as")

    def __init__(self, algorithm: str, bagit_algorithm: str, digest: str, manifest: str, listed_as: str):
        self.algorithm, self.bagit_algorithm, self.digest = algorithm, bagit_algorithm, digest
        self.manifest, self.listed_as = manifest, listed_as


class Jobs:
    """What the manifests claim for each file on disk, worked out when the file's turn
    comes rather than held for every file: a file's own lines in each manifest, and
    the lines that found it under another spelling of its name (few)."""

    def __init__(self, *present: Mapping[str, int]) -> None:
        self._present = present  # the files on disk (payload, tag files)
        self._manifests: list[tuple[Manifest, bool]] = []  # (manifest, a tag manifest: skip tag manifests' names)
        self._moved: defaultdict[str, list[Expectation]] = defaultdict(list)

    def add(self, manifest: Manifest, tag: bool = False) -> None:
        """Every line of ``manifest`` naming a file on disk exactly, with a usable checksum."""
        if manifest.algorithm:
            self._manifests.append((manifest, tag))

    def moved(self, found: str, manifest: Manifest, path: str, digest: str) -> None:
        """A line of ``manifest`` naming ``found`` as ``path`` (another normalization, trailing blanks)."""
        assert manifest.algorithm
        self._moved[found].append(Expectation(manifest.algorithm, manifest.bagit_algorithm, digest, manifest.name,
                                              path))

    def files(self) -> list[str]:
        """Every file some manifest line claims a checksum for, sorted."""
        names = {p for m, tag in self._manifests for p in m.entries
                 if any(p in present for present in self._present) and not (tag and _TAG_MANIFEST.fullmatch(p))}
        return sorted(names | self._moved.keys())

    def expected(self, rel: str) -> list[Expectation]:
        """The checksums the manifests claim for file ``rel``."""
        found = []
        for m, tag in self._manifests:
            entry = m.entries.get(rel)
            if entry is not None and entry.digest and not (tag and _TAG_MANIFEST.fullmatch(rel)):
                assert m.algorithm
                found.append(Expectation(m.algorithm, m.bagit_algorithm, entry.digest, m.name, rel))
        return found + self._moved.get(rel, [])


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


def _check_payload_coverage(bag: _Bag) -> Jobs:
    """Every listed file present, every present file listed (in every manifest from 1.0)."""
    nfc: dict[str, str] = {}
    for rel in sorted(bag.payload):
        if not rel.isascii():  # an ASCII name is its own NFC form
            nfc.setdefault(unicodedata.normalize("NFC", rel), rel)
    missing: dict[str, list[str]] = defaultdict(list)
    elsewhere: defaultdict[str, set[str]] = defaultdict(set)  # file -> manifests listing it under another name
    jobs = Jobs(bag.payload, bag.tag_files)
    for m in bag.payload_manifests:
        jobs.add(m)
        for path in m.entries:
            if path in bag.payload or path in bag.tag_files:
                continue  # found as listed: the common case, with nothing more to say
            entry = m.entries[path]
            found = _locate(bag, path, nfc)
            if found is None:
                missing[path].append(m.name)
                continue
            how = "trailing blanks" if found == path.rstrip(" \t") else "other Unicode normalization"
            bag.out.append(situation("W507", "found_as", path=m.name, line=entry.line, listed=path, found=found,
                                     how=how))
            elsewhere[found].add(m.name)
            if entry.digest and m.algorithm:
                jobs.moved(found, m, path, entry.digest)
    _report_missing(bag, missing)
    more = _hashed_missing(bag.payload_manifests, missing)
    if more:  # the lines past manifest.ABSENT_KEPT: counted as missing files, not listed
        bag.out.append(omitted("E504", ERROR, more, None))
    _report_unlisted(bag, elsewhere)
    return jobs


def _hashed_missing(manifests: list[Manifest], listed: Mapping[str, object]) -> int:
    """How many distinct paths the manifests kept only as hashes (absent files), not counting
    those another manifest kept in full (``listed``, reported already)."""
    arrays = [array("Q", sorted(m.entries.hashed)) for m in manifests if m.entries.hashed]  # one list at a time
    if not arrays:
        return 0
    known = {path_hash(p) for p in listed}
    count, last = 0, None
    for h in heapq.merge(*arrays):
        if h != last and h not in known:
            count += 1
        last = h
    return count


def _report_missing(bag: _Bag, missing: dict[str, list[str]]) -> None:
    for path, names in sorted(missing.items()):
        fetch = bag.fetch.get(path)
        if path in bag.refused:
            continue  # present but unusable, reported as such
        if path in bag.listing.dirs:
            bag.out.append(situation("E502", "folder_listed", path=path, manifests=", ".join(names)))
        elif fetch is not None:
            bag.out.append(issues.make("E509", path=path, file=path, url=fetch.url))
        else:
            bag.out.append(issues.make("E504", path=path, file=path, manifest=", ".join(names)))


def _report_unlisted(bag: _Bag, elsewhere: Mapping[str, set[str]]) -> None:
    names = [m.name for m in bag.payload_manifests]
    if not names:
        return
    for rel in sorted(bag.payload):
        absent = [m.name for m in bag.payload_manifests if rel not in m.entries and m.name not in elsewhere.get(rel, ())]
        if not absent:
            continue
        listed = {n for n in names if n not in absent}
        if bag.decl.rules >= (1, 0):
            for name in absent:
                bag.out.append(issues.make("E505", path=rel, file=rel, manifest=name))
        elif len(absent) == len(names):
            bag.out.append(issues.make("E505", path=rel, file=rel,
                                       manifest=names[0] if len(names) == 1 else "any payload manifest"))
        else:
            bag.out.append(situation("W527", "payload", path=rel, listed=", ".join(sorted(listed)),
                                     absent=", ".join(absent)))


def _check_tag_manifests(bag: _Bag, jobs: Jobs) -> None:
    """Every tag file a tag manifest lists is there, and is no tag manifest; ``jobs`` gets their lines."""
    for m in bag.tag_manifests:
        jobs.add(m, tag=True)
        for path, entry in m.entries.items():
            _tag_entry_ok(bag, m, path, entry.line)
    more = sum(len(m.entries.hashed) for m in bag.tag_manifests)
    if more:  # the lines past manifest.ABSENT_KEPT naming absent tag files: counted, not listed
        bag.out.append(omitted("E508", ERROR, more, None))
    sets = {m.name: frozenset(m.entries) for m in bag.tag_manifests}
    if len(set(sets.values())) > 1:
        summary = "; ".join(f"{name}: {', '.join(sorted(s)) or '(nothing)'}" for name, s in sets.items())
        bag.out.append(situation("W527", "tag", path=bag.tag_manifests[0].name, summary=summary))
    if bag.tag_manifests:
        covered = set().union(*sets.values())
        for rel in sorted(bag.tag_files):
            if rel not in covered and not _TAG_MANIFEST.fullmatch(rel):
                bag.out.append(situation("W507", "tag_file_unlisted", path=rel))


def _tag_entry_ok(bag: _Bag, m: Manifest, path: str, line: int) -> bool:
    if _TAG_MANIFEST.fullmatch(path):
        code = "E508" if bag.decl.rules >= (1, 0) else "W507"
        bag.out.append(situation(code, "tag_manifest_listed", path=m.name, line=line, listed=path))
        return False
    if path not in bag.tag_files:
        if path not in bag.refused:
            bag.out.append(situation("E508", "tag_file_missing", path=path, manifest=m.name, manifest_line=line))
        return False
    return True
