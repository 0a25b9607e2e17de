"""Column shapes and column pair trends (:mod:`sklearn_ganae.metrics._fidelity`)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from sklearn_ganae.metrics import (
    column_pair_trends,
    column_shapes,
    quality_report,
)
from sklearn_ganae.metrics._fidelity import ks_statistic

# ----------------------------------------------------------------------------------
# column shapes
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_ks_statistic_matches_scipy(seed):
    rng = np.random.RandomState(seed)
    a = np.round(rng.normal(size=rng.randint(1, 60)), 1)  # ties included
    b = np.round(rng.normal(0.3, size=rng.randint(1, 60)), 1)
    assert ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


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
def test_pair_trends_correlation_matches_scipy(correlation, mixed_frame):
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


def test_pair_trends_contingency_matches_pandas_reference(mixed_frame):
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


def test_shuffled_columns_keep_shapes_lose_pair_trends(mixed_frame, shuffled_columns):
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


# ----------------------------------------------------------------------------------
# agreement with SDMetrics (runs where sdmetrics is installed)
# ----------------------------------------------------------------------------------


def test_agreement_with_sdmetrics(penguins, noisy_resample):
    pytest.importorskip("sdmetrics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in 0.26, still there
        from sdmetrics.reports.single_table import QualityReport as SDQualityReport

    df = penguins
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
