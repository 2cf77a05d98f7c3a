"""Reconciling our record with the metadata an image already carries.

An original may hold a title, a caption, keywords or a location of its own
(in EXIF, XMP and IIM, not always in agreement). Fields our record leaves
empty keep the image's value, chosen as a Metadata Working Group reader
would; that value enters the record, so the sidecars say what the image says,
and is written to every home of the field, so XMP, IIM and EXIF agree under a
fresh IPTCDigest. Where the caption names a place, it replaces the image's
own location as a whole.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from packager import issues
from packager.metadata import crosswalk as cw_mod
from packager.metadata.crosswalk import Crosswalk, Mapping, Tags, as_list
from packager.metadata.text import storable_text
from packager.model import Issue, Location, Record


def complete(record: Record, tags: Tags, existing: Any, *, iim: bool, crosswalk: Crosswalk | None = None,
             reported: set[str] | None = None) -> tuple[Record, Tags, list[str], list[Issue]]:
    """What to embed into an image that already holds metadata of its own.

    ``existing`` is the image's tags as :meth:`packager.files.exiftool.ExifToolSession.read`
    returns them. For each field the record leaves empty, the image's own value
    is kept: chosen from EXIF, XMP and IIM as a Metadata Working Group reader
    would show it, it enters the record (so the sidecars say what the image
    says) and is written to every home of the field, so that XMP, IIM and EXIF
    agree under the fresh IPTCDigest (I312, and W313 per copy that disagreed).
    The record's own location replaces a different location of the image as a
    whole: the image's parts the record lacks are deleted (W313); where every
    part both name agrees, the image's further parts (a city in the country)
    are kept. Without a location of its own, the record takes the image's
    LocationShown, which stays as it is. Each value of the image's own that
    the record replaces is reported with its old text (W314).

    Returns the record, the tags to write, the tags to delete and the issues;
    the tags those issues name as replaced or removed are added to ``reported``.
    :func:`packager.embed.kept.plan` goes further (every change accounted for).
    """
    reported = set() if reported is None else reported
    cw = crosswalk or cw_mod.load()
    trusted = existing.get("Photoshop:IPTCDigest") in (None, existing.get("File:CurrentIPTCDigest"))
    own_place = any(not loc.is_empty() for loc in record.locations)
    other_place = own_place and not _same_place(record.primary_location(), existing, trusted, cw)
    out: Tags = dict(tags)
    fills: dict[str, Any] = {}
    delete: list[str] = []
    found: list[Issue] = []
    for m in cw.mappings:
        homes = [h for h in (m.xmp, m.iim if iim else "", m.exif) if h]
        if m.field == "locations":
            shown = tuple(loc for loc in (cw_mod.location_from_struct(s) for s in as_list(existing.get(m.xmp))
                                          if isinstance(s, dict)) if not loc.is_empty())
            if shown and not own_place:
                fills[m.field] = shown
                found.append(_kept(record, m, m.xmp, [loc.label() for loc in shown]))
        elif m.source == "location" and other_place:
            for home in (h for h in homes if h not in out and h in existing):
                delete.append(home)
                reported.add(home)
                found.append(issues.make("W313", path=record.file, field=m.field, file=record.file, tag=home, change=(
                    f"{existing[home]!r} removed: the location from the caption "
                    f"({record.primary_location().label()}) replaces the image's own location as a whole")))
        elif homes and not any(h in out for h in homes):
            values, source = _own_values(m, existing, trusted)
            if not values:
                continue
            written = cw_mod.field_tags(m, values, record.file, found, iim)
            out.update(written)
            found.append(_kept(record, m, source, values))
            changed = {home: value for home, value in written.items()
                       if _texts(existing.get(home)) not in ([], _texts(value))}
            found += [_replaced(record, m, home, existing[home], source, value) for home, value in changed.items()]
            reported.update(changed)
            if m.source != "location":
                fills[m.field] = tuple(values) if m.repeat else values[0]
        else:
            overwritten = _overwritten(record, m, homes, out, existing)
            found += [issue for _, issue in overwritten]
            reported.update(home for home, _ in overwritten)
    return replace(record, **fills), out, delete, found


def _overwritten(record: Record, m: Mapping, homes: list[str], out: Tags, existing: Any) -> list[tuple[str, Issue]]:
    """W314 for each of the image's own values our record replaces (with its tag): the
    old value survives in this message and in the item's ``replaced`` list."""
    return [(home, issues.make("W314", path=record.file, field=m.field, file=record.file, tag=home,
                               old=_shown(_texts(existing.get(home))), new=_shown(_texts(out[home]))))
            for home in homes if home in out and home in existing
            and [t.casefold() for t in _texts(existing.get(home))] not in ([], [t.casefold() for t in _texts(out[home])])]


def _same_place(ours: Location, existing: Any, trusted: bool, cw: Crosswalk) -> bool:
    """True when no part of the image's own location contradicts the record's."""
    for m in cw.mappings:
        if m.source == "location" and getattr(ours, m.field):
            theirs = _own_values(m, existing, trusted)[0]
            if theirs and theirs[0].strip().casefold() != getattr(ours, m.field).strip().casefold():
                return False
    return True


def _kept(record: Record, m: Mapping, source: str, values: list[str]) -> Issue:
    return issues.make("I312", path=record.file, field=m.field, file=record.file, label=m.label,
                       value=_shown(values), tag=source)


def _replaced(record: Record, m: Mapping, home: str, old: Any, source: str, new: Any) -> Issue:
    return issues.make("W313", path=record.file, field=m.field, file=record.file, tag=home, change=(
        f"was {_shown(_texts(old))!r}, unlike {source}; it now says {_shown(_texts(new))!r} "
        "so that XMP, IIM and EXIF agree (Metadata Working Group precedence)"))


def _shown(values: list[str]) -> str | list[str]:
    """The one value, or the list of several, as a message shows it (with ``!r``)."""
    return values[0] if len(values) == 1 else values


def _texts(value: Any) -> list[str]:
    """Non-blank text values of a tag value (a scalar or a list), as storable text."""
    return [storable_text(str(v)) for v in as_list(value) if not isinstance(v, dict) and str(v).strip()]


def _own_values(m: Mapping, existing: Any, trusted: bool) -> tuple[list[str], str]:
    """The image's own values of one field and the tag they come from, chosen as MWG
    readers choose: EXIF if not blank; else XMP, unless the image has IIM of the
    field that a stale IPTCDigest says was changed after the XMP; else IIM (the
    XMP's value if the IIM is that value clipped)."""
    exif = _texts(existing.get(m.exif)) if m.exif else []
    if exif:
        return ([v for v in exif[0].split("; ") if v.strip()] if m.repeat else exif), m.exif
    xmp = _texts(existing.get(m.xmp)) if m.xmp else []
    iim = _texts(existing.get(m.iim)) if m.iim else []
    if xmp and (trusted or not iim):
        values, source = xmp, m.xmp
    elif iim:
        assert m.iim_bytes is not None
        values = [xmp[i] if i < len(xmp) and cw_mod.clip_utf8(xmp[i], m.iim_bytes) == v else v for i, v in enumerate(iim)]
        source = m.iim
    else:
        return [], ""
    return (values if m.repeat else ["; ".join(values)]), source
