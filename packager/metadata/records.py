"""``records.json`` and the collection's own description: the records as packaged.

``records.json`` holds, for every item, its record, issues, the tag set written
into the image, the digest of its decoded pixels (:data:`~.layout.PIXEL_DIGEST_KEY`)
and, under ``replaced``, every value of the image's own that the bag's copy no
longer holds (``{"tag", "old", "new"}``, ``new`` null when it was removed);
``packager extract --json`` and ``bag --json`` print items in the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

from packager.collection.config import CollectionConfig
from packager.model import CollectionInfo, Issue, ItemResult

from .layout import PIXEL_DIGEST_KEY

DCPairs = list[tuple[str, str]]


def item_dict(item: ItemResult) -> dict[str, Any]:
    """One item as JSON: its record's fields, then issues, tags, Dublin Core, payload path and pixel digest."""
    out: dict[str, Any] = item.record.to_dict()
    out["issues"] = [i.to_dict() for i in item.issues]
    out["tags"] = dict(item.tags)
    out["dublin_core"] = [{"element": k, "value": v} for k, v in item.dublin_core]
    if item.payload:
        out["payload"] = item.payload
    if item.pixel_digest:
        out[PIXEL_DIGEST_KEY] = item.pixel_digest
    if item.replaced:  # the image's own values that the bag's copy no longer holds (W313/W314)
        out["replaced"] = [dict(change) for change in item.replaced]
    return out


def collection_dict(cfg: CollectionConfig) -> dict[str, Any]:
    """The collection's facts as JSON (``collection`` in records.json and in ``--json`` output)."""
    info = cfg.info
    return {"identifier": info.identifier, "title": info.title, "description": info.description,
            "language": info.language, "rights": info.rights, "creator": list(info.creator),
            "publisher": info.publisher, "date": info.date, "coverage": info.coverage, "source": info.source,
            "digital_source_type": info.digital_source_type, "config": cfg.path.name}


def collection_dc(info: CollectionInfo) -> DCPairs:
    """Dublin Core pairs describing the collection as a whole (``dc/collection.xml``)."""
    pairs = [("dc.identifier", info.identifier), ("dc.title", info.title)]
    simple = [("dc.description", info.description), ("dc.publisher", info.publisher), ("dc.date", info.date),
              ("dc.coverage", info.coverage), ("dc.source", info.source), ("dc.language", info.language),
              ("dc.rights", info.rights)]
    pairs += [(k, v) for k, v in simple if v]
    pairs += [("dc.creator", v) for v in info.creator] + [("dc.contributor", v) for v in info.contributor]
    pairs += [("dc.subject", v) for v in info.subject]
    pairs.append(("dc.type", "Collection"))
    return pairs


def records_json_bytes(software: dict[str, str], cfg: CollectionConfig, items: Iterable[ItemResult],
                       found: Iterable[Issue]) -> bytes:
    """``records.json``: the software, the collection, every item and the collection's issues."""
    document = {"software": software, "collection": collection_dict(cfg),
                "items": [item_dict(r) for r in items], "issues": [i.to_dict() for i in found]}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class RecordsJson:
    """``records.json`` written item by item to an open binary file, byte for byte what
    :func:`records_json_bytes` gives for the same items: memory stays flat in their number."""

    def __init__(self, out: BinaryIO, software: dict[str, str], cfg: CollectionConfig) -> None:
        self._out = out
        self._count = 0
        head = {"software": software, "collection": collection_dict(cfg)}
        text = json.dumps(head, ensure_ascii=False, indent=2)
        out.write((text[:-2] + ',\n  "items": [').encode("utf-8"))  # the head without its closing "\n}"

    def add(self, item: dict[str, Any]) -> None:
        """One item, as :func:`item_dict` gives it."""
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        self._out.write((("," if self._count else "") + "\n    " + text).encode("utf-8"))
        self._count += 1

    def close(self, found: list[dict[str, Any]]) -> None:
        """The collection's issues (as ``Issue.to_dict`` gives them), and the end of the document."""
        issues = json.dumps(found, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        self._out.write((("\n  ]" if self._count else "]") + ',\n  "issues": ' + issues + "\n}\n").encode("utf-8"))
