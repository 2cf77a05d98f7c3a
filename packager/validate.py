"""Receiving-side validation: BagIt rules, then the metadata inside the bag.

Composes :mod:`packager.bagit_check` (structure, manifests, checksums) and
:mod:`packager.metacheck` (sidecars against payload and embedded tags). It
re-reads everything from disk and never imports the bag writer.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import metacheck
from .bagit_check import BagCheck, check_bag
from .embed import ExifTool
from .model import ERROR, WARNING, Issue
from .provenance import software

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ValidationReport:
    path: Path
    bagit: BagCheck
    metadata_checked: bool
    problems: tuple[Issue, ...]
    software: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == WARNING for p in self.problems)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "bag": str(self.path),
            "valid": self.valid,
            "bagit_version": self.bagit.version,
            "algorithms": list(self.bagit.algorithms),
            "payload_files": self.bagit.payload_files,
            "payload_bytes": self.bagit.payload_bytes,
            "metadata_checked": self.metadata_checked,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
            "software": dict(self.software),
        }


def validate(path: Path, *, exiftool: ExifTool | None = None, fast: bool = False,
             completeness_only: bool = False, metadata: bool = True,
             progress: Progress | None = None) -> ValidationReport:
    """Check a bag completely and report every problem found.

    ``fast`` checks only Payload-Oxum and completeness, ``completeness_only``
    skips hashing; both skip the metadata layer, which needs to read files.
    An ExifTool is started when the metadata layer needs one and none is given.
    """
    bag_progress = (lambda done, total: progress("verify", done, total)) if progress else None
    result = check_bag(path, fast=fast, completeness_only=completeness_only, progress=bag_progress)
    problems = list(result.problems)
    run_metadata = metadata and not (fast or completeness_only) and metacheck.applies(path)
    version = ""
    if run_metadata:
        with ExitStack() as stack:
            et = exiftool or stack.enter_context(ExifTool())
            version = et.version
            problems += metacheck.check(path, et.read_many)
    return ValidationReport(path=path, bagit=result, metadata_checked=run_metadata,
                            problems=tuple(problems), software=software(version))
