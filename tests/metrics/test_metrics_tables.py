"""Input checks, column roles and dates (:mod:`sklearn_ganae.metrics._tables`)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import sparse, stats

from sklearn_ganae.__main__ import main
from sklearn_ganae.metrics import (
    column_pair_trends,
    column_shapes,
    detection_score,
    make_quality_scorer,
    ml_efficacy,
    privacy_scores,
    quality_report,
)

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


def test_target_absent_from_one_side(mixed_frame):
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


def test_inputs_are_never_modified(mixed_frame, noisy_resample):
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


# ----------------------------------------------------------------------------------
# real tables: column roles, dates, identifiers
# ----------------------------------------------------------------------------------


def test_dates_are_read_alike_whatever_their_type(clean_synthetic, real_table):
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


def test_column_roles_override_the_inference(leaky_synthetic, real_table, noisy_bootstrap):
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
    score = scorer(noisy_bootstrap().fit(real), real)
    assert 0.0 < score <= 1.0


def test_real_table_bad_input(clean_synthetic, real_table):
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
