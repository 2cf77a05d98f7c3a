"""Discovering images and pairing them with captions.

Pairing never guesses silently. Every caption that names no image (E104),
every image without a caption (E105) and every name that is not unique
(E106) is reported naming both sides, and the unpaired halves are still
returned as items (``image=None`` or ``caption=None``) so that the caller can
show them item by item instead of losing them.

An entry of the image folder that cannot be an image (not a regular file,
empty, another format than its name says: E115) or whose name is not UTF-8
(E117) is refused up front; a link inside the folder is followed and said to
be one (I116). See :mod:`.folder`.

A missing caption source or image folder raises :class:`CollectionError`
(with issue E108 / E109): nothing can be paired, so the run cannot go on.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from packager import issues
from packager.errors import CollectionError, ConfigError
from packager.model import Issue, Item

from . import folder as checks
from .captions import IMAGE_EXTENSIONS, CaptionEntry, read_captions


@dataclass(frozen=True)
class _Claim:
    """A caption's claim on an image name, before the folder is consulted."""

    entry: CaptionEntry
    name: str


def scan(captions: Path, images: Path, pattern: str | None) -> tuple[list[Item], list[Issue]]:
    """Read the captions, list the images and pair them.

    Line sources: the n-th kept caption (1-based) belongs to
    ``pattern.format(n=n)``. CSV sources: the ``filename`` column names the
    image and ``pattern`` is not used. Items come in caption order, then the
    images without a caption in name order.
    """
    _require(captions, images)
    entries, found = read_captions(captions)
    is_csv = captions.suffix.lower() == ".csv"
    claims = _csv_claims(entries, captions, found) if is_csv else _line_claims(entries, _checked(pattern))
    names = _image_entries(images)
    refused = _refused_entries(images, names, found)
    files = [name for name in names if name not in refused]
    found.extend(_case_collisions(files, images))
    found.extend(_unsafe_names(files, images))
    found.extend(checks.link_notes(images, files, shown_name))
    items = _pair(claims, files, captions, images, found, refused)
    return _unique_identifiers(items, found), found


def list_images(folder: Path) -> list[str]:
    """Image file names in ``folder`` (not recursive, hidden files skipped), sorted."""
    return sorted(p.name for p in folder.iterdir()
                  if not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())


def _image_entries(folder: Path) -> list[str]:
    """Every name in ``folder`` with an image suffix (hidden names skipped), whatever the entry is, sorted."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")
                  and p.suffix.lower() in IMAGE_EXTENSIONS)


def _refused_entries(folder: Path, names: list[str], found: list[Issue]) -> set[str]:
    """Names that cannot be paired at all: not UTF-8 (E117), or not a regular file (E115).

    Each is reported once here; a caption naming one gets no E104 besides.
    """
    refused = set()
    for name in names:
        shown = shown_name(name)
        if checks.not_utf8(name):
            found.append(issues.make("E117", path=str(folder / shown), file=shown))
        elif (why := checks.not_a_file(folder / name)) is not None:
            found.append(issues.make("E115", path=str(folder / shown), file=shown, problem=why))
        else:
            continue
        refused.add(name)
    return refused


def slug(name: str) -> str:
    """A stable identifier from a file name's stem: ``Surv - 001.jpg`` -> ``surv-001``.

    ASCII only (accents are folded) so that it is safe in file names and
    URIs; a stem with no ASCII letters or digits gets ``item-`` and a short
    hash of the name, which is stable across runs.
    """
    stem = Path(name).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")
    return text or "item-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def _require(captions: Path, images: Path) -> None:
    if not captions.is_file():
        issue = issues.make("E108", path=str(captions), source=str(captions))
        raise CollectionError(issue.message, [issue])
    if not images.is_dir():
        issue = issues.make("E109", path=str(images), folder=str(images))
        raise CollectionError(issue.message, [issue])


def _checked(pattern: str | None) -> str:
    """The image name pattern of a line source; without one nothing can be paired."""
    if not pattern or "{n" not in pattern:
        raise ConfigError("a caption file with one caption per line needs [source] pattern, "
                          "e.g. \"Surv - {n:03d}.jpg\", to name each caption's image")
    try:
        name = pattern.format(n=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"[source] pattern {pattern!r} cannot be filled in: {exc}") from exc
    if "/" in name or "\\" in name:
        raise ConfigError("[source] pattern must name a file inside the image folder, not a path")
    return pattern


def _line_claims(entries: list[CaptionEntry], pattern: str) -> list[_Claim]:
    return [_Claim(entry, pattern.format(n=n)) for n, entry in enumerate(entries, start=1)]


def _csv_claims(entries: list[CaptionEntry], source: Path, found: list[Issue]) -> list[_Claim]:
    """One claim per file name; a repeated name (also differing only in case) is E106."""
    first: dict[str, CaptionEntry] = {}
    claims = []
    for entry in entries:
        assert entry.file is not None
        key = entry.file.casefold()
        if key in first:
            earlier = first[key]
            found.append(issues.make(
                "E106", path=str(source), line=entry.line, file=entry.file,
                problem=f"{source} names it on line {earlier.line} ({earlier.file}) and again on line "
                       f"{entry.line} ({entry.file}); the caption on line {entry.line} was not used"))
            continue
        first[key] = entry
        claims.append(_Claim(entry, entry.file))
    return claims


NAME_MAX = 255  # bytes in one file name on the usual file systems (ext4, XFS, APFS, NTFS in UTF-16 units)
EXIFTOOL_TMP = "_exiftool_tmp"  # what ExifTool appends to a file's name while it writes it


def same_name_key(name: str) -> str:
    """What makes two names one on some file system: case (Windows, macOS) and Unicode
    normalisation (macOS stores NFD; a name typed elsewhere is usually NFC)."""
    return unicodedata.normalize("NFC", name).casefold()


def _case_collisions(files: list[str], folder: Path) -> list[Issue]:
    """Image names that differ only in case or Unicode spelling: one name to many systems and to BagIt lint."""
    groups: dict[str, list[str]] = {}
    for name in files:
        groups.setdefault(same_name_key(name), []).append(name)
    found = []
    for names in groups.values():
        if len(names) < 2:
            continue
        spelled = len({unicodedata.normalize("NFC", n) for n in names}) < len(names)
        how = "are one name in two Unicode spellings (NFC and NFD)" if spelled else "differ only in case"
        shown = " and ".join(shown_name(n) for n in names)
        found.append(issues.make("E106", path=str(folder / names[0]), file=shown_name(names[0]),
                                 problem=f"{shown} in {folder} {how}; rename one"))
    return found


#: Characters a name may hold on disk but XML (XMP, the Dublin Core records) cannot, and that
#: ExifTool's JSON replaces with '?', so that its reply no longer names the file.
NONCHARACTERS = frozenset("\ufffe\uffff")


def shown_name(name: str) -> str:
    """A file name safe to print: control characters (and the escape that would start a terminal
    sequence) and bytes that are not UTF-8 (surrogate escapes) written as ``\\xNN``, U+FFFE and
    U+FFFF as ``\\uNNNN``; ordinary letters in any script kept."""
    return "".join(f"\\x{ord(c) - 0xdc00:02x}" if "\udc80" <= c <= "\udcff"
                   else f"\\u{ord(c):04x}" if c in NONCHARACTERS
                   else f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in name)


def _unsafe_names(files: list[str], folder: Path) -> list[Issue]:
    """Names with control characters (or U+FFFE/U+FFFF), and links that lead out of the image folder:
    refused up front."""
    found = []
    home = folder.resolve()
    for name in files:
        if any(unicodedata.category(c) == "Cc" or c in NONCHARACTERS for c in name):
            found.append(issues.make("E112", path=str(folder / shown_name(name)), file=shown_name(name)))
        length = len(name.encode("utf-8", "surrogateescape"))
        if length > NAME_MAX - len(EXIFTOOL_TMP):
            found.append(issues.make("E114", path=str(folder / shown_name(name)), file=shown_name(name),
                                     length=length))
        path = folder / name
        if path.is_symlink() and not path.resolve().is_relative_to(home):
            found.append(issues.make("E113", path=str(path), file=shown_name(name), target=str(path.resolve()),
                                     folder=str(folder)))
        elif (why := checks.content_problem(path, shown_name(name))) is not None:
            found.append(issues.make("E115", path=str(folder / shown_name(name)), file=shown_name(name),
                                     problem=why))
    return found


def _pair(claims: list[_Claim], files: list[str], source: Path, folder: Path,
          found: list[Issue], refused: set[str]) -> list[Item]:
    exact = set(files)
    folded: dict[str, list[str]] = {}
    for file in files:
        folded.setdefault(same_name_key(file), []).append(file)
        if file != file.strip():  # a CSV cell loses white space at its ends: " a.jpg" is named as "a.jpg"
            folded.setdefault(same_name_key(file.strip()), []).append(file)
    used: set[str] = set()
    items = []
    for claim in claims:
        name = _match(claim, exact, folded, source, found)
        if name is not None:
            used.add(name)
        elif claim.name not in refused:  # a refused entry's E115/E117 names it already
            found.append(issues.make("E104", path=str(source), line=claim.entry.line, source=source,
                                     file=claim.name, folder=folder, why=_not_packaged(folder, claim.name)))
        items.append(_item(claim.entry, claim.name if name is None else name,
                           None if name is None else folder / name, source))
    for name in files:
        if name not in used:
            found.append(issues.make("E105", path=str(folder / name), file=name, source=source))
            items.append(Item(identifier=slug(name), file=name, image=folder / name, caption=None,
                              source=source.name, line=None))
    return items


def _not_packaged(folder: Path, name: str) -> str:
    """Why a file the caption names is not among the images although it is there ("" when it is not there)."""
    if "/" in name or not (folder / name).exists():
        return ""
    if name.startswith("."):
        return (f"; {shown_name(name)} is there, but a name starting with '.' is a hidden file, which is never "
                "packaged (such as macOS's ._ files): rename it without the dot")
    suffix = Path(name).suffix.lower()
    if suffix not in IMAGE_EXTENSIONS:
        return (f"; {shown_name(name)} is there, but {suffix or 'a name without a suffix'} is not an image type "
                f"the packager embeds into ({', '.join(IMAGE_EXTENSIONS)}): convert it, or name the right file")
    return ""


def _match(claim: _Claim, exact: set[str], folded: dict[str, list[str]], source: Path,
           found: list[Issue]) -> str | None:
    """The image a caption names: exact name first, else a unique match ignoring case, Unicode spelling
    and white space at the ends of the name."""
    if claim.name in exact:
        return claim.name
    candidates = folded.get(same_name_key(claim.name), [])
    if len(candidates) != 1:
        return None
    spelled = unicodedata.normalize("NFC", claim.name) == unicodedata.normalize("NFC", candidates[0])
    how = ("is the same name in another Unicode spelling (the folder has it in "
           f"{'NFD' if unicodedata.is_normalized('NFD', candidates[0]) else 'another form'})" if spelled
           else "differs only in case")
    if same_name_key(claim.name) != same_name_key(candidates[0]):
        how = "has white space at its start or end, which the caption file does not keep"
    found.append(issues.make("W111", path=str(source), line=claim.entry.line, problem=(
        f"caption on line {claim.entry.line} of {source} names {shown_name(claim.name)}; paired with "
        f"{shown_name(candidates[0])}, whose name {how}")))
    return candidates[0]


def _item(entry: CaptionEntry, name: str, image: Path | None, source: Path) -> Item:
    return Item(identifier=slug(name), file=name, image=image, caption=entry.text, source=source.name,
                line=entry.line, overrides=dict(entry.overrides))


def _unique_identifiers(items: list[Item], found: list[Issue]) -> list[Item]:
    """Make identifiers unique (``-2``, ``-3``... in item order) and say so (W111)."""
    seen: set[str] = set()
    out = []
    for item in items:
        identifier, n = item.identifier, 1
        while identifier in seen:
            n += 1
            identifier = f"{item.identifier}-{n}"
        if identifier != item.identifier:
            found.append(issues.make("W111", path=item.file, problem=(
                f"{item.file} and another file both make the identifier {item.identifier}; "
                f"{item.file} is {identifier}")))
            item = Item(identifier=identifier, file=item.file, image=item.image, caption=item.caption,
                        source=item.source, line=item.line, overrides=item.overrides)
        seen.add(identifier)
        out.append(item)
    return out
