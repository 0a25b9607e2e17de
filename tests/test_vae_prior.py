"""VAETransformer's ``prior``: the mixture fitted to the training rows' codes, where
``sample`` draws codes from, and the draws of ``sklearn_ganae._prior``."""

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.neighbors import KernelDensity

from sklearn_ganae import TabularEncoder, VAETransformer
from sklearn_ganae._prior import (
    MIN_PRIOR_ROWS,
    PRIOR_COMPONENTS,
    ROWS_PER_COMPONENT,
    default_mixture,
    fit_mixture,
    sample_mixture,
)

FAST = dict(n_components=2, hidden_layer_sizes=(32,), max_epochs=40, random_state=0)
BLOBS = dict(FAST, max_epochs=100, beta=0.05, encoder=TabularEncoder())


def _two_blobs(n=200, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        np.vstack([rng.normal(-4, 0.3, (n, 2)), rng.normal(4, 0.3, (n, 2))]), columns=["a", "b"]
    )


@pytest.fixture(scope="module")
def blobs_vae():
    # standardised columns: the two blobs stay apart in the encoded table; a small KL
    # weight: their codes fill two small regions of the latent plane
    return VAETransformer(**BLOBS).fit(_two_blobs())


# --- the draws ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["full", "tied", "diag", "spherical"])
def test_sample_mixture_follows_the_fitted_mixture(kind):
    rng = np.random.RandomState(0)
    # correlated components (off-diagonal covariances): a factor applied transposed
    # would give the wrong correlation
    a = rng.multivariate_normal([-6, 0], [[1.0, 0.8], [0.8, 1.0]], 3000)
    b = rng.multivariate_normal([6, 3], [[2.0, -1.2], [-1.2, 1.0]], 1000)
    data = np.vstack([a, b])
    mixture = GaussianMixture(2, covariance_type=kind, random_state=0).fit(data)
    codes = sample_mixture(mixture, 20_000, np.random.RandomState(1))
    assert codes.dtype == np.float32 and codes.shape == (20_000, 2)
    # the weights, means and spreads of the mixture's components
    left = codes[:, 0] < 0
    weight = mixture.weights_[np.argmin(mixture.means_[:, 0])]
    assert abs(weight - 0.75) < 0.01 and abs(left.mean() - weight) < 0.02
    for side in (left, ~left):
        j = np.argmin(np.abs(mixture.means_[:, 0] - codes[side, 0].mean()))
        np.testing.assert_allclose(codes[side].mean(axis=0), mixture.means_[j], atol=0.1)
        cov = np.cov(codes[side].T)
        cov_j = mixture.covariances_ if kind == "tied" else mixture.covariances_[j]
        if kind in ("full", "tied"):
            expected = cov_j
        else:  # per-dimension variances, or one variance
            expected = np.diag(cov_j) if kind == "diag" else np.eye(2) * cov_j
        np.testing.assert_allclose(cov, expected, atol=0.15 * np.abs(expected).max())
    # in a random order (GaussianMixture.sample groups them by component)
    for part in (slice(0, 500), slice(10_000, 10_500), slice(19_500, 20_000)):
        assert abs(left[part].mean() - weight) < 0.1
    # the same generator state gives the same codes
    again = sample_mixture(mixture, 20_000, np.random.RandomState(1))
    np.testing.assert_array_equal(codes, again)


def test_fit_mixture_rules():
    rng = np.random.RandomState(0)
    codes = rng.normal(size=(5_000, 3))
    default = fit_mixture("mixture", codes, seed=7)
    assert default.n_components == PRIOR_COMPONENTS and default.covariance_type == "full"
    assert default.random_state == 7
    # small tables get one component per ROWS_PER_COMPONENT rows, at least one
    assert default_mixture(10 * ROWS_PER_COMPONENT, 0).n_components == 10
    assert default_mixture(3, 0).n_components == 1
    # a mixture instance is cloned (the one passed stays unfitted), its n_components cut
    # to the rows, its random_state kept
    mine = BayesianGaussianMixture(n_components=50, random_state=3)
    fitted = fit_mixture(mine, codes[:20], seed=7)
    assert fitted is not mine and not hasattr(mine, "weights_")
    assert mine.n_components == 50 and fitted.n_components == 20 and fitted.random_state == 3


# --- the estimator ------------------------------------------------------------------------


def test_prior_is_fitted_on_the_training_codes(blobs_vae):
    X = _two_blobs()
    prior = blobs_vae.prior_
    assert isinstance(prior, GaussianMixture)
    assert prior.n_components == min(PRIOR_COMPONENTS, len(X) // ROWS_PER_COMPONENT)
    assert prior.n_features_in_ == blobs_vae.n_components_
    # the mixture describes the training rows' codes (the aggregate posterior: a draw of
    # each row's posterior) far better than the standard normal the model was trained
    # with (about 1.5 nats per row better here)
    mean, std = blobs_vae.posterior(X)
    draws = mean + std * np.random.RandomState(1).standard_normal(mean.shape)
    normal = -0.5 * (draws**2).sum(axis=1).mean() - draws.shape[1] / 2 * np.log(2 * np.pi)
    assert prior.score(draws) > normal + 0.5
    codes = blobs_vae.transform(X)
    # and its draws sit where those codes are: in each blob's region, none far off
    drawn = sample_mixture(prior, 4_000, np.random.RandomState(0))
    nearest = np.min(np.linalg.norm(drawn[:, None, :] - codes[None, ::4, :], axis=2), axis=1)
    spread = np.linalg.norm(codes - codes.mean(axis=0), axis=1).mean()
    assert np.quantile(nearest, 0.99) < spread


def test_sample_draws_codes_from_the_prior(blobs_vae):
    X = _two_blobs()
    codes = blobs_vae.transform(X)
    rows = {}
    for blob, part in (("low", slice(0, 200)), ("high", slice(200, 400))):
        model = copy.deepcopy(blobs_vae)
        # a prior of one narrow component at the blob's codes: every row is the blob's
        model.prior_ = GaussianMixture(1, covariance_type="spherical").fit(codes[part])
        model.prior_.covariances_ = np.full(1, 1e-6)
        rows[blob] = model.sample(500, random_state=0)
    # (the decoder's own Gaussian noise spreads them: around the blob, not on it)
    assert rows["low"]["a"].mean() < -2 and (rows["low"]["a"] < 0).mean() > 0.75
    assert rows["high"]["a"].mean() > 2 and (rows["high"]["a"] > 0).mean() > 0.75


def test_normal_prior_samples_the_standard_normal(blobs_vae):
    model = VAETransformer(**BLOBS, prior="normal")
    model.fit(_two_blobs())
    assert model.prior_ is None
    # the same seeded network, sampled through either prior: the same decoder, other
    # codes (the rows differ), and each is reproducible
    a = model.sample(200, random_state=0)
    assert a.equals(model.sample(200, random_state=0))
    assert not a.equals(blobs_vae.sample(200, random_state=0))
    assert blobs_vae.sample(200, random_state=0).equals(blobs_vae.sample(200, random_state=0))


def test_conditional_model_has_one_prior_per_class(penguins_xy):
    X, y = penguins_xy
    vae = VAETransformer(**FAST, conditional=True).fit(X, y)
    assert isinstance(vae.prior_, list) and len(vae.prior_) == len(vae.classes_)
    for cls, mixture in zip(vae.classes_, vae.prior_, strict=True):
        n_class = int((y == cls).sum())
        assert mixture.n_components == max(1, min(PRIOR_COMPONENTS, n_class // ROWS_PER_COMPONENT))
        codes = vae.transform(X[y == cls], y[y == cls])
        # each class's mixture is centred on that class's codes
        centre = mixture.weights_ @ mixture.means_
        assert np.linalg.norm(centre - codes.mean(axis=0)) < 0.5 * codes.std(axis=0).sum() + 0.1
    rows = vae.sample(30, y="Gentoo", random_state=0)
    assert rows.shape == (30, X.shape[1])
    # a user's mixture, per class, with its n_components cut to the class's rows
    # (Chinstrap has 68)
    mine = GaussianMixture(100, covariance_type="diag")
    fitted = VAETransformer(**FAST, conditional=True, prior=mine).fit(X, y)
    counts = [int((y == c).sum()) for c in fitted.classes_]
    assert [m.n_components for m in fitted.prior_] == [min(100, n) for n in counts]
    assert mine.n_components == 100 and not hasattr(mine, "weights_")


@pytest.mark.parametrize("n_rare", [1, 2, MIN_PRIOR_ROWS - 1])
def test_a_small_class_keeps_the_standard_normal(penguins_xy, n_rare):
    X, y = penguins_xy
    y = y.astype(object).copy()
    y.iloc[:n_rare] = "Emperor"  # a class of too few rows for a mixture
    vae = VAETransformer(**{**FAST, "max_epochs": 3}, conditional=True).fit(X, y)
    rare = list(vae.classes_).index("Emperor")
    assert vae.prior_[rare] is None
    assert all(m is not None for i, m in enumerate(vae.prior_) if i != rare)
    rows = vae.sample(20, y="Emperor", random_state=0)
    assert rows.shape == (20, X.shape[1]) and not rows.isna().all().any()


@pytest.mark.parametrize("n_rows", [1, 3, MIN_PRIOR_ROWS - 1])
def test_a_small_table_keeps_the_standard_normal(n_rows):
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"a": rng.normal(size=n_rows), "b": rng.normal(size=n_rows)})
    vae = VAETransformer(n_components=2, hidden_layer_sizes=(4,), max_epochs=2).fit(table)
    assert vae.prior_ is None
    assert vae.sample(5, random_state=0).shape == (5, 2)
    big = pd.DataFrame(
        {"a": rng.normal(size=MIN_PRIOR_ROWS), "b": rng.normal(size=MIN_PRIOR_ROWS)}
    )
    fitted = VAETransformer(n_components=2, hidden_layer_sizes=(4,), max_epochs=2).fit(big)
    assert fitted.prior_ is not None


def test_large_tables_fit_the_prior_on_a_subsample_per_class(monkeypatch, penguins_xy):
    # at most PRIOR_MAX_ROWS rows per class: every class keeps a prior fitted on its
    # own rows, a rare one too
    import sklearn_ganae._prior as prior_module

    monkeypatch.setattr(prior_module, "PRIOR_MAX_ROWS", 60)
    seen = []
    fit = prior_module.fit_mixture

    def recording(prior, codes, seed):
        seen.append(len(codes))
        return fit(prior, codes, seed)

    monkeypatch.setattr("sklearn_ganae.vae.fit_mixture", recording)
    X, y = penguins_xy
    vae = VAETransformer(**{**FAST, "max_epochs": 3}, conditional=True).fit(X, y)
    counts = [int((y == c).sum()) for c in vae.classes_]  # 152, 68, 124
    assert seen == [min(60, n) for n in counts]
    seen.clear()
    VAETransformer(**{**FAST, "max_epochs": 3}).fit(X)
    assert seen == [60]


def test_a_bad_mixture_fails_before_training(penguins):
    bad = GaussianMixture(covariance_type="bogus")
    vae = VAETransformer(**FAST, prior=bad)
    with pytest.raises(ValueError, match="covariance_type"):
        vae.fit(penguins)
    assert not hasattr(vae, "net_")  # refused before any training


def test_prior_survives_saving_and_pickling(tmp_path, penguins_xy):
    import pickle

    from sklearn_ganae import load, save

    X, y = penguins_xy
    y = y.astype(object).copy()
    y.iloc[:3] = "Emperor"  # a None in the list of priors
    vae = VAETransformer(**{**FAST, "max_epochs": 3}, conditional=True).fit(X, y)
    assert any(m is None for m in vae.prior_)
    expected = vae.sample(40, y=list(vae.classes_) * 10, random_state=0)
    path = save(vae, tmp_path / "vae.ganae")
    for again in (load(path), pickle.loads(pickle.dumps(vae))):
        rows = again.sample(40, y=list(vae.classes_) * 10, random_state=0)
        pd.testing.assert_frame_equal(rows, expected)


def test_prior_parameter_is_validated(penguins):
    for bad in ("gmm", KernelDensity(), 3):
        with pytest.raises(ValueError, match="'prior' parameter of VAETransformer must be"):
            VAETransformer(**FAST, prior=bad).fit(penguins)


def test_prior_is_refitted_by_a_warm_start(penguins):
    vae = VAETransformer(**{**FAST, "max_epochs": 5}, warm_start=True).fit(penguins)
    first = vae.prior_
    vae.fit(penguins)
    assert vae.prior_ is not first
    assert not np.allclose(vae.prior_.means_, first.means_)


def test_a_model_pickled_before_the_prior_keeps_the_standard_normal(penguins):
    import pickle

    vae = VAETransformer(**{**FAST, "max_epochs": 3}, prior="normal").fit(penguins)
    old = copy.deepcopy(vae)
    del old.__dict__["prior"], old.__dict__["prior_"]  # what an earlier version pickled
    again = pickle.loads(pickle.dumps(old))
    assert again.prior == "normal" and again.get_params()["prior"] == "normal"
    pd.testing.assert_frame_equal(again.sample(20, random_state=0), vae.sample(20, random_state=0))


def test_a_model_file_written_before_the_prior_keeps_the_standard_normal(tmp_path, penguins):
    import json
    import zipfile

    from sklearn_ganae import load, save

    vae = VAETransformer(**{**FAST, "max_epochs": 3}, prior="normal").fit(penguins)
    path = save(vae, tmp_path / "new.ganae")
    # the same file as an earlier version wrote it: no "prior" parameter, no "prior_"
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    del manifest["params"]["prior"], manifest["fitted"]["prior_"]
    members["manifest.json"] = json.dumps(manifest).encode()
    old = tmp_path / "old.ganae"
    with zipfile.ZipFile(old, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    loaded = load(old)
    assert loaded.prior == "normal"
    pd.testing.assert_frame_equal(
        loaded.sample(20, random_state=0), vae.sample(20, random_state=0)
    )
