"""records.json read as a stream of items (ijson), memory flat in their number.

records.json holds every item's full record and the tags written into its
image, several KiB an item: hundreds of MiB for a large collection. It is
never loaded whole: a first look reads the document only up to the start of
its ``items`` array (a JSON object whose ``items`` is an array), then the
items are built one at a time by ijson's C backend. The verdicts are those of
loading the whole document: a document that is not JSON is
``records_not_json`` even when its structure went wrong first, and a document
that is JSON but has no ``items`` array of objects is ``records_no_items``.
Items already handed out before such a verdict must be discarded by the
caller: the verdict comes as :class:`NotRecords` when it is known.

Differences from ``json.loads`` (documents our writer never makes): integers
beyond 64 bits and NaN or Infinity are not JSON here; when ``items`` is
given twice, the items of the first array are read, not those of the last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import IO, Any

import ijson

Opener = Callable[[], AbstractContextManager[IO[bytes]]]


class NotRecords(Exception):
    """records.json is not JSON (``what`` records_not_json, with ``error``) or has no
    array of item objects (records_no_items)."""

    def __init__(self, what: str, error: str = "") -> None:
        super().__init__(what, error)
        self.what, self.error = what, error


def items(open_stream: Opener) -> Iterator[dict[str, Any]]:
    """Every item of records.json, in file order; NotRecords once the document proves unusable."""
    with open_stream() as fh:
        _find_items(fh)
    with open_stream() as fh:
        found = ijson.items(fh, "items.item", use_float=True)
        try:
            for item in found:
                if not isinstance(item, dict):
                    for _ in found:  # a syntax error further on is the verdict that counts
                        pass
                    raise NotRecords("records_no_items")
                yield item
        except ijson.JSONError as exc:
            raise NotRecords("records_not_json", _first_line(exc)) from None


def _find_items(fh: IO[bytes]) -> None:
    """Read up to the start of the top-level ``items`` array; NotRecords when there is none."""
    events = ijson.parse(fh, use_float=True)
    try:
        first = next(events, None)
        if first is None:
            raise NotRecords("records_not_json", "the file is empty")
        if first[:2] == ("", "start_map"):
            for prefix, event, _value in events:
                if prefix == "items" and event != "map_key":
                    if event == "start_array":
                        return
                    break  # items is not an array
        for _ in events:  # structure is wrong: is it JSON at all?
            pass
    except ijson.JSONError as exc:
        raise NotRecords("records_not_json", _first_line(exc)) from None
    raise NotRecords("records_no_items")


def _first_line(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0][:200] if str(text).strip() else type(exc).__name__
