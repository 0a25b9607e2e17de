"""The generator contract: every generator of the registry, through the same properties.

Each test takes ``generator_entry`` (``tests/conftest.py``), so it runs once for every
entry of ``sklearn_ganae._registry.GENERATORS``: a new generator gets the whole
contract by its registry line. The tests use the public API only (``fit``,
``sample``, ``fit_resample``, ``reset_sampling``, ``save``/``load``, pickling, the
documented fitted attributes, and skorch's public ``NeuralNet.on_epoch_end`` hook to
inject failures), so they keep holding while the package's internals change.

The models are the registry's tiny ones (``quick_params``) on ``small_penguins`` (115
rows: numeric, nullable-integer and categorical columns, NaN), so the file runs in
seconds. Every assertion is an exact property (equal or different samples, schema,
counts, errors); none compares a seeded figure with a threshold.
"""

from __future__ import annotations

import copy
import pickle
import random

import numpy as np
import pandas as pd
import pytest
import skorch
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N = 16  # rows per sample call


# --- helpers -----------------------------------------------------------------------------


@pytest.fixture
def make(generator_entry):
    """``make(**params)``: a tiny seeded instance of the generator."""

    def make(**params):
        return generator_entry.quick(**{"random_state": 0, **params})

    return make


@pytest.fixture
def Xy(small_penguins):
    return small_penguins.drop(columns="species"), small_penguins["species"]


def _conditional(entry) -> dict:
    """The parameters that make the generator's ``fit(X, y)`` condition on ``y``
    (``VAETransformer(conditional=True)``; a ``GANSampler`` always does)."""
    return {"conditional": True} if "conditional" in entry.quick().get_params() else {}


def _other_table(X):
    """A table with other columns and rows: everything ``fit`` sets would change."""
    return X.drop(columns=["island", "sex"]).iloc[:80]


class EpochHook:
    """Count the epochs of every skorch net trained while installed; raise ``exc`` at
    the end of the ``at``-th one (counted over all nets: a GAN's pretraining too).

    It patches ``skorch.NeuralNet.on_epoch_end``, the net's own hook that
    ``NeuralNet.notify`` calls before the callbacks' at the end of each epoch.
    """

    def __init__(self, monkeypatch, at=None, exc=KeyboardInterrupt):
        self.epochs = 0
        original = skorch.NeuralNet.on_epoch_end

        def on_epoch_end(net, *args, **kwargs):
            self.epochs += 1
            if self.epochs == at:
                raise exc
            return original(net, *args, **kwargs)

        monkeypatch.setattr(skorch.NeuralNet, "on_epoch_end", on_epoch_end)


def _epochs_of_a_fit(make, X, monkeypatch, **params):
    """How many epochs (over all nets) one fit of ``make(**params)`` on ``X`` trains."""
    with monkeypatch.context() as m:
        hook = EpochHook(m)
        make(**params).fit(X)
    return hook.epochs


def _assert_unfitted(est):
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.sample(N)
    # nothing but the constructor's parameters: no fitted state left half-written
    assert set(vars(est)) == set(est.get_params(deep=False))


def _assert_same_fitted_model(est, reference):
    """``est`` is the model ``reference`` (a deep copy taken before a failed call)."""
    assert set(vars(est)) == set(vars(reference))
    assert est.n_features_in_ == reference.n_features_in_
    np.testing.assert_array_equal(est.feature_names_in_, reference.feature_names_in_)
    assert est.n_iter_ == reference.n_iter_ == len(est.history_)
    assert est.loss_curve_ == reference.loss_curve_
    pd.testing.assert_frame_equal(
        est.sample(N, random_state=0), reference.sample(N, random_state=0)
    )
    # the sampling stream is where it was, too
    pd.testing.assert_frame_equal(est.sample(N), reference.sample(N))


def _rng_states():
    return (
        np.random.get_state(legacy=False),  # noqa: NPY002 (the global state is the point)
        torch.random.get_rng_state().clone(),
        random.getstate(),
    )


def _assert_same_rng_states(before, after):
    np_before, torch_before, py_before = before
    np_after, torch_after, py_after = after
    assert np_after["bit_generator"] == np_before["bit_generator"]
    np.testing.assert_array_equal(np_after["state"]["key"], np_before["state"]["key"])
    assert np_after["state"]["pos"] == np_before["state"]["pos"]
    assert (np_after["has_gauss"], np_after["gauss"]) == (
        np_before["has_gauss"],
        np_before["gauss"],
    )
    assert torch.equal(torch_after, torch_before)
    assert py_after == py_before


# --- reproducibility -----------------------------------------------------------------------


def test_same_seed_gives_bit_identical_samples(make, Xy, generator_entry):
    X, y = Xy
    first, second = make().fit(X), make().fit(X)
    stream = first.sample(N)
    assert stream.equals(second.sample(N))
    seeded = first.sample(N, random_state=3)
    assert seeded.equals(second.sample(N, random_state=3))
    # refitting the same object reproduces them
    assert first.fit(X) is first
    assert first.sample(N).equals(stream)
    assert first.sample(N, random_state=3).equals(seeded)
    # and another seed gives another model
    assert not make(random_state=1).fit(X).sample(N, random_state=3).equals(seeded)
    # conditional models too
    cond = _conditional(generator_entry)
    a, b = make(**cond).fit(X, y), make(**cond).fit(X, y)
    assert a.sample(N, y="Gentoo").equals(b.sample(N, y="Gentoo"))
    assert a.sample(N).equals(b.sample(N))


def test_fit_and_sample_leave_the_callers_rngs_alone(make, Xy, generator_entry):
    X, y = Xy
    np.random.seed(123)  # noqa: NPY002 (the caller's global state)
    torch.manual_seed(123)
    random.seed(123)
    before = _rng_states()
    model = make().fit(X)
    model.sample(N)
    model.sample(N, random_state=0)
    model.reset_sampling()
    make(**_conditional(generator_entry)).fit(X, y).sample(N, y="Adelie")
    make().fit_resample(X, y)
    _assert_same_rng_states(before, _rng_states())


# --- warm start ------------------------------------------------------------------------------


def test_warm_start_continues_training(make, Xy):
    X, _ = Xy
    model = make(warm_start=True).fit(X)
    encoder, epochs, curve = model.encoder_, model.max_epochs, list(model.loss_curve_)
    assert len(model.history_) == model.n_iter_ == epochs
    model.fit(X)
    assert model.encoder_ is encoder
    assert len(model.history_) == model.n_iter_ == 2 * epochs
    assert model.loss_curve_[:epochs] == curve
    # max_epochs is the number of further epochs
    model.set_params(max_epochs=1).fit(X)
    assert model.n_iter_ == 2 * epochs + 1
    rows = model.sample(N, random_state=0)
    assert list(rows.columns) == list(X.columns) and list(rows.dtypes) == list(X.dtypes)
    # without warm_start, a refit starts again
    assert make().fit(X).fit(X).n_iter_ == epochs


# --- persistence ------------------------------------------------------------------------------


@pytest.mark.parametrize("with_y", [False, True], ids=["plain", "conditional"])
def test_pickle_and_save_load_round_trips(make, Xy, generator_entry, with_y, tmp_path):
    X, y = Xy
    if with_y:
        model = make(**_conditional(generator_entry)).fit(X, y)
    else:
        model = make().fit(X)
    model.sample(N)  # a model that has sampled: its stream is not at the start
    expected = model.sample(N, random_state=5)
    pickled = pickle.loads(pickle.dumps(model))
    path = model.save(tmp_path / "model.ganae")
    loaded = type(model).load(path)
    assert type(loaded) is type(model)
    for other in (pickled, loaded):
        assert other.sample(N, random_state=5).equals(expected)
        if with_y:
            assert other.sample(N, y="Chinstrap", random_state=5).equals(
                model.sample(N, y="Chinstrap", random_state=5)
            )
    # a pickled model keeps its place in the stream
    assert pickled.sample(N).equals(model.sample(N))


# --- schema ---------------------------------------------------------------------------------


def test_samples_have_the_training_tables_schema(make, Xy):
    X, _ = Xy
    rows = make().fit(X).sample(300, random_state=0)
    assert isinstance(rows, pd.DataFrame) and rows.shape == (300, X.shape[1])
    assert list(rows.columns) == list(X.columns)
    for column in X.columns:
        assert rows[column].dtype == X[column].dtype, column
        if isinstance(X[column].dtype, pd.CategoricalDtype):
            assert list(rows[column].cat.categories) == list(X[column].cat.categories)
        if not X[column].isna().any():  # NaN only where the data had it
            assert rows[column].notna().all(), column
    assert X.isna().any().any()  # (the data has NaN to learn from)


def test_ndarray_in_ndarray_out(make, small_penguins):
    X = small_penguins.select_dtypes("number").astype(np.float64).to_numpy()
    X[:, 0] = np.nan_to_num(X[:, 0], nan=40.0)  # one column without NaN
    assert np.isnan(X[:, 1:]).any(axis=0).all()
    rows = make().fit(X).sample(300, random_state=0)
    assert isinstance(rows, np.ndarray)
    assert rows.shape == (300, X.shape[1]) and rows.dtype == X.dtype
    assert not np.isnan(rows[:, 0]).any()


# --- conditional sampling -------------------------------------------------------------------


def test_conditional_sampling(make, Xy, generator_entry):
    X, y = Xy
    model = make(**_conditional(generator_entry)).fit(X, y)
    assert list(model.classes_) == sorted(y.unique())
    for cls in model.classes_:
        rows = model.sample(N, y=cls, random_state=0)
        assert isinstance(rows, pd.DataFrame) and rows.shape == (N, X.shape[1])
        assert list(rows.columns) == list(X.columns) and list(rows.dtypes) == list(X.dtypes)
    per_row = model.sample(4, y=["Adelie", "Gentoo", "Chinstrap", "Adelie"], random_state=0)
    assert per_row.shape == (4, X.shape[1])
    assert model.sample(N).shape == (N, X.shape[1])  # classes at their frequencies
    with pytest.raises(ValueError, match="Emperor"):
        model.sample(N, y="Emperor")
    with pytest.raises(ValueError, match="Emperor"):
        model.sample(2, y=["Adelie", "Emperor"])


def test_a_model_fitted_without_y_refuses_y(make, Xy):
    X, _ = Xy
    model = make().fit(X)
    with pytest.raises(ValueError, match="without y"):
        model.sample(N, y="Adelie")


# --- fit_resample -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy", ["auto", {"Chinstrap": 30, "Gentoo": 45}], ids=["auto", "dict"]
)
def test_fit_resample_counts(make, Xy, strategy):
    X, y = Xy
    X0, y0 = X.copy(deep=True), y.copy(deep=True)
    counts = y.value_counts()
    model = make(sampling_strategy=strategy)
    X_res, y_res = model.fit_resample(X, y)
    if strategy == "auto":
        wanted = {cls: counts.max() for cls in counts.index}
    else:
        wanted = {**counts.to_dict(), **strategy}
    assert y_res.value_counts().to_dict() == wanted
    assert model.sampling_strategy_ == {
        cls: n - counts[cls] for cls, n in wanted.items() if n > counts[cls]
    }
    assert len(X_res) == len(y_res) == sum(wanted.values())
    assert list(X_res.dtypes) == list(X.dtypes)
    # the real rows first, as they were, and the inputs untouched
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X.reset_index(drop=True))
    pd.testing.assert_series_equal(y_res.iloc[: len(y)], y.reset_index(drop=True))
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_series_equal(y, y0)


def test_fit_leaves_its_inputs_alone(make, Xy, generator_entry):
    X, y = Xy
    X0, y0 = X.copy(deep=True), y.copy(deep=True)
    make().fit(X)
    make(**_conditional(generator_entry)).fit(X, y)
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_series_equal(y, y0)


# --- the sampling stream -----------------------------------------------------------------------


def test_the_sampling_stream(make, Xy):
    X, _ = Xy
    model = make().fit(X)
    first, second = model.sample(N), model.sample(N)
    assert not first.equals(second)
    assert model.reset_sampling() is model
    assert model.sample(N).equals(first)
    fixed = model.sample(N, random_state=7)  # does not advance the stream
    assert model.sample(N).equals(second)
    assert model.sample(N, random_state=7).equals(fixed)
    assert not model.sample(N).equals(second)  # the third call: new rows


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("n_samples", [0, -1, True, 2.5])
def test_bad_n_samples(make, Xy, n_samples):
    X, _ = Xy
    model = make().fit(X)
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(n_samples)


def test_sample_needs_a_fitted_model(make):
    with pytest.raises(NotFittedError):
        make().sample(N)
    with pytest.raises(NotFittedError):
        make().reset_sampling()


# --- interrupts and failed fits ------------------------------------------------------------------


@pytest.mark.parametrize("when", ["first-epoch", "last-epoch"])
def test_ctrl_c_leaves_an_unfitted_model_unfitted(make, Xy, monkeypatch, when):
    X, _ = Xy
    total = _epochs_of_a_fit(make, X, monkeypatch)
    model = make()
    hook = EpochHook(monkeypatch, at=1 if when == "first-epoch" else total)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X)
    assert hook.epochs == (1 if when == "first-epoch" else total)
    _assert_unfitted(model)


@pytest.mark.parametrize("when", ["first-epoch", "last-epoch"])
@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt(), RuntimeError("injected")], ids=["ctrl-c", "error"]
)
def test_interrupted_refit_keeps_the_fitted_model(make, Xy, monkeypatch, when, exc):
    X, _ = Xy
    model = make().fit(X)
    model.sample(N)  # the stream has moved on
    reference = copy.deepcopy(model)
    X_new = _other_table(X)
    total = _epochs_of_a_fit(make, X_new, monkeypatch, random_state=1)
    model.set_params(random_state=1)
    EpochHook(monkeypatch, at=1 if when == "first-epoch" else total, exc=exc)
    with pytest.raises(type(exc)):
        model.fit(X_new)
    monkeypatch.undo()
    _assert_same_fitted_model(model, reference)


def test_interrupted_warm_start_keeps_the_fitted_model(make, Xy, monkeypatch):
    X, _ = Xy
    model = make(warm_start=True).fit(X)
    reference = copy.deepcopy(model)
    EpochHook(monkeypatch, at=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X)
    monkeypatch.undo()
    _assert_same_fitted_model(model, reference)
    # and the continuation still works afterwards
    assert model.fit(X).n_iter_ == 2 * model.max_epochs


def test_interrupted_fit_resample_leaves_the_model_unfitted(make, Xy, monkeypatch):
    X, y = Xy
    model = make()
    EpochHook(monkeypatch, at=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit_resample(X, y)
    _assert_unfitted(model)


def test_a_refit_that_fails_after_validation_keeps_the_fitted_model(make, Xy):
    X, _ = Xy
    model = make().fit(X)
    reference = copy.deepcopy(model)
    # one row is valid input, but early stopping cannot split it: a ValueError once
    # the encoder has been fitted on it
    model.set_params(early_stopping=True, random_state=1)
    with pytest.raises(ValueError, match="early_stopping"):
        model.fit(_other_table(X).iloc[:1])
    model.set_params(early_stopping=False, random_state=0)
    _assert_same_fitted_model(model, reference)
