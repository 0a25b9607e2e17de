"""Behaviour of AutoencoderTransformer: quality, API contract, persistence, bad input."""

import copy
import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_ganae import AutoencoderTransformer, TabularEncoder
from sklearn_ganae._base import FitState

FAST = dict(hidden_layer_sizes=(16,), max_epochs=5, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def circle():
    """Points on a noisy circle in 3-D: one intrinsic dimension, not a linear one."""
    rng = np.random.RandomState(0)
    t = rng.uniform(0, 2 * np.pi, 600)
    X = np.c_[np.cos(t), np.sin(t), 0.5 * np.cos(2 * t)] + 0.01 * rng.randn(600, 3)
    return X


@pytest.fixture(scope="module")
def fitted_penguins(penguins_table):
    return AutoencoderTransformer(**{**FAST, "max_epochs": 30}).fit(penguins_table)


# --- quality -------------------------------------------------------------------------


def test_beats_pca_on_a_nonlinear_manifold(circle):
    train, test = circle[:450], circle[450:]
    ae = AutoencoderTransformer(
        n_components=1, hidden_layer_sizes=(64, 32), max_epochs=150, random_state=0
    ).fit(train)
    Z_train, Z_test = ae.encoder_.transform(train), ae.encoder_.transform(test)
    pca = PCA(1).fit(Z_train)
    pca_err = np.mean((pca.inverse_transform(pca.transform(Z_test)) - Z_test) ** 2)
    ae_err = -ae.score(test)
    assert ae_err < 0.5 * pca_err


def test_codes_keep_class_information(penguins):
    ae = AutoencoderTransformer(n_components=2, max_epochs=60, random_state=0)
    X = penguins.drop(columns="species")
    codes = ae.fit_transform(X)
    acc = LogisticRegression().fit(codes, penguins["species"]).score(codes, penguins["species"])
    assert acc > 0.85  # the majority class is 44%


def test_score_samples_ranks_outliers_low(circle):
    ae = AutoencoderTransformer(n_components=1, max_epochs=100, random_state=0).fit(circle)
    outliers = np.array([[3.0, -3.0, 2.0], [0.0, 0.0, -2.0]])
    scores_in = ae.score_samples(circle[:50])
    scores_out = ae.score_samples(outliers)
    assert scores_out.shape == (2,)
    assert scores_out.max() < np.percentile(scores_in, 1)
    assert ae.score(circle[:50]) == pytest.approx(scores_in.mean())


def test_loss_decreases_and_history_is_recorded():
    X, _ = load_iris(return_X_y=True)
    ae = AutoencoderTransformer(max_epochs=40, init="random", random_state=0).fit(X)
    assert len(ae.loss_curve_) == ae.n_iter_ == 40 == len(ae.history_)
    assert ae.loss_curve_[-1] < 0.5 * ae.loss_curve_[0]
    assert all(np.isfinite(ae.loss_curve_))


def test_pca_init_starts_at_pcas_solution_and_improves_on_it(circle):
    ae = AutoencoderTransformer(n_components=1, max_epochs=60, random_state=0).fit(circle)
    Z = ae.encoder_.transform(circle)
    untrained = ae._build_module(FitState(X=circle, Z=Z, layout=ae.encoder_.layout_)).eval()
    with torch.no_grad():
        rec = untrained.decode(untrained.encode(torch.as_tensor(Z))).numpy()
    pca = PCA(1).fit(Z)
    pca_rec = pca.inverse_transform(pca.transform(Z))
    np.testing.assert_allclose(rec, pca_rec, atol=1e-5)
    pca_err = np.mean((pca_rec - Z) ** 2)
    assert -ae.score(circle) < 0.5 * pca_err


# --- schema and dtypes -----------------------------------------------------------------


def test_inverse_transform_returns_the_users_schema(fitted_penguins, penguins):
    out = fitted_penguins.inverse_transform(fitted_penguins.transform(penguins))
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(penguins.columns)
    assert list(out.dtypes) == list(penguins.dtypes)
    for col in ["species", "island", "sex"]:
        assert set(out[col].dropna()) <= set(penguins[col].cat.categories)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_transform_dtype(dtype):
    X, _ = load_iris(return_X_y=True)
    X = (X * 10).astype(dtype)
    codes = AutoencoderTransformer(**FAST).fit(X).transform(X)
    assert codes.dtype == (np.float32 if dtype == np.float32 else np.float64)
    assert codes.shape == (150, 2)


def test_feature_names_and_pandas_output(fitted_penguins, penguins):
    names = fitted_penguins.get_feature_names_out()
    assert names.tolist() == ["autoencodertransformer0", "autoencodertransformer1"]
    est = clone(fitted_penguins).set_output(transform="pandas").fit(penguins)
    out = est.transform(penguins)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == names.tolist()
    assert out.index.equals(penguins.index)


# --- reproducibility ---------------------------------------------------------------------


def test_same_seed_gives_bit_identical_transforms(penguins):
    a = AutoencoderTransformer(**FAST).fit(penguins).transform(penguins)
    b = AutoencoderTransformer(**FAST).fit(penguins).transform(penguins)
    assert np.array_equal(a, b)
    c = AutoencoderTransformer(**{**FAST, "random_state": 1}).fit(penguins).transform(penguins)
    assert not np.allclose(a, c)


def test_global_torch_rng_is_untouched(penguins):
    torch.manual_seed(123)
    state = torch.random.get_rng_state().clone()
    AutoencoderTransformer(**FAST).fit(penguins).transform(penguins)
    assert torch.equal(torch.random.get_rng_state(), state)


# --- scikit-learn composition and persistence ---------------------------------------------


def test_pipeline_column_transformer_and_grid_search(penguins):
    y = penguins["species"]
    X = penguins.drop(columns="species")
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    ct = ColumnTransformer(
        [("ae", AutoencoderTransformer(**{**FAST, "max_epochs": 20}), numeric)],
        remainder="drop",
    )
    pipe = make_pipeline(ct, LogisticRegression()).fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    assert pipe.score(X, y) > 0.6

    search = GridSearchCV(
        AutoencoderTransformer(**FAST), {"n_components": [1, 3]}, cv=2, error_score="raise"
    ).fit(X)
    assert search.best_params_ == {"n_components": 3}  # more code, better reconstruction
    assert np.isfinite(search.best_score_)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(fitted_penguins, penguins, tmp_path, dump):
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(fitted_penguins))
    else:
        path = tmp_path / "ae.joblib"
        joblib.dump(fitted_penguins, path)
        loaded = joblib.load(path)
    assert np.array_equal(loaded.transform(penguins), fitted_penguins.transform(penguins))
    codes = fitted_penguins.transform(penguins)
    pd.testing.assert_frame_equal(
        loaded.inverse_transform(codes), fitted_penguins.inverse_transform(codes)
    )


def test_clone_is_unfitted_with_same_params(fitted_penguins):
    c = clone(fitted_penguins)
    assert c.get_params() == fitted_penguins.get_params()
    with pytest.raises(NotFittedError):
        c.transform(np.zeros((2, 7)))


# --- training options -----------------------------------------------------------------------
# (early stopping, divergence and devices on every estimator: tests/test_training.py)


def test_warm_start_continues_training():
    X, _ = load_iris(return_X_y=True)
    ae = AutoencoderTransformer(max_epochs=10, warm_start=True, random_state=0).fit(X)
    encoder = ae.encoder_
    first = list(ae.loss_curve_)
    ae.fit(X)
    assert ae.encoder_ is encoder
    assert ae.n_iter_ == 20
    assert ae.loss_curve_[:10] == first
    assert ae.loss_curve_[-1] < first[-1]
    cold = AutoencoderTransformer(max_epochs=10, random_state=0).fit(X).fit(X)
    assert cold.n_iter_ == 10
    # a changed max_epochs is the number of further epochs
    ae.set_params(max_epochs=3).fit(X)
    assert ae.n_iter_ == 23


def test_verbose_prints_to_stderr_only_when_asked(capsys):
    X, _ = load_iris(return_X_y=True)
    AutoencoderTransformer(**{**FAST, "verbose": 0}).fit(X)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    AutoencoderTransformer(**{**FAST, "verbose": 1}).fit(X)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "train_loss" in captured.err


def test_denoising_and_dropout_options_train():
    X, _ = load_iris(return_X_y=True)
    ae = AutoencoderTransformer(
        **{**FAST, "corruption": 0.2, "dropout": 0.1, "batch_norm": True}
    ).fit(X)
    assert np.isfinite(ae.transform(X)).all()
    # eval mode: corruption and dropout are off, so transform is deterministic
    assert np.array_equal(ae.transform(X), ae.transform(X))


# --- bad input ----------------------------------------------------------------------------


def test_input_is_not_modified(penguins):
    before = penguins.copy(deep=True)
    X = np.random.RandomState(0).randn(30, 4)
    X_before = X.copy()
    ae = AutoencoderTransformer(**FAST).fit(penguins)
    codes = ae.transform(penguins)
    codes_before = codes.copy()
    ae.score_samples(penguins)
    ae.inverse_transform(codes)
    pd.testing.assert_frame_equal(penguins, before)
    assert np.array_equal(codes, codes_before)
    AutoencoderTransformer(**FAST).fit(X).transform(X)
    assert np.array_equal(X, X_before)


def test_nan_rejected_when_the_encoder_says_so():
    X = np.random.RandomState(0).randn(20, 3)
    X[3, 1] = np.nan
    ae = AutoencoderTransformer(**FAST, encoder=TabularEncoder(handle_missing="error"))
    with pytest.raises(ValueError, match="NaN in column 'x1'"):
        ae.fit(X)
    # by default NaN is accepted and flagged
    assert AutoencoderTransformer(**FAST).fit(X).transform(X).shape == (20, 2)


def test_infinity_rejected():
    X = np.random.RandomState(0).randn(20, 3)
    X[0, 2] = np.inf
    with pytest.raises(ValueError, match="infinity in column 'x2'"):
        AutoencoderTransformer(**FAST).fit(X)


def test_wrong_columns_at_transform(fitted_penguins, penguins):
    with pytest.raises(ValueError, match="missing:\n- body_mass_g\n- sex"):
        fitted_penguins.transform(penguins.iloc[:, :5])
    X = np.random.RandomState(0).randn(20, 3)
    ae = AutoencoderTransformer(**FAST).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but AutoencoderTransformer"):
        ae.transform(X[:, :2])
    renamed = penguins.rename(columns={"sex": "gender"})
    with pytest.raises(ValueError, match="feature names"):
        fitted_penguins.transform(renamed)


def test_empty_input():
    with pytest.raises(ValueError, match="0 sample"):
        AutoencoderTransformer(**FAST).fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="minimum of 1"):
        AutoencoderTransformer(**FAST).fit(pd.DataFrame({"a": []}))


def test_too_many_components():
    X = np.random.RandomState(0).randn(20, 3)
    with pytest.raises(ValueError, match=r"n_components=5.*\(n_features=3\)"):
        AutoencoderTransformer(5, **FAST).fit(X)


def test_strings_in_numpy_array_need_a_declaration():
    X = np.array([["a", 1.0], ["b", 2.0], ["a", 3.0]], dtype=object)
    with pytest.raises(ValueError, match="categorical_features"):
        AutoencoderTransformer(1, **FAST).fit(X)
    enc = TabularEncoder(categorical_features=[0])
    ae = AutoencoderTransformer(1, **FAST, encoder=enc).fit(X)
    out = ae.inverse_transform(ae.transform(X))
    assert out.dtype == object and set(out[:, 0]) <= {"a", "b"}


def test_inverse_transform_rejects_bad_codes(fitted_penguins):
    with pytest.raises(ValueError, match="NaN|infinity"):
        fitted_penguins.inverse_transform(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="n_components=2"):
        fitted_penguins.inverse_transform(np.zeros((3, 5)))


def test_unfitted_errors():
    ae = AutoencoderTransformer()
    for method in (ae.transform, ae.inverse_transform, ae.score_samples, ae.score):
        with pytest.raises(NotFittedError):
            method(np.zeros((2, 2)))


def test_batch_norm_needs_two_rows():
    with pytest.raises(ValueError, match="n_samples=1"):
        AutoencoderTransformer(1, **FAST, batch_norm=True).fit(np.ones((1, 3)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "n_components"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"activation": "sigmoidish"}, "activation"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"device": 3}, "device"),
    ],
)
def test_invalid_hyperparameters(params, match):
    X = np.random.RandomState(0).randn(20, 3)
    with pytest.raises((ValueError, TypeError), match=match):
        AutoencoderTransformer(**{**FAST, **params}).fit(X)


def test_fit_does_not_change_hyperparameters(penguins):
    ae = AutoencoderTransformer(**FAST, encoder=TabularEncoder())
    params = copy.deepcopy(ae.get_params())
    ae.fit(penguins)
    assert ae.encoder.random_state is None  # the clone got the seed, not the user's object
    assert ae.get_params().keys() == params.keys()
    assert repr(ae.get_params()) == repr(params)


def test_stderr_sink_is_picklable():
    X, _ = load_iris(return_X_y=True)
    ae = AutoencoderTransformer(**{**FAST, "verbose": 1, "early_stopping": True})
    buf = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(buf):
        ae.fit(X)
    assert pickle.loads(pickle.dumps(ae)).transform(X).shape == (150, 2)


def test_model_saved_from_a_gpu_loads_on_the_cpu(fitted_penguins, penguins):
    """A net pickled with device='cuda' unpickles on a CPU-only machine.

    Without a GPU here, the pickled state is marked as a CUDA one; skorch's loader then
    maps it to the CPU with a DeviceWarning, as it does for a real GPU model.
    """
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA to check the CPU fallback")
    from skorch.exceptions import DeviceWarning

    model = copy.deepcopy(fitted_penguins)
    model.net_.device = "cuda"
    blob = pickle.dumps(model)
    with pytest.warns(DeviceWarning):
        loaded = pickle.loads(blob)
    assert str(loaded.net_.device) == "cpu"
    assert np.array_equal(loaded.transform(penguins), fitted_penguins.transform(penguins))
