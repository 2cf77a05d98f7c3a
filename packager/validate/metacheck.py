"""The metadata layer of bag validation: its entry points and the sidecars.

For a bag that carries ``data/metadata/metadata.csv`` (ours, or any
Archivematica-style bag), check that the sidecars agree with the payload and
with each other, and that the metadata embedded in each image says what the
sidecar records say. The bag is read only through a
:class:`~packager.bagit_source.BagSource` (a folder, or an archive read in
place): paths come from its listing, sidecars from ``read_bytes`` with a size
limit, images from short-lived local copies for ExifTool and Pillow (which may
have no file extension). Nothing the packager wrote is trusted, and this
module never imports the bag writer.

What the layer requires. A bag is *ours* when bag-info.txt names packager as
its ``Bag-Software-Agent``; any other bag is *foreign*.

* Ours: metadata.csv, dc/ (a valid record per row and ``collection.xml``),
  originals.txt and records.json (a pixel digest per image) must all be there;
  a missing or inconsistent piece is an error, not a reason to check less.
  Rows name files as ``data/objects/<path>``, every object has a row and an
  original's checksums; embedded values disagreeing with the sidecars are
  errors (E603, E604, E606, E609, E610), and so are changed pixels (E607).
* Foreign: the layer runs when metadata.csv exists. A row names a payload file
  or folder as ``data/objects/<path>`` or in Archivematica's transfer form
  ``objects/<path>`` (I612 says which form, W613 when both are mixed); a row
  naming nothing in the payload is an error. An object without a row (nor a
  folder row above it) is only a warning (W611): Archivematica's metadata.csv
  may describe some files, or folders, and leave the rest undescribed.
* Foreign: dc/, originals.txt and records.json are optional. When present in
  packager's format they are checked like ours, without the completeness
  rules (no collection.xml, no record in dc/ or records.json for every row, no
  pixel digest for every image, originals not matched to objects); in any
  other format they are left alone (W614).
* Foreign: an embedded value that disagrees with the row is a warning (W603,
  W604, W606, W609); an element only one side has is not reported (the images
  need not embed the description); E610 does not apply. Pixel digests given
  by a records.json are checked as in ours (E607 is an error).
* Both: each damaged metadata.csv row (too many cells, a bad quote, not
  UTF-8, an empty or repeated filename) is one E602 on its line and the other
  rows are still checked; an unusable header is one E602 on line 1, and then
  only the checks that need no rows run. The image of a damaged row (or every
  image, when no row is usable) is checked against records.json instead. A
  file the listing refused (a link out of the bag, a special file) is never
  read, and is reported as not read; when data/, data/metadata or
  data/objects is such a link, nothing at all is read.

This module owns the entry points (:func:`applies`, :func:`is_ours`,
:func:`check`), the layer's paths and size limits, and the sidecar checks:
metadata.csv rows, the Dublin Core records in dc/, originals.txt and
records.json. From the rows and records.json it works out what each image
should say (:class:`~packager.metacheck_images.Expectations`) and hands that
to :mod:`packager.metacheck_images`, which reads the images (in batches,
through local copies) and compares; that module never imports this one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from packager import issues
from packager.metadata import csvfile, dc, originals
from packager.metadata.layout import (COLLECTION_RECORD, CSV_PATH, DC_DIR, METADATA_DIR, OBJECTS_DIR, ORIGINALS_PATH,
                                      PIXEL_DIGEST_KEY, RECORDS_PATH, names_us)
from .source import BagSource, Listing, SourceError
from .images import Expectations, Pairs, ReadTags, check_images
from packager.model import Issue

OBJECTS_PREFIX = OBJECTS_DIR + "/"
#: Archivematica names objects relative to the transfer (the bag's data/ folder).
TRANSFER_DIR = "objects"
#: Largest sidecars read into memory; a larger one is reported, not read. A
#: collection of 100,000 images has a metadata.csv and records.json of a few
#: hundred MiB at most; a DC record is a few KiB.
CSV_LIMIT = RECORDS_LIMIT = ORIGINALS_LIMIT = 256 << 20
DC_LIMIT = 16 << 20
_REPACKAGE = "package the collection again"


def applies(source: BagSource) -> bool:
    """True when the bag carries a metadata layer we know how to check, or should (ours)."""
    listing = source.listing()
    return listing.is_file(CSV_PATH) or CSV_PATH in listing.refused or is_ours(source)


def is_ours(source: BagSource) -> bool:
    """True for a bag this packager wrote (its bag-info names the packager as agent)."""
    if not source.listing().is_file("bag-info.txt"):  # refused (a FIFO would block) or absent: BagIt reports it
        return False
    try:
        info = source.read_bytes("bag-info.txt").decode("utf-8", errors="replace").lstrip("\ufeff")
    except SourceError:
        return False
    return names_us(info)


def check(source: BagSource, read_tags: ReadTags | None) -> list[Issue]:
    """Every metadata problem in the bag.

    ``read_tags`` reads embedded tags (ExifTool's ``read_many``: one record per
    path, in order); without it only the sidecars are compared with each other
    (no image is decoded or read).
    """
    listing = source.listing()
    for folder in ("data", METADATA_DIR, OBJECTS_DIR):
        blocked = _blocked(listing, folder)
        if blocked:  # what lies behind could be anywhere: read nothing (the BagIt layer reports it too)
            return [issues.make("E602", path=folder, detail=f"{folder} was not read, so the metadata layer was not "
                                                            f"checked: {blocked}")]
    bag = _Bag(source, listing, is_ours(source))
    table = _read_csv(bag)
    records = _load_records(bag)
    _check_dc_records(bag, table, _identifiers(records))
    if bag.ours or bag.present(ORIGINALS_PATH):
        _check_originals(bag, table)
    _check_records_json(bag, records, table)
    if read_tags is not None:
        bag.found.extend(check_images(source, _expectations(bag, table, records), read_tags, ours=bag.ours))
    return bag.found


# --- reading the bag ----------------------------------------------------------

@dataclass
class _Bag:
    """The bag being checked, and the problems found so far."""

    source: BagSource
    listing: Listing
    ours: bool
    found: list[Issue] = field(default_factory=list)

    def report(self, code: str, path: str | None, detail: str, line: int | None = None) -> None:
        self.found.append(issues.make(code, path=path, line=line, detail=detail))

    def present(self, rel: str) -> bool:
        return rel in self.listing.files or rel in self.listing.refused

    @cached_property
    def folders(self) -> set[str]:
        """Every folder of the bag: those listed, and those above a listed file (an
        archive need not list its folders)."""
        found = set(self.listing.dirs)
        for rel in (*self.listing.files, *self.listing.refused):
            parts = rel.split("/")[:-1]
            found.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        return found

    def read(self, rel: str, limit: int, code: str) -> bytes | None:
        """A sidecar's bytes, or None with the reason reported (refused, too large, unreadable)."""
        if rel in self.listing.refused:
            why = next((p.message for p in self.listing.problems if p.path == rel), "it is not a regular file")
            self.report(code, rel, f"{rel} was not read: the BagIt layer refused it ({why}); its checks were skipped")
            return None
        try:
            return self.source.read_bytes(rel, limit=limit)
        except SourceError as exc:
            self.report(code, rel, f"{rel} was not read ({exc}); its checks were skipped: {_REPACKAGE} or "
                                   "ask the depositor for a usable copy")
            return None


def _blocked(listing: Listing, folder: str) -> str | None:
    """Why ``folder`` was not walked (a link to a folder, or missing), from the listing's problems."""
    if folder in listing.dirs:
        return None
    return next((p.message for p in listing.problems if p.path == folder), None)


def _in_folder(rel: str, folder: str) -> bool:
    """True for a file directly inside ``folder`` (not in a subfolder)."""
    return rel.startswith(folder + "/") and "/" not in rel[len(folder) + 1:]


# --- metadata.csv ---------------------------------------------------------------

@dataclass
class _Table:
    """What metadata.csv says. ``usable`` is False when it is missing or its header
    is unusable: then nothing can be said about objects without rows."""

    rows: dict[str, Pairs] = field(default_factory=dict)  # payload file -> its values
    usable: bool = False
    reported: set[str] = field(default_factory=set)  # payload paths whose row is unusable and reported
    folders: set[str] = field(default_factory=set)  # folders a row describes (foreign bags)

    def by_identifier(self) -> dict[str, str]:
        return {ident: name for name, pairs in self.rows.items() if (ident := _identifier(pairs)) is not None}

    def accounted(self) -> set[str]:
        """Payload paths the table speaks for: a good row, or one already reported
        (damaged, naming a missing or refused file): never called rowless again."""
        return set(self.rows) | self.reported


def _read_csv(bag: _Bag) -> _Table:
    """metadata.csv rows by payload file; problems with rows and against the payload."""
    table = _Table()
    if not bag.present(CSV_PATH):
        if bag.ours:
            bag.report("E602", CSV_PATH, f"{CSV_PATH} is missing, but bag-info.txt names packager as the bag's maker "
                                         f"and packager always writes it; {_REPACKAGE}")
        return table
    data = bag.read(CSV_PATH, CSV_LIMIT, "E602")
    if data is None:
        return table
    reading = csvfile.read_metadata_csv(data)
    if reading.bom:
        bag.report("W615", CSV_PATH, f"{CSV_PATH} starts with a UTF-8 byte order mark; older Archivematica releases "
                                     "then miss the 'filename' column: save it as UTF-8 without BOM")
    for problem in reading.problems:
        skipped = "" if reading.usable else "; no row could be read, so the checks that need rows were skipped"
        bag.report("E602", CSV_PATH, f"metadata.csv, line {problem.line}: {problem.message}{skipped}",
                   line=problem.line)
        target = _resolve(problem.filename, bag.ours)[0] if problem.filename else None
        if target:
            table.reported.add(target)
    if not reading.usable:
        return table
    table.usable = True
    forms = _read_rows(bag, reading.rows, table)
    _report_forms(bag, forms)
    _check_coverage(bag, table)
    return table


def _read_rows(bag: _Bag, rows: list[csvfile.CsvRow], table: _Table) -> dict[str, int]:
    """Fill ``table`` from the usable rows; return how many rows use each path form."""
    forms = {"bag": 0, "transfer": 0}
    first: dict[str, int] = {}
    for row in rows:
        target, form = _resolve(row.filename, bag.ours)
        if target is None:
            bag.report("E602", CSV_PATH, f"metadata.csv, line {row.line}: {form}", line=row.line)
            meant = _resolve(row.filename, ours=False)[0]  # e.g. objects/x in our bag: x's row is reported here
            if meant:
                table.reported.add(meant)
            continue  # never read: it could name a file outside the bag
        forms[form] += 1
        if target in first:
            bag.report("E602", CSV_PATH, f"metadata.csv, line {row.line}: {row.filename} describes {target}, which "
                                         f"line {first[target]} describes already; keep one row", line=row.line)
            continue
        first[target] = row.line
        problem = _row_target_problem(bag, target, row.filename, table)
        if problem:
            bag.report("E602", CSV_PATH, f"metadata.csv, line {row.line}: {problem}", line=row.line)
            table.reported.add(target)
        elif target in bag.listing.files:
            table.rows[target] = row.pairs
    return forms


def _resolve(filename: str, ours: bool) -> tuple[str | None, str]:
    """(bag path a row's filename names, "bag" or "transfer"), or (None, why it names nothing we may read)."""
    name = filename if ours else filename.rstrip("/")
    if name == OBJECTS_DIR or name.startswith(OBJECTS_PREFIX):
        target, form = name, "bag"
    elif not ours and (name == TRANSFER_DIR or name.startswith(TRANSFER_DIR + "/")):
        target, form = "data/" + name, "transfer"
    else:
        also = "" if ours else f" (or Archivematica's {TRANSFER_DIR}/<name>)"
        return None, f"the row names {filename!r}, which is not under {OBJECTS_PREFIX}; write {OBJECTS_PREFIX}<name>{also}"
    if any(part in ("", ".", "..") for part in target.split("/")):
        return None, (f"the row names {filename!r}, which has empty, '.' or '..' parts and could lead out of "
                      f"{OBJECTS_DIR}/; it was not read: write the plain path of the object")
    return target, form


def _row_target_problem(bag: _Bag, target: str, filename: str, table: _Table) -> str | None:
    """Why the payload path a row names cannot be described by it, or None (a folder row is noted in ``table``)."""
    listing = bag.listing
    if target in listing.files:
        return None
    if target in listing.refused:
        return (f"{filename} names {target}, which the BagIt layer refused (a link out of the bag or a special "
                "file); it was not read: replace it with the file itself")
    if target == OBJECTS_DIR or target in bag.folders:
        if bag.ours:
            return f"{filename} names the folder {target}; packager writes one row per file: {_REPACKAGE}"
        table.folders.add(target)  # Archivematica describes folders (and the whole transfer) too
        return None
    return f"{filename} names a file that is not in the payload; remove the row or restore {target}"


def _report_forms(bag: _Bag, forms: dict[str, int]) -> None:
    """Foreign bags: say which filename form metadata.csv uses (both are read)."""
    if bag.ours or not any(forms.values()):
        return
    if forms["bag"] and forms["transfer"]:
        bag.report("W613", CSV_PATH, f"metadata.csv names {forms['bag']} object(s) as {OBJECTS_PREFIX}… and "
                                     f"{forms['transfer']} as {TRANSFER_DIR}/… (Archivematica's form); both were read, "
                                     "but tools that expect one form will miss the others: use one form")
    elif forms["transfer"]:
        bag.report("I612", CSV_PATH, f"metadata.csv names objects as {TRANSFER_DIR}/… (Archivematica's form, relative "
                                     f"to data/); they were read as {OBJECTS_PREFIX}…")
    else:
        bag.report("I612", CSV_PATH, f"metadata.csv names objects as {OBJECTS_PREFIX}… (paths in the bag); "
                                     f"Archivematica expects {TRANSFER_DIR}/… if the bag is to be ingested there")


def _check_coverage(bag: _Bag, table: _Table) -> None:
    """Every object needs a row: an error in ours, a warning (W611) in a foreign bag."""
    accounted = table.accounted()
    for rel in sorted(bag.listing.files):
        if not rel.startswith(OBJECTS_PREFIX) or rel in accounted or _under_described_folder(rel, table.folders):
            continue
        if bag.ours:
            bag.report("E602", CSV_PATH, f"metadata.csv: payload file {rel} has no row; every object needs its "
                                         "description")
        else:
            bag.report("W611", rel, f"{rel} has no row in metadata.csv (nor has a folder above it), so it is kept "
                                    "without a description; add a row if it should have one")


def _under_described_folder(rel: str, folders: set[str]) -> bool:
    parts = rel.split("/")
    return any("/".join(parts[:i]) in folders for i in range(2, len(parts)))


def _identifier(pairs: Pairs) -> str | None:
    return next((v for k, v in pairs if k == "dc.identifier"), None)


# --- Dublin Core records ------------------------------------------------------

def _check_dc_records(bag: _Bag, table: _Table, known: dict[str, str]) -> None:
    """Each record in dc/ valid and equal to its row; ours: a record per row and collection.xml.

    ``known`` maps identifiers to payload paths from records.json, so that the
    record of an image whose row is damaged is not called rowless.
    """
    blocked = _blocked(bag.listing, DC_DIR)
    if blocked:
        bag.report("E602", DC_DIR, f"{DC_DIR} was not read: {blocked}")
        return
    if DC_DIR not in bag.folders:
        if bag.ours:
            bag.report("E602", DC_DIR, f"the Dublin Core records folder {DC_DIR} is missing; {_REPACKAGE}")
        return
    rows = table.by_identifier()
    matched: dict[str, str] = {}
    for rel in sorted(p for p in (*bag.listing.files, *bag.listing.refused) if _in_folder(p, DC_DIR)
                      and p.endswith(".xml")):
        pairs = _read_dc_record(bag, rel)
        if pairs is None:
            continue
        ident = _identifier(pairs)
        name = rows.get(ident or "") or known.get(ident or "")
        if name in matched:
            bag.report("E602", rel, f"{rel} describes {ident!r} again ({matched[name]} does already); keep one")
        elif name in table.rows:
            matched[name] = rel
            if sorted(pairs) != sorted(table.rows[name]):
                diff = _first_difference(sorted(pairs), sorted(table.rows[name]))
                bag.report("E602", rel, f"{rel} and the metadata.csv row for {name} disagree: {diff}")
        elif table.usable and name not in table.reported:
            bag.report("E602", rel, f"{rel} describes {ident!r}, which has no row in metadata.csv")
    if bag.ours and table.usable:
        for ident, name in sorted(rows.items()):
            if name not in matched:
                bag.report("E602", name, f"{name} ({ident}) has no Dublin Core record in {DC_DIR}")
    if bag.ours and f"{DC_DIR}/{COLLECTION_RECORD}" not in bag.listing.files:
        bag.report("E602", f"{DC_DIR}/{COLLECTION_RECORD}", "the collection's Dublin Core record is missing")


def _read_dc_record(bag: _Bag, rel: str) -> Pairs | None:
    """The pairs of an item's record; None for the collection record, a record that
    is invalid (E601) or unreadable, and, in foreign bags, XML of another kind (W614)."""
    data = bag.read(rel, DC_LIMIT, "E602")
    if data is None:
        return None
    if not bag.ours and dc.RECORD_NS.encode() not in data[:4096]:
        bag.report("W614", rel, f"{rel} is not a packager Dublin Core record (no {dc.RECORD_NS} namespace), "
                                "so it was not checked")
        return None
    errors = dc.validate_dc_record(data)
    for message in errors:
        bag.found.append(issues.make("E601", path=rel, file=rel, schema="packager/schemas/dc", detail=message))
    if errors or rel.endswith("/" + COLLECTION_RECORD):
        return None
    try:
        return dc.parse_dc_record(data)
    except ValueError as exc:  # schema-valid but not shaped as we read it: report, never crash
        bag.found.append(issues.make("E601", path=rel, file=rel, schema="packager/schemas/dc", detail=str(exc)))
        return None


def _first_difference(a: Pairs, b: Pairs) -> str:
    only_a = [p for p in a if p not in b]
    only_b = [p for p in b if p not in a]
    if only_a:
        return f"record has {only_a[0][0]}={only_a[0][1]!r}"
    return f"metadata.csv has {only_b[0][0]}={only_b[0][1]!r}"


# --- originals checksums ------------------------------------------------------

def _check_originals(bag: _Bag, table: _Table) -> None:
    """The originals checksum file, one E605 per bad line; ours: every object has its
    original's checksums and every original its object."""
    if not bag.present(ORIGINALS_PATH):
        bag.report("E605", ORIGINALS_PATH, f"{ORIGINALS_PATH} (checksums of the untouched originals) is missing; "
                                           f"the chain of custody is broken: {_REPACKAGE}")
        return
    data = bag.read(ORIGINALS_PATH, ORIGINALS_LIMIT, "E605")
    if data is None:
        return
    magic = originals.ORIGINALS_MAGIC.rsplit(" ", 1)[0].encode()
    if not bag.ours and not data.startswith(magic):
        bag.report("W614", ORIGINALS_PATH, f"{ORIGINALS_PATH} does not start with {magic.decode()!r}, so it is not "
                                           "a packager originals checksum file and was not checked")
        return
    entries, problems = originals.read_originals_manifest(data)
    for p in problems:
        where = f", line {p.line}" if p.line else ""
        bag.report("E605", ORIGINALS_PATH, f"{ORIGINALS_PATH}{where}: {p.message}; each line must read "
                                           "'<algorithm> <lowercase hex>  <path>' (sha256 and sha512 for every path) "
                                           "under the header", line=p.line)
    if bag.ours:
        objects = table.accounted() if table.usable else {p for p in bag.listing.files if p.startswith(OBJECTS_PREFIX)}
        _check_custody(bag, [name for name, _digests in entries], sorted(objects))


def _check_custody(bag: _Bag, originals: list[str], objects: list[str]) -> None:
    """Our writer names each original <image folder>/<path under data/objects/>: an
    object's path under data/objects/ is the original's path or a '/'-bounded tail of it."""
    relative = {payload[len(OBJECTS_PREFIX):] for payload in objects}
    tails = {tail for name in originals for tail in _tails(name)}
    for payload in objects:
        if payload[len(OBJECTS_PREFIX):] not in tails:
            bag.report("E605", ORIGINALS_PATH, f"{ORIGINALS_PATH} has no checksum of the original of {payload}; "
                                               f"the chain of custody is broken: {_REPACKAGE}")
    for name in originals:
        if relative.isdisjoint(_tails(name)):
            bag.report("E605", ORIGINALS_PATH, f"{ORIGINALS_PATH} lists the original {name}, but the bag has no "
                                               "object made from it: an item was removed after packaging; ask the "
                                               "depositor for the complete package")


def _tails(name: str) -> list[str]:
    """``a/b/c`` -> ``a/b/c``, ``b/c``, ``c``."""
    parts = name.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


# --- records.json -------------------------------------------------------------

def _load_records(bag: _Bag) -> list[dict[str, Any]] | None:
    """The items of records.json, or None when absent or unusable (reported)."""
    if not bag.present(RECORDS_PATH):
        if bag.ours:
            bag.report("E602", RECORDS_PATH, f"{RECORDS_PATH} (the full records, with each image's pixel digest) is "
                                             f"missing from a bag written by packager; {_REPACKAGE}")
        return None
    data = bag.read(RECORDS_PATH, RECORDS_LIMIT, "E602")
    if data is None:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        problem = f"is not valid JSON ({str(exc)[:200]})"
    else:
        items = doc.get("items") if isinstance(doc, dict) else None
        if isinstance(items, list) and all(isinstance(i, dict) for i in items):
            return items
        problem = "has no 'items' list of records"
    if bag.ours:
        bag.report("E602", RECORDS_PATH, f"{RECORDS_PATH} {problem}; {_REPACKAGE}")
    else:
        bag.report("W614", RECORDS_PATH, f"{RECORDS_PATH} {problem}, so it is not packager's records file and was "
                                         "not checked")
    return None


def _identifiers(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(i["identifier"]): str(i.get("payload", "")) for i in items or () if i.get("identifier")}


def _record_pairs(item: dict[str, Any]) -> Pairs | None:
    listed = item.get("dublin_core")
    if not isinstance(listed, list):
        return None
    return [(str(p.get("element")), str(p.get("value"))) for p in listed if isinstance(p, dict)]


def _check_records_json(bag: _Bag, items: list[dict[str, Any]] | None, table: _Table) -> None:
    """records.json (our full records) must agree with metadata.csv; in ours it must
    also describe every row, each item with its pixel digest (checked with the images)."""
    if items is None:
        return
    described = {str(item.get("payload", "")) for item in items}
    if bag.ours and table.usable:
        for name in sorted(set(table.rows) - described):
            bag.report("E602", RECORDS_PATH, f"{RECORDS_PATH} has no record of {name}, which has a row in "
                                             f"metadata.csv; {_REPACKAGE}")
    for item in items:
        payload = str(item.get("payload", ""))
        if payload in table.rows:
            pairs = sorted(_record_pairs(item) or [])
            if pairs != sorted(table.rows[payload]):
                diff = _first_difference(pairs, sorted(table.rows[payload]))
                bag.report("E602", RECORDS_PATH, f"{RECORDS_PATH} and metadata.csv disagree about {payload}: {diff}")
        elif table.usable and payload not in table.reported:
            bag.report("E602", RECORDS_PATH, f"{RECORDS_PATH} describes {payload or '?'}, which has no row in "
                                             "metadata.csv")
        if bag.ours and _pixel_digest_of(item) is None:
            bag.report("E602", RECORDS_PATH, f"{RECORDS_PATH} gives no pixel digest ({PIXEL_DIGEST_KEY}, 64 lowercase hex "
                                             f"digits) for {payload or '?'}, so its pixels cannot be proven "
                                             f"unchanged; {_REPACKAGE}")


def _pixel_digest_of(item: dict[str, Any]) -> str | None:
    digest = item.get(PIXEL_DIGEST_KEY)
    return digest if isinstance(digest, str) and re.fullmatch("[0-9a-f]{64}", digest) else None


def _written_tags(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The tag set records.json says was embedded, by payload path."""
    return {str(item.get("payload")): item["tags"] for item in items or () if isinstance(item.get("tags"), dict)}


# --- what the images should say -------------------------------------------------

def _expectations(bag: _Bag, table: _Table, items: list[dict[str, Any]] | None) -> Expectations:
    """Rows first; records.json stands in for a damaged row or an unusable metadata.csv."""
    values = dict(table.rows)
    digests: dict[str, str] = {}
    for item in items or ():
        payload = str(item.get("payload", ""))
        if payload not in bag.listing.files or not payload.startswith(OBJECTS_PREFIX):
            continue  # only files of the payload are ever read
        pairs = _record_pairs(item)
        if pairs is not None and payload not in values and (not table.usable or payload in table.reported):
            values[payload] = pairs
        digest = _pixel_digest_of(item)
        if digest:
            digests[payload] = digest
    return Expectations(values, digests, _written_tags(items) if bag.ours else {})
