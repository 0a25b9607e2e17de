"""Real exported tables: column roles, dates, identifiers, high cardinality, precision
and bounds (:mod:`sklearn_ganae._columns` and :class:`~sklearn_ganae.TabularEncoder`),
and every estimator with its defaults on such a table."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
    GANSampler,
    TabularEncoder,
    VAETransformer,
)
from sklearn_ganae.tabular import ColumnRoleWarning


def export_table(n=300, seed=0) -> pd.DataFrame:
    """A table as a database export gives it: row numbers, e-mails, dates, text..."""
    rng = np.random.RandomState(seed)
    start = pd.Timestamp("2021-01-01")
    return pd.DataFrame(
        {
            "rownames": np.arange(1, n + 1),
            "customer_id": rng.permutation(np.arange(10_000, 10_000 + 3 * n))[:n],
            "email": [f"user{i:04d}.{rng.randint(99)}@mail{i % 7}.com" for i in range(n)],
            "signup": (start + pd.to_timedelta(rng.randint(0, 700, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "last_seen": pd.to_datetime(
                start.value + rng.randint(0, 10**6, n).astype(np.int64) * 10**9, utc=True
            ).tz_convert("Europe/Paris"),
            "session": pd.to_timedelta(rng.randint(1, 3_600, n), unit="s"),
            "income": rng.lognormal(10, 0.5, n).round(0).astype(np.int64) * 10,
            "score": rng.normal(50, 10, n).round(1),
            "visits": rng.poisson(4, n).astype(float),
            "plan": rng.choice(["free", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
            "city": np.where(
                rng.rand(n) < 0.6,
                rng.choice([f"big{i}" for i in range(10)], n),
                [f"town{int(v)}" for v in rng.randint(0, 1_000, n)],
            ),
            "comment": [
                " ".join(rng.choice(["good", "bad", "slow", "fast", "ok"], 6)) + f" #{i}"
                for i in range(n)
            ],
        }
    ).assign(score=lambda d: d["score"].where(rng.rand(n) > 0.1))


def _fit(enc, df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ColumnRoleWarning)
        return enc.fit(df)


# ----------------------------------------------------------------------------------
# roles: inference, report, warning, overrides
# ----------------------------------------------------------------------------------


def test_roles_are_inferred_reported_and_warned():
    df = export_table()
    with pytest.warns(ColumnRoleWarning) as record:
        enc = TabularEncoder().fit(df)
    assert len(record) == 1  # one warning, listing the columns
    message = str(record[0].message)
    for name in ("rownames", "customer_id", "email", "city", "comment"):
        assert repr(name) in message
    assert "column_roles=" in message
    assert enc.column_roles_ == {
        "rownames": "identifier",
        "customer_id": "identifier",
        "email": "identifier",
        "signup": "datetime",
        "last_seen": "datetime",
        "session": "datetime",
        "income": "integer",
        "score": "continuous",
        "visits": "categorical",  # a Poisson count: a discrete quantity
        "plan": "categorical",
        "city": "high_cardinality",
        "comment": "high_cardinality",
    }
    summary = enc.describe()
    assert list(summary.columns) == ["column", "role", "dtype", "encoded", "detail", "reason"]
    assert summary["column"].tolist() == list(df.columns)
    assert summary["encoded"].sum() == enc.n_features_out_
    by_name = summary.set_index("column")
    assert by_name.loc["rownames", "encoded"] == 0
    assert "row number" in by_name.loc["rownames", "reason"]
    assert "named like an identifier" in by_name.loc["customer_id", "reason"]
    assert "free text" in by_name.loc["comment", "reason"]
    assert by_name.loc["signup", "detail"] == "resolution: day"
    assert by_name.loc["score", "detail"].startswith("1 decimals")
    # the encoded table stays narrow: no column per e-mail, id or comment
    assert enc.n_features_out_ < 80


def test_integer_quantities_stay_quantities():
    rng = np.random.RandomState(0)
    n = 2_000
    df = pd.DataFrame(
        {
            # thousands of distinct integers, not an identifier
            "income": rng.randint(10_000, 200_000, n),
            # consecutive integers named like time: a time index, a quantity
            "year": np.arange(1800, 1800 + n),
            # unique but spread and not named like an id: a measurement
            "population": rng.choice(10**7, n, replace=False),
        }
    )
    enc = TabularEncoder().fit(df)
    assert set(enc.column_roles_.values()) == {"integer"}


def test_numbers_with_few_distinct_values_are_discrete():
    rng = np.random.RandomState(0)
    n = 1_000
    rates = np.array([1.8, 2.0, 3.1, 3.2, 3.6, 3.9, 4.3, 5.3, 8.9, 10.6])
    df = pd.DataFrame(
        {
            "rate": rng.choice(rates, n),  # floats with 10 values: a regional rate
            "school": rng.randint(3, 17, n),  # 14 integers
            "twenty_one": rng.randint(0, 21, n).astype(float),  # one value too many
            "sparse": np.r_[rng.randint(0, 10, 40), rng.normal(size=n - 40)],
        }
    )
    few_rows = df.iloc[:40]  # 10 values in 40 rows: under 5 rows per value
    enc = TabularEncoder().fit(df)
    assert enc.column_roles_ == {
        "rate": "categorical",
        "school": "categorical",
        "twenty_one": "continuous",
        "sparse": "continuous",
    }
    assert "a discrete quantity" in enc.describe().set_index("column").loc["rate", "reason"]
    assert TabularEncoder().fit(few_rows[["rate"]]).column_roles_ == {"rate": "continuous"}
    # arrays and the metrics keep numbers numbers; an override wins
    assert TabularEncoder().fit(df[["rate"]].to_numpy()).column_roles_ == {"x0": "continuous"}
    enc_int = TabularEncoder(column_roles={"school": "integer"}).fit(df)
    assert enc_int.column_roles_["school"] == "integer"
    # generated rows hold observed values only, in the column's own dtype
    vae = VAETransformer(n_components=2, hidden_layer_sizes=(16,), max_epochs=3, random_state=0)
    rows = vae.fit(df[["rate", "school"]]).sample(500, random_state=0)
    assert set(rows["rate"]) <= set(rates)
    assert rows["school"].dtype == df["school"].dtype
    assert set(rows["school"]) <= set(df["school"])


def test_arrays_get_no_identifier_or_date_inference():
    X = np.arange(200).reshape(100, 2)  # consecutive distinct integers
    enc = TabularEncoder().fit(X)
    assert enc.column_roles_ == {"x0": "integer", "x1": "integer"}
    # positions name array columns in overrides
    enc = TabularEncoder(column_roles={0: "identifier"}).fit(X)
    assert enc.column_roles_["x0"] == "identifier" and enc.n_features_out_ == 1


def test_overrides_win_and_are_not_warned_about():
    df = export_table()
    roles = {"rownames": "integer", "city": "categorical", "plan": "text", "signup": "date"}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        enc = TabularEncoder(column_roles=roles).fit(df)
    assert enc.column_roles_["rownames"] == "integer"
    assert enc.column_roles_["plan"] == "high_cardinality"  # the alias "text"
    assert enc.column_roles_["signup"] == "datetime"
    # "categorical" given explicitly keeps every level
    assert len(enc._codecs[list(df.columns).index("city")].categories_) == df["city"].nunique()
    (warning,) = [w for w in record if issubclass(w.category, ColumnRoleWarning)]
    assert "'rownames'" not in str(warning.message) and "'city'" not in str(warning.message)
    assert "'email'" in str(warning.message)


def test_estimators_take_roles_as_nested_parameter():
    df = export_table(120)
    ae = AutoencoderTransformer(
        n_components=2,
        max_epochs=2,
        encoder=TabularEncoder(),
        random_state=0,
    ).set_params(encoder__column_roles={"email": "categorical"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ColumnRoleWarning)
        ae.fit(df)
    assert ae.encoder_.column_roles_["email"] == "categorical"
    assert ae.get_params()["encoder__column_roles"] == {"email": "categorical"}


@pytest.mark.parametrize(
    "roles, error, match",
    [
        ({"nope": "categorical"}, ValueError, r"the column 'nope', which is not a column of X"),
        ({"plan": "fancy"}, ValueError, r"column_roles\['plan'\] = 'fancy' is not a role"),
        ({"plan": "datetime"}, ValueError, r"Column 'plan' holds values that cannot be read"),
        ({"visits": "datetime"}, ValueError, r"Column 'visits' .* numeric dtype"),
        ({"plan": "identifier"}, ValueError, r"'plan' .* only 3 of its 300 values are distinct"),
        ({"score": "identifier"}, ValueError, r"'score' .*non-integer numbers"),
        ({"plan": "continuous"}, ValueError, r"Column 'plan' has non-numeric dtype"),
        ({7: "categorical"}, ValueError, r"position 7, out of range for the 2 columns of X"),
    ],
)
def test_roles_that_do_not_fit_the_data_raise(roles, error, match):
    df = export_table()
    if 7 in roles:
        df = df[["plan", "score"]]
    before = df.copy(deep=True)
    with pytest.raises(error, match=match):
        _fit(TabularEncoder(column_roles=roles), df)
    pd.testing.assert_frame_equal(df, before)  # nothing the user passed is modified


def test_a_table_of_identifiers_only_raises():
    df = pd.DataFrame({"id": np.arange(50), "key": [f"k{i}" for i in range(50)]})
    with pytest.raises(ValueError, match="No column of X can be modelled"):
        _fit(TabularEncoder(), df)


# ----------------------------------------------------------------------------------
# identifiers
# ----------------------------------------------------------------------------------


def _shape(value: str) -> str:
    return re.sub("[a-z]", "a", re.sub("[A-Z]", "A", re.sub("[0-9]", "9", value)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.lists(
        st.text(alphabet="abcXYZ0123456789@.-_", min_size=3, max_size=12),
        min_size=20,
        max_size=60,
        unique=True,
    ),
    n_out=st.integers(1, 200),
    seed=st.integers(0, 2**16),
)
def test_string_identifiers_are_fresh_unique_and_of_the_same_shape(ids, n_out, seed):
    df = pd.DataFrame({"id": pd.Series(ids, dtype=object), "v": np.arange(len(ids), dtype=float)})
    enc = TabularEncoder(column_roles={"id": "identifier"}).fit(df)
    Z = np.zeros((n_out, enc.n_features_out_), dtype=np.float32)
    for out in (enc.inverse_transform(Z), enc.decode_rows(Z, random_state=seed)):
        new = out["id"]
        assert new.dtype == df["id"].dtype
        assert not new.isin(ids).any()  # never a training value
        assert new.is_unique  # unique within one call
        shapes = {_shape(v) for v in ids}
        # the same shape as a training value, unless the shapes leave no room
        fallback = new.str.startswith("id-new-")
        assert all(_shape(v) in shapes for v in new[~fallback])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.lists(st.integers(-1000, 10**6), min_size=20, max_size=80, unique=True),
    n_out=st.integers(1, 300),
    seed=st.integers(0, 2**16),
)
def test_integer_identifiers_are_fresh_and_unique(ids, n_out, seed):
    df = pd.DataFrame({"id": np.asarray(ids, dtype=np.int64), "v": np.ones(len(ids))})
    enc = TabularEncoder(column_roles={"id": "identifier"}).fit(df)
    out = enc.decode_rows(np.zeros((n_out, enc.n_features_out_)), random_state=seed)
    assert out["id"].dtype == np.int64
    assert not out["id"].isin(ids).any() and out["id"].is_unique
    span = max(ids) - min(ids) + 1
    if span - len(ids) >= 2 * n_out:  # room in the training range: values drawn there
        assert out["id"].between(min(ids), max(ids)).all()


def test_row_numbers_continue_after_the_maximum_and_keep_missing_rate():
    df = pd.DataFrame({"rownames": np.arange(1, 201), "v": np.linspace(0, 1, 200)})
    enc = _fit(TabularEncoder(), df)
    out = enc.inverse_transform(enc.transform(df))
    assert out["rownames"].tolist() == list(range(201, 401))
    ids = pd.Series([f"ID-{i:05d}" if i % 10 else None for i in range(400)], dtype=object)
    df = pd.DataFrame({"ref": ids, "v": np.arange(400.0)})
    enc = TabularEncoder(column_roles={"ref": "identifier"}).fit(df)
    out = enc.decode_rows(np.zeros((4_000, enc.n_features_out_)), random_state=0)
    assert 0.07 < out["ref"].isna().mean() < 0.13  # 10% missing in training
    assert out["ref"].dropna().str.fullmatch(r"[A-Z]{2}-\d{5}").all()
    # transform ignores the column: it takes no encoded column
    assert enc.n_features_out_ == 1


# ----------------------------------------------------------------------------------
# datetimes
# ----------------------------------------------------------------------------------

_ZONES = [None, "UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
    tz=st.sampled_from(_ZONES),
    step=st.sampled_from(["D", "h", "min", "s"]),
    offsets=st.lists(st.integers(0, 5_000), min_size=2, max_size=40),
    nat=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_datetimes_round_trip_in_their_dtype(unit, tz, step, offsets, nat):
    base = pd.Timestamp("2019-03-30", tz=tz)
    values = pd.Series(base + pd.to_timedelta(offsets, unit=step)).astype(
        f"datetime64[{unit}]" if tz is None else pd.DatetimeTZDtype(unit, tz)
    )
    values[np.asarray(nat[: len(values)])] = pd.NaT
    df = pd.DataFrame({"t": values, "v": np.arange(len(values), dtype=float)})
    enc = TabularEncoder().fit(df)
    assert enc.column_roles_["t"] == "datetime"
    out = enc.inverse_transform(enc.transform(df))
    assert out["t"].dtype == df["t"].dtype
    pd.testing.assert_series_equal(out["t"], df["t"], check_exact=True)
    # sampled values: inside the range, on the column's resolution
    Z = np.random.RandomState(0).normal(size=(100, enc.n_features_out_))
    sampled = enc.decode_rows(Z, random_state=0)["t"].dropna()
    observed = df["t"].dropna()
    if len(observed):
        assert sampled.between(observed.min(), observed.max()).all()


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.date_range("2020-01-01", periods=60, freq="7D").strftime("%Y-%m-%d")),
        pd.Series(
            pd.date_range("2020-01-01", periods=60, freq="5h").strftime("%Y-%m-%d %H:%M:%S")
        ),
        pd.Series(pd.date_range("2020-01-01", periods=60, freq="5h").strftime("%Y-%m-%dT%H:%M")),
        pd.Series(
            pd.date_range("2020-01-01", periods=60, freq="77s").strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        pd.Series([dt.date(2020, 1, 1) + dt.timedelta(days=3 * i) for i in range(60)]),
        pd.Series(pd.to_timedelta(np.arange(60) * 90, unit="min")),
        pd.Series(pd.to_timedelta(np.arange(60) * 90, unit="min")).astype(object),
        pd.Series(pd.to_timedelta(np.arange(60) * 97, unit="s")).astype(str),
    ],
    ids=[
        "iso-date",
        "iso-datetime",
        "iso-T-minutes",
        "iso-utc",
        "date-objects",
        "timedelta",
        "timedelta-objects",
        "timedelta-strings",
    ],
)
def test_dates_in_every_form_come_back_in_their_form(column):
    column = column.copy()
    column[5] = None
    df = pd.DataFrame({"when": column, "v": np.arange(60.0)})
    enc = TabularEncoder().fit(df)
    assert enc.column_roles_["when"] == "datetime"
    out = enc.inverse_transform(enc.transform(df))
    assert out["when"].dtype == df["when"].dtype
    assert out["when"].isna().tolist() == df["when"].isna().tolist()
    assert out["when"].dropna().tolist() == df["when"].dropna().tolist()


def test_new_dates_that_do_not_parse_raise():
    df = pd.DataFrame({"when": ["2020-01-01", "2020-02-01"] * 10, "v": np.arange(20.0)})
    enc = TabularEncoder().fit(df)
    bad = df.assign(when=["2020-01-01", "yesterday"] * 10)
    with pytest.raises(ValueError, match=r"Column 'when' .*'yesterday'"):
        enc.transform(bad)


# ----------------------------------------------------------------------------------
# high cardinality and the privacy floor
# ----------------------------------------------------------------------------------


def test_high_cardinality_is_narrow_and_never_leaks_rare_values():
    rng = np.random.RandomState(0)
    n = 30_000
    common = [f"frequent{i}" for i in range(30)]
    values = np.where(
        rng.rand(n) < 0.4, rng.choice(common, n), [f"rare{i}" for i in rng.permutation(n)]
    )
    df = pd.DataFrame({"text": values, "v": rng.rand(n)})
    enc = _fit(TabularEncoder(), df)
    assert enc.column_roles_["text"] == "high_cardinality"
    assert enc.n_features_out_ <= 51
    codec = enc._codecs[0]
    assert not any(str(v).startswith("rare") for v in codec.infrequent_)  # not even stored
    Z = enc.transform(df)
    sampled = enc.decode_rows(np.abs(Z) + 0.1, random_state=0)["text"]
    counts = df["text"].value_counts()
    rare = set(counts.index[counts < 5])
    assert not sampled.isin(rare).any()
    decoded = enc.inverse_transform(Z)["text"]
    assert not decoded.isin(rare).any()


def test_privacy_floor_keeps_rare_one_hot_levels_out_of_samples():
    values = ["a"] * 50 + ["b"] * 40 + ["c"] * 2
    df = pd.DataFrame({"x": values})
    enc = TabularEncoder().fit(df)
    Z = np.ones((500, enc.n_features_out_))
    assert "c" not in set(enc.decode_rows(Z, random_state=0)["x"])
    # the deterministic inverse of a row's own code still returns the row's value
    assert enc.inverse_transform(enc.transform(df))["x"].tolist() == values
    off = TabularEncoder(privacy_floor=1).fit(df)
    assert "c" in set(off.decode_rows(Z, random_state=0)["x"])


# ----------------------------------------------------------------------------------
# precision and bounds
# ----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    decimals=st.integers(0, 4),
    values=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=3, max_size=50),
    transform=st.sampled_from(["standard", "quantile", "mode"]),
)
def test_decoded_values_keep_the_columns_decimals_and_range(decimals, values, transform):
    column = np.round(np.asarray(values), decimals)
    df = pd.DataFrame({"x": column})
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(df)
    Z = np.random.RandomState(0).normal(scale=3.0, size=(200, enc.n_features_out_))
    out = enc.decode_rows(np.abs(Z) if transform == "mode" else Z, random_state=0)["x"]
    assert out.between(column.min(), column.max()).all()
    if enc.describe()["role"].iloc[0] == "categorical":
        # a discrete quantity (whole numbers, few distinct values, e.g. a constant
        # column of zeros) is a categorical column: its training values come back
        assert set(out) <= set(column)
        return
    learnt = enc._codecs[0].decimals_
    assert learnt is not None and learnt <= decimals
    assert np.array_equal(np.round(out, learnt), out)


def test_integer_valued_floats_come_back_whole():
    df = pd.DataFrame({"x": np.random.RandomState(0).randint(0, 40, 200).astype(float)})
    enc = TabularEncoder().fit(df)
    out = enc.inverse_transform(np.random.RandomState(1).normal(size=(300, 1)))
    assert out["x"].dtype == np.float64
    assert (out["x"] == out["x"].round()).all()


def test_reflection_leaves_no_spike_at_the_bounds():
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"x": rng.uniform(0, 10, 1_000).round(2)})
    # decoded values that overshoot the range, as an untrained generator's do
    Z = rng.normal(scale=1.5, size=(20_000, 1))
    clipped = TabularEncoder(bounds="clip").fit(df).inverse_transform(Z)["x"]
    # "auto" (the default) reflects here: no value sits on the bounds in training
    reflected = TabularEncoder().fit(df).inverse_transform(Z)["x"]
    lo, hi = df["x"].min(), df["x"].max()
    at_bounds = lambda s: float(((s == lo) | (s == hi)).mean())  # noqa: E731
    assert at_bounds(clipped) > 0.2
    assert at_bounds(reflected) < 0.01
    assert reflected.between(lo, hi).all()


def test_auto_bounds_follow_the_columns_own_tails():
    rng = np.random.RandomState(0)
    # an amount that is 0 in 30% of the rows (a point mass, given by its own
    # indicator), no mass on the upper bound
    counts = np.where(rng.rand(2_000) < 0.3, 0.0, rng.exponential(5.0, 2_000).round(1))
    df = pd.DataFrame({"n": counts})
    enc = TabularEncoder().fit(df)
    assert enc.get_feature_names_out().tolist() == ["n", "n__is_0"]
    Z = np.c_[rng.normal(scale=2.0, size=20_000), np.zeros(20_000)]  # no row is a 0
    out = enc.inverse_transform(Z)["n"]
    raw = TabularEncoder(bounds=None).fit(df).inverse_transform(Z)["n"]
    others = df["n"][df["n"] > 0]
    # below the range: into the lower tail of the other values, not onto the zeros
    # (the indicator gives those)
    assert out[raw < 0].between(others.min(), others.quantile(0.05) + 0.05).all()
    top, q95 = df["n"].max(), df["n"].quantile(0.95)
    assert (out == top).mean() < 0.001  # no spike on the maximum
    assert out[raw > top].between(q95 - 0.05, top).all()  # into the top 5% (rounded)
    assert out.between(0, top).all()
    inside = (raw >= others.min()) & (raw <= top)
    assert (out[inside] == raw[inside]).all()
    # monotone: a farther overshoot never lands closer to the bound
    order = np.argsort(raw[raw > top].to_numpy())
    assert (np.diff(out[raw > top].to_numpy()[order]) <= 0).all()


def test_values_near_the_float64_limit():
    df = pd.DataFrame({"big": [1e160, 3e160, 2e161, -5e160]})
    enc = TabularEncoder().fit(df)
    out = enc.inverse_transform(enc.transform(df))
    np.testing.assert_allclose(out["big"], df["big"], rtol=1e-5)
    with pytest.raises(ValueError, match=r"Column 'huge' holds values as large as 1e\+305"):
        TabularEncoder().fit(pd.DataFrame({"huge": [1.0, 1e305]}))
    with pytest.raises(ValueError, match="or use 'standard'"):
        TabularEncoder(continuous_transform="quantile").fit(pd.DataFrame({"b": [1.0, 1e160]}))


# ----------------------------------------------------------------------------------
# every estimator with its defaults on an exported table
# ----------------------------------------------------------------------------------


def _no_copies(synthetic, real):
    for name in ("rownames", "customer_id", "email"):
        assert not synthetic[name].isin(real[name]).any(), name
        assert synthetic[name].is_unique, name
    counts = real["city"].value_counts()
    assert not synthetic["city"].isin(counts.index[counts < 5]).any()


@pytest.mark.filterwarnings("ignore::sklearn_ganae.tabular.ColumnRoleWarning")
@pytest.mark.parametrize("model", ["vae", "gan"])
def test_generators_on_an_exported_table(model):
    df = export_table(240)
    before = df.copy(deep=True)
    est = (
        VAETransformer(max_epochs=3, random_state=0)
        if model == "vae"
        else GANSampler(max_epochs=2, random_state=0)
    )
    synthetic = est.fit(df).sample(300)
    pd.testing.assert_frame_equal(df, before)
    assert list(synthetic.columns) == list(df.columns)
    assert (synthetic.dtypes == df.dtypes).all()
    _no_copies(synthetic, df)
    assert synthetic["signup"].dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert synthetic["income"].dtype == np.int64
    assert (synthetic["score"].dropna() == synthetic["score"].dropna().round(1)).all()


@pytest.mark.filterwarnings("ignore::sklearn_ganae.tabular.ColumnRoleWarning")
def test_autoencoder_and_augmentation_on_an_exported_table():
    df = export_table(240)
    X, y = df.drop(columns="plan"), df["plan"]
    ae = AutoencoderTransformer(n_components=3, max_epochs=2, random_state=0).fit(X)
    assert ae.transform(X).shape == (240, 3)
    decoded = ae.inverse_transform(ae.transform(X))
    assert (decoded.dtypes == X.dtypes).all()
    assert not decoded["email"].isin(X["email"]).any()
    X_res, y_res = AEAugmenter(random_state=0).set_params(estimator=clone(ae)).fit_resample(X, y)
    assert len(X_res) > len(X) and (X_res.dtypes == X.dtypes).all()
    new = X_res.iloc[len(X) :]
    assert not new["email"].isin(X["email"]).any()
    numeric = X.select_dtypes(["int64", "float64"]).drop(columns=["rownames", "customer_id"])
    clf = AugmentedClassifier(
        LogisticRegression(max_iter=200),
        augmenter=AEAugmenter(
            estimator=AutoencoderTransformer(n_components=2, max_epochs=2), random_state=0
        ),
    ).fit(numeric.fillna(0), y)
    assert set(clf.predict(numeric.fillna(0))) <= set(y)


# ----------------------------------------------------------------------------------
# edge cases found in review
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.date_range("2300-01-01", periods=60, freq="D", unit="s")),
        pd.Series(np.array(["1500-01-01"] * 30 + ["1500-02-03"] * 30, dtype="M8[s]")),
        pd.Series([dt.date(1500, 1, 1) + dt.timedelta(days=i) for i in range(60)]),
        pd.Series([f"1600-01-{1 + i % 28:02d}" for i in range(60)]),
        pd.Series(pd.to_timedelta(np.arange(60) * 73_000, unit="D").astype("m8[s]")),
    ],
    ids=["year-2300", "year-1500-M8s", "date-1500", "iso-1600", "timedelta-200-years"],
)
def test_dates_outside_the_nanosecond_range_round_trip(column):
    df = pd.DataFrame({"t": column, "x": np.arange(60.0)})
    enc = TabularEncoder().fit(df)
    out = enc.inverse_transform(enc.transform(df))
    assert out["t"].dtype == df["t"].dtype
    assert out["t"].astype(str).tolist() == df["t"].astype(str).tolist()


def test_object_datetimes_with_mixed_offsets_decode():
    zones = [dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=2))]
    values = [dt.datetime(2021, 3, 1 + i % 27, tzinfo=zones[i % 2]) for i in range(60)]
    df = pd.DataFrame({"t": pd.Series(values, dtype=object), "x": np.arange(60.0)})
    enc = TabularEncoder().fit(df)
    out = enc.inverse_transform(enc.transform(df))
    assert [pd.Timestamp(v) for v in out["t"]] == [pd.Timestamp(v) for v in values]
    enc.decode_rows(np.zeros((10, enc.n_features_out_)), random_state=0)  # no read-only error


def test_integer_identifiers_beyond_float_precision_stay_exact():
    ids = 2**53 + 4 * np.arange(200)
    df = pd.DataFrame({"customer_id": ids, "x": np.arange(200.0)})
    enc = _fit(TabularEncoder(), df)
    out = enc.decode_rows(np.zeros((200, enc.n_features_out_)), random_state=0)
    assert not out["customer_id"].isin(ids).any() and out["customer_id"].is_unique
    top = np.iinfo(np.int64).max - 3 * np.arange(100)
    enc = _fit(TabularEncoder(), pd.DataFrame({"row_id": top, "x": np.arange(100.0)}))
    out = enc.decode_rows(np.zeros((500, 1)), random_state=0)["row_id"]
    assert not out.isin(top).any() and out.is_unique


@pytest.mark.filterwarnings("ignore::sklearn_ganae.tabular.ColumnRoleWarning")
def test_identifiers_are_unique_across_the_batches_of_one_sample_call():
    df = pd.DataFrame(
        {
            "rownames": np.arange(1, 201),
            "code": [f"AB{i:04d}" for i in range(200)],
            "x": np.random.RandomState(0).rand(200),
        }
    )
    gan = GANSampler(max_epochs=1, random_state=0).fit(df)
    rows = gan.sample(20_500)  # three batches of at most 10,000
    assert rows["rownames"].is_unique and rows["code"].is_unique
    assert not rows["code"].isin(df["code"]).any()


def test_date_shaped_codes_and_blank_dates():
    rng = np.random.RandomState(0)
    parts = rng.choice([f"{1000 + i}-{10 + i}" for i in range(10)], 200)
    enc = TabularEncoder().fit(pd.DataFrame({"part": parts, "x": rng.rand(200)}))
    assert enc.column_roles_["part"] == "categorical"  # shaped like "YYYY-MM", not dates
    dates = pd.Series(pd.date_range("2020-01-01", periods=200).strftime("%Y-%m-%d"))
    dates[3] = ""  # a blank cell of a CSV export
    df = pd.DataFrame({"d": dates, "x": rng.rand(200)})
    enc = TabularEncoder().fit(df)
    assert enc.column_roles_["d"] == "datetime"
    out = enc.inverse_transform(enc.transform(df))["d"]
    assert pd.isna(out[3]) and out.drop(index=3).tolist() == dates.drop(index=3).tolist()


def test_failed_refit_of_the_encoder_keeps_its_state():
    rng = np.random.RandomState(0)
    A = pd.DataFrame({"p": rng.rand(50), "q": rng.rand(50)})
    enc = TabularEncoder().fit(A)
    Z = enc.transform(A)
    with pytest.raises(ValueError, match="cannot be read as dates"):
        enc.set_params(column_roles={"q": "datetime"}).fit(A.assign(q=["x"] * 50))
    np.testing.assert_array_equal(enc.transform(A), Z)
    fresh = TabularEncoder(column_roles={"q": "datetime"})
    with pytest.raises(ValueError):
        fresh.fit(A.assign(q=["x"] * 50))
    assert not hasattr(fresh, "layout_")


def test_integer_column_labels_in_column_roles():
    rng = np.random.RandomState(0)
    df = pd.DataFrame({1: rng.rand(50), 0: rng.randint(0, 3, 50)})
    roles = TabularEncoder(column_roles={0: "categorical"}).fit(df).column_roles_
    assert roles == {"1": "continuous", "0": "categorical"}  # the label 0, not position 0


@pytest.mark.parametrize(
    "roles, match",
    [
        ({"x": "integer"}, r"'x' was given the role 'integer' but holds non-integer values"),
        ({"k": "boolean"}, r"'k' was given the role 'boolean' but holds 10 distinct values"),
    ],
)
def test_integer_and_boolean_overrides_must_fit(roles, match):
    df = pd.DataFrame({"x": [5.29, 1.0, 2.0] * 10, "k": list(range(10)) * 3})
    with pytest.raises(ValueError, match=match):
        TabularEncoder(column_roles=roles).fit(df)


def test_rare_levels_leave_the_category_dtype():
    values = [f"c{i % 6}" for i in range(360)] + ["SECRET_NAME"] + [f"s{i}" for i in range(100)]
    df = pd.DataFrame({"cat": pd.Categorical(values), "x": np.arange(len(values), dtype=float)})
    enc = _fit(TabularEncoder(), df)
    out = enc.decode_rows(np.ones((50, enc.n_features_out_)), random_state=0)
    assert "SECRET_NAME" not in out["cat"].cat.categories
    assert set(out["cat"].cat.categories) == {f"c{i}" for i in range(6)}


def test_integer_ids_stored_as_floats_are_identifiers():
    ids = np.arange(100, 300).astype(float)
    ids[5] = np.nan  # a missing value makes pandas read the column as floats
    df = pd.DataFrame({"patient_id": ids, "x": np.random.RandomState(0).rand(200)})
    enc = _fit(TabularEncoder(), df)
    assert enc.column_roles_["patient_id"] == "identifier"
    out = enc.decode_rows(np.zeros((300, enc.n_features_out_)), random_state=0)["patient_id"]
    assert not out.dropna().isin(ids).any() and out.dropna().is_unique


def test_naive_dates_into_an_aware_column_raise():
    t = pd.Series(pd.date_range("2021-01-01", periods=50, tz="Europe/Paris"))
    enc = TabularEncoder().fit(pd.DataFrame({"t": t, "x": np.arange(50.0)}))
    naive = pd.DataFrame({"t": t.dt.tz_localize(None), "x": np.arange(50.0)})
    with pytest.raises(ValueError, match="fitted on time-zone aware datetimes and got naive"):
        enc.transform(naive)


def test_the_privacy_floor_spares_booleans():
    df = pd.DataFrame({"flag": [True] * 3 + [False] * 97, "x": np.arange(100.0)})
    enc = TabularEncoder().fit(df)
    sampled = enc.decode_rows(np.ones((1_000, enc.n_features_out_)), random_state=0)["flag"]
    assert sampled.any()  # a value seen 3 times, but a boolean identifies nobody


def test_sampled_values_have_as_many_decimals_as_training_values():
    """A column of whole numbers with a few halves (written with one decimal) samples
    whole numbers as often as it has them, not one value in ten."""
    rng = np.random.RandomState(0)
    x = rng.randint(50, 70, 2_000).astype(float)
    x[rng.rand(2_000) < 0.05] += 0.5
    df = pd.DataFrame({"x": x})
    enc = TabularEncoder(random_state=0).fit(df)
    codec = enc._codecs[0]
    assert codec.decimals_ == 1
    np.testing.assert_allclose(
        codec.decimal_p_, [np.mean(x == np.round(x)), np.mean(x != np.round(x))]
    )
    Z = rng.normal(scale=0.8, size=(5_000, enc.n_features_out_))
    sampled = enc.decode_rows(Z, random_state=0)["x"]
    whole = float((sampled == sampled.round()).mean())
    assert abs(whole - 0.95) < 0.03
    assert sampled.between(x.min(), x.max()).all()
    assert np.array_equal(np.round(sampled, 1), sampled)
    # decoding without a random state is a function: every value to one decimal
    decoded = enc.inverse_transform(Z)["x"]
    assert float((decoded == decoded.round()).mean()) < 0.2
    # whole numbers, and values of full precision, draw nothing
    for column in (np.arange(100.0), rng.normal(size=100)):
        codec = TabularEncoder().fit(pd.DataFrame({"x": column}))._codecs[0]
        assert codec.decimal_p_ is None


def test_a_point_mass_gets_an_indicator_and_keeps_its_share():
    """An amount that is 0 in 30% of the rows: a density cannot put that mass on one
    point, so the codec adds a 0/1 indicator for it, and sampling keeps the share."""
    rng = np.random.RandomState(0)
    x = np.where(rng.rand(3_000) < 0.3, 0.0, rng.exponential(5.0, 3_000).round(2) + 0.01)
    df = pd.DataFrame({"spent": x, "other": rng.normal(size=3_000)})
    enc = TabularEncoder(random_state=0).fit(df)
    assert enc.get_feature_names_out().tolist() == ["spent", "spent__is_0", "other"]
    Z = enc.transform(df)
    np.testing.assert_array_equal(Z[:, 1], (x == 0).astype(np.float32))
    back = enc.inverse_transform(Z)
    np.testing.assert_allclose(back["spent"], x, rtol=1e-5, atol=1e-5)  # a round trip
    # the indicator's probability is the share of zeros drawn; the other rows are
    # continuous values (out-of-range ones go to the other values' tails, not onto 0)
    Z_new = Z.copy()
    Z_new[:, 1] = 0.3
    Z_new[:, 0] = rng.normal(scale=2.0, size=len(Z))
    sampled = enc.decode_rows(Z_new, random_state=0)["spent"]
    assert abs(float((sampled == 0).mean()) - 0.3) < 0.03
    # no point mass: a column without a frequent value, and a discrete integer column
    for column in (rng.normal(size=500), rng.poisson(2, 500).astype(np.int64)):
        names = TabularEncoder().fit(pd.DataFrame({"c": column})).get_feature_names_out()
        assert not any("__is_" in n for n in names)


def test_several_point_masses_get_a_category_each_and_keep_their_shares():
    """An allowance of a few standard amounts (80% of the rows) and a spread of other
    amounts: each standard amount is a category of its own, the others continuous."""
    rng = np.random.RandomState(0)
    n = 4_000
    standard = np.array([35, 45, 60, 75, 90])
    shares = np.array([0.27, 0.19, 0.18, 0.12, 0.04])
    pick = rng.choice(6, n, p=[*shares, 1 - shares.sum()])
    spread = rng.randint(30, 180, n)
    x = np.where(pick < 5, standard[np.minimum(pick, 4)], spread)
    df = pd.DataFrame({"expenses": x})
    enc = TabularEncoder(random_state=0).fit(df)
    assert enc.column_roles_ == {"expenses": "integer"}
    names = enc.get_feature_names_out().tolist()
    assert names == ["expenses", *(f"expenses__is_{v}" for v in standard), "expenses__is_other"]
    assert "point masses at 35, 45, 60, 75, 90" in enc.describe()["detail"].iloc[0]
    Z = enc.transform(df)
    np.testing.assert_array_equal(Z[:, 1:].sum(axis=1), 1.0)  # one category per row
    np.testing.assert_array_equal(enc.inverse_transform(Z)["expenses"], x)  # a round trip
    # sampling: the category probabilities give each amount's share
    Z_new = Z.copy()
    Z_new[:, 1:] = [*shares, 1 - shares.sum()]
    Z_new[:, 0] = rng.normal(scale=2.0, size=n)
    sampled = enc.decode_rows(Z_new, random_state=0)["expenses"].to_numpy()
    for value, share in zip(standard, shares):
        assert abs(float((sampled == value).mean()) - share) < 0.03
    assert sampled.dtype == x.dtype
    # a column whose values are all about as frequent has none
    flat = TabularEncoder().fit(pd.DataFrame({"c": rng.randint(0, 200, n)}))
    assert flat.get_feature_names_out().tolist() == ["c"]
