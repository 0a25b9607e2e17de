"""Residual decoding: a real row moved by the change a perturbation makes to the
decoder's output, ``x_i + D(z) - D(z_i)``, column by column in the table's schema."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def add_residual(X, sources, new, base, fresh=frozenset()):
    """``X[sources] + new - base`` column by column, in ``new``'s container and dtypes.

    Numeric columns: the source value moved by the decoded change, clipped to the
    column's range in ``X`` (rounded for integer dtypes). Other columns, and whether
    a value is missing: the decoded new value where it differs from the decoded
    source's, else the source's. Columns in ``fresh`` (identifiers, which the encoder
    regenerates) take the decoded new values: a source's identifier is never copied.
    """
    frame = isinstance(X, pd.DataFrame)
    if frame and not isinstance(new, pd.DataFrame):  # e.g. PCA fitted on a DataFrame
        new, base = (pd.DataFrame(np.asarray(v), columns=X.columns) for v in (new, base))
    if not frame:
        new, base = np.asarray(new), np.asarray(base)
    out = new.copy()
    for j in range(new.shape[1]):
        if j in fresh:
            continue
        if frame:
            dtype = new.dtypes.iloc[j]
            column = X.iloc[:, j]
            s_col, n_col, b_col = column.iloc[sources], new.iloc[:, j], base.iloc[:, j]
        else:
            dtype = new.dtype
            column, s_col, n_col, b_col = X[:, j], X[sources, j], new[:, j], base[:, j]
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        if numeric:
            values = _numeric_residual(column, s_col, n_col, b_col)
            if pd.api.types.is_integer_dtype(dtype):
                values = np.round(values)
        else:
            s_obj, n_obj, b_obj = (np.asarray(c, dtype=object) for c in (s_col, n_col, b_col))
            changed = _differs(n_obj, b_obj)
            values = np.where(changed, n_obj, s_obj)
        if frame:
            out.isetitem(j, pd.Series(values, index=out.index).astype(dtype))
        else:
            out[:, j] = values
    return out


def _numeric_residual(column, source, new, base):
    column, source, new, base = (_as_float(v) for v in (column, source, new, base))
    miss_s, miss_n, miss_b = np.isnan(source), np.isnan(new), np.isnan(base)
    missing = np.where(miss_n != miss_b, miss_n, miss_s)
    with np.errstate(invalid="ignore"):
        moved = np.where(miss_s | miss_n | miss_b, new, source + (new - base))
    if np.isfinite(column).any():
        moved = np.clip(moved, np.nanmin(column), np.nanmax(column))
    return np.where(missing, np.nan, moved)


def _as_float(values):
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(values, dtype=np.float64)


def _differs(a, b):
    """Elementwise ``a != b`` for object arrays, with missing values (``None``, NaN,
    ``pd.NA``, ``NaT``) equal to each other and unequal to any value."""
    a_na, b_na = np.asarray(pd.isna(a), dtype=bool), np.asarray(pd.isna(b), dtype=bool)
    both = ~(a_na | b_na)
    unequal = a_na != b_na
    if both.any():  # compared only where neither is missing: pd.NA has no truth value
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unequal[both] = np.asarray(a[both] != b[both], dtype=bool)
    return unequal
