"""Privacy of synthetic rows (:mod:`sklearn_ganae.metrics._privacy`)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sklearn_ganae.metrics import (
    privacy_scores,
    quality_report,
)

# ----------------------------------------------------------------------------------
# privacy
# ----------------------------------------------------------------------------------


def test_privacy_flags_a_copied_training_set(mixed_frame):
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


def test_privacy_subsamples_queries_not_the_training_rows(mixed_frame):
    df = mixed_frame(600, 0)
    train, holdout = df.iloc[:500], df.iloc[500:]
    out = privacy_scores(train, train, holdout, max_samples=50, random_state=0)
    assert out["dcr_synthetic_median"] == 0.0  # every copy still finds its twin


# ----------------------------------------------------------------------------------
# rare values and identifiers
# ----------------------------------------------------------------------------------


def test_real_table_rare_values_and_copied_identifiers_are_counted_exactly(
    leaky_synthetic, real_table
):
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


def test_package_generator_leaks_no_rare_value_and_copies_no_identifier(real_table):
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


# ----------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------


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
