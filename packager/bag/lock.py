"""One run at a time per bag: a lock file beside it in the output folder.

Two runs writing the same bag into the same folder would remove each other's
staging folder. The first run holds ``<out>/.<identifier>.lock`` with an
exclusive ``flock`` for as long as it runs, and writes who it is into it
(process id, host, start time); a second run finds the lock held and stops at
once (E405) naming the first. The kernel releases a ``flock`` when its process
dies, however it dies, so a lock file left by a killed run is not held: the
next run takes it over, saying so. Runs writing different collections into
one folder do not meet. ``flock`` works on local file systems and on NFS
version 4; on file systems without it, the lock cannot be taken and the run
says so rather than going on unguarded.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import socket
from pathlib import Path
from types import TracebackType

from packager import issues
from packager.errors import BagError

LOG = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


class BagLock:
    """Hold ``<out_dir>/.<name>.lock`` for the length of a ``with`` block."""

    def __init__(self, out_dir: Path, name: str) -> None:
        self.path = Path(out_dir) / f".{name}.lock"
        self.name = name
        self._fd: int | None = None

    def __enter__(self) -> BagLock:
        if fcntl is None:  # pragma: no cover - not POSIX
            LOG.warning("no file locks on this system: nothing stops a second run on %s", self.path.parent)
            return self
        while self._fd is None:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd)
                os.close(fd)
                raise _held(self.path, self.name, holder) from None
            except OSError as exc:
                os.close(fd)
                raise BagError(f"could not lock {self.path}: {exc.strerror}; this file system has no file locks "
                               "for the output folder: choose another --out",
                               [issues.make("E402", path=str(self.path), problem=exc.strerror or str(exc))]) from exc
            if not _same_file(fd, self.path):  # the holder removed it between our open and our lock: again
                os.close(fd)
                continue
            self._fd = fd
        earlier = _read(self._fd)
        if earlier:
            LOG.warning("taking over %s from a run that is no longer running (%s)", self.path, _who(earlier))
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(me).encode("utf-8"), 0)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)  # while still held: a run that opened it meanwhile sees it gone and retries
        except OSError as error:
            LOG.warning("could not remove the lock file %s: %s", self.path, error)
        os.close(self._fd)
        self._fd = None

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BagError(f"could not create the lock file {self.path}: {exc.strerror}",
                           [issues.make("E402", path=str(self.path), problem=exc.strerror or str(exc))]) from exc


def _read(fd: int) -> dict[str, object]:
    try:
        data = os.pread(fd, 4096, 0)
        found = json.loads(data.decode("utf-8")) if data else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _who(holder: dict[str, object]) -> str:
    if not holder:
        return "a run that has not yet said who it is"
    return f"process {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"


def _held(path: Path, name: str, holder: dict[str, object]) -> BagError:
    issue = issues.make("E405", path=str(path.parent / name), who=_who(holder))
    return BagError(f"{issue.message} (lock file {path})", [issue])
