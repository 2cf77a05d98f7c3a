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

import json
import re
from typing import Any

from packager import issues
from packager.metadata import dc, originals
from packager.metadata.layout import COLLECTION_RECORD, DC_DIR, ORIGINALS_PATH, PIXEL_DIGEST_KEY, RECORDS_PATH

from .images import Pairs
from .metabag import OBJECTS_PREFIX, _Bag, _blocked, _in_folder
from .metacsv import _identifier, _Table

#: Largest sidecars read into memory; a larger one is reported, not read. A
#: collection of 100,000 images has records.json and originals.txt of a few
#: hundred MiB at most; a DC record is a few KiB.
RECORDS_LIMIT = ORIGINALS_LIMIT = 256 << 20
DC_LIMIT = 16 << 20


# --- Dublin Core records ------------------------------------------------------

def _check_dc_records(bag: _Bag, table: _Table, known: dict[str, str]) -> None:
    """Each record in dc/ valid and equal to its row; ours: a record per row and collection.xml.

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
        pairs = _read_dc_record(bag, rel)
        if pairs is None:
            continue
        ident = _identifier(pairs)
        name = rows.get(ident or "") or known.get(ident or "")
        if name in matched:
            bag.report("E602", "dc_twice", rel, identifier=ident, other=matched[name])
        elif name in table.rows:
            matched[name] = rel
            if sorted(pairs) != sorted(table.rows[name]):
                bag.report("E602", "dc_disagrees", rel, payload=name,
                           difference=_first_difference(sorted(pairs), sorted(table.rows[name])))
        elif table.usable and name not in table.reported:
            bag.report("E602", "dc_without_row", rel, identifier=ident)
    if bag.ours and table.usable:
        for ident, name in sorted(rows.items()):
            if name not in matched:
                bag.report("E602", "row_without_dc", name, identifier=ident, folder=DC_DIR)
    if bag.ours and f"{DC_DIR}/{COLLECTION_RECORD}" not in bag.listing.files:
        bag.report("E602", "collection_record_missing", f"{DC_DIR}/{COLLECTION_RECORD}")


def _read_dc_record(bag: _Bag, rel: str) -> Pairs | None:
    """The pairs of an item's record; None for the collection record, a record that
    is invalid (E601) or unreadable, and, in foreign bags, XML of another kind (W614)."""
    data = bag.read(rel, DC_LIMIT, "E602")
    if data is None:
        return None
    if not bag.ours and dc.RECORD_NS.encode() not in data[:4096]:
        bag.report("W614", "dc_record", rel, namespace=dc.RECORD_NS)
        return None
    errors = dc.validate_dc_record(data)
    for message in errors:
        bag.found.append(issues.make("E601", path=rel, file=rel, schema="packager/schemas/dc", error=message))
    if errors or rel.endswith("/" + COLLECTION_RECORD):
        return None
    try:
        return dc.parse_dc_record(data)
    except ValueError as exc:  # schema-valid but not shaped as we read it: report, never crash
        bag.found.append(issues.make("E601", path=rel, file=rel, schema="packager/schemas/dc", error=exc))
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
        bag.report("E605", "missing", ORIGINALS_PATH)
        return
    data = bag.read(ORIGINALS_PATH, ORIGINALS_LIMIT, "E605")
    if data is None:
        return
    magic = originals.ORIGINALS_MAGIC.rsplit(" ", 1)[0].encode()
    if not bag.ours and not data.startswith(magic):
        bag.report("W614", "originals", ORIGINALS_PATH, magic=magic.decode())
        return
    entries, problems = originals.read_originals_manifest(data)
    for p in problems:
        bag.report("E605", "bad_line" if p.line else "bad_file", ORIGINALS_PATH, line=p.line, reason=p.message)
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
            bag.report("E605", "no_original", ORIGINALS_PATH, payload=payload)
    for name in originals:
        if relative.isdisjoint(_tails(name)):
            bag.report("E605", "no_object", ORIGINALS_PATH, original=name)


def _tails(name: str) -> list[str]:
    """``a/b/c`` -> ``a/b/c``, ``b/c``, ``c``."""
    parts = name.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


# --- records.json -------------------------------------------------------------

def _load_records(bag: _Bag) -> list[dict[str, Any]] | None:
    """The items of records.json, or None when absent or unusable (reported)."""
    if not bag.present(RECORDS_PATH):
        if bag.ours:
            bag.report("E602", "records_missing", RECORDS_PATH)
        return None
    data = bag.read(RECORDS_PATH, RECORDS_LIMIT, "E602")
    if data is None:
        return None
    code = "E602" if bag.ours else "W614"  # not packager's records file: left alone in a foreign bag
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        bag.report(code, "records_not_json", RECORDS_PATH, error=str(exc)[:200])
        return None
    items = doc.get("items") if isinstance(doc, dict) else None
    if isinstance(items, list) and all(isinstance(i, dict) for i in items):
        return items
    bag.report(code, "records_no_items", RECORDS_PATH)
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
            bag.report("E602", "records_missing_row", RECORDS_PATH, payload=name)
    for item in items:
        payload = str(item.get("payload", ""))
        if payload in table.rows:
            pairs = sorted(_record_pairs(item) or [])
            if pairs != sorted(table.rows[payload]):
                bag.report("E602", "records_disagree", RECORDS_PATH, payload=payload,
                           difference=_first_difference(pairs, sorted(table.rows[payload])))
        elif table.usable and payload not in table.reported:
            bag.report("E602", "records_without_row", RECORDS_PATH, payload=payload or "?")
        if bag.ours and _pixel_digest_of(item) is None:
            bag.report("E602", "records_no_pixel_digest", RECORDS_PATH, key=PIXEL_DIGEST_KEY, payload=payload or "?")


def _pixel_digest_of(item: dict[str, Any]) -> str | None:
    digest = item.get(PIXEL_DIGEST_KEY)
    return digest if isinstance(digest, str) and re.fullmatch("(jpeg:)?[0-9a-f]{64}", digest) else None


def _written_tags(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The tag set records.json says was embedded, by payload path."""
    return {str(item.get("payload")): item["tags"] for item in items or () if isinstance(item.get("tags"), dict)}
