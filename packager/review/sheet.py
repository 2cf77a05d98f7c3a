"""The review sheet: the analysis laid out for an archivist to check and correct.

``packager review`` writes one row per item (:data:`HEADER`); the archivist
edits cells in a spreadsheet, and every later ``extract`` or ``bag`` run
reads the sheet and lets the archivist's values win (provenance
``archivist``). Cell encoding is in :mod:`packager.review.cells`.

*Which cells are edits.* A cell is an edit when it differs from the value
the analysis gave when the sheet was written. The sheet keeps that
knowledge itself: the last column, ``analysed``, holds a short digest of
each editable column's analysed value (``title=1f0c9a2e city=...``). So the
comparison is three-way: a newer packager whose analysis changed updates
every cell the person left alone (it equals the old digest) and keeps every
cell the person changed, even where the new analysis differs from both. A
sheet whose ``analysed`` column was deleted falls back to comparing with the
current analysis (W125).

*Matching rows to images.* A row belongs to an item only when its
identifier, file name and caption fingerprint (a SHA-256 of the caption)
all still agree. Anything else (an image renamed or removed, a caption
changed, a row repeated, an identifier that now names another file) is
reported for that row, with the sheet, row and what to do, and the row is
never applied: E121 when the row holds edits (which stops ``bag``), W122
when it holds none (nothing is lost; ``review`` drops it).

*Rewriting.* ``review`` on an edited sheet keeps every edit (with the digest
it was made against, so it stays an edit), refreshes the other cells, and
refuses to write while a row with edits matches no item, so edits are never
dropped silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packager import issues
from packager.analysis import overrides
from packager.analysis.entities import source_type_uri
from packager.analysis.places import lookup
from packager.errors import SheetSyntaxError, UnusableValue
from packager.model import ARCHIVIST, Issue, ItemResult, Location, Record, mark

from .cells import join_list, read_table, split_list, table_bytes

IDENTITY = ("identifier", "file", "fingerprint")
LEVELS = ("sublocation", "city", "province_state", "country")
PLACE = LEVELS + ("country_code",)
LISTS = ("organisations", "persons_shown", "persons_mentioned", "events", "keywords")
EDITABLE = ("title", "digital_source_type", "truncated") + PLACE + LISTS
ANALYSED = "analysed"
HEADER = IDENTITY + ("caption",) + EDITABLE + ("issues", ANALYSED)
_YES, _NO = "yes", "no"


@dataclass(frozen=True)
class Row:
    """One sheet row as read: its row number (header: 1), cells by column, analysed digests (None: none)."""

    line: int
    cells: Mapping[str, str]
    digests: Mapping[str, str] | None

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True)
class Sheet:
    path: Path
    rows: tuple[Row, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """A row that belongs to an item, with the cells the archivist changed."""

    row: Row
    edits: Mapping[str, str]


# --- values shown in the sheet ---------------------------------------------------------------------

def fingerprint(caption: str) -> str:
    """Identifies the caption a row was written for; changes when the caption does."""
    return "sha256:" + hashlib.sha256(caption.encode("utf-8")).hexdigest()[:16]


def cells_of(record: Record) -> dict[str, str]:
    """The editable columns' values for a record, as written in the sheet (before formula protection)."""
    place = record.primary_location()
    out = {"title": record.title, "digital_source_type": record.digital_source_type.rsplit("/", 1)[-1],
           "truncated": _YES if record.truncated else _NO}
    out.update({part: getattr(place, part) for part in PLACE})
    out.update({name: join_list(getattr(record, name)) for name in LISTS})
    return out


def canonical(column: str, text: str) -> str:
    """The form compared for edits: spellings of the same value are not edits."""
    if column in LISTS:
        return join_list(split_list(text))
    if column == "truncated":
        word = text.strip().lower()
        return _YES if word in overrides.TRUE else _NO if word in overrides.FALSE else text
    if column == "digital_source_type":
        uri = source_type_uri(text)
        return uri.rsplit("/", 1)[-1] if uri else text
    return text


def digest(column: str, text: str) -> str:
    return hashlib.sha256(canonical(column, text).encode("utf-8")).hexdigest()[:8]


def digests_cell(digests: Mapping[str, str]) -> str:
    return " ".join(f"{column}={digests[column]}" for column in EDITABLE if column in digests)


def _parse_digests(cell: str) -> dict[str, str] | None:
    found = dict(re.findall(r"([a-z_]+)=([0-9a-f]{8})\b", cell))
    return found or None


# --- writing ---------------------------------------------------------------------------------------

def sheet_bytes(base: Sequence[ItemResult], final: Mapping[str, ItemResult], kept: Mapping[str, Match]) -> bytes:
    """The sheet for ``base`` (records before the sheet's edits), keeping the edits in ``kept``.

    ``final`` gives each item's issues after the edits, for the issues column.
    """
    rows = []
    for item in base:
        cells = cells_of(item.record)
        digests = {column: digest(column, value) for column, value in cells.items()}
        match = kept.get(item.identifier)
        if match is not None:
            for column, value in match.edits.items():
                cells[column] = value
                if match.row.digests and column in match.row.digests:
                    digests[column] = match.row.digests[column]  # the value the person changed
        shown = final.get(item.identifier, item)
        rows.append([item.identifier, item.file, fingerprint(item.record.description), item.record.description,
                     *(cells[c] for c in EDITABLE), _issues_cell(shown.issues), digests_cell(digests)])
    return table_bytes(list(HEADER), rows)


def _issues_cell(found: tuple[Issue, ...]) -> str:
    return "\n".join(f"{i.code} {i.message}" for i in found)


def edit_count(kept: Mapping[str, Match]) -> int:
    return sum(len(m.edits) for m in kept.values())


# --- reading and matching --------------------------------------------------------------------------

def read(path: Path) -> tuple[Sheet | None, list[Issue]]:
    """The sheet at ``path``; None and E120 when it cannot be read. Unknown columns are W128."""
    try:
        header, records = read_table(path.read_bytes(), IDENTITY)
    except (OSError, SheetSyntaxError) as exc:
        return None, [issues.make("E120", path=str(path), error=str(exc))]
    found = [issues.make("W128", path=str(path), line=1, field=name, column=name, known=", ".join(HEADER))
             for name in header if name and name not in HEADER]
    rows = []
    for line, cells in records:
        values = {name: cell for name, cell in zip(header, cells, strict=False) if name in HEADER}
        digests = _parse_digests(values[ANALYSED]) if ANALYSED in values else None
        rows.append(Row(line=line, cells=values, digests=digests))
    if rows and all(r.digests is None for r in rows):
        found.append(issues.make("W125", path=str(path), column=ANALYSED))
    return Sheet(path=path, rows=tuple(rows), columns=tuple(header)), found


def edits_of(row: Row, columns: tuple[str, ...], current: Record | None) -> dict[str, str]:
    """The cells of ``row`` that the person changed (see the module docstring)."""
    out = {}
    for column in EDITABLE:
        if column not in columns:
            continue  # a deleted column holds no edits
        value = row.get(column)
        if row.digests is not None and column in row.digests:
            changed = digest(column, value) != row.digests[column]
        elif current is not None:
            changed = canonical(column, value) != canonical(column, cells_of(current)[column])
        else:
            changed = value.strip() != ""
        if changed:
            out[column] = value
    return out


def match(sheet: Sheet, items: Iterable[ItemResult]) -> tuple[dict[str, Match], list[Issue]]:
    """Rows that belong to an item, by identifier, and an issue for every row that does not."""
    by_id = {item.identifier: item for item in items}
    matched: dict[str, Match] = {}
    first_line: dict[str, int] = {}
    found: list[Issue] = []
    for row in sheet.rows:
        identifier = row.get("identifier").strip()
        item = by_id.get(identifier)
        record = item.record if item else None
        edits = edits_of(row, sheet.columns, record)
        problem = _mismatch(row, identifier, item, first_line)
        if problem:
            what, fix, column = problem
            if edits:
                found.append(issues.make("E121", path=str(sheet.path), line=row.line, field=column, problem=what,
                                         columns=", ".join(edits), fix=fix))
            else:
                found.append(issues.make("W122", path=str(sheet.path), line=row.line, field=column, problem=what))
            continue
        first_line[identifier] = row.line
        matched[identifier] = Match(row=row, edits=edits)
    return matched, found


def _mismatch(row: Row, identifier: str, item: ItemResult | None,
              first_line: Mapping[str, int]) -> tuple[str, str, str] | None:
    """(what is wrong, what to do, column) when ``row`` must not be applied to ``item``."""
    file = row.get("file")
    if not identifier:
        return ("the row has no identifier", "fill in the identifier of the image it describes, or delete the row",
                "identifier")
    if identifier in first_line:
        return (f"{identifier} already has row {first_line[identifier]}",
                "merge the two rows' edits into one row and delete the other", "identifier")
    if item is None:
        gone = f"no image of the collection has the identifier {identifier} (file {file!r}): it was renamed or removed"
        return gone, "correct the identifier and file to the image the row describes, or delete the row", "identifier"
    if file != item.file:
        return (f"{identifier} now names the file {item.file!r}, not {file!r}",
                "correct the identifier and file to the image the row describes, or delete the row", "file")
    now = fingerprint(item.record.description)
    if row.get("fingerprint").strip() != now:
        fix = (f"check that the edits still fit the new caption, then set the fingerprint cell to {now}, "
               "or delete the row's edits")
        return f"the caption of {identifier} changed since the sheet was written", fix, "fingerprint"
    return None


def read_only_changes(sheet: Sheet, matched: Mapping[str, Match], items: Iterable[ItemResult]) -> list[Issue]:
    """W124 for a changed caption cell: captions are corrected in the caption source, not in the sheet."""
    found = []
    for item in items:
        m = matched.get(item.identifier)
        if m is None or "caption" not in sheet.columns:
            continue
        if m.row.get("caption") != item.record.description:
            found.append(issues.make("W124", path=str(sheet.path), line=m.row.line, field="caption",
                                     column="caption", source=item.record.caption_source))
    return found


# --- applying edits --------------------------------------------------------------------------------

def apply(record: Record, edits: Mapping[str, str], where: tuple[str, int]) -> tuple[Record, list[Issue]]:
    """``record`` with the archivist's ``edits``; an unusable value is E123 and the analysed value stays."""
    changes: dict[str, Any] = {}
    found: list[Issue] = []
    paths: list[str] = []
    for column, value in edits.items():
        if column in PLACE:
            continue
        try:
            changes[column] = _CONVERT.get(column, _text)(value)
            paths.append(column)
        except UnusableValue as exc:
            found.append(_unusable(where, column, value, str(exc), record.identifier))
    edited = replace(record, **changes)
    place = {column: value for column, value in edits.items() if column in PLACE}
    if place:
        try:
            edited = replace(edited, locations=_relocated(record.locations, place))
            paths += [f"locations[0].{column}" for column in place]
        except UnusableValue as exc:
            column = next(iter(place))
            found.append(_unusable(where, column, place[column], str(exc), record.identifier))
    return mark(edited, record, ARCHIVIST, edited=paths), found


def _unusable(where: tuple[str, int], column: str, value: str, reason: str, identifier: str) -> Issue:
    return issues.make("E123", path=where[0], line=where[1], field=column, column=column, value=value,
                       identifier=identifier, reason=reason)


def _text(value: str) -> str:
    return value


def _list(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(split_list(value)))


def _keywords(value: str) -> tuple[str, ...]:
    words = _list(value)
    long = [w for w in words if len(w.encode("utf-8")) > overrides.LIMIT]
    if long:
        raise UnusableValue(f"keyword {long[0]!r} is longer than {overrides.LIMIT} bytes (IIM Keywords)")
    return words


def _source_type(value: str) -> str:
    uri = source_type_uri(value)
    if uri is None:
        raise UnusableValue("not an IPTC digital source type; write a code such as digitalCapture or "
                            "screenCapture")
    return uri


def _truncated(value: str) -> bool:
    word = canonical("truncated", value)
    if word not in (_YES, _NO):
        raise UnusableValue("write yes or no")
    return word == _YES


_CONVERT: dict[str, Callable[[str], Any]] = {
    "title": overrides.check_title, "digital_source_type": _source_type, "truncated": _truncated,
    "keywords": _keywords, "organisations": _list, "persons_shown": _list, "persons_mentioned": _list,
    "events": _list,
}


def _relocated(locations: tuple[Location, ...], edits: Mapping[str, str]) -> tuple[Location, ...]:
    """The first location with the archivist's place cells (see below), then the others.

    Edited parts are taken as written. Unedited parts below the most
    specific edited one are cleared (a sublocation belongs to its city);
    unedited parts above it come from the gazetteer when it knows the edited
    place, and otherwise stay as the sheet showed them. The country code
    follows the country unless it was edited itself. Emptying every part
    removes the first location.
    """
    code = edits.get("country_code", "").strip()
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        raise UnusableValue(f"country_code {code!r} must be ISO 3166-1 alpha-3 in capitals, e.g. CHN")
    shown = locations[0] if locations else Location()
    values = {part: getattr(shown, part) for part in PLACE}
    values.update(edits)
    levels = [LEVELS.index(p) for p in edits if p in LEVELS]
    if levels:
        most = min(levels)
        for level in range(most):
            if LEVELS[level] not in edits:
                values[LEVELS[level]] = ""
        known, _ = overrides.known_place({p: values[p] for p in LEVELS if p in edits and values[p]})
        for part in LEVELS[most + 1:] + ("country_code",):
            if part not in edits and not known.is_empty():
                values[part] = getattr(known, part)
        if "country" in edits and "country_code" not in edits and known.is_empty():
            values["country_code"] = _country_code(values["country"])
    rest = tuple(loc for loc in locations[1:])
    first = Location(**values, identifiers=_identifiers(values))
    if first.is_empty():
        return rest
    return (first,) + tuple(loc for loc in rest if loc != first)


def _country_code(country: str) -> str:
    found = {loc.country_code for loc in lookup("country", country)} if country else set()
    return found.pop() if len(found) == 1 else ""


def _identifiers(values: Mapping[str, str]) -> tuple[str, ...]:
    """The gazetteer's identifiers when it knows the most specific part given."""
    given = {p: values[p] for p in LEVELS if values[p]}
    if not given:
        return ()
    known, level = overrides.known_place(given)
    most = min(LEVELS.index(p) for p in given)
    return known.identifiers if level == most else ()


def apply_matches(items: Iterable[ItemResult], matched: Mapping[str, Match],
                  path: Path) -> tuple[list[ItemResult], int]:
    """Items with their matched rows' edits applied (issues added to each item), and the edit count."""
    out = []
    count = 0
    for item in items:
        m = matched.get(item.identifier)
        if m is None or not m.edits:
            out.append(item)
            continue
        record, found = apply(item.record, m.edits, (str(path), m.row.line))
        count += len(m.edits) - len(found)
        out.append(replace(item, record=record, issues=item.issues + tuple(found)))
    return out, count


def without_rows(sheet: Sheet, items: list[ItemResult]) -> list[ItemResult]:
    """Items that the sheet has no row for get I127."""
    listed = {row.get("identifier").strip() for row in sheet.rows}
    return [item if item.identifier in listed else
            replace(item, issues=item.issues + (issues.make("I127", path=str(sheet.path), identifier=item.identifier),))
            for item in items]
