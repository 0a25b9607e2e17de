"""Input checks and the shared numeric view of tables for :mod:`sklearn_ganae.metrics`.

Every measure module of the package works on the :class:`Tables` that :func:`prepare`
returns; :func:`encode` turns them into the dense features of the classifiers and
distances, :func:`row_ids` into one integer per distinct row.

Every measure compares two or more tables (real, synthetic, held-out) column by column.
This module validates them once at the boundary and turns them into one canonical,
vectorisable form:

- the first table (the *reference*, usually the real one) fixes the column names, their
  order and their kinds; the others are aligned to it by name;
- a continuous column becomes a float64 array (missing values as NaN);
- a categorical column becomes int64 codes shared by all the tables (``pd.factorize``
  on their concatenation), a missing value being a category of its own.

Column kinds follow :class:`~sklearn_ganae.TabularEncoder`'s ``"auto"`` rule
(``category``, ``object``, ``string`` and ``bool`` dtypes are categorical, everything
else is continuous), refined by the encoder's column roles (:func:`infer_role`, or the
user's ``column_roles``): an ``"identifier"`` column is left out of the comparison (its
values are kept aside, for the identifier-copy rate), a ``"datetime"`` column
(datetime64 of any unit or time zone, timedelta64, date objects, ISO 8601 strings) is
continuous, read as seconds since the Unix epoch (timedeltas: seconds), and a
``"high_cardinality"`` column is categorical.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from sklearn_ganae._columns import (
    BOOLEAN_ROLE,
    CATEGORICAL_ROLE,
    DATETIME_ROLE,
    HIGH_CARDINALITY_ROLE,
    IDENTIFIER_ROLE,
    TIMEDELTA_PATTERN,
    infer_role,
    resolve_column_roles,
)
from sklearn_ganae._features import categorical_mask
from sklearn_ganae.metrics._defaults import MAX_ONEHOT, SEED_MAX


@dataclass
class Tables:
    """Tables aligned to a reference, in canonical numeric form.

    Attributes
    ----------
    columns : list
        Column labels of the reference table, in its order.
    categorical : ndarray of bool
        Kind of each column.
    numeric : dict of str to ndarray of shape (n_rows, n_continuous)
        float64 values of the continuous columns of each table (NaN = missing).
    codes : dict of str to ndarray of shape (n_rows, n_categorical)
        int64 category codes of the categorical columns of each table, shared by all
        tables (a missing value has a code of its own).
    categories : list of ndarray
        The category of each code, per categorical column (object arrays).
    roles : list of str
        The role of each compared column (``"continuous"``, ``"integer"``,
        ``"boolean"``, ``"categorical"``, ``"datetime"``, ``"high_cardinality"``).
    column_roles : dict of str to str
        The role of every column of the reference table, the skipped ones included.
    skipped : dict of str to str
        The columns left out of the comparison (identifiers), with the reason.
    identifiers : dict of str to dict
        The skipped identifier columns: name -> {table role: Series of its values}.
    """

    columns: list
    categorical: np.ndarray
    numeric: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    categories: list = field(default_factory=list)
    roles: list = field(default_factory=list)
    column_roles: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    identifiers: dict = field(default_factory=dict)

    @property
    def num_idx(self) -> np.ndarray:
        return np.flatnonzero(~self.categorical)

    @property
    def cat_idx(self) -> np.ndarray:
        return np.flatnonzero(self.categorical)

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.columns]

    def n_rows(self, role: str) -> int:
        return len(self.numeric[role])

    def column(self, role: str, j: int) -> np.ndarray:
        """Canonical values of column ``j`` (float64 values or int64 codes)."""
        if self.categorical[j]:
            return self.codes[role][:, _position(self.cat_idx, j)]
        return self.numeric[role][:, _position(self.num_idx, j)]

    def n_categories(self, j: int) -> int:
        return len(self.categories[_position(self.cat_idx, j)])

    def take(self, role: str, rows: np.ndarray, new_role: str | None = None) -> None:
        """Store a row subset of ``role`` under ``new_role`` (default: replace it)."""
        new_role = new_role or role
        self.numeric[new_role] = self.numeric[role][rows]
        self.codes[new_role] = self.codes[role][rows]

    def view(self, roles: list[str], rename: dict | None = None) -> Tables:
        """A shallow copy holding some table roles (renamed), safe to subsample."""
        rename = rename or {}
        out = Tables(
            columns=self.columns,
            categorical=self.categorical,
            categories=self.categories,
            roles=self.roles,
            column_roles=self.column_roles,
            skipped=self.skipped,
        )
        for role in roles:
            out.numeric[rename.get(role, role)] = self.numeric[role]
            out.codes[rename.get(role, role)] = self.codes[role]
        out.identifiers = {
            name: {rename.get(r, r): values[r] for r in roles if r in values}
            for name, values in self.identifiers.items()
        }
        return out

    def high_cardinality(self, j: int) -> bool:
        return bool(self.roles) and self.roles[j] == HIGH_CARDINALITY_ROLE


def _position(indices: np.ndarray, j: int) -> int:
    return int(np.searchsorted(indices, j))


# ----------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------


def _as_frame(X, role: str, columns=None) -> pd.DataFrame:
    """A DataFrame view of ``X`` (never a copy of a DataFrame's data)."""
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        if sparse.issparse(X):
            raise TypeError(
                f"{role} is a sparse matrix; the metrics need a dense array or a "
                "DataFrame: convert it with .toarray()."
            )
        if isinstance(X, pd.Series):
            raise ValueError(
                f"{role} is a Series; pass a 2-D table (a DataFrame or a 2-D array), "
                "e.g. series.to_frame()."
            )
        try:
            array = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"{role} cannot be read as a 2-D table: {exc}") from exc
        if array.ndim != 2:
            raise ValueError(
                f"{role} must be 2-D (rows x columns), got an array of shape {array.shape}; "
                "reshape a single column with X.reshape(-1, 1)."
            )
        if array.dtype.kind == "c":
            raise ValueError(f"{role} holds complex numbers, which are not supported.")
        if columns is not None and len(columns) == array.shape[1]:
            names = list(columns)
        else:
            names = [f"x{j}" for j in range(array.shape[1])]
        frame = pd.DataFrame(array, columns=pd.Index(names, dtype=object), copy=False)
    if frame.shape[1] == 0:
        raise ValueError(f"{role} has no columns (shape {frame.shape}); pass a non-empty table.")
    if frame.shape[0] == 0:
        raise ValueError(f"{role} has no rows (shape {frame.shape}); pass a non-empty table.")
    if frame.columns.duplicated().any():
        dup = [str(c) for c in frame.columns[frame.columns.duplicated()]]
        raise ValueError(f"{role} has duplicated column names {dup}; rename them.")
    return frame


def _align(reference: pd.DataFrame, other: pd.DataFrame, ref_role: str, role: str):
    ref_cols = list(reference.columns)
    cols = list(other.columns)
    if cols == ref_cols:
        return other
    missing = [str(c) for c in ref_cols if c not in set(cols)]
    extra = [str(c) for c in cols if c not in set(ref_cols)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"lacks the columns {missing}")
        if extra:
            parts.append(f"has columns {extra} that {ref_role} does not have")
        raise ValueError(
            f"The columns of {role} do not match those of {ref_role}: {role} "
            + " and ".join(parts)
            + f". Pass tables with the same columns (the order may differ); {ref_role} "
            f"has {[str(c) for c in ref_cols]}."
        )
    return other[ref_cols]


def resolve_categorical(frame: pd.DataFrame, categorical_features, role: str) -> np.ndarray:
    """The categorical mask of ``frame`` (``"auto"``, names, indices or a boolean mask),
    resolved as the encoder resolves it."""
    return categorical_mask(
        categorical_features,
        frame.shape[1],
        dtypes=list(frame.dtypes),
        columns=list(frame.columns),
        where=role,
    )


_GIVEN = "given in column_roles"


def _check_column_roles(column_roles, names: list[str], role: str) -> dict[int, str]:
    """``column_roles`` as {position: canonical role}, checked against ``names``."""
    return resolve_column_roles(column_roles, names, None, role)


def resolve_roles(
    frame: pd.DataFrame, mask: np.ndarray, column_roles, *, is_frame: bool, role: str
) -> tuple[list[str], list[str]]:
    """The role and its reason for every column of the reference table.

    ``column_roles`` wins; the other columns get :class:`~sklearn_ganae.TabularEncoder`'s
    inference (:func:`~sklearn_ganae._columns.infer_role`), with ``mask`` as its
    ``categorical`` input. As in the encoder, identifiers and dates are only inferred
    for named columns (``is_frame``).
    """
    names = [str(c) for c in frame.columns]
    overrides = _check_column_roles(column_roles, names, role)
    roles, reasons = [], []
    for j, name in enumerate(names):
        if j in overrides:
            roles.append(overrides[j])
            reasons.append(_GIVEN)
            continue
        series = frame.iloc[:, j]
        try:
            found, reason = infer_role(series, name, is_frame=is_frame, categorical=bool(mask[j]))
        except TypeError as exc:  # unhashable values (lists, dicts) in a column
            first = next((v for v in series if not _is_missing(v)), None)
            raise TypeError(
                f"Column {name!r} of {role} holds {type(first).__name__} objects, which "
                f"cannot be compared ({exc}); values must be numbers, strings or dates."
            ) from None
        roles.append(found)
        reasons.append(reason)
    return roles, reasons


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _seconds(values: np.ndarray) -> np.ndarray:
    """datetime64 (seconds since the epoch) or timedelta64 (seconds) as float64; NaT: NaN."""
    if values.dtype.kind == "M":
        values = values - np.datetime64(0, "s")
    return (values / np.timedelta64(1, "s")).astype(np.float64)


def _datetime_values(series: pd.Series, name: str, role: str) -> np.ndarray:
    """A date, datetime or timedelta column as float64 seconds (NaN = missing).

    Datetimes count seconds since 1970-01-01 UTC: an aware value is converted to UTC, a
    naive one read as UTC (so that an aware real column and a naive synthetic one, or
    ISO strings and datetime64, compare on one scale). Timedeltas count seconds.
    """
    dtype = series.dtype
    if pd.api.types.is_timedelta64_dtype(dtype):
        return _seconds(series.to_numpy())
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_convert(None)
        return _seconds(series.to_numpy())
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
    observed = series[~pd.isna(series)]
    if not len(observed):
        return np.full(len(series), np.nan)
    first = observed.iloc[0]
    try:
        if isinstance(first, (_dt.timedelta, np.timedelta64)):
            return _seconds(pd.to_timedelta(series).to_numpy())
        if isinstance(first, str) and TIMEDELTA_PATTERN.match(first.strip()):
            # timedeltas as pandas writes them to CSV ("0 days 00:31:34")
            return _seconds(pd.to_timedelta(series).to_numpy())
        if isinstance(first, str):
            try:
                parsed = pd.to_datetime(series, format="ISO8601", utc=True)
            except (ValueError, TypeError):
                with warnings.catch_warnings():  # "could not infer format"
                    warnings.simplefilter("ignore", UserWarning)
                    parsed = pd.to_datetime(series, format="mixed", utc=True)
        elif isinstance(first, (_dt.date, np.datetime64)):
            parsed = pd.to_datetime(series, utc=True)
        else:
            raise TypeError(f"{type(first).__name__} values such as {first!r}")
        return _seconds(parsed.dt.tz_convert(None).to_numpy())
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"Column {name!r} is a date column (role 'datetime', from the reference "
            f"table) but the values of {role} cannot be read as dates or timedeltas: "
            f"{exc}. Give it dates, datetimes, timedeltas, ISO 8601 strings or timedelta "
            f"strings such as '0 days 00:31:34' (as pandas writes them), or another "
            f"role with column_roles={{{name!r}: 'categorical'}}."
        ) from None


def _numeric_values(series: pd.Series, name: str, role: str) -> np.ndarray:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_convert(None)
        stamps = series.to_numpy(dtype="datetime64[ns]")
        values = stamps.astype(np.int64).astype(np.float64) / 1e9
        values[np.isnat(stamps)] = np.nan
        return values
    if pd.api.types.is_timedelta64_dtype(dtype):
        return series.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        raw = series.to_numpy(dtype=object)
        try:
            values = pd.to_numeric(pd.Series(raw, dtype=object), errors="raise").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
        except (TypeError, ValueError) as exc:
            bad = next(
                (v for v in raw if not pd.isna(v) and not _is_number_like(v)),
                raw[0] if len(raw) else None,
            )
            raise ValueError(
                f"Column {name!r} is continuous (from the reference table) but {role} holds "
                f"non-numeric values such as {bad!r} in it; give it numbers, or declare the "
                "column categorical with categorical_features=[...]."
            ) from exc
    if np.isinf(values).any():
        raise ValueError(
            f"Column {name!r} of {role} contains infinity; replace infinite values "
            "(for example by NaN) before scoring."
        )
    return values


def _is_number_like(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _categorical_values(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = np.nan  # one marker: None, pd.NA, NaT -> NaN
    return values


def prepare(
    tables: dict,
    *,
    categorical_features="auto",
    column_roles=None,
    allow_all_missing: tuple[str, ...] = ("synthetic",),
) -> Tables:
    """Validate and align ``tables`` (role -> data, the first is the reference).

    Column roles come from ``column_roles`` or from the reference table
    (:func:`resolve_roles`); identifier columns are set aside (``Tables.skipped``,
    ``Tables.identifiers``), dates become seconds.

    Raises ``ValueError`` for empty tables, tables whose columns do not match the
    reference's (naming the missing and extra columns), duplicated names, infinite
    values, non-numeric values in a continuous column, unreadable dates, a
    ``column_roles`` entry with an unknown column or role, a reference table whose
    columns are all identifiers, and compared columns that are entirely missing in a
    table whose role is not in ``allow_all_missing`` (there is nothing to compare in
    them). The inputs are never modified.
    """
    roles = list(tables)
    ref_role = roles[0]
    ref = _as_frame(tables[ref_role], ref_role)
    frames = {ref_role: ref}
    for role in roles[1:]:
        frame = _as_frame(tables[role], role, columns=ref.columns)
        unnamed = not isinstance(tables[role], pd.DataFrame) or not isinstance(
            tables[ref_role], pd.DataFrame
        )
        if unnamed and frame.shape[1] != ref.shape[1]:
            raise ValueError(
                f"{role} has {frame.shape[1]} columns but {ref_role} has {ref.shape[1]}; "
                "an array is matched to the other table column by column, so pass the same "
                "number of columns (or DataFrames, matched by name)."
            )
        frames[role] = _align(ref, frame, ref_role, role)
    mask = resolve_categorical(ref, categorical_features, ref_role)
    col_roles, reasons = resolve_roles(
        ref,
        mask,
        column_roles,
        is_frame=isinstance(tables[ref_role], pd.DataFrame),
        role=ref_role,
    )
    all_names = [str(c) for c in ref.columns]
    declared = {j for j, why in enumerate(reasons) if why == _GIVEN}
    keep = [j for j, r in enumerate(col_roles) if r != IDENTIFIER_ROLE]
    if not keep:
        raise ValueError(
            f"Every column of {ref_role} is an identifier ({dict(zip(all_names, reasons))}): "
            "there is nothing to compare. Give some of them another role with "
            f"column_roles, e.g. column_roles={{{all_names[0]!r}: 'categorical'}}."
        )
    # the kind of each kept column: categorical for categories, booleans typed or
    # declared as such, and high-cardinality columns; continuous for the rest (dates too)
    kinds = np.array(
        [
            col_roles[j] in (CATEGORICAL_ROLE, HIGH_CARDINALITY_ROLE)
            or (col_roles[j] == BOOLEAN_ROLE and (bool(mask[j]) or j in declared))
            for j in keep
        ],
        dtype=bool,
    )
    out = Tables(
        columns=[ref.columns[j] for j in keep],
        categorical=kinds,
        roles=[col_roles[j] for j in keep],
        column_roles=dict(zip(all_names, col_roles)),
        skipped={
            all_names[j]: f"{col_roles[j]}: {reasons[j]}"
            for j in range(len(col_roles))
            if col_roles[j] == IDENTIFIER_ROLE
        },
    )
    for j in range(len(col_roles)):
        if col_roles[j] == IDENTIFIER_ROLE:
            out.identifiers[all_names[j]] = {r: f.iloc[:, j] for r, f in frames.items()}
    names = out.names
    num_idx, cat_idx = out.num_idx, out.cat_idx
    for role, frame in frames.items():
        n = frame.shape[0]
        numeric = np.empty((n, len(num_idx)), dtype=np.float64)
        for k, j in enumerate(num_idx):
            column = frame.iloc[:, keep[j]]
            if out.roles[j] == DATETIME_ROLE:
                numeric[:, k] = _datetime_values(column, names[j], role)
            else:
                numeric[:, k] = _numeric_values(column, names[j], role)
        out.numeric[role] = numeric
    # categorical codes shared by all tables
    sizes = [frames[r].shape[0] for r in roles]
    bounds = np.cumsum([0, *sizes])
    codes = {r: np.empty((frames[r].shape[0], len(cat_idx)), dtype=np.int64) for r in roles}
    for k, j in enumerate(cat_idx):
        joined = np.concatenate([_categorical_values(frames[r].iloc[:, keep[j]]) for r in roles])
        col_codes, uniques = pd.factorize(joined, use_na_sentinel=False)
        out.categories.append(np.asarray(uniques, dtype=object))
        for i, r in enumerate(roles):
            codes[r][:, k] = col_codes[bounds[i] : bounds[i + 1]]
    out.codes = codes
    # entirely missing columns
    for role in roles:
        if role in allow_all_missing:
            continue
        empty = []
        for j in range(len(names)):
            values = out.column(role, j)
            if out.categorical[j]:
                nan_code = _nan_code(out.categories[_position(cat_idx, j)])
                if nan_code is not None and np.all(values == nan_code):
                    empty.append(names[j])
            elif np.isnan(values).all():
                empty.append(names[j])
        if empty:
            raise ValueError(
                f"The columns {empty} of {role} are entirely missing (all NaN): there is "
                "nothing to compare in them. Drop them from every table."
            )
    return out


def _nan_code(categories: np.ndarray) -> int | None:
    missing = np.flatnonzero(pd.isna(categories))
    return int(missing[0]) if missing.size else None


def identifier_keys(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Comparable text keys of an identifier column, and its observed (non-missing) mask.

    Integral numbers are written as integers, so that ``7``, ``7.0`` (an integer
    column with missing values) and ``"7"`` (read from a file) are one identifier.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    observed = ~pd.isna(series).to_numpy()
    values = series[observed]
    dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        numbers_ = values.to_numpy(dtype=np.float64)
        integral = np.isfinite(numbers_) & (numbers_ == np.round(numbers_))
        keys = values.astype(str).to_numpy(dtype=object)
        if integral.any():
            keys[integral] = numbers_[integral].astype(np.int64).astype(str)
    else:
        keys = values.astype(str).to_numpy(dtype=object)
    return keys, observed


def check_target_compared(target, data: Tables) -> None:
    """Raise a ``ValueError`` when ``target`` is a skipped (identifier) column."""
    if str(target) in data.skipped and target not in data.columns:
        raise ValueError(
            f"The target column {target!r} is an identifier ({data.skipped[str(target)]}) "
            "and is left out of the comparison; choose another target, or give it "
            f"another role with column_roles={{{str(target)!r}: 'categorical'}}."
        )


def check_target(target, tables: dict) -> None:
    """Raise a ``ValueError`` naming the tables that lack the column ``target``.

    DataFrames are checked by column name; arrays have the columns ``x0``, ``x1``, ...
    unless a DataFrame among ``tables`` lends them its names (then they are not checked
    here: their width is checked when the tables are aligned).
    """
    any_frame = any(isinstance(X, pd.DataFrame) for X in tables.values())
    lacking = []
    for role, X in tables.items():
        if isinstance(X, pd.DataFrame):
            cols = list(X.columns)
        elif any_frame:
            continue
        else:
            cols = [f"x{j}" for j in range(np.shape(X)[1] if np.ndim(X) == 2 else 0)]
        if target not in cols:
            lacking.append(role)
    if lacking:
        raise ValueError(
            f"The target column {target!r} is absent from {' and '.join(lacking)}; pass "
            "the name of a column that every table has (arrays have columns 'x0', 'x1', ...)."
        )


# ----------------------------------------------------------------------------------
# numeric features (distances, classifiers)
# ----------------------------------------------------------------------------------


def encode(
    data: Tables,
    roles: list[str],
    *,
    fit_role: str,
    exclude: tuple[int, ...] = (),
    max_onehot: int = MAX_ONEHOT,
    sources: list | None = None,
) -> dict[str, np.ndarray]:
    """Dense float32 features of each role: standardised numbers and one-hot categories.

    Continuous columns are centred and scaled with the mean and standard deviation of
    ``fit_role``'s observed values; a missing value becomes 0 (the mean) and, for a column
    with missing values in any role, a 0/1 indicator column is added. Categorical columns
    are one-hot encoded over the ``max_onehot - 1`` categories most frequent in
    ``fit_role``; the others share one column. Columns in ``exclude`` are left out.
    ``sources``, a list, gets the position of every feature's column appended.
    """
    sources = [] if sources is None else sources
    blocks = {r: [] for r in roles}
    for k, j in enumerate(data.num_idx):
        if j in exclude:
            continue
        ref = data.numeric[fit_role][:, k]
        observed = ref[~np.isnan(ref)]
        mean = float(observed.mean()) if observed.size else 0.0
        std = float(observed.std()) if observed.size else 0.0
        scale = std if std > 1e-12 * max(abs(mean), 1.0) else 1.0
        has_nan = any(np.isnan(data.numeric[r][:, k]).any() for r in roles)
        for r in roles:
            x = data.numeric[r][:, k]
            nan = np.isnan(x)
            z = np.where(nan, 0.0, (x - mean) / scale)
            blocks[r].append(z[:, None])
            if has_nan:
                blocks[r].append(nan[:, None].astype(np.float64))
        sources += [int(j)] * (2 if has_nan else 1)
    for k, j in enumerate(data.cat_idx):
        if j in exclude:
            continue
        n_cat = len(data.categories[k])
        counts = np.bincount(data.codes[fit_role][:, k], minlength=n_cat)
        if n_cat <= max_onehot:
            target = np.arange(n_cat)
            width = n_cat
        else:
            keep = np.argsort(-counts, kind="stable")[: max_onehot - 1]
            target = np.full(n_cat, max_onehot - 1)
            target[keep] = np.arange(len(keep))
            width = max_onehot
        sources += [int(j)] * width
        for r in roles:
            codes = data.codes[r][:, k]
            onehot = np.zeros((len(codes), width))
            onehot[np.arange(len(codes)), target[codes]] = 1.0
            blocks[r].append(onehot)
    out = {}
    for r in roles:
        n = data.n_rows(r)
        out[r] = (
            np.hstack(blocks[r]).astype(np.float32)
            if blocks[r]
            else np.zeros((n, 0), dtype=np.float32)
        )
    return out


def row_ids(data: Tables, roles: list[str]) -> dict[str, np.ndarray]:
    """One integer per row, equal for rows with equal values (NaN equal to NaN).

    The integers are shared by the tables of ``roles`` and run from 0 to the number of
    distinct rows minus one.
    """
    sizes = [data.n_rows(r) for r in roles]
    bounds = np.cumsum([0, *sizes])
    keys = []
    for k in range(len(data.num_idx)):
        joined = np.concatenate([data.numeric[r][:, k] for r in roles])
        keys.append(np.unique(joined, return_inverse=True)[1].ravel())
    for k in range(len(data.cat_idx)):
        keys.append(np.concatenate([data.codes[r][:, k] for r in roles]))
    key = np.column_stack(keys)
    ids = np.unique(key, axis=0, return_inverse=True)[1].ravel()
    return {r: ids[bounds[i] : bounds[i + 1]] for i, r in enumerate(roles)}


def draw_seed(rng: np.random.RandomState) -> int:
    """An integer seed for a model or a splitter, drawn from ``rng``."""
    return int(rng.randint(SEED_MAX))


def subsample(n: int, cap: int | None, rng: np.random.RandomState) -> np.ndarray | None:
    """Row indices of a random subset of at most ``cap`` rows (None: keep all)."""
    if cap is None or n <= cap:
        return None
    return np.sort(rng.choice(n, size=cap, replace=False))


def check_int(value, name: str, minimum: int, allow_none: bool = False):
    """Validate an integer parameter."""
    if value is None and allow_none:
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{extra}, got {value!r}.")
