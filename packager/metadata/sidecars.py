"""The sidecars of a bag, written item by item as the items are embedded.

What :mod:`packager.metadata.layout` names under ``data/metadata/``: a Dublin
Core record per item (``dc/<identifier>.xml``) and one for the collection,
``metadata.csv`` (a row per object, then the collection's directory-level
row), ``originals.txt``, ``records.json``, ``mets.xml`` and ``premis.xml``.
Each is written as its items arrive, so memory stays flat in the number of
items: ``records.json`` and ``originals.txt`` are appended to in place, the
rows of ``metadata.csv`` wait in a temporary file until the last row has fixed
the columns, and the sections of the METS and PREMIS documents wait in
temporary files until they are joined (:mod:`.mets`, :mod:`.premis`). Paths
of this machine never enter a sidecar: under the collection folder they are
written relative to it (:func:`portable`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from packager.collection.config import CollectionConfig
from packager.model import Issue, ItemResult

from . import csvfile, dc, layout, originals
from .mets import MetsXml, facts_from
from .premis import PremisXml
from .records import RecordsJson, collection_dc, item_dict

#: The filename of metadata.csv's row for the collection: Archivematica's directory-level row for the
#: whole objects folder, in the ``data/`` form its documentation gives for bags.
COLLECTION_ROW = layout.OBJECTS_DIR
#: Bytes of each embedded copy read to tell its format version (JFIF's APP0, GIF's signature).
_HEADER = 32


class Writer(Protocol):
    """What the sidecars need of a bag writer (:class:`packager.bag.writer.BagWriter`)."""

    @property
    def bagging_date(self) -> _dt.date: ...

    @property
    def algorithms(self) -> tuple[str, ...]: ...

    def payload_digests(self) -> Mapping[str, Mapping[str, str]]: ...

    def path_for(self, relpath: str) -> Path: ...

    def add_bytes(self, relpath: str, data: bytes) -> Path: ...

    def record(self, relpath: str) -> None: ...


class Sidecars:
    """Use as a context manager; :meth:`add` each item as embedded, in order, then :meth:`close`."""

    def __init__(self, writer: Writer, cfg: CollectionConfig, software: dict[str, str]) -> None:
        self._writer, self._cfg, self._software = writer, cfg, software
        self._replace = _prefixes(cfg)
        source = cfg.images.relative_to(cfg.root) if cfg.images.is_relative_to(cfg.root) else Path(cfg.images.name)
        self._source_root = Path(source)
        self._widths: dict[str, int] = {}
        self._seen: set[str] = set()
        self._files: list[BinaryIO] = []

    def __enter__(self) -> Sidecars:
        self._records_file = self._open(layout.RECORDS)
        self._records = RecordsJson(self._records_file, self._software, self._cfg)
        self._originals = self._open(layout.ORIGINALS)
        self._originals.write(originals.ORIGINALS_HEADER.encode("utf-8"))
        self._rows = tempfile.TemporaryFile(prefix="packager-rows-")
        self._files.append(self._rows)
        info, date = self._cfg.info, self._writer.bagging_date
        self._mets = MetsXml(info.identifier, info.title, date, self._software, self._writer.algorithms)
        self._premis = PremisXml(info.identifier, date, self._software)
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._files:
            handle.close()
        self._mets.close()
        self._premis.close()

    def _open(self, relpath: str) -> BinaryIO:
        handle = open(self._writer.path_for(relpath), "xb")  # noqa: SIM115 - closed by __exit__
        self._files.append(handle)
        return handle

    def add(self, item: ItemResult) -> None:
        """One embedded item's sidecar record, CSV row, originals lines and records.json entry."""
        pairs = list(item.dublin_core)
        self._writer.add_bytes(f"{layout.DC}/{item.identifier}.xml", dc.dc_record_bytes(pairs, item.identifier))
        csvfile.count_columns(item.payload or "", pairs, self._widths)
        self._rows.write(json.dumps([item.payload or "", pairs], ensure_ascii=False).encode("utf-8") + b"\n")
        path = (self._source_root / item.file).as_posix()
        self._originals.write(originals.originals_lines(path, dict(item.original_digests), self._seen).encode("utf-8"))
        self._records.add(portable(item_dict(item), self._replace))
        copy = self._writer.path_for(f"{layout.OBJECTS}/{item.file}")
        with open(copy, "rb") as fh:
            header, size = fh.read(_HEADER), os.fstat(fh.fileno()).st_size
        digests = self._writer.payload_digests().get(item.payload or layout.object_path(item.file), {})
        facts = facts_from(item, path, size, digests, header)
        self._mets.add(facts, pairs)
        self._premis.add(facts)

    def close(self, found: Iterable[Issue]) -> None:
        """Finish every sidecar and have the writer hash it."""
        info = self._cfg.info
        self._writer.add_bytes(f"{layout.DC}/{layout.COLLECTION_RECORD}",
                               dc.dc_record_bytes(collection_dc(info), info.identifier))
        self._records.close([portable(i.to_dict(), self._replace) for i in found])
        collection = collection_dc(info)
        csvfile.count_columns(COLLECTION_ROW, collection, self._widths)
        with open(self._writer.path_for(layout.CSV), "x", encoding="utf-8", newline="") as out:
            csvfile.write_metadata_csv(out, list(self._widths.items()), self._stored_rows(collection))
        with open(self._writer.path_for(layout.METS), "xb") as out_mets:
            self._mets.finish(out_mets, collection)
        with open(self._writer.path_for(layout.PREMIS), "xb") as out_premis:
            self._premis.finish(out_premis)
        for handle in (self._records_file, self._originals):
            handle.flush()
        for relpath in (layout.RECORDS, layout.ORIGINALS, layout.CSV, layout.METS, layout.PREMIS):
            self._writer.record(relpath)

    def _stored_rows(self, collection: list[tuple[str, str]]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        """The objects' rows in collection order, then the collection's directory-level row."""
        self._rows.seek(0)
        for line in self._rows:
            filename, pairs = json.loads(line)
            yield filename, [(k, v) for k, v in pairs]
        yield COLLECTION_ROW, collection


def _prefixes(cfg: CollectionConfig) -> list[tuple[str, str]]:
    """Folders of this machine and what stands for them in a sidecar, longest first."""
    root = str(cfg.root.resolve())
    found = {root + os.sep: "", root: "."}
    if not cfg.images.resolve().is_relative_to(cfg.root.resolve()):
        images = str(cfg.images.resolve())
        found.update({images + os.sep: cfg.images.name + "/", images: cfg.images.name})
    return sorted(found.items(), key=lambda pair: -len(pair[0]))


def portable(value: Any, prefixes: list[tuple[str, str]]) -> Any:
    """``value`` (JSON data) with every path of this machine written relative to the collection folder."""
    if isinstance(value, str):
        for prefix, short in prefixes:
            value = value.replace(prefix, short)
        return value
    if isinstance(value, list | tuple):
        return type(value)(portable(v, prefixes) for v in value)
    if isinstance(value, dict):
        return {k: portable(v, prefixes) for k, v in value.items()}
    return value
