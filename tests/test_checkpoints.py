"""Checkpoints of long fits (``checkpoint_dir``): written every few epochs, resumed
after a crash, refused when they come from another fit.

The main test kills a fit (SIGKILL, in a subprocess) once it has written a
checkpoint, then runs the same fit again in this process: it resumes from the
checkpoint's epoch. The others crash a fit from inside (a train step that raises).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer
from sklearn_ganae._checkpoints import CHECKPOINT_FILE
from sklearn_ganae.gan._training import GANNet

ROOT = Path(__file__).resolve().parents[1]
X = np.random.RandomState(0).randn(2000, 5)
AE = dict(
    n_components=2, hidden_layer_sizes=(16,), batch_size=250, random_state=0, checkpoint_interval=5
)

_CHILD = """
import sys, numpy as np, torch
torch.set_num_threads(1)
from sklearn_ganae import AutoencoderTransformer
X = np.random.RandomState(0).randn(2000, 5)
AutoencoderTransformer(n_components=2, hidden_layer_sizes=(16,), batch_size=250,
                       random_state=0, checkpoint_interval=5, max_epochs=100000,
                       checkpoint_dir=sys.argv[1]).fit(X)
"""


def _epochs(path: Path) -> int:
    return AutoencoderTransformer.load(path).checkpoint_["epochs"]


def test_a_killed_fit_resumes_from_its_checkpoint(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path)], env=env)
    path = tmp_path / CHECKPOINT_FILE
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if path.exists() and _epochs(path) >= 10:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the fit ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # the checkpoint is whole; a kill during the next write can only leave that write's
    # hidden temporary file beside it, never a partial checkpoint
    names = sorted(p.name for p in tmp_path.iterdir())
    assert CHECKPOINT_FILE in names
    partial = [n for n in names if n != CHECKPOINT_FILE]
    assert all(n.startswith(f".{CHECKPOINT_FILE}.") and n.endswith(".tmp") for n in partial)
    done = _epochs(path)
    assert done >= 10 and done % 5 == 0
    written = list(AutoencoderTransformer.load(path).history_[:, "train_loss"])
    # the same fit again: it trains the epochs still to do, then removes the checkpoint
    ae = AutoencoderTransformer(**AE, max_epochs=done + 7, checkpoint_dir=tmp_path).fit(X)
    assert ae.n_iter_ == len(ae.history_) == done + 7
    np.testing.assert_array_equal(ae.loss_curve_[:done], written[:done])
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # the killed writer's leftovers went too
    assert not hasattr(ae, "checkpoint_")
    assert ae.transform(X).shape == (len(X), 2)
    # the checkpointer is not part of the fitted net
    assert all(name != "checkpoint" for name, _ in ae.net_.callbacks_)


def test_a_completed_fit_removes_a_killed_writers_partial_file(tmp_path):
    # what a process killed in the middle of writing a checkpoint leaves behind
    partial = tmp_path / f".{CHECKPOINT_FILE}.abcd1234.tmp"
    partial.write_bytes(b"half a checkpoint")
    other = tmp_path / "notes.txt"  # the user's own file stays
    other.write_text("mine")
    AutoencoderTransformer(**AE, max_epochs=2, checkpoint_dir=tmp_path).fit(X)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def _crash_after(monkeypatch, cls, steps: int):
    """Make ``cls.train_step`` raise after ``steps`` calls; returns the undo."""
    original = cls.train_step
    calls = {"n": 0}

    def step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > steps:
            raise RuntimeError("simulated crash")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "train_step", step)
    return lambda: monkeypatch.setattr(cls, "train_step", original)


def test_gan_resumes_with_both_players_and_its_autoencoder(tmp_path, monkeypatch, penguins):
    params = dict(
        noise_dim=4,
        code_dim=4,
        generator_layer_sizes=(16,),
        discriminator_layer_sizes=(16,),
        pretrain_epochs=2,
        reconstruction_weight=0.5,
        max_epochs=8,
        batch_size=50,
        checkpoint_interval=3,
        checkpoint_dir=str(tmp_path),
        random_state=0,
    )
    steps_per_epoch = len(penguins) // 50
    undo = _crash_after(monkeypatch, GANNet, 4 * steps_per_epoch + 1)
    gan = GANSampler(**params)
    with pytest.raises(RuntimeError, match="simulated crash"):
        gan.fit(penguins)
    assert not hasattr(gan, "net_")  # a failed fit leaves the model unfitted
    snapshot = GANSampler.load(tmp_path / CHECKPOINT_FILE)
    assert snapshot.checkpoint_["epochs"] == 3
    undo()
    gan = GANSampler(**params).fit(penguins)
    assert gan.n_iter_ == 8
    assert np.array_equal(gan.history_[:3, "train_d_loss"], snapshot.history_[:, "train_d_loss"])
    assert gan.autoencoder_ is not None
    rows = gan.sample(20, random_state=0)
    assert list(rows.columns) == list(penguins.columns)
    assert not (tmp_path / CHECKPOINT_FILE).exists()


def test_streamed_fit_resumes(tmp_path, monkeypatch, penguins):
    data = tmp_path / "data"
    data.mkdir()
    penguins.to_parquet(data / "t.parquet", row_group_size=100)
    folder = tmp_path / "ckpt"
    folder.mkdir()
    params = dict(
        n_components=2, max_epochs=6, batch_size=64, checkpoint_interval=2, random_state=0
    )
    from sklearn_ganae._training import TabularNet

    undo = _crash_after(monkeypatch, TabularNet, 3 * (len(penguins) // 64))
    with pytest.raises(RuntimeError, match="simulated crash"):
        VAETransformer(**params, checkpoint_dir=folder).fit(data)
    assert VAETransformer.load(folder / CHECKPOINT_FILE).checkpoint_["epochs"] == 2
    undo()
    vae = VAETransformer(**params, checkpoint_dir=folder).fit(data)
    assert vae.n_iter_ == 6
    assert vae.sample(5, random_state=0).shape == (5, penguins.shape[1])
    assert not (folder / CHECKPOINT_FILE).exists()
    assert [p.name for p in data.iterdir()] == ["t.parquet"]


def test_a_checkpoint_of_another_fit_is_refused(tmp_path, monkeypatch):
    from sklearn_ganae._training import TabularNet

    undo = _crash_after(monkeypatch, TabularNet, 6 * (len(X) // 250))
    with pytest.raises(RuntimeError, match="simulated crash"):
        AutoencoderTransformer(**AE, max_epochs=20, checkpoint_dir=tmp_path).fit(X)
    undo()
    assert (tmp_path / CHECKPOINT_FILE).exists()
    with pytest.raises(ValueError, match=r"other parameters \(hidden_layer_sizes=\(16,\)"):
        AutoencoderTransformer(
            **{**AE, "hidden_layer_sizes": (8,)}, max_epochs=20, checkpoint_dir=tmp_path
        ).fit(X)
    with pytest.raises(ValueError, match="another table"):
        AutoencoderTransformer(**AE, max_epochs=20, checkpoint_dir=tmp_path).fit(X + 1.0)
    with pytest.raises(ValueError, match="class AutoencoderTransformer, not GANSampler"):
        GANSampler(checkpoint_dir=tmp_path, max_epochs=1).fit(X)
    # the checkpoint is still there: a refused resume changes nothing
    assert (tmp_path / CHECKPOINT_FILE).exists()
    # verbose and max_epochs may change
    ae = AutoencoderTransformer(**AE, max_epochs=12, verbose=0, checkpoint_dir=tmp_path).fit(X)
    assert ae.n_iter_ == 12


def test_checkpoint_dir_is_checked_before_training(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(ValueError, match="not an existing folder"):
        AutoencoderTransformer(checkpoint_dir=missing, max_epochs=1).fit(X)
    assert not missing.exists()
    with pytest.raises(ValueError, match="checkpoint_interval"):
        AutoencoderTransformer(checkpoint_dir=tmp_path, checkpoint_interval=0).fit(X)
