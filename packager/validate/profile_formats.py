"""BagIt profile files, in the three formats met in practice, read into one model.

* the BagIt Profiles specification 1.x (up to 1.4.0): ``BagIt-Profile-Info``,
  ``Bag-Info``, ``Manifests-Required``... (:func:`read_spec`);
* DART's own JSON (APTrust, BTR): ``tags[]`` that may live in any tag file,
  ``tarDirMustMatchName``... (:func:`read_dart`);
* Library of Congress Bagger "project profiles": ``fieldRequired``,
  ``requiredValue``, ``valueList`` for bag-info.txt fields (:func:`read_loc`).

A file that cannot be used (not JSON, a field of the wrong JSON type, a value
outside its allowed set, a profile no bag could satisfy) raises
:class:`ProfileError` listing every such problem at once. Problems that leave
the profile usable (incomplete ``BagIt-Profile-Info``, unknown fields,
required files the allowed patterns do not cover) become warnings in
:attr:`Profile.notes`, which :func:`.profile.check_profile`
reports first.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from packager import issues
from packager.errors import ProfileError
from packager.issues.receiving import situation
from packager.model import Issue

SPEC = "BagIt Profiles (1.4.0) profile"
DART = "DART profile"
LOC = "LoC Bagger profile"
SERIALIZATIONS = ("required", "optional", "forbidden")

SPEC_FIELDS = ("BagIt-Profile-Info", "Bag-Info", "Manifests-Required", "Manifests-Allowed", "Allow-Fetch.txt",
               "Fetch.txt-Required", "Data-Empty", "Serialization", "Accept-Serialization", "Accept-BagIt-Version",
               "Tag-Manifests-Required", "Tag-Manifests-Allowed", "Tag-Files-Required", "Tag-Files-Allowed",
               "Payload-Files-Required", "Payload-Files-Allowed")
#: Required in BagIt-Profile-Info; BagIt-Profile-Version since 1.2.0 (absent: the profile is 1.1.0).
INFO_REQUIRED = ("Source-Organization", "External-Description", "Version", "BagIt-Profile-Identifier",
                 "BagIt-Profile-Version")
INFO_OPTIONAL = ("Contact-Name", "Contact-Phone", "Contact-Email")
# "recommended" is not in the specification; the BTR profile uses it, so it is read (a warning when missing).
SPEC_TAG_KEYS = ("required", "values", "repeatable", "description", "recommended")
DART_FIELDS = ("id", "name", "description", "userCanDelete", "required", "errors", "acceptBagItVersion",
               "acceptSerialization", "allowFetchTxt", "bagItProfileInfo", "manifestsRequired", "manifestsAllowed",
               "tagManifestsRequired", "tagManifestsAllowed", "tagFilesAllowed", "tagFilesRequired", "tags",
               "serialization", "baseProfileId", "isBuiltIn", "tarDirMustMatchName", "allowMiscTopLevelFiles",
               "allowMiscDirectories")
LOC_KEYS = ("fieldRequired", "requiredValue", "defaultValue", "valueList")


@dataclass(frozen=True)
class TagRule:
    """What a profile says about one tag (label) in one tag file."""

    file: str  # tag file, bag-relative: "bag-info.txt", "aptrust-info.txt"...
    label: str  # compared without regard to case (RFC 8493 §2.2.2)
    required: bool = False
    values: tuple[str, ...] = ()  # allowed values, compared exactly; empty: any value
    repeatable: bool = True
    empty_ok: bool = False  # a required tag may be present but empty (DART's emptyOk)
    recommended: bool = False
    description: str = ""
    default: str = ""  # the value a bagging tool writes when it is given none (DART defaultValue, Bagger defaultValue)


@dataclass(frozen=True)
class Profile:
    """One profile, whatever its format. ``None`` for an ``*_allowed`` field means "no restriction"."""

    identifier: str | None  # BagIt-Profile-Identifier of the profile itself
    source: str  # file it came from, for messages
    format: str = SPEC
    declare_identifier: bool = False  # the bag must declare ``identifier`` in bag-info.txt (spec format)
    tags: tuple[TagRule, ...] = ()
    accept_versions: tuple[str, ...] | None = None
    manifests_required: tuple[str, ...] = ()
    manifests_allowed: tuple[str, ...] | None = None
    tag_manifests_required: tuple[str, ...] = ()
    tag_manifests_allowed: tuple[str, ...] | None = None
    allow_fetch: bool = True
    fetch_required: bool = False
    data_empty: bool = False
    serialization: str = "optional"
    accept_serialization: tuple[str, ...] | None = None  # MIME types, lower case
    dir_must_match_name: bool = False  # DART tarDirMustMatchName
    tag_files_required: tuple[str, ...] = ()
    tag_files_allowed: tuple[str, ...] = ("*",)
    payload_files_required: tuple[str, ...] = ()
    payload_files_allowed: tuple[str, ...] = ("*",)
    notes: tuple[Issue, ...] = field(default=(), compare=False)  # warnings about the profile itself

    @property
    def label(self) -> str:
        """How messages name the profile."""
        return self.identifier or self.source


def read(data: Any, source: str) -> Profile:
    """Recognise the format of parsed profile JSON and read it."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: a BagIt profile is a JSON object, not {_describe(data)}; "
                           "check that this is the profile file")
    if set(data) & set(SPEC_FIELDS):
        return read_spec(data, source)
    if set(data) & (set(DART_FIELDS) - {"id", "name", "description", "required", "errors"}):
        return read_dart(data, source)
    if _looks_like_loc(data):
        return read_loc(data, source)
    raise ProfileError(f"{source} is not a BagIt profile in a known format: expected the BagIt Profiles "
                       "fields (BagIt-Profile-Info, Bag-Info, Accept-BagIt-Version...), DART's (tags, "
                       "acceptBagItVersion...) or a LoC Bagger project profile (fields with fieldRequired, "
                       "valueList...); check that this is the profile file")


def parse_json(data: bytes, source: str) -> Any:
    """Decode profile bytes (UTF-8, BOM allowed) into JSON, or say where they are broken."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{source} is not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; "
                           "fix the file (a JSON linter shows the spot)") from exc


# --- the BagIt Profiles specification ----------------------------------------
def read_spec(data: dict[str, Any], source: str) -> Profile:
    """A profile in the BagIt Profiles specification's format (1.0 to 1.4.0)."""
    problems: list[str] = []
    notes = [_unknown(source, key, SPEC) for key in data if key not in SPEC_FIELDS]
    top = _Fields(data, "", problems)
    info = top.obj("BagIt-Profile-Info") or {}
    info_fields = _Fields(info, "BagIt-Profile-Info.", problems)
    texts = {key: info_fields.text(key) for key in (*INFO_REQUIRED, *INFO_OPTIONAL)}
    notes += [_unknown(source, f"BagIt-Profile-Info.{key}", SPEC) for key in info
              if key not in INFO_REQUIRED + INFO_OPTIONAL]
    lacking = [key + (" (required since 1.2.0)" if key == "BagIt-Profile-Version" else "")
               for key in INFO_REQUIRED if not (texts[key] or "").strip()]
    if lacking:
        notes.append(issues.make("W530", path=source, source=source, fields=", ".join(lacking)))
    tags = _spec_tags(top.obj("Bag-Info") or {}, source, problems, notes)
    profile = Profile(
        identifier=(texts["BagIt-Profile-Identifier"] or "").strip() or None, source=source, format=SPEC,
        declare_identifier=True, tags=tags,
        accept_versions=top.strings("Accept-BagIt-Version"),
        manifests_required=_lowered(top.strings("Manifests-Required")) or (),
        manifests_allowed=_lowered(top.strings("Manifests-Allowed")),
        tag_manifests_required=_lowered(top.strings("Tag-Manifests-Required")) or (),
        tag_manifests_allowed=_lowered(top.strings("Tag-Manifests-Allowed")),
        allow_fetch=top.boolean("Allow-Fetch.txt", True), fetch_required=top.boolean("Fetch.txt-Required", False),
        data_empty=top.boolean("Data-Empty", False),
        serialization=top.choice("Serialization", SERIALIZATIONS, "optional"),
        accept_serialization=_lowered(top.strings("Accept-Serialization")),
        tag_files_required=top.strings("Tag-Files-Required") or (),
        tag_files_allowed=_patterns(top.strings("Tag-Files-Allowed")),
        payload_files_required=top.strings("Payload-Files-Required") or (),
        payload_files_allowed=_patterns(top.strings("Payload-Files-Allowed")))
    return _finish(profile, problems, notes)


def _spec_tags(table: dict[str, Any], source: str, problems: list[str], notes: list[Issue]) -> tuple[TagRule, ...]:
    rules = []
    for label, definition in table.items():
        where = f"Bag-Info.{label}"
        if not isinstance(definition, dict):
            problems.append(f"{where} must be an object such as {{\"required\": true}}, not {_describe(definition)}")
            continue
        notes += [_unknown(source, f"{where}.{key}", SPEC) for key in definition if key not in SPEC_TAG_KEYS]
        if label.lower() == "bagit-profile-identifier":
            notes.append(situation("W532", "identifier_tag", path=source, source=source))
        tag = _Fields(definition, where + ".", problems)
        required = tag.boolean("required", False)
        rules.append(TagRule("bag-info.txt", label, required=required, values=tag.strings("values") or (),
                             repeatable=tag.boolean("repeatable", True), recommended=tag.boolean("recommended", False),
                             description=tag.text("description") or ""))
    return tuple(rules)


# --- DART ---------------------------------------------------------------------
def read_dart(data: dict[str, Any], source: str) -> Profile:
    """A profile in DART's JSON (as shipped with DART 3 and dart-runner)."""
    problems: list[str] = []
    notes = [_unknown(source, key, DART) for key in data if key not in DART_FIELDS]
    top = _Fields(data, "", problems)
    info = _Fields(top.obj("bagItProfileInfo") or {}, "bagItProfileInfo.", problems)
    profile = Profile(
        identifier=(info.text("bagItProfileIdentifier") or "").strip() or None, source=source, format=DART,
        tags=_dart_tags(top.list("tags"), problems), accept_versions=top.strings("acceptBagItVersion"),
        manifests_required=_lowered(top.strings("manifestsRequired")) or (),
        manifests_allowed=_lowered(top.strings("manifestsAllowed")),
        tag_manifests_required=_lowered(top.strings("tagManifestsRequired")) or (),
        # DART's editor leaves an unset list empty; "no tag manifest allowed" would be written as unset too
        tag_manifests_allowed=_lowered(top.strings("tagManifestsAllowed")) or None,
        allow_fetch=top.boolean("allowFetchTxt", True),
        serialization=top.choice("serialization", SERIALIZATIONS, "optional"),
        accept_serialization=_lowered(top.strings("acceptSerialization")),
        dir_must_match_name=top.boolean("tarDirMustMatchName", False),
        tag_files_required=top.strings("tagFilesRequired") or (),
        tag_files_allowed=_patterns(top.strings("tagFilesAllowed")))
    return _finish(profile, problems, notes)


def _dart_tags(entries: list[Any], problems: list[str]) -> tuple[TagRule, ...]:
    rules = []
    for n, entry in enumerate(entries):
        where = f"tags[{n}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object with tagFile and tagName, not {_describe(entry)}")
            continue
        tag = _Fields(entry, where + ".", problems)
        tag_file, label = tag.text("tagFile"), tag.text("tagName")
        if tag_file is None or label is None or not tag_file.strip() or not label.strip():
            problems.append(f"{where} needs a non-empty tagFile and tagName")
            continue
        rules.append(TagRule(tag_file.strip(), label.strip(), required=tag.boolean("required", False),
                             values=tag.strings("values") or (), empty_ok=tag.boolean("emptyOk", False),
                             default=(tag.text("defaultValue") or "").strip()))
    return tuple(rules)


# --- Library of Congress Bagger -------------------------------------------------
def _looks_like_loc(data: dict[str, Any]) -> bool:
    if isinstance(data.get("ordered"), list):
        return True
    return bool(data) and all(isinstance(v, dict) and set(v) & set(LOC_KEYS) for v in data.values())


def read_loc(data: dict[str, Any], source: str) -> Profile:
    """A Bagger project profile: bag-info.txt fields only; ``{"ordered": [{name: {...}}, ...]}`` or a plain object."""
    problems: list[str] = []
    notes: list[Issue] = []
    pairs: list[tuple[str, Any]] = []
    if "ordered" in data:
        for n, entry in enumerate(data["ordered"] if isinstance(data["ordered"], list) else []):
            if not isinstance(entry, dict) or len(entry) != 1:
                problems.append(f"ordered[{n}] must be an object with exactly one field, not {_describe(entry)}")
                continue
            pairs += entry.items()
        notes += [_unknown(source, key, LOC) for key in data if key != "ordered"]
    else:
        pairs = list(data.items())
    rules = []
    for label, definition in pairs:
        if not isinstance(definition, dict):
            problems.append(f"{label} must be an object such as {{\"fieldRequired\": true}}, not "
                            f"{_describe(definition)}")
            continue
        notes += [_unknown(source, f"{label}.{key}", LOC) for key in definition if key not in LOC_KEYS]
        tag = _Fields(definition, f"{label}.", problems)
        fixed = tag.text("requiredValue")
        default = tag.text("defaultValue") or ""  # for the bagging tool (the writer), not a constraint
        values = (fixed,) if fixed is not None else tag.strings("valueList") or ()
        rules.append(TagRule("bag-info.txt", label, required=tag.boolean("fieldRequired", False), values=values,
                             default=(fixed or default).strip()))
    return _finish(Profile(identifier=None, source=source, format=LOC, tags=tuple(rules)), problems, notes)


# --- shared ---------------------------------------------------------------------
def _finish(profile: Profile, problems: list[str], notes: list[Issue]) -> Profile:
    """Check what no bag could satisfy (fatal) and what is merely odd (notes); attach the notes."""
    problems = problems + _contradictions(profile)
    if problems:
        raise ProfileError(f"{profile.source} is not a usable {profile.format}: " + "; ".join(problems)
                           + ". Correct the profile, or ask its publisher for a corrected one")
    notes += _oddities(profile)
    return replace(profile, notes=tuple(notes))


def _contradictions(p: Profile) -> list[str]:
    out = []
    for kind, required, allowed in (("payload manifest", p.manifests_required, p.manifests_allowed),
                                     ("tag manifest", p.tag_manifests_required, p.tag_manifests_allowed)):
        missing = [a for a in required if allowed is not None and a not in allowed]
        if missing:
            out.append(f"{kind} algorithm(s) {', '.join(missing)} are required but not in the allowed list "
                       f"({', '.join(allowed or ()) or 'empty'})")
    if p.fetch_required and not p.allow_fetch:
        out.append("fetch.txt is required but not allowed (Fetch.txt-Required true, Allow-Fetch.txt false)")
    if p.serialization == "required" and p.accept_serialization == ():
        out.append("serialization is required but no serialization format is accepted")
    if p.accept_versions == ():
        out.append(f"{_field(p, 'Accept-BagIt-Version')} is empty, so no bag can conform: list the accepted BagIt versions")
    if p.manifests_allowed == ():
        out.append(f"{_field(p, 'Manifests-Allowed')} is empty, so no bag can conform (every bag has a payload manifest): list the "
                   "allowed algorithms")
    return out


def _oddities(p: Profile) -> list[Issue]:
    found: list[tuple[str, dict[str, Any]]] = []
    if p.accept_versions is None and p.format != LOC:
        found.append(("any_version", dict(field_name=_field(p, "Accept-BagIt-Version"))))
    if p.serialization != "forbidden" and p.accept_serialization is None and p.format != LOC:
        found.append(("any_serialization", dict(field_name=_field(p, "Accept-Serialization"))))
    for kind, required, allowed in (("tag file", p.tag_files_required, p.tag_files_allowed),
                                    ("payload path", p.payload_files_required, p.payload_files_allowed)):
        found += [("uncovered", dict(kind=kind, entry=path, allowed=", ".join(allowed)))
                  for path in required if not covered(path, allowed)]
    for kind, allowed in (("Tag-Files-Allowed", p.tag_files_allowed),
                          ("Payload-Files-Allowed", p.payload_files_allowed)):
        found += [("trailing_slash", dict(field_name=_field(p, kind), entry=glob, read_as=glob + "*"))
                  for glob in allowed if glob.endswith("/")]
    return [situation("W532", what, path=p.source, source=p.source, **values) for what, values in found]


def _field(p: Profile, spec_name: str) -> str:
    """A field's name as the profile's format spells it (DART: lower camel case)."""
    if p.format != DART:
        return spec_name
    words = spec_name.replace("BagIt", "Bagit").replace(".txt", "Txt").split("-")
    return (words[0].lower() + "".join(words[1:])).replace("Bagit", "BagIt")


def _unknown(source: str, key: str, fmt: str) -> Issue:
    return issues.make("W531", path=source, field=key, source=source, key=key, format=fmt)


def _lowered(names: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Algorithm names and MIME types: compared without case, duplicates and blanks dropped."""
    return None if names is None else tuple(dict.fromkeys(n.strip().lower() for n in names if n.strip()))


def _patterns(patterns: tuple[str, ...] | None) -> tuple[str, ...]:
    """Allowed-path patterns; absent means ``["*"]`` (everything), as the specification says. Empty entries
    (DART writes ``""``) allow nothing and are dropped."""
    return ("*",) if patterns is None else tuple(p.strip() for p in patterns if p.strip())


# --- path patterns ----------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def pattern(glob: str) -> re.Pattern[str]:
    """The wildcard rule for Tag-Files-Allowed and Payload-Files-Allowed (and for required entries that
    are written as patterns).

    The specification says that "asterisks can represent zero or more characters" and that ``["*"]``
    allows *all* tag files, those inside tag directories too. So here:

    * ``*`` matches any run of characters, ``/`` included: ``data/*`` allows everything under ``data/``,
      at any depth, and ``*.txt`` allows ``a.txt`` and ``custom_tags/b.txt``;
    * ``**`` means the same as ``*`` (two runs of anything are one run);
    * every other character matches only itself, ``?`` and ``[`` included: the specification defines no
      other wildcard, and file names holding them stay usable;
    * a pattern ending in ``/`` is read as ending in ``/*`` (the profile gets a warning);
    * matching is case-sensitive and covers the whole path: ``data/a`` does not allow ``data/ab``.
    """
    if glob.endswith("/"):
        glob += "*"
    return re.compile(".*".join(re.escape(part) for part in re.split(r"\*+", glob)), re.DOTALL)


def matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(pattern(glob).fullmatch(path) for glob in patterns)


def covered(entry: str, patterns: tuple[str, ...]) -> bool:
    """Whether a required entry is allowed by ``patterns``. A directory entry ``d/`` needs a pattern that
    allows everything in it (``d/*`` or wider); an entry written as a pattern needs a pattern at least as
    wide (tested by matching the entry's own text)."""
    return matches(entry + "*" if entry.endswith("/") else entry, patterns)


class _Fields:
    """Typed reads from one JSON object. A wrong type is recorded in ``problems`` (naming the field) and the
    default is used, so that one ProfileError can list every broken field. ``null`` counts as absent."""

    def __init__(self, data: dict[str, Any], where: str, problems: list[str]):
        self.data, self.where, self.problems = data, where, problems

    def _get(self, key: str, expected: str, ok: Any) -> Any:
        value = self.data.get(key)
        if value is None or ok(value):
            return value
        self.problems.append(f"{self.where}{key} must be {expected}, not {_describe(value)}")
        return None

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, "true or false", lambda v: isinstance(v, bool))
        return default if value is None else value

    def text(self, key: str) -> str | None:
        value: str | None = self._get(key, "a string", lambda v: isinstance(v, str))
        return value

    def obj(self, key: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self._get(key, "an object", lambda v: isinstance(v, dict))
        return value

    def list(self, key: str) -> list[Any]:
        return self._get(key, "a list", lambda v: isinstance(v, list)) or []

    def strings(self, key: str) -> tuple[str, ...] | None:
        value = self._get(key, "a list of strings",
                          lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v))
        return None if value is None else tuple(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(key)
        if value is None:
            return default
        if value.strip().lower() not in choices:  # the specification names them in lower case
            self.problems.append(f"{self.where}{key} {value!r} is not one of {', '.join(choices)}")
            return default
        return value.strip().lower()


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__

