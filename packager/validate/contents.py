"""What the BagIt checks read from a bag before judging it: :class:`_Bag`.

:func:`_load` lists the payload and tag files, reads every manifest
(:mod:`.manifest`) and ``fetch.txt`` (:mod:`.tags`) once, reporting what
cannot be read; :func:`_read_info` reads ``bag-info.txt``. The checks in
:mod:`.check` and :mod:`.coverage` then work on the :class:`_Bag` alone.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.model import Issue

from .capped import Capped
from .manifest import Manifest, find_manifests, read_manifest_stream, weak_only
from .source import BagSource, Listing
from .tags import Declaration, FetchEntry, decode_tag_file, parse_bag_info, parse_fetch


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


def _load(source: BagSource, listing: Listing, decl: Declaration, out: list[Issue]) -> _Bag:
    payload = listing.payload()
    tags = listing.tags()
    if "data" not in listing.dirs:
        out.append(situation("E501", "no_data", path="data"))
    payload_names, tag_names = find_manifests([p for p in tags if "/" not in p])
    if not payload_names:
        out.append(situation("E502", "no_payload_manifest"))
    # with a fetch.txt every listed path may be needed (to be fetched): all are kept in full
    present = None if listing.is_file("fetch.txt") else _OnDisk(listing)
    manifests = [_read_manifest(source, name, decl, out, present) for name in payload_names + tag_names]
    weak_only([m for m in manifests if m], out)
    bag = _Bag(source, listing, decl, payload, tags, dict(listing.refused),
               [m for m in manifests if m and m.kind == "payload"], [m for m in manifests if m and m.kind == "tag"],
               {}, out)
    bag.fetch = _read_fetch(bag)
    return bag


class _OnDisk:
    """Whether a manifest path names something in the bag (file, folder or refused entry), under
    any spelling :mod:`.coverage` accepts (trailing blanks, another Unicode normalization)."""

    def __init__(self, listing: Listing) -> None:
        self.listing = listing
        self._nfc: set[str] | None = None

    def __contains__(self, path: object) -> bool:
        assert isinstance(path, str)
        listing = self.listing
        if path in listing.files:
            return True
        candidates = (path, path.rstrip(" \t"))
        for p in candidates:
            if p in listing.files or p in listing.dirs or p in listing.refused:
                return True
        if path.isascii():
            return False
        if self._nfc is None:
            self._nfc = {unicodedata.normalize("NFC", p) for p in (*listing.files, *listing.dirs, *listing.refused)
                         if not p.isascii()}
        return any(unicodedata.normalize("NFC", p) in self._nfc for p in candidates)


def _read_manifest(source: BagSource, name: str, decl: Declaration, out: list[Issue],
                   present: _OnDisk | None) -> Manifest | None:
    found = Capped()
    try:
        with source.open(name, limit=None) as fh:
            manifest = read_manifest_stream(name, fh, decl, found, present)
    except (SourceError, OSError) as exc:
        error = exc if isinstance(exc, SourceError) else SourceError(f"{name} cannot be read: {exc}")
        out.append(situation("E501", "source_error", path=name, error=error))
        return None
    out.extend(found)
    return manifest


def _read_text(source: BagSource, name: str, decl: Declaration, code: str, out: list[Issue]) -> str | None:
    try:
        raw = source.read_bytes(name)
    except SourceError as exc:
        out.append(situation(code, "source_error", path=name, error=exc))
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
            code = "E502" if bag.decl.rules >= (1, 0) else "W507"
            bag.out.append(situation(code, "fetch_unlisted", path="fetch.txt", line=entry.line, file=path))
    return entries
