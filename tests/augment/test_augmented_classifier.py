"""AugmentedClassifier: delegation to the fitted classifier, grid search, mixed tables."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.svm import LinearSVC

from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
)


def test_augmented_classifier_delegates_and_tunes_in_grid_search(blobs, tiny):
    X, y = blobs
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.array(["low", "mid", "high"])[y]
    augmenter = AEAugmenter(AutoencoderTransformer(n_components=2, **tiny), random_state=0)
    model = AugmentedClassifier(LogisticRegression(), augmenter=augmenter)
    search = GridSearchCV(
        model,
        {"augmenter__strategy": ["interpolate", "noise"], "estimator__C": [0.1, 10.0]},
        cv=3,
    ).fit(X, labels)
    best = search.best_estimator_
    assert set(search.best_params_) == {"augmenter__strategy", "estimator__C"}
    assert best.score(X, labels) > 0.9
    assert best.classes_.tolist() == ["high", "low", "mid"]
    assert best.n_features_in_ == 4 and best.feature_names_in_.tolist() == list(X.columns)
    assert best.predict_proba(X).shape == (len(X), 3)
    assert best.predict_log_proba(X).shape == (len(X), 3)
    assert best.decision_function(X).shape == (len(X), 3)
    np.testing.assert_array_equal(best.predict(X), best.estimator_.predict(X))
    assert best.augmenter_.sampling_strategy_ == {"high": 105, "mid": 90}
    assert model.get_params()["augmenter"] is augmenter  # untouched by fit
    loaded = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(loaded.predict_proba(X), best.predict_proba(X))
    # methods the wrapped classifier lacks are absent
    svc = AugmentedClassifier(LinearSVC(), augmenter=augmenter)
    assert not hasattr(svc, "predict_proba") and hasattr(svc, "decision_function")
    with pytest.raises(NotFittedError):
        model.predict(X)
    with (
        pytest.warns(UserWarning, match="does not have valid feature names"),
        pytest.raises(ValueError, match="X has 2 features, but AugmentedClassifier"),
    ):
        best.predict(X.to_numpy()[:, :2])


def test_augmented_classifier_on_a_mixed_table(penguins_xy, penguins_ae):
    X, y = penguins_xy
    classifier = pytest.importorskip("sklearn.ensemble").HistGradientBoostingClassifier(
        categorical_features="from_dtype", max_iter=20
    )
    augmenter = AEAugmenter(penguins_ae, prefit=True, random_state=0)
    model = AugmentedClassifier(classifier, augmenter=augmenter).fit(X, y)
    assert model.score(X, y) > 0.9
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.rename(columns={"island": "isle"}))


def test_any_classifier_works_on_a_mixed_table_with_the_auto_preprocessor(
    penguins_xy, penguins_ae, tmp_path
):
    X, y = penguins_xy  # strings, categories and missing values
    X_before = X.copy()
    augmenter = AEAugmenter(penguins_ae, prefit=True, random_state=0)
    # without a preprocessor a LogisticRegression gets strings: its own error, with a
    # note that names the columns and the fix
    with pytest.raises(ValueError, match="Cannot cast|could not convert") as caught:
        AugmentedClassifier(LogisticRegression(), augmenter=augmenter).fit(X, y)
    note = "\n".join(getattr(caught.value, "__notes__", []))
    assert "columns island, sex are not numbers" in note and "preprocessor='auto'" in note
    # another error of the classifier on the same rows comes through unchanged
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.utils._param_validation import InvalidParameterError

    bad = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=-3)
    with pytest.raises(InvalidParameterError, match="max_iter") as caught:
        AugmentedClassifier(bad, augmenter=augmenter).fit(X, y)
    assert not getattr(caught.value, "__notes__", [])
    model = AugmentedClassifier(
        LogisticRegression(max_iter=1000), augmenter=augmenter, preprocessor="auto"
    ).fit(X, y)
    pd.testing.assert_frame_equal(X, X_before)
    assert model.score(X, y) > 0.9
    assert model.predict_proba(X.iloc[:5]).shape == (5, 3)
    # the classifier was fitted on the encoded augmented rows, more than the input's
    assert model.estimator_.n_features_in_ == model.preprocessor_.transform(X.iloc[:1]).shape[1]
    assert model.preprocessor_.n_features_in_ == X.shape[1]
    # the same rows through a pipeline of the fitted parts
    encoded = model.preprocessor_.transform(X)
    np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(encoded))
    # a transformer of the user's: cloned, fitted on the augmented rows
    from sklearn_ganae import TabularEncoder

    mine = TabularEncoder(continuous_transform="quantile")
    custom = AugmentedClassifier(
        LogisticRegression(max_iter=1000), augmenter=augmenter, preprocessor=mine
    ).fit(X, y)
    assert custom.preprocessor_ is not mine and not hasattr(mine, "layout_")
    assert custom.score(X, y) > 0.9
    # saved and loaded with its preprocessor
    from sklearn_ganae import load, save

    path = save(model, tmp_path / "model.ganae")
    np.testing.assert_array_equal(load(path).predict_proba(X), model.predict_proba(X))


def test_an_error_of_the_classifier_on_numeric_rows_is_its_own(blobs, tiny):
    X, y = blobs
    augmenter = AEAugmenter(AutoencoderTransformer(n_components=2, **tiny), random_state=0)
    model = AugmentedClassifier(LogisticRegression(C=-1.0), augmenter=augmenter)
    with pytest.raises(ValueError, match="'C' parameter of LogisticRegression"):
        model.fit(X, y)


def test_a_pickle_from_before_the_preprocessor_gives_the_rows_as_they_are(blobs, tiny):
    X, y = blobs
    augmenter = AEAugmenter(AutoencoderTransformer(n_components=2, **tiny), random_state=0)
    model = AugmentedClassifier(LogisticRegression(), augmenter=augmenter).fit(X, y)
    state = model.__getstate__()
    del state["preprocessor"], state["preprocessor_"]  # as a model of an older version
    old = AugmentedClassifier.__new__(AugmentedClassifier)
    old.__setstate__(state)
    assert old.get_params()["preprocessor"] is None
    np.testing.assert_array_equal(old.predict(X), model.predict(X))
    assert repr(old) == repr(model)


def test_prior_correction_gives_probabilities_for_the_real_class_shares(tiny):
    from sklearn.datasets import make_classification
    from sklearn.metrics import log_loss, roc_auc_score

    X, y = make_classification(
        n_samples=3000, n_features=6, weights=[0.9], flip_y=0.05, class_sep=0.6, random_state=0
    )
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    augmenter = AEAugmenter(AutoencoderTransformer(n_components=4, **tiny), random_state=0)
    plain = AugmentedClassifier(LogisticRegression(), augmenter=augmenter).fit(X_train, y_train)
    fixed = AugmentedClassifier(
        LogisticRegression(), augmenter=augmenter, prior_correction=True
    ).fit(X_train, y_train)
    share = np.bincount(y_train) / len(y_train)
    np.testing.assert_allclose(fixed.prior_ratio_, share / 0.5)  # balanced: 1/2 each
    p, q = plain.predict_proba(X_test), fixed.predict_proba(X_test)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        q, p * fixed.prior_ratio_ / (p * fixed.prior_ratio_).sum(1)[:, None]
    )
    np.testing.assert_allclose(fixed.predict_log_proba(X_test), np.log(q))
    # the balanced decision and the ranking are kept ...
    np.testing.assert_array_equal(fixed.predict(X_test), plain.predict(X_test))
    np.testing.assert_array_equal(fixed.decision_function(X_test), plain.decision_function(X_test))
    assert roc_auc_score(y_test, q[:, 1]) == pytest.approx(roc_auc_score(y_test, p[:, 1]))
    # ... and the probabilities follow the real shares: the minority's mean probability
    # falls from about a half towards its share, and the log loss with it
    assert p[:, 1].mean() > 0.3 and q[:, 1].mean() < 0.2
    assert log_loss(y_test, q) < log_loss(y_test, p) - 0.05
    with pytest.raises(ValueError, match="prior_correction"):
        AugmentedClassifier(LogisticRegression(), prior_correction="yes").fit(X_train, y_train)
