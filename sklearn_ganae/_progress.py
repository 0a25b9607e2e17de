"""Progress of long work on stderr, without torch: a ``tqdm`` bar on a terminal, plain
lines (no ANSI codes, no carriage returns) otherwise. Used by the training loops, the
samplers and the quality report."""

from __future__ import annotations

import contextlib
import math
import re
import sys
import time

from tqdm import tqdm

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def stderr_is_terminal() -> bool:
    """Whether ``sys.stderr`` (looked up now: pytest and users swap it) is a terminal."""
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError, OSError):  # None, closed or odd streams
        return False


def print_to_stderr(text: str) -> None:
    """Print a line on stderr (module level so nets pickle).

    On a terminal the line goes above any live progress bar (``tqdm.write``); else
    ANSI codes (skorch's table colours) are stripped.
    """
    stream = sys.stderr
    if stream is None:
        return
    if stderr_is_terminal():
        tqdm.write(text, file=stream)
    else:
        stream.write(_ANSI.sub("", text) + "\n")
    stream.flush()


def failure_status(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"stopped by {type(exc).__name__}"


class Progress:
    """Progress of one phase on stderr: a ``tqdm`` bar on a terminal, else plain lines.

    Parameters
    ----------
    phase : str
        Name of the phase ("training", "sampling", ...), first on each line.
    total : int
        Units of work of the phase (epochs, rows).
    unit : str, default="epoch"
        Singular name of a unit.
    every : float, default=0.1
        Without a terminal, a line each time this share of ``total`` more is done...
    interval : float, default=10.0
        ... or when this many seconds have passed since the last line; and a last line
        at :meth:`close`.
    """

    def __init__(self, phase: str, total: int, unit: str = "epoch", every=0.1, interval=10.0):
        self.phase = phase
        self.total = int(total)
        self.unit = unit
        self.count = 0
        self.postfix: dict = {}
        self.stream = sys.stderr
        self.interval = interval
        self._step = max(1, math.ceil(every * self.total))
        self._next = self._step
        self._start = self._last = time.monotonic()
        self._printed = 0
        self._closed = False
        self._bar = None
        if stderr_is_terminal():
            self._bar = tqdm(total=self.total, desc=phase, unit=unit, file=self.stream, leave=True)

    def update(self, n: int = 1, postfix: dict | None = None) -> None:
        """``n`` more units done; ``postfix``: the latest figures, by label."""
        if self._closed:
            return
        self.count += n
        if postfix is not None:
            self.postfix = dict(postfix)
        if self._bar is not None:
            if postfix is not None:
                self._bar.set_postfix(self.postfix, refresh=False)
            self._bar.update(n)
            return
        now = time.monotonic()
        if self.count >= self._next or now - self._last >= self.interval:
            self._line(now)

    def close(self, status: str | None = None) -> None:
        """End the phase (idempotent); ``status`` says why it ended before ``total``."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            if status:
                self._bar.set_description_str(f"{self.phase} ({status})", refresh=False)
            self._bar.close()
            self._bar = None
        elif status or self._printed != self.count:
            self._line(time.monotonic(), status)
        self.stream = None

    def _line(self, now: float, status: str | None = None) -> None:
        elapsed = now - self._start
        parts = [f"{self.phase}: {self.count}/{self.total} {self.unit}s"]
        if status:
            parts.append(status)
        elif self.total:
            parts[0] += f" ({100 * self.count // self.total}%)"
        parts.append(f"{tqdm.format_interval(elapsed)} elapsed")
        if not status and 0 < self.count < self.total:
            left = elapsed / self.count * (self.total - self.count)
            parts.append(f"{tqdm.format_interval(left)} left")
        parts += [f"{key}={value}" for key, value in self.postfix.items()]
        print_to_stderr(", ".join(parts))
        self._printed, self._last = self.count, now
        while self._next <= self.count:
            self._next += self._step


class NoProgress:
    """What :func:`progress` gives when nothing is to be shown."""

    count = 0

    def update(self, n=1, postfix=None):
        pass

    def close(self, status=None):
        pass


@contextlib.contextmanager
def progress(enabled, phase: str, total: int, unit: str = "epoch"):
    """A :class:`Progress` for a block (a silent stand-in when not ``enabled``), closed
    when the block ends, also by an exception or Ctrl-C."""
    if not enabled or sys.stderr is None:
        yield NoProgress()
        return
    bar = Progress(phase, total, unit)
    try:
        yield bar
    except BaseException as exc:
        bar.close(failure_status(exc))
        raise
    bar.close()
