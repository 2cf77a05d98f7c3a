"""Text rules of the bag writer: manifest path encoding, bag-info.txt layout, payload names.

Pure functions, no I/O, used by :mod:`packager.bag.writer` (split out to keep
that module small). Like the writer, this never imports the validator.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from packager import issues
from packager.errors import BagError
from packager.files.hashing import SUPPORTED, WEAK

LOG = logging.getLogger("packager.bag.writer")

_LABEL_OK = re.compile(r"[^\s:\x00-\x1f\x7f]+(?:[ \t]?[^\s:\x00-\x1f\x7f]+)*")


def encode_manifest_path(path: str) -> str:
    """Percent-encode a path for a manifest line as RFC 8493 §2.1.3 requires.

    Only ``%``, CR and LF are encoded (``%`` first, so it is not encoded twice).
    """
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def human_size(octets: int) -> str:
    """Bag-Size is free text for people; use decimal units like most tools."""
    if octets < 1000:
        return f"{octets} bytes"
    size, unit = float(octets), "bytes"
    for unit in ("KB", "MB", "GB", "TB"):  # noqa: B007  (the unit the loop stops at is the answer)
        size /= 1000
        if size < 1000:
            break
    return f"{size:.1f} {unit}"


def format_bag_info(bag_info: list[tuple[str, str]], fold_width: int | None = None) -> str:
    """Render bag-info.txt: caller's order kept, repeated labels kept.

    A value's own line breaks become continuation lines indented by two
    spaces, which RFC 8493 §2.2.2 reads back as line breaks (only the
    indentation is padding). With ``fold_width`` set, longer lines are also
    wrapped at spaces; note that RFC 8493 readers then see a line break where
    the space was, which is why it is off by default.
    """
    out: list[str] = []
    for label, value in bag_info:
        _check_label(label)
        lines = _value_lines(value)
        if fold_width:
            lines = _wrap(lines, max(fold_width - len(label) - 2, 1), max(fold_width - 2, 1))
        out.append(f"{label}: {lines[0]}\n")
        out.extend(f"  {line}\n" for line in lines[1:])
    return "".join(out)


def _check_label(label: str) -> None:
    if not isinstance(label, str) or not _LABEL_OK.fullmatch(label):
        raise refuse(f"bag-info label {label!r} is not usable: a label needs visible characters, no colon, "
                      "no line break and no leading/trailing whitespace", "bag-info.txt", "bad label")


def _value_lines(value: str) -> list[str]:
    """The value's own lines: line endings unified, padding (leading/trailing blanks) dropped."""
    if not isinstance(value, str):
        raise BagError(f"bag-info value must be text, got {type(value).__name__}")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [line.strip() if i else line.rstrip() for i, line in enumerate(text.split("\n"))]


def _wrap(lines: list[str], first: int, width: int) -> list[str]:
    """Wrap each line at spaces to fit; a word longer than the width stays whole."""
    out: list[str] = []
    for line in lines:
        room = first if not out else width
        while len(line) > room:
            cut = line.rfind(" ", 1, room + 1)
            if cut <= 0:
                cut = line.find(" ", room)
                if cut < 0:
                    break
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip(" ")
            room = width
        out.append(line)
    return out


def check_relpath(relpath: str) -> str:
    """Validate a payload path relative to ``data/``; return it unchanged.

    Refused: anything that is not a plain relative posix path (absolute,
    ``..``, ``.``, empty parts, backslashes), line breaks (they would need
    percent-encoding and break most tools), NUL, names that are not valid
    Unicode (undecodable file-system bytes: a manifest is UTF-8), and trailing
    whitespace (stripped by bagit-python when it reads a manifest line).
    """
    problem = _relpath_problem(relpath)
    if problem:
        raise refuse(f"cannot stage {relpath!r}: {problem}", str(relpath), problem)
    return relpath


def _relpath_problem(relpath: object) -> str | None:
    if not isinstance(relpath, str) or not relpath:
        return "the path must be a non-empty string"
    if "\r" in relpath or "\n" in relpath or "\x00" in relpath:
        return "line breaks and NUL are not allowed in payload names"
    if "\\" in relpath:
        return "backslashes are not allowed (use '/' between folders)"
    if any("\ud800" <= c <= "\udfff" for c in relpath):
        return "the name holds bytes that are not UTF-8 (as read from the file system); rename the file"
    if relpath.startswith("/") or re.match(r"[A-Za-z]:", relpath):
        return "the path must be relative to data/"
    if any(part in ("", ".", "..") for part in relpath.split("/")):
        return "empty, '.' and '..' path parts are not allowed"
    if relpath != relpath.rstrip():
        return "trailing whitespace would be lost by BagIt readers"
    return None


def refuse(message: str, path: str, detail: str) -> BagError:
    """A BagError carrying an E402 issue (the bag cannot be written as asked)."""
    return BagError(message, [issues.make("E402", path=path, problem=detail)])


def check_tag_file(name: str, written: Mapping[str, object]) -> str:
    """An extra tag file's name: a relative path outside data/, not one of BagIt's own files, not twice."""
    parts = name.split("/")
    own = re.fullmatch(r"(?i)(bagit|bag-info|fetch|(tag)?manifest-[^/]*)\.txt", name)
    if (not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or parts[0] == "data"
            or own or "\\" in name or any(ord(c) < 32 for c in name)):
        raise refuse(f"tag file name {name!r} is not usable: give a relative path outside data/ that is not one "
                      "of BagIt's own files", name, "bad tag file name")
    if name in written:
        raise refuse(f"tag file {name} is given twice", name, "tag file given twice")
    return name


def check_name(name: str) -> str:
    """A bag's folder name: one plain name, not a staging name."""
    if (not isinstance(name, str) or not name or name in (".", "..") or name != name.strip()
            or any(c in name for c in "/\\\r\n\x00") or name.endswith(".partial")):
        raise refuse(f"bag name {name!r} is not usable: use a plain folder name", str(name), "bad bag name")
    return name


def check_algorithms(algorithms: tuple[str, ...]) -> tuple[str, ...]:
    """The algorithms of a set of manifests, each once, all supported; a weak one alone is logged."""
    algs = tuple(dict.fromkeys(algorithms))
    bad = [a for a in algs if a not in SUPPORTED]
    if not algs or bad:
        raise BagError(f"unsupported checksum algorithm(s) {bad or '(none)'}; choose from {', '.join(SUPPORTED)}")
    if all(alg in WEAK for alg in algs):
        LOG.warning("%s: weak checksum algorithm(s) only; add sha256 or sha512", ", ".join(algs))
    return algs
