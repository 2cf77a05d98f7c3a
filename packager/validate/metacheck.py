"""The metadata layer of bag validation: what it requires, and its entry points.

For a bag that carries ``data/metadata/metadata.csv`` (ours, or any
Archivematica-style bag), check that the sidecars agree with the payload and
with each other, and that the metadata embedded in each image says what the
sidecar records say. The bag is read only through a
:class:`~.source.BagSource` (a folder, or an archive read in place): paths
come from its listing, sidecars from ``read_bytes`` with a size limit, images
from short-lived local copies for ExifTool and Pillow (which may have no file
extension). Nothing the packager wrote is trusted, and nothing here imports
the bag writer.

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
:func:`check`) and the hand-off to the images. The sidecar checks are in
:mod:`.metacsv` (metadata.csv rows) and :mod:`.sidecars` (the Dublin Core
records in dc/, originals.txt, records.json), both working on the
:class:`~.metabag._Bag`. From the rows and records.json this module works out
what each image should say (:class:`~.images.Expectations`) and hands that to
:mod:`.images`, which reads the images (in batches, through local copies) and
compares; that module never imports the sidecar modules. See
docs/validator.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.metadata.layout import CSV_PATH, METADATA_DIR, OBJECTS_DIR, ORIGINALS_PATH, names_us
from packager.model import Issue

from .capped import Capped
from .source import BagSource

if TYPE_CHECKING:
    from .images import Expectations, ReadTags
    from .metabag import _Bag
    from .metacsv import _Table
    from .proven import Proven
    from .spill import Spill


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


def check(source: BagSource, read_tags: ReadTags | Sequence[ReadTags] | None, *, workers: int | None = None,
          proven: Proven | None = None) -> list[Issue]:
    """Every metadata problem in the bag.

    ``read_tags`` reads embedded tags (ExifTool's ``read_many``: one record per
    path, in order), or is a sequence of such readers that may run side by side
    (one ExifTool session each); ``workers`` threads check the images (None: one
    per core). Without a reader only the sidecars are compared with each other
    (no image is decoded or read), unless ``proven`` gives the tags: then its
    tags and pixel digests stand in for reading and measuring the images.
    """
    # The sidecar and image modules (lxml, ijson, the crosswalk) load only when a bag has this layer.
    from .images import Look, check_images
    from .metabag import _Bag, _blocked
    from .metacsv import _read_csv
    from .sidecars import _check_dc_records, _check_originals, _read_records
    from .spill import Spill

    listing = source.listing()
    for folder in ("data", METADATA_DIR, OBJECTS_DIR):
        blocked = _blocked(listing, folder)
        if blocked:  # what lies behind could be anywhere: read nothing (the BagIt layer reports it too)
            return [situation("E602", "folder_blocked", path=folder, why=blocked)]
    bag = _Bag(source, listing, is_ours(source))
    store = Spill()
    try:
        table = _read_csv(bag, store)
        records = _read_records(bag, table, store)
        _check_dc_records(bag, table, records.known if records else {})
        if bag.ours or bag.present(ORIGINALS_PATH):
            _check_originals(bag, table)
        if records is not None:
            bag.found.extend(records.problems)
        from .mets import check_mets  # mets.xml and premis.xml, and metadata.csv's collection row

        check_mets(bag, table, store)
        readers = [read_tags] if callable(read_tags) else list(read_tags or ())
        if readers or proven is not None:
            from .hashpool import resolve_workers

            look = Look(readers, resolve_workers(workers), proven.tags if proven else None,
                        proven.pixel_digests if proven else {})
            bag.found.extend(check_images(source, _expectations(bag, table, store), look, ours=bag.ours))
    finally:
        store.close()
    found = bag.found
    return list(found.issues()) if isinstance(found, Capped) else found


# --- what the images should say -------------------------------------------------

def _expectations(bag: _Bag, table: _Table, store: Spill) -> Expectations:
    """Rows first; records.json stands in for a damaged row or an unusable metadata.csv."""
    from .images import Expectations, Expected
    from .metacsv import ROW
    from .sidecars import PIXELS, RECORD_PAIRS, WRITTEN

    def lookup(name: str) -> Expected:
        values = store.get(ROW, name) if name in table.rows else store.get(RECORD_PAIRS, name)
        return Expected(values, store.get(PIXELS, name), store.get(WRITTEN, name))

    names = sorted({*table.rows, *store.keys(RECORD_PAIRS), *store.keys(PIXELS)})
    return Expectations(names, lookup, lambda name: (PIXELS, name) in store)
