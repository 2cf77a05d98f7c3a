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

ijson hands out each string whole, so one string of hundreds of MiB (a hostile
bag) would be held whole: the stream is read through :class:`_Bounded`, which
stops at :data:`VALUE_LIMIT` bytes without a double quote (no string, number
or run of white space our writer makes comes near it) with ``records_value_too_long``.

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
#: Most bytes read between two double quotes: longer is no records.json we write (8 MiB, as metadata.csv's lines).
VALUE_LIMIT = 8 << 20


class NotRecords(Exception):
    """records.json is not JSON (``what`` records_not_json, with ``error``) or has no
    array of item objects (records_no_items)."""

    def __init__(self, what: str, error: str = "") -> None:
        super().__init__(what, error)
        self.what, self.error = what, error


def items(open_stream: Opener) -> Iterator[dict[str, Any]]:
    """Every item of records.json, in file order; NotRecords once the document proves unusable."""
    with open_stream() as fh:
        _find_items(_Bounded(fh))
    with open_stream() as fh:
        found = ijson.items(_Bounded(fh), "items.item", use_float=True)
        try:
            for item in found:
                if not isinstance(item, dict):
                    for _ in found:  # a syntax error further on is the verdict that counts
                        pass
                    raise NotRecords("records_no_items")
                yield item
        except ijson.JSONError as exc:
            raise NotRecords("records_not_json", _first_line(exc)) from None


class _Bounded:
    """A binary stream that raises NotRecords once :data:`VALUE_LIMIT` bytes pass without a double quote."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._run = 0  # bytes since the last double quote

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        first = data.find(b'"')
        if first < 0:
            self._run += len(data)
        else:
            longest = max(self._run + first, _longest_between_quotes(data, first))
            self._run = len(data) - data.rfind(b'"') - 1
            if longest > VALUE_LIMIT:
                raise NotRecords("records_value_too_long")
        if self._run > VALUE_LIMIT:
            raise NotRecords("records_value_too_long")
        return data


def _longest_between_quotes(data: bytes, first: int) -> int:
    """The longest run of bytes between two double quotes of ``data`` after the one at ``first``
    (0 for a chunk too short to hold one over the limit, as every chunk ijson asks for is)."""
    if len(data) <= VALUE_LIMIT:
        return 0
    longest, start = 0, first + 1
    while (end := data.find(b'"', start)) >= 0:
        longest, start = max(longest, end - start), end + 1
    return longest


def _find_items(fh: _Bounded) -> None:
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
