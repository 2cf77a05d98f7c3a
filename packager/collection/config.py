"""The collection description file (``collection.toml``).

An archivist writes one per collection; it says what the collection is, where
its captions and images are, and which fields go into ``bag-info.txt``.
Unknown facts are left out or empty; nothing is invented to fill a gap.

A collection may be given as the folder holding ``collection.toml`` or as the
file itself.

Optional parts: ``[source] review`` names the review sheet (default
``review.csv`` beside collection.toml, see :mod:`packager.review.sheet`), and a
``[defaults]`` table gives values for what the caption analysis finds
nothing for: a place (``country``, and optionally ``province_state``,
``city``, ``country_code``; completed from the gazetteer by the analysis
stage, so ``country = "China"`` also gives CHN) used for items whose caption
names none, and ``keywords`` added to every item.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packager import issues
from packager.errors import ConfigError
from packager.model import CollectionInfo, Location

CONFIG_NAME = "collection.toml"
REVIEW_NAME = "review.csv"
_DEFAULT_PLACE_KEYS = ("city", "province_state", "country", "country_code")
_KEYWORD_BYTES = 64  # IIM Keywords
DST_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_LIST_KEYS = ("creator", "contributor", "subject")
_TEXT_KEYS = ("identifier", "title", "description", "language", "rights", "publisher", "date",
              "coverage", "source", "credit", "digital_source_type", "contact")
_BAG_INFO_RESERVED = ("Payload-Oxum", "Bag-Size", "Bagging-Date", "Bag-Software-Agent")
_SOURCE_KEYS = ("captions", "images", "pattern", "review")
_TABLES = {"collection": _TEXT_KEYS + _LIST_KEYS, "source": _SOURCE_KEYS,
           "defaults": _DEFAULT_PLACE_KEYS + ("keywords",), "bag-info": (),
           "tag-files": ()}  # [bag-info] labels and [tag-files] names are free
#: What a [tag-files] name may not be: BagIt's own files, or anything in the payload.
_BAGIT_OWN = re.compile(r"(?i)(bagit|bag-info|fetch|(tag)?manifest-[^/]*)\.txt|data(/.*)?")
_TAG_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


@dataclass(frozen=True)
class CollectionConfig:
    """Everything the pipeline needs to know about one collection."""

    path: Path  # the collection.toml file
    root: Path  # the folder it lives in; relative paths resolve against it
    info: CollectionInfo
    captions: Path
    images: Path
    pattern: str | None
    bag_info: tuple[tuple[str, str], ...]
    review: Path | None = None  # the review sheet (it need not exist)
    #: extra tag files from [tag-files."name"] tables: (name, ((label, value), ...)), in file order
    tag_files: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


def config_error(problem: str, path: Path) -> ConfigError:
    """E003 for ``path`` (a collection.toml), as the exception that stops the command."""
    issue = issues.make("E003", path=str(path), problem=problem)
    return ConfigError(f"{path}: {issue.message}", [issue])


def locate(collection: Path) -> Path:
    """Return the ``collection.toml`` for a folder or file argument."""
    path = collection / CONFIG_NAME if collection.is_dir() else collection
    if not path.is_file():
        issue = issues.make("E001", path=str(path))
        raise ConfigError(issue.message, [issue])
    return path


def load(collection: Path) -> CollectionConfig:
    """Read and check a collection description; raise ConfigError naming the field."""
    path = locate(Path(collection))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise config_error(f"not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8", path) from exc
    except tomllib.TOMLDecodeError as exc:
        issue = issues.make("E002", path=str(path), error=str(exc))
        raise ConfigError(f"{path}: {issue.message}", [issue]) from exc
    root = path.parent.resolve()
    _refuse_unknown_tables(data, path)
    info = _collection_info(data.get("collection"), path)
    source = _table(data, "source", path)
    _refuse_unknown(source, _SOURCE_KEYS, "[source]", path)
    captions = _required_text(source, "captions", "[source]", path)
    images = _required_text(source, "images", "[source]", path)
    pattern = source.get("pattern")
    if pattern is not None:
        _check_pattern(pattern, path)
    info = _with_defaults(info, data.get("defaults", {}), path)
    review = root / _review_name(source, path)
    if review in (root / captions, path.resolve()):
        raise config_error(f"[source] review {review.name!r} would overwrite the captions or this file; name another file",
                    path)
    return CollectionConfig(path=path, root=root, info=info, captions=root / captions,
                            images=root / images, pattern=pattern,
                            bag_info=_bag_info(data.get("bag-info", {}), path), review=review,
                            tag_files=_tag_files(data.get("tag-files", {}), path))


def _review_name(source: dict[str, Any], path: Path) -> str:
    if "review" not in source:
        return REVIEW_NAME
    name = _required_text(source, "review", "[source]", path)
    if not name.lower().endswith(".csv"):
        raise config_error(f"[source] review {name!r} must name a .csv file", path)
    return name


def _with_defaults(info: CollectionInfo, table: Any, path: Path) -> CollectionInfo:
    """``info`` with the ``[defaults]`` place (completed from the gazetteer) and keywords."""
    if not isinstance(table, dict):
        raise config_error("[defaults] must be a table", path)
    _refuse_unknown(table, _TABLES["defaults"], "[defaults]", path)
    place = {}
    for key in _DEFAULT_PLACE_KEYS:
        if key in table:
            if not isinstance(table[key], str):
                raise config_error(f"[defaults] {key} must be a string", path)
            place[key] = table[key].strip()
    keywords = table.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise config_error("[defaults] keywords must be a list of strings", path)
    keywords = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))
    long = [k for k in keywords if len(k.encode("utf-8")) > _KEYWORD_BYTES]
    if long:
        raise config_error(f"[defaults] keyword {long[0]!r} is longer than {_KEYWORD_BYTES} bytes (IIM Keywords)", path)
    return replace(info, default_location=_default_location(place), default_keywords=tuple(keywords))


def _default_location(place: dict[str, str]) -> Location:
    """The ``[defaults]`` place as written; the analysis completes it from the gazetteer
    (:func:`packager.analysis.overrides.with_default_place`): this stage knows no places."""
    return Location(city=place.get("city", ""), province_state=place.get("province_state", ""),
                    country=place.get("country", ""), country_code=place.get("country_code", ""))


def _refuse_unknown_tables(data: dict[str, Any], path: Path) -> None:
    """Every top-level name is one of the known tables; a key that belongs in one is pointed there."""
    for name, value in data.items():
        if name in _TABLES:
            continue
        owner = next((table for table, keys in _TABLES.items() if name in keys), None)
        if owner is not None and not isinstance(value, dict):
            raise config_error(f"{name} is outside any table: put it under [{owner}]", path)
        what = f"table [{name}]" if isinstance(value, dict) else f"key {name!r} outside any table"
        raise config_error(f"unknown {what}{_nearest(name, list(_TABLES), '[{}]')}. The tables are "
                           f"{', '.join(f'[{t}]' for t in _TABLES)}", path)


def _refuse_unknown(keys: Iterable[str], known: tuple[str, ...], where: str, path: Path) -> None:
    """An error for the first key of ``keys`` that ``known`` lacks, with the nearest known key."""
    for key in keys:
        if key not in known:
            raise config_error(f"{where} has an unknown key {key!r}{_nearest(key, list(known), '{}')}. "
                               f"Known keys: {', '.join(known)}", path)


def _nearest(name: str, known: list[str], form: str) -> str:
    """ " (did you mean X?)" for the known name closest to ``name`` (case, ``_`` and ``-`` aside), or ""."""
    def plain(text: str) -> str:
        return text.lower().replace("_", "-")

    by_plain = {plain(k): k for k in known}
    close = difflib.get_close_matches(plain(name), list(by_plain), n=1, cutoff=0.6)
    return f" (did you mean {form.format(by_plain[close[0]])}?)" if close else ""


def _table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    table = data.get(name)
    if not isinstance(table, dict):
        raise config_error(f"missing [{name}] table", path)
    return table


def _required_text(table: dict[str, Any], key: str, where: str, path: Path) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"{where} {key} is required and must be a non-empty string", path)
    return value.strip()


def _collection_info(table: Any, path: Path) -> CollectionInfo:
    if not isinstance(table, dict):
        raise config_error("missing [collection] table", path)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _LIST_KEYS:
            if isinstance(value, str):
                value = [value] if value.strip() else []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise config_error(f"[collection] {key} must be a string or a list of strings", path)
            values[key] = tuple(v.strip() for v in value if v.strip())
        elif key in _TEXT_KEYS:
            if not isinstance(value, str):
                raise config_error(f"[collection] {key} must be a string", path)
            values[key] = value.strip()
        else:
            _refuse_unknown([key], _TABLES["collection"], "[collection]", path)
    for key in ("identifier", "title"):
        if not values.get(key):
            raise config_error(f"[collection] {key} is required", path)
    if not _IDENTIFIER.match(values["identifier"]):
        raise config_error("[collection] identifier names the bag folder: use letters, digits, '.', '_' "
                    "and '-' only (at most 128), starting with a letter or digit", path)
    dst = values.get("digital_source_type")
    if dst is not None and not dst:
        del values["digital_source_type"]
    elif dst is not None and not dst.startswith(DST_PREFIX):
        raise config_error(f"[collection] digital_source_type must be a full IPTC URI starting with {DST_PREFIX}", path)
    return CollectionInfo(**values)


def _check_pattern(pattern: Any, path: Path) -> None:
    if not isinstance(pattern, str) or "{n" not in pattern:
        raise config_error("[source] pattern must contain {n}, e.g. \"Surv - {n:03d}.jpg\"", path)
    try:
        name = pattern.format(n=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise config_error(f"[source] pattern {pattern!r} cannot be filled in: {exc}", path) from exc
    if "/" in name or "\\" in name:
        raise config_error("[source] pattern must name a file inside the image folder, not a path", path)


def _bag_info(table: Any, path: Path, where: str = "[bag-info]",
              reserved: tuple[str, ...] = _BAG_INFO_RESERVED) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        raise config_error(f"{where} must be a table of labels and values", path)
    out: list[tuple[str, str]] = []
    for label, value in table.items():
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", label):
            raise config_error(f"{where} label {label!r}: use letters, digits and '-' only", path)
        if label.lower() in {r.lower() for r in reserved}:  # bag-info labels ignore case
            raise config_error(f"{where} {label} is computed by the packager; remove it", path)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str):
                raise config_error(f"{where} {label} must be a string or a list of strings", path)
            out.append((label, v))
    return tuple(out)


def _tag_files(table: Any, path: Path) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``[tag-files."aptrust-info.txt"]`` tables: extra tag files of ``Label: value`` lines, written
    beside bag-info.txt when the bag's profile allows them (a repository's own tag file)."""
    if not isinstance(table, dict):
        raise config_error('[tag-files] must hold one table per tag file, e.g. [tag-files."aptrust-info.txt"]', path)
    out = []
    for name, fields in table.items():
        where = f"[tag-files.{name!r}]"
        if not _TAG_FILE.fullmatch(name) or _BAGIT_OWN.fullmatch(name):
            raise config_error(f"{where}: a tag file is a relative path outside data/ that is not one of BagIt's own "
                               "files (bagit.txt, bag-info.txt, fetch.txt, manifests); name it e.g. "
                               "'aptrust-info.txt'", path)
        out.append((name, _bag_info(fields, path, where, reserved=())))
    return tuple(out)
