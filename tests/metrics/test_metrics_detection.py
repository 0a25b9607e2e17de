"""Detection of synthetic rows (:mod:`sklearn_ganae.metrics._detection`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from sklearn_ganae.metrics import detection_importances, detection_score
from sklearn_ganae.metrics._detection import detection_auc
from sklearn_ganae.metrics._tables import encode, prepare, row_ids

# ----------------------------------------------------------------------------------
# detection
# ----------------------------------------------------------------------------------


def test_detection_separates_different_tables_and_not_similar_ones(mixed_frame):
    real = mixed_frame(300, 0)
    shifted = real.assign(x=real["x"] + 3.0)
    assert detection_score(real, shifted, random_state=0) > 0.95
    # an independent sample of the same distribution: the default classifier's AUC
    # stays near 0.5 (its cross-validated AUC on 2 x 300 rows has a spread of ~0.03)
    fresh = mixed_frame(300, 1)
    assert abs(detection_score(real, fresh, random_state=0) - 0.5) < 0.1


def test_detection_custom_estimator_reproducible_and_subsampled(mixed_frame):
    real, synthetic = mixed_frame(200, 0), mixed_frame(200, 1)
    clf = LogisticRegression(max_iter=500)
    a = detection_score(real, synthetic, estimator=clf, random_state=3, max_samples=100)
    b = detection_score(real, synthetic, estimator=clf, random_state=3, max_samples=100)
    assert a == b
    assert 0.0 <= a <= 1.0
    assert not hasattr(clf, "coef_")  # cloned, not fitted in place


def test_detection_needs_two_distinct_rows():
    real = pd.DataFrame({"x": [1.0, 1.0, 1.0]})
    with pytest.raises(ValueError, match="at least 2 distinct rows"):
        detection_score(real, pd.DataFrame({"x": [1.0, 2.0]}))


# ----------------------------------------------------------------------------------
# detection on numeric matrices (the function the GAN's early stopping calls)
# ----------------------------------------------------------------------------------


def test_detection_auc_near_half_for_one_distribution_near_one_for_two():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(1000, 4))
    same = rng.normal(size=(1000, 4))  # no signal at all: an independent sample
    far = rng.normal(loc=3.0, size=(1000, 4))
    assert abs(detection_auc(real, same, random_state=0) - 0.5) < 0.1
    assert detection_auc(real, far, random_state=0) > 0.99
    # a RandomState instance works as the GAN passes it, and a seed reproduces
    a = detection_auc(real, same, cv=3, random_state=np.random.RandomState(1))
    assert a == detection_auc(real, same, cv=3, random_state=np.random.RandomState(1))


def test_detection_auc_keeps_equal_rows_in_one_fold():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(200, 3))
    copies = real[rng.permutation(len(real))]
    memoriser = KNeighborsClassifier(n_neighbors=1)
    # equal rows are a group by default: each test fold holds a row and its copy, which
    # the classifier cannot tell apart
    assert detection_auc(real, copies, estimator=memoriser, random_state=0) == 0.5
    # split apart, a memorising classifier takes each row for its copy of the other class
    rows = np.arange(2 * len(real))
    split = detection_auc(real, copies, estimator=memoriser, groups=rows, random_state=0)
    assert split < 0.3  # about 0.1: the rows whose copy shares their test fold score 0.5
    assert not hasattr(memoriser, "classes_")  # cloned, not fitted in place


def test_detection_score_is_detection_auc_on_the_encoded_tables(mixed_frame):
    real, synthetic = mixed_frame(300, 0), mixed_frame(250, 1)
    data = prepare({"real": real, "synthetic": synthetic})
    encoded = encode(data, ["real", "synthetic"], fit_role="real")
    ids = row_ids(data, ["real", "synthetic"])
    groups = np.concatenate([ids["real"], ids["synthetic"]])
    expected = detection_score(real, synthetic, random_state=0)
    auc = detection_auc(
        encoded["real"], encoded["synthetic"], groups=groups, random_state=np.random.RandomState(0)
    )
    assert auc == expected
    clf = LogisticRegression(max_iter=500)
    expected = detection_score(real, synthetic, estimator=clf, cv=3, random_state=2)
    auc = detection_auc(
        encoded["real"], encoded["synthetic"], estimator=clf, cv=3, groups=groups, random_state=2
    )
    assert auc == expected


def test_detection_auc_bad_input():
    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="real has 3 columns but fake has 2"):
        detection_auc(X, X[:, :2])
    with pytest.raises(ValueError, match="cv must be an integer >= 2"):
        detection_auc(X, X, cv=1)
    with pytest.raises(ValueError, match=r"groups must hold one label per row .* \(40\)"):
        detection_auc(X, X, groups=np.arange(20))
    with pytest.raises(ValueError, match="got 1 distinct real and 20 distinct fake rows"):
        detection_auc(np.ones((5, 3)), X)
    with pytest.raises(ValueError, match="Expected 2D array"):
        detection_auc(X[:, 0], X)


# --- detection_importances --------------------------------------------------------------
def _shifted(n=400, seed=0):
    rng = np.random.RandomState(seed)
    real = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["x", "y", "z"], n),
            "d": np.where(rng.rand(n) < 0.1, np.nan, rng.normal(size=n)),
        }
    )
    fake = real.copy()
    fake["a"] = rng.normal(size=n)  # the same distribution, fresh draws
    fake["b"] = rng.normal(4.0, size=n)  # shifted: gives the rows away
    return real, fake


def test_detection_importances_point_at_the_column_that_differs():
    real, fake = _shifted()
    out = detection_importances(real, fake, random_state=0)
    assert out["column"].tolist()[0] == "b"
    assert sorted(out["column"]) == ["a", "b", "c", "d"]
    assert list(out.columns) == ["column", "importance", "std"]
    assert out["importance"].is_monotonic_decreasing
    top, rest = out["importance"].iloc[0], out["importance"].iloc[1:]
    assert top > 0.3 and (rest.abs() < 0.1).all()
    assert out.attrs["auc"] > 0.95
    again = detection_importances(real, fake, random_state=0)
    pd.testing.assert_frame_equal(out, again)


def test_detection_importances_of_one_categorical_block():
    real, fake = _shifted()
    fake["b"] = real["b"]
    rng = np.random.RandomState(1)
    fake["c"] = rng.choice(["x", "y", "z"], len(fake), p=[0.9, 0.05, 0.05])
    out = detection_importances(real, fake, random_state=0)
    assert out["column"].iloc[0] == "c"  # its one-hot block is shuffled as one


def test_detection_importances_bad_input():
    real, fake = _shifted()
    with pytest.raises(ValueError, match="n_repeats"):
        detection_importances(real, fake, n_repeats=0)
    with pytest.raises(ValueError, match="cv"):
        detection_importances(real, fake, cv=1)
    with pytest.raises(ValueError, match="at least 2 distinct rows"):
        detection_importances(real.head(1), fake.head(1))
