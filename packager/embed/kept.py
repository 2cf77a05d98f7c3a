"""Nothing the image already says is lost: the plan for one image, fully accounted for.

:func:`plan` starts from :func:`packager.embed.reconcile.complete` (which fields
keep the image's own value, which the record replaces) and adds three things:

* the location the image keeps enters the record, so ``records.json``, the
  Dublin Core record (``dc.coverage``) and ``metadata.csv`` say where the
  image's copy says it was taken;
* ``LocationShown`` entries are merged, not replaced: an entry of the image
  that is the record's own place lends it what the record does not say (GPS,
  world region, identifiers, finer parts); an entry for another place is
  kept after the record's own;
* every tag of the crosswalk whose value in the bag's copy will differ from
  the original's is listed with its old value (the item's ``replaced``, kept
  in ``records.json``) and reported: W313 or W314, never silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from packager import issues
from packager.metadata import crosswalk as cw_mod
from packager.metadata.crosswalk import LOCATION_MEMBERS, LOCATION_SHOWN, Crosswalk, Tags, as_list
from packager.metadata.tagvalues import alternatives, compare, file_type, prepare
from packager.model import Issue, Record

from . import reconcile

#: Members of a Location structure that our record states (the rest are the image's own: GPS, world region...).
OWNED_MEMBERS = frozenset(member for _, member in LOCATION_MEMBERS)
#: Members of IPTC's Location structure that ExifTool can write (12.57); it reads others (such as
#: ``Iptc4xmpExt:GPSAltitudeRef``, which the standard puts in the exif namespace) but drops them when
#: the structure is written, so such a value survives only in the item's ``replaced`` list (W315).
WRITABLE_MEMBERS = OWNED_MEMBERS | {"LocationId", "LocationName", "WorldRegion", "GPSLatitude", "GPSLongitude",
                                    "GPSAltitude"}


@dataclass(frozen=True)
class Plan:
    """What to embed into one image: the record as it then stands, the tags to write and to
    delete, the issues, and each of the image's own values the copy will no longer hold."""

    record: Record
    tags: Tags
    delete: list[str]
    issues: list[Issue]
    replaced: tuple[dict[str, Any], ...]


def plan(record: Record, tags: Tags, existing: Any, *, iim: bool, crosswalk: Crosswalk | None = None) -> Plan:
    """The full plan for an image whose own tags (as ExifTool reads them) are ``existing``."""
    cw = crosswalk or cw_mod.load()
    reported: set[str] = set()
    done, out, delete, found = reconcile.complete(record, tags, existing, iim=iim, crosswalk=cw, reported=reported)
    done, out = _kept_location(record, done, out, cw)
    done, out, merged = _merged_shown(done, out, existing)
    found += merged
    changes = replacements(existing, out, delete, iim=iim, crosswalk=cw)
    fields = _fields(cw)
    for change in changes:
        tag = change["tag"]
        if tag in reported:
            continue
        field = next((f for home, f in fields.items() if tag == home or tag.startswith(home + "-")), "")
        if change["new"] is None:
            found.append(issues.make("W313", path=record.file, field=field, file=record.file, tag=tag,
                                     change=f"{_display(change['old'])!r} removed"))
        else:
            found.append(issues.make("W314", path=record.file, field=field, file=record.file, tag=tag,
                                     old=_display(change["old"]), new=_display(change["new"])))
    return Plan(done, out, delete, found, tuple(changes))


def replacements(existing: Any, out: Tags, delete: list[str], *, iim: bool,
                 crosswalk: Crosswalk | None = None) -> list[dict[str, Any]]:
    """Each tag of the crosswalk (and each language alternative that follows one) that
    holds a value in the original and will hold another, or none, in the bag's copy:
    ``{"tag", "old", "new"}`` with the values as read and as stored (``new`` None when removed)."""
    cw = crosswalk or cw_mod.load()
    file = str(existing.get("SourceFile", ""))
    homes = [h for m in cw.mappings for h in (m.xmp, m.iim if iim else "", m.exif) if h]
    stored, _ = prepare({h: out[h] for h in homes if h in out}, file_type(existing) or "JPEG", file, iim)
    followers = alternatives(existing, out)  # XMP-dc:Title-en that copied the x-default being replaced
    stored.update(followers)
    changes: list[dict[str, Any]] = []
    for tag in [*homes, *followers]:  # not the bookkeeping prepare() adds (UTF-8 marker, digest)
        old = existing.get(tag)
        if old in (None, "", [], {}):
            continue
        if tag in delete:
            changes.append({"tag": tag, "old": old, "new": None})
        elif tag in stored and any(i.field == tag for i in compare({tag: stored[tag]}, existing, file)):
            changes.append({"tag": tag, "old": old, "new": stored[tag]})
    return changes


def odd_iim(existing: Any) -> str:
    """Why the image's IIM must be left as it is ("" when it may be written): see
    :func:`packager.metadata.crosswalk.iim_left_alone`."""
    return cw_mod.iim_left_alone(existing)


def _kept_location(before: Record, done: Record, out: Tags, cw: Crosswalk) -> tuple[Record, Tags]:
    """The record with the location the image keeps (its City, Country... where the record says
    nothing): a place of its own, first unless a ``LocationShown`` entry names it, when the caption
    names none; finer parts of the record's own place (in its location and its ``LocationShown``
    entry) when the image's agrees with it."""
    core = cw_mod.core_location(out, cw)
    if core.is_empty():
        return done, out
    if any(not loc.is_empty() for loc in before.locations):  # the record's own place: only what it lacks
        primary = before.primary_location()
        extra = {attr: getattr(core, attr) for attr, _ in LOCATION_MEMBERS
                 if getattr(core, attr) and not getattr(primary, attr)}
        if not extra:
            return done, out
        shown = [dict(s) for s in as_list(out.get(LOCATION_SHOWN)) if isinstance(s, dict)]
        if shown:
            shown[0].update({member: extra[attr] for attr, member in LOCATION_MEMBERS if attr in extra})
            out = {**out, LOCATION_SHOWN: shown}
        return replace(done, locations=(replace(primary, **extra), *done.locations[1:])), out
    if any(cw_mod.location_within(core, loc) for loc in done.locations):
        return done, out
    return replace(done, locations=(core, *done.locations)), out


def _merged_shown(done: Record, out: Tags, existing: Any) -> tuple[Record, Tags, list[Issue]]:
    """``LocationShown`` as the record writes it, merged with the image's own entries."""
    ours = [dict(s) for s in as_list(out.get(LOCATION_SHOWN)) if isinstance(s, dict)]
    theirs = [s for s in as_list(existing.get(LOCATION_SHOWN)) if isinstance(s, dict)]
    if not ours or not theirs:
        return done, out, []
    added: list[dict[str, Any]] = []
    lent: set[str] = set()
    dropped: list[tuple[str, Any]] = []
    for entry in theirs:
        match = next((s for s in ours if _same_entry(s, entry)), None)
        target: dict[str, Any] = {} if match is None else match
        for member, value in entry.items():
            if value in (None, "", [], {}):
                continue
            if member not in WRITABLE_MEMBERS:
                dropped.append((member, value))
                continue
            before = target.get(member)
            if member == "LocationId":
                target[member] = [*as_list(before), *(i for i in as_list(value) if i not in as_list(before))]
            elif before in (None, ""):
                target[member] = value
            if match is not None and target[member] != before:
                lent.add(member)
        if match is None:
            added.append(target)
    shown = ours + added
    locations = tuple(loc for loc in (cw_mod.location_from_struct(s) for s in shown) if not loc.is_empty())
    found = [issues.make("W315", path=done.file, field="locations", file=done.file, tag=f"{LOCATION_SHOWN}/{member}",
                         value=_display(value)) for member, value in dropped]
    kept = [cw_mod.location_from_struct(s).label() or _display(s) for s in added]
    if lent:
        kept.append(f"{', '.join(sorted(lent))} of {locations[0].label()}")
    if kept:
        found.append(issues.make("I312", path=done.file, field="locations", file=done.file,
                                 label="Locations shown", tag=LOCATION_SHOWN, value=_display(kept)))
    return replace(done, locations=locations), {**out, LOCATION_SHOWN: shown}, found


def _same_entry(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """True when the image's entry is the record's place: no owned part both name disagrees, and
    at least one agrees (or they share an identifier)."""
    shared = [m for m in OWNED_MEMBERS if str(ours.get(m, "")).strip() and str(theirs.get(m, "")).strip()]
    if any(str(ours[m]).strip().casefold() != str(theirs[m]).strip().casefold() for m in shared):
        return False
    return bool(shared) or bool(set(as_list(ours.get("LocationId"))) & set(as_list(theirs.get("LocationId"))))


def _fields(cw: Crosswalk) -> dict[str, str]:
    return {h: m.field for m in cw.mappings for h in (m.xmp, m.iim, m.exif) if h}


def _display(value: Any) -> Any:
    """A value as a message shows it: text as is, a list item by item, a structure as JSON."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        shown = [_display(v) for v in value]
        return shown[0] if len(shown) == 1 else shown
    return str(value)
