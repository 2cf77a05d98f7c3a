"""How coded issues are defined and made; the codes themselves are in the modules beside this one."""

from __future__ import annotations

from dataclasses import dataclass

from packager.model import Issue


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: str
    template: str
    name: str | None = None


_REGISTRY: dict[str, IssueType] = {}


def define(code: str, severity: str, template: str, name: str | None = None) -> None:
    if code in _REGISTRY:
        raise ValueError(f"issue code {code} defined twice")
    _REGISTRY[code] = IssueType(code, severity, template, name)


def make(code: str, path: str | None = None, line: int | None = None, field: str | None = None,
         severity: str | None = None, **values: object) -> Issue:
    """Build an Issue from its code; ``values`` fill the message template."""
    kind = _REGISTRY[code]
    return Issue(code=code, severity=severity or kind.severity,
                 message=kind.template.format(path=path, line=line, field=field, **values),
                 path=path, line=line, field=field, name=kind.name)


def registry() -> dict[str, IssueType]:
    return dict(_REGISTRY)
