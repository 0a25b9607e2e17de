"""Behaviour of VAETransformer: likelihood, sampling, conditioning, resampling, bad input."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_ganae import VAETransformer
from sklearn_ganae._resampling import oversampling_counts

FAST = dict(n_components=4, hidden_layer_sizes=(32,), max_epochs=60, random_state=0)


@pytest.fixture(scope="module")
def vae(penguins_table):
    return VAETransformer(**{**FAST, "max_epochs": 150}).fit(penguins_table)


@pytest.fixture(scope="module")
def cvae(penguins_table):
    X, y = penguins_table.drop(columns="species"), penguins_table["species"]
    return VAETransformer(**{**FAST, "max_epochs": 150, "conditional": True}).fit(X, y)


def test_samples_follow_the_tables_schema_and_marginals(vae, penguins):
    rows = vae.sample(2000, random_state=0)
    assert list(rows.columns) == list(penguins.columns)
    assert list(rows.dtypes) == list(penguins.dtypes)
    freq = rows["species"].value_counts(normalize=True)
    real = penguins["species"].value_counts(normalize=True)
    assert np.abs(freq - real).max() < 0.1
    for col in ["bill_length_mm", "body_mass_g"]:
        real_mean, real_std = penguins[col].mean(), penguins[col].std()
        assert abs(rows[col].mean() - real_mean) < 0.25 * real_std
        assert 0.6 * real_std < rows[col].std() < 1.4 * real_std
    # learned missing rate of sex (about 3%), drawn, not thresholded away
    assert 0.005 < rows["sex"].isna().mean() < 0.08


def test_sample_is_reproducible_and_batched(vae):
    a = vae.sample(50, random_state=3)
    b = vae.sample(50, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(vae.sample(50, random_state=4))
    vae.reset_sampling()  # the model's stream: successive calls differ, rewinding repeats
    first, second = vae.sample(20), vae.sample(20)
    assert not first.equals(second)
    pd.testing.assert_frame_equal(vae.reset_sampling().sample(20), first)
    big = vae.sample(25_000, random_state=0)  # three internal batches
    assert big.shape == (25_000, 7)
    assert (
        not big.iloc[:10_000]
        .reset_index(drop=True)
        .equals(big.iloc[10_000:20_000].reset_index(drop=True))
    )


def test_elbo_scores_rank_real_rows_above_noise(vae, penguins):
    real = vae.score_samples(penguins)
    rng = np.random.RandomState(1)
    shuffled = penguins.apply(lambda c: c.to_numpy()[rng.permutation(len(c))])
    fake = vae.score_samples(shuffled)
    assert real.shape == (344,)
    assert np.mean(real) > np.mean(fake) + 1.0  # nats per row
    assert vae.score(penguins) == pytest.approx(real.mean())
    # deterministic and independent of the other rows scored
    np.testing.assert_allclose(vae.score_samples(penguins.iloc[:10]), real[:10], rtol=1e-5)


def test_history_has_reconstruction_and_kl_terms(vae):
    row = vae.history_[-1]
    assert {"train_loss", "train_nll", "train_kl"} <= set(row)
    # the loss weighs the KL term with beta
    expected = row["train_nll"] + vae.beta * row["train_kl"]
    assert row["train_loss"] == pytest.approx(expected, rel=1e-4)
    first = vae.history_[0]
    assert row["train_nll"] < first["train_nll"]
    assert len(vae.loss_curve_) == vae.n_iter_ == 150


def test_active_components_detect_collapse(penguins):
    healthy = VAETransformer(**{**FAST, "n_components": 6}).fit(penguins)
    collapsed = VAETransformer(**{**FAST, "n_components": 6, "beta": 50.0}).fit(penguins)
    assert healthy.n_active_components_ >= 2
    assert collapsed.n_active_components_ < healthy.n_active_components_


def test_kl_warmup_ramps_the_weight(penguins):
    params = {**FAST, "max_epochs": 10, "kl_warmup_epochs": 5, "beta": 1.0}
    vae = VAETransformer(**params).fit(penguins)
    net = vae.net_
    assert net.kl_weight() == pytest.approx(1.0)
    kl_early = vae.history_[0, "train_kl"]
    kl_late = vae.history_[-1, "train_kl"]
    assert kl_early > kl_late  # an unweighted KL is free to grow at first


def test_transform_and_inverse_transform(vae, penguins):
    codes = vae.transform(penguins)
    assert codes.shape == (344, 4) and codes.dtype == np.float64
    decoded = vae.inverse_transform(codes)
    assert list(decoded.dtypes) == list(penguins.dtypes)
    acc = (decoded["species"] == penguins["species"]).mean()
    assert acc > 0.8
    drawn = vae.inverse_transform(codes, stochastic=True, random_state=0)
    assert not drawn["bill_length_mm"].equals(decoded["bill_length_mm"])


def test_in_a_supervised_pipeline_y_is_ignored(penguins):
    X, y = penguins.drop(columns="species"), penguins["species"]
    pipe = make_pipeline(VAETransformer(**FAST), LogisticRegression(max_iter=500)).fit(X, y)
    assert pipe[0].classes_ is None
    assert pipe.score(X, y) > 0.8


def test_grid_search_tunes_beta_without_labels(penguins):
    search = GridSearchCV(VAETransformer(**FAST), {"beta": [0.5, 1.0]}, cv=2).fit(penguins)
    assert np.isfinite(search.best_score_)
    assert set(search.cv_results_["mean_test_score"]) != {np.nan}


def test_conditional_sampling_gives_the_asked_class(cvae, penguins):
    rows = cvae.sample(300, y="Gentoo", random_state=0)
    gentoo = penguins[penguins["species"] == "Gentoo"]
    others = penguins[penguins["species"] != "Gentoo"]
    # Gentoo live on Biscoe (49% of all penguins do) and are heavy
    assert (rows["island"] == "Biscoe").mean() > 0.8
    assert rows["body_mass_g"].mean() > others["body_mass_g"].mean() + 500
    assert abs(rows["body_mass_g"].mean() - gentoo["body_mass_g"].mean()) < 300
    mixed = cvae.sample(6, y=["Adelie", "Gentoo"] * 3, random_state=0)
    assert mixed.shape == (6, 6)
    assert list(cvae.classes_) == ["Adelie", "Chinstrap", "Gentoo"]


def test_conditional_transform_needs_y(cvae, penguins):
    X, y = penguins.drop(columns="species"), penguins["species"]
    assert cvae.transform(X, y).shape == (344, 4)
    with pytest.raises(ValueError, match="conditional"):
        cvae.transform(X)


@pytest.mark.parametrize(
    "strategy",
    ["auto", "minority", "not majority", "all", {"Chinstrap": 200, "Gentoo": 160}],
)
def test_fit_resample_counts_follow_the_strategy(penguins, strategy):
    X, y = penguins.drop(columns="species"), penguins["species"]
    sampler = VAETransformer(**{**FAST, "max_epochs": 5, "sampling_strategy": strategy})
    X_res, y_res = sampler.fit_resample(X, y)
    expected = oversampling_counts(strategy, y)
    assert sampler.sampling_strategy_ == expected
    before = y.value_counts()
    after = y_res.value_counts()
    for cls in before.index:
        assert after[cls] == before[cls] + expected.get(cls, 0)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.dtypes) == list(X.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X.reset_index(drop=True))


def test_fit_resample_matches_imbalanced_learn_counts():
    imblearn_utils = pytest.importorskip("imblearn.utils")
    y = np.array([0] * 50 + [1] * 20 + [2] * 5)
    for strategy in ["auto", "minority", "not minority", "not majority", "all", {2: 30}]:
        ours = oversampling_counts(strategy, y)
        theirs = imblearn_utils.check_sampling_strategy(strategy, y, "over-sampling")
        assert ours == {k: v for k, v in theirs.items()}
    yb = np.array([0] * 40 + [1] * 10)
    assert oversampling_counts(0.5, yb) == dict(
        imblearn_utils.check_sampling_strategy(0.5, yb, "over-sampling")
    )


def test_fit_resample_on_arrays():
    X, y = load_iris(return_X_y=True)
    X, y = X[:120], y[:120]  # 50 / 50 / 20
    X_res, y_res = VAETransformer(**{**FAST, "max_epochs": 5}).fit_resample(X, y)
    assert X_res.shape == (150, 4) and np.bincount(y_res).tolist() == [50, 50, 50]
    assert np.array_equal(X_res[:120], X)


def test_reproducible_and_picklable(vae, penguins):
    again = VAETransformer(**{**FAST, "max_epochs": 150}).fit(penguins)
    assert np.array_equal(again.transform(penguins), vae.transform(penguins))
    loaded = pickle.loads(pickle.dumps(vae))
    pd.testing.assert_frame_equal(
        loaded.sample(30, random_state=1), vae.sample(30, random_state=1)
    )
    assert clone(vae).get_params() == vae.get_params()


def test_global_torch_rng_untouched(vae, penguins):
    torch.manual_seed(7)
    state = torch.random.get_rng_state().clone()
    vae.sample(10)
    vae.score_samples(penguins)
    VAETransformer(**{**FAST, "max_epochs": 2}).fit(penguins)
    assert torch.equal(torch.random.get_rng_state(), state)


# --- bad input ----------------------------------------------------------------------------


def test_bad_input(vae, cvae, penguins):
    with pytest.raises(ValueError, match="beta"):
        VAETransformer(beta=-1.0).fit(penguins)
    for n in (0, -3, 2.5):
        with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
            vae.sample(n)
    with pytest.raises(ValueError, match=r"classes \['Emperor'\] not seen"):
        cvae.sample(3, y="Emperor")
    with pytest.raises(ValueError, match="fitted without y"):
        vae.sample(3, y="Adelie")
    with pytest.raises(ValueError, match="2 labels for 3 rows"):
        cvae.sample(3, y=["Adelie", "Gentoo"])
    with pytest.raises(ValueError, match="needs the class labels"):
        VAETransformer(conditional=True).fit(penguins)
    X = penguins.drop(columns="species")
    with pytest.raises(ValueError, match="single class"):
        VAETransformer(**FAST).fit_resample(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="344 rows"):
        VAETransformer(**{**FAST, "conditional": True}).fit(X, penguins["species"][:10])
    with pytest.raises(ValueError, match="not present in the data"):
        VAETransformer(**FAST, sampling_strategy={"Emperor": 400}).fit_resample(
            X, penguins["species"]
        )
    with pytest.raises(ValueError, match="greater or equal to the original"):
        VAETransformer(**FAST, sampling_strategy={"Adelie": 10}).fit_resample(
            X, penguins["species"]
        )
    with pytest.raises(ValueError, match="n_components=4"):
        vae.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN|infinity"):
        vae.inverse_transform(np.full((2, 4), np.inf))


def test_default_n_components_fits_narrow_tables():
    # n_components="auto": min(8, encoded width); every estimator works with its defaults
    rng = np.random.RandomState(0)
    narrow = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    vae = VAETransformer(max_epochs=2, random_state=0)
    assert vae.n_components == "auto"
    vae.fit(narrow)
    assert vae.n_components_ == 3
    codes = vae.transform(narrow)
    assert codes.shape == (40, 3)
    assert list(vae.get_feature_names_out()) == [f"vaetransformer{i}" for i in range(3)]
    assert vae.inverse_transform(codes).shape == (40, 3)
    assert vae.sample(5).shape == (5, 3) and np.isfinite(vae.score_samples(narrow)).all()
    wide = pd.DataFrame(rng.normal(size=(40, 12)))
    assert VAETransformer(max_epochs=1, random_state=0).fit(wide).n_components_ == 8
    assert VAETransformer(n_components=5, max_epochs=1).fit(wide).n_components_ == 5
    # an explicit integer wider than the table is still an error
    with pytest.raises(ValueError, match=r"n_components=4 must be at most .*n_features=3"):
        VAETransformer(n_components=4, max_epochs=1).fit(narrow)
    with pytest.raises(ValueError, match="n_components"):
        VAETransformer(n_components="all").fit(narrow)


def test_input_not_modified(penguins):
    X, y = penguins.drop(columns="species"), penguins["species"]
    X0, y0 = X.copy(deep=True), y.copy(deep=True)
    VAETransformer(**{**FAST, "max_epochs": 3}).fit_resample(X, y)
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_series_equal(y, y0)
