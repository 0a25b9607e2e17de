"""A process of a data-parallel run that dies or hangs: the others fail, with a clear
error, within a bounded time.

Each scenario is a pair of CPU processes (gloo, one torch thread each) started with
``subprocess.Popen``: this file run as a script (``python tests/test_faults.py
SCENARIO RANK OUT``), which joins a process group with a short ``timeout`` and fits a
tiny model for many epochs while rank 1 exits, raises or hangs at epoch 3 of the
data-parallel training; or the command line's ``main`` (what ``python -m
sklearn_ganae synthesize`` runs) in the environment that a launcher sets, whose rank
1 the test kills with SIGKILL once it trains. The pairs run at the same
time (a module fixture) under one deadline, after which every process left is
killed, so nothing hangs the suite even if the code under test does.

What gloo does, measured on this machine (torch 2.13, CPU): a peer that exits or is
killed closes its sockets, and the process waiting for it in a collective fails at
once (within a tenth of a second) with a ``RuntimeError`` ("Read error ...:
Connection reset by peer", or "Connection closed by peer"), wherever it waits (DDP's
buffer broadcast before a forward pass, its gradient all-reduce in ``backward``, the
package's exchanges). A peer that is alive but stuck is only noticed at the group's
timeout ("Timed out waiting 12000ms for send operation to complete", or
"Application timeout caused pair closure"). So the tests assert that a dead peer is
noticed well before the timeout (under half of it: a second or two is what a loaded
machine takes), and a hung one after about the timeout.
"""

from __future__ import annotations

import datetime
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 120  # seconds for every pair together, then what is left is killed
TIMEOUT = 30  # the group's timeout where rank 1 dies: it must not be waited for
HANG_TIMEOUT = 12  # the group's timeout where rank 1 hangs: rank 0 waits that long
FAULT_EPOCH = 3

# scenario: (what rank 1 does at epoch 3, the model, the group's timeout)
FITS = {
    "ae_exit": ("exit", "ae", TIMEOUT),
    "gan_exit": ("exit", "gan", TIMEOUT),
    "ae_hang": ("hang", "ae", HANG_TIMEOUT),
    "ae_raise": ("raise", "ae", TIMEOUT),
}


# --- the workers (run as a script) ------------------------------------------------------
def _install_fault(action: str, out: str, net_class: str | None = None) -> None:
    """Make this process ``exit`` (``os._exit(1)``), ``hang`` (sleep for ever),
    ``raise`` (a ValueError, as a model's own error would) or ``mark`` (write a
    file, for the test to kill it) at the first batch of epoch
    ``FAULT_EPOCH`` of a data-parallel training (of a ``net_class`` net)."""
    from sklearn_ganae._training import TabularNet

    original = TabularNet.on_batch_begin
    done = []

    def on_batch_begin(net, *args, **kwargs):
        due = (
            not done
            and net.is_data_parallel
            and (net_class is None or type(net).__name__ == net_class)
            and len(net.history) == FAULT_EPOCH
            and not net.history[-1]["batches"]
        )
        if due:
            done.append(True)
            Path(out, "fault").write_text(repr(time.time()))
            if action == "exit":
                os._exit(1)
            if action == "raise":
                raise ValueError("an error of rank 1's own")
            while action == "hang":
                time.sleep(1)
        return original(net, *args, **kwargs)

    TabularNet.on_batch_begin = on_batch_begin


def _fit_worker(scenario: str, rank: int, out: str) -> int:
    import torch
    import torch.distributed as dist

    from sklearn_ganae import AutoencoderTransformer, GANSampler

    action, model, timeout = FITS[scenario]
    torch.set_num_threads(1)
    if rank == 1:
        _install_fault(action, out, "GANNet" if model == "gan" else None)
    dist.init_process_group(
        "gloo", rank=rank, world_size=2, timeout=datetime.timedelta(seconds=timeout)
    )
    X = np.random.RandomState(0).randn(300, 4)
    if model == "ae":
        estimator = AutoencoderTransformer(
            n_components=2, hidden_layer_sizes=(8,), max_epochs=100_000, batch_size=32
        )
    else:
        estimator = GANSampler(
            noise_dim=4,
            code_dim=4,
            generator_layer_sizes=(8,),
            discriminator_layer_sizes=(8,),
            pac=2,
            pretrain_epochs=2,
            max_epochs=100_000,
            batch_size=32,
        )
    try:
        estimator.fit(X)  # rank 0: fails when rank 1 is gone (uncaught: its traceback)
    finally:
        dist.destroy_process_group()
    return 0


def _cli_worker(rank: int, out: str, argv: list[str]) -> int:
    from sklearn_ganae.__main__ import main

    if rank == 1:
        _install_fault("mark", out, "GANNet")
    return main(argv)


if __name__ == "__main__":
    if sys.argv[1] == "cli":
        sys.exit(_cli_worker(int(sys.argv[2]), sys.argv[3], sys.argv[4:]))
    sys.exit(_fit_worker(sys.argv[1], int(sys.argv[2]), sys.argv[3]))


# --- the tests ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Pair:
    """Two processes of one scenario, their logs and the times they ended."""

    def __init__(self, name: str, out: Path, argv: list[list[str]], envs: list[dict]):
        self.name, self.out = name, out
        self.logs = [open(out / f"rank{rank}.log", "w") for rank in range(2)]  # closed below
        self.procs = [
            subprocess.Popen(
                argv[rank],
                cwd=out,
                env=envs[rank],
                stdout=self.logs[rank],
                stderr=subprocess.STDOUT,
            )
            for rank in range(2)
        ]
        self.ended = [None, None]
        self.killed_at = None

    def poll(self) -> bool:
        """Record the processes that ended; whether the pair is done: rank 0 ended,
        and rank 1 too or was left a few seconds to (a hung rank 1 never ends; a
        launcher would stop it)."""
        for rank, proc in enumerate(self.procs):
            if self.ended[rank] is None and proc.poll() is not None:
                self.ended[rank] = time.time()
        first, second = self.ended
        return first is not None and (second is not None or time.time() > first + 3)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for log in self.logs:
            log.close()

    def result(self) -> dict:
        fault = self.out / "fault"
        return dict(
            returncodes=[p.returncode for p in self.procs],
            ended=self.ended,
            fault=float(fault.read_text()) if fault.exists() else None,
            killed_at=self.killed_at,
            logs=[(self.out / f"rank{rank}.log").read_text() for rank in range(2)],
            files=sorted(p.name for p in self.out.iterdir()),
        )


def _env(**extra) -> dict:
    from sklearn_ganae import _distributed

    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for name in _distributed.LAUNCHER_VARIABLES:
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return {**env, **extra}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every scenario, at the same time, under :data:`DEADLINE`: ``{name: result}``."""
    from sklearn_ganae.datasets import load_penguins

    pairs = {}
    for name in FITS:
        out = tmp_path_factory.mktemp(name)
        env = _env(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()))
        argv = [[sys.executable, __file__, name, str(rank), str(out)] for rank in range(2)]
        pairs[name] = _Pair(name, out, argv, [env, env])
    # the command line, as torchrun starts it (its environment), rank 1 killed
    out = tmp_path_factory.mktemp("cli")
    load_penguins().sample(120, random_state=0).to_csv(out / "in.csv", index=False)
    command = ["synthesize", "in.csv", "--rows", "50", "--epochs", "100000", "--seed", "0",
               "--timeout", str(TIMEOUT), "-o", "out.csv"]  # fmt: skip
    port = str(_free_port())
    envs = [
        _env(
            RANK=str(r),
            LOCAL_RANK=str(r),
            WORLD_SIZE="2",
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=port,
        )
        for r in range(2)
    ]
    argv = [[sys.executable, __file__, "cli", str(r), str(out), *command] for r in range(2)]
    pairs["cli_kill"] = cli = _Pair("cli_kill", out, argv, envs)

    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            if cli.killed_at is None and (out / "fault").exists():
                cli.procs[1].send_signal(signal.SIGKILL)  # as a crash, or the OOM killer
                cli.killed_at = time.time()
            if all([pair.poll() for pair in pairs.values()]):
                break
            time.sleep(0.05)
    finally:
        for pair in pairs.values():
            pair.stop()
    return {name: pair.result() for name, pair in pairs.items()}


def _check_error(log: str) -> None:
    """Rank 0's output: the package's error, chained to gloo's, and what to do."""
    assert "sklearn_ganae._distributed.DataParallelError: " in log, log[-3000:]
    assert "while rank 0 (of 2 processes)" in log
    assert "gloo said: " in log
    assert "Look at the other processes' output" in log
    assert "torchrun --max-restarts" in log and "timeout" in log
    assert "The above exception was the direct cause" in log  # gloo's error, chained


@pytest.mark.parametrize("name", ["ae_exit", "gan_exit"])
def test_a_process_that_dies_is_noticed_at_once(runs, name):
    result = runs[name]
    assert result["fault"] is not None, result["logs"][1][-3000:]  # rank 1 reached epoch 3
    assert result["returncodes"] == [1, 1], result["logs"][0][-3000:]
    _check_error(result["logs"][0])
    assert "stopped or failed" in result["logs"][0]
    # gloo sees the closed sockets at once: far sooner than the group's timeout
    assert result["ended"][0] - result["fault"] < TIMEOUT / 2


def test_a_process_that_fails_on_its_own_fails_the_others_at_once(runs):
    result = runs["ae_raise"]
    assert result["fault"] is not None, result["logs"][1][-3000:]
    assert result["returncodes"] == [1, 1], result["logs"][0][-3000:]
    # rank 1's own error passes through unchanged; it ends the process, whose
    # closed sockets stop rank 0 at once
    assert "ValueError: an error of rank 1's own" in result["logs"][1]
    assert "DataParallelError" not in result["logs"][1]
    _check_error(result["logs"][0])
    assert result["ended"][0] - result["ended"][1] < TIMEOUT / 2


def test_a_process_that_hangs_is_waited_for_as_long_as_the_timeout(runs):
    result = runs["ae_hang"]
    assert result["fault"] is not None, result["logs"][1][-3000:]
    assert result["returncodes"][0] == 1, result["logs"][0][-3000:]
    assert result["ended"][1] is None  # rank 1 was still asleep: the test killed it
    _check_error(result["logs"][0])
    assert "did not answer within the process group's timeout" in result["logs"][0]
    waited = result["ended"][0] - result["fault"]
    assert HANG_TIMEOUT * 0.9 < waited < HANG_TIMEOUT + 30


def test_the_command_line_reports_a_killed_process_in_one_line(runs):
    result = runs["cli_kill"]
    assert result["killed_at"] is not None, result["logs"][1][-3000:]
    assert result["returncodes"] == [1, -signal.SIGKILL], result["logs"][0][-3000:]
    log = result["logs"][0]
    errors = [line for line in log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, log[-3000:]
    assert errors[0].startswith("error: rank 0: the data-parallel run failed: Another process")
    assert "gloo said: " in errors[0] and "--timeout" in errors[0]
    assert "Traceback" not in log
    # nothing written, no temporary file left
    assert result["files"] == ["fault", "in.csv", "rank0.log", "rank1.log"]
    assert result["ended"][0] - result["killed_at"] < TIMEOUT / 2


# --- the translation of errors, in this process ------------------------------------------
GLOO_CLOSED = (
    "[/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:553] Connection closed by peer "
    "[127.0.0.1]:59536. This is typically caused by a remote worker crashing. Check the "
    "logs of the remote worker before reporting an error. GLHF!"
)


def test_communication_errors_become_data_parallel_errors():
    import torch.distributed as dist

    from sklearn_ganae._distributed import DataParallelError, failures_of_the_others

    for error in (RuntimeError(GLOO_CLOSED), dist.DistBackendError("NCCL error: remote")):
        with pytest.raises(DataParallelError, match="stopped or failed") as info:
            with failures_of_the_others():
                raise error
        assert info.value.__cause__ is error
        assert isinstance(info.value, RuntimeError)
    # one line of the backend's, without its location and boilerplate
    with pytest.raises(DataParallelError) as info:
        with failures_of_the_others():
            raise RuntimeError(GLOO_CLOSED)
    assert info.value.backend_message == "Connection closed by peer [127.0.0.1]:59536."
    assert "torchrun --max-restarts" in str(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is DataParallelError and str(again) == str(info.value)
    # what gloo says of a peer that is alive but stuck (either, depending on timing)
    for timed_out in (
        "[.../unbound_buffer.cc:129] Timed out waiting 12000ms for send operation to complete",
        "Application timeout caused pair closure",
    ):
        with pytest.raises(DataParallelError, match="did not answer within the process group"):
            with failures_of_the_others():
                raise RuntimeError(timed_out)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad rows"),
        RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 5x8)"),
        FloatingPointError("the loss became nan"),
        KeyboardInterrupt(),
    ],
)
def test_other_errors_pass_through_unchanged(error):
    from sklearn_ganae._distributed import failures_of_the_others

    with pytest.raises(type(error)) as info:
        with failures_of_the_others():
            raise error
    assert info.value is error
