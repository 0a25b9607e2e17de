"""Torch's thread count during the package's calls: ``n_jobs`` and the load policy.

The count is set only during a call and the caller's is restored after it (after a
failure too, and between the batches of ``iter_samples``); ``n_jobs=None`` follows
the other processes' load, read from ``/proc/stat`` (faked here, except in one test
that spins a real busy process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from _params import AE, GAN, VAE

from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer, _threads


@pytest.fixture
def caller_threads():
    """The test runs with the caller at 1 thread; the count is restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield 1
    torch.set_num_threads(before)


@pytest.fixture
def calls(monkeypatch):
    """Every count torch.set_num_threads is called with, in order."""
    seen = []
    original = torch.set_num_threads

    def spy(n):
        seen.append(int(n))
        original(n)

    monkeypatch.setattr(torch, "set_num_threads", spy)
    return seen


class FakeMonitor:
    """Reports the other processes' load from a list (the last value repeats)."""

    def __init__(self, values):
        self.values = list(values)
        self.reads = 0

    def other_cpus(self):
        value = self.values[min(self.reads, len(self.values) - 1)]
        self.reads += 1
        return value


@pytest.fixture
def numeric():
    rng = np.random.default_rng(0)
    return rng.normal(size=(120, 4))


# --- the caller's count -------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda n: AutoencoderTransformer(**AE, n_jobs=n),
        lambda n: VAETransformer(**VAE, n_jobs=n),
        lambda n: GANSampler(**GAN, n_jobs=n),
    ],
    ids=["ae", "vae", "gan"],
)
def test_fixed_count_inside_the_call_and_the_callers_after(make, numeric, caller_threads, calls):
    model = make(2).fit(numeric)
    assert calls[0] == 2  # set for the fit
    assert calls[-1] == caller_threads  # and given back
    assert torch.get_num_threads() == caller_threads
    calls.clear()
    if hasattr(model, "transform"):
        model.transform(numeric)
        assert calls == [2, caller_threads]
        calls.clear()
    if hasattr(model, "sample"):
        model.sample(5, random_state=0)
        assert calls == [2, caller_threads]
    assert torch.get_num_threads() == caller_threads


def test_iter_samples_gives_the_count_back_between_batches(numeric, caller_threads, calls):
    model = VAETransformer(**VAE, n_jobs=2).fit(numeric)
    calls.clear()
    batches = model.iter_samples(30, batch_size=10, random_state=0)
    first = next(batches)
    assert len(first) == 10
    assert torch.get_num_threads() == caller_threads  # the caller's, while paused
    rest = list(batches)
    assert sum(map(len, rest)) == 20
    assert calls and calls[0] == 2 and calls[-1] == caller_threads


def test_count_is_restored_after_a_failed_fit(caller_threads, calls):
    bad = np.full((20, 3), np.inf)
    with pytest.raises(ValueError):
        AutoencoderTransformer(**AE, n_jobs=2).fit(bad)
    assert torch.get_num_threads() == caller_threads


def test_default_never_exceeds_the_callers_count(numeric, caller_threads, monkeypatch):
    monkeypatch.setattr(_threads, "_MONITOR", FakeMonitor([0.0]))  # a quiet machine
    seen = []
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), original(n)))
    AutoencoderTransformer(**AE).fit(numeric)
    assert seen == []  # the caller's 1 thread was right: never changed
    assert torch.get_num_threads() == caller_threads


# --- n_jobs ---------------------------------------------------------------------------
def test_n_jobs_values():
    cpus = _threads.available_cpus()
    assert _threads.resolve_n_jobs(None) is None
    assert _threads.resolve_n_jobs(3) == 3
    assert _threads.resolve_n_jobs(-1) == cpus
    assert _threads.resolve_n_jobs(-2) == max(cpus - 1, 1)
    assert _threads.resolve_n_jobs(-1000) == 1


def test_n_jobs_zero_is_refused_before_training(numeric):
    with pytest.raises(ValueError, match="n_jobs"):
        AutoencoderTransformer(**AE, n_jobs=0).fit(numeric)
    with pytest.raises(ValueError, match="n_jobs"):
        VAETransformer(**VAE, n_jobs=0).fit_resample(numeric, np.arange(len(numeric)) % 2)
    with pytest.raises(ValueError, match="n_jobs == 0"):
        _threads.resolve_n_jobs(0)


def test_n_jobs_of_a_wrong_type_is_refused(numeric):
    with pytest.raises(ValueError, match="n_jobs"):
        VAETransformer(**VAE, n_jobs=1.5).fit(numeric)


def test_an_inner_fixed_count_wins_over_an_outer_policy(monkeypatch):
    monkeypatch.setattr(_threads, "_MONITOR", FakeMonitor([0.0]))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with _threads.torch_threads(None):
            assert torch.get_num_threads() == min(2, _threads.available_cpus())
            with _threads.torch_threads(1):
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == min(2, _threads.available_cpus())
            with _threads.torch_threads(None):  # an adaptive inner block: the outer's
                assert torch.get_num_threads() == min(2, _threads.available_cpus())
        with _threads.torch_threads(1):
            with _threads.torch_threads(2):  # an outer fixed count wins
                assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


# --- the load policy ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("others", "cap", "cpus", "expected"),
    [
        (0.0, 2, 2, 2),  # quiet: the caller's count
        (0.4, 2, 2, 2),  # less than half a core busy: ignored
        (0.6, 2, 2, 1),  # one busy process: give its core up
        (1.0, 2, 2, 1),
        (3.0, 2, 2, 1),  # never below 1
        (1.0, 8, 8, 7),
        (1.0, 4, 8, 4),  # never above the caller's count
        (None, 2, 2, 2),  # unknown load: the caller's count
    ],
)
def test_policy_gives_way_to_other_processes(monkeypatch, others, cap, cpus, expected):
    monkeypatch.setattr(_threads, "available_cpus", lambda: cpus)
    monkeypatch.setattr(torch, "get_num_threads", lambda: cap)
    policy = _threads.ThreadPolicy(None, monitor=FakeMonitor([others]))
    assert policy.decide() == expected


def test_fit_adapts_every_epoch(numeric, monkeypatch):
    # quiet, then another process starts, then it ends: 2 -> 1 -> 2 threads
    monkeypatch.setattr(_threads, "available_cpus", lambda: 2)
    monitor = FakeMonitor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    monkeypatch.setattr(_threads, "_MONITOR", monitor)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), original(n)))
    try:
        AutoencoderTransformer(**{**AE, "max_epochs": 8}).fit(numeric)
    finally:
        monkeypatch.undo()
        torch.set_num_threads(before)
    assert monitor.reads >= 8  # at the call and before every epoch
    assert seen == [1, 2]  # down when the other process started, back when it ended


# --- reading the load -------------------------------------------------------------
def _stat(path, busy_ticks, running, idle_ticks=1000):
    # user nice system idle iowait irq softirq steal guest guest_nice
    path.write_text(
        f"cpu  {busy_ticks} 0 0 {idle_ticks} 0 0 0 0 0 0\n"
        f"cpu0 {busy_ticks} 0 0 {idle_ticks} 0 0 0 0 0 0\n"
        "intr 1 2 3\n"
        f"procs_running {running}\n"
        "procs_blocked 0\n"
    )


def test_monitor_measures_other_processes(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    clock = {"now": 100.0, "own": 5.0}
    monkeypatch.setattr(_threads.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(_threads, "_own_cpu_seconds", lambda: clock["own"])
    monkeypatch.setattr(_threads, "_affinity", lambda: None)  # the whole machine
    _stat(stat, busy_ticks=0, running=1)
    monitor = _threads.LoadMonitor(str(stat))
    # 1 s later: the machine was busy 1.5 CPU-seconds, 0.5 of them this process's
    clock.update(now=101.0, own=5.5)
    _stat(stat, busy_ticks=int(1.5 * ticks), running=2)
    assert monitor.other_cpus() == pytest.approx(1.0)
    # a window too short to measure: the latest estimate, while it is fresh
    clock.update(now=101.05)
    assert monitor.other_cpus() == pytest.approx(1.0)
    clock.update(now=101.1 + _threads.MAX_WINDOW)
    # a long window (a long epoch): measured over all of it, this process excluded
    clock.update(now=131.0, own=35.5)  # this process busy all the time, no one else
    _stat(stat, busy_ticks=int(31.5 * ticks), running=3)
    assert monitor.other_cpus() == pytest.approx(0.0, abs=0.01)
    # a stale estimate is not reused for a short window
    clock.update(now=131.0 + _threads.MAX_WINDOW + 1)
    assert monitor.other_cpus() == pytest.approx(0.0, abs=0.01)  # a real window again
    clock.update(now=clock["now"] + 0.05 + _threads.MAX_WINDOW)
    monitor._last = (clock["now"] - 0.05, *monitor._last[1:])
    assert monitor.other_cpus() is None


def test_monitor_counts_only_this_process_cpus(tmp_path, monkeypatch):
    # a container pinned to CPU 0 of a host whose CPU 1 is busy: not a load on us
    stat = tmp_path / "stat"
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    clock = {"now": 10.0}
    monkeypatch.setattr(_threads.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(_threads, "_own_cpu_seconds", lambda: 0.0)
    monkeypatch.setattr(_threads, "_affinity", lambda: {0})

    def write(busy0, busy1):
        stat.write_text(
            f"cpu  {busy0 + busy1} 0 0 1000 0 0 0 0 0 0\n"
            f"cpu0 {busy0} 0 0 500 0 0 0 0 0 0\n"
            f"cpu1 {busy1} 0 0 500 0 0 0 0 0 0\n"
        )

    write(0, 0)
    monitor = _threads.LoadMonitor(str(stat))
    clock["now"] = 11.0
    write(0, ticks)  # CPU 1 busy the whole second
    assert monitor.other_cpus() == pytest.approx(0.0)
    clock["now"] = 12.0
    write(ticks, ticks)  # now CPU 0 too
    assert monitor.other_cpus() == pytest.approx(1.0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_forked_child_starts_a_monitor_of_its_own(tmp_path):
    before = _threads._MONITOR
    out = tmp_path / "child"
    pid = os.fork()
    if pid == 0:  # the child: report whether its monitor is a fresh one
        try:
            out.write_text(str(_threads._MONITOR is not before))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert out.read_text() == "True"
    assert _threads._MONITOR is before


def test_monitor_without_proc_stat(tmp_path):
    monitor = _threads.LoadMonitor(str(tmp_path / "missing"))
    assert monitor.other_cpus() is None
    assert _threads.ThreadPolicy(None, monitor=monitor).decide() == torch.get_num_threads()


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="no /proc/stat on this system")
def test_monitor_sees_a_real_busy_process():
    monitor = _threads.LoadMonitor()
    spin = (
        "import sys, time\nprint('spinning', flush=True)\n"
        "end = time.time() + 1.5\nwhile time.time() < end: pass\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "spinning"
        monitor.other_cpus()  # the window starts once the other process spins
        time.sleep(0.8)
        others = monitor.other_cpus()
    finally:
        proc.wait()
        proc.stdout.close()
    # a process that spins on one CPU all through the window: about 1 CPU
    assert others is not None and others >= 0.5


@pytest.mark.parametrize(
    ("make", "adapts"),
    [
        (lambda seed: AutoencoderTransformer(**AE), True),  # seeded, thread-invariant
        (lambda seed: GANSampler(**{**GAN, "random_state": seed}), True),
        (lambda seed: GANSampler(**GAN), False),  # seeded: stays reproducible
        (lambda seed: VAETransformer(**{**VAE, "batch_norm": True}), False),
    ],
    ids=["ae-seeded", "gan-unseeded", "gan-seeded", "vae-batch-norm-seeded"],
)
def test_seeded_fits_that_depend_on_the_thread_count_keep_it(numeric, monkeypatch, make, adapts):
    # another process keeps one of two CPUs busy
    monkeypatch.setattr(_threads, "available_cpus", lambda: 2)
    monkeypatch.setattr(_threads, "_MONITOR", FakeMonitor([1.0]))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), original(n)))
    try:
        make(None).fit(numeric)
    finally:
        monkeypatch.undo()
        torch.set_num_threads(before)
    assert (1 in seen) is adapts


def test_the_callers_count_inside_an_adaptive_outer_call(monkeypatch):
    # a seeded batch-norm model fitted inside a meta-estimator's adaptive call keeps
    # the count of the outermost caller, not the count the load policy chose
    monkeypatch.setattr(_threads, "available_cpus", lambda: 2)
    monkeypatch.setattr(_threads, "_MONITOR", FakeMonitor([1.0]))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with _threads.torch_threads(None):
            assert torch.get_num_threads() == 1  # the outer call gave a core up
            with _threads.torch_threads(_threads.CALLER):
                assert torch.get_num_threads() == 2
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
