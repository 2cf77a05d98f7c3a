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
  because relabelling Latin-1 bytes as UTF-8 corrupts them; values that
  re-encoding pushes over their byte limit are clipped at a character
  boundary by us (W301), not mid-character by ExifTool. ``IPTCDigest=new``
  hashes a TIFF's IIM without its padding, so the digest is checked after
  writing and set to the stored IIM's digest when they differ.
* Language alternatives are written as ``x-default`` (a bare lang-alt tag
  would delete every other language); alternatives that copied the old
  x-default follow the new value.
* Tags to delete are passed as ``-TAG=``: names checked against a strict
  pattern, never text.
* One ExifTool process per :class:`ExifTool` object serves many files; a
  watchdog kills it if it hangs or dies mid-reply (pyexiftool would wait
  forever) and the next call starts a fresh one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import exiftool as _pyexiftool

from . import issues
from .errors import EnvironmentProblem, ExifToolError, PackagerError
from .model import Issue
from .tagvalues import (BOOKKEEPING, IIM_MARKS, LANG_ALT_TAGS, alternatives, carries_iim, compare,
                        deletions, file_type, group, overlong_legacy, parse, prepare, protect)


MIN_VERSION = (12, 15)
ENV_VAR = "PACKAGER_EXIFTOOL"
_READ = ("-j", "-a", "-G1", "-struct", "-api", 'Filter=$_="\\x{1F}$_"')
_DIGESTS = ("-j", "-G1", "-Photoshop:IPTCDigest", "-File:CurrentIPTCDigest")
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
            by_name = {str(r.pop("SourceFile", "")): r for r in parse(out)}
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

    def write(self, path: Path | str, tags: Mapping[str, object], *, delete: Iterable[str] = (),
              existing: Mapping[str, Any] | None = None) -> list[Issue]:
        """Embed ``tags`` in place into ``path`` (a staged copy), delete the tags named in
        ``delete``; the issues found.

        ``existing`` is what :meth:`read` returned for the file just before (read
        here when not given). Failures are returned as E302, not raised, so a run
        can go on with other files; only a path with a line break raises (E309).
        """
        target = checked_path(path)
        file = str(target)
        found: list[Issue] = []
        try:
            found_in = existing if existing is not None else self._records([target], _READ)[0]
            if "ExifTool:Error" in found_in:
                return [issues.make("E302", path=file, file=file, detail=str(found_in["ExifTool:Error"]))]
            payload, prepared = prepare(tags, file_type(found_in), file, carries_iim(found_in))
            found += prepared
            gone = deletions(delete, carries_iim(found_in))
            iim = any(group(tag) == "IPTC" for tag in [*payload, *gone])
            if iim and _legacy_iim(found_in):
                found.append(issues.make("W307", path=file, file=file))
                found += _outcome(*self._call(*_TRANSCODE, os.fsencode(target)), file)
                refit, clipped = overlong_legacy(found_in, payload, file)
                payload.update(refit)
                found += clipped
            if iim:
                payload.update(IIM_MARKS)
            payload.update(alternatives(found_in, payload))
            if (payload or gone) and not any(i.code == "E302" for i in found):
                found += self._import(target, payload, gone)
                if iim and not any(i.code == "E302" for i in found):
                    found += self._settle_digest(target)
        except ExifToolError as exc:  # keep what was found before (W307, W301...): it happened
            found.append(issues.make("E302", path=file, file=file, detail=exc.message))
        return found

    def _import(self, target: Path, payload: dict[str, Any], gone: Iterable[str] = ()) -> list[Issue]:
        assert self._tmp is not None
        fd, name = tempfile.mkstemp(suffix=".json", dir=self._tmp.name)
        # A bare lang-alt tag would delete every other language; x-default replaces only itself.
        named = {f"{tag}-x-default" if tag in LANG_ALT_TAGS else tag: value for tag, value in payload.items()}
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump([{"SourceFile": "*", **protect(named)}], handle, ensure_ascii=False)
            removals = [f"-{tag}=" for tag in gone]  # names checked by deletions(): no text, no line breaks
            return _outcome(*self._call("-overwrite_original", f"-json={name}", *removals, os.fsencode(target)),
                            str(target))
        finally:
            os.unlink(name)

    def _settle_digest(self, target: Path) -> list[Issue]:
        """Make the stored IPTCDigest the digest of the IIM as stored.

        ExifTool's ``IPTCDigest=new`` hashes the IIM before a TIFF pads it to a
        4-byte multiple, so a TIFF whose IIM has an odd length is left with a
        digest that readers (ExifTool included) call not current.
        """
        record = self._records([target], _DIGESTS)[0]
        stored, current = record.get("Photoshop:IPTCDigest"), record.get("File:CurrentIPTCDigest")
        if not isinstance(current, str) or not re.fullmatch(r"[0-9a-f]{32}", current) or stored == current:
            return []
        return _outcome(*self._call("-overwrite_original", f"-Photoshop:IPTCDigest={current}", os.fsencode(target)),
                        str(target))

    def verify(self, path: Path | str, expected: Mapping[str, object],
               actual: Mapping[str, Any] | None = None, deleted: Iterable[str] = ()) -> list[Issue]:
        """E303 per tag whose embedded value differs from what writing ``expected`` stores,
        and per tag in ``deleted`` that is still there."""
        target = checked_path(path)
        read = self.read(target) if actual is None else actual
        found = compare(expected, read, str(target))
        return found + [issues.make("E303", path=str(target), field=tag, file=str(target), tag=tag,
                                    expected=None, actual=read[tag])
                        for tag in deletions(deleted, carries_iim(read)) if tag in read]


def _legacy_iim(probe: Mapping[str, Any]) -> bool:
    """True when the file holds IIM datasets but no UTF-8 marker."""
    has_iim = any(group(tag).startswith("IPTC") and tag not in BOOKKEEPING for tag in probe)
    return has_iim and probe.get("IPTC:CodedCharacterSet") != "UTF8"
