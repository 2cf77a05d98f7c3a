"""BagIt profiles: what a profile requires of a bag, checked against what the validator found.

A profile (BagIt Profiles specification 1.4.0, DART or LoC Bagger JSON; see
:mod:`.profile_formats`) is read into one :class:`Profile`;
:func:`check_profile` compares it with :class:`BagFacts`, the few facts the
validator gathers about a bag, and returns every failure as a coded issue
(E530-E539, W530-W533), never only the first. Profiles are local files: this
module never touches the network.

Rules decided here, where the specification leaves room:

* Tag labels are compared without regard to case (RFC 8493 §2.2.2 makes the
  reserved names case-insensitive; profiles do not distinguish others); values
  are compared exactly, after trimming surrounding blanks. A required tag must
  have a non-empty value, unless DART's ``emptyOk`` says otherwise.
* The bag must declare the profile's identifier in ``bag-info.txt``
  (``BagIt-Profile-Identifier``): the specification says conforming bags MUST
  and that the tag is "always required", so a bag that does not is an error
  (E539). This applies to specification-format profiles; DART and Bagger
  profiles state what they need in their own tag lists (BTR lists it).
* BagIt's own files (bagit.txt, bag-info.txt, fetch.txt, manifests and tag
  manifests) are governed by their own fields, not by Tag-Files-Allowed.
* Path patterns: see :func:`.profile_formats.pattern` (``*``
  matches any run of characters, ``/`` included).
* Data-Empty: the payload holds no file, or a single zero-length file (1.4.0).
* Every check runs, even after a failed Accept-BagIt-Version or
  Accept-Serialization (which the specification calls fatal: it lets
  processing stop there): the facts are already gathered, and one report
  with every problem saves the depositor a round trip.
* Serialization types are MIME types compared without case, with the usual
  aliases equal (application/x-tar for application/tar; application/gzip,
  application/x-gzip and application/x-gtar for application/tar+gzip;
  application/x-zip-compressed for application/zip).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packager import issues, schemas
from packager.errors import ProfileError
from packager.issues.receiving import situation
from packager.metadata.layout import PROFILE_ID as PACKAGER_PROFILE_ID
from packager.model import Issue

from .profile_formats import Profile, TagRule, matches, parse_json, read

__all__ = ["BUILTIN_NAMES", "BagFacts", "PACKAGER_PROFILE_ID", "Profile", "ProfileError", "TagRule",
           "builtin_profile", "check_profile", "load_profile", "load_profile_bytes", "named_profile", "resolve_profile"]

_APTRUST_ID = "https://raw.githubusercontent.com/APTrust/preservation-services/master/profiles/aptrust-v2.3.json"
_BTR_ID = "https://github.com/dpscollaborative/btr_bagit_profile/releases/download/1.0/btr-bagit-profile.json"
#: The profiles shipped in packager/schemas/, by the identifier a bag declares in bag-info.txt
#: (``BagIt-Profile-Identifier``). Ours has no web host, so its identifier is a URN; the
#: repositories' are copied verbatim (``schemas/profiles/README.md`` gives their sources).
_BUILTIN = {PACKAGER_PROFILE_ID: "bagit-profile.json", _APTRUST_ID: "profiles/aptrust-v2.3.json",
            _BTR_ID: "profiles/btr-v1.0.json"}
#: The names ``--profile`` takes for them.
BUILTIN_NAMES = {"packager": PACKAGER_PROFILE_ID, "aptrust": _APTRUST_ID, "aptrust-2.3": _APTRUST_ID,
                 "btr": _BTR_ID, "btr-1.0": _BTR_ID}

_MIME_KIND = {"application/tar": "tar", "application/x-tar": "tar",
              "application/tar+gzip": "tar+gzip", "application/gzip": "tar+gzip", "application/x-gzip": "tar+gzip",
              "application/x-gtar": "tar+gzip",
              "application/zip": "zip", "application/x-zip-compressed": "zip"}
_BAGIT_OWN = re.compile(r"(bagit|bag-info|fetch|(tag)?manifest-[^/]+)\.txt")


@dataclass(frozen=True)
class BagFacts:
    """What the validator learned about one bag, all a profile needs."""

    version: str | None  # BagIt-Version from bagit.txt
    # tag file name -> (label, value) pairs in file order, for bagit.txt, bag-info.txt and every other
    # top-level *.txt tag file that parses as 'Label: value' (e.g. aptrust-info.txt); labels as written
    tag_fields: dict[str, list[tuple[str, str]]]
    payload_algorithms: tuple[str, ...]  # from manifest-<alg>.txt names, as written
    tag_algorithms: tuple[str, ...]  # from tagmanifest-<alg>.txt names
    payload_files: tuple[str, ...]  # bag-relative posix paths present under data/, e.g. "data/a/b.jpg"
    tag_files: tuple[str, ...]  # bag-relative paths of every file outside data/ (incl. bagit.txt, manifests)
    has_fetch: bool  # fetch.txt present
    serialization: str | None  # None for a folder, else "application/tar", "application/tar+gzip", "application/zip"
    bag_name: str  # the bag's folder name (inside an archive: its top folder)
    archive_name: str | None  # the archive's file name minus .tar/.tar.gz/.tgz/.zip, else None
    # Total bytes of the payload files, if the caller knows them (for Data-Empty); otherwise the
    # octets of bag-info.txt's Payload-Oxum are used (the validator checks the Oxum separately).
    payload_octets: int | None = None


def load_profile(path: Path) -> Profile:
    """Read a profile file (specification 1.x JSON, DART JSON or LoC Bagger JSON).

    Raises :class:`ProfileError` (exit code 3) saying why the file cannot be used."""
    try:
        data = Path(path).read_bytes()
        return load_profile_bytes(data, str(path))
    except OSError as exc:
        raise ProfileError(f"profile {path} cannot be used: cannot read profile {path}: {exc.strerror or exc}; "
                           "check the path") from exc
    except ProfileError as exc:
        raise ProfileError(f"profile {path} cannot be used: {exc.message}") from None


def load_profile_bytes(data: bytes, source: str) -> Profile:
    """Read a profile from bytes; ``source`` names it in messages."""
    return read(parse_json(data, source), source)


def builtin_profile(identifier: str) -> Profile | None:
    """A profile shipped with the packager (ours), by its identifier; None for any other."""
    name = _BUILTIN.get(identifier.strip())
    return load_profile_bytes(schemas.read_bytes(name), schemas.label(name)) if name is not None else None


def named_profile(name: str) -> Profile | None:
    """A shipped profile by the name ``--profile`` takes (``aptrust``, ``btr``, ``packager``...), or by its identifier."""
    key = name.strip()
    return builtin_profile(BUILTIN_NAMES.get(key.lower(), key))


def resolve_profile(given: str | Path) -> Profile:
    """What ``--profile FILE|NAME`` names: a shipped profile's name or identifier, else a profile file.

    Raises :class:`ProfileError` (exit code 3) naming both readings when neither fits."""
    shipped = named_profile(str(given))
    if shipped is not None:
        return shipped
    path = Path(given)
    if not path.exists():
        raise ProfileError(f"profile {given!r} is neither a file nor a profile shipped with the packager; give a "
                           f"profile file, or one of: {', '.join(sorted(BUILTIN_NAMES))}")
    return load_profile(path)


def check_profile(profile: Profile, facts: BagFacts) -> list[Issue]:
    """Every way the bag fails the profile: the profile's own warnings first, then the bag's problems."""
    found = list(profile.notes)
    for check in (_version, _serialization, _fetch, _manifests, _tags, _identifier, _tag_files, _payload_files,
                  _data_empty):
        found += check(profile, facts)
    return found


# --- BagIt version, serialization, fetch.txt ------------------------------------------
def _version(p: Profile, facts: BagFacts) -> list[Issue]:
    if p.accept_versions is None or (facts.version or "").strip() in p.accept_versions:
        return []
    declared = f"BagIt-Version {facts.version.strip()}" if facts.version else "no BagIt-Version"
    return [issues.make("E538", path="bagit.txt", field="BagIt-Version", declared=declared, profile=p.label,
                        accepted=", ".join(p.accept_versions))]


def _serialization(p: Profile, facts: BagFacts) -> list[Issue]:
    found: list[Issue] = []
    where = facts.archive_name or facts.bag_name
    if facts.serialization is None and p.serialization == "required":
        found.append(situation("E537", "folder", path=where, profile=p.label, formats=_formats(p)))
    elif facts.serialization is not None and p.serialization == "forbidden":
        found.append(situation("E537", "forbidden", path=where, profile=p.label, serialization=facts.serialization))
    elif facts.serialization is not None and p.accept_serialization is not None \
            and _kind(facts.serialization) not in {_kind(m) for m in p.accept_serialization}:
        found.append(situation("E537", "format", path=where, profile=p.label, serialization=facts.serialization,
                               formats=_formats(p)))
    if p.dir_must_match_name and facts.archive_name is not None and facts.bag_name != facts.archive_name:
        found.append(situation("E537", "folder_name", path=where, profile=p.label, folder=facts.bag_name,
                               archive=facts.archive_name))
    return found


def _kind(mime: str) -> str:
    return _MIME_KIND.get(mime.strip().lower(), mime.strip().lower())


def _formats(p: Profile) -> str:
    return "accepted: " + (", ".join(p.accept_serialization) if p.accept_serialization else "any format")


def _fetch(p: Profile, facts: BagFacts) -> list[Issue]:
    if facts.has_fetch and not p.allow_fetch:
        return [situation("E536", "not_allowed", path="fetch.txt", profile=p.label)]
    if p.fetch_required and not facts.has_fetch:
        return [situation("E536", "required", path="fetch.txt", profile=p.label)]
    return []


# --- manifests ----------------------------------------------------------------------------
def _manifests(p: Profile, facts: BagFacts) -> list[Issue]:
    found: list[Issue] = []
    for kind, prefix, present, required, allowed in (
            ("payload manifest", "manifest", facts.payload_algorithms, p.manifests_required, p.manifests_allowed),
            ("tag manifest", "tagmanifest", facts.tag_algorithms, p.tag_manifests_required,
             p.tag_manifests_allowed)):
        have = {a.strip().lower() for a in present}
        for alg in required:
            if alg not in have:
                found.append(situation("E534", "required", path=f"{prefix}-{alg}.txt", kind=kind, profile=p.label,
                                       required=", ".join(required), algorithm=alg))
        for alg in sorted(have - set(have if allowed is None else allowed)):
            found.append(situation("E534", "not_allowed", path=f"{prefix}-{alg}.txt", kind=kind, profile=p.label,
                                   algorithm=alg, allowed=", ".join(allowed or ())))
    return found


# --- tags -------------------------------------------------------------------------------------
def _tags(p: Profile, facts: BagFacts) -> list[Issue]:
    found: list[Issue] = []
    for rule in p.tags:
        found += _tag(p, rule, facts)
    return found


def _tag(p: Profile, rule: TagRule, facts: BagFacts) -> list[Issue]:
    pairs = facts.tag_fields.get(rule.file)
    values = [v.strip() for label, v in pairs or () if label.strip().lower() == rule.label.lower()]
    hint = f" (the profile says: {rule.description})" if rule.description else ""
    names: dict[str, Any] = dict(path=rule.file, field=rule.label, file=rule.file, tag=rule.label, profile=p.label, hint=hint)
    if not values:
        if rule.required:
            return [issues.make("E530", reason=_absence(rule.file, pairs, facts), **names)]
        return [issues.make("W533", state="missing", **names)] if rule.recommended else []
    found = []
    if len(values) > 1 and not rule.repeatable:
        found.append(issues.make("E532", count=len(values), **names))
    for value in values:
        if value == "" and "" not in rule.values:
            if rule.required and not rule.empty_ok:
                found.append(issues.make("E533", **names))
        elif rule.values and value not in rule.values:
            allowed = ", ".join(repr(v) for v in rule.values)
            found.append(issues.make("E531", value=value, allowed=allowed, **names))
    if rule.recommended and all(v == "" for v in values):
        found.append(issues.make("W533", state="empty", **names))
    return found


def _absence(file: str, pairs: list[tuple[str, str]] | None, facts: BagFacts) -> str:
    if pairs is not None:
        return ""
    if file in facts.tag_files and "/" in file:
        return f" ({file} is in a tag folder, where tags are not read)"
    if file in facts.tag_files:
        return f" ({file} could not be read as 'Label: value' lines)"
    return f" (the bag has no {file})"


def _identifier(p: Profile, facts: BagFacts) -> list[Issue]:
    if not (p.declare_identifier and p.identifier):
        return []
    declared = [v.strip() for label, v in facts.tag_fields.get("bag-info.txt") or ()
                if label.strip().lower() == "bagit-profile-identifier"]
    if p.identifier in declared:
        return []
    return [situation("E539", "other" if declared else "undeclared", path="bag-info.txt",
                      field="BagIt-Profile-Identifier", declared=", ".join(declared), identifier=p.identifier)]


# --- files ---------------------------------------------------------------------------------------
def _tag_files(p: Profile, facts: BagFacts) -> list[Issue]:
    found = [situation("E535", "tag_file_required", path=path, profile=p.label)
             for path in p.tag_files_required if not _present(path, facts.tag_files)]
    allowed = ", ".join(p.tag_files_allowed) or "no other tag files"
    found += [situation("E535", "tag_file_not_allowed", path=path, profile=p.label, allowed=allowed)
              for path in facts.tag_files
              if not _BAGIT_OWN.fullmatch(path) and not matches(path, p.tag_files_allowed)]
    return found


def _payload_files(p: Profile, facts: BagFacts) -> list[Issue]:
    found = [situation("E535", "payload_required", path=path, profile=p.label,
                       kind="folder" if path.endswith("/") else "file")
             for path in p.payload_files_required if not _present(path, facts.payload_files)]
    allowed = ", ".join(p.payload_files_allowed) or "none"
    found += [situation("E535", "payload_not_allowed", path=path, profile=p.label, allowed=allowed)
              for path in facts.payload_files if not matches(path, p.payload_files_allowed)]
    return found


def _present(entry: str, paths: tuple[str, ...]) -> bool:
    """A required entry is present: a file by its exact path, a folder ``d/`` by a file somewhere under it,
    an entry written as a pattern by any path it matches."""
    if entry.endswith("/"):
        return any(path.startswith(entry) for path in paths)
    if "*" in entry:
        return any(matches(path, (entry,)) for path in paths)
    return entry in paths


def _data_empty(p: Profile, facts: BagFacts) -> list[Issue]:
    """Data-Empty (1.4.0): data/ holds no file, or a single zero-length one."""
    if not p.data_empty or not facts.payload_files:
        return []
    if len(facts.payload_files) > 1:
        state = f"data/ holds {len(facts.payload_files)} files"
    else:
        octets = facts.payload_octets if facts.payload_octets is not None else _oxum_octets(facts)
        if octets == 0:
            return []
        name = facts.payload_files[0]
        state = (f"the size of {name} is unknown (no Payload-Oxum)" if octets is None
                 else f"{name} holds {octets} bytes")
    return [situation("E535", "data_not_empty", path="data/", profile=p.label, state=state)]


def _oxum_octets(facts: BagFacts) -> int | None:
    for label, value in facts.tag_fields.get("bag-info.txt") or ():
        match = re.fullmatch(r"\s*(\d+)\.\d+\s*", value) if label.strip().lower() == "payload-oxum" else None
        if match:
            return int(match.group(1))
    return None
