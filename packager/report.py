"""Rendering results as text for people and as JSON documents for machines.

Pure functions from result values to strings; the CLI decides where they go
(stdout for results, stderr for progress and logs).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterable

from .model import ERROR, WARNING, Issue, ItemResult
from .pipeline import BagRun, Extraction, collection_dict
from .provenance import software
from .validate import ValidationReport


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def _counts(found: Iterable[Issue]) -> dict[str, int]:
    c = Counter(i.severity for i in found)
    return {"errors": c.get(ERROR, 0), "warnings": c.get(WARNING, 0)}


def extraction_document(ex: Extraction) -> dict[str, Any]:
    found = ex.all_issues()
    dropped = sum(1 for i in ex.issues if i.code in ("W101", "W102"))
    return {
        "command": "extract",
        "ok": ex.errors == 0,
        "software": software(),
        "collection": collection_dict(ex.config),
        "items": [item.to_dict() for item in ex.items],
        "issues": [i.to_dict() for i in ex.issues],
        "summary": {"items": len(ex.items), "dropped_lines": dropped, **_counts(found)},
    }


def bag_document(run: BagRun) -> dict[str, Any]:
    found = run.extraction.issues + run.bag_issues + tuple(i for item in run.items for i in item.issues)
    return {
        "command": "bag",
        "ok": run.ok,
        "bag": str(run.bag) if run.bag else None,
        "software": software(run.exiftool_version),
        "collection": collection_dict(run.extraction.config),
        "items": [item.to_dict() for item in run.items],
        "issues": [i.to_dict() for i in run.extraction.issues + run.bag_issues],
        "validation": run.validation.to_dict() if run.validation else None,
        "summary": {"items": len(run.items), **_counts(found)},
    }


def validation_document(report: ValidationReport) -> dict[str, Any]:
    return {"command": "validate", "ok": report.valid, **report.to_dict()}


def error_document(command: str, message: str, exit_code: int, found: Iterable[Issue] = ()) -> dict[str, Any]:
    return {"command": command, "ok": False, "error": {"message": message, "exit_code": exit_code},
            "issues": [i.to_dict() for i in found], "software": software()}


def issue_line(issue: Issue) -> str:
    where = issue.path or ""
    if issue.line is not None:
        where += f":{issue.line}"
    if where and issue.message.startswith(where):
        where = ""  # the message already begins with it
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
    lines += [f"  {issue_line(i)}" for i in item.issues if i.severity != "info"]
    return lines


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
    if run.bag is None:
        lines.append("No bag written: fix the errors above and run again (the originals were not changed).")
    elif run.ok:
        lines.append(f"Bag written: {run.bag} ({len(run.items)} items)")
    else:
        lines.append(f"Bag written but it does NOT validate: {run.bag} (see the problems below)")
    if run.validation is not None:
        lines.append(validation_text(run.validation).rstrip("\n"))
    return "\n".join(lines) + "\n"


def validation_text(report: ValidationReport) -> str:
    lines = [issue_line(p) for p in report.problems]
    verdict = "VALID" if report.valid else "INVALID"
    layer = "BagIt + metadata" if report.metadata_checked else "BagIt"
    lines.append(f"{report.path}: {verdict} ({layer}; {report.bagit.payload_files} payload files, "
                 f"{report.errors} errors, {report.warnings} warnings)")
    return "\n".join(lines) + "\n"
