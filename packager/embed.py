"""The only module that talks to ExifTool.

Why it looks like this (DESIGN.md §4-5):

* pyexiftool sends arguments to a stay-open ExifTool separated by newlines,
  so caption text must never be an argument: a newline in it would become new
  options (``-all=``, ``-o``, ``-stay_open False``). Tags go into a temporary
  JSON file that ExifTool imports with ``-json=FILE``; the only arguments are
  fixed options and absolute paths without line breaks.
* ``-json=`` decodes any string that starts with ``base64:`` (also in lists
  and structures), so such values are sent base64-encoded themselves.
* ExifTool prints values such as ``1.50`` or ``True`` as JSON numbers and
  booleans, which would change them; reads run a fixed ``-api Filter`` that
  prefixes every value with U+001F, so every value arrives as a string.
* IIM is written as UTF-8 with ``IPTC:CodedCharacterSet`` set and a fresh
  ``Photoshop:IPTCDigest``. Existing IIM without the UTF-8 marker is first
  re-encoded in the file (``-tagsFromFile @ -IPTC:all``, read as Latin
  (cp1252, ExifTool's default, a superset of Latin-1's printable range)),
  because relabelling Latin-1 bytes as UTF-8 corrupts them.
* One ExifTool process per :class:`ExifTool` object serves many files; a
  watchdog kills it if it hangs or dies mid-reply (pyexiftool would wait
  forever) and the next call starts a fresh one.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import exiftool as _pyexiftool

from . import issues
from .errors import EnvironmentProblem, ExifToolError, PackagerError
from .model import Issue
from .text import NOT_XML, storable_text

MIN_VERSION = (12, 15)
ENV_VAR = "PACKAGER_EXIFTOOL"
#: ExifTool FileType values whose files carry IPTC-IIM by standard.
IIM_FORMATS = frozenset({"JPEG", "TIFF", "PSD", "DNG"})
#: Written by :meth:`ExifTool.write` itself; ignored by :func:`compare`.
BOOKKEEPING = frozenset({"IPTC:CodedCharacterSet", "Photoshop:IPTCDigest",
                         "IPTC:EnvelopeRecordVersion", "IPTC:ApplicationRecordVersion"})
#: IIM dataset limits in bytes (IIM 4.2); ExifTool cuts longer values mid-character.
IIM_LIMITS = {"ObjectName": 64, "Headline": 256, "Caption-Abstract": 2000, "Keywords": 64, "By-line": 32,
              "By-lineTitle": 32, "City": 32, "Sub-location": 32, "Province-State": 32,
              "Country-PrimaryLocationName": 64, "Country-PrimaryLocationCode": 3, "CopyrightNotice": 128,
              "Credit": 32, "Source": 32, "Writer-Editor": 32, "SpecialInstructions": 256, "Contact": 128,
              "OriginalTransmissionReference": 32, "SupplementalCategories": 32, "Category": 3}
#: Tags that hold lists; ExifTool's JSON shows a one-item list as a bare value.
LIST_TAGS = frozenset({"XMP-dc:Subject", "XMP-dc:Creator", "XMP-dc:Contributor", "XMP-dc:Publisher",
                       "XMP-dc:Language", "XMP-dc:Type", "XMP-dc:Relation", "IPTC:Keywords", "IPTC:By-line",
                       "IPTC:By-lineTitle", "IPTC:SupplementalCategories", "IPTC:Writer-Editor",
                       "IPTC:Contact", "XMP-iptcExt:LocationShown", "XMP-iptcExt:LocationCreated",
                       "XMP-iptcExt:OrganisationInImageName", "XMP-iptcExt:OrganisationInImageCode",
                       "XMP-iptcExt:PersonInImage", "XMP-iptcCore:Scene", "XMP-iptcCore:SubjectCode"})
_LIST_FIELDS = frozenset({"LocationId"})  # list members inside structures

_TAG = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*:[A-Za-z][A-Za-z0-9-]*\Z")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_MARK = "\x1f"
_READ = ("-j", "-a", "-G1", "-struct", "-api", 'Filter=$_="\\x{1F}$_"')
_PROBE = ("-j", "-G1", "-FileType", "-IPTC:all")  # what write() needs to know first
_COMMON = ("-charset", "iptc=Latin")  # how IIM without a UTF-8 marker is decoded
_TRANSCODE = ("-tagsFromFile", "@", "-IPTC:all", "-IPTC:CodedCharacterSet=UTF8", "-overwrite_original")
_BATCH = 200


def _environment(code: str, **values: object) -> EnvironmentProblem:
    issue = issues.make(code, **values)
    return EnvironmentProblem(issue.message, [issue])


def find_exiftool() -> str:
    """The ExifTool executable: ``$PACKAGER_EXIFTOOL`` if set, else ``exiftool`` on PATH."""
    configured = os.environ.get(ENV_VAR, "")
    found = shutil.which(configured or "exiftool")
    if found is None:
        detail = f"{ENV_VAR}={configured!r} is not an executable" if configured else "no 'exiftool' on PATH"
        raise _environment("E004", detail=detail)
    return os.path.abspath(found)


def exiftool_version(executable: str) -> str:
    """Run ``executable -ver`` once; E004 if it is not ExifTool, E005 if older than MIN_VERSION."""
    try:
        done = subprocess.run([executable, "-ver"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise _environment("E004", detail=f"{executable}: {exc}") from exc
    text = done.stdout.decode("ascii", "replace").strip()
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    if done.returncode != 0 or match is None:
        raise _environment("E004", detail=f"{executable} -ver printed {text[:40]!r}, not an ExifTool version")
    if (int(match[1]), int(match[2])) < MIN_VERSION:
        raise _environment("E005", version=text, minimum="%d.%02d" % MIN_VERSION)
    return text


def checked_path(path: Path | str) -> Path:
    """Absolute form of ``path``; a CR or LF in it would split the argument, so refuse (E309)."""
    text = os.fspath(path)
    if "\n" in text or "\r" in text:
        issue = issues.make("E309", path=text, file=text)
        raise PackagerError(issue.message, [issue])
    return Path(os.path.abspath(text))


def _storable(value: Any) -> tuple[Any, int]:
    """(value as stored, number of replaced characters); empty parts dropped."""
    if value is None:
        return "", 0
    if isinstance(value, bool):
        raise TypeError(f"tag values must be text, lists or structures, not {value!r}")
    if isinstance(value, (int, float)):
        value = str(value)
    if isinstance(value, str):
        return storable_text(value), len(NOT_XML.findall(value))
    if isinstance(value, Mapping):
        struct, count = {}, 0
        for key, member in value.items():
            if not _FIELD.match(key):
                _bad_name(key)
            struct[key], replaced = _storable(member)
            count += replaced
        return {k: v for k, v in struct.items() if not _empty(v)}, count
    if isinstance(value, (list, tuple)):
        items = [_storable(v) for v in value]
        return [v for v, _ in items if not _empty(v)], sum(n for _, n in items)
    raise TypeError(f"unsupported tag value {value!r}")


def _bad_name(name: str) -> None:
    raise ValueError(f"not an ExifTool tag or structure field name: {name!r}")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _group(tag: str) -> str:
    return tag.split(":", 1)[0].upper()


def _clip_iim(tag: str, value: Any, file: str, found: list[Issue]) -> Any:
    """Cut IIM values to their byte limit at a character boundary (W301)."""
    limit = IIM_LIMITS.get(tag.split(":", 1)[1])
    if limit is None or isinstance(value, Mapping):
        return value
    if isinstance(value, list):
        return [_clip_iim(tag, v, file, found) for v in value]
    data = value.encode("utf-8")
    if len(data) <= limit:
        return value
    found.append(issues.make("W301", path=file, field=tag, tag=tag, length=len(data), limit=limit, master="XMP"))
    return data[:limit].decode("utf-8", "ignore")


def prepare(tags: Mapping[str, object], file_type: str, file: str) -> tuple[dict[str, Any], list[Issue]]:
    """The exact tag set :meth:`ExifTool.write` sends for ``tags``, and its warnings.

    Empty values are skipped (nothing is written, existing values stay);
    bookkeeping tags are set here; IPTC tags are dropped for formats outside
    :data:`IIM_FORMATS` (W305), clipped to their limits (W301) otherwise.
    """
    out: dict[str, Any] = {}
    found: list[Issue] = []
    dropped = False
    for tag, raw in tags.items():
        if not _TAG.match(tag):
            _bad_name(tag)
        value, replaced = _storable(raw)
        if tag in BOOKKEEPING or _empty(value):
            continue
        if replaced:
            found.append(issues.make("W311", path=file, field=tag, tag=tag, file=file, count=replaced))
        if _group(tag) == "IPTC":
            if file_type not in IIM_FORMATS:
                dropped = True
                continue
            value = _clip_iim(tag, value, file, found)
        out[tag] = value
    if dropped:
        found.append(issues.make("W305", path=file, format=file_type or "this"))
    if any(_group(tag) == "IPTC" for tag in out):
        out.update({"IPTC:CodedCharacterSet": "UTF8", "Photoshop:IPTCDigest": "new"})
    return out, found


def _map_text(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with ``change`` applied to every string in it (lists and structures too)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        return {k: _map_text(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_text(v, change) for v in value]
    return value


def _escape(text: str) -> str:
    """Protect a value from ``-json=``'s ``base64:`` decoding by encoding it ourselves."""
    if text.startswith("base64:"):
        return "base64:" + base64.b64encode(text.encode("utf-8")).decode("ascii")
    return text


def _unmark(text: str) -> str:
    """Undo the read filter's U+001F prefix; values it did not touch stay as they are."""
    return text[1:] if text.startswith(_MARK) else text


def _listed(record: dict[str, Any]) -> dict[str, Any]:
    """Give list tags (and list members of structures) their list shape back."""
    for tag in LIST_TAGS & record.keys():
        if not isinstance(record[tag], list):
            record[tag] = [record[tag]]
        for item in record[tag]:
            for name in _LIST_FIELDS & (item.keys() if isinstance(item, dict) else set()):
                if not isinstance(item[name], list):
                    item[name] = [item[name]]
    return record


def _parse(stdout: str) -> list[dict[str, Any]]:
    if not stdout.strip():
        return []
    data = json.loads(stdout, parse_int=str, parse_float=str)
    return [_listed(_map_text(record, _unmark)) for record in data]


def _canonical(value: Any) -> Any:
    """Comparable form: scalar == one-item list, struct keys unordered, numbers as text."""
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items() if not _empty(v)))
    items = value if isinstance(value, list) else [value]
    return tuple(_canonical(v) if isinstance(v, (dict, list)) else str(v) for v in items if not _empty(v))


def compare(expected: Mapping[str, object], actual: Mapping[str, Any], file: str) -> list[Issue]:
    """One E303 per tag whose value in ``actual`` (from :meth:`ExifTool.read`) differs
    from what :meth:`ExifTool.write` stores for ``expected``.

    Bookkeeping values given in ``expected`` are ignored; instead, when IIM
    is expected, the file must say UTF-8 and hold a current IPTCDigest.
    """
    meant, _ = prepare(expected, _file_type(actual) or "JPEG", file)
    checks = [(tag, value, actual.get(tag)) for tag, value in meant.items() if tag not in BOOKKEEPING]
    if "IPTC:CodedCharacterSet" in meant:
        checks.append(("IPTC:CodedCharacterSet", "UTF8", actual.get("IPTC:CodedCharacterSet")))
        if "File:CurrentIPTCDigest" in actual:
            checks.append(("Photoshop:IPTCDigest", actual["File:CurrentIPTCDigest"],
                           actual.get("Photoshop:IPTCDigest")))
    return [issues.make("E303", path=file, field=tag, file=file, tag=tag, expected=want, actual=got)
            for tag, want, got in checks if _canonical(want) != _canonical(got)]


def _messages(stderr: str, kind: str) -> dict[str, list[str]]:
    """ExifTool's ``Kind: text - file`` lines of stderr, grouped by file ("" if none named)."""
    found: dict[str, list[str]] = {}
    for line in stderr.splitlines():
        head, _, text = line.partition(":")
        if head != kind:
            continue
        message, sep, file = text.strip().rpartition(" - /")
        found.setdefault("/" + file if sep else "", []).append(message if sep else text.strip())
    return found


def _outcome(status: int, stdout: str, stderr: str, file: str) -> list[Issue]:
    """ExifTool's reply to a write: W308 per warning, E302 on failure."""
    found = [issues.make("W308", path=file, file=file, detail=text)
             for texts in _messages(stderr, "Warning").values() for text in texts]
    errors = [text for texts in _messages(stderr, "Error").values() for text in texts]
    if status != 0 or errors:
        detail = "; ".join(errors) or stdout.strip() or f"exit status {status}"
        found.append(issues.make("E302", path=file, file=file, detail=detail))
    return found


class _Process(_pyexiftool.ExifTool):
    """pyexiftool's stay-open process, plus what the watchdog needs.

    pyexiftool reads replies without a time limit and spins forever when the
    process dies mid-reply; killing the process and closing its pipes is the
    only way to get the waiting thread out.
    """

    def died(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def kill(self) -> None:
        popen = self._process
        if popen is None:
            return
        popen.kill()
        for stream in (popen.stdout, popen.stderr, popen.stdin):
            try:
                stream.close()
            except (OSError, ValueError):
                pass

    def abandon(self) -> None:
        self.kill()
        if self._process is not None:
            self._process.wait()
        self._flag_running_false()


class ExifTool:
    """One long-lived ExifTool process reused for many files (``with ExifTool() as et``).

    Commands are serialised by a lock; for parallel work give each worker its
    own object. ``timeout`` bounds every single command; a command that exceeds it gets
    E302 and the next command runs in a fresh process.
    """

    def __init__(self, executable: str | None = None, timeout: float = 120.0) -> None:
        self.executable = executable or find_exiftool()
        self.timeout = timeout
        self.version = ""
        self._process: _Process | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> ExifTool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Check the version (E004/E005) and start the stay-open process."""
        if not self.version:
            self.version = exiftool_version(self.executable)
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="packager-exiftool-")
            checked_path(self._tmp.name)
        if self._process is None:
            process = _Process(executable=self.executable, common_args=list(_COMMON), encoding="utf-8")
            try:
                self._guarded(process, process.run)
            except Exception as exc:
                process.abandon()
                raise _environment("E004", detail=f"{self.executable} did not start: {exc}") from exc
            self._process = process

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None and not process.died():
            try:
                process.terminate(timeout=10)
            except Exception:  # already broken: make sure it is gone
                process.abandon()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _guarded(self, process: _Process, call: Any, *args: Any, **kwargs: Any) -> Any:
        done = threading.Event()

        def watch() -> None:
            deadline = time.monotonic() + self.timeout
            while not done.wait(0.2):
                if process.died() or time.monotonic() > deadline:
                    process.kill()
                    return

        threading.Thread(target=watch, daemon=True, name="exiftool-watchdog").start()
        try:
            return call(*args, **kwargs)
        finally:
            done.set()

    def _call(self, *args: str | bytes) -> tuple[int, str, str]:
        """Run one command: (exit status, stdout, stderr); ExifToolError if the process failed."""
        with self._lock:
            if self._process is not None and self._process.died():
                self._process.abandon()
                self._process = None
            self.start()
            process = self._process
            assert process is not None
            try:
                out = self._guarded(process, process.execute, *args, raw_bytes=True)
            except Exception as exc:
                process.abandon()
                self._process = None
                raise ExifToolError(f"ExifTool stopped responding ({type(exc).__name__}: {exc}); "
                                    "it is restarted for the next file") from exc
            err = process.last_stderr or b""
            return (process.last_status or 0, out.decode("utf-8", "replace"),
                    err.decode("utf-8", "replace") if isinstance(err, bytes) else err)

    def read_many(self, paths: Iterable[Path | str]) -> list[dict[str, Any]]:
        """Tags of many files, one ExifTool command per batch, in the order given.

        A file ExifTool could not read at all gets ``{"ExifTool:Error": ...}``.
        """
        return self._records([checked_path(p) for p in paths], _READ)

    def _records(self, targets: list[Path], options: tuple[str, ...]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(targets), _BATCH):
            batch = targets[start:start + _BATCH]
            status, out, err = self._call(*options, *(os.fsencode(t) for t in batch))
            by_name = {str(r.pop("SourceFile", "")): r for r in _parse(out)}
            errors = _messages(err, "Error")
            results += [by_name.get(str(t)) or {"ExifTool:Error": "; ".join(errors.get(str(t), []))
                                                 or f"not read (exit status {status})"} for t in batch]
        return results

    def read(self, path: Path | str) -> dict[str, Any]:
        """All tags of one file keyed ``Group1:Tag`` (``-a -G1 -struct -j``), values as text.

        Raises :class:`ExifToolError` when ExifTool cannot read the file at all.
        """
        target = checked_path(path)
        record = self._records([target], _READ)[0]
        if list(record) == ["ExifTool:Error"]:
            raise ExifToolError(f"ExifTool could not read {target}: {record['ExifTool:Error']}")
        return record

    def write(self, path: Path | str, tags: Mapping[str, object]) -> list[Issue]:
        """Embed ``tags`` in place into ``path`` (a staged copy); the issues found.

        Failures are returned as E302, not raised, so a run can go on with
        other files; only a path with a line break raises (E309).
        """
        target = checked_path(path)
        file = str(target)
        try:
            found_in = self._records([target], _PROBE)[0]
            if "ExifTool:Error" in found_in:
                return [issues.make("E302", path=file, file=file, detail=str(found_in["ExifTool:Error"]))]
            payload, found = prepare(tags, _file_type(found_in), file)
            if any(_group(tag) == "IPTC" for tag in payload) and _legacy_iim(found_in):
                found.append(issues.make("W307", path=file, file=file))
                found += _outcome(*self._call(*_TRANSCODE, os.fsencode(target)), file)
            if payload and not any(i.code == "E302" for i in found):
                found += self._import(target, payload)
        except ExifToolError as exc:
            return [issues.make("E302", path=file, file=file, detail=exc.message)]
        return found

    def _import(self, target: Path, payload: dict[str, Any]) -> list[Issue]:
        assert self._tmp is not None
        fd, name = tempfile.mkstemp(suffix=".json", dir=self._tmp.name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump([{"SourceFile": "*", **_map_text(payload, _escape)}], handle, ensure_ascii=False)
            return _outcome(*self._call("-overwrite_original", f"-json={name}", os.fsencode(target)), str(target))
        finally:
            os.unlink(name)

    def verify(self, path: Path | str, expected: Mapping[str, object],
               actual: Mapping[str, Any] | None = None) -> list[Issue]:
        """E303 per tag whose embedded value differs from what writing ``expected`` stores."""
        target = checked_path(path)
        return compare(expected, self.read(target) if actual is None else actual, str(target))


def _file_type(record: Mapping[str, Any]) -> str:
    """ExifTool's FileType without qualifiers ("Extended WEBP" -> "WEBP")."""
    words = str(record.get("File:FileType", "")).split()
    return words[-1] if words else ""


def _legacy_iim(probe: Mapping[str, Any]) -> bool:
    """True when the file holds IIM datasets but no UTF-8 marker."""
    has_iim = any(_group(tag).startswith("IPTC") and tag not in BOOKKEEPING for tag in probe)
    return has_iim and probe.get("IPTC:CodedCharacterSet") != "UTF8"
