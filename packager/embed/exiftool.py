"""The only module that talks to ExifTool.

Why it looks like this (see docs/architecture.md, "Embedding"):

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
  because relabelling Latin-1 bytes as UTF-8 corrupts them. The image's
  own datasets are copied whole (``-m``), also those over their byte limit
  (an over-long Category, a value that grew in UTF-8): they are not ours to
  cut. Only the values we write are clipped to the limits (W301). ``IPTCDigest=new``
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
* :meth:`ExifTool.write_many` writes a batch of files with one command: one
  JSON file holds an entry per file (matched by ``SourceFile``). A file that
  needs more than an import (tags to delete, legacy IIM to re-encode, a
  non-JPEG IIM digest to settle, a name that is not UTF-8) is written on its
  own, as :meth:`ExifTool.write` does.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from packager import issues
from packager.errors import ExifToolError
from packager.files.exiftool import ExifToolSession, checked_path, messages
from packager.metadata.tagvalues import (
    BOOKKEEPING,
    IIM_MARKS,
    LANG_ALT_TAGS,
    alternatives,
    carries_iim,
    compare,
    deletions,
    file_type,
    group,
    prepare,
    protect,
)
from packager.model import Issue

_DIGESTS = ("-j", "-G1", "-Photoshop:IPTCDigest", "-File:CurrentIPTCDigest")
# -m: ExifTool would cut every dataset over its IIM byte limit while copying it (an over-long Category,
# a value that grew from Latin-1 to UTF-8); those are the image's own values and stay whole.
_TRANSCODE = ("-m", "-tagsFromFile", "@", "-IPTC:all", "-IPTC:CodedCharacterSet=UTF8", "-overwrite_original")


def _outcome(status: int, stdout: str, stderr: str, file: str) -> list[Issue]:
    """ExifTool's reply to a write: W308 per warning, E302 on failure."""
    found = [issues.make("W308", path=file, file=file, warning=text)
             for texts in messages(stderr, "Warning").values() for text in texts]
    errors = [text for texts in messages(stderr, "Error").values() for text in texts]
    if status != 0 or errors:
        error = "; ".join(errors) or stdout.strip() or f"exit status {status}"
        found.append(issues.make("E302", path=file, file=file, error=error))
    return found


class ExifTool(ExifToolSession):
    """An ExifTool session that also writes: embeds tags into staged copies and verifies them.

    Tags travel in a temporary JSON file (never as arguments), kept in a private
    folder that lives as long as the session.
    """

    def __init__(self, executable: str | None = None, timeout: float = 120.0) -> None:
        super().__init__(executable, timeout)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> None:
        super().start()
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="packager-exiftool-")
            checked_path(self._tmp.name)

    def close(self) -> None:
        super().close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

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
            found_in = existing if existing is not None else self.read_many([target])[0]
            if "ExifTool:Error" in found_in:
                return [issues.make("E302", path=file, file=file, error=str(found_in["ExifTool:Error"]))]
            payload, prepared = prepare(tags, file_type(found_in), file, carries_iim(found_in))
            found += prepared
            gone = deletions(delete, carries_iim(found_in))
            iim = any(group(tag) == "IPTC" for tag in [*payload, *gone])
            if iim and _legacy_iim(found_in):
                found.append(issues.make("W307", path=file, file=file))
                found += _outcome(*self._call(*_TRANSCODE, os.fsencode(target)), file)
            if iim:
                payload.update(IIM_MARKS)
            payload.update(alternatives(found_in, payload))
            if (payload or gone) and not any(i.code == "E302" for i in found):
                found += self._import(target, payload, gone)
                if iim and file_type(found_in) != "JPEG" and not any(i.code == "E302" for i in found):
                    found += self._settle_digest(target)
        except ExifToolError as exc:  # keep what was found before (W307, W301...): it happened
            found.append(issues.make("E302", path=file, file=file, error=exc.message))
        return found

    def write_many(self, jobs: Sequence[tuple[Path | str, Mapping[str, object], Iterable[str], Mapping[str, Any]]]
                   ) -> list[list[Issue]]:
        """:meth:`write` for many files (path, tags, tags to delete, what :meth:`read` gave before),
        the issues of each in order; files that need only an import share one command."""
        results: list[list[Issue]] = [[] for _ in jobs]
        batch: list[tuple[int, Path, dict[str, Any]]] = []
        for n, (path, tags, delete, existing) in enumerate(jobs):
            target = checked_path(path)
            if "ExifTool:Error" in existing:
                results[n] = self.write(target, tags, delete=delete, existing=existing)
                continue
            payload, prepared = prepare(tags, file_type(existing), str(target), carries_iim(existing))
            iim = any(group(tag) == "IPTC" for tag in payload)
            alone = (deletions(delete, carries_iim(existing)) or (iim and _legacy_iim(existing))
                     or (iim and file_type(existing) != "JPEG") or not _utf8(target))
            if alone:
                results[n] = self.write(target, tags, delete=delete, existing=existing)
                continue
            if iim:
                payload.update(IIM_MARKS)
            payload.update(alternatives(existing, payload))
            results[n] = prepared
            if payload:
                batch.append((n, target, payload))
        if batch:
            for (n, _, _), found in zip(batch, self._import_many([(t, p) for _, t, p in batch]), strict=True):
                results[n] = results[n] + found
        return results

    def _import_many(self, entries: list[tuple[Path, dict[str, Any]]]) -> list[list[Issue]]:
        """One ``-json=`` import of many files; each file's warnings and errors are its own."""
        if self._tmp is None:
            self.start()
        assert self._tmp is not None
        fd, name = tempfile.mkstemp(suffix=".json", dir=self._tmp.name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump([{"SourceFile": str(target), **protect(_named(payload))} for target, payload in entries],
                          handle, ensure_ascii=False)
            try:
                status, out, err = self._call("-overwrite_original", f"-json={name}",
                                              *(os.fsencode(target) for target, _ in entries))
            except ExifToolError as exc:
                return [[issues.make("E302", path=str(t), file=str(t), error=exc.message)] for t, _ in entries]
        finally:
            os.unlink(name)
        warnings, errors = messages(err, "Warning"), messages(err, "Error")
        named_errors = any(file for file in errors)
        results = []
        for target, _ in entries:
            file = str(target)
            found = [issues.make("W308", path=file, file=file, warning=text)
                     for text in warnings.get(file, []) + warnings.get("", [])]
            failed = errors.get(file, []) + errors.get("", [])
            if failed or (status != 0 and not named_errors):
                error = "; ".join(failed) or out.strip() or f"exit status {status}"
                found.append(issues.make("E302", path=file, file=file, error=error))
            results.append(found)
        return results

    def _import(self, target: Path, payload: dict[str, Any], gone: Iterable[str] = ()) -> list[Issue]:
        assert self._tmp is not None
        fd, name = tempfile.mkstemp(suffix=".json", dir=self._tmp.name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump([{"SourceFile": "*", **protect(_named(payload))}], handle, ensure_ascii=False)
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


def _named(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A bare lang-alt tag would delete every other language; x-default replaces only itself."""
    return {f"{tag}-x-default" if tag in LANG_ALT_TAGS else tag: value for tag, value in payload.items()}


def _utf8(target: Path) -> bool:
    """True when the path can name its file in a JSON ``SourceFile`` (UTF-8 text)."""
    try:
        str(target).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _legacy_iim(probe: Mapping[str, Any]) -> bool:
    """True when the file holds IIM datasets but no UTF-8 marker."""
    has_iim = any(group(tag).startswith("IPTC") and tag not in BOOKKEEPING for tag in probe)
    return has_iim and probe.get("IPTC:CodedCharacterSet") != "UTF8"
