"""Rendering results as text for people and as JSON documents for machines.

Pure functions from result values to strings; the CLI decides where they go
(stdout for results, stderr for progress and logs).

The result types are imported for type checking only, and the sidecar
helpers inside the functions that use them: importing this module (for
``packager --help`` or ``packager validate``) loads neither the pipeline nor
the stages before the bag.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from packager.model import ANALYSIS, CAPTION, COLLECTION, ERROR, WARNING, Issue, ItemResult, Record

if TYPE_CHECKING:
    from packager.pipeline import BagRun, Extraction, ReviewRun
    from packager.validate.group import GroupReport
    from packager.validate.validator import ValidationReport


#: What a terminal acts on instead of showing: C0 and C1 controls but the line feed and the tab (ESC starts
#: sequences that move the cursor, recolour or retitle the window; CR overwrites the line) and the
#: bidirectional embeddings, overrides and isolates, which reorder the text after them on screen.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Text as a terminal may print it: every character of :data:`_UNSAFE` written as ``\\xNN`` or ``\\uNNNN``.

    File names, captions and tag values come from the collection or from a bag
    someone else made; printed raw, they could rewrite what the report says.
    JSON output needs no such care: its consumers read the characters, not a screen.
    """
    return _UNSAFE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def software(exiftool_version: str = "") -> dict[str, str]:
    """The software versions every JSON document names (loaded only when a document is made)."""
    from packager.metadata.provenance import software as versions

    return versions(exiftool_version)


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


class LazyItems:
    """A document's ``items`` made one at a time as they are written (a bag run's items
    live on disk; holding them all as JSON would make memory grow with the collection)."""

    def __init__(self, items: Iterable[Any], convert: Callable[[Any], dict[str, Any]]) -> None:
        self._items, self._convert = items, convert

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._convert(item) for item in self._items)


_ITEMS_MARK = "\u0000items\u0000"


def write_json(document: dict[str, Any], write: Callable[[str], None]) -> None:
    """Write ``document`` as :func:`to_json` would, followed by a newline, streaming a
    :class:`LazyItems` value of ``items`` item by item."""
    items = document.get("items")
    if not isinstance(items, LazyItems):
        write(to_json(document) + "\n")
        return
    head, tail = to_json({**document, "items": _ITEMS_MARK}).split(json.dumps(_ITEMS_MARK), 1)
    write(head + "[")
    count = 0
    for item in items:
        write(("," if count else "") + "\n    " + to_json(item).replace("\n", "\n    "))
        count += 1
    write(("\n  ]" if count else "]") + tail + "\n")


def _counts(found: Iterable[Issue]) -> dict[str, int]:
    c = Counter(i.severity for i in found)
    return {"errors": c.get(ERROR, 0), "warnings": c.get(WARNING, 0)}


def extraction_document(ex: Extraction) -> dict[str, Any]:
    from packager.metadata.records import collection_dict, item_dict

    found = ex.all_issues()
    dropped = sum(1 for i in ex.issues if i.code in ("W101", "W102"))
    return {
        "command": "extract",
        "ok": ex.errors == 0,
        "software": software(),
        "collection": collection_dict(ex.config),
        "items": [item_dict(item) for item in ex.items],
        "issues": [i.to_dict() for i in ex.issues],
        "summary": {"items": len(ex.items), "dropped_lines": dropped, **_counts(found)},
    }


def bag_document(run: BagRun) -> dict[str, Any]:
    from packager.metadata.records import collection_dict, item_dict

    found = run.extraction.issues + run.bag_issues + tuple(i for item in run.items for i in item.issues)
    return {
        "command": "bag",
        "ok": run.ok,
        "bag": str(run.bag) if run.bag else None,
        "software": software(run.exiftool_version),
        "collection": collection_dict(run.extraction.config),
        "items": LazyItems(run.items, item_dict),
        "issues": [i.to_dict() for i in run.extraction.issues + run.bag_issues],
        "validation": run.validation.to_dict() if run.validation else None,
        "group": [{"bag": str(bag), "validation": report.to_dict()} for bag, report in run.group],
        "excluded": [{"entry": e.entry, "line": e.line, "code": e.code, "reason": e.reason} for e in run.excluded],
        "summary": {"items": len(run.items), "packaged": run.packaged, "excluded": len(run.excluded),
                    **_counts(found)},
    }


def review_document(run: ReviewRun) -> dict[str, Any]:
    from packager.metadata.records import collection_dict

    return {
        "command": "review",
        "ok": run.sheet is not None and run.errors == 0,
        "sheet": str(run.sheet) if run.sheet else None,
        "software": software(),
        "collection": collection_dict(run.config),
        "issues": [i.to_dict() for i in run.issues],
        "summary": {"rows": run.rows, "edits": run.edits, **_counts(run.issues)},
    }


def review_text(run: ReviewRun) -> str:
    lines = [issue_line(i) for i in run.issues if i.severity != "info"]
    if run.sheet is None:
        lines.append("No review sheet written: the rows above hold edits that match no image; correct or delete "
                     "them, then run review again.")
    else:
        lines.append(f"Review sheet written: {run.sheet} ({run.rows} rows, {run.edits} cells edited by the archivist "
                     "kept). Edit it in a spreadsheet; extract and bag read it.")
    return "\n".join(lines) + "\n"


def validation_document(report: ValidationReport) -> dict[str, Any]:
    return {"command": "validate", "ok": report.valid, **report.to_dict()}


def group_document(group: GroupReport) -> dict[str, Any]:
    """A bag group: its verdict and issues, and each bag's report as :func:`validation_document` gives it."""
    return {"command": "validate", "ok": group.valid, **group.to_dict(),
            "bags": [validation_document(b) for b in group.bags]}


def error_document(command: str, message: str, exit_code: int, found: Iterable[Issue] = ()) -> dict[str, Any]:
    return {"command": command, "ok": False, "error": {"message": message, "exit_code": exit_code},
            "issues": [i.to_dict() for i in found], "software": software()}


def issue_line(issue: Issue) -> str:
    where = issue.path or ""
    if issue.line is not None:
        where += f":{issue.line}"
    if where and issue.message.startswith(where):
        where = ""  # the message already begins with it
    elif issue.path and issue.path in issue.message and (
            issue.line is None or f"row {issue.line}" in issue.message or f"line {issue.line}" in issue.message):
        where = ""  # the message already says where (e.g. "review sheet ..., row 7")
    where = f" {where}:" if where else ""
    return f"{issue.code} {issue.severity}{where} {issue.message}"


def _item_text(item: ItemResult) -> list[str]:
    lines = [f"{item.identifier}  ({item.file})"]
    r = item.record
    if r is not None:
        lines.append(f"  title:     {r.title}")
        lines.append(f"  headline:  {r.headline}")
        places = "; ".join(loc.label() for loc in r.locations) or "-"
        lines.append(f"  places:    {places}")
        if r.organisations:
            lines.append(f"  orgs:      {', '.join(r.organisations)}")
        if r.keywords:
            lines.append(f"  keywords:  {', '.join(r.keywords)}")
        lines.append(f"  source:    {r.digital_source_type.rsplit('/', 1)[-1]}"
                     + ("   [caption truncated]" if r.truncated else ""))
        given = _given(r)
        if given:
            lines.append(f"  given:     {given}")
    lines += [f"  {issue_line(i)}" for i in item.issues if i.severity != "info"]
    return lines


def _given(record: Record) -> str:
    """Fields that did not come from the caption or its analysis, by origin (e.g. "archivist: title, city")."""
    by_origin: dict[str, list[str]] = {}
    for path, origin in record.provenance:
        if origin in (CAPTION, ANALYSIS) or (origin == COLLECTION and path in _COLLECTION_FACTS):
            continue
        name = re.sub(r"\[\d+\]$", "", path).split(".")[-1]
        if name in ("country_code", "identifiers"):
            continue  # they follow the place
        if name not in by_origin.setdefault(origin, []):
            by_origin[origin].append(name)
    return "; ".join(f"{origin}: {', '.join(names)}" for origin, names in by_origin.items())


_COLLECTION_FACTS = frozenset({"identifier", "file", "caption_source", "caption_line", "creator", "rights",
                               "publisher", "credit", "source", "language", "date", "collection",
                               "digital_source_type"})


def extraction_text(ex: Extraction) -> str:
    lines = [issue_line(i) for i in ex.issues]
    for item in ex.items:
        lines += _item_text(item)
    doc = extraction_document(ex)["summary"]
    lines.append(f"{doc['items']} items, {doc['dropped_lines']} page leftovers dropped, "
                 f"{doc['errors']} errors, {doc['warnings']} warnings")
    return "\n".join(lines) + "\n"


def bag_text(run: BagRun) -> str:
    lines = [issue_line(i) for i in run.extraction.issues + run.bag_issues]
    for item in run.items:
        lines += [f"{item.file}: {issue_line(i)}" for i in item.issues if i.severity != "info"]
    if run.group:
        return "\n".join(lines + _group_lines(run)) + "\n"
    if run.bag is None:
        lines.append(_no_bag(run))
    elif run.ok and run.excluded:
        lines.append(f"Bag written: {run.bag} ({run.packaged} items; {len(run.excluded)} entries that failed were "
                     "left out, listed with their reasons in data/metadata/excluded.csv)")
    elif run.ok:
        lines.append(f"Bag written: {run.bag} ({run.packaged} items)")
    else:
        lines.append(f"Bag written but it does NOT validate: {run.bag} (see the problems below)")
    if run.validation is not None:
        lines.append(validation_text(run.validation).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _group_lines(run: BagRun) -> list[str]:
    """A bag group: each bag's report, then one line for the group."""
    lines = [validation_text(report).rstrip("\n") for _, report in run.group]
    left = f"; {len(run.excluded)} entries that failed were left out" if run.excluded else ""
    if run.ok:
        lines.append(f"Bag group written: {len(run.group)} bags, {run.packaged} items{left}: "
                     + ", ".join(str(bag) for bag, _ in run.group))
    else:
        lines.append(f"Bag group NOT written: {sum(not r.valid for _, r in run.group)} of {len(run.group)} bags do "
                     "not validate (see the problems above); each is kept for inspection as .<name>.rejected")
    return lines


def _no_bag(run: BagRun) -> str:
    if run.skip_failed and run.excluded and run.packaged == 0:
        return "No bag written: every entry failed, so --skip-failed left nothing to package (see above)."
    if run.skip_failed:
        return ("No bag written: the errors above concern the collection as a whole, which --skip-failed cannot "
                "leave out; fix them and run again (the originals were not changed).")
    return "No bag written: fix the errors above and run again (the originals were not changed)."


def validation_text(report: ValidationReport) -> str:
    lines = [issue_line(p) for p in report.problems]
    verdict = "VALID" if report.valid else "INVALID"
    kind = f", {report.bagit.serialization}" if report.bagit.serialization else ""
    profile = f"; profile {report.profile}" if report.profile else ""
    lines.append(f"{report.path}: {verdict} ({report.layers}{kind}{profile}; {report.bagit.payload_files} payload "
                 f"files, {report.errors} errors, {report.warnings} warnings)")
    return "\n".join(lines) + "\n"


def group_text(group: GroupReport) -> str:
    """Each bag's report, then the group's problems and its verdict."""
    lines = [issue_line(p) for p in group.problems]
    name = repr(group.identifier) if group.identifier is not None else "(no Bag-Group-Identifier)"
    given = len(group.bags)
    size = f"{given} of {group.total} bags" if group.total is not None else f"{given} bags, total unknown"
    state = f"{group.invalid_bags} invalid" if group.invalid_bags else "each valid"
    lines.append(f"bag group {name}: {'VALID' if group.valid else 'INVALID'} ({size}, {state}; {group.errors} "
                 f"errors, {group.warnings} warnings in the group check)")
    return "".join(validation_text(b) for b in group.bags) + "\n".join(lines) + "\n"
