"""Training precision and per-batch figures: ``precision="bf16"`` (autocast of the
training forward passes, float32 losses and weights) on every neural estimator, and
the batch losses that :class:`~sklearn_ganae._training.TabularNet` keeps on the device
during an epoch and writes into the history once per pass."""

import importlib
import json
import types
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _params import TINY
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_ganae._training as training
from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer, load, save
from sklearn_ganae._training import BatchValues, TabularNet
from sklearn_ganae.gan._modules import Discriminator
from sklearn_ganae.gan._training import GANNet

ESTIMATORS = [AutoencoderTransformer, VAETransformer, GANSampler]
every_estimator = pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
# every estimator with what records most per batch: validation passes (the AE and the
# VAE), the VAE's terms, the GAN's discriminator figures and generator steps skipped
EXTRA = {
    "AutoencoderTransformer": dict(early_stopping=True, batch_norm=True),
    "VAETransformer": dict(early_stopping=True),
    "GANSampler": dict(loss="wgan-gp", n_critic=2, condition_columns="auto"),
}


def _model(cls, **params):
    return cls(**{**TINY[cls.__name__], **EXTRA[cls.__name__], **params})


def _outputs(model, X) -> list:
    """What the fitted model computes (seeded where random), as arrays."""
    if isinstance(model, GANSampler):
        return [model.sample(40, random_state=0)]
    out = [model.transform(X), model.score_samples(X)]
    if isinstance(model, VAETransformer):
        out.append(model.sample(40, random_state=0))
    return out


def _assert_finite_and_shaped(model, X, outputs):
    n_rows = len(X)
    if isinstance(model, GANSampler):
        (rows,) = outputs
        assert list(rows.columns) == list(X.columns) and len(rows) == 40
        assert np.isfinite(rows.select_dtypes("number").to_numpy(dtype=float, na_value=0)).all()
        return
    codes, scores = outputs[:2]
    assert codes.shape == (n_rows, model.n_components_ if hasattr(model, "n_components_") else 2)
    assert scores.shape == (n_rows,)
    assert np.isfinite(codes).all() and np.isfinite(scores).all()
    if isinstance(model, VAETransformer):
        assert list(outputs[2].columns) == list(X.columns) and len(outputs[2]) == 40


def _same(a: list, b: list):
    for x, y in zip(a, b, strict=True):
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        else:
            np.testing.assert_array_equal(x, y, strict=True)


class _LinearDtypes:
    """A global forward hook: the dtype of every ``nn.Linear`` output, with whether
    its module was training, per module."""

    def __enter__(self):
        self.seen = []
        self._handle = torch.nn.modules.module.register_module_forward_hook(self._hook)
        return self

    def _hook(self, module, args, output):
        if isinstance(module, torch.nn.Linear):
            self.seen.append((module, module.training, output.dtype))

    def __exit__(self, *exc):
        self._handle.remove()

    def dtypes(self, training=None, modules=None) -> set:
        return {
            dtype
            for module, mode, dtype in self.seen
            if (training is None or mode == training)
            and (modules is None or any(module is m for m in modules))
        }


# --- bf16 on every estimator ----------------------------------------------------------
@every_estimator
def test_bf16_fit_gives_finite_outputs_of_the_right_shape(cls, penguins):
    model = _model(cls, precision="bf16").fit(penguins)
    assert model.precision == "bf16" and model.net_.precision == "bf16"
    _assert_finite_and_shaped(model, penguins, _outputs(model, penguins))
    assert np.isfinite(model.loss_curve_).all()
    # the weights (and what inference computes) stay float32
    assert {p.dtype for p in model.net_.get_module().parameters()} == {torch.float32}
    if not isinstance(model, GANSampler):
        assert model.transform(penguins).dtype == np.float64  # the input's, as always


@every_estimator
def test_bf16_fit_reproduces_with_a_seed(cls, penguins):
    a = _model(cls, precision="bf16").fit(penguins)
    b = _model(cls, precision="bf16").fit(penguins)
    assert a.loss_curve_ == b.loss_curve_
    _same(_outputs(a, penguins), _outputs(b, penguins))


@every_estimator
def test_bf16_runs_the_training_forward_passes_in_bfloat16(cls, penguins):
    with _LinearDtypes() as bf16:
        model = _model(cls, precision="bf16").fit(penguins)
    # training passes in bfloat16, the (eval-mode) validation passes too; only the
    # GAN's gradient penalty runs its discriminator in float32 (below)
    assert torch.bfloat16 in bf16.dtypes(training=True)
    if isinstance(model, GANSampler):
        generator = list(model.net_.get_module().modules())
        assert bf16.dtypes(training=True, modules=generator) == {torch.bfloat16}
        autoencoder = list(model.autoencoder_.modules())  # its pretraining
        assert bf16.dtypes(modules=autoencoder) == {torch.bfloat16}
    else:
        assert bf16.dtypes(training=True) == {torch.bfloat16}
        assert torch.bfloat16 in bf16.dtypes(training=False)  # the validation passes
    # inference is float32
    with _LinearDtypes() as inference:
        _outputs(model, penguins)
    assert inference.dtypes() == {torch.float32}
    with _LinearDtypes() as fp32:
        _model(cls).fit(penguins)
    assert fp32.dtypes() == {torch.float32}


@pytest.mark.parametrize("loss", ["wgan-gp", "logistic"])
def test_gan_gradient_penalty_stays_float32_under_bf16(loss, penguins):
    with _LinearDtypes() as seen:
        gan = _model(GANSampler, precision="bf16", loss=loss).fit(penguins)
    critic = list(gan.net_.get_module("discriminator").modules())
    # the penalty's pass (a float32 autograd.grad) is the only float32 one
    expected = {torch.bfloat16, torch.float32} if loss == "wgan-gp" else {torch.bfloat16}
    assert seen.dtypes(training=True, modules=critic) == expected


def test_gradient_penalty_is_float32_inside_a_callers_autocast():
    spec = types.SimpleNamespace(loss="wgan-gp", gradient_penalty=10.0)
    torch.manual_seed(0)
    D = Discriminator(3, 0, (4, 4), pac=2)
    real, fake, cond = torch.randn(8, 3), torch.randn(8, 3), torch.zeros(8, 0)
    with _LinearDtypes() as seen, torch.autocast("cpu", dtype=torch.bfloat16):
        loss, d_real, d_fake = GANNet.discriminator_objective(spec, D, D, real, fake, cond)
    # the scores in bfloat16, the penalty's pass (the last) in float32
    passes = [dtype for module, _, dtype in seen.seen if module is D.body[0]]
    assert passes[:2] == [torch.bfloat16, torch.bfloat16] and passes[2:] == [torch.float32]
    loss.float().backward()
    assert all(torch.isfinite(p.grad).all() for p in D.parameters())


def test_bad_precision_is_refused(penguins):
    for cls in ESTIMATORS:
        with pytest.raises(InvalidParameterError, match="'precision' parameter"):
            _model(cls, precision="fp16").fit(penguins)
    net = TabularNet(torch.nn.Linear(2, 2), torch.nn.MSELoss, precision="half")
    with pytest.raises(ValueError, match="precision='half' is not one of"):
        net.in_precision(torch.nn.Linear(2, 2))


def test_warm_start_trains_in_the_precision_asked_now(penguins):
    model = _model(AutoencoderTransformer, warm_start=True, early_stopping=False).fit(penguins)
    assert model.net_.precision == "float32"
    with _LinearDtypes() as seen:
        model.set_params(precision="bf16").fit(penguins)
    assert model.net_.precision == "bf16" and seen.dtypes(training=True) == {torch.bfloat16}


# --- persistence ----------------------------------------------------------------------
@every_estimator
def test_bf16_model_saves_and_loads(cls, penguins, tmp_path):
    model = _model(cls, precision="bf16").fit(penguins)
    loaded = load(save(model, tmp_path / "model.ganae"))
    assert loaded.precision == "bf16" and loaded.net_.precision == "bf16"
    _same(_outputs(loaded, penguins), _outputs(model, penguins))


def _without_precision(value):
    if isinstance(value, dict):
        return {k: _without_precision(v) for k, v in value.items() if k != "precision"}
    if isinstance(value, list):
        return [_without_precision(v) for v in value]
    return value


def test_a_model_saved_before_precision_existed_loads_as_float32(penguins, tmp_path):
    model = _model(AutoencoderTransformer, warm_start=True).fit(penguins)
    path = save(model, tmp_path / "new.ganae")
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    old = _without_precision(manifest)
    assert old != manifest and "precision" not in json.dumps(old)
    members["manifest.json"] = json.dumps(old, separators=(",", ":")).encode()
    with zipfile.ZipFile(tmp_path / "old.ganae", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    loaded = load(tmp_path / "old.ganae")
    assert loaded.precision == "float32" and loaded.net_.precision == "float32"
    _same(_outputs(loaded, penguins), _outputs(model, penguins))
    loaded.fit(penguins)  # and it trains on (a warm start)
    assert loaded.n_iter_ == 2 * model.n_iter_


# --- the per-batch history ------------------------------------------------------------
def _immediately(monkeypatch):
    """Record every batch value at once, as skorch's loop does (``.item()``)."""

    def add(self, key, tensor):
        self.batches[-1][key] = tensor.item()

    monkeypatch.setattr(BatchValues, "add", add)


def _plain(history) -> list:
    return [{k: v for k, v in row.items() if k != "dur"} for row in history]


@every_estimator
def test_batch_history_is_what_immediate_recording_gives(cls, penguins, monkeypatch):
    # values kept as tensors until the end of each pass (as on a GPU), in chunks of 7
    with monkeypatch.context() as m:
        m.setattr(training, "IMMEDIATE_DEVICES", ())
        m.setattr(BatchValues, "CHUNK", 7)
        deferred = _model(cls).fit(penguins).history_
    with monkeypatch.context() as m:
        _immediately(m)
        reference = _model(cls).fit(penguins).history_
    assert _plain(deferred) == _plain(reference)
    last = deferred[-1, "batches"]
    assert all(isinstance(v, (int, float)) for b in last for v in b.values())
    keys = {"train_loss", "train_batch_size"}
    if cls is VAETransformer:
        keys |= {"train_nll", "train_kl"}
    if cls is GANSampler:
        keys |= {"train_d_loss", "train_wasserstein"}
    assert keys <= set(last[0])


@every_estimator
def test_epoch_losses_are_the_batch_size_weighted_means(cls, penguins):
    model = _model(cls).fit(penguins)
    for prefix in ("train", "valid"):
        if f"{prefix}_loss" not in model.history_[-1]:
            assert cls is GANSampler and prefix == "valid"  # judged by detection
            continue
        batches = [b for b in model.history_[-1, "batches"] if f"{prefix}_loss" in b]
        assert len(batches) == model.history_[-1, f"{prefix}_batch_count"]
        expected = np.average(
            [b[f"{prefix}_loss"] for b in batches],
            weights=[b[f"{prefix}_batch_size"] for b in batches],
        )
        assert model.history_[-1, f"{prefix}_loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("prefix, value", [("train", "nan"), ("valid", "inf")])
def test_guard_stops_at_the_epoch_of_the_first_non_finite_loss(
    prefix, value, penguins, monkeypatch
):
    original = TabularNet.get_loss

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = original(self, y_pred, y_true, X=X, training=training)
        if len(self.history) == 2 and training == (prefix == "train"):
            return loss * float(value)
        return loss

    monkeypatch.setattr(TabularNet, "get_loss", get_loss)
    model = _model(AutoencoderTransformer, max_epochs=5)
    with pytest.raises(FloatingPointError, match=f"The {prefix} loss became {value} in epoch 2"):
        model.fit(penguins)
    assert not hasattr(model, "net_")


def test_record_batch_value_outside_a_pass_records_at_once(penguins):
    net = _model(AutoencoderTransformer, max_epochs=1).fit(penguins).net_
    net.history.new_batch()
    net.record_batch_value("figure", torch.tensor(0.25))
    net.record_batch_value("count", 3)
    assert net.history[-1, "batches", -1] == {"figure": 0.25, "count": 3}
    assert "_batch_values" not in vars(net)  # nothing left of a pass


def test_batch_values_of_other_shapes_and_dtypes_are_written_exactly():
    batches = [{}, {}]
    values = BatchValues(batches, immediate=())
    tensors = [torch.tensor(0.1), torch.tensor([0.2], dtype=torch.float64)]
    values.add("a", tensors[0])
    batches.append({})
    values.add("b", tensors[1])
    values.add("c", torch.tensor(0.3, dtype=torch.bfloat16))
    values.write()
    assert batches == [{}, {"a": tensors[0].item()}, {"b": 0.2, "c": 0.30078125}]


# --- benchmarks/gpu_check.py, where there is no GPU -----------------------------------
def test_gpu_check_has_nothing_to_check_without_cuda(tmp_path, capsys, monkeypatch):
    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(benchmarks))
    gpu_check = importlib.import_module("gpu_check")
    run_quick = importlib.import_module("run_quick")
    assert "gpu_check" not in run_quick.scripts()  # not a CPU smoke run
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main(["--quick", "--results-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "no CUDA device: nothing to check"
    assert list(tmp_path.iterdir()) == []  # no result files


def test_batch_values_are_stacked_in_chunks_and_cpu_values_read_at_once(monkeypatch):
    monkeypatch.setattr(BatchValues, "CHUNK", 10)
    batches = [{}]
    values = BatchValues(batches, immediate=())
    for i in range(25):
        batches.append({})
        values.add("loss", torch.tensor(float(i)))
        assert len(values.pending) < 10 and len(values.stacked) == (i + 1) // 10
    values.write()
    assert [b.get("loss") for b in batches[1:]] == [float(i) for i in range(25)]
    now = [{}]
    BatchValues(now).add("loss", torch.tensor(2.5))  # the CPU: recorded at once
    assert now == [{"loss": 2.5}]
