"""Torch's intra-op threads during the package's work, chosen for the machine's load.

PyTorch's default is one intra-op thread per physical core. For the package's small
tabular networks that is fastest on a quiet machine (a 5,000-row VAE or GAN fit is
1.2-1.4x faster on 2 threads than on 1 here), and far slower on a busy one: with one
other busy process on a 2-core machine a 2-thread fit is about 4x slower, a 1-thread
fit at most 1.1x, because torch's worker threads wait on each other at every
operation while one of them is descheduled.

So every fit, transform and sample of the package runs inside :func:`torch_threads`,
which sets torch's thread count for the call and restores the caller's afterwards
(``torch.get_num_threads()`` is unchanged by any call). With ``n_jobs=None`` (the
default) the count follows the load: the CPUs this process may use, less those that
other processes kept busy lately, at least 1 and at most the caller's own count
(so a caller who set ``torch.set_num_threads(1)`` keeps 1). The load is read again
before every training epoch and every sampling batch, so a fit gives way when another
process starts and takes the cores back when it ends. Where the load cannot be read
(no ``/proc``: macOS, Windows), the caller's count is used, as torch would.

The load of the other processes is measured without waiting: ``/proc/stat``'s busy
time of the CPUs this process may run on, less this process's own CPU time
(``os.times``), over the time since the previous reading (at least :data:`MIN_WINDOW`
seconds; a forked child starts a reading of its own).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Iterator

import torch

#: Shortest time (s) over which the other processes' load is measured: the kernel
#: counts CPU time in ticks of 10 ms, so shorter windows are mostly rounding.
MIN_WINDOW = 0.2
#: A window longer than this (s) is stale: it averages over too long a past.
MAX_WINDOW = 10.0
#: The cores other processes keep busy are rounded up from this fraction of a core.
BUSY_FRACTION = 0.5

_PROC_STAT = "/proc/stat"


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def _affinity() -> set[int] | None:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def _busy(fields: list[int]) -> int:
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time
    # is counted in user already; steal is time taken from these CPUs by others
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle


def _read_stat(path: str = _PROC_STAT, cpus: set[int] | None = None) -> float | None:
    """Busy CPU seconds of the CPUs ``cpus`` (this process's affinity; the whole
    machine where it or the per-CPU lines are unknown), or None."""
    try:
        with open(path, encoding="ascii") as f:
            text = f.read()
    except OSError:
        return None
    total, mine = None, 0
    seen = False
    for line in text.splitlines():
        if not line.startswith("cpu"):
            continue
        name, *values = line.split()
        fields = [int(v) for v in values]
        if name == "cpu":
            total = _busy(fields)
        elif cpus is not None and name[3:].isdigit() and int(name[3:]) in cpus:
            mine += _busy(fields)
            seen = True
    busy = mine if seen else total
    if busy is None:
        return None
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return busy / ticks


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class LoadMonitor:
    """How many CPUs other processes keep busy, from readings taken without waiting.

    Each :meth:`other_cpus` call compares the busy time of this process's CPUs and
    this process's own CPU time with the previous reading: the difference, over the
    wall time between them, is the other processes' load in CPUs. A window shorter
    than :data:`MIN_WINDOW` gives the latest estimate while it is at most
    :data:`MAX_WINDOW` seconds old, else None (and keeps the older reading as the
    window's start).
    """

    def __init__(self, path: str = _PROC_STAT) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cpus = _affinity()
        self._last = self._reading()
        self._estimate = None  # (when, other processes' CPUs) of the latest window

    def _reading(self):
        busy = _read_stat(self.path, self._cpus)
        if busy is None:
            return None
        return time.monotonic(), busy, _own_cpu_seconds()

    def other_cpus(self) -> float | None:
        """Other processes' load in CPUs since the last reading, or None (unknown)."""
        with self._lock:
            now = self._reading()
            if now is None:
                return None
            last = self._last
            if last is not None and now[0] - last[0] < MIN_WINDOW:
                # too short to measure: the latest estimate, while it is fresh
                fresh = self._estimate is not None and now[0] - self._estimate[0] <= MAX_WINDOW
                return self._estimate[1] if fresh else None
            self._last = now
            if last is None:
                return None
            busy = (now[1] - last[1]) - (now[2] - last[2])
            others = max(busy, 0.0) / (now[0] - last[0])
            self._estimate = (now[0], others)
            return others


_MONITOR = LoadMonitor()
_active = threading.local()


def _after_fork() -> None:
    # a forked child's own CPU time starts again at 0, and its copy of the lock may
    # be held by a thread that does not exist in it: a fresh monitor
    global _MONITOR, _active
    _MONITOR = LoadMonitor(_MONITOR.path)
    _active = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)

#: ``n_jobs`` for "the caller's own count, whatever the load" (a seeded fit of a model
#: whose training depends on the count): the outermost call's caller, when nested
CALLER = "caller"


def resolve_n_jobs(n_jobs, cap: int | None = None) -> int | None:
    """A fixed thread count for ``n_jobs`` (-1: every available CPU, -2: all but
    one, ...), or None for ``n_jobs=None`` (follow the load)."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, str) and n_jobs == CALLER:
        return torch.get_num_threads() if cap is None else cap
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, a positive count or -1.")
    if n_jobs < 0:
        return max(available_cpus() + 1 + n_jobs, 1)
    return n_jobs


class ThreadPolicy:
    """The thread count of one call: fixed (``n_jobs``), or following the load."""

    def __init__(self, n_jobs, monitor: LoadMonitor | None = None) -> None:
        self.cap = torch.get_num_threads()  # the caller's count: never more
        self.fixed = resolve_n_jobs(n_jobs, self.cap)
        self.monitor = _MONITOR if monitor is None else monitor
        self.threads = self.fixed if self.fixed is not None else self.cap

    def decide(self) -> int:
        """The count for the work that follows (read the load again when adaptive)."""
        if self.fixed is not None:
            return self.fixed
        others = self.monitor.other_cpus()
        if others is not None:
            busy = math.floor(others + (1 - BUSY_FRACTION))  # 0.5 of a core counts as 1
            self.threads = max(1, min(self.cap, available_cpus() - busy))
        return self.threads

    def apply(self) -> None:
        n = self.decide()
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)


@contextlib.contextmanager
def torch_threads(n_jobs=None) -> Iterator[ThreadPolicy]:
    """Run a block with torch's intra-op thread count set by a :class:`ThreadPolicy`
    for ``n_jobs``; the caller's count is restored afterwards.

    Nested blocks (a fit inside a fit, a sample inside a fit) keep the outer block's
    policy. :func:`adapt` inside the block reads the load again.
    """
    outer = getattr(_active, "policy", None)
    if outer is not None:
        # an outer fixed count wins; an inner one wins over an outer adaptive policy
        # (a model's own n_jobs inside a meta-estimator's call), for the inner block
        inner = resolve_n_jobs(n_jobs, outer.cap) if outer.fixed is None else None
        if inner is not None:
            outer.fixed = inner
        try:
            outer.apply()
            yield outer
        finally:
            if inner is not None:
                outer.fixed = None
                outer.apply()
        return
    before = torch.get_num_threads()
    policy = ThreadPolicy(n_jobs)
    _active.policy = policy
    try:
        policy.apply()
        yield policy
    finally:
        _active.policy = None
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def adapt() -> None:
    """Inside :func:`torch_threads`: set the count for the work that follows (the
    start of an epoch, a sampling batch); outside it, nothing."""
    policy = getattr(_active, "policy", None)
    if policy is not None:
        policy.apply()
