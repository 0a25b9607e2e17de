"""Alpha-precision, beta-recall and authenticity (:mod:`sklearn_ganae.metrics._support`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklearn_ganae.metrics import alpha_precision_beta_recall


@pytest.fixture
def real():
    return np.random.RandomState(0).normal(size=(600, 3))


def test_faithful_rows_beat_narrow_wide_and_shifted_rows(real):
    rng = np.random.RandomState(1)
    faithful = alpha_precision_beta_recall(real, rng.normal(size=(600, 3)))
    narrow = alpha_precision_beta_recall(real, 0.3 * rng.normal(size=(600, 3)))
    wide = alpha_precision_beta_recall(real, 3.0 * rng.normal(size=(600, 3)))
    shifted = alpha_precision_beta_recall(real, rng.normal(loc=4.0, size=(600, 3)))
    assert faithful["alpha_precision"] > 0.85
    for bad in (narrow, wide, shifted):
        assert bad["alpha_precision"] < faithful["alpha_precision"] - 0.5
        assert bad["beta_recall"] < faithful["beta_recall"] - 0.15
    # far rows are new rows; fresh rows of the same source are about half new
    assert shifted["authenticity"] > 0.9
    assert 0.25 < faithful["authenticity"] < 0.65


def test_copies_have_full_recall_and_no_authenticity(real):
    copies = alpha_precision_beta_recall(real, real[::-1].copy())
    assert copies["alpha_precision"] > 0.95
    assert copies["beta_recall"] > 0.95
    assert copies["authenticity"] == 0.0


def test_half_copied_rows_halve_authenticity(real):
    rng = np.random.RandomState(2)
    fresh = alpha_precision_beta_recall(real, rng.normal(size=(600, 3)))
    half = np.concatenate([real[:300], rng.normal(size=(300, 3))])
    mixed = alpha_precision_beta_recall(real, half)
    assert mixed["authenticity"] < 0.75 * fresh["authenticity"]
    assert mixed["beta_recall"] > fresh["beta_recall"]


def test_curves_on_the_grid(real):
    out = alpha_precision_beta_recall(real, real + 0.1, n_alphas=11)
    assert np.allclose(out["alphas"], np.linspace(0, 1, 11))
    for key in ("alpha_precision_curve", "beta_recall_curve"):
        curve = out[key]
        assert curve.shape == (11,)
        assert np.all(np.diff(curve) >= 0) and 0 <= curve[0] and curve[-1] <= 1
    # the summary is 1 - 2 x the area to the diagonal on that grid
    step = 0.1
    area = np.sum(np.abs(out["alphas"] - out["alpha_precision_curve"])) * step
    assert out["alpha_precision"] == pytest.approx(1 - 2 * area)


def test_mixed_tables_with_missing_values_and_identifiers():
    def table(n, shift=0.0, seed=0):
        r = np.random.RandomState(seed)
        x = r.normal(loc=shift, size=n)
        x[r.rand(n) < 0.1] = np.nan
        return pd.DataFrame(
            {
                "id": [f"c{seed}-{i}" for i in range(n)],
                "x": x,
                "group": pd.Categorical(r.choice(["a", "b", "c"], size=n)),
            }
        )

    real = table(400, seed=1)
    before = real.copy()
    close = alpha_precision_beta_recall(real, table(400, seed=2), random_state=0)
    far = alpha_precision_beta_recall(real, table(400, shift=5.0, seed=3), random_state=0)
    assert close["alpha_precision"] > far["alpha_precision"] + 0.5
    pd.testing.assert_frame_equal(real, before)  # the input is left alone


def test_subsampling_is_seeded(real):
    synth = np.random.RandomState(3).normal(size=(900, 3))
    a = alpha_precision_beta_recall(real, synth, max_samples=200, random_state=0)
    b = alpha_precision_beta_recall(real, synth, max_samples=200, random_state=0)
    c = alpha_precision_beta_recall(real, synth, max_samples=200, random_state=1)
    assert a["beta_recall"] == b["beta_recall"]
    assert (a["alpha_precision"], a["beta_recall"]) != (c["alpha_precision"], c["beta_recall"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_alphas": 1}, "n_alphas"),
        ({"n_alphas": 2.5}, "n_alphas"),
        ({"max_samples": 1}, "max_samples"),
    ],
)
def test_bad_parameters(real, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        alpha_precision_beta_recall(real, real, **kwargs)


def test_one_row_is_refused(real):
    with pytest.raises(ValueError, match="at least 2 synthetic rows"):
        alpha_precision_beta_recall(real, real[:1])
    with pytest.raises(ValueError, match="at least 2 real rows"):
        alpha_precision_beta_recall(real[:1], real)
