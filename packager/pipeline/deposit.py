"""What the receiving repository's BagIt profile asks of a bag, turned into the bag writer's choices.

A profile (ours by default, a shipped one by name such as ``aptrust`` or
``btr``, or a file in any of the three formats the validator reads) decides:

* the payload and tag manifest algorithms: every one it requires, and ours
  (:data:`~packager.metadata.layout.ALGORITHMS`) wherever it allows them;
* the BagIt version: 1.0 if the profile accepts it, else 0.97;
* the tags: each required tag of bag-info.txt or of another tag file is given
  its value from ``collection.toml`` (``[bag-info]``, ``[tag-files."name"]``,
  or the collection's own facts for the labels in :data:`_FROM_COLLECTION`),
  else the profile's default, else the run stops before any work with E407
  naming the tag, the values it allows and where to set it; a value the
  profile does not allow is E408;
* the extra tag files: those of ``[tag-files]`` that the profile allows (others
  are left out with I407), and every one it requires;
* the serialization: ``--serialize`` if given (it must be one the profile
  accepts), else the first the profile accepts when it requires one;
* ``BagIt-Profile-Identifier``: the profile's own.

What the packager cannot make (fetch.txt, an empty payload, a BagIt version
other than 1.0 and 0.97, a checksum algorithm Python lacks, an archive format
other than tar, tar.gz and zip) is E409, also before any work. None of the
three profile formats states a size limit, so ``--max-bag-size`` is given on
the command line (:func:`parse_size`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packager import __version__, issues
from packager.bag.serialize import KINDS, MIME, SUFFIX, kind_for_mime
from packager.bag.writer import SUPPORTED, VERSIONS
from packager.collection.config import CollectionConfig
from packager.errors import ConfigError, UsageError
from packager.metadata import layout
from packager.model import Issue
from packager.validate.profile import Profile, TagRule
from packager.validate.profile_formats import matches

BAG_INFO = "bag-info.txt"
#: bag-info labels the bag writer fills in itself (never asked of the archivist).
AUTOMATIC = frozenset({"bagging-date", "payload-oxum", "bag-size"})
#: Labels a bag group's bags are given by the run that splits the collection.
GROUP_LABELS = frozenset({"bag-group-identifier", "bag-count"})
#: Labels, in any tag file, whose value the collection's own facts give when nothing else does.
_FROM_COLLECTION = {"title": "title", "description": "description", "external-description": "description",
                    "internal-sender-description": "description", "internal-sender-identifier": "identifier",
                    "external-identifier": "identifier"}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgtp]?i?b?)\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12,
          "tb": 10**12, "p": 10**15, "pb": 10**15, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
          "pib": 2**50, "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40, "pi": 2**50}

Fields = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Deposit:
    """How to make the bag: everything the profile decided, checked before any work."""

    profile: Profile
    payload_algorithms: tuple[str, ...]
    tag_algorithms: tuple[str, ...]
    version: str  # BagIt-Version
    serialization: str | None  # "tar", "tar.gz", "zip", or None for a folder
    bag_info: Fields  # in order; the writer adds Bagging-Date, Payload-Oxum and Bag-Size
    tag_files: tuple[tuple[str, Fields], ...]  # extra tag files, each with its fields
    max_bag_size: int | None = None  # bytes; a collection larger than this becomes a bag group
    notes: tuple[Issue, ...] = ()  # I407: tag files of collection.toml the profile does not allow

    @property
    def suffix(self) -> str:
        """The archive's suffix (``.tar``...), or "" for a folder."""
        return SUFFIX[self.serialization] if self.serialization else ""


def parse_size(text: str) -> int:
    """``500MB``, ``4GiB``, ``1.5 GB`` or a number of bytes, as bytes (decimal and binary units)."""
    match = _SIZE.fullmatch(text or "")
    unit = (match.group(2) if match else "").lower()
    if not match or unit not in _UNITS:
        raise UsageError(f"--max-bag-size {text!r} is not a size; write e.g. 500MB, 4GiB or a number of bytes")
    size = int(float(match.group(1)) * _UNITS[unit])
    if size <= 0:
        raise UsageError(f"--max-bag-size {text!r} must be more than zero")
    return size


def plan(cfg: CollectionConfig, profile: Profile, software_agent: str, *, serialize: str | None = None,
         max_bag_size: int | None = None) -> Deposit:
    """The bag the profile asks for, from this collection; E407/E408/E409 (ConfigError) before any work."""
    _refuse_what_we_cannot_make(profile)
    bag_info = _bag_info(cfg, profile, software_agent, group=max_bag_size is not None)
    tag_files, notes = _tag_files(cfg, profile)
    return Deposit(profile=profile, payload_algorithms=_algorithms(profile.manifests_required,
                                                                   profile.manifests_allowed, profile, "payload"),
                   tag_algorithms=_algorithms(profile.tag_manifests_required, profile.tag_manifests_allowed, profile,
                                              "tag"),
                   version=next(v for v in VERSIONS if profile.accept_versions is None
                                or v in profile.accept_versions),
                   serialization=_serialization(profile, serialize), bag_info=bag_info, tag_files=tag_files,
                   max_bag_size=max_bag_size, notes=notes)


def software_agent(exiftool_version: str, crosswalk_version: str) -> str:
    """``Bag-Software-Agent``: this packager with the versions that made the bag."""
    return layout.software_agent(__version__, exiftool_version, crosswalk_version)


# --- what cannot be made -----------------------------------------------------------
def _cannot(profile: Profile, what: str, advice: str) -> ConfigError:
    issue = issues.make("E409", path=profile.source, profile=profile.label, what=what, advice=advice)
    return ConfigError(issue.message, [issue])


def _refuse_what_we_cannot_make(profile: Profile) -> None:
    if profile.fetch_required:
        raise _cannot(profile, "a fetch.txt", "the packager puts every file in the bag; ask the repository for "
                      "a profile without Fetch-Required")
    if profile.data_empty:
        raise _cannot(profile, "an empty payload", "this profile is for bags without files; choose another profile")
    if profile.accept_versions is not None and not set(VERSIONS) & set(profile.accept_versions):
        raise _cannot(profile, f"BagIt-Version {' or '.join(profile.accept_versions)}",
                      f"the packager writes BagIt {' or '.join(VERSIONS)}")


def _algorithms(required: tuple[str, ...], allowed: tuple[str, ...] | None, profile: Profile,
                kind: str) -> tuple[str, ...]:
    missing = [a for a in required if a not in SUPPORTED]
    if missing:
        raise _cannot(profile, f"{kind} manifests with {', '.join(missing)}",
                      f"the packager can compute {', '.join(SUPPORTED)}")
    chosen = list(dict.fromkeys([*required, *(a for a in layout.ALGORITHMS if allowed is None or a in allowed)]))
    if not chosen:  # none required, none of ours allowed: the strongest the profile allows that we can compute
        usable = [a for a in (allowed or ()) if a in SUPPORTED]
        if not usable:
            raise _cannot(profile, f"{kind} manifests only with {', '.join(allowed or ())}",
                          f"the packager can compute {', '.join(SUPPORTED)}")
        chosen = [sorted(usable, key=_strength)[-1]]
    return tuple(chosen)


def _strength(algorithm: str) -> int:
    digits = re.search(r"(\d+)$", algorithm)
    return 0 if algorithm in ("md5", "sha1") else int(digits.group(1)) if digits else 1


def _serialization(profile: Profile, asked: str | None) -> str | None:
    accepted = [kind_for_mime(m) for m in profile.accept_serialization or ()]
    if asked is not None:
        if profile.serialization == "forbidden":
            raise _cannot(profile, "a bag that is not serialized", f"leave out --serialize {asked}")
        if profile.accept_serialization is not None and asked not in accepted:
            raise _cannot(profile, f"one of {', '.join(profile.accept_serialization)}",
                          f"--serialize {asked} is not among them; choose one the profile accepts")
        return asked
    if profile.serialization != "required":
        return None
    usable = [k for k in accepted if k is not None] if profile.accept_serialization is not None else list(KINDS)
    if not usable:
        raise _cannot(profile, f"serialization as {', '.join(profile.accept_serialization or ())}",
                      f"the packager writes {', '.join(MIME[k] for k in KINDS)}")
    return usable[0]


# --- tags ----------------------------------------------------------------------------
def _bag_info(cfg: CollectionConfig, profile: Profile, agent: str, *, group: bool) -> Fields:
    info = list(cfg.bag_info)
    given = {label.lower() for label, _ in info}
    if group and given & GROUP_LABELS:
        raise ConfigError(f"{cfg.path}: [bag-info] sets {', '.join(sorted(given & GROUP_LABELS))}, which a run "
                          "with --max-bag-size writes itself; remove it from [bag-info]")
    if "external-identifier" not in given:
        info.append(("External-Identifier", cfg.info.identifier))
    if "external-description" not in given and cfg.info.description:
        info.append(("External-Description", cfg.info.description))
    declared = [v for k, v in info if k.lower() == "bagit-profile-identifier"]
    if profile.identifier and not declared:
        info.append(("BagIt-Profile-Identifier", profile.identifier))
    elif profile.identifier and profile.identifier not in declared and profile.identifier != layout.PROFILE_ID:
        raise ConfigError(f"{cfg.path}: [bag-info] declares BagIt-Profile-Identifier {declared[0]!r}, but the bag "
                          f"is made to the profile {profile.identifier}; remove it from [bag-info]")
    info.append(("Bag-Software-Agent", agent))
    skip = AUTOMATIC | (GROUP_LABELS if group else frozenset())
    rules = [r for r in profile.tags if r.file == BAG_INFO and r.label.lower() not in skip]
    return _complete(cfg, profile, BAG_INFO, "[bag-info]", info, rules)


def _tag_files(cfg: CollectionConfig, profile: Profile) -> tuple[tuple[tuple[str, Fields], ...],
                                                                 tuple[Issue, ...]]:
    given = dict(cfg.tag_files)
    asked = [f for f in dict.fromkeys(r.file for r in profile.tags) if f not in ("bagit.txt", BAG_INFO)]
    asked += [f for f in profile.tag_files_required if f not in asked and "*" not in f]
    out, notes = [], []
    for name in asked:
        rules = [r for r in profile.tags if r.file == name]
        out.append((name, _complete(cfg, profile, name, f'[tag-files."{name}"]', list(given.pop(name, ())), rules)))
    for name, fields in given.items():
        if matches(name, profile.tag_files_allowed):
            out.append((name, fields))
        else:
            notes.append(issues.make("I407", path=name, file=name, profile=profile.label))
    return tuple(out), tuple(notes)


def _complete(cfg: CollectionConfig, profile: Profile, file: str, table: str, fields: list[tuple[str, str]],
              rules: list[TagRule]) -> Fields:
    """``fields`` with every required tag of ``rules`` given a value; every value checked against the profile."""
    for rule in rules:
        present = [v for k, v in fields if k.lower() == rule.label.lower()]
        if rule.required and not any(v.strip() for v in present) and not (present and rule.empty_ok):
            value = _value_for(cfg, rule)
            if not value:
                allowed = f" (one of: {', '.join(rule.values)})" if rule.values else ""
                example = f"{rule.label} = {(rule.values[0] if rule.values else '...')!r}"
                issue = issues.make("E407", path=str(cfg.path), field=rule.label, file=file, label=rule.label,
                                    profile=profile.label, allowed=allowed, table=table, example=example)
                raise ConfigError(issue.message, [issue])
            fields = [(k, v) for k, v in fields if k.lower() != rule.label.lower()] + [(rule.label, value)]
            present = [value]
        for value in present:
            if rule.values and value.strip() not in rule.values and not (rule.empty_ok and not value.strip()):
                issue = issues.make("E408", path=str(cfg.path), field=rule.label, file=file, label=rule.label,
                                    value=value, profile=profile.label, allowed=", ".join(rule.values), table=table)
                raise ConfigError(issue.message, [issue])
    return tuple(fields)


def _value_for(cfg: CollectionConfig, rule: TagRule) -> str:
    """The collection's own fact for a well-known label, else the profile's default ("" for none)."""
    fact = _FROM_COLLECTION.get(rule.label.lower())
    value = str(getattr(cfg.info, fact) or "") if fact else ""
    if value and (not rule.values or value in rule.values):
        return value
    return rule.default
