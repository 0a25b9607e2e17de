"""AEAugmenter: counts per class, label types, the strategies, the estimator contract,
bad input."""

import pickle
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
    TabularEncoder,
    VAETransformer,
)

# --- counts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy",
    [
        "auto",
        "minority",
        "not minority",
        "not majority",
        "all",
        {1: 100, 2: 40},
        lambda y: {2: int(np.sum(y == 0))},
    ],
    ids=["auto", "minority", "not_minority", "not_majority", "all", "dict", "callable"],
)
def test_counts_match_imbalanced_learn(blobs, blobs_ae, strategy):
    imblearn = pytest.importorskip("imblearn.over_sampling")
    X, y = blobs
    sampler = AEAugmenter(blobs_ae, prefit=True, sampling_strategy=strategy, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    ros = imblearn.RandomOverSampler(sampling_strategy=strategy, random_state=0)
    _, y_ros = ros.fit_resample(X, y)
    assert Counter(y_res) == Counter(y_ros)
    assert sampler.sampling_strategy_ == dict(ros.sampling_strategy_)
    assert X_res.shape == (len(y_ros), X.shape[1])
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)


def test_float_ratio_on_a_binary_target_matches_imbalanced_learn(blobs_ae, imbalanced_blobs):
    imblearn = pytest.importorskip("imblearn.over_sampling")
    X, y = imbalanced_blobs()
    _, y_res = AEAugmenter(blobs_ae, prefit=True, sampling_strategy=0.6).fit_resample(X, y)
    _, y_ros = imblearn.RandomOverSampler(sampling_strategy=0.6).fit_resample(X, y)
    assert Counter(y_res) == Counter(y_ros) == {0: 120, 1: 72}


def test_augmentation_factor_scales_the_target_sizes(blobs, blobs_ae):
    X, y = blobs  # 120 / 30 / 15
    common = dict(estimator=blobs_ae, prefit=True, random_state=0)
    # balance, then grow every class by half: 180 each
    sampler = AEAugmenter(augmentation_factor=0.5, **common)
    _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == {0: 180, 1: 180, 2: 180}
    assert sampler.sampling_strategy_ == {0: 60, 1: 150, 2: 165}
    # with an empty dict: plain augmentation that keeps the ratios
    _, y_res = AEAugmenter(sampling_strategy={}, augmentation_factor=1.0, **common).fit_resample(
        X, y
    )
    assert Counter(y_res) == {0: 240, 1: 60, 2: 30}
    # rounding to the nearest integer
    _, y_res = AEAugmenter(sampling_strategy={}, augmentation_factor=0.1, **common).fit_resample(
        X, y
    )
    assert Counter(y_res) == {0: 132, 1: 33, 2: 17}  # 15 * 0.1 = 1.5 -> 2
    # factor 0 is the plain sampling_strategy
    _, y_res = AEAugmenter(augmentation_factor=0.0, **common).fit_resample(X, y)
    assert Counter(y_res) == {0: 120, 1: 120, 2: 120}


def test_nothing_to_add_returns_the_input(blobs_ae, imbalanced_blobs):
    X, y = imbalanced_blobs(n_major=30, n_minor=30)
    X_res, y_res = AEAugmenter(blobs_ae, prefit=True).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)
    # equal values, never the user's own arrays
    assert not np.shares_memory(X_res, X) and not np.shares_memory(y_res, y)


# --- label types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_y",
    [
        lambda y: np.array(["spam", "eggs"])[y],
        lambda y: np.array([False, True])[y],
        lambda y: pd.Series(pd.Categorical(np.array(["lo", "hi"])[y]), name="grade"),
        lambda y: pd.Series(y + 10, name="code", dtype="Int64"),
        lambda y: pd.DataFrame({"target": y}),
    ],
    ids=["str", "bool", "category_series", "nullable_int_series", "dataframe"],
)
def test_label_types_are_preserved(blobs_ae, make_y, imbalanced_blobs):
    X, y = imbalanced_blobs()
    labels = make_y(y)
    _, y_res = AEAugmenter(blobs_ae, prefit=True, random_state=0).fit_resample(X, labels)
    assert type(y_res) is type(labels)
    if isinstance(labels, pd.DataFrame):
        assert list(y_res.columns) == ["target"]
        labels, y_res = labels["target"], y_res["target"]
    if isinstance(labels, pd.Series):
        assert y_res.name == labels.name and y_res.dtype == labels.dtype
    assert y_res.dtype == labels.dtype
    assert Counter(np.asarray(y_res).tolist()) == {v: 120 for v in set(np.asarray(labels))}


def test_one_hot_targets_stay_one_hot(blobs, blobs_ae):
    X, y = blobs
    y_ova = np.eye(3, dtype=int)[y]
    sampler = AEAugmenter(blobs_ae, prefit=True, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    X_ova, y_res_ova = AEAugmenter(blobs_ae, prefit=True, random_state=0).fit_resample(X, y_ova)
    np.testing.assert_array_equal(X_ova, X_res)
    assert y_res_ova.shape == (360, 3)
    np.testing.assert_array_equal(y_res_ova.argmax(axis=1), y_res)


# --- the strategies ---------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["interpolate", "extrapolate", "noise", "posterior"])
def test_generated_rows_look_like_their_class(strategy, imbalanced_blobs):
    X, y = imbalanced_blobs(n_major=200, n_minor=40, spread=1.5)
    clf = LogisticRegression().fit(X, y)
    if strategy == "posterior":
        # beta < 1 keeps the posteriors narrow relative to the spread of the codes;
        # standardised columns keep the gap between the blobs (the VAE's default
        # quantile-normal columns squeeze it: 67% of the new rows on their side)
        est = VAETransformer(
            n_components=3,
            hidden_layer_sizes=(32,),
            max_epochs=100,
            batch_size=32,
            beta=0.5,
            encoder=TabularEncoder(),
        )
    else:
        est = AutoencoderTransformer(n_components=3, hidden_layer_sizes=(32,), max_epochs=60)
    sampler = AEAugmenter(est, strategy=strategy, sampling_strategy="all", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    new_X, new_y = X_res[len(X) :], y_res[len(X) :]
    assert Counter(new_y) == {1: 160}
    assert np.mean(clf.predict(new_X) == new_y) > 0.9
    # new rows are new: not copies of real ones, and spread out
    assert np.min(NearestNeighbors(n_neighbors=1).fit(X).kneighbors(new_X)[0]) > 0
    assert len(np.unique(new_X.round(6), axis=0)) > 0.9 * len(new_X)


def _segment_distance(points, starts, ends):
    """Distance of each point to each segment, and the segment parameter t."""
    d = ends - starts  # (s, f)
    rel = points[:, None, :] - starts[None]  # (p, s, f)
    t = np.einsum("psf,sf->ps", rel, d) / np.maximum(np.einsum("sf,sf->s", d, d), 1e-12)
    closest = starts[None] + t[..., None] * d[None]
    return np.linalg.norm(points[:, None, :] - closest, axis=2), t


@pytest.mark.parametrize("strategy, low, high", [("interpolate", 0, 1), ("extrapolate", -0.5, 0)])
def test_codes_lie_on_the_segment_to_a_same_class_neighbour(strategy, low, high, imbalanced_blobs):
    """With PCA keeping every component, latent space is the input space rotated (and
    decode="direct" decodes without clipping), so each new row must lie on the line
    through a minority row and one of its k nearest minority neighbours: between them
    (interpolate) or beyond the row (extrapolate)."""
    X, y = imbalanced_blobs(n_major=60, n_minor=12)
    k = 3
    sampler = AEAugmenter(
        PCA(n_components=4), strategy=strategy, n_neighbors=k, decode="direct", random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[len(X) :]
    minority = X[y == 1]
    neighbours = NearestNeighbors(n_neighbors=k + 1).fit(minority).kneighbors(minority)[1][:, 1:]
    starts = np.repeat(minority, k, axis=0)
    ends = minority[neighbours.ravel()]
    dist, t = _segment_distance(new, starts, ends)
    valid = (dist < 1e-8) & (t >= low - 1e-9) & (t <= high + 1e-9)
    assert valid.any(axis=1).all()
    t_valid = t[np.arange(len(new)), valid.argmax(axis=1)]
    assert np.ptp(t_valid) > 0.5 * (high - low)  # the step is drawn, not fixed
    # with every minority row's partner drawn, not always the nearest one
    assert len(np.unique(valid.argmax(axis=1) % k)) == k


def test_noise_scale_sets_the_spread_of_the_noise(imbalanced_blobs):
    X, y = imbalanced_blobs(n_major=60, n_minor=20)
    pca = PCA(n_components=4)
    X_res, _ = AEAugmenter(pca, strategy="noise", noise_scale=0.0).fit_resample(X, y)
    minority = X[y == 1]
    dist = NearestNeighbors(n_neighbors=1).fit(minority).kneighbors(X_res[len(X) :])[0]
    assert dist.max() < 1e-8  # no noise: copies of minority rows
    sampler = AEAugmenter(pca, strategy="noise", noise_scale=0.5, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    np.testing.assert_allclose(sampler.latent_std_, PCA(4).fit_transform(X).std(axis=0))
    # distance to the source: 0.5 * std per dimension, so about 0.5 * total spread
    dist = NearestNeighbors(n_neighbors=1).fit(minority).kneighbors(X_res[len(X) :])[0]
    expected = 0.5 * np.sqrt(np.sum(sampler.latent_std_**2))
    assert 0.3 * expected < np.median(dist) < 1.3 * expected


def test_filter_keeps_rows_whose_neighbours_share_their_label(imbalanced_blobs):
    # overlapping classes: noise pushes many minority candidates into the majority
    X, y = imbalanced_blobs(n_major=150, n_minor=50, spread=2.5)
    k = 5
    plain = AEAugmenter(PCA(4), strategy="noise", noise_scale=1.0, random_state=0)
    X_plain, _ = plain.fit_resample(X, y)
    filtered = AEAugmenter(
        PCA(4), strategy="noise", noise_scale=1.0, filter_neighbors=k, random_state=0
    )
    X_filt, y_filt = filtered.fit_resample(X, y)

    def same_label_share(rows):
        idx = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(rows)[1]
        return (y[idx] == 1).mean(axis=1)

    assert np.mean(same_label_share(X_plain[len(X) :]) < 0.5) > 0.1  # the problem exists
    assert np.all(same_label_share(X_filt[len(X) :]) >= 0.5)
    assert Counter(y_filt) == {0: 150, 1: 150}  # rejected rows were replaced
    assert filtered.n_filtered_[1] > 0 and plain.n_filtered_ == {1: 0}


def test_filter_that_cannot_fill_a_class_warns_and_returns_fewer_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    y = np.zeros(200, dtype=int)
    y[rng.choice(200, 10, replace=False)] = 1  # minority scattered inside the majority
    sampler = AEAugmenter(PCA(2), filter_neighbors=9, random_state=0)
    with pytest.warns(UserWarning, match="filter_neighbors=9.*rejected most candidate rows"):
        _, y_res = sampler.fit_resample(X, y)
    assert sampler.sampling_strategy_ == {1: 180}
    assert Counter(y_res)[1] < 190


def test_a_class_with_one_row_falls_back_to_noise(blobs_ae, imbalanced_blobs):
    X, y = imbalanced_blobs(n_major=60, n_minor=20)
    X, y = np.vstack([X, [[0, 6, 6, 0]]]), np.append(y, 2)  # class 2 has one row
    sampler = AEAugmenter(blobs_ae, prefit=True, random_state=0)
    with pytest.warns(UserWarning, match="Class 2 has a single row.*strategy='noise'"):
        X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == {0: 60, 1: 60, 2: 60}
    assert len(np.unique(X_res[y_res == 2].round(6), axis=0)) > 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # noise and posterior need no neighbour
        AEAugmenter(blobs_ae, prefit=True, strategy="noise").fit_resample(X, y)
    # classes smaller than n_neighbors + 1 use every other row as a neighbour
    sampler = AEAugmenter(blobs_ae, prefit=True, n_neighbors=50, sampling_strategy={1: 40})
    assert Counter(sampler.fit_resample(X, y)[1])[1] == 40


def test_conditional_vae_encodes_and_decodes_with_the_class(imbalanced_blobs):
    X, y = imbalanced_blobs(n_major=100, n_minor=20)
    vae = VAETransformer(n_components=2, hidden_layer_sizes=(16,), max_epochs=20, conditional=True)
    sampler = AEAugmenter(vae, strategy="posterior", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.estimator_.classes_.tolist() == [0, 1]
    assert X_res.shape == (200, 4) and Counter(y_res) == {0: 100, 1: 100}


# --- estimator contract -----------------------------------------------------------------


def test_default_estimators_and_fit(blobs):
    X, y = blobs
    X3 = X[:, :3]
    sampler = AEAugmenter(random_state=0).fit(X3, y)
    assert isinstance(sampler.estimator_, AutoencoderTransformer)
    assert sampler.estimator_.n_components == 3  # min(8, n_features)
    assert sampler.estimator_.max_epochs == 50  # about 100 steps of 128 rows
    assert sampler.sampling_strategy_ == {1: 90, 2: 105}
    assert not hasattr(sampler, "n_filtered_")  # fit generates nothing
    assert not hasattr(sampler, "transform")  # imblearn's Pipeline needs that
    assert sampler.get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    post = AEAugmenter(strategy="posterior", random_state=0).fit(X, y)
    assert isinstance(post.estimator_, VAETransformer) and post.estimator_.n_components == 4
    assert sampler.get_params()["estimator"] is None  # fit never changes parameters


def test_reproducible_with_random_state(blobs, tiny):
    X, y = blobs
    ae = AutoencoderTransformer(n_components=3, **tiny)
    a = AEAugmenter(ae, random_state=3).fit_resample(X, y)[0]
    b = AEAugmenter(ae, random_state=3).fit_resample(X, y)[0]
    c = AEAugmenter(ae, random_state=4).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[len(X) :], c[len(X) :])
    # the sampler seeds an estimator that has no random_state of its own
    unseeded = AutoencoderTransformer(n_components=3, **{**tiny, "random_state": None})
    d = AEAugmenter(unseeded, random_state=3).fit_resample(X, y)[0]
    e = AEAugmenter(unseeded, random_state=3).fit_resample(X, y)[0]
    np.testing.assert_array_equal(d, e)


def test_prefit_uses_the_estimator_as_is_and_clones_share_it(blobs, blobs_ae):
    X, y = blobs
    sampler = AEAugmenter(blobs_ae, prefit=True, noise_scale=0.3).fit(X, y)
    assert sampler.estimator_ is blobs_ae
    copy = clone(sampler)
    assert copy.estimator is blobs_ae and copy.noise_scale == 0.3
    assert not hasattr(copy, "estimator_")
    model = AugmentedClassifier(LogisticRegression(), augmenter=sampler)
    assert cross_val_score(model, X, y, cv=3).mean() > 0.9
    assert blobs_ae.n_iter_ == 60  # never refitted
    # without prefit a clone holds an unfitted copy
    assert not hasattr(clone(AEAugmenter(blobs_ae)).estimator, "net_")


def test_a_frozen_estimator_survives_cloning_in_cross_validation(blobs, blobs_ae):
    X, y = blobs
    frozen = AEAugmenter(FrozenEstimator(blobs_ae), random_state=0)
    model = AugmentedClassifier(LogisticRegression(), augmenter=frozen)
    assert cross_val_score(model, X, y, cv=3).mean() > 0.9
    assert blobs_ae.n_iter_ == 60  # never refitted
    vae = VAETransformer(n_components=2, hidden_layer_sizes=(8,), max_epochs=5).fit(X)
    sampler = AEAugmenter(FrozenEstimator(vae), strategy="posterior", random_state=0)
    assert Counter(sampler.fit_resample(X, y)[1]) == {0: 120, 1: 120, 2: 120}


def test_pickle_and_clone(blobs, blobs_ae):
    X, y = blobs
    sampler = AEAugmenter(blobs_ae, prefit=True, strategy="noise", random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    loaded = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(loaded.fit_resample(X, y)[0], X_res)
    assert repr(clone(sampler)) == repr(sampler)


def test_in_an_imbalanced_learn_pipeline_resampling_happens_only_in_fit(blobs, blobs_ae):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    X, y = blobs
    pipe = imblearn_pipeline.make_pipeline(
        AEAugmenter(blobs_ae, prefit=True, random_state=0), DummyClassifier(strategy="prior")
    )
    pipe.fit(X, y)
    np.testing.assert_allclose(pipe[-1].class_prior_, [1 / 3] * 3)  # fitted on balanced rows
    assert pipe.predict(X[:7]).shape == (7,)  # predict does not resample
    assert pipe.predict_proba(X).shape == (len(X), 3)


def test_imbalanced_learn_parameter_and_feature_name_checks(tiny):
    checks = pytest.importorskip("imblearn.utils.estimator_checks")
    ae = AutoencoderTransformer(n_components=2, **tiny)
    sampler = AEAugmenter(ae, random_state=0)
    checks.check_param_validation("AEAugmenter", sampler)
    checks.check_dataframe_column_names_consistency("AEAugmenter", sampler)
    model = AugmentedClassifier(LogisticRegression(), augmenter=sampler)
    checks.check_dataframe_column_names_consistency("AugmentedClassifier", model)


# --- bad input --------------------------------------------------------------------------


def test_bad_input(blobs, blobs_ae, penguins_xy, imbalanced_blobs):
    X, y = blobs

    def prefit(**params):
        return AEAugmenter(blobs_ae, prefit=True, **params)

    with pytest.raises(ValueError, match=r"only one class \(0\).*at least 2 classes"):
        prefit().fit_resample(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="y has 10 labels but X has 165 rows"):
        prefit().fit_resample(X, y[:10])
    with pytest.raises(ValueError, match=r"\[7\] target class .* not present"):
        prefit(sampling_strategy={7: 200}).fit_resample(X, y)
    with pytest.raises(ValueError, match="greater or equal to the original number"):
        prefit(sampling_strategy={0: 10}).fit_resample(X, y)
    Xb, yb = imbalanced_blobs(n_major=100, n_minor=40)
    with pytest.raises(ValueError, match="required to remove samples"):
        prefit(sampling_strategy=0.2).fit_resample(Xb, yb)
    with pytest.raises(ValueError, match="float only when the type of target is binary"):
        prefit(sampling_strategy=0.5).fit_resample(X, y)
    with pytest.raises(ValueError, match="strategy='posterior'.*needs a VAETransformer"):
        prefit(strategy="posterior").fit_resample(X, y)
    with pytest.raises(NotFittedError, match="prefit=True but the AutoencoderTransformer"):
        AEAugmenter(AutoencoderTransformer(), prefit=True).fit_resample(X, y)
    with pytest.raises(ValueError, match="prefit=True needs a fitted autoencoder"):
        AEAugmenter(prefit=True).fit_resample(X, y)
    with pytest.raises(ValueError, match="requires y to be passed"):
        prefit().fit_resample(X, None)
    with pytest.raises(ValueError, match="Unknown label type"):
        prefit().fit_resample(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match="Multilabel and multioutput targets"):
        prefit().fit_resample(X, np.ones((len(X), 2), dtype=int))
    with pytest.raises(InvalidParameterError, match="'strategy' parameter"):
        AEAugmenter(strategy="mixup").fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="'augmentation_factor' parameter"):
        AEAugmenter(augmentation_factor=-1).fit_resample(X, y)
    with pytest.raises(ValueError, match="X has 2 features"):  # prefit on other columns
        prefit().fit_resample(X[:, :2], y)
    with pytest.raises(TypeError, match="Sparse data"):
        from scipy import sparse

        prefit().fit_resample(sparse.csr_matrix(X), y)
    Xp, yp = penguins_xy
    with pytest.raises(ValueError, match="y has 344 labels but X has 10 rows"):
        prefit().fit_resample(Xp.iloc[:10], yp)
    with pytest.raises(ValueError, match="requires y to be passed"):
        AugmentedClassifier(LogisticRegression()).fit(X, None)
    with pytest.raises(InvalidParameterError, match="'augmenter' parameter"):
        AugmentedClassifier(LogisticRegression(), augmenter=PCA()).fit(X, y)


def test_default_autoencoder_trains_for_about_a_hundred_steps():
    from sklearn_ganae.augment._augmenter import _default_epochs

    assert _default_epochs(50) == 100  # one batch an epoch, at most 100 epochs
    assert _default_epochs(1_280) == 10  # 10 batches an epoch
    assert _default_epochs(2_000) == 7  # 16 batches: 112 steps
    assert _default_epochs(10**6) == 1  # at least one epoch
    X = np.random.default_rng(0).normal(size=(3_000, 2))
    y = np.r_[np.zeros(2_800), np.ones(200)]
    sampler = AEAugmenter(random_state=0).fit(X, y)
    assert sampler.estimator_.max_epochs == 5  # 24 batches of 128 rows an epoch
    assert len(sampler.estimator_.history_) == 5
