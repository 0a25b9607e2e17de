"""The command line under a launcher: ``torchrun --nproc-per-node 2 -m sklearn_ganae``.

Each run is a real ``python -m torch.distributed.run`` with two CPU processes (gloo,
one thread each) in a subprocess under a deadline: on time-out torchrun is asked to
stop its workers (SIGTERM), then killed, and the workers' own ``--timeout`` (short
here) ends any that are left, so nothing hangs. torchrun exits with 0 when every
worker did, else with 1 whatever their statuses; its summary names each failed
worker's exit code.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sklearn_ganae import _distributed
from sklearn_ganae.__main__ import main

DEADLINE = 150  # seconds for one torchrun, then it is stopped
ROOT = Path(__file__).resolve().parents[1]
FAST = ["--rows", "50", "--epochs", "2", "--seed", "0", "--timeout", "60"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``torchrun --nproc-per-node 2 -m sklearn_ganae ARGS`` in ``cwd``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for name in _distributed.LAUNCHER_VARIABLES:
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
            "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
            "-m", "sklearn_ganae", *args]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # torchrun stops its workers
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        pytest.fail(f"torchrun ran past {DEADLINE} s:\n{out[-3000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    """120 rows of the shipped penguins table (all three species) as a CSV file."""
    from sklearn_ganae.datasets import load_penguins

    path = tmp_path_factory.mktemp("table") / "in.csv"
    load_penguins().sample(120, random_state=0).to_csv(path, index=False)
    return path


def _workdir(tmp_path: Path, table: Path) -> Path:
    (tmp_path / "in.csv").write_bytes(table.read_bytes())
    return tmp_path


def _check_output(path: Path, table: Path) -> pd.DataFrame:
    real, synthetic = pd.read_csv(table), pd.read_csv(path)
    assert list(synthetic.columns) == list(real.columns)
    assert len(synthetic) == 50
    return synthetic


def test_gan_trains_data_parallel_and_rank_zero_writes_and_prints_once(
    tmp_path, table, monkeypatch
):
    work = _workdir(tmp_path, table)
    proc = _torchrun(work, "synthesize", "in.csv", *FAST, "-o", "out.csv")
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the results once (rank 0), on stdout; the progress once, on stderr
    assert proc.stdout.count("Wrote 50 synthetic rows x 7 columns to out.csv") == 1
    assert "trained data-parallel on 2 processes (gloo)" in proc.stdout
    assert proc.stdout.count("Synthetic data quality report") == 1
    assert proc.stderr.count("fitting GANSampler on 120 rows") == 1
    assert "data-parallel on 2 processes (gloo)" in proc.stderr
    assert proc.stderr.count("time: reading") == 1
    assert "error" not in proc.stderr
    # written once, atomically: no temporary file is left beside it
    assert sorted(p.name for p in work.iterdir()) == ["in.csv", "out.csv"]
    two = _check_output(work / "out.csv", table)

    # the same command in one process trains another model (all the rows in each
    # step, one noise stream): its rows differ from the data-parallel run's
    for name in _distributed.LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    one_path = tmp_path / "one.csv"
    assert main(["synthesize", str(work / "in.csv"), *FAST, "--quiet", "-o", str(one_path)]) == 0
    one = _check_output(one_path, table)
    assert not one.equals(two)


def test_vae_quiet_prints_nothing(tmp_path, table):
    work = _workdir(tmp_path, table)
    proc = _torchrun(work, "synthesize", "in.csv", *FAST, "--model", "vae", "-q", "-o", "o.csv")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == ""
    assert proc.stderr.strip() == "", proc.stderr[-3000:]
    assert sorted(p.name for p in work.iterdir()) == ["in.csv", "o.csv"]
    _check_output(work / "o.csv", table)


def test_an_existing_output_is_refused_on_every_rank_before_training(tmp_path, table):
    work = _workdir(tmp_path, table)
    (work / "out.csv").write_text("keep me\n")
    proc = _torchrun(work, "synthesize", "in.csv", *FAST, "-o", "out.csv")
    # every worker exits with status 1; torchrun then exits with 1 too
    assert proc.returncode == 1
    assert "exitcode  : 1" in proc.stderr
    # one message (rank 0's), and no training started
    assert proc.stderr.count("error: output out.csv already exists") == 1
    assert "--overwrite" in proc.stderr
    assert "fitting" not in proc.stderr and proc.stdout == ""
    assert (work / "out.csv").read_text() == "keep me\n"
    assert sorted(p.name for p in work.iterdir()) == ["in.csv", "out.csv"]


# --- the launcher's environment, in this process ------------------------------------


LAUNCHED = {
    "RANK": "1",
    "WORLD_SIZE": "2",
    "LOCAL_RANK": "1",
    "MASTER_ADDR": "127.0.0.1",
    "MASTER_PORT": "29500",
}


def test_launcher_environment():
    assert _distributed.launcher_environment({}) is None
    assert _distributed.launcher_environment({**LAUNCHED, "WORLD_SIZE": "1"}) is None
    assert _distributed.launcher_environment(LAUNCHED) == _distributed.Launch(1, 2, 1)
    partial = {k: v for k, v in LAUNCHED.items() if k != "MASTER_PORT"}
    with pytest.raises(ValueError, match="MASTER_PORT is not set.*torchrun"):
        _distributed.launcher_environment(partial)
    with pytest.raises(ValueError, match="RANK='x' in the environment"):
        _distributed.launcher_environment({**LAUNCHED, "RANK": "x"})
    with pytest.raises(ValueError, match="RANK=2 is not below WORLD_SIZE=2"):
        _distributed.launcher_environment({**LAUNCHED, "RANK": "2"})


def test_no_launcher_no_process_group():
    import torch.distributed as dist

    with _distributed.process_group_from_environment(environ={}) as group:
        assert group is None
        assert not dist.is_initialized()


@pytest.mark.parametrize("command", [["demo"], ["report", "a.csv", "b.csv"]])
def test_demo_and_report_refuse_a_launcher(monkeypatch, capsys, command):
    for name, value in LAUNCHED.items():
        monkeypatch.setenv(name, value)
    # rank 1 exits with status 1 in silence
    assert main(command) == 1
    assert capsys.readouterr() == ("", "")
    # rank 0 says why
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {command[0]} runs in one process")
    assert "without torchrun" in err


def test_an_incomplete_launcher_environment_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    assert main(["synthesize", "in.csv", "--rows", "5", "-o", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: WORLD_SIZE=2 says that a launcher started several")
    assert "MASTER_ADDR" in err


# --- the command's exchanges, with a stand-in for the group (one process) -----------


class _FakeGroup:
    """What ``_run_synthesize`` sees of a LaunchedGroup; records what it is told."""

    world_size, backend = 2, "gloo"

    def __init__(self, rank, *, others=None, first=None):
        self.rank, self.others, self.first, self.told = rank, others, first, []

    def first_failure(self, message):
        for rank, text in enumerate([message, self.others] if self.rank == 0 else [None, message]):
            if text is not None:
                return rank, text
        return None

    def from_first(self, value=None):
        self.told.append(value)
        return value if self.rank == 0 else self.first


def _args(tmp_path, table, *extra):
    from sklearn_ganae.__main__ import build_parser

    args = build_parser().parse_args(
        ["synthesize", str(table), *FAST, "--quiet", "-o", str(tmp_path / "o.csv"), *extra]
    )
    args.written = []
    return args


def _progress():
    import io

    from sklearn_ganae.__main__ import _Progress

    return _Progress(quiet=True, stream=io.StringIO())


def test_rank_zero_tells_the_others_its_failure(tmp_path, table, monkeypatch):
    import io

    import sklearn_ganae.__main__ as cli

    def broken(rows, path, fmt):
        raise OSError("disk full")

    monkeypatch.setattr(cli, "_write_table", broken)
    args = _args(tmp_path, table)
    group = _FakeGroup(0)
    with pytest.raises(cli.CLIError, match="disk full"):
        cli._run_synthesize(args, io.StringIO(), _progress(), group)
    assert group.told == [
        (1, f"cannot write {tmp_path / 'o.csv'}: disk full; nothing was written.")
    ]
    assert not (tmp_path / "o.csv").exists()


def test_the_other_ranks_exit_with_rank_zeros_status(tmp_path, table, monkeypatch):
    import io

    import sklearn_ganae.__main__ as cli

    def no_write(*args, **kwargs):
        raise AssertionError("only rank 0 writes")

    monkeypatch.setattr(cli, "write_atomically", no_write)
    for first, expected in (((0, None), 0), ((130, None), 130)):
        args = _args(tmp_path, table)
        assert (
            cli._run_synthesize(args, io.StringIO(), _progress(), _FakeGroup(1, first=first))
            == expected
        )
    args = _args(tmp_path, table)
    with pytest.raises(cli.CLIError, match="boom"):
        cli._run_synthesize(args, io.StringIO(), _progress(), _FakeGroup(1, first=(1, "boom")))


def test_a_refusal_on_another_rank_stops_rank_zero_before_training(tmp_path, table, monkeypatch):
    import io

    import sklearn_ganae.__main__ as cli
    from sklearn_ganae import GANSampler

    def no_fit(*args, **kwargs):
        raise AssertionError("trained after a refusal")

    monkeypatch.setattr(GANSampler, "fit", no_fit)
    args = _args(tmp_path, table)
    group = _FakeGroup(0, others="input file not found: in.csv; check the path.")
    with pytest.raises(cli.CLIError, match="^rank 1: input file not found"):
        cli._run_synthesize(args, io.StringIO(), _progress(), group)
