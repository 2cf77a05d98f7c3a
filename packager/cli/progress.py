"""Progress on stderr: one tqdm bar per stage of a run, on a terminal only.

The library reports ``progress(stage, done, total, octets=0)``: ``analyse``,
``embed`` and ``metadata`` count items (``embed`` also the bytes of the
originals done, as ``octets``), ``verify`` counts the bytes hashed. Each stage
gets one bar (done/total, rate, ETA, and MB/s where bytes are known), closed
when the stage is complete or the next one starts.

Nothing is printed when stderr is not a terminal or with ``--quiet``: no bar,
no summary line; tqdm is imported only when a bar is actually drawn, so a
quiet or piped run never loads it. Log lines written while a bar is shown go
through :class:`BarSafeHandler`, which moves the bars aside for them.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from .render import terminal_safe

if TYPE_CHECKING:
    from tqdm import tqdm

#: Stages whose done/total are bytes rather than items.
BYTE_STAGES = frozenset({"verify"})
#: What an item stage counts, when it is not "items".
UNITS = {"metadata": "images"}
#: The size assumed for a terminal that does not say how large it is.
FALLBACK_SIZE: dict[str, Any] = {"ncols": 80, "nrows": 24}


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced streams
        return False


def _width(stream: TextIO) -> int:
    """The terminal's width in columns, or 0 when it does not say (a pseudo-terminal may report 0 x 0)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


class Progress:
    """The ``progress`` callback of a run: draws the bars, or does nothing at all.

    ``enabled`` is False with ``--quiet``; bars are drawn only when ``stream``
    (stderr by default) is also a terminal. Safe to call from worker threads.
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.active = enabled and is_terminal(self.stream)
        self._clock = clock
        self._lock = threading.RLock()
        self._tqdm: type[tqdm[NoReturn]] | None = None
        self._bar: tqdm[NoReturn] | None = None
        self._stage = ""
        self._started = 0.0

    def __call__(self, stage: str, done: int, total: int, octets: int = 0) -> None:
        if not self.active or total <= 0:
            return
        with self._lock:
            bar = self._bar
            if bar is None and stage == self._stage and done >= total:
                return  # this stage's bar is already complete and closed
            if bar is None or stage != self._stage or done < bar.n:
                self._close()
                bar = self._open(stage, total)
            if bar.total != total:
                bar.total = total
            if octets and stage not in BYTE_STAGES:
                bar.set_postfix_str(self._byte_rate(octets), refresh=False)
            bar.update(min(done, total) - bar.n)
            if done >= total:
                self._close()

    def close(self) -> None:
        """Close the open bar, if any (before a result, an error or an interruption is printed)."""
        with self._lock:
            self._close()

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Clear the bars while something else is written to the terminal, then draw them again."""
        if self._tqdm is None:
            yield
            return
        with self._tqdm.external_write_mode(file=self.stream):
            yield

    def _open(self, stage: str, total: int) -> tqdm[NoReturn]:
        if self._tqdm is None:
            from tqdm import tqdm as tqdm_class  # only now: a quiet or piped run never imports tqdm

            self._tqdm = tqdm_class
        # Follow the terminal's size as it changes; a terminal that gives none (0 x 0) gets a fixed one,
        # without which tqdm would draw nothing.
        width: dict[str, Any] = {"dynamic_ncols": True} if _width(self.stream) else FALLBACK_SIZE
        if stage in BYTE_STAGES:
            bar = self._tqdm(total=total, desc=f"{stage:>8}", file=self.stream, unit="B", unit_scale=True,
                             unit_divisor=1000, miniters=1, **width)
        else:
            bar = self._tqdm(total=total, desc=f"{stage:>8}", file=self.stream, unit=f" {UNITS.get(stage, 'items')}",
                             miniters=1, **width)
        self._bar, self._stage, self._started = bar, stage, self._clock()
        return bar

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _byte_rate(self, octets: int) -> str:
        elapsed = self._clock() - self._started
        if elapsed <= 0 or self._tqdm is None:
            return ""
        return self._tqdm.format_sizeof(octets / elapsed, "B/s", 1000)


class BarSafeHandler(logging.StreamHandler[TextIO]):
    """Log lines on the progress stream that never tear a bar: the bars step aside for each line."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(progress.stream)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        with self.progress.aside():
            super().emit(record)


class TerminalSafeFormatter(logging.Formatter):
    """Log lines with the characters a terminal would act on written out (names in them come from users)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


LOG_FORMAT = "%(levelname)s %(message)s"


def log_handler(progress: Progress) -> logging.Handler:
    """The handler for log lines on stderr: bar-safe while bars may be drawn, plain otherwise."""
    handler = BarSafeHandler(progress) if progress.active else logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalSafeFormatter(LOG_FORMAT))
    return handler
