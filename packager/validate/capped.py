"""A bounded list of issues: the first :data:`PER_CODE` of each code, and a count of the rest.

A hostile bag can hold a million problems of one kind (a metadata.csv of
500,000 bad rows, a manifest naming a million missing files). Listing them
all helps no one and costs memory and a report of hundreds of MB, so every
place the validator gathers issues gathers them in a :class:`Capped`: past
:data:`PER_CODE` issues of one code (and severity), further ones are only
counted, and :meth:`Capped.issues` ends with one :class:`Omitted` summary
(I541) per capped code saying how many more there were. A summary handed to
another :class:`Capped` adds to its count, so layers can be composed: the
count survives however many lists the issues pass through. Each kept
message (and path) is also clipped to :data:`MESSAGE_LIMIT` characters, so
one huge value cannot make the report huge either.

The verdict does not change: an error code that is capped still has its
first issues listed, and :func:`tally` counts the omitted ones too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, SupportsIndex

from packager import issues
from packager.model import Issue

#: Issues listed per code (and severity) in one report; the rest are counted (I541).
PER_CODE = 100
#: Longest message or path kept, in characters; the rest is replaced by a note of its length.
MESSAGE_LIMIT = 1000


@dataclass(frozen=True)
class Omitted(Issue):
    """I541: ``count`` more issues of ``omitted_code`` (of ``omitted_severity``) than are listed."""

    omitted_code: str = ""
    omitted_severity: str = ""
    count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "omitted_code": self.omitted_code, "omitted_severity": self.omitted_severity,
                "count": self.count}


def summary(code: str, severity: str, count: int, path: str | None, limit: int = PER_CODE) -> Omitted:
    """The I541 issue for ``count`` issues of ``code`` that were not listed (``path``: where all of them are)."""
    made = issues.make("I541", path=path, omitted=code, count=count, kind=severity, limit=limit)
    return Omitted(code=made.code, severity=made.severity, message=made.message, path=made.path, name=made.name,
                   omitted_code=code, omitted_severity=severity, count=count)


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters not shown)"


class Capped(list[Issue]):
    """Issues in the order found, at most ``limit`` of each (code, severity); see the module's notes.

    ``append``, ``extend``, ``+=`` and ``insert`` apply the cap; :meth:`issues` gives the kept
    issues followed by the summaries of what was counted."""

    def __init__(self, found: Iterable[Issue] = (), limit: int = PER_CODE) -> None:
        super().__init__()
        self.limit = limit
        self._listed: Counter[tuple[str, str]] = Counter()
        self._more: dict[tuple[str, str], tuple[int, str | None]] = {}  # (code, severity) -> (count, path)
        self.extend(found)

    def _keep(self, issue: Issue) -> Issue | None:
        """The issue to keep (clipped), or None once it is counted instead."""
        if isinstance(issue, Omitted):
            self._count((issue.omitted_code, issue.omitted_severity), issue.count, issue.path)
            return None
        key = (issue.code, issue.severity)
        if self._listed[key] >= self.limit:
            self._count(key, 1, issue.path)
            return None
        self._listed[key] += 1
        if len(issue.message) > MESSAGE_LIMIT or len(issue.path or "") > MESSAGE_LIMIT:
            issue = replace(issue, message=clip(issue.message), path=clip(issue.path) if issue.path else None)
        return issue

    def _count(self, key: tuple[str, str], count: int, path: str | None) -> None:
        before = self._more.get(key)
        if before is None:
            self._more[key] = (count, path)
        else:
            self._more[key] = (before[0] + count, path if path == before[1] else None)

    def append(self, issue: Issue) -> None:
        kept = self._keep(issue)
        if kept is not None:
            super().append(kept)

    def insert(self, index: SupportsIndex, issue: Issue) -> None:
        kept = self._keep(issue)
        if kept is not None:
            super().insert(index, kept)

    def extend(self, found: Iterable[Issue]) -> None:
        for issue in found.issues() if isinstance(found, Capped) else found:
            self.append(issue)

    def __iadd__(self, found: Iterable[Issue]) -> Capped:  # type: ignore[override,misc]
        self.extend(found)
        return self

    @property
    def omitted(self) -> int:
        """How many issues were counted and not kept."""
        return sum(count for count, _ in self._more.values())

    def issues(self) -> tuple[Issue, ...]:
        """The kept issues, then one summary (I541) per code that went over the limit."""
        more = [summary(code, severity, count, path, self.limit)
                for (code, severity), (count, path) in self._more.items()]
        return (*self, *more)


def tally(found: Iterable[Issue], severity: str) -> int:
    """How many issues of ``severity`` were found: those listed, and those the summaries count."""
    return sum(i.count if isinstance(i, Omitted) and i.omitted_severity == severity
               else int(i.severity == severity and not isinstance(i, Omitted)) for i in found)
