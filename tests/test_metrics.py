"""Tests of synthetic-data evaluation (:mod:`sklearn_ganae.metrics`, plotting, CLI)."""

from __future__ import annotations

import copy
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import sparse, stats
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from threadpoolctl import threadpool_limits

from sklearn_ganae.__main__ import main
from sklearn_ganae.datasets import load_penguins
from sklearn_ganae.metrics import (
    QualityReport,
    _ks_statistic,
    column_pair_trends,
    column_shapes,
    detection_score,
    make_quality_scorer,
    ml_efficacy,
    privacy_scores,
    quality_report,
)


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP/BLAS thread, as torch in conftest: HistGradientBoosting with two
    threads on a busy two-core machine spends most of its time waiting."""
    with threadpool_limits(limits=1):
        yield


# ----------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------


def mixed_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Correlated continuous, integer, categorical, boolean and text columns with NaN."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=n)
    y = 2.0 * x + rng.normal(scale=0.3, size=n)
    size = np.round(5 + 2 * x + rng.normal(scale=0.5, size=n)).astype(np.int64)
    group = np.where(x > 0.5, "high", np.where(x < -0.5, "low", "mid"))
    flag = y > 0
    text = rng.choice(["p", "q", "r"], size=n).astype(object)
    text[rng.rand(n) < 0.1] = None
    w = rng.exponential(size=n)
    w[rng.rand(n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "y": y,
            "size": size,
            "group": pd.Categorical(group, categories=["low", "mid", "high"]),
            "flag": flag,
            "text": pd.Series(text, dtype="str"),
            "w": w,
        }
    )


def shuffled_columns(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Each column permuted independently: marginals kept, dependence destroyed."""
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {c: df[c].iloc[rng.permutation(len(df))].reset_index(drop=True) for c in df.columns}
    )


def noisy_resample(df: pd.DataFrame, seed: int, noise: float = 0.1, flip: float = 0.1):
    """A stand-in for a decent generator: bootstrap rows, jitter numbers, flip categories.

    Integer columns stay integers (as the package's generators decode them).
    """
    rng = np.random.RandomState(seed)
    out = df.sample(len(df), replace=True, random_state=seed).reset_index(drop=True)
    for c in out.columns:
        dtype = out[c].dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            v = out[c].to_numpy(dtype=np.float64, na_value=np.nan)
            v = v + rng.normal(scale=noise * np.nanstd(v), size=len(v))
            if pd.api.types.is_integer_dtype(dtype):
                v = np.round(v)
                out[c] = pd.Series(v).astype("Int64" if np.isnan(v).any() else dtype)
            else:
                out[c] = v
        else:
            values = out[c].to_numpy(dtype=object)
            flip_rows = rng.rand(len(values)) < flip
            values[flip_rows] = rng.choice(df[c].dropna().unique(), size=flip_rows.sum())
            out[c] = pd.Series(values).astype(dtype)
    return out


def real_table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A table as exported from a database: identifiers, dates, a wide category, NaN.

    ``row`` (1..n) and ``email`` are identifiers; ``day`` (ISO strings), ``stamp``
    (tz-aware) and ``wait`` (timedeltas) are dates; ``city`` has 150 levels (n >= 200):
    50 frequent ones (seen 6 times when n=400) and 100 seen once (``r000``..``r099``,
    rare); ``group`` has the rare level ``"rare"`` (seen twice) and missing values.
    """
    rng = np.random.RandomState(seed)
    x = rng.normal(size=n)
    x[rng.rand(n) < 0.05] = np.nan
    start = pd.Timestamp("2021-01-01")
    day = (start + pd.to_timedelta(rng.randint(0, 365, n), unit="D")).strftime("%Y-%m-%d")
    day = day.to_numpy(dtype=object)
    day[rng.rand(n) < 0.05] = None
    paris = pd.Timestamp("2022-03-01", tz="Europe/Paris")
    stamp = pd.Series(paris + pd.to_timedelta(rng.randint(0, 10**6, n), unit="min"))
    stamp[rng.rand(n) < 0.05] = pd.NaT
    wait = pd.Series(pd.to_timedelta(rng.exponential(30, n).round(), unit="min"))
    frequent = [f"c{k:03d}" for k in range(50)]
    city = np.array((frequent * n)[: n - 100] + [f"r{k:03d}" for k in range(100)], dtype=object)
    group = ["a"] * (n - 250) + ["b"] * 120 + ["c"] * 118 + ["rare"] * 2 + [None] * 10
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "email": [f"user{k}@example.com" for k in rng.permutation(n)],
            "day": day,
            "stamp": stamp,
            "wait": wait,
            "city": city[rng.permutation(n)],
            "x": x,
            "y": 2 * np.nan_to_num(x) + rng.normal(scale=0.5, size=n),
            "items": rng.poisson(3, n),
            "group": np.array(group, dtype=object)[rng.permutation(n)],
        }
    )


def clean_synthetic(real: pd.DataFrame, n: int = 100, seed: int = 1) -> pd.DataFrame:
    """Real rows without rare values, with fresh identifiers (as a private generator)."""
    counts = {c: real[c].value_counts() for c in ("city", "group")}
    frequent = np.ones(len(real), dtype=bool)
    for c, vc in counts.items():
        frequent &= ~real[c].isin(vc.index[vc < 5]).to_numpy()
    out = real[frequent].sample(n, random_state=seed).reset_index(drop=True)
    out["row"] = np.arange(1001, 1001 + n)
    out["email"] = [f"new{k}@example.org" for k in range(n)]
    return out


class NoisyBootstrap(BaseEstimator):
    """A fake generator: bootstrap the fitted rows, add ``noise`` x std to numbers."""

    def __init__(self, noise=0.0):
        self.noise = noise

    def fit(self, X, y=None):
        self.X_ = pd.DataFrame(X).reset_index(drop=True)
        return self

    def sample(self, n_samples, *, random_state=None):
        rng = np.random.RandomState(random_state)
        out = self.X_.iloc[rng.randint(len(self.X_), size=n_samples)].reset_index(drop=True)
        for c in out.columns:
            if pd.api.types.is_float_dtype(out[c].dtype):
                out[c] = out[c] + self.noise * out[c].std() * rng.normal(size=n_samples)
        return out


# ----------------------------------------------------------------------------------
# column shapes
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_ks_statistic_matches_scipy(seed):
    rng = np.random.RandomState(seed)
    a = np.round(rng.normal(size=rng.randint(1, 60)), 1)  # ties included
    b = np.round(rng.normal(0.3, size=rng.randint(1, 60)), 1)
    assert _ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_column_shapes_known_values_and_kinds():
    real = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0, 4.0],
            "n": [1, 1, 2, 2],
            "c": pd.Categorical(["a", "a", "b", None]),
            "b": [True, True, False, False],
            "s": pd.Series(["u", "v", "u", "v"], dtype="str"),
        }
    )
    synthetic = pd.DataFrame(
        {
            "x": [1.5, 2.0, 3.0, 9.0],
            "n": [1, 2, 2, 2],
            "c": pd.Categorical(["a", "b", "b", None]),
            "b": [True, False, False, False],
            "s": pd.Series(["u", "u", "u", "u"], dtype="str"),
        }
    )
    shapes = column_shapes(real, synthetic)
    assert list(shapes.columns) == [
        "column",
        "kind",
        "metric",
        "score",
        "missing_real",
        "missing_synthetic",
    ]
    assert shapes["kind"].tolist() == [
        "continuous",
        "continuous",
        "categorical",
        "categorical",
        "categorical",
    ]
    assert shapes["metric"].tolist()[:3] == ["KSComplement", "KSComplement", "TVComplement"]
    expected = [
        1 - stats.ks_2samp(real["x"], synthetic["x"]).statistic,
        1 - stats.ks_2samp(real["n"], synthetic["n"]).statistic,
        0.75,  # a: 1/2 vs 1/4, b: 1/4 vs 1/2, NaN: 1/4 vs 1/4
        0.75,
        0.5,
    ]
    assert_allclose(shapes["score"], expected)
    assert shapes["missing_real"].tolist() == [0.0, 0.0, 0.25, 0.0, 0.0]


def test_column_shapes_missing_values_are_a_category():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"c": ["a", None, "b", None]})
    assert column_shapes(real, synthetic)["score"].iloc[0] == pytest.approx(0.5)
    # a continuous column's missing rate is reported beside the score, not in it
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    synthetic = pd.DataFrame({"x": [1.0, np.nan, 3.0, np.nan]})
    shapes = column_shapes(real, synthetic)
    assert shapes["missing_synthetic"].iloc[0] == 0.5
    assert shapes["score"].iloc[0] == pytest.approx(1 - stats.ks_2samp([1, 2, 3, 4], [1, 3])[0])


def test_categorical_features_override_and_datetimes():
    real = pd.DataFrame({"code": [1, 2, 3, 1], "t": pd.date_range("2024-01-01", periods=4)})
    synthetic = pd.DataFrame({"code": [1, 1, 1, 1], "t": pd.date_range("2024-01-02", periods=4)})
    shapes = column_shapes(real, synthetic, categorical_features=["code"])
    assert shapes["metric"].tolist() == ["TVComplement", "KSComplement"]
    assert shapes["score"].tolist() == pytest.approx([0.5, 0.75])


# ----------------------------------------------------------------------------------
# column pair trends
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("correlation", ["pearson", "spearman"])
def test_pair_trends_correlation_matches_scipy(correlation):
    real, synthetic = mixed_frame(200, 0), mixed_frame(150, 1)
    synthetic.loc[:20, "w"] = np.nan  # pairwise complete rows only
    pairs = column_pair_trends(real, synthetic, correlation=correlation).set_index(
        ["column_1", "column_2"]
    )
    func = stats.pearsonr if correlation == "pearson" else stats.spearmanr
    for a, b in [("x", "y"), ("x", "w"), ("size", "w")]:
        ra = func(*real[[a, b]].astype(float).dropna().to_numpy().T)[0]
        rs = func(*synthetic[[a, b]].astype(float).dropna().to_numpy().T)[0]
        row = pairs.loc[(a, b)]
        assert row["metric"] == "correlation"
        assert row["real_correlation"] == pytest.approx(ra)
        assert row["synthetic_correlation"] == pytest.approx(rs)
        assert row["score"] == pytest.approx(1 - abs(ra - rs) / 2)


def _contingency_reference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """1 - TVD of the joint frequencies, with pandas (NaN as a value)."""
    pa = a.astype(str).value_counts(normalize=True, dropna=False)
    pb = b.astype(str).value_counts(normalize=True, dropna=False)
    pa, pb = pa.align(pb, fill_value=0.0)
    return 1 - 0.5 * float((pa - pb).abs().sum())


def test_pair_trends_contingency_matches_pandas_reference():
    real, synthetic = mixed_frame(200, 0), mixed_frame(150, 1)
    pairs = column_pair_trends(real, synthetic).set_index(["column_1", "column_2"])
    for a, b in [("group", "flag"), ("group", "text"), ("flag", "text")]:
        expected = _contingency_reference(real[[a, b]], synthetic[[a, b]])
        assert pairs.loc[(a, b), "score"] == pytest.approx(expected)
        assert pairs.loc[(a, b), "metric"] == "contingency"
    # mixed pair: the continuous column cut into 10 equal-width bins of the *real* range
    # in both tables, the outer bins open (np.digitize on edges with -inf and inf ends,
    # as SDMetrics' discretize_column); NaN a bin of its own
    edges = np.histogram_bin_edges(real["w"].dropna(), bins=10)
    edges[0], edges[-1] = -np.inf, np.inf

    def binned(s):
        codes = np.digitize(s.to_numpy(), edges).astype(object)
        codes[s.isna().to_numpy()] = "nan"
        return pd.Series(codes)

    synthetic = synthetic.assign(w=1.5 * synthetic["w"])  # some values beyond the range
    assert synthetic["w"].max() > real["w"].max()
    pairs = column_pair_trends(real, synthetic).set_index(["column_1", "column_2"])
    a = pd.DataFrame({"w": binned(real["w"]), "group": real["group"]})
    b = pd.DataFrame({"w": binned(synthetic["w"]), "group": synthetic["group"]})
    assert pairs.loc[("group", "w"), "score"] == pytest.approx(_contingency_reference(b, a))


def test_pair_trends_constant_columns():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "k": [5.0] * 4, "y": [1.0, 3.0, 2.0, 4.0]})
    synthetic = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0, 4.0], "k": [1.0, 2.0, 3.0, 4.0], "y": [2.0] * 4}
    )
    pairs = column_pair_trends(real, synthetic).set_index(["column_1", "column_2"])
    # undefined in the real data: no score
    assert np.isnan(pairs.loc[("x", "k"), "score"])
    # constant synthetic column: uncorrelated (0), not undefined
    r = stats.pearsonr(real["x"], real["y"])[0]
    assert pairs.loc[("x", "y"), "score"] == pytest.approx(1 - abs(r) / 2)


def test_shuffled_columns_keep_shapes_lose_pair_trends():
    real = mixed_frame(400, 0)
    synthetic = shuffled_columns(real, seed=1)
    shapes = column_shapes(real, synthetic)
    assert_allclose(shapes["score"], 1.0)
    pairs = column_pair_trends(real, synthetic).set_index(["column_1", "column_2"])
    identical = column_pair_trends(real, real)["score"]
    assert_allclose(identical, 1.0)
    # the strongly dependent pairs lose most of their score
    assert pairs.loc[("x", "y"), "score"] < 0.6  # corr ~0.99 -> ~0
    assert pairs.loc[("x", "group"), "score"] < 0.8
    assert pairs["score"].mean() < identical.mean() - 0.1
    report = quality_report(real, synthetic, detection=False)
    assert report.column_shapes_score == pytest.approx(1.0)
    assert report.column_pair_trends_score < 0.9


def test_identical_data_scores_perfectly():
    df = mixed_frame(300, 0)
    permuted = df.sample(frac=1.0, random_state=0)  # same rows, other order and index
    report = quality_report(df, permuted, random_state=0)
    assert report.overall_score == pytest.approx(1.0)
    assert report.column_shapes_score == pytest.approx(1.0)
    assert report.column_pair_trends_score == pytest.approx(1.0)
    # identical multisets of rows in every test fold: the AUC is exactly 0.5
    assert report.detection["auc"] == pytest.approx(0.5, abs=1e-9)
    assert report.detection["score"] == pytest.approx(1.0)


# ----------------------------------------------------------------------------------
# detection
# ----------------------------------------------------------------------------------


def test_detection_separates_different_tables_and_not_similar_ones():
    real = mixed_frame(300, 0)
    shifted = real.assign(x=real["x"] + 3.0)
    assert detection_score(real, shifted, random_state=0) > 0.95
    # an independent sample of the same distribution: the default classifier's AUC
    # stays near 0.5 (its cross-validated AUC on 2 x 300 rows has a spread of ~0.03)
    fresh = mixed_frame(300, 1)
    assert abs(detection_score(real, fresh, random_state=0) - 0.5) < 0.1


def test_detection_custom_estimator_reproducible_and_subsampled():
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
# ML efficacy
# ----------------------------------------------------------------------------------


def test_ml_efficacy_synthetic_equal_to_real_matches_real():
    df = mixed_frame(500, 0)
    train, test = df.iloc[:350], df.iloc[350:]
    out = ml_efficacy(train, train, test, target="group", random_state=0)
    assert out["task"] == "classification" and out["scoring"] == "f1_macro"
    assert out["real"] > 0.8  # a strong signal: group is a function of x
    assert out["synthetic"] == pytest.approx(out["real"], abs=1e-12)
    assert out["relative"] == pytest.approx(1.0)
    reg = ml_efficacy(train, train, test, target="y", random_state=0)
    assert reg["task"] == "regression" and reg["scoring"] == "r2"
    assert reg["real"] > 0.8
    assert reg["synthetic"] == pytest.approx(reg["real"], abs=0.02)


def test_ml_efficacy_useless_synthetic_scores_lower():
    df = mixed_frame(500, 0)
    train, test = df.iloc[:350], df.iloc[350:]
    out = ml_efficacy(train, shuffled_columns(train), test, target="y", random_state=0)
    assert out["synthetic"] < out["real"] - 0.5
    assert out["difference"] == pytest.approx(out["synthetic"] - out["real"])


def test_ml_efficacy_single_class_and_task_choice():
    df = mixed_frame(300, 0)
    train, test = df.iloc[:200], df.iloc[200:]
    one_class = train.assign(flag=True)
    out = ml_efficacy(train, one_class, test, target="flag", random_state=0)
    assert out["synthetic"] < out["real"]
    # a numeric target with a few integer values is a classification
    small = df.assign(size=np.clip(df["size"], 3, 7))
    out = ml_efficacy(small.iloc[:200], small.iloc[:200], small.iloc[200:], target="size")
    assert out["task"] == "classification"
    out = ml_efficacy(train, train, test, target="size", task="regression", scoring="r2")
    assert out["task"] == "regression"


# ----------------------------------------------------------------------------------
# privacy
# ----------------------------------------------------------------------------------


def test_privacy_flags_a_copied_training_set():
    df = mixed_frame(400, 0)
    train, holdout = df.iloc[:300], df.iloc[300:]
    copied = privacy_scores(train, train.sample(frac=1.0, random_state=0), holdout)
    assert copied["exact_copies"] == 1.0
    assert copied["exact_copies_holdout"] == 0.0
    assert copied["dcr_synthetic_median"] == 0.0
    assert copied["dcr_median_ratio"] == pytest.approx(0.0, abs=1e-9)
    assert copied["dcr_p5_ratio"] == pytest.approx(0.0, abs=1e-9)
    assert copied["nndr_ratio"] == pytest.approx(0.0, abs=1e-9)
    # an honest generator (fresh rows of the same source) looks like the holdout
    fresh = privacy_scores(train, mixed_frame(300, 7), holdout, random_state=0)
    assert fresh["exact_copies"] == 0.0
    assert 0.7 < fresh["dcr_median_ratio"] < 1.4
    assert 0.7 < fresh["nndr_ratio"] < 1.4


def test_privacy_exact_copies_need_exact_values_and_nan_matches_nan():
    train = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": ["a", None, "b"]})
    synthetic = pd.DataFrame({"x": [np.nan, 3.0 + 1e-9, 1.0], "c": [None, "b", "b"]})
    holdout = pd.DataFrame({"x": [2.0, 5.0], "c": ["a", "b"]})
    out = privacy_scores(train, synthetic, holdout)
    assert out["exact_copies"] == pytest.approx(1 / 3)  # the (NaN, NaN) row only


def test_privacy_subsamples_queries_not_the_training_rows():
    df = mixed_frame(600, 0)
    train, holdout = df.iloc[:500], df.iloc[500:]
    out = privacy_scores(train, train, holdout, max_samples=50, random_state=0)
    assert out["dcr_synthetic_median"] == 0.0  # every copy still finds its twin


# ----------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------


def test_quality_report_contents_and_summary():
    df = load_penguins()
    train, holdout = df.iloc[::2], df.iloc[1::2]
    synthetic = noisy_resample(train, seed=0)
    report = quality_report(train, synthetic, holdout=holdout, target="species", random_state=0)
    assert isinstance(report, QualityReport)
    assert report.column_shapes.shape == (7, 6)
    assert report.column_pairs.shape == (21, 6)
    assert 0.7 < report.overall_score < 1.0
    assert report.overall_score == pytest.approx(
        (report.column_shapes_score + report.column_pair_trends_score) / 2
    )
    assert set(report.detection) == {"auc", "score"}
    assert report.privacy["exact_copies"] < 0.5
    assert report.efficacy["target"] == "species"
    assert report.n_rows == {"real": 172, "synthetic": 172, "holdout": 172}
    assert set(report.timings) >= {"column_shapes", "detection", "privacy", "ml_efficacy"}
    scores = report.scores
    assert scores["overall"] == report.overall_score
    assert "privacy_dcr_median_ratio" in scores and "efficacy_relative" in scores
    text = str(report)
    assert text == report.summary()
    for needle in [
        "Overall quality",
        "Column shapes",
        "Column pair trends",
        "Detection ROC AUC",
        "DCR median ratio",
        "NNDR",
        "Exact copies",
        "ML efficacy (target 'species'",
        "Lowest column shapes",
        "[0, 1]",
        "0.5",
    ]:
        assert needle in text, needle
    assert repr(report).startswith("QualityReport(overall_score=")


def test_quality_report_on_arrays():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    report = quality_report(X, X[::-1].copy(), detection=False)
    assert report.column_shapes["column"].tolist() == ["x0", "x1", "x2"]
    assert report.overall_score == pytest.approx(1.0)
    # an array takes the DataFrame's names when the widths agree
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    assert column_shapes(frame, X)["column"].tolist() == ["a", "b", "c"]


def test_single_column_report_has_no_pairs():
    report = quality_report(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), [[1.0], [2.0]], detection=False)
    assert report.column_pairs.empty
    assert np.isnan(report.column_pair_trends_score)
    assert report.overall_score == report.column_shapes_score


def test_inputs_are_never_modified():
    df = mixed_frame(200, 0)
    real, holdout = df.iloc[:120], df.iloc[120:]
    synthetic = noisy_resample(real, 1)
    before = [copy.deepcopy(t) for t in (real, synthetic, holdout)]
    quality_report(real, synthetic, holdout=holdout, target="group", random_state=0)
    column_pair_trends(real, synthetic, correlation="spearman")
    for after, saved in zip((real, synthetic, holdout), before):
        pd.testing.assert_frame_equal(after, saved)
    X = np.random.RandomState(0).normal(size=(50, 2))
    X[3, 1] = np.nan
    saved = X.copy()
    privacy_scores(X, X, X[:10])
    np.testing.assert_array_equal(X, saved)


def test_plot_returns_figure_and_saves(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    df = mixed_frame(150, 0)
    report = quality_report(df, noisy_resample(df, 1), detection=False)
    fig = report.plot()
    assert isinstance(fig, Figure)
    # 7 marginals, the heatmap and its colour bar
    assert len(fig.axes) == 9
    assert "ideal" in fig.axes[7].get_title()
    fig = report.plot(columns=["x", "group"])
    assert len(fig.axes) == 4
    path = tmp_path / "report.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000
    assert matplotlib.__name__ == "matplotlib"
    with pytest.raises(ValueError, match=r"columns \['nope'\] are not columns"):
        report.plot(columns=["nope"])


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
    report = quality_report(mixed_frame(50, 0), mixed_frame(50, 1), detection=False)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=re.escape('pip install "sklearn-ganae[plot]"')):
        report.plot()


# ----------------------------------------------------------------------------------
# scorers
# ----------------------------------------------------------------------------------


def test_quality_scorer_prefers_less_noise_in_grid_search():
    df = mixed_frame(300, 0)
    search = GridSearchCV(
        NoisyBootstrap(),
        {"noise": [2.0, 0.0, 0.5]},
        scoring=make_quality_scorer("overall", random_state=0),
        cv=3,
    )
    search.fit(df)
    assert search.best_params_ == {"noise": 0.0}
    means = search.cv_results_["mean_test_score"]
    assert means[1] > means[2] > means[0]


@pytest.mark.parametrize(
    "metric, kwargs",
    [
        ("column_shapes", {}),
        ("column_pair_trends", {"correlation": "spearman"}),
        ("detection", {}),
        ("efficacy", {"target": "group"}),
    ],
)
def test_quality_scorers_rank_noise(metric, kwargs):
    df = mixed_frame(240, 0)
    scorer = make_quality_scorer(metric, random_state=0, **kwargs)
    clean = cross_val_score(NoisyBootstrap(noise=0.0), df, cv=2, scoring=scorer)
    noisy = cross_val_score(NoisyBootstrap(noise=3.0), df, cv=2, scoring=scorer)
    assert clean.mean() > noisy.mean()
    assert np.all((clean <= 1.0) & (noisy <= 1.0))


def test_quality_scorer_tunes_the_package_vae():
    """The scorer with a real generator of the package: more training, better rows."""
    from sklearn_ganae.vae import VAETransformer

    df = load_penguins()
    search = GridSearchCV(
        VAETransformer(random_state=0),
        {"max_epochs": [2, 60]},
        scoring=make_quality_scorer(random_state=0),
        cv=2,
    ).fit(df)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores > 0.0) & (scores < 1.0))
    assert search.best_params_ == {"max_epochs": 60}


def test_quality_scorer_bad_input():
    with pytest.raises(ValueError, match="metric must be one of"):
        make_quality_scorer("accuracy")
    with pytest.raises(ValueError, match="metric='efficacy' needs target"):
        make_quality_scorer("efficacy")
    with pytest.raises(ValueError, match="random_state must be an int or None"):
        make_quality_scorer(random_state=np.random.RandomState(0))
    scorer = make_quality_scorer(n_samples=10)
    assert repr(scorer) == "make_quality_scorer(metric='overall', n_samples=10)"
    with pytest.raises(TypeError, match="LogisticRegression has no sample method"):
        scorer(LogisticRegression(), np.zeros((5, 2)))


# ----------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------


def test_mismatched_columns_are_named():
    real = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0], "c": ["x", "y"]})
    synthetic = pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"], "z": [0, 1]})
    msg = r"synthetic lacks the columns \['b'\] and has columns \['z'\] that real does not"
    for func in (column_shapes, column_pair_trends, quality_report, detection_score):
        with pytest.raises(ValueError, match=msg):
            func(real, synthetic)
    with pytest.raises(ValueError, match=r"holdout lacks the columns \['c'\]"):
        privacy_scores(real, real, real[["a", "b"]])
    # the order may differ
    assert column_shapes(real, real[["c", "b", "a"]])["column"].tolist() == ["a", "b", "c"]
    # arrays of another width
    with pytest.raises(ValueError, match="synthetic has 3 columns but real has 2"):
        column_shapes(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="synthetic has 2 columns but real has 3"):
        column_shapes(real, np.zeros((3, 2)))


@pytest.mark.parametrize(
    "real, synthetic, role, match",
    [
        (pd.DataFrame({"a": []}), pd.DataFrame({"a": [1.0]}), "real", "has no rows"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": []}), "synthetic", "has no rows"),
        (pd.DataFrame(index=[0, 1]), pd.DataFrame(index=[0]), "real", "has no columns"),
        (np.zeros((0, 2)), np.zeros((3, 2)), "real", "has no rows"),
    ],
)
def test_empty_tables(real, synthetic, role, match):
    with pytest.raises(ValueError, match=f"{role} {match}"):
        quality_report(real, synthetic)


def test_target_absent_from_one_side():
    df = mixed_frame(60, 0)
    with pytest.raises(ValueError, match=r"target column 'group' is absent from synthetic"):
        ml_efficacy(df, df.drop(columns="group"), df, target="group")
    with pytest.raises(ValueError, match=r"absent from train and synthetic and test"):
        ml_efficacy(df, df, df, target="nope")
    with pytest.raises(ValueError, match=r"target column 'group' is absent from holdout"):
        quality_report(df, df, holdout=df.drop(columns="group"), target="group")
    with pytest.raises(ValueError, match="target='group' needs holdout"):
        quality_report(df, df, target="group")


def test_all_missing_columns():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0], "e": [np.nan] * 3, "c": [None, None, None]})
    with pytest.raises(ValueError, match=r"columns \['e', 'c'\] of real are entirely missing"):
        column_shapes(real, real)
    with pytest.raises(ValueError, match=r"columns \['e'\] of holdout are entirely missing"):
        privacy_scores(real[["x", "e"]].fillna(0.0), real[["x", "e"]], real[["x", "e"]])
    # an all-missing synthetic column is a (bad) result, not an error: the worst score
    good = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [3.0, 1.0, 2.0], "c": ["a", "b", "a"]})
    empty = good.assign(y=np.nan, c=None)
    shapes = column_shapes(good, empty).set_index("column")["score"]
    assert shapes["y"] == 0.0
    assert shapes["c"] == 0.0
    pairs = column_pair_trends(good, empty).set_index(["column_1", "column_2"])["score"]
    r = stats.pearsonr(good["x"], good["y"])[0]
    assert pairs[("x", "y")] == pytest.approx(1 - abs(r) / 2)


def test_other_bad_input():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="must be 2-D"):
        column_shapes(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="is a Series"):
        column_shapes(df["x"], df["x"])
    with pytest.raises(TypeError, match="sparse matrix"):
        column_shapes(sparse.csr_matrix(np.eye(3)), np.eye(3))
    with pytest.raises(ValueError, match=r"Column 'x' is continuous .* such as 'abc'"):
        column_shapes(df, df.assign(x=["1.5", "abc", "2"]))
    with pytest.raises(ValueError, match="Column 'x' of synthetic contains infinity"):
        column_shapes(df, df.assign(x=[1.0, np.inf, 2.0]))
    with pytest.raises(ValueError, match=r"duplicated column names \['x'\]"):
        column_shapes(pd.DataFrame([[1, 2]], columns=["x", "x"]), df)
    with pytest.raises(ValueError, match="correlation must be 'pearson' or 'spearman'"):
        column_pair_trends(df, df, correlation="kendall")
    with pytest.raises(ValueError, match="n_bins must be an integer >= 1"):
        column_pair_trends(df, df, n_bins=0)
    with pytest.raises(ValueError, match="cv must be an integer >= 2"):
        detection_score(df, df, cv=1)
    with pytest.raises(ValueError, match=r"categorical_features names \['q'\]"):
        column_shapes(df, df, categorical_features=["q"])
    with pytest.raises(ValueError, match="task must be 'auto'"):
        ml_efficacy(df, df, df, target="c", task="ranking")
    # numbers written as strings are read as numbers
    assert column_shapes(df, df.assign(x=["1", "2", "3"]))["score"].tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------------
# real tables: column roles, dates, identifiers, rare values
# ----------------------------------------------------------------------------------


def leaky_synthetic(real: pd.DataFrame) -> pd.DataFrame:
    """The clean synthetic rows, with rare values in rows 0-12 and real ids in 8 rows."""
    out = clean_synthetic(real)
    out.loc[0:9, "city"] = [f"r{k:03d}" for k in range(10)]  # each seen once in real
    out.loc[8:12, "group"] = "rare"  # seen twice; rows 8 and 9 also have a rare city
    out.loc[0:4, "row"] = [1, 2, 3, 4, 5]  # copied row numbers
    out.loc[20:22, "email"] = real["email"].iloc[:3].to_numpy()  # copied e-mails
    out.loc[50, "row"] = np.nan  # a float column now: 1.0 is still the identifier 1
    return out


def test_real_table_report_skips_identifiers_and_handles_dates():
    real = real_table()
    holdout = real_table(200, seed=1)
    synthetic = clean_synthetic(real)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no ColumnRoleWarning, no parse warning
        report = quality_report(real, synthetic, holdout=holdout, target="group", random_state=0)
    assert report.skipped_columns.keys() == {"row", "email"}
    assert report.skipped_columns["row"].startswith("identifier: ")
    assert report.column_roles == {
        "row": "identifier",
        "email": "identifier",
        "day": "datetime",
        "stamp": "datetime",
        "wait": "datetime",
        "city": "high_cardinality",
        "x": "continuous",
        "y": "continuous",
        "items": "integer",
        "group": "categorical",
    }
    assert report.columns == ["day", "stamp", "wait", "city", "x", "y", "items", "group"]
    shapes = report.column_shapes.set_index("column")
    assert "row" not in shapes.index and "email" not in shapes.index
    for c in ("day", "stamp", "wait"):
        assert shapes.loc[c, "metric"] == "KSComplement"
        assert 0.0 < shapes.loc[c, "score"] <= 1.0
    assert shapes.loc["city", "metric"] == "TVComplement"
    # high-cardinality columns are left out of the pair trends; 7 other columns remain
    pairs = report.column_pairs
    assert "city" not in set(pairs["column_1"]) | set(pairs["column_2"])
    assert len(pairs) == 7 * 6 // 2
    assert pairs.set_index(["column_1", "column_2"]).loc[("day", "stamp"), "metric"] == (
        "correlation"
    )
    p = report.privacy
    assert p["rare_value_leak_rate"] == 0.0 and p["rare_value_leak_counts"] == {}
    assert p["identifier_copy_rate"] == 0.0 and p["identifier_copy_counts"] == {}
    assert p["privacy_floor"] == 5
    assert 0.0 <= report.detection["auc"] <= 1.0
    assert report.efficacy["task"] == "classification"
    scores = report.scores
    assert scores["privacy_rare_value_leak_rate"] == 0.0
    assert "privacy_rare_value_leak_counts" not in scores  # dicts stay in report.privacy
    text = report.summary()
    for needle in [
        "8 columns (6 continuous, 2 categorical); 2 skipped",
        "Skipped columns",
        "row: identifier: 400 distinct",  # and the encoder's reason
        "email: identifier",
        "Dates compared as continuous values (seconds): day, stamp, wait",
        "High-cardinality columns",
        "Rows repeating a rare real value (seen < 5 times)",
        "Rows copying a real identifier",
    ]:
        assert needle in text, needle


def test_real_table_rare_values_and_copied_identifiers_are_counted_exactly():
    real = real_table()
    synthetic = leaky_synthetic(real)
    report = quality_report(real, synthetic, detection=False)
    p = report.privacy
    # rows 0-9 repeat a rare city, rows 8-12 the rare group: 13 rows of 100
    assert p["rare_value_leak_rate"] == 0.13
    assert p["rare_value_leak_counts"] == {"city": 10, "group": 5}
    # rows 0-4 copy a row number, rows 20-22 an e-mail: 8 rows of 100
    assert p["identifier_copy_rate"] == 0.08
    assert p["identifier_copy_counts"] == {"row": 5, "email": 3}
    assert "exact_copies" not in p  # needs a holdout
    text = report.summary()
    assert "(synthetic rows per column: city 10, group 5)" in text
    assert "(synthetic rows per column: row 5, email 3)" in text
    # the same through privacy_scores, and other floors: group's "rare" is seen twice
    full = privacy_scores(real, synthetic, real_table(100, seed=2), random_state=0)
    assert full["rare_value_leak_rate"] == 0.13 and full["identifier_copy_rate"] == 0.08
    assert {k: full[k] for k in p} == p
    at_2 = privacy_scores(real, synthetic, real, privacy_floor=2)
    assert at_2["rare_value_leak_rate"] == 0.10
    assert at_2["rare_value_leak_counts"] == {"city": 10}
    assert privacy_scores(real, synthetic, real, privacy_floor=1)["rare_value_leak_rate"] == 0
    # exact copies ignore identifiers: real rows with fresh ids are still copies (the
    # 87 rows whose city and group were left alone)
    assert full["exact_copies"] == 0.87


def test_package_generator_leaks_no_rare_value_and_copies_no_identifier():
    from sklearn_ganae.vae import VAETransformer

    real = real_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the encoder's ColumnRoleWarning
        vae = VAETransformer(max_epochs=2, random_state=0).fit(real)
    synthetic = vae.sample(300, random_state=0)
    report = quality_report(real, synthetic, detection=False)
    assert report.privacy["identifier_copy_rate"] == 0.0
    assert report.privacy["rare_value_leak_rate"] == 0.0
    assert report.skipped_columns.keys() == {"row", "email"}
    assert np.isfinite(report.column_shapes.set_index("column").loc["stamp", "score"])


def test_dates_are_read_alike_whatever_their_type():
    real = real_table()
    synthetic = clean_synthetic(real)
    base = column_shapes(real, synthetic).set_index("column")["score"]
    # ISO strings against datetime64; aware against naive UTC; datetime64 of another
    # unit; date objects; timedelta objects
    other = synthetic.assign(
        day=pd.to_datetime(synthetic["day"]).astype("datetime64[s]"),
        stamp=synthetic["stamp"].dt.tz_convert("UTC").dt.tz_localize(None),
        wait=synthetic["wait"].astype("timedelta64[s]"),
    )
    assert_allclose(column_shapes(real, other).set_index("column")["score"], base, atol=1e-12)
    objects = synthetic.assign(
        day=pd.to_datetime(synthetic["day"]).dt.date.astype(object),
        wait=pd.Series([v.to_pytimedelta() for v in synthetic["wait"]], dtype=object),
    )
    objects.loc[synthetic["day"].isna(), "day"] = None
    assert_allclose(column_shapes(real, objects).set_index("column")["score"], base, atol=1e-12)
    # dates as values: one day later is 86,400 seconds later (KS sees the shift)
    real_days = pd.DataFrame({"d": pd.date_range("2024-01-01", periods=40, freq="D")})
    shifted = real_days + pd.Timedelta(days=1)
    assert column_shapes(real_days, shifted)["score"].iloc[0] == pytest.approx(39 / 40)
    as_strings = pd.DataFrame({"d": real_days["d"].dt.strftime("%Y-%m-%d")})
    assert column_shapes(as_strings, shifted)["score"].iloc[0] == pytest.approx(39 / 40)


def test_timedelta_strings_as_pandas_writes_them(tmp_path, capsys):
    # "0 days 00:31:34": a date column for the encoder, seconds for the report
    rng = np.random.RandomState(0)
    wait = pd.Series(pd.to_timedelta(rng.exponential(30, 60).round(), unit="min"))
    real = pd.DataFrame({"wait": wait, "x": rng.normal(size=60)})
    path = tmp_path / "real.csv"
    real.to_csv(path, index=False)
    as_read = pd.read_csv(path)
    assert as_read["wait"].iloc[0] == str(wait.iloc[0])  # a string, "0 days 00:24:00"
    shapes = column_shapes(real, as_read).set_index("column")
    assert shapes.loc["wait", "score"] == pytest.approx(1.0)
    shifted = real.assign(wait=real["wait"] + pd.Timedelta(days=1))
    assert column_shapes(as_read, shifted).set_index("column").loc["wait", "score"] == 0.0
    assert main(["report", str(path), str(path), "--no-detection", "-q"]) == 0
    assert "error" not in capsys.readouterr().err
    # a timedelta string next to a date: the hint names both forms
    bad = as_read.assign(wait=as_read["wait"].astype(object))
    bad.loc[5, "wait"] = "2024-01-01"
    with pytest.raises(ValueError, match="timedelta strings such as '0 days 00:31:34'"):
        column_shapes(real, bad)


def test_column_roles_override_the_inference():
    real = real_table()
    synthetic = leaky_synthetic(real)
    roles = {"row": "continuous", "email": "text", "city": "categorical", "day": "categorical"}
    report = quality_report(real, synthetic, detection=False, column_roles=roles)
    assert report.skipped_columns == {}
    assert {c: report.column_roles[c] for c in roles} == {
        "row": "continuous",
        "email": "high_cardinality",
        "city": "categorical",
        "day": "categorical",
    }
    shapes = report.column_shapes.set_index("column")["metric"]
    assert shapes["row"] == "KSComplement" and shapes["day"] == "TVComplement"
    pairs = report.column_pairs
    assert "city" in set(pairs["column_1"]) | set(pairs["column_2"])  # no longer wide
    assert "email" not in set(pairs["column_1"]) | set(pairs["column_2"])
    assert report.privacy["identifier_copy_rate"] == 0.0  # no identifier column left
    assert "Rows copying a real identifier" not in report.summary()
    # positions work too, and a declared identifier is skipped
    shapes = column_shapes(real, synthetic, column_roles={6: "identifier"})
    assert "x" not in shapes["column"].tolist()
    # arrays: no identifier or date inference (as the encoder), but roles may be given
    X = np.column_stack([np.arange(50.0), np.random.RandomState(0).normal(size=50)])
    assert column_shapes(X, X)["column"].tolist() == ["x0", "x1"]
    assert column_shapes(X, X, column_roles={"x0": "id"})["column"].tolist() == ["x1"]
    # and the scorers take them
    scorer = make_quality_scorer("overall", column_roles={"email": "identifier"}, random_state=0)
    score = scorer(NoisyBootstrap().fit(real), real)
    assert 0.0 < score <= 1.0


def test_pair_trends_bin_synthetic_values_on_the_real_bins():
    rng = np.random.RandomState(0)
    x = rng.normal(size=2000)
    real = pd.DataFrame(
        {"x": x, "c": np.where(x + rng.normal(scale=0.5, size=2000) > 0, "p", "n")}
    )

    def score(synthetic):
        pairs = column_pair_trends(real, synthetic)
        return float(pairs.set_index(["column_1", "column_2"]).loc[("x", "c"), "score"])

    copied = score(real.copy())
    assert copied == 1.0
    # every value shifted far beyond the real range falls in the last real bin
    far = score(real.assign(x=real["x"] + 100.0))
    assert far < 0.1
    # a shift of one standard deviation is still clearly worse than the copy
    assert score(real.assign(x=real["x"] + real["x"].std())) < copied - 0.2
    # and a shift is no better than destroying the relationship
    unrelated = score(real.assign(x=rng.permutation(real["x"].to_numpy())))
    assert far < unrelated


def test_real_table_bad_input():
    real = real_table()
    synthetic = clean_synthetic(real)
    holdout = real_table(200, seed=3)
    calls = [
        lambda **kw: column_shapes(real, synthetic, **kw),
        lambda **kw: column_pair_trends(real, synthetic, **kw),
        lambda **kw: detection_score(real, synthetic, **kw),
        lambda **kw: privacy_scores(real, synthetic, holdout, **kw),
        lambda **kw: ml_efficacy(real, synthetic, holdout, target="x", **kw),
        lambda **kw: quality_report(real, synthetic, detection=False, **kw),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"column_roles names the column 'nope', which is"):
            call(column_roles={"nope": "categorical"})
        with pytest.raises(ValueError, match=r"column_roles\['x'\] = 'colour' is not a role"):
            call(column_roles={"x": "colour"})
        with pytest.raises(ValueError, match=r"column position 99, out of range for the 10"):
            call(column_roles={99: "categorical"})
        with pytest.raises(ValueError, match="column_roles must be a dict"):
            call(column_roles=["x"])
    with pytest.raises(ValueError, match="column_roles must be a dict"):
        make_quality_scorer(column_roles="x")
    with pytest.raises(ValueError, match=r"target column 'row' is an identifier"):
        quality_report(real, synthetic, holdout=holdout, target="row")
    with pytest.raises(ValueError, match=r"target column 'email' is an identifier"):
        ml_efficacy(real, synthetic, holdout, target="email")
    with pytest.raises(ValueError, match="Every column of real is an identifier"):
        column_shapes(real[["row", "email"]], synthetic[["row", "email"]])
    bad = synthetic.assign(day="yesterday")
    with pytest.raises(ValueError, match=r"Column 'day' is a date column .* synthetic cannot"):
        column_shapes(real, bad)
    with pytest.raises(ValueError, match=r"Column 'items' is a date column"):
        column_shapes(real, synthetic, column_roles={"items": "datetime"})
    for call in (privacy_scores, lambda *a, **kw: quality_report(*a[:2], **kw)):
        with pytest.raises(ValueError, match="privacy_floor must be an integer >= 1"):
            call(real, synthetic, holdout, privacy_floor=0)


# ----------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------


@st.composite
def table_pairs(draw):
    """Two tables with the same columns and dtypes (random kinds, sizes, NaN)."""
    kinds = draw(
        st.lists(st.sampled_from(["float", "int", "cat", "bool", "text"]), min_size=1, max_size=4)
    )

    def column(kind, n):
        if kind == "float":
            values = draw(
                st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(np.nan)), min_size=n, max_size=n)
            )
            return pd.Series(values, dtype=np.float64)
        if kind == "int":
            return pd.Series(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)))
        if kind == "bool":
            return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        values = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
        if kind == "cat":
            return pd.Series(pd.Categorical(values, categories=["a", "b", "c"]))
        return pd.Series(values, dtype=object)

    def table():
        n = draw(st.integers(2, 30))
        return pd.DataFrame({f"{k}{j}": column(k, n) for j, k in enumerate(kinds)})

    return table(), table()


def _has_observed_values(df):
    return bool(df.notna().any().all())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=table_pairs())
def test_property_column_shapes(tables):
    a, b = tables
    assume(_has_observed_values(a) and _has_observed_values(b))
    ab = column_shapes(a, b)["score"].to_numpy()
    assert np.all((ab >= 0.0) & (ab <= 1.0 + 1e-12))
    assert_allclose(column_shapes(b, a)["score"], ab, atol=1e-12)  # symmetric
    assert_allclose(column_shapes(a, a.iloc[::-1])["score"], 1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=table_pairs(), correlation=st.sampled_from(["pearson", "spearman"]))
def test_property_column_pair_trends(tables, correlation):
    a, b = tables
    assume(_has_observed_values(a) and _has_observed_values(b))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from constant columns
        ab = column_pair_trends(a, b, correlation=correlation)
        ba = column_pair_trends(b, a, correlation=correlation)
        aa = column_pair_trends(a, a.sample(frac=1.0, random_state=0), correlation=correlation)
    scores = ab["score"].dropna().to_numpy()
    assert np.all((scores >= 0.0) & (scores <= 1.0 + 1e-12))
    # symmetric wherever both correlations are defined (a constant column's is not),
    # and for two categorical columns; a mixed pair is binned on the first table's range
    defined = ab["real_correlation"].notna() & ab["synthetic_correlation"].notna()
    categorical = {c for c in a.columns if not c.startswith(("float", "int"))}
    defined |= ab["column_1"].isin(categorical) & ab["column_2"].isin(categorical)
    assert_allclose(ba["score"][defined], ab["score"][defined], atol=1e-9)
    # 1 on identical tables, wherever defined
    assert_allclose(aa["score"].dropna(), 1.0, atol=1e-9)


@st.composite
def categorical_tables(draw):
    """A real and a synthetic table of small categorical columns (with None)."""
    n_columns = draw(st.integers(1, 3))
    letters = st.sampled_from(["a", "b", "c", "d", "e", None])

    def table(n):
        return pd.DataFrame(
            {
                f"c{j}": pd.Series(draw(st.lists(letters, min_size=n, max_size=n)), dtype=object)
                for j in range(n_columns)
            }
        )

    return table(draw(st.integers(1, 30))), table(draw(st.integers(1, 30)))


def _rare_reference(real, synthetic, floor):
    """Share of synthetic rows with a value seen 1..floor-1 times in real (pandas)."""
    leaked = np.zeros(len(synthetic), dtype=bool)
    for c in real.columns:
        counts = real[c].value_counts()  # NaN dropped: a missing value is not a value
        leaked |= synthetic[c].isin(counts.index[counts < floor]).to_numpy()
    return float(leaked.mean())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=categorical_tables(), floor=st.integers(1, 6))
def test_property_rare_value_leak_rate(tables, floor):
    real, synthetic = tables
    assume(bool(real.notna().any().all()))
    privacy = quality_report(real, synthetic, detection=False, privacy_floor=floor).privacy
    rate = privacy["rare_value_leak_rate"]
    assert 0.0 <= rate <= 1.0
    assert rate == pytest.approx(_rare_reference(real, synthetic, floor), abs=1e-12)
    assert sum(privacy["rare_value_leak_counts"].values()) >= round(rate * len(synthetic))
    # a table whose every value is seen `floor` times has no rare value
    repeated = pd.concat([real] * floor, ignore_index=True)
    again = quality_report(repeated, synthetic, detection=False, privacy_floor=floor).privacy
    assert again["rare_value_leak_rate"] == 0.0 and again["rare_value_leak_counts"] == {}
    # a table that copies real rows leaks exactly real's own share of rare rows
    own = quality_report(real, real, detection=False, privacy_floor=floor).privacy
    assert own["rare_value_leak_rate"] == pytest.approx(_rare_reference(real, real, floor))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.sets(st.integers(-50, 50), min_size=1, max_size=30),
    drawn=st.lists(st.one_of(st.integers(-80, 80), st.none()), min_size=1, max_size=30),
)
def test_property_identifier_copy_rate(ids, drawn):
    real_ids = sorted(ids)
    real = pd.DataFrame({"id": real_ids, "x": np.arange(len(real_ids), dtype=float)})
    synthetic = pd.DataFrame({"id": pd.Series(drawn, dtype="float64"), "x": np.zeros(len(drawn))})
    roles = {"id": "identifier"}
    privacy = quality_report(real, synthetic, detection=False, column_roles=roles).privacy
    expected = np.mean([v is not None and v in ids for v in drawn])
    assert privacy["identifier_copy_rate"] == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= privacy["identifier_copy_rate"] <= 1.0
    # identifiers read from a file as text are the same identifiers
    as_text = synthetic.assign(id=[None if v is None else str(v) for v in drawn])
    again = quality_report(real, as_text, detection=False, column_roles=roles).privacy
    assert again["identifier_copy_rate"] == privacy["identifier_copy_rate"]


# ----------------------------------------------------------------------------------
# agreement with SDMetrics (runs where sdmetrics is installed)
# ----------------------------------------------------------------------------------


def test_agreement_with_sdmetrics():
    pytest.importorskip("sdmetrics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in 0.26, still there
        from sdmetrics.reports.single_table import QualityReport as SDQualityReport

    df = load_penguins()
    # SDMetrics reads nullable integers poorly: give both the same float columns
    df = df.astype({c: "float64" for c in df.columns if str(df[c].dtype) == "Int64"})
    synthetic = noisy_resample(df, seed=0)
    metadata = {
        "columns": {
            c: {"sdtype": "categorical" if str(df[c].dtype) == "category" else "numerical"}
            for c in df.columns
        }
    }
    sd = SDQualityReport()
    # every pair counts (SDMetrics >= 0.26 skips weakly associated real pairs)
    sd.real_correlation_threshold = 0
    sd.real_association_threshold = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd.generate(df, synthetic, metadata, verbose=False)
    sd_shapes = sd.get_details("Column Shapes").set_index("Column")["Score"]
    sd_pairs = sd.get_details("Column Pair Trends").set_index(["Column 1", "Column 2"])["Score"]
    shapes = column_shapes(df, synthetic).set_index("column")["score"]
    pairs = column_pair_trends(df, synthetic).set_index(["column_1", "column_2"])["score"]
    assert sd_pairs.notna().all()
    assert (shapes - sd_shapes.loc[shapes.index]).abs().max() < 0.01
    assert abs(shapes.mean() - sd_shapes.mean()) < 0.01
    # a mixed (numeric x categorical) pair bins both tables on the real range: that is
    # SDMetrics' ContingencySimilarity with continuous_column_names, exactly; its
    # QualityReport bins each table on its own range (the documented difference)
    from sdmetrics.column_pairs import ContingencySimilarity

    numeric = {c for c, m in metadata["columns"].items() if m["sdtype"] == "numerical"}
    mixed = [(a, b) for a, b in pairs.index if len({a, b} & numeric) == 1]
    assert mixed
    reference = sd_pairs.loc[pairs.index].copy()
    for a, b in mixed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference[(a, b)] = ContingencySimilarity.compute(
                df[[a, b]], synthetic[[a, b]], continuous_column_names=list({a, b} & numeric)
            )
    assert (pairs - reference).abs().max() < 1e-9
    assert abs(pairs.mean() - reference.mean()) < 1e-9
    # with a synthetic range close to the real one, the two binnings stay close
    assert (pairs[mixed] - sd_pairs.loc[mixed]).abs().max() < 0.05


# ----------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------


def test_cli_report_prints_and_plots(tmp_path, capsys):
    df = load_penguins()
    real, holdout = df.iloc[::2], df.iloc[1::2]
    paths = {}
    for name, table in [("real", real), ("syn", noisy_resample(real, 0)), ("hold", holdout)]:
        paths[name] = tmp_path / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    argv = ["report", str(paths["real"]), str(paths["syn"]), "--holdout", str(paths["hold"])]
    argv += ["--target", "species"]
    if pytest.importorskip("matplotlib"):
        argv += ["--plot", str(tmp_path / "fig.png")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Synthetic data quality report" in out
    assert "ML efficacy (target 'species'" in out
    assert "DCR median ratio" in out
    assert f"Figure saved to {tmp_path / 'fig.png'}" in out
    assert (tmp_path / "fig.png").stat().st_size > 1000


def test_cli_report_errors(tmp_path, capsys):
    real = tmp_path / "real.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]}).to_csv(real, index=False)
    other = tmp_path / "other.csv"
    pd.DataFrame({"a": [1, 2, 3]}).to_csv(other, index=False)
    # an error is printed to stderr as "error: ..." and main returns 1
    cases = [
        (["report", str(real), str(other), "--no-detection"], r"synthetic lacks the columns"),
        (["report", str(real), str(tmp_path / "missing.csv")], "synthetic file not found"),
        (["report", str(real), str(real), "--target", "a"], "needs holdout"),
    ]
    for argv, match in cases:
        assert main(argv) == 1
        assert re.search(f"error: .*{match}", capsys.readouterr().err)


def test_quality_report_progress_on_stderr(capsys):
    rng = np.random.RandomState(0)
    real = pd.DataFrame({"a": rng.normal(size=200), "c": rng.choice(["x", "y"], 200)})
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    quality_report(real, synthetic, random_state=0)
    assert capsys.readouterr().err == ""  # silent by default
    quality_report(real, synthetic, random_state=0, verbose=1)
    err = capsys.readouterr().err
    assert "report: 5/5 parts" in err and "\x1b[" not in err and "\r" not in err
