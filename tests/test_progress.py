"""Progress on stderr: silent with verbose=0, one bar (or plain lines) per phase with
verbose=1, skorch's epoch table too with verbose=2; closed on early stops and errors."""

import io
import pickle
import re
import sys

import numpy as np
import pandas as pd
import pytest
from tqdm import tqdm

from sklearn_ganae import AEAugmenter, AutoencoderTransformer, GANSampler, VAETransformer
from sklearn_ganae._training import NonFiniteLossGuard, StopTraining
from sklearn_ganae.gan._early_stopping import DetectionEarlyStopping

LINE = re.compile(r"^(pretraining|training|sampling): (\d+)/(\d+) (epochs|rows)\b")


def _numbers(seed=0, n=200):
    return np.random.RandomState(seed).randn(n, 4)


def _table(n=200, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "x": rng.randn(n),
            "y": rng.rand(n),
            "c": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        }
    )


def _ae(**kw):
    return AutoencoderTransformer(
        **{"n_components": 2, "hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0, **kw}
    )


def _vae(**kw):
    return VAETransformer(
        **{"n_components": 2, "hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0, **kw}
    )


def _gan(**kw):
    params = dict(
        noise_dim=4,
        code_dim=4,
        generator_layer_sizes=(16,),
        discriminator_layer_sizes=(8, 16),
        pretrain_epochs=3,
        max_epochs=5,
        random_state=0,
    )
    return GANSampler(**{**params, **kw})


def _lines(err):
    """Progress lines of ``err`` as (phase, k, n)."""
    out = []
    for line in err.splitlines():
        m = LINE.match(line)
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return out


def _assert_plain(err):
    assert "\x1b[" not in err
    assert "\r" not in err


@pytest.mark.parametrize("make", [_ae, _vae, _gan], ids=["ae", "vae", "gan"])
def test_verbose_0_prints_nothing(make, capfd):
    model = make(verbose=0).fit(_table())
    model.sample(25_000) if hasattr(model, "sample") else model.transform(_table())
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("make", [_ae, _vae], ids=["ae", "vae"])
def test_verbose_1_plain_lines_per_epoch(make, capsys):
    make(verbose=1).fit(_table())
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    _assert_plain(err)
    lines = _lines(err)
    # 5 epochs: a line every 10% is one per epoch, each with its k/N
    assert lines == [("training", k, 5) for k in range(1, 6)]
    last = err.strip().splitlines()[-1]
    assert "elapsed" in last and "train_loss=" in last
    assert "left" in err.splitlines()[0]
    assert "-------" not in err  # no epoch table with verbose=1


def test_verbose_1_lines_every_tenth(capsys):
    _ae(verbose=1, max_epochs=30).fit(_numbers())
    err = capsys.readouterr().err
    counts = [k for _, k, _ in _lines(err)]
    # every 3rd epoch (10%), plus any every 10 s: always the first step and the end
    assert counts[0] <= 3 and counts[-1] == 30
    assert counts == sorted(set(counts))
    assert {3 * i for i in range(1, 11)} <= set(counts)


def test_verbose_2_adds_the_epoch_table_without_colours(capsys):
    _ae(verbose=2, early_stopping=True, validation_fraction=0.2).fit(_numbers())
    err = capsys.readouterr().err
    _assert_plain(err)  # skorch colours the best values; not in a file
    assert re.search(r"epoch\s+train_loss\s+valid_loss\s+dur", err)
    rows = [line for line in err.splitlines() if re.match(r"^\s+\d+\s+\d", line)]
    assert len(rows) == 5
    assert _lines(err)[-1] == ("training", 5, 5)


def test_early_stopping_closes_the_bar(capsys):
    # a learning rate this small changes nothing: no improvement, stop at epoch 2
    model = _ae(
        verbose=1, max_epochs=50, early_stopping=True, n_iter_no_change=1, learning_rate=1e-12
    ).fit(_numbers())
    assert model.n_iter_ < 50
    err = capsys.readouterr().err
    _assert_plain(err)
    last = err.strip().splitlines()[-1]
    assert LINE.match(last) and "stopped early" in last
    assert _lines(last) == [("training", model.n_iter_, 50)]
    # nothing after fit returns
    model.transform(_numbers())
    assert capsys.readouterr() == ("", "")


def test_gan_shows_pretraining_and_training(capsys):
    gan = _gan(verbose=1).fit(_table())
    err = capsys.readouterr().err
    _assert_plain(err)
    lines = _lines(err)
    assert ("pretraining", 3, 3) in lines and ("training", 5, 5) in lines
    phases = [p for p, _, _ in lines]
    assert phases.index("training") > max(i for i, p in enumerate(phases) if p == "pretraining")
    last = err.strip().splitlines()[-1]
    assert "g_loss=" in last and "d_loss=" in last
    assert len(gan.history_) == 5


def test_gan_detection_early_stop_closes_the_bar(capsys, monkeypatch):
    def stop_at_3(self, net, **kwargs):
        if len(net.history) == 3:
            raise StopTraining

    monkeypatch.setattr(DetectionEarlyStopping, "on_epoch_end", stop_at_3)
    gan = _gan(verbose=1, max_epochs=10, early_stopping=True, validation_fraction=0.3)
    gan.fit(_table(n=400))
    err = capsys.readouterr().err
    _assert_plain(err)
    last = err.strip().splitlines()[-1]
    assert "stopped early" in last and _lines(last) == [("training", 3, 10)]
    # the players' losses are recorded for the last epoch too
    assert len(gan.history_[:, "train_d_loss"]) == 3


@pytest.mark.parametrize("make", [_vae, _gan], ids=["vae", "gan"])
def test_sampling_many_rows_shows_sampling(make, capsys):
    model = make(verbose=1).fit(_table())
    capsys.readouterr()
    rows = model.sample(25_000, random_state=0)
    assert len(rows) == 25_000
    err = capsys.readouterr().err
    _assert_plain(err)
    assert _lines(err) == [("sampling", 10_000, 25_000), ("sampling", 20_000, 25_000),
                           ("sampling", 25_000, 25_000)]  # fmt: skip
    model.sample(100, random_state=0)  # one batch: no bar
    assert capsys.readouterr().err == ""


def test_augmenter_shows_its_autoencoders_progress(capsys):
    X = _numbers()
    y = np.r_[np.zeros(150, int), np.ones(50, int)]
    AEAugmenter(_ae(verbose=1), random_state=0).fit_resample(X, y)
    err = capsys.readouterr().err
    _assert_plain(err)
    assert _lines(err)[-1] == ("training", 5, 5)


def test_warm_start_follows_the_current_verbose(capsys):
    model = _ae(verbose=0, max_epochs=3).fit(_numbers())
    assert capsys.readouterr().err == ""
    model.set_params(verbose=1, warm_start=True).fit(_numbers())
    assert _lines(capsys.readouterr().err)[-1] == ("training", 3, 3)  # this run's epochs
    model.set_params(verbose=0).fit(_numbers())
    assert capsys.readouterr().err == ""
    assert model.n_iter_ == 9


def test_ctrl_c_closes_the_bar(capsys, monkeypatch):
    def interrupt(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(NonFiniteLossGuard, "on_batch_end", interrupt)
    model = _ae(verbose=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit(_numbers())
    assert not hasattr(model, "net_")
    err = capsys.readouterr().err
    _assert_plain(err)
    last = err.strip().splitlines()[-1]
    assert "interrupted" in last and _lines(last) == [("training", 1, 5)]


def test_verbose_model_pickles(capsys):
    model = _ae(verbose=1).fit(_numbers())
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.transform(_numbers()), model.transform(_numbers()))


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_gets_a_tqdm_bar(monkeypatch):
    fake = _Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    _ae(verbose=1).fit(_numbers())
    monkeypatch.undo()
    out = fake.getvalue()
    assert "\r" in out  # tqdm redraws in place
    assert re.search(r"training: +100%\|.*\| 5/5 \[", out)
    assert "train_loss=" in out
    assert out.endswith("\n")  # closed, left on screen
    assert not list(getattr(tqdm, "_instances", []))


def test_terminal_bar_closed_on_ctrl_c(monkeypatch):
    def interrupt(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(NonFiniteLossGuard, "on_batch_end", interrupt)
    fake = _Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    with pytest.raises(KeyboardInterrupt):
        _ae(verbose=1).fit(_numbers())
    out = fake.getvalue()
    monkeypatch.undo()
    assert "training (interrupted)" in out and out.endswith("\n")
    assert not list(getattr(tqdm, "_instances", []))
