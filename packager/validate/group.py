"""A bag group: several bags that together hold one collection (RFC 8493 §2.2.2).

Each bag of a group stands alone (it is validated by :func:`.validator.validate`
with the same options) and says in bag-info.txt which group it belongs to
(``Bag-Group-Identifier``) and its place in it (``Bag-Count: K of N``, N being
``?`` when the total is not known). :func:`validate_group` then checks the
group as a whole:

* every bag names the same group (E542) and gives a Bag-Count that parses, with
  the same total N and a number K between 1 and N (E543);
* every number from 1 to N is present, each once (E544); with a total of ``?``
  the group cannot be proven complete (W542), but numbers missing below the
  highest one found are still named;
* no payload file outside ``data/metadata/`` (each bag's own sidecars) and no
  item identifier (``dc.identifier`` in metadata.csv) is in two bags (E545);
* a bag named in the APTrust way, ``<name>.b001.of003``, agrees with its
  Bag-Count (W543).

:func:`find_bags` gives the bags of a folder that is not itself a bag; what
else it holds is reported (W544), never checked as a bag.

Memory: each bag's report lists its payload paths; they are taken into the
group's index (one entry per file outside ``data/metadata/`` and per item
identifier in the whole group) and dropped from the report kept, so a group
costs about what one bag of the same files costs. metadata.csv is read as a
stream (:mod:`.csvstream`). An archived bag is opened a second time for it
(a tar is read through once more).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packager import issues
from packager.errors import SourceError
from packager.issues.receiving import situation
from packager.metadata import csvfile
from packager.metadata.layout import CSV_PATH, METADATA_DIR
from packager.metadata.provenance import software
from packager.model import ERROR, WARNING, Issue

from .capped import Capped, clip, tally
from .csvstream import CsvStream
from .metacsv import CSV_LIMIT
from .opening import open_source
from .profile import Profile, load_profile
from .validator import Progress, ValidationReport, validate

if TYPE_CHECKING:
    from packager.files.exiftool import ExifToolSession

__all__ = ["GroupReport", "Member", "find_bags", "holds_bags", "validate_group"]

#: File names a folder of bags may hold bags under (archives are recognised by these, then read by their bytes).
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
_STAGING = ".partial"  # a bag the packager is still writing
_GROUP = "bag-group-identifier"
_COUNT = "bag-count"
#: "K of N": blanks around the parts tolerated, N may be "?"; at most 12 digits (int() stays cheap).
_COUNT_FORM = re.compile(r"\s*([0-9]{1,12})\s*of\s*([0-9]{1,12}|\?)\s*", re.IGNORECASE)
#: The APTrust multipart convention: <name>.b001.of003 (at least three digits each).
_NAME_FORM = re.compile(r"\.b([0-9]{3,12})\.of([0-9]{3,12})$", re.IGNORECASE)
_LISTED = 20  # numbers (or ranges of numbers) named in one message


@dataclass(frozen=True)
class Member:
    """What one bag says about its place in the group (None where it says nothing usable)."""

    path: Path
    identifier: str | None = None
    count: str | None = None  # Bag-Count as written
    number: int | None = None
    total: int | None = None  # None when "?" or not given
    readable: bool = True  # False when the bag could not be read at all: it says nothing

    def to_dict(self) -> dict[str, Any]:
        return {"bag": str(self.path), "bag_group_identifier": self.identifier, "bag_count": self.count,
                "number": self.number, "total": self.total}


@dataclass(frozen=True)
class GroupReport:
    """The verdict on a group: each bag's own report, and the group's own problems.

    The per-bag reports leave out their lists of paths (``bagit.payload_paths``,
    ``bagit.tag_paths``), which the group check used and let go."""

    bags: tuple[ValidationReport, ...]
    members: tuple[Member, ...]
    problems: tuple[Issue, ...]
    #: the group's identifier (the one most bags give), None when no bag gives one
    identifier: str | None = None
    #: how many bags the group has, None when unknown ("?") or disputed
    total: int | None = None

    @property
    def errors(self) -> int:
        """Errors of the group check itself (each bag's are in its report)."""
        return tally(self.problems, ERROR)

    @property
    def warnings(self) -> int:
        return tally(self.problems, WARNING)

    @property
    def invalid_bags(self) -> int:
        return sum(not b.valid for b in self.bags)

    @property
    def valid(self) -> bool:
        return bool(self.bags) and self.invalid_bags == 0 and self.errors == 0

    @property
    def incomplete(self) -> str | None:
        """Why a check that was asked for could not run in some bag (ExifTool missing), None when all ran."""
        return next((b.incomplete for b in self.bags if b.incomplete), None)

    @property
    def complete(self) -> bool:
        """True when every bag from 1 to a known total is present, each once."""
        numbers = Counter(m.number for m in self.members
                          if m.number is not None and m.identifier in (self.identifier, None))
        return self.total is not None and len(numbers) == self.total and set(numbers.values()) == {1} \
            and all(n in numbers for n in range(1, self.total + 1))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "group": {"bag_group_identifier": self.identifier, "total": self.total, "bags_given": len(self.bags),
                      "complete": self.complete, "members": [m.to_dict() for m in self.members]},
            "incomplete": self.incomplete,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
            "bags": [b.to_dict() for b in self.bags],
            "summary": {"verdict": "VALID" if self.valid else "INVALID", "bags": len(self.bags),
                        "invalid_bags": self.invalid_bags, "bag_errors": sum(b.errors for b in self.bags),
                        "bag_warnings": sum(b.warnings for b in self.bags), "errors": self.errors,
                        "warnings": self.warnings},
            "software": software(next((b.software.get("exiftool", "") for b in self.bags
                                       if b.software.get("exiftool")), "")),
        }


def validate_group(paths: Iterable[Path], *, exiftool: ExifToolSession | None = None, fast: bool = False,
                   completeness_only: bool = False, metadata: bool = True, progress: Progress | None = None,
                   workers: int | None = None, profile: Path | Profile | None = None) -> GroupReport:
    """Validate every bag of a group, one after the other, then the group as a whole.

    ``paths`` are bags (folders or archives) or folders of bags (:func:`find_bags`).
    Each bag gets :func:`.validator.validate` with the options given (``profile`` is
    loaded once and applies to every bag); then the group checks of this module's
    notes run. With ``metadata`` False (or ``fast``, ``completeness_only``: no
    metadata layer) item identifiers are not compared (I542), files are.
    Raises :class:`~.profile.ProfileError` for an unusable profile file.
    """
    chosen = load_profile(profile) if isinstance(profile, Path) else profile
    given: list[Issue] = []
    bags = expand(paths, given)
    per_bag: list[Issue] = []
    overlap = _Overlap()
    compare_items = metadata and not (fast or completeness_only)
    reports: list[ValidationReport] = []
    members: list[Member] = []
    for n, bag in enumerate(bags):
        report = validate(bag, exiftool=exiftool, fast=fast, completeness_only=completeness_only, metadata=metadata,
                          progress=progress, workers=workers, profile=chosen)
        member = _member(bag, report, per_bag)
        members.append(member)
        if member.readable:
            overlap.files(n, bag, report.bagit.payload_paths)
            if compare_items:
                overlap.items(n, bag, per_bag)
        reports.append(replace(report, bagit=replace(report.bagit, payload_paths=(), tag_paths=())))
    found = Capped(given)
    found += per_bag
    identifier, total = _check_places(members, found)
    found += overlap.found
    if bags and not compare_items:
        found.append(situation("I542", "no_metadata"))
    return GroupReport(bags=tuple(reports), members=tuple(members), problems=found.issues(), identifier=identifier,
                       total=total)


def is_bag_folder(path: Path) -> bool:
    return (Path(path) / "bagit.txt").exists()


def holds_bags(path: Path) -> bool:
    """True when ``path`` is a folder that is not a bag but holds at least one (a bag group, for the CLI)."""
    path = Path(path)
    return path.is_dir() and not is_bag_folder(path) and bool(find_bags(path))


def find_bags(folder: Path, others: list[Issue] | None = None) -> list[Path]:
    """The bags in ``folder`` (not itself a bag), in name order: sub-folders holding
    bagit.txt, and .tar, .tar.gz, .tgz and .zip files. Hidden entries are skipped
    (the packager's locks and rejected bags, the system's housekeeping files);
    anything else is reported in ``others`` (W544) when it is given."""
    folder = Path(folder)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    found: list[Path] = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if _is_bag(entry):
            found.append(entry)
        elif others is not None:
            what = ("unfinished" if name.endswith(_STAGING) else "folder") if entry.is_dir() else "file"
            others.append(situation("W544", what, path=str(entry), name=name, folder=str(folder)))
    return found


def _is_bag(entry: Path) -> bool:
    """A folder holding bagit.txt (not one the packager is still writing), or an archive by its name."""
    if entry.is_dir():
        return not entry.name.endswith(_STAGING) and is_bag_folder(entry)
    return entry.is_file() and entry.name.lower().endswith(ARCHIVE_SUFFIXES)


def expand(paths: Iterable[Path], found: list[Issue]) -> list[Path]:
    """The bags named: each path a bag, or a folder of bags (its bags, in name order).
    A bag named twice is checked once (W545); what a folder holds besides bags is W544."""
    bags: list[Path] = []
    names: dict[Path, list[str]] = {}
    for given in map(Path, paths):
        for bag in find_bags(given, found) if holds_bags(given) else [given]:
            key = bag.resolve()
            if key not in names:
                names[key] = []
                bags.append(bag)
            names[key].append(str(bag))
    for bag in bags:
        if len(names[bag.resolve()]) > 1:
            found.append(issues.make("W545", path=str(bag), names=", ".join(names[bag.resolve()])))
    return bags


def _values(report: ValidationReport, label: str, found: list[Issue], code: str, shown: str) -> str | None:
    """The one value of a bag-info label (None when absent or blank); E542/E543 when it is given twice, differently."""
    values = list(dict.fromkeys(v.strip() for k, v in report.bagit.info if k.lower() == label and v.strip()))
    if len(values) > 1:
        found.append(situation(code, "repeated", path=str(report.path), label=shown, count=len(values),
                               values=", ".join(repr(clip(v, 80)) for v in values)))
    return values[0] if values else None


def _member(bag: Path, report: ValidationReport, found: list[Issue]) -> Member:
    """What the bag says about its place in the group; problems with its own fields."""
    if not report.bagit.info and not report.valid or not report.bagit.listing_usable:
        found.append(situation("I542", "unreadable", path=str(bag)))
        return Member(bag, readable=False)
    identifier = _values(report, _GROUP, found, "E542", "Bag-Group-Identifier")
    count = _values(report, _COUNT, found, "E543", "Bag-Count")
    if count is None:
        return Member(bag, identifier)
    parsed = _COUNT_FORM.fullmatch(count)
    if parsed is None:
        found.append(situation("E543", "syntax", path=str(bag), value=clip(count, 80)))
        return Member(bag, identifier, count)
    number, total = int(parsed[1]), None if parsed[2] == "?" else int(parsed[2])
    if number < 1 or total is not None and number > total:
        found.append(situation("E543", "out_of_range", path=str(bag), value=count, number=number,
                               total="?" if total is None else total))
        return Member(bag, identifier, count, None, total)
    _check_name(bag, count, number, total, found)
    return Member(bag, identifier, count, number, total)


def _check_name(bag: Path, count: str, number: int, total: int | None, found: list[Issue]) -> None:
    """W543 when a name of the form <name>.b001.of003 disagrees with Bag-Count."""
    name = bag.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[:-len(suffix)]
            break
    named = _NAME_FORM.search(name)
    if named and (int(named[1]) != number or total is not None and int(named[2]) != total):
        found.append(issues.make("W543", path=str(bag), name_number=int(named[1]), name_total=int(named[2]),
                                 suffix=named[0], value=count))


def _check_places(members: list[Member], found: list[Issue]) -> tuple[str | None, int | None]:
    """One group, one total, every number from 1 to the total once. Returns the group's identifier and total."""
    readable = [m for m in members if m.readable]
    if not readable:
        return None, None
    if all(m.identifier is None and m.count is None for m in readable):
        found.append(situation("E542", "not_a_group", count=len(readable)))
        return None, None
    named = Counter(m.identifier for m in readable if m.identifier is not None)
    group = named.most_common(1)[0][0] if named else None
    for m in readable:
        if m.identifier is None:
            found.append(situation("E542", "missing", path=str(m.path)))
        elif m.identifier != group:
            found.append(situation("E542", "differs", path=str(m.path), value=clip(m.identifier, 80),
                                   group=group, others=_names(x.path for x in readable if x.identifier == group)))
        if m.count is None:
            found.append(situation("E543", "missing", path=str(m.path)))
    ours = [m for m in readable if m.identifier in (group, None)]  # a bag of another group is not counted
    totals = Counter(m.total for m in ours if m.total is not None)
    if len(totals) > 1:
        said = "; ".join(f"{t} ({_names(m.path for m in ours if m.total == t)})" for t in sorted(totals))
        found.append(situation("E543", "totals_differ", totals=said))
    total = next(iter(totals)) if len(totals) == 1 else None
    if total is not None:
        found.extend(situation("W542", "some_unknown", path=str(m.path), value=m.count, total=total)
                     for m in ours if m.number is not None and m.total is None)
    numbers = Counter(m.number for m in ours if m.number is not None)
    for number, times in sorted(numbers.items()):
        if times > 1:
            found.append(situation("E544", "twice", bags=_names(m.path for m in ours if m.number == number),
                                   number=number))
    label = group if group is not None else "?"
    if total is not None:
        gaps = _gaps(sorted(numbers), total)
        if gaps:
            found.append(situation("E544", "missing", group=label, total=total, numbers=gaps))
    elif not totals and numbers:
        found.append(situation("W542", "unknown", numbers=_ranges(sorted(numbers))))
        highest = max(numbers)
        gaps = _gaps(sorted(numbers), highest)
        if gaps:
            found.append(situation("E544", "missing_below", group=label, numbers=gaps, highest=highest))
    return group, total


class _Overlap:
    """Which bag holds each file (outside data/metadata/) and each item identifier, so far; E545 for a second one."""

    def __init__(self) -> None:
        self.bags: dict[int, Path] = {}
        self._files: dict[str, int] = {}
        self._items: dict[str, int] = {}
        self.found = Capped()

    def files(self, n: int, bag: Path, paths: Iterable[str]) -> None:
        self.bags[n] = bag
        own = METADATA_DIR + "/"
        for rel in paths:
            if rel.startswith(own):
                continue
            first = self._files.setdefault(rel, n)
            if first != n:
                self.found.append(situation("E545", "file", path=str(bag), file=rel, first=self.bags[first],
                                            other=bag))

    def items(self, n: int, bag: Path, found: list[Issue]) -> None:
        """Item identifiers from the bag's metadata.csv, read as a stream; I542 when there is none to read."""
        self.bags[n] = bag
        opened: list[Issue] = []
        source = open_source(bag, opened)
        if source is None:
            return  # its own report says why
        with source:
            if not source.listing().is_file(CSV_PATH):
                found.append(situation("I542", "no_csv", path=str(bag), csv=CSV_PATH))
                return
            try:
                with source.open(CSV_PATH, CSV_LIMIT) as fh:
                    for row in CsvStream(fh):
                        if isinstance(row, csvfile.CsvRow):
                            self._item(n, bag, row)
            except (SourceError, OSError) as exc:
                found.append(situation("I542", "csv_unreadable", path=str(bag), csv=CSV_PATH,
                                       error=getattr(exc, "message", None) or str(exc)))

    def _item(self, n: int, bag: Path, row: csvfile.CsvRow) -> None:
        identifier = next((v for k, v in row.pairs if k == "dc.identifier"), None)
        if not identifier:
            return
        first = self._items.setdefault(identifier, n)
        if first != n:
            self.found.append(situation("E545", "identifier", path=str(bag), identifier=clip(identifier, 200),
                                        first=self.bags[first], other=bag, file=row.filename))


def _names(paths: Iterable[Path], limit: int = _LISTED) -> str:
    shown = [str(p) for p in paths]
    more = f" and {len(shown) - limit:,} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def _ranges(numbers: Sequence[int], limit: int = _LISTED) -> str:
    """Sorted whole numbers as "1-3, 5, 9-12" (at most ``limit`` runs named)."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        elif not runs or n > runs[-1][1]:
            runs.append((n, n))
    return _runs(runs, limit)


def _gaps(present: Sequence[int], total: int, limit: int = _LISTED) -> str:
    """The numbers from 1 to ``total`` not in the sorted ``present``, as runs ("" when none); never one by one."""
    runs: list[tuple[int, int]] = []
    expected = 1
    for n in [*present, total + 1]:
        if n > total + 1 or n < expected:
            continue
        if n > expected:
            runs.append((expected, n - 1))
        expected = n + 1
    return _runs(runs, limit)


def _runs(runs: list[tuple[int, int]], limit: int) -> str:
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:limit])
    rest = sum(b - a + 1 for a, b in runs[limit:])
    return shown + (f" and {rest:,} more" if rest else "")
