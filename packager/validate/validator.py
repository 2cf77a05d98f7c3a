"""Receiving-side validation: BagIt rules, a BagIt profile, then the metadata inside.

Composes :mod:`.check` (structure, manifests, checksums),
:mod:`.profile` (what a repository's profile asks of the bag)
and :mod:`.metacheck` (sidecars against payload and embedded tags).
The bag is a folder or an archive read in place (:mod:`.opening`);
everything is re-read from it and the bag writer is never imported.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packager import issues
from packager.errors import PackagerError
from packager.metadata.provenance import software
from packager.model import ERROR, WARNING, Issue

from . import metacheck
from .capped import Capped, tally
from .check import BagCheck, check_bag
from .hashpool import resolve_workers
from .opening import open_source
from .profile import BagFacts, Profile, builtin_profile, check_profile, load_profile
from .proven import Proven

if TYPE_CHECKING:  # the session module loads pyexiftool: imported when the metadata layer runs
    from packager.files.exiftool import ExifToolSession

Progress = Callable[[str, int, int], None]
_PROFILE_LABEL = "bagit-profile-identifier"


@dataclass(frozen=True)
class ValidationReport:
    path: Path
    bagit: BagCheck
    metadata_checked: bool
    problems: tuple[Issue, ...]
    software: dict[str, str] = field(default_factory=dict)
    #: the profile the bag was checked against (identifier or file), None when none
    profile: str | None = None
    #: why a check that was asked for could not run (ExifTool missing), None when all ran
    incomplete: str | None = None

    @property
    def errors(self) -> int:
        return tally(self.problems, ERROR)

    @property
    def warnings(self) -> int:
        return tally(self.problems, WARNING)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def layers(self) -> str:
        """What was checked, for the summary line."""
        parts = ["BagIt"]
        if self.profile:
            parts.append("profile")
        if self.metadata_checked:
            parts.append("metadata" + (" (embedded tags not read)" if self.incomplete else ""))
        return " + ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bag": str(self.path),
            "valid": self.valid,
            "bagit_version": self.bagit.version,
            "serialization": self.bagit.serialization,
            "bag_name": self.bagit.name,
            "algorithms": list(self.bagit.algorithms),
            "payload_files": self.bagit.payload_files,
            "payload_bytes": self.bagit.payload_bytes,
            "profile": self.profile,
            "metadata_checked": self.metadata_checked,
            "incomplete": self.incomplete,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
            "summary": {"verdict": "VALID" if self.valid else "INVALID", "checked": self.layers,
                        "errors": self.errors, "warnings": self.warnings,
                        "payload_files": self.bagit.payload_files},
            "software": dict(self.software),
        }


def validate(path: Path, *, exiftool: ExifToolSession | None = None, fast: bool = False,
             completeness_only: bool = False, metadata: bool = True, progress: Progress | None = None,
             workers: int | None = None, processes: int | None = None, profile: Path | Profile | None = None,
             proven: Proven | None = None) -> ValidationReport:
    """Check a bag (folder or archive) completely and report every problem found.

    ``fast`` checks only Payload-Oxum and completeness, ``completeness_only``
    skips hashing; both skip the metadata layer, which needs to read files.
    ``profile`` (a file or a loaded profile) is checked besides the profile
    the bag declares when that one ships with the packager.

    ``workers`` threads hash files and check images side by side (None: one
    per core; ``processes`` is its former name). The metadata layer reads
    embedded tags with one ExifTool session per worker: ``exiftool`` is the
    first (it is used, not closed) and the others are started from the same
    executable and closed at the end; without ``exiftool`` all are started
    here. When none can be started, everything else is still checked and
    reported, and ``incomplete`` says why the embedded tags were not.

    ``proven`` is what the run that wrote the bag already measured (see
    :mod:`.proven`): payload digests, embedded tags and pixel digests stand in
    for reading and measuring (no ExifTool is started), and every check and
    comparison runs as without it. A receiver leaves it out.
    Raises :class:`~.profile.ProfileError` for an unusable profile file.
    """
    chosen = load_profile(profile) if isinstance(profile, Path) else profile
    count = resolve_workers(workers if workers is not None else processes)
    bag_progress = (lambda done, total: progress("verify", done, total)) if progress else None
    opened: list[Issue] = []
    source = open_source(Path(path), opened) if Path(path).exists() else None
    if source is None:
        result = check_bag(Path(path))  # names what is wrong with the path itself
        return ValidationReport(path=Path(path), bagit=result, metadata_checked=False,
                                problems=result.problems, software=software())
    with source:
        result = check_bag(source, fast=fast, completeness_only=completeness_only, progress=bag_progress,
                           workers=count, known=proven.payload_digests if proven else None)
        problems = Capped(result.problems)
        checked = _check_profiles(result, chosen, problems)
        run_metadata = metadata and not (fast or completeness_only) and result.listing_usable \
            and metacheck.applies(source)
        version, incomplete = (exiftool.version if exiftool else ""), None
        if run_metadata and proven is not None:
            problems += metacheck.check(source, None, workers=count, proven=proven)
        elif run_metadata:
            with ExitStack() as stack:
                try:
                    sessions = _sessions(stack, exiftool, count)
                    version = sessions[0].version
                except PackagerError as exc:
                    sessions, incomplete = [], exc.message
                    problems.append(issues.make("W620", path=None, reason=exc.message))
                problems += metacheck.check(source, [s.read_many for s in sessions] or None, workers=count)
    return ValidationReport(path=Path(path), bagit=result, metadata_checked=run_metadata,
                            problems=problems.issues(), software=software(version), profile=checked,
                            incomplete=incomplete)


def _sessions(stack: ExitStack, given: ExifToolSession | None, count: int) -> list[ExifToolSession]:
    """One ExifTool session per worker: ``given`` (or one started here, which raises
    PackagerError when ExifTool cannot run) and more of the same executable, each
    started on its first command and closed when ``stack`` closes."""
    from packager.files.exiftool import ExifToolSession

    first = given or stack.enter_context(ExifToolSession())
    sessions = [first]
    for _ in range(count - 1):
        more = ExifToolSession(first.executable, first.timeout)
        more.version = first.version  # the same executable: its version is known
        stack.callback(more.close)
        sessions.append(more)
    return sessions


def _check_profiles(result: BagCheck, chosen: Profile | None, problems: list[Issue]) -> str | None:
    """Check the profile asked for, and the declared one when it ships with the
    packager; say when a declared profile cannot be checked. Returns what was checked."""
    declared = [v.strip() for k, v in result.info if k.lower() == _PROFILE_LABEL and v.strip()]
    profiles: list[Profile] = [chosen] if chosen else []
    for identifier in declared:
        if chosen and chosen.identifier == identifier:
            continue
        shipped = builtin_profile(identifier)
        if shipped is not None:
            profiles.append(shipped)
        elif not chosen:
            problems.append(issues.make("I540", path="bag-info.txt", identifier=identifier))
    if not profiles:
        return None
    facts = bag_facts(result)
    for p in profiles:
        problems.extend(check_profile(p, facts))
    return ", ".join(p.identifier or p.source for p in profiles)


def bag_facts(result: BagCheck) -> BagFacts:
    """What a profile is checked against, from the BagIt layer's findings."""
    return BagFacts(version=result.version, tag_fields=dict(result.tag_fields),
                    payload_algorithms=result.algorithms, tag_algorithms=result.tag_algorithms,
                    payload_files=result.payload_paths, tag_files=result.tag_paths, has_fetch=result.has_fetch,
                    serialization=result.serialization, bag_name=result.name, archive_name=result.archive_name,
                    payload_octets=result.payload_bytes)
