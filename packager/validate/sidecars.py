"""The sidecars beside metadata.csv: Dublin Core records, originals.txt, records.json.

Each is checked against metadata.csv's rows (:class:`~.metacsv._Table`) and
the payload: in ours every piece must be there and complete (a record per
row, ``collection.xml``, an original's checksums for every object, a pixel
digest for every image); in a foreign bag a file in packager's format is
checked the same way without the completeness rules, and one in another
format is left alone (W614). records.json's items are also what
:mod:`.metacheck` hands to the image checks.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Any

from packager import issues
from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.metadata import dc, originals
from packager.metadata.layout import (
    COLLECTION_RECORD,
    DC_DIR,
    OBJECTS_DIR,
    ORIGINALS_PATH,
    PIXEL_DIGEST_KEY,
    RECORDS_PATH,
)
from packager.model import Issue

from . import recordstream
from .capped import Capped
from .images import Pairs
from .metabag import OBJECTS_PREFIX, _Bag, _blocked, _in_folder
from .metacsv import _identifier, _Table, fingerprint
from .originalstream import read_originals
from .spill import Spill

#: Largest sidecars read. records.json and originals.txt are read as streams
#: (a collection of 100,000 images has them of about 700 MiB and 30 MiB); a DC
#: record is a few KiB and is read whole.
RECORDS_LIMIT = 16 << 30
ORIGINALS_LIMIT = 16 << 30
DC_LIMIT = 16 << 20
_DIGEST = re.compile("(jpeg:)?[0-9a-f]{64}")


# --- Dublin Core records ------------------------------------------------------

def _check_dc_records(bag: _Bag, table: _Table, known: dict[str, str]) -> None:
    """Each record in dc/ valid and equal to its row; ours: a record per row and collection.xml.

    An oai_dc record is compared with what its row says in oai_dc's terms
    (:func:`packager.metadata.dc.simple_pairs`: the row's ``dcterms.*`` values
    as the elements they refine, where those do not already say them); a
    record of the older form (``urn:packager:dc-record:1``) with the whole row.
    ``known`` maps identifiers to payload paths from records.json, so that the
    record of an image whose row is damaged is not called rowless.
    """
    blocked = _blocked(bag.listing, DC_DIR)
    if blocked:
        bag.report("E602", "dc_blocked", DC_DIR, why=blocked)
        return
    if DC_DIR not in bag.folders:
        if bag.ours:
            bag.report("E602", "dc_missing", DC_DIR)
        return
    rows = table.by_identifier()
    matched: dict[str, str] = {}
    for rel in sorted(p for p in (*bag.listing.files, *bag.listing.refused) if _in_folder(p, DC_DIR)
                      and p.endswith(".xml")):
        record = _read_dc_record(bag, rel)
        if record is None:
            continue
        form, pairs = record
        if rel.endswith("/" + COLLECTION_RECORD):
            if table.collection is not None:  # metadata.csv's directory-level row, when the bag has one
                _compare_dc_record(bag, rel, table.collection[1], form, pairs, OBJECTS_DIR)
            continue
        ident = _identifier(pairs)
        if ident is None:
            bag.report("E602", "dc_no_identifier", rel)
            continue
        name = rows.get(ident) or known.get(ident)
        if name in matched:
            bag.report("E602", "dc_twice", rel, identifier=ident, other=matched[name])
        elif name in table.rows:
            matched[name] = rel
            _compare_dc_record(bag, rel, table.pairs(name), form, pairs, name)
        elif table.usable and name not in table.reported:
            bag.report("E602", "dc_without_row", rel, identifier=ident)
    if bag.ours and table.usable:
        for ident, name in sorted(rows.items()):
            if name not in matched:
                bag.report("E602", "row_without_dc", name, identifier=ident, folder=DC_DIR)
    if bag.ours and f"{DC_DIR}/{COLLECTION_RECORD}" not in bag.listing.files:
        bag.report("E602", "collection_record_missing", f"{DC_DIR}/{COLLECTION_RECORD}")


def _compare_dc_record(bag: _Bag, rel: str, row: Pairs, form: str, pairs: Pairs, name: str) -> None:
    """E602 unless the record says what the row ``name`` says: all of it (older form) or in oai_dc's terms."""
    expected = row if form == dc.LEGACY else dc.simple_pairs(row)
    if fingerprint(pairs) != fingerprint(expected):
        bag.report("E602", "dc_disagrees", rel, payload=name,
                   difference=_first_difference(sorted(pairs), sorted(expected)))


#: The record namespaces a foreign bag's file must name to be read as one of ours.
_DC_NAMESPACES = (dc.OAI_DC_NS, dc.RECORD_NS)


def _read_dc_record(bag: _Bag, rel: str) -> tuple[str, Pairs] | None:
    """The form and pairs of a record; None for a record that is invalid (E601) or
    unreadable, and, in foreign bags, XML of another kind (W614)."""
    data = bag.read(rel, DC_LIMIT, "E602")
    if data is None:
        return None
    if not bag.ours and not any(ns.encode() in data[:4096] for ns in _DC_NAMESPACES):
        bag.report("W614", "dc_record", rel, namespace=" or ".join(_DC_NAMESPACES))
        return None
    reading = dc.read_dc_record(data)
    for message in reading.errors:
        bag.found.append(issues.make("E601", path=rel, file=rel, schema=reading.schema, error=message))
    if reading.pairs is None:
        return None
    return reading.form, reading.pairs


def _first_difference(a: Pairs, b: Pairs) -> str:
    """The first pair one side has more often than the other (a repeat counts)."""
    extra_a, extra_b = Counter(a) - Counter(b), Counter(b) - Counter(a)
    if extra_a:
        name, value = min(extra_a)
        return f"record has {name}={value!r}" + (" once more" if (name, value) in b else "")
    name, value = min(extra_b)
    return f"metadata.csv has {name}={value!r}" + (" once more" if (name, value) in a else "")


# --- originals checksums ------------------------------------------------------

def _check_originals(bag: _Bag, table: _Table) -> None:
    """The originals checksum file, one E605 per bad line; ours: every object has its
    original's checksums and every original its object."""
    if not bag.present(ORIGINALS_PATH):
        bag.report("E605", "missing", ORIGINALS_PATH)
        return
    stream = bag.stream(ORIGINALS_PATH, ORIGINALS_LIMIT, "E605")
    if stream is None:
        return
    magic = originals.ORIGINALS_MAGIC.rsplit(" ", 1)[0].encode()
    try:
        with stream as fh:
            first = fh.readline()
            if not bag.ours and not first.startswith(magic):
                bag.report("W614", "originals", ORIGINALS_PATH, magic=magic.decode())
                return
            names, problems = read_originals(itertools.chain([first] if first else [], fh))
    except (SourceError, OSError) as exc:
        bag.unreadable(ORIGINALS_PATH, "E605", exc)
        return
    for p in problems:
        bag.report("E605", "bad_line" if p.line else "bad_file", ORIGINALS_PATH, line=p.line, reason=p.message)
    if bag.ours:
        objects = table.accounted() if table.usable else {p for p in bag.listing.files if p.startswith(OBJECTS_PREFIX)}
        _check_custody(bag, names, sorted(objects))


def _check_custody(bag: _Bag, originals: list[str], objects: list[str]) -> None:
    """Our writer names each original <image folder>/<path under data/objects/>: an
    object's path under data/objects/ is the original's path or a '/'-bounded tail of it."""
    relative = {payload[len(OBJECTS_PREFIX):] for payload in objects}
    tails = {tail for name in originals for tail in _tails(name)}
    for payload in objects:
        if payload[len(OBJECTS_PREFIX):] not in tails:
            bag.report("E605", "no_original", ORIGINALS_PATH, payload=payload)
    for name in originals:
        if relative.isdisjoint(_tails(name)):
            bag.report("E605", "no_object", ORIGINALS_PATH, original=name)


def _tails(name: str) -> list[str]:
    """``a/b/c`` -> ``a/b/c``, ``b/c``, ``c``."""
    parts = name.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


# --- records.json -------------------------------------------------------------

#: Kinds of what records.json says of each image, kept in the bag's spill:
RECORD_PAIRS = "record"  # the DC pairs, for an image whose row is damaged (or metadata.csv unusable)
PIXELS = "pixels"  # the pixel digest
WRITTEN = "written"  # the tags our writer says it embedded (ours)


@dataclass
class _Records:
    """What reading records.json found: its problems (reported after those of the DC
    records and originals.txt, as when it was read whole) and the identifiers of
    items whose identifier no row of metadata.csv gives (for the DC records)."""

    problems: list[Issue] = field(default_factory=Capped)  # bounded: see .capped
    known: dict[str, str] = field(default_factory=dict)


def _read_records(bag: _Bag, table: _Table, store: Spill) -> _Records | None:
    """records.json, item by item; None when absent or unusable (reported).

    Its items are checked against metadata.csv as they are read; what the images
    need of them goes to ``store``."""
    if not bag.present(RECORDS_PATH):
        if bag.ours:
            bag.report("E602", "records_missing", RECORDS_PATH)
        return None
    first = bag.stream(RECORDS_PATH, RECORDS_LIMIT, "E602")
    if first is None:
        return None
    opened = [first]

    def reopen() -> AbstractContextManager[IO[bytes]]:
        return opened.pop() if opened else bag.source.open(RECORDS_PATH, limit=None)

    reader = _RecordsReader(bag, table, store)
    try:
        for item in recordstream.items(reopen):
            reader.add(item)
    except recordstream.NotRecords as exc:
        code = "E602" if bag.ours else "W614"  # not packager's records file: left alone in a foreign bag
        values: dict[str, Any] = {"error": exc.error} if exc.what == "records_not_json" else {}
        bag.report(code, exc.what, RECORDS_PATH, **values)
    except (SourceError, OSError) as exc:
        bag.unreadable(RECORDS_PATH, "E602", exc)
    else:
        return reader.finish()
    for kind in (RECORD_PAIRS, PIXELS, WRITTEN):
        store.drop(kind)
    return None


class _RecordsReader:
    """Checks each item as it comes, and keeps what the images need."""

    def __init__(self, bag: _Bag, table: _Table, store: Spill) -> None:
        self.bag, self.table, self.store = bag, table, store
        self.found = _Records()
        self.described = bytearray()  # by row line: 1 when an item describes that row

    def add(self, item: dict[str, Any]) -> None:
        bag, table, store = self.bag, self.table, self.store
        payload = str(item.get("payload", ""))
        identifier = item.get("identifier")
        if identifier and str(identifier) not in table.identifiers:
            self.found.known[str(identifier)] = payload
        pairs = _record_pairs(item)
        row = table.rows.get(payload)
        if row is not None:
            self._describe(row[0])
            if fingerprint(pairs or []) != row[2]:
                self.found.problems.append(situation(
                    "E602", "records_disagree", path=RECORDS_PATH, payload=payload,
                    difference=_first_difference(sorted(pairs or []), sorted(table.pairs(payload)))))
        elif table.usable and payload not in table.reported:
            self.found.problems.append(situation("E602", "records_without_row", path=RECORDS_PATH,
                                                 payload=payload or "?"))
        digest = _pixel_digest_of(item)
        if bag.ours and digest is None:
            self.found.problems.append(situation("E602", "records_no_pixel_digest", path=RECORDS_PATH,
                                                 key=PIXEL_DIGEST_KEY, payload=payload or "?"))
        if payload in bag.listing.files and payload.startswith(OBJECTS_PREFIX):  # only payload files are read
            payload = sys.intern(payload)  # one string for the path, shared with the listing
            if pairs is not None and row is None and (not table.usable or payload in table.reported) \
                    and (RECORD_PAIRS, payload) not in store:
                store.put(RECORD_PAIRS, payload, pairs)
            if digest:
                store.put(PIXELS, payload, digest)
            tags = item.get("tags")
            if bag.ours and isinstance(tags, dict):
                store.put(WRITTEN, payload, tags)

    def _describe(self, line: int) -> None:
        if line >= len(self.described):
            self.described.extend(bytes(line + 1 - len(self.described)))
        self.described[line] = 1

    def finish(self) -> _Records:
        """In ours, every row must be described: those missing are reported first."""
        if self.bag.ours and self.table.usable:
            missing = Capped(situation("E602", "records_missing_row", path=RECORDS_PATH, payload=name)
                             for name, row in sorted(self.table.rows.items())
                             if row[0] >= len(self.described) or not self.described[row[0]])
            missing.extend(self.found.problems)
            self.found.problems = missing
        return self.found


def _record_pairs(item: dict[str, Any]) -> Pairs | None:
    listed = item.get("dublin_core")
    if not isinstance(listed, list):
        return None
    return [(str(p.get("element")), str(p.get("value"))) for p in listed if isinstance(p, dict)]


def _pixel_digest_of(item: dict[str, Any]) -> str | None:
    digest = item.get(PIXEL_DIGEST_KEY)
    return digest if isinstance(digest, str) and _DIGEST.fullmatch(digest) else None
