"""Writing BagIt 1.0 bags (RFC 8493): staging, hashing, tag files, atomic rename.

Everything is staged in ``<out>/<name>.partial/`` and only renamed to
``<out>/<name>`` once every manifest and tag file is written and synced, so a
crash or Ctrl-C never leaves a directory that looks like a finished bag.

Files are hashed while they are copied (all algorithms in one streaming read)
or, for copies changed in place afterwards (metadata embedded by ExifTool),
when the caller says so with :meth:`BagWriter.record`; ``finish`` never hashes
a payload file again. The source files are only ever opened for reading.

This module deliberately does not import the validator (``packager.validate``): the
receiving side must find our mistakes, so it must not share our code.

Where bagit 1.9.0 (the reference) falls short, this writer follows RFC 8493:
``BagIt-Version: 1.0``; bag-info labels kept in the caller's order, repeated
labels kept, multi-line values folded instead of having their line breaks
deleted; input files copied, never moved; ``%`` in manifest paths written as
``%25`` (bagit 1.9.0 does not decode ``%25``, so it cannot read such a name;
:attr:`BagWriter.issues` gets a W404 warning for each one).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from packager import issues
from packager.errors import BagError
from packager.files.hashing import CHUNK, SUPPORTED, WEAK, Digests
from packager.model import Issue

from .format import check_algorithms as _check_algorithms
from .format import check_name as _check_name
from .format import check_relpath, encode_manifest_path, format_bag_info, human_size
from .format import check_tag_file as _check_tag_file
from .format import refuse as _refuse
from .packing import DigestView as _DigestView
from .packing import Packing as _Packing

__all__ = ["BagWriter", "SUPPORTED", "WEAK", "check_out_dir", "check_relpath", "encode_manifest_path",
           "format_bag_info", "make_out_dir"]

LOG = logging.getLogger(__name__)

_RESERVED_AUTO = ("Bagging-Date", "Payload-Oxum", "Bag-Size")
VERSIONS = ("1.0", "0.97")  # it writes the same bytes for both: they differ in what a reader must accept




class BagWriter:
    """Stage a bag, then :meth:`finish` it into ``out_dir/name`` atomically.

    Use as a context manager; an exception inside the ``with`` block
    (KeyboardInterrupt included) removes the staging directory.
    """

    def __init__(self, out_dir: Path, name: str, algorithms: tuple[str, ...] = ("sha256", "sha512"),
                 *, fold_width: int | None = None, bagging_date: _dt.date | None = None,
                 tag_algorithms: tuple[str, ...] | None = None, version: str = "1.0"):
        self.out_dir = Path(out_dir)
        self.name = _check_name(name)
        self.algorithms = _check_algorithms(algorithms)  # of the payload manifests
        self.tag_algorithms = self.algorithms if tag_algorithms is None else _check_algorithms(tag_algorithms)
        if version not in VERSIONS:
            raise BagError(f"BagIt-Version {version!r} cannot be written; this writer writes {' or '.join(VERSIONS)}")
        self.version = version
        self.fold_width = fold_width
        self.bagging_date = bagging_date or _dt.date.today()
        self.final = self.out_dir / self.name
        self.partial = self.out_dir / f"{self.name}.partial"
        self.issues: list[Issue] = []
        self._entries: dict[str, bytes] = {}  # relpath -> _Packing.pack(...)
        self._packing = _Packing(self.algorithms)
        self._state = "new"

    # -- context management ------------------------------------------------
    def __enter__(self) -> BagWriter:
        if self._state != "new":
            raise BagError("a BagWriter can be used for one bag only")
        self._refuse_existing()
        if os.path.lexists(self.partial):
            LOG.warning("removing stale staging directory %s left by an interrupted run", self.partial)
            _remove(self.partial)
        try:
            (self.partial / "data").mkdir(parents=True)
        except OSError as exc:
            raise _write_error(self.partial, exc) from exc
        self._state = "open"
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._state == "done":
            return
        self._state = "closed"
        _remove(self.partial)
        if exc_type is None:
            raise BagError(f"bag {self.name}: finish() or publish() was not called; the staged files were discarded")
        LOG.info("bag %s not finished (%s); staging directory removed", self.name, exc_type.__name__)

    # -- payload -------------------------------------------------------------
    def path_for(self, relpath: str) -> Path:
        """Absolute staging path of payload file ``data/<relpath>``; parents are created."""
        self._require_open()
        check_relpath(relpath)
        self._warn_risky_name(relpath)
        target = self.partial / "data" / relpath
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _write_error(target.parent, exc) from exc
        return target

    def add_file(self, relpath: str, src: Path) -> Path:
        """Copy ``src`` into the payload, hashing it in the same read. ``src`` is only read."""
        target = self._new_target(relpath)
        digests = Digests(self.algorithms)
        try:
            with open(src, "rb") as fin, open(target, "xb") as fout:
                while chunk := fin.read(CHUNK):
                    digests.update(chunk)
                    fout.write(chunk)
            stat = os.stat(src)
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        except OSError as exc:
            raise _write_error(target, exc) from exc
        self._store(relpath, target, digests)
        return target

    def add_bytes(self, relpath: str, data: bytes) -> Path:
        """Write ``data`` as payload file ``data/<relpath>``."""
        target = self._new_target(relpath)
        digests = _write_new(target, bytes(data), self.algorithms)
        self._store(relpath, target, digests)
        return target

    def record(self, relpath: str) -> None:
        """Hash the file the caller wrote or changed at ``path_for(relpath)`` (its final bytes)."""
        target = self.path_for(relpath)
        if not target.is_file() or target.is_symlink():
            raise _refuse(f"cannot record {relpath!r}: {target} is not a regular file", f"data/{relpath}",
                          "not a regular file")
        digests = Digests(self.algorithms)
        try:
            with open(target, "rb") as fin:
                while chunk := fin.read(CHUNK):
                    digests.update(chunk)
        except OSError as exc:
            raise _write_error(target, exc) from exc
        self._store(relpath, target, digests)

    def add_hashed(self, relpath: str, digests: dict[str, str], size: int, mtime_ns: int) -> None:
        """Take the digests of a file the caller wrote at ``path_for(relpath)`` and hashed
        after its last change (a worker hashes each embedded copy straight after ExifTool
        writes it, in the read that also proves its pixels). The file's size and
        modification time must still be those it had when hashed; :meth:`finish` checks
        them again."""
        target = self.path_for(relpath)
        try:
            stat = target.lstat()
        except OSError as exc:
            raise _write_error(target, exc) from exc
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns) or set(digests) != set(self.algorithms):
            raise _refuse(f"data/{relpath} changed after it was hashed, or was hashed with other algorithms",
                          f"data/{relpath}", "changed after hashing")
        self._entries[relpath] = self._packing.pack(size, mtime_ns, digests)

    def payload_digests(self) -> Mapping[str, Mapping[str, str]]:
        """The digests of every payload file as the manifests give them, keyed ``data/<path>``
        (a live view, not a copy: the writer's own table is the only one kept)."""
        return _DigestView(self._entries, self._packing)

    # -- finishing -------------------------------------------------------------
    def finish(self, bag_info: list[tuple[str, str]],
               tag_files: Sequence[tuple[str, list[tuple[str, str]]]] = ()) -> Path:
        """Write all tag files, sync, and rename the staging directory into place."""
        self.seal(bag_info, tag_files)
        return self.publish()

    def seal(self, bag_info: list[tuple[str, str]],
             tag_files: Sequence[tuple[str, list[tuple[str, str]]]] = ()) -> Path:
        """Write all tag files; the bag is complete but keeps its staging name until :meth:`publish`.

        ``tag_files`` are extra tag files of ``Label: value`` lines (a repository's
        ``aptrust-info.txt``), by path relative to the bag, listed in every tag manifest.
        A caller that checks the bag before it takes its name validates the folder returned
        here; an exception before :meth:`publish` still removes it.
        """
        self._require_open()
        self._check_payload_complete()
        octets = sum(self._packing.stat(e)[0] for e in self._entries.values())
        info = _complete_bag_info(list(bag_info), octets, len(self._entries), self.bagging_date)
        # bagit.txt is what makes a folder a bag: written last, so that a staging
        # folder left by a crash is not a bag even to a tool that ignores its name.
        declaration = f"BagIt-Version: {self.version}\nTag-File-Character-Encoding: UTF-8\n".encode()
        declared = Digests(self.tag_algorithms)
        declared.update(declaration)
        tag_digests: dict[str, dict[str, str]] = {"bagit.txt": declared.hexdigests()}
        for alg in self.algorithms:
            self._write_tag(f"manifest-{alg}.txt", self._manifest(alg), tag_digests)
        self._write_tag("bag-info.txt", format_bag_info(info, self.fold_width).encode("utf-8"), tag_digests)
        for name, fields in tag_files:
            self._write_tag(_check_tag_file(name, tag_digests), format_bag_info(list(fields)).encode("utf-8"),
                            tag_digests)
        for alg in self.tag_algorithms:
            lines = "".join(f"{tag_digests[name][alg]}  {name}\n" for name in sorted(tag_digests))
            self._write_tag(f"tagmanifest-{alg}.txt", lines.encode("utf-8"), None)
        self._write_tag("bagit.txt", declaration, None)
        self._state = "sealed"
        return self.partial

    def _manifest(self, alg: str) -> bytes:
        lines = (f"{self._packing.hex(self._entries[rel], alg)}  data/{encode_manifest_path(rel)}\n"
                 for rel in sorted(self._entries))
        return "".join(lines).encode("utf-8")

    def _write_tag(self, name: str, data: bytes, digests: dict[str, dict[str, str]] | None) -> None:
        target = self.partial / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _write_error(target.parent, exc) from exc
        written = _write_new(target, data, self.tag_algorithms)
        if digests is not None:
            digests[name] = written.hexdigests()

    def discard(self) -> None:
        """Remove the sealed bag without publishing it (its archive took its place)."""
        if self._state != "sealed":
            raise BagError("discard() comes after seal()")
        self._state = "done"
        _remove(self.partial)

    def publish(self, to: Path | None = None) -> Path:
        """Sync the sealed bag and rename it to its name (or to ``to``, e.g. a name that says it
        was rejected); never over an existing folder."""
        if self._state != "sealed":
            raise BagError("publish() comes after seal()")
        target = self.final if to is None else Path(to)
        if target == self.final:
            self._refuse_existing()
        elif os.path.lexists(target):
            raise _refuse(f"{target} already exists", str(target), "already exists")
        try:
            _fsync_tree(self.partial)
            os.rename(self.partial, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise _write_error(target, exc) from exc
        self._state = "done"
        LOG.info("bag written: %s (%d payload files)", target, len(self._entries))
        return target

    # -- helpers -------------------------------------------------------------
    def _require_open(self) -> None:
        if self._state != "open":
            raise BagError("BagWriter must be used inside a 'with' block, before finish()")

    def _refuse_existing(self) -> None:
        if os.path.lexists(self.final):
            issue = issues.make("E401", path=str(self.final))
            raise BagError(issue.message, [issue])

    def _new_target(self, relpath: str) -> Path:
        target = self.path_for(relpath)
        if relpath in self._entries or os.path.lexists(target):
            raise _refuse(f"payload file data/{relpath} was already added; use record() after changing it",
                          f"data/{relpath}", "added twice")
        return target

    def _store(self, relpath: str, target: Path, digests: Digests) -> None:
        stat = target.stat()
        if stat.st_size != digests.size:
            raise BagError(f"data/{relpath} changed while it was being hashed")
        self._entries[relpath] = self._packing.pack(stat.st_size, stat.st_mtime_ns, digests.hexdigests())

    def _warn_risky_name(self, relpath: str) -> None:
        name = f"data/{relpath}"
        if "%" in relpath and relpath not in self._entries and not any(i.path == name for i in self.issues):
            issue = issues.make("W404", path=name)
            LOG.warning(issue.message)
            self.issues.append(issue)

    def _check_payload_complete(self) -> None:
        """Every staged file must have been hashed, and not changed since."""
        problems: list[str] = []
        data = self.partial / "data"
        found = 0
        for dirpath, _dirs, files in os.walk(data):
            for fname in files:
                rel = Path(dirpath, fname).relative_to(data).as_posix()
                entry = self._entries.get(rel)
                if entry is None:
                    problems.append(f"data/{rel} was written but never recorded; call record()")
                    continue
                stat = os.stat(Path(dirpath, fname))
                if (stat.st_size, stat.st_mtime_ns) != self._packing.stat(entry):
                    problems.append(f"data/{rel} changed after it was hashed; call record() again")
                found += 1
        if found < len(self._entries):  # rare: only then is a set of every name worth its memory
            gone = set(self._entries) - {Path(d, f).relative_to(data).as_posix() for d, _, fs in os.walk(data) for f in fs}
            problems += [f"data/{rel} was recorded but is gone" for rel in sorted(gone)]
        if problems:
            raise BagError("; ".join(problems), [issues.make("E402", path=self.name, problem=p) for p in problems])




def _complete_bag_info(info: list[tuple[str, str]], octets: int, count: int,
                       bagging_date: _dt.date) -> list[tuple[str, str]]:
    """Add Bagging-Date, Payload-Oxum and Bag-Size unless given; check a given Oxum."""
    given = {label.lower(): value for label, value in info}
    oxum = f"{octets}.{count}"
    for label, value in info:  # every one: a repeated label keeps all its values
        if label.lower() == "payload-oxum" and value.strip() != oxum:
            raise _refuse(f"Payload-Oxum {value!r} given for the bag, but the payload is {oxum}",
                          "bag-info.txt", "wrong Payload-Oxum")
    auto = {"Bagging-Date": bagging_date.isoformat(), "Payload-Oxum": oxum, "Bag-Size": human_size(octets)}
    return info + [(label, auto[label]) for label in _RESERVED_AUTO if label.lower() not in given]




def check_out_dir(out_dir: Path) -> None:
    """Refuse (E402), before any work, an output folder that cannot be made or written in:
    a path naming a file, under a file, or in a folder this user may not write to."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _refuse(f"cannot write bags into {out_dir}: it is a file, not a folder; give --out a folder",
                      str(out_dir), "a file, not a folder")
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise _refuse(f"cannot make {out_dir}: {existing} is a file, not a folder; give --out a folder",
                      str(out_dir), f"{existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _refuse(f"cannot write in {existing}: permission denied; give --out a folder you may write to",
                      str(out_dir), "permission denied")


def make_out_dir(out_dir: Path) -> None:
    """Create the output folder (and its parents); a failure is E402 naming it and the cause."""
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(Path(out_dir), exc) from exc






def _remove(path: Path) -> None:
    """Remove a staging directory; never follow a symlink out of it."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
    except OSError as exc:  # cleanup must not hide the original error
        LOG.error("could not remove %s: %s", path, exc)


def _fsync_dir(path: Path | str) -> None:
    """Sync one file or directory (a directory's entries, a file's bytes)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Sync every file and directory so that the bag survives a crash once it has its name.

    Done once for the whole bag, just before the rename, rather than file by file as
    each is written: the syncs run side by side (``fsync`` releases the GIL) and
    files written early have mostly reached the disk by then.
    """
    paths = (os.path.join(dirpath, name) for dirpath, _dirs, files in os.walk(root) for name in [*files, ""])
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="fsync") as pool:
        while chunk := list(itertools.islice(paths, 512)):  # pool.map would hold a future per file at once
            for _ in pool.map(_fsync_dir, chunk):  # a failure raises here
                pass


def _write_new(target: Path, data: bytes, algorithms: tuple[str, ...]) -> Digests:
    """Create ``target`` (never overwrite) and return the digests of ``data`` (synced by ``finish``)."""
    digests = Digests(algorithms)
    digests.update(data)
    try:
        with open(target, "xb") as fout:
            fout.write(data)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    return digests


def _write_error(path: Path, exc: OSError) -> BagError:
    detail = exc.strerror or str(exc)
    return _refuse(f"could not write {path}: {detail}", str(path), detail)
