"""What ``packager bag --skip-failed`` leaves out of a bag, and why.

By default one error-level finding anywhere means no bag: a collection is
deposited whole or not at all. With ``--skip-failed`` an archivist asks for
the rest to be packaged. What can be left out is one entry of the collection:

- an item whose own analysis or embedding failed (its record has an error);
- an image the collection scan refused (an error whose path is that image:
  no caption, a control character or a name too long, a link leaving the
  folder, a second spelling of another image's name);
- a caption line that could not be used (an error naming the caption file and
  a line: a broken CSV record, a caption naming no image, a repeated name).

Anything else (an unreadable review sheet, a row of edits that cannot be
applied) concerns the archivist's decisions about the whole collection, so it
still stops the run: packaging items without the edits asked for would be
silently wrong.

Every exclusion goes into the bag as ``data/metadata/excluded.csv`` (one row
each: the entry, the code, the message) and into the run's report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packager import issues
from packager.collection.scan import shown_name
from packager.model import ERROR, Issue, ItemResult

#: The columns of ``excluded.csv``.
COLUMNS = ("entry", "line", "code", "reason")


@dataclass(frozen=True)
class Exclusion:
    """One entry of the collection left out of the bag, with the error that left it out."""

    entry: str  # the image's file name (control characters escaped), or the caption file's name
    line: int | None  # the caption line, for a caption that could not be used
    code: str
    reason: str  # the error's message

    def issue(self) -> Issue:
        """The warning the run reports for it (W406)."""
        where = self.entry if self.line is None else f"{self.entry} line {self.line}"
        return issues.make("W406", path=self.entry, line=self.line, entry=where, failure=self.code)


@dataclass(frozen=True)
class CollectionErrors:
    """The collection's own errors, sorted: entries that can be left out, and errors that stop the run."""

    images: dict[str, Exclusion]  # by the image's name as shown (control characters escaped)
    lines: tuple[Exclusion, ...]
    blocking: tuple[Issue, ...]

    def leaves_out(self, item: ItemResult) -> bool:
        return shown_name(item.file) in self.images


def sort_collection_errors(found: Iterable[Issue], images: Path, captions: Path) -> CollectionErrors:
    """Which of the collection's error-level findings name one image or one caption line."""
    by_image: dict[str, Exclusion] = {}
    lines: list[Exclusion] = []
    blocking: list[Issue] = []
    for issue in found:
        if issue.severity != ERROR:
            continue
        where = Path(issue.path) if issue.path else None
        if where is not None and where.parent == images:
            name = shown_name(where.name)  # some scan errors name the file escaped already; escaping twice changes nothing
            by_image.setdefault(name, Exclusion(name, None, issue.code, issue.message))
        elif where == captions and issue.line is not None:
            lines.append(Exclusion(captions.name, issue.line, issue.code, issue.message))
        else:
            blocking.append(issue)
    return CollectionErrors(by_image, tuple(lines), tuple(blocking))


def of_item(item: ItemResult) -> Exclusion:
    """An item left out for its own first error."""
    first = next(i for i in item.issues if i.severity == ERROR)
    return Exclusion(shown_name(item.file), None, first.code, first.message)


def as_csv(exclusions: Sequence[Exclusion]) -> bytes:
    """``excluded.csv``: UTF-8, a header, one row per exclusion, in the order found."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in exclusions:
        writer.writerow((e.entry, "" if e.line is None else e.line, e.code, e.reason))
    return out.getvalue().encode("utf-8")
