"""Tests of the reversible tabular encoding (:mod:`sklearn_ganae.tabular`)."""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from sklearn_ganae import ColumnBlock, TabularEncoder, TabularLayout
from sklearn_ganae.tabular import CATEGORICAL, CONTINUOUS, MISSING

TRANSFORMS = ["standard", "quantile", "mode", "auto"]


# ----------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------


def _is_float(dtype) -> bool:
    return pd.api.types.is_float_dtype(dtype)


def _float_values(x) -> np.ndarray:
    if isinstance(x, pd.Series):
        return x.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(x, dtype=np.float64)


def assert_close_floats(got, expected, rtol=1e-5):
    """NaN at the same places; elsewhere close.

    The encoded matrix is float32, so a decoded value carries an absolute error of
    about ``|x - centre| * 6e-8``: the tolerance is relative to the value and to the
    column's magnitude (``atol = rtol * max|x|``).
    """
    g, e = _float_values(got), _float_values(expected)
    assert g.shape == e.shape
    assert_array_equal(np.isnan(g), np.isnan(e))
    observed = ~np.isnan(e)
    if observed.any():
        scale = np.abs(e[observed]).max()
        assert_allclose(g[observed], e[observed], rtol=rtol, atol=rtol * scale)


def assert_frame_roundtrip(out: pd.DataFrame, df: pd.DataFrame, rtol=1e-5):
    """``out`` has the names, order and dtypes of ``df``; values equal (floats close)."""
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(df.columns)
    assert out.shape == df.shape
    assert isinstance(out.index, pd.RangeIndex)
    for name in df.columns:
        got, expected = out[name], df[name].reset_index(drop=True)
        assert got.dtype == expected.dtype, (name, got.dtype, expected.dtype)
        if _is_float(expected.dtype):
            assert_close_floats(got, expected, rtol=rtol)
        else:
            # exact: integers, booleans, categories (with the full category set), strings
            # and the positions of missing values
            pd.testing.assert_series_equal(got, expected, check_exact=True)


def assert_layout_consistent(enc: TabularEncoder, Z: np.ndarray | None = None):
    """Blocks contiguous and covering the output, kinds and widths as documented."""
    layout = enc.layout_
    assert isinstance(layout, TabularLayout)
    assert all(isinstance(b, ColumnBlock) for b in layout)
    assert layout[0].start == 0
    for prev, nxt in zip(layout[:-1], layout[1:]):
        assert prev.stop == nxt.start
        assert nxt.column >= prev.column
    assert layout.n_features == layout[-1].stop == enc.n_features_out_
    covered = np.concatenate([np.arange(b.start, b.stop) for b in layout])
    assert_array_equal(covered, np.arange(enc.n_features_out_))
    names_out = enc.get_feature_names_out()
    assert len(names_out) == enc.n_features_out_
    for kind in (CONTINUOUS, CATEGORICAL, MISSING):
        expected = [np.arange(b.start, b.stop) for b in layout if b.kind == kind]
        expected = np.concatenate(expected) if expected else np.zeros(0, dtype=np.int64)
        assert_array_equal(layout.indices(kind), expected)
        assert layout.indices(kind).dtype == np.int64
        assert all(b.kind == kind for b in layout.blocks(kind))
    names_in = [str(c) for c in getattr(enc, "feature_names_in_", [])]
    for j in range(enc.n_features_in_):
        blocks = [b for b in layout if b.column == j]
        assert blocks, f"column {j} has no block"
        if names_in:
            assert all(b.name == names_in[j] for b in blocks)
        kinds = [b.kind for b in blocks]
        if enc.categorical_mask_[j]:
            assert kinds == [CATEGORICAL]
            codec = enc._codecs[j]
            assert blocks[0].width == len(codec.categories_) + int(codec.has_infrequent)
        else:
            assert kinds[0] == CONTINUOUS and blocks[0].width == 1
            rest = kinds[1:]
            if enc._codecs[j].method == "mode":
                assert rest[0] == CATEGORICAL and blocks[1].width >= 1
                rest = rest[1:]
            assert rest in ([], [MISSING])
            if rest:
                assert blocks[-1].width == 1
                assert names_out[blocks[-1].start].endswith("__missing")
    if Z is not None:
        assert Z.dtype == np.float32
        assert Z.shape[1] == enc.n_features_out_
        assert np.isfinite(Z).all()
        for b in layout.blocks(MISSING):
            assert set(np.unique(Z[:, b.slice])) <= {0.0, 1.0}
        for b in layout.blocks(CATEGORICAL):
            block = Z[:, b.slice]
            assert set(np.unique(block)) <= {0.0, 1.0}
            sums = block.sum(axis=1)
            if enc.handle_unknown == "error" or not enc.categorical_mask_[b.column]:
                assert_array_equal(sums, 1.0)
            else:
                assert set(np.unique(sums)) <= {0.0, 1.0}


def mixed_frame(n=60, seed=0) -> pd.DataFrame:
    """A DataFrame with every kind of column the encoder supports."""
    rng = np.random.RandomState(seed)
    nan_mask = rng.rand(n) < 0.2
    return pd.DataFrame(
        {
            "f64": rng.normal(3.0, 2.0, n),
            "f32": rng.normal(size=n).astype(np.float32),
            "f_nan": np.where(nan_mask, np.nan, rng.exponential(5.0, n)),
            "i64": rng.randint(-50, 200, n).astype(np.int64),
            "i32": rng.randint(0, 5, n).astype(np.int32),
            "Int64_na": pd.array(
                [None if m else int(v) for m, v in zip(rng.rand(n) < 0.3, rng.randint(0, 9, n))],
                dtype="Int64",
            ),
            "Float64_na": pd.array(
                [None if m else float(v) for m, v in zip(rng.rand(n) < 0.3, rng.rand(n))],
                dtype="Float64",
            ),
            "bool": rng.rand(n) < 0.4,
            "boolean_na": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
            "cat": pd.Categorical(rng.choice(["lo", "mid", "hi"], n)),
            "cat_unused": pd.Categorical(
                rng.choice(["a", "b"], n), categories=["a", "b", "never", "seen"]
            ),
            "cat_ordered_nan": pd.Categorical(
                rng.choice(["s", "m", "l", None], n), categories=["s", "m", "l"], ordered=True
            ),
            "cat_int": pd.Categorical(rng.choice([10, 20, 30], n), categories=[10, 20, 30, 40]),
            "obj": pd.Series(rng.choice(["red", "green", "blue"], n), dtype=object),
            "obj_nan": pd.Series(
                [np.nan if m else v for m, v in zip(nan_mask, rng.choice(["u", "v"], n))],
                dtype=object,
            ),
            "str": pd.Series(rng.choice(["p", "q", "r"], n), dtype="str"),
            "str_nan": pd.Series(
                [
                    np.nan if m else v
                    for m, v in zip(rng.rand(n) < 0.25, rng.choice(["x", "y"], n))
                ],
                dtype="str",
            ),
            "string_na": pd.Series(
                [pd.NA if m else v for m, v in zip(rng.rand(n) < 0.25, rng.choice(["k", "l"], n))],
                dtype="string",
            ),
        }
    )


# ----------------------------------------------------------------------------------
# round trips
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_roundtrip_mixed_dataframe(transform):
    df = mixed_frame()
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(df)
    Z = enc.transform(df)
    assert Z.dtype == np.float32 and Z.shape == (len(df), enc.n_features_out_)
    out = enc.inverse_transform(Z)
    assert_frame_roundtrip(out, df)
    # the category dtype keeps its full category set (unused ones included), its order
    # and orderedness
    assert list(out["cat_unused"].cat.categories) == ["a", "b", "never", "seen"]
    assert list(out["cat_int"].cat.categories) == [10, 20, 30, 40]
    assert out["cat_ordered_nan"].cat.ordered
    assert out["cat_ordered_nan"].isna().sum() == df["cat_ordered_nan"].isna().sum() > 0
    assert out["Int64_na"].isna().sum() == df["Int64_na"].isna().sum() > 0
    assert str(out["str"].dtype) == str(df["str"].dtype)
    assert_layout_consistent(enc, Z)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_roundtrip_numeric_array(transform, dtype):
    rng = np.random.RandomState(1)
    X = (rng.normal(size=(80, 3)) * [1.0, 10.0, 100.0] + [0.0, 50.0, 300.0]).astype(dtype)
    if np.issubdtype(dtype, np.integer):
        X = np.abs(X)
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(X)
    Z = enc.transform(X)
    assert Z.dtype == np.float32 and Z.shape == (80, enc.n_features_out_)
    out = enc.inverse_transform(Z)
    assert isinstance(out, np.ndarray)
    assert out.dtype == X.dtype
    if np.issubdtype(dtype, np.integer):
        assert_array_equal(out, X)
    else:
        for j in range(X.shape[1]):
            assert_close_floats(out[:, j], X[:, j])
    assert_layout_consistent(enc, Z)


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_roundtrip_array_with_nan(transform):
    rng = np.random.RandomState(2)
    X = rng.normal(size=(50, 3))
    X[rng.rand(50, 3) < 0.25] = np.nan
    X[:, 2] = np.nan  # an all-missing column
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(X)
    Z = enc.transform(X)
    assert len(enc.layout_.blocks(MISSING)) == 3
    out = enc.inverse_transform(Z)
    assert out.dtype == np.float64
    for j in range(3):
        assert_close_floats(out[:, j], X[:, j])


def test_quantile_roundtrip_heavy_tail_extremes():
    # the extremes of a heavy-tailed column sit at the clipped ends of the quantile
    # code; float32 rounding there must not pull the maximum into the last (wide) gap
    rng = np.random.RandomState(0)
    x = rng.lognormal(0.0, 3.0, 3000)
    X = np.column_stack([x, np.round(x * 10)]).astype(np.float64)
    enc = TabularEncoder(continuous_transform="quantile", random_state=0).fit(X)
    out = enc.inverse_transform(enc.transform(X))
    assert out[:, 0].max() == x.max() and out[:, 0].min() == x.min()
    for j in range(2):
        assert_close_floats(out[:, j], X[:, j])
    X_int = np.round(x * 10).astype(np.int64)[:, None]
    enc = TabularEncoder(continuous_transform="quantile", random_state=0).fit(X_int)
    assert_array_equal(enc.inverse_transform(enc.transform(X_int)), X_int)
    # codes beyond the ends decode to the training range
    out = enc.inverse_transform(np.array([[-40.0], [40.0]]))
    assert out.ravel().tolist() == [X_int.min(), X_int.max()]


def test_roundtrip_bool_array():
    # bools in a NumPy array are numeric: a decoded 0.2 must not become True
    X = np.random.RandomState(0).rand(40, 2) < 0.3
    for transform in TRANSFORMS:
        enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(X)
        out = enc.inverse_transform(enc.transform(X))
        assert out.dtype == bool
        assert_array_equal(out, X)
    enc = TabularEncoder().fit(X)
    low = enc.transform(np.full((3, 2), 0.2))  # encodings of 0.2 (closer to False)
    high = enc.transform(np.full((3, 2), 0.8))
    assert not enc.inverse_transform(low).any()
    assert enc.inverse_transform(high).all()


def test_roundtrip_bool_columns_declared_continuous():
    rng = np.random.RandomState(0)
    df = pd.DataFrame(
        {
            "b": rng.rand(40) < 0.3,
            "B": pd.array(rng.choice([True, False, None], 40), dtype="boolean"),
        }
    )
    enc = TabularEncoder(categorical_features=[]).fit(df)
    assert not enc.categorical_mask_.any()
    assert_frame_roundtrip(enc.inverse_transform(enc.transform(df)), df)


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_roundtrip_one_row(transform):
    df = pd.DataFrame(
        {
            "a": [1.5],
            "i": [7],
            "n": [np.nan],
            "c": pd.Categorical(["x"], categories=["x", "y"]),
            "s": pd.Series(["w"], dtype="str"),
            "b": [True],
        }
    )
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(df)
    Z = enc.transform(df)
    assert Z.shape == (1, enc.n_features_out_)
    assert_frame_roundtrip(enc.inverse_transform(Z), df)
    assert_layout_consistent(enc, Z)


def test_roundtrip_categorical_arrays():
    # categorical columns of NumPy arrays: integer, object and fixed-width string arrays
    X_int = np.array([[1, 10], [2, 20], [1, 30], [3, 10]])
    enc = TabularEncoder(categorical_features=[0]).fit(X_int)
    assert enc.layout_[0].kind == CATEGORICAL and enc.layout_[0].width == 3
    out = enc.inverse_transform(enc.transform(X_int))
    assert out.dtype == X_int.dtype
    assert_array_equal(out, X_int)

    X_obj = np.array([["a", 1.5], ["b", -2.0], [np.nan, 0.25]], dtype=object)
    enc = TabularEncoder(categorical_features=[0]).fit(X_obj)
    out = enc.inverse_transform(enc.transform(X_obj))
    assert out.dtype == object
    assert out[0, 0] == "a" and out[1, 0] == "b" and pd.isna(out[2, 0])
    assert_allclose(out[:, 1].astype(float), [1.5, -2.0, 0.25], rtol=1e-6)

    X_str = np.array([["apple", "x"], ["b", "yy"], ["apple", "x"]])
    enc = TabularEncoder(categorical_features=[True, True]).fit(X_str)
    out = enc.inverse_transform(enc.transform(X_str))
    assert out.dtype.kind == "U"
    assert_array_equal(out, X_str)

    # float categories, NaN as a category of its own
    X_float = np.array([[0.5], [np.nan], [0.5], [2.0]])
    enc = TabularEncoder(categorical_features=[0]).fit(X_float)
    assert enc.n_features_out_ == 3
    out = enc.inverse_transform(enc.transform(X_float))
    assert_array_equal(out, X_float)


def test_roundtrip_non_string_column_names_and_index():
    rng = np.random.RandomState(0)
    df = pd.DataFrame(
        {0: rng.normal(size=10), 1: rng.choice(["a", "b"], 10)},
        index=np.arange(100, 110),
    )
    enc = TabularEncoder().fit(df)
    assert not hasattr(enc, "feature_names_in_")
    out = enc.inverse_transform(enc.transform(df))
    assert list(out.columns) == [0, 1]
    assert_frame_roundtrip(out, df.reset_index(drop=True))
    assert list(enc.get_feature_names_out()) == ["0", "1_a", "1_b"]


def test_refit_forgets_previous_columns():
    enc = TabularEncoder().fit(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))
    enc.fit(np.eye(3))
    assert enc.get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    assert isinstance(enc.inverse_transform(enc.transform(np.eye(3))), np.ndarray)
    enc.fit(pd.DataFrame({5: [1.0, 2.0], 6: [3.0, 4.0]}))
    assert enc.get_feature_names_out().tolist() == ["5", "6"]
    with pytest.raises(ValueError, match="infinity in column '6'"):
        enc.transform(pd.DataFrame({5: [1.0], 6: [np.inf]}))


def test_roundtrip_mixed_type_object_column():
    # mixed Python types cannot be sorted: first-appearance order, exact round trip
    df = pd.DataFrame({"m": pd.Series([1, "a", 2.5, "a", 1], dtype=object)})
    enc = TabularEncoder().fit(df)
    assert enc.n_features_out_ == 3
    out = enc.inverse_transform(enc.transform(df))
    assert out["m"].tolist() == [1, "a", 2.5, "a", 1]


def test_transform_is_deterministic_and_seeded():
    df = mixed_frame(80)
    for transform in ("quantile", "mode"):
        a = TabularEncoder(continuous_transform=transform, random_state=3).fit(df)
        b = TabularEncoder(continuous_transform=transform, random_state=3).fit(df)
        assert_array_equal(a.transform(df), b.transform(df))
        assert_array_equal(a.transform(df), a.transform(df))


def test_categories_sorted_nan_last_and_feature_names():
    df = pd.DataFrame(
        {"size": [1.0, 2.5, None, 4.0], "color": ["red", "blue", "red", None]}
    ).astype({"color": object})
    enc = TabularEncoder().fit(df)
    assert enc.get_feature_names_out().tolist() == [
        "size",
        "size__missing",
        "color_blue",
        "color_red",
        "color_nan",
    ]
    enc = TabularEncoder(continuous_transform="mode", random_state=0).fit(df)
    names = enc.get_feature_names_out().tolist()
    assert names[0] == "size" and names[1].startswith("size__mode")
    assert enc.get_feature_names_out(["size", "color"]).tolist() == names
    with pytest.raises(ValueError, match="input_features"):
        enc.get_feature_names_out(["a", "b"])


def test_auto_transform_chooses_per_column():
    # two separated bumps, a skewed single bump, a uniform spread and a bell: only the
    # first is multimodal; "auto" gives it the modes and the others the quantiles
    rng = np.random.RandomState(0)
    n = 3_000
    df = pd.DataFrame(
        {
            "two_bumps": np.where(rng.rand(n) < 0.4, rng.normal(0, 1, n), rng.normal(8, 1, n)),
            "skewed": rng.lognormal(0, 1, n),
            "uniform": rng.uniform(0, 1, n),
            "bell": rng.normal(50, 5, n),
        }
    )
    enc = TabularEncoder(continuous_transform="auto", random_state=0).fit(df)
    methods = {c.name: c.method for c in enc._codecs}
    assert methods == {
        "two_bumps": "mode",
        "skewed": "quantile",
        "uniform": "quantile",
        "bell": "quantile",
    }
    # the layout follows: mode indicators for the bimodal column only
    names = enc.get_feature_names_out().tolist()
    assert any(n.startswith("two_bumps__mode") for n in names)
    assert not any(n.startswith(("skewed__mode", "bell__mode")) for n in names)
    detail = enc.describe().set_index("column")["detail"]
    assert detail["two_bumps"].endswith("modes")
    assert detail["skewed"].endswith("quantile-normalised")
    # the same choice as the fixed method gives, column by column
    fixed = TabularEncoder(continuous_transform="mode", random_state=0).fit(df[["two_bumps"]])
    np.testing.assert_allclose(
        enc.transform(df)[:, : fixed.n_features_out_], fixed.transform(df[["two_bumps"]])
    )


def test_auto_transform_needs_no_spread():
    # constant, two-valued and all-missing columns: nothing to find peaks in
    df = pd.DataFrame(
        {"const": np.full(50, 3.0), "two": np.tile([0.5, 1.5], 25), "none": np.full(50, np.nan)}
    )
    roles = dict.fromkeys(df.columns, "continuous")
    enc = TabularEncoder(continuous_transform="auto", column_roles=roles, random_state=0)
    enc.fit(df)
    assert [c.method for c in enc._codecs] == ["quantile"] * 3
    back = enc.inverse_transform(enc.transform(df))
    np.testing.assert_allclose(back["const"], 3.0)


def test_set_output_pandas_uses_feature_names():
    df = mixed_frame(20)
    enc = TabularEncoder().set_output(transform="pandas").fit(df)
    out = enc.transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == enc.get_feature_names_out().tolist()


# ----------------------------------------------------------------------------------
# property-based round trips
# ----------------------------------------------------------------------------------

# finite floats that float32 can hold with its relative precision (no subnormals)
_FLOATS = st.floats(
    min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False
).filter(lambda v: v == 0.0 or abs(v) >= 1e-6)
_KINDS = [
    "float",
    "float_nan",
    "const",
    "int",
    "Int64",
    "bool",
    "category",
    "object",
    "str",
    "single",
]


@st.composite
def _column(draw, kind: str, n: int):
    maybe_nan = st.booleans() if kind != "float" else st.just(False)
    if kind in ("float", "float_nan"):
        values = draw(st.lists(_FLOATS, min_size=n, max_size=n))
        nan = draw(st.lists(maybe_nan, min_size=n, max_size=n))
        return np.where(nan, np.nan, values).astype(np.float64)
    if kind == "const":
        value = draw(_FLOATS)
        nan = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        return np.where(nan, np.nan, value)
    if kind == "int":
        return np.asarray(
            draw(st.lists(st.integers(-100_000, 100_000), min_size=n, max_size=n)),
            dtype=np.int64,
        )
    if kind == "Int64":
        values = draw(st.lists(st.one_of(st.none(), st.integers(-50, 50)), min_size=n, max_size=n))
        return pd.array(values, dtype="Int64")
    if kind == "bool":
        return np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "category":
        values = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
        return pd.Categorical(values, categories=["a", "b", "c", "unused"])
    if kind == "object":
        values = draw(st.lists(st.sampled_from(["x", "y", "zz", np.nan]), min_size=n, max_size=n))
        return pd.Series(values, dtype=object)
    if kind == "str":
        values = draw(st.lists(st.sampled_from(["p", "q", np.nan]), min_size=n, max_size=n))
        return pd.Series(values, dtype="str")
    # a single category, possibly with missing values
    values = draw(st.lists(st.sampled_from(["only", "only", np.nan]), min_size=n, max_size=n))
    return pd.Series(values, dtype=object)


@st.composite
def mixed_frames(draw):
    n = draw(st.integers(1, 25))
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=5))
    data = {f"{kind}_{j}": draw(_column(kind, n)) for j, kind in enumerate(kinds)}
    return pd.DataFrame(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=mixed_frames(), transform=st.sampled_from(TRANSFORMS))
def test_property_roundtrip_mixed_frames(df, transform):
    before = df.copy(deep=True)
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(df)
    Z = enc.transform(df)
    assert_layout_consistent(enc, Z)
    out = enc.inverse_transform(Z)
    assert_frame_roundtrip(out, df)
    # sampling a one-hot encoded table with a random state reproduces it too, once the
    # privacy floor (which keeps values seen < 5 times out of samples) is off
    enc = TabularEncoder(continuous_transform=transform, privacy_floor=1, random_state=0)
    Z = enc.fit_transform(df)
    assert_frame_roundtrip(enc.decode_rows(Z, random_state=0), df)
    pd.testing.assert_frame_equal(df, before)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    X=st.integers(1, 20).flatmap(
        lambda n: st.lists(
            st.lists(st.one_of(_FLOATS, st.just(np.nan)), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    ),
    transform=st.sampled_from(TRANSFORMS),
)
def test_property_roundtrip_float_arrays(X, transform):
    X = np.asarray(X, dtype=np.float64)
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(X)
    Z = enc.transform(X)
    assert_layout_consistent(enc, Z)
    out = enc.inverse_transform(Z)
    assert out.dtype == np.float64 and out.shape == X.shape
    for j in range(X.shape[1]):
        assert_close_floats(out[:, j], X[:, j])


# ----------------------------------------------------------------------------------
# layout
# ----------------------------------------------------------------------------------


def test_layout_kinds_and_widths():
    df = pd.DataFrame(
        {
            "x": [0.0, 1.0, 2.0, np.nan, 4.0, 5.0],
            "y": [1, 2, 3, 4, 5, 6],
            "c": ["a", "b", "c", "a", "b", "c"],
            "one": ["k"] * 6,
        }
    )
    enc = TabularEncoder().fit(df)
    layout = enc.layout_
    assert [(b.kind, b.column, b.name, b.start, b.stop) for b in layout] == [
        (CONTINUOUS, 0, "x", 0, 1),
        (MISSING, 0, "x", 1, 2),
        (CONTINUOUS, 1, "y", 2, 3),
        (CATEGORICAL, 2, "c", 3, 6),
        (CATEGORICAL, 3, "one", 6, 7),
    ]
    assert layout[3].width == 3 and layout[3].slice == slice(3, 6)
    assert layout.n_features == enc.n_features_out_ == 7
    assert repr(layout) == (
        "TabularLayout(n_features=7: 2 continuous, 2 categorical, 1 missing blocks)"
    )
    assert_array_equal(enc.categorical_mask_, [False, False, True, True])
    Z = enc.transform(df)
    assert_layout_consistent(enc, Z)
    assert_array_equal(Z[:, 1], [0, 0, 0, 1, 0, 0])
    assert_array_equal(Z[:, 6], 1.0)  # a single category: a constant 1
    # standardised continuous value: zero mean and unit variance on the fitted data
    assert abs(Z[:, 2].mean()) < 1e-6 and abs(Z[:, 2].std() - 1) < 1e-6
    assert TabularLayout(()).n_features == 0


def test_layout_mode_blocks():
    df = mixed_frame(100)
    enc = TabularEncoder(continuous_transform="mode", random_state=0).fit(df)
    Z = enc.transform(df)
    assert_layout_consistent(enc, Z)
    n_numeric = int((~enc.categorical_mask_).sum())
    assert len(enc.layout_.blocks(CONTINUOUS)) == n_numeric
    # one mode block per numeric column, after its value
    for block in enc.layout_.blocks(CONTINUOUS):
        nxt = enc.layout_[enc.layout_.index(block) + 1]
        assert nxt.kind == CATEGORICAL and nxt.column == block.column
        assert_array_equal(Z[:, nxt.slice].sum(axis=1), 1.0)


def test_standardises_tiny_scale_column():
    # a non-constant column with a tiny spread is standardised, not left at ~1e-13
    X = np.random.RandomState(0).normal(size=(100, 1)) * 1e-13
    enc = TabularEncoder().fit(X)
    Z = enc.transform(X)
    assert abs(Z.std() - 1) < 1e-5
    assert_close_floats(enc.inverse_transform(Z)[:, 0], X[:, 0])
    # a constant column (round-off in its std) is left unscaled
    X = np.full((1000, 1), 0.1)
    Z = TabularEncoder().fit(X).transform(X)
    assert np.abs(Z).max() < 1e-6


def test_mode_finds_two_modes_of_bimodal_column():
    rng = np.random.RandomState(0)
    x = np.concatenate([rng.normal(-10, 1, 300), rng.normal(10, 1, 300)])
    X = x[:, None]
    enc = TabularEncoder(continuous_transform="mode", random_state=0).fit(X)
    mode_block = enc.layout_[1]
    assert mode_block.kind == CATEGORICAL and mode_block.width >= 2
    Z = enc.transform(X)
    modes = Z[:, mode_block.slice].argmax(axis=1)
    # the two clusters fall into different modes
    left, right = set(modes[:300]), set(modes[300:])
    assert not left & right
    # values within a mode are small offsets (units of 4 standard deviations)
    assert np.abs(Z[:, 0]).max() < 2
    assert_close_floats(enc.inverse_transform(Z)[:, 0], x)


def test_many_levels_with_max_categories():
    rng = np.random.RandomState(0)
    x = rng.zipf(1.3, 20_000) % 3000
    df = pd.DataFrame({"level": x.astype(str)})
    assert df["level"].nunique() > 1000
    enc = TabularEncoder(max_categories=20).fit(df)
    assert enc.n_features_out_ == 20
    Z = enc.transform(df)
    assert_array_equal(Z.sum(axis=1), 1.0)
    out = enc.inverse_transform(Z)
    counts = df["level"].value_counts()
    frequent = set(counts.index[:19])
    is_frequent = df["level"].isin(frequent).to_numpy()
    # the 19 most frequent levels round-trip; the rest decode to the most frequent
    # infrequent level
    assert_array_equal(out["level"][is_frequent], df["level"][is_frequent])
    assert (out["level"][~is_frequent] == counts.index[19]).all()
    assert out["level"].dtype == df["level"].dtype


# ----------------------------------------------------------------------------------
# categorical_features
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        ["b", "d"],
        np.array(["b", "d"], dtype=object),
        [1, 3],
        [-3, -1],
        np.array([1, -1]),
        [False, True, False, True],
        np.array([False, True, False, True]),
    ],
)
def test_categorical_features_spec(spec):
    df = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [1, 2, 1], "c": [0.5, 0.1, 0.2], "d": ["x", "y", "x"]}
    )
    enc = TabularEncoder(categorical_features=spec).fit(df)
    assert_array_equal(enc.categorical_mask_, [False, True, False, True])
    assert enc.layout_[1].kind == CATEGORICAL and enc.layout_[1].width == 2
    assert_frame_roundtrip(enc.inverse_transform(enc.transform(df)), df)


def test_categorical_features_auto():
    df = mixed_frame(10)
    enc = TabularEncoder().fit(df)
    expected = [
        isinstance(d, pd.CategoricalDtype)
        or not pd.api.types.is_numeric_dtype(d)
        or pd.api.types.is_bool_dtype(d)
        for d in df.dtypes
    ]
    assert_array_equal(enc.categorical_mask_, expected)
    assert enc.categorical_mask_.sum() == 11
    # no categorical column in an array unless declared
    assert not TabularEncoder().fit(np.eye(3)).categorical_mask_.any()
    assert TabularEncoder(categorical_features=[]).fit(np.eye(3)).n_features_out_ == 3


@pytest.mark.parametrize(
    "spec, X, match",
    [
        (["zz"], "frame", r"names \['zz'\] are not columns of X"),
        ([5], "frame", r"indices \[5\] are out of range for n_features=2"),
        ([-3], "frame", r"indices \[-3\] are out of range"),
        ([True], "frame", "boolean mask must have length n_features=2, got 1"),
        ([True, False, True], "array", "boolean mask must have length n_features=2, got 3"),
        (["a"], "array", "column names needs X to be a DataFrame"),
        ([0.5], "frame", "must be 'auto', column names, indices or a boolean mask"),
        ([0], "frame", "Column 'c' has non-numeric dtype .* not in categorical_features"),
    ],
)
def test_categorical_features_errors(spec, X, match):
    df = pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"]})
    X = df if X == "frame" else np.eye(2)
    with pytest.raises(ValueError, match=match):
        TabularEncoder(categorical_features=spec).fit(X)


def test_undeclared_string_column_in_array_raises():
    X = np.array([["a", 1.0], ["b", 2.0]], dtype=object)
    with pytest.raises(ValueError, match="categorical_features") as info:
        TabularEncoder().fit(X)
    assert "'x0'" in str(info.value) and "'a'" in str(info.value)
    X_str = np.array([["a", "1.5"], ["b", "2.5"]])
    with pytest.raises(ValueError, match="categorical_features"):
        TabularEncoder().fit(X_str)
    # the example is a value that cannot be read as a number ("1.5" can)
    X_mixed = np.array([["1.5", 1.0], ["x", 2.0]], dtype=object)
    with pytest.raises(ValueError, match=r"Column 'x0' .* such as 'x'; declare categorical"):
        TabularEncoder().fit(X_mixed)
    # objects that are neither numbers nor strings: a TypeError naming the column (with
    # NumPy's wording, which scikit-learn's check_dtype_object looks for); dates in a
    # DataFrame are a role of their own (see test_real_tables.py)
    df = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=3), "v": [1.0, 2.0, 3.0]})
    assert TabularEncoder().fit(df).column_roles_["when"] == "datetime"
    X_dict = np.array([[{"foo": "bar"}], [1.0]], dtype=object)
    with pytest.raises(TypeError, match=r"Column 'x0' .*argument must be a string.* number"):
        TabularEncoder().fit(X_dict)
    # a string at transform time in a column fitted as numeric
    enc = TabularEncoder().fit(np.array([[1.0], [2.0]], dtype=object))
    with pytest.raises(ValueError, match="categorical_features"):
        enc.transform(np.array([["oops"]], dtype=object))


def test_non_scalar_category_values_raise():
    df = pd.DataFrame({"a": pd.Series([{"k": 1}, {"k": 2}], dtype=object)})
    with pytest.raises(TypeError, match="Column 'a' holds dict objects"):
        TabularEncoder().fit(df)


# ----------------------------------------------------------------------------------
# rare categories
# ----------------------------------------------------------------------------------


def _rare_frame():
    values = ["a"] * 500 + ["b"] * 400 + ["c"] * 30 + ["d"] * 20 + ["e"] * 10
    return pd.DataFrame({"x": pd.Series(values, dtype=object)})


@pytest.mark.parametrize("min_frequency", [50, 0.05])
def test_min_frequency_groups_rare_categories(min_frequency):
    df = _rare_frame()  # 960 rows: 5% is 48
    enc = TabularEncoder(min_frequency=min_frequency).fit(df)
    assert enc.get_feature_names_out().tolist() == ["x_a", "x_b", "x_infrequent"]
    Z = enc.transform(df)
    assert_array_equal(Z[:900, 2], 0.0)
    assert_array_equal(Z[900:, 2], 1.0)
    out = enc.inverse_transform(Z)
    # frequent categories round-trip; infrequent ones decode to the most frequent
    # member ("c"), deterministically
    assert out["x"][:900].tolist() == df["x"][:900].tolist()
    assert (out["x"][900:] == "c").all()
    assert out.equals(enc.inverse_transform(Z))


def test_single_rare_category_is_kept():
    # a group of one category is that category: no "infrequent" column
    values = ["a"] * 50 + ["b"] * 50 + ["c"] * 2
    df = pd.DataFrame({"x": pd.Series(values, dtype=object)})
    enc = TabularEncoder(min_frequency=10).fit(df)
    assert enc.get_feature_names_out().tolist() == ["x_a", "x_b", "x_c"]
    assert_frame_roundtrip(enc.inverse_transform(enc.transform(df)), df)


@pytest.mark.parametrize(
    "min_frequency, max_categories, expected",
    [
        (None, 3, ["x_a", "x_b", "x_infrequent"]),
        (None, 2, ["x_a", "x_infrequent"]),
        (None, 5, ["x_a", "x_b", "x_c", "x_d", "x_e"]),
        (None, 4, ["x_a", "x_b", "x_c", "x_infrequent"]),
        # min_frequency leaves a, b, c and a group (d, e): 4 columns > 3
        (25, 3, ["x_a", "x_b", "x_infrequent"]),
        (25, 4, ["x_a", "x_b", "x_c", "x_infrequent"]),
        (0.5, 10, ["x_a", "x_infrequent"]),
    ],
)
def test_max_categories_bounds_width(min_frequency, max_categories, expected):
    df = _rare_frame()
    enc = TabularEncoder(min_frequency=min_frequency, max_categories=max_categories).fit(df)
    assert enc.get_feature_names_out().tolist() == expected
    assert enc.n_features_out_ <= max_categories
    Z = enc.transform(df)
    assert_array_equal(Z.sum(axis=1), 1.0)
    out = enc.inverse_transform(Z)
    kept = [name[2:] for name in expected if name != "x_infrequent"]
    is_kept = df["x"].isin(kept).to_numpy()
    assert_array_equal(out["x"][is_kept], df["x"][is_kept])
    if "x_infrequent" in expected:
        most_frequent_rare = df["x"][~is_kept].value_counts().index[0]
        assert (out["x"][~is_kept] == most_frequent_rare).all()


def test_sampled_infrequent_members_follow_counts():
    df = _rare_frame()
    enc = TabularEncoder(min_frequency=50).fit(df)
    Z = np.zeros((30_000, 3))
    Z[:, 2] = 1.0
    out = enc.decode_rows(Z, random_state=0)
    freq = out["x"].value_counts(normalize=True)
    assert set(freq.index) == {"c", "d", "e"}
    assert_allclose([freq["c"], freq["d"], freq["e"]], [0.5, 1 / 3, 1 / 6], atol=0.015)
    # seeded: the same random state draws the same rows, another one others
    assert out.equals(enc.decode_rows(Z, random_state=0))
    assert not out.equals(enc.decode_rows(Z, random_state=1))
    # without a random state: the most frequent member
    assert (enc.decode_rows(Z[:10])["x"] == "c").all()


def test_sampled_categories_follow_block_probabilities():
    df = pd.DataFrame({"x": pd.Series(["a", "b", "c"] * 10, dtype=object)})
    enc = TabularEncoder().fit(df)
    Z = np.tile([0.2, 0.0, 0.8], (20_000, 1))
    freq = enc.decode_rows(Z, random_state=0)["x"].value_counts(normalize=True)
    assert set(freq.index) == {"a", "c"}
    assert_allclose([freq["a"], freq["c"]], [0.2, 0.8], atol=0.015)
    # scores that are not normalised: read as proportional weights
    freq = enc.decode_rows(Z * 5, random_state=0)["x"].value_counts(normalize=True)
    assert_allclose([freq["a"], freq["c"]], [0.2, 0.8], atol=0.015)
    # without a random state: the argmax
    assert (enc.inverse_transform(Z[:5])["x"] == "c").all()


def test_sampled_missing_values_follow_learned_rate():
    rng = np.random.RandomState(0)
    n = 2000
    x = np.where(rng.rand(n) < 0.3, np.nan, rng.normal(size=n))
    c = pd.Series(np.where(rng.rand(n) < 0.1, None, rng.choice(["u", "v"], n)), dtype=object)
    df = pd.DataFrame({"v": x, "c": c})
    enc = TabularEncoder().fit(df)
    Z = enc.transform(df)
    missing = enc.layout_.blocks(MISSING)[0]
    rate = Z[:, missing.slice].mean()
    assert rate == pytest.approx(np.isnan(x).mean())
    assert 0.27 < rate < 0.33
    # decode rows whose indicator holds the learned probability
    Z_new = np.zeros((20_000, enc.n_features_out_))
    Z_new[:, missing.slice] = rate
    Z_new[:, enc.layout_.blocks(CATEGORICAL)[0].slice] = [0.45, 0.45, 0.1]  # u, v, nan
    sampled = enc.decode_rows(Z_new, random_state=0)
    assert sampled["v"].isna().mean() == pytest.approx(rate, abs=0.015)
    assert sampled["c"].isna().mean() == pytest.approx(0.1, abs=0.01)
    assert sampled["v"].dtype == np.float64
    # deterministic decoding: above 0.5 is missing
    assert not enc.inverse_transform(Z_new)["v"].isna().any()
    Z_new[:, missing.slice] = 0.51
    assert enc.inverse_transform(Z_new)["v"].isna().all()


# ----------------------------------------------------------------------------------
# unknown and missing values
# ----------------------------------------------------------------------------------


def test_handle_unknown_error_names_column_and_value():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    enc = TabularEncoder(handle_unknown="error").fit(df)
    new = pd.DataFrame({"a": [1.0, 2.0], "colour": ["red", "purple"]})
    with pytest.raises(ValueError, match=r"Column 'colour' .*'purple'"):
        enc.transform(new)


def test_handle_unknown_ignore_gives_zero_block():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    enc = TabularEncoder(handle_unknown="ignore").fit(df)
    Z = enc.transform(pd.DataFrame({"a": [1.0, 2.0, 3.0], "colour": ["red", "purple", np.nan]}))
    block = enc.layout_[1].slice
    assert_array_equal(Z[:, block], [[0, 1], [0, 0], [0, 0]])  # blue, red
    assert_layout_consistent(enc, Z)


def test_handle_unknown_infrequent_if_exist():
    df = _rare_frame()
    enc = TabularEncoder(min_frequency=50).fit(df)  # default: infrequent_if_exist
    Z = enc.transform(pd.DataFrame({"x": ["never", "a", "e"]}))
    assert_array_equal(Z, [[0, 0, 1], [1, 0, 0], [0, 0, 1]])
    # without an infrequent group: like "ignore"
    enc = TabularEncoder().fit(df)
    Z = enc.transform(pd.DataFrame({"x": ["never", "a"]}))
    assert_array_equal(Z, [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0]])


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"num": [1.0, np.nan, 3.0]}),
        pd.DataFrame({"num": pd.array([1, None, 3], dtype="Int64")}),
        pd.DataFrame({"num": pd.Series(["a", None, "b"], dtype=object)}),
        pd.DataFrame({"num": pd.Series(["a", None, "b"], dtype="str")}),
        pd.DataFrame({"num": pd.Categorical(["a", None, "b"])}),
    ],
)
def test_handle_missing_error_names_column(df):
    with pytest.raises(ValueError, match=r"NaN in column 'num' and handle_missing='error'"):
        TabularEncoder(handle_missing="error").fit(df)
    clean = df.iloc[[0, 2]].reset_index(drop=True)
    enc = TabularEncoder(handle_missing="error").fit(clean)
    with pytest.raises(ValueError, match="NaN in column 'num'"):
        enc.transform(df)
    assert not enc.__sklearn_tags__().input_tags.allow_nan
    assert TabularEncoder().__sklearn_tags__().input_tags.allow_nan


def test_nan_at_transform_in_column_without_nan_is_imputed():
    df = pd.DataFrame({"v": [1.5, 2.0, 3.0, 10.0], "i": [1, 2, 3, 4]})
    enc = TabularEncoder().fit(df)
    assert not enc.layout_.blocks(MISSING)
    Z = enc.transform(pd.DataFrame({"v": [np.nan, 2.5], "i": [np.nan, 2.5]}))
    assert Z.shape == (2, 2)
    # imputed with the training median
    assert_array_equal(Z[0], Z[1])
    out = enc.inverse_transform(Z)
    assert out["v"].tolist() == pytest.approx([2.5, 2.5])
    assert out["i"].tolist() == [2, 2]  # 2.5 rounds half to even
    assert out["i"].dtype == np.int64


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinity_always_raises(value):
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    bad = X.copy()
    bad[1, 1] = value
    with pytest.raises(ValueError, match="infinity in column 'x1'"):
        TabularEncoder().fit(bad)
    enc = TabularEncoder().fit(X)
    with pytest.raises(ValueError, match="infinity in column 'x1'"):
        enc.transform(bad)
    df = pd.DataFrame({"a": [1.0, value]})
    with pytest.raises(ValueError, match="infinity in column 'a'"):
        TabularEncoder().fit(df)
    with pytest.raises(ValueError, match="infinity"):
        TabularEncoder(handle_missing="error").fit(df)


# ----------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------


def test_sparse_input_raises_type_error():
    X = sparse.csr_matrix(np.eye(3))
    with pytest.raises(TypeError, match="Sparse data.*toarray"):
        TabularEncoder().fit(X)
    enc = TabularEncoder().fit(np.eye(3))
    with pytest.raises(TypeError, match="Sparse data"):
        enc.transform(X)
    # an encoded matrix may be sparse
    Z = sparse.csr_matrix(enc.transform(np.eye(3)))
    assert_allclose(enc.inverse_transform(Z), np.eye(3), atol=1e-6)


@pytest.mark.parametrize(
    "X",
    [
        np.empty((0, 3)),
        np.empty((3, 0)),
        pd.DataFrame({"a": []}),
        pd.DataFrame(index=range(3)),
    ],
)
def test_empty_input_raises(X):
    with pytest.raises(ValueError, match="minimum of 1"):
        TabularEncoder().fit(X)


def test_complex_and_duplicate_columns_raise():
    with pytest.raises(ValueError, match="Complex data not supported"):
        TabularEncoder().fit(np.eye(2) * 1j)
    df = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(ValueError, match="duplicated column names"):
        TabularEncoder().fit(df)


def test_transform_with_different_columns_raises():
    enc = TabularEncoder().fit(np.eye(3))
    with pytest.raises(ValueError, match="X has 2 features, but TabularEncoder is expecting 3"):
        enc.transform(np.eye(2))
    df = pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"]})
    enc = TabularEncoder().fit(df)
    with pytest.raises(ValueError, match="feature names should match"):
        enc.transform(pd.DataFrame({"a": [1.0], "d": ["x"]}))
    with pytest.raises(ValueError, match="same order"):
        enc.transform(df[["c", "a"]])
    with pytest.raises(ValueError, match="feature names should match"):
        enc.transform(df[["a"]])
    with pytest.raises(ValueError, match="expecting 2 features"):
        enc.transform(np.ones((2, 3)))
    # non-string column names are checked too
    enc = TabularEncoder().fit(pd.DataFrame({0: [1.0, 2.0], 1: [3.0, 4.0]}))
    with pytest.raises(ValueError, match="differ from those seen during fit"):
        enc.transform(pd.DataFrame({1: [1.0], 0: [2.0]}))


def test_transform_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    enc = TabularEncoder()
    with pytest.raises(NotFittedError):
        enc.transform(np.eye(2))
    with pytest.raises(NotFittedError):
        enc.inverse_transform(np.eye(2))


def test_array_given_to_dataframe_fitted_encoder():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": ["x", "y", "x"]})
    enc = TabularEncoder().fit(df)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        Z = enc.transform(df.to_numpy())
    assert_array_equal(Z, enc.transform(df))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_inverse_transform_non_finite_raises(bad):
    enc = TabularEncoder().fit(mixed_frame(20))
    Z = enc.transform(mixed_frame(20))
    Z[3, 0] = bad
    with pytest.raises(ValueError, match="non-finite values"):
        enc.inverse_transform(Z)
    with pytest.raises(ValueError, match="non-finite values"):
        enc.decode_rows(Z, random_state=0)


def test_inverse_transform_wrong_shape_raises():
    enc = TabularEncoder().fit(np.eye(3))
    width = enc.n_features_out_
    with pytest.raises(ValueError, match=rf"shape \(n_samples, {width}\), got \(2, 4\)"):
        enc.inverse_transform(np.zeros((2, width + 1)))
    with pytest.raises(ValueError, match=re.escape(f"got ({width},)")):
        enc.inverse_transform(np.zeros(width))
    assert enc.inverse_transform(np.zeros((0, width))).shape == (0, 3)


@pytest.mark.parametrize(
    "param, value",
    [
        ("continuous_transform", "minmax"),
        ("min_frequency", 1.5),
        ("min_frequency", 0),
        ("max_categories", 1),
        ("handle_unknown", "warn"),
        ("handle_missing", "impute"),
        ("categorical_features", "all"),
    ],
)
def test_invalid_parameters(param, value):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=param):
        TabularEncoder(**{param: value}).fit(np.eye(3))


# ----------------------------------------------------------------------------------
# inputs are never modified; clipping and integers
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_inputs_not_modified(transform):
    df = mixed_frame(40)
    df_before = copy.deepcopy(df)
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(df)
    Z = enc.transform(df)
    Z_before = Z.copy()
    enc.inverse_transform(Z)
    enc.decode_rows(Z, random_state=0)
    Z64 = Z.astype(np.float64)
    Z64_before = Z64.copy()
    enc.inverse_transform(Z64)
    enc.decode_rows(Z64, random_state=0)
    pd.testing.assert_frame_equal(df, df_before)
    assert (df.dtypes == df_before.dtypes).all()
    assert_array_equal(Z, Z_before)
    assert_array_equal(Z64, Z64_before)

    X = np.random.RandomState(0).normal(size=(30, 3))
    X[::4, 1] = np.nan
    X_before = X.copy()
    enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(X)
    enc.inverse_transform(enc.transform(X))
    assert_array_equal(X, X_before)

    X_obj = np.array([["a", 1.0], [None, 2.0], ["b", np.nan]], dtype=object)
    X_obj_before = copy.deepcopy(X_obj)
    enc = TabularEncoder(categorical_features=[0]).fit(X_obj)
    enc.inverse_transform(enc.transform(X_obj))
    assert X_obj[1, 0] is None  # not replaced by NaN in the user's array
    assert_array_equal(pd.isna(X_obj), pd.isna(X_obj_before))


def test_clip_to_training_range_and_integers():
    df = pd.DataFrame({"f": [0.0, 2.5, 5.0, 10.0], "i": [0, 3, 7, 10]})
    Z_far = np.array([[-100.0, -100.0], [100.0, 100.0], [0.0, 0.0]], dtype=np.float32)
    out = TabularEncoder(bounds="clip").fit(df).inverse_transform(Z_far)
    assert out["f"].tolist()[:2] == [0.0, 10.0]
    assert out["i"].tolist()[:2] == [0, 10]
    assert out["i"].dtype == np.int64
    # reflection folds out-of-range values back inside, not onto the bounds
    reflected = TabularEncoder(bounds="reflect").fit(df).inverse_transform(Z_far)
    assert reflected["f"].between(0.0, 10.0).all() and reflected["i"].between(0, 10).all()
    unclipped = TabularEncoder(bounds=None).fit(df).inverse_transform(Z_far)
    assert unclipped["f"][0] < -100 and unclipped["f"][1] > 100
    assert unclipped["i"].dtype == np.int64
    # integer columns decode to the nearest integer
    new = pd.DataFrame({"f": [1.0, 1.0, 1.0, 1.0], "i": [3.4, 3.6, -5.0, 20.0]})
    enc = TabularEncoder(bounds="clip").fit(df)
    assert enc.inverse_transform(enc.transform(new))["i"].tolist() == [3, 4, 0, 10]
    # reflected at the bounds: -5 is 5 below 0 -> 5; 20 is 10 above 10 -> 0
    enc = TabularEncoder(bounds="reflect").fit(df)
    assert enc.inverse_transform(enc.transform(new))["i"].tolist() == [3, 4, 5, 0]
    for transform in TRANSFORMS:
        enc = TabularEncoder(continuous_transform=transform, random_state=0).fit(df)
        Z = np.random.RandomState(0).normal(scale=3.0, size=(50, enc.n_features_out_))
        out = enc.inverse_transform(Z)
        assert out["i"].dtype == np.int64
        assert out["i"].between(0, 10).all() and out["f"].between(0.0, 10.0).all()


def test_clip_nullable_and_array_integers():
    df = pd.DataFrame({"I": pd.array([1, None, 5], dtype="Int64")})
    enc = TabularEncoder(bounds="clip").fit(df)
    Z = np.array([[50.0, 0.0], [-50.0, 1.0], [0.1, 0.0]])
    out = enc.inverse_transform(Z)
    assert out["I"].dtype == "Int64"
    assert out["I"].tolist()[0] == 5 and pd.isna(out["I"][1])
    X = np.array([[1], [4], [9]], dtype=np.int16)
    enc = TabularEncoder(bounds="clip").fit(X)
    out = enc.inverse_transform(np.array([[100.0], [-100.0], [0.05]]))
    assert out.dtype == np.int16
    assert out[:2, 0].tolist() == [9, 1]


def test_decoding_arbitrary_outputs_keeps_the_schema():
    # network outputs (any finite values) decode to rows of the fitted schema
    df = mixed_frame(30)
    enc = TabularEncoder().fit(df)
    Z = np.random.RandomState(0).normal(size=(200, enc.n_features_out_))
    for out in (enc.inverse_transform(Z), enc.decode_rows(np.abs(Z), random_state=0)):
        assert list(out.columns) == list(df.columns)
        assert (out.dtypes == df.dtypes).all()
        for name in ["cat", "obj", "str", "cat_unused"]:
            assert set(out[name].dropna()) <= set(df[name].dropna())
        assert out["i64"].between(df["i64"].min(), df["i64"].max()).all()
    empty = enc.inverse_transform(np.zeros((0, enc.n_features_out_)))
    assert empty.shape == (0, df.shape[1])
    assert (empty.dtypes == df.dtypes).all()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False), min_size=2, max_size=400
    ),
    decimals=st.sampled_from([None, 0, 1]),
    scores=st.lists(st.floats(-12, 12, allow_nan=False), min_size=1, max_size=200),
)
def test_quantile_inverse_equals_scikit_learns(values, decimals, scores):
    from sklearn.preprocessing import QuantileTransformer

    from sklearn_ganae.tabular import _quantile_inverse

    data = np.asarray(values) if decimals is None else np.round(values, decimals)
    qt = QuantileTransformer(
        n_quantiles=min(1000, len(data)), output_distribution="normal", random_state=0
    ).fit(data.reshape(-1, 1))
    v = np.concatenate([scores, qt.transform(data.reshape(-1, 1)).ravel(), [0.0, -5.2, 5.2]])
    expected = qt.inverse_transform(v.reshape(-1, 1)).ravel()
    np.testing.assert_array_equal(_quantile_inverse(qt, v), expected)


def test_decoded_categorical_columns_match_their_values_dtype_by_dtype():
    """Categorical columns are decoded as positions into their distinct values; the
    columns built from them equal those built from every row's value."""
    from sklearn_ganae.tabular import _CategoricalCodec, _restore_dtype

    rng = np.random.default_rng(0)
    n = 600
    levels = np.array(["a", "b", "c", "d"] + [f"rare{i}" for i in range(30)], dtype=object)
    p = np.r_[[0.3, 0.3, 0.2, 0.1], np.full(30, 0.1 / 30)]
    drawn = rng.choice(levels, size=n, p=p)
    with_nan = drawn.copy()
    with_nan[rng.random(n) < 0.1] = np.nan
    df = pd.DataFrame(
        {
            # unused categories and missing values
            "cat": pd.Categorical(with_nan, categories=[*levels, "never"]),
            "text": pd.array(with_nan, dtype="string"),
            "obj": pd.Series(drawn, dtype=object),
            "x": rng.normal(size=n),
        }
    )
    enc = TabularEncoder(min_frequency=10, handle_missing="indicator").fit(df)
    Z = enc.transform(df)
    noisy = np.clip(Z + rng.normal(scale=0.3, size=Z.shape), 0, None)
    for state in (None, 3):
        decoded = enc.decode_rows(noisy, random_state=state)
        # the reference: every row's value, then the column's dtype
        rs = None if state is None else np.random.RandomState(state)
        start = 0
        for j, codec in enumerate(enc._codecs):
            block = noisy[:, start : start + codec.width]
            start += codec.width
            values = codec.inverse(block, rs)
            if not isinstance(codec, _CategoricalCodec):
                continue
            expected = _restore_dtype(values, enc._dtypes[j])  # the fitted dtype
            pd.testing.assert_series_equal(
                decoded.iloc[:, j], expected, check_names=False, check_index=False
            )
        assert decoded["cat"].isna().any() and decoded["text"].isna().any()
        assert list(decoded.dtypes) == list(enc._dtypes)
