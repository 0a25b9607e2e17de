"""Fixtures of the metrics tests (the shared ones, ``penguins`` and friends, are in
``tests/conftest.py``).

- ``one_thread`` (automatic): one OpenMP/BLAS thread for every test here.
- Table makers, each a fixture returning a function: ``mixed_frame(n, seed)``,
  ``shuffled_columns(df, seed)``, ``noisy_resample(df, seed, noise, flip)``,
  ``real_table(n, seed)``, ``clean_synthetic(real, n, seed)``,
  ``leaky_synthetic(real)``; and ``noisy_bootstrap``, the class of a fake generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP/BLAS thread, as torch in conftest: HistGradientBoosting with two
    threads on a busy two-core machine spends most of its time waiting."""
    with threadpool_limits(limits=1):
        yield


# ----------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------


def _mixed_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
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


def _shuffled_columns(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Each column permuted independently: marginals kept, dependence destroyed."""
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {c: df[c].iloc[rng.permutation(len(df))].reset_index(drop=True) for c in df.columns}
    )


def _noisy_resample(df: pd.DataFrame, seed: int, noise: float = 0.1, flip: float = 0.1):
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


def _real_table(n: int = 400, seed: int = 0) -> pd.DataFrame:
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


def _clean_synthetic(real: pd.DataFrame, n: int = 100, seed: int = 1) -> pd.DataFrame:
    """Real rows without rare values, with fresh identifiers (as a private generator)."""
    counts = {c: real[c].value_counts() for c in ("city", "group")}
    frequent = np.ones(len(real), dtype=bool)
    for c, vc in counts.items():
        frequent &= ~real[c].isin(vc.index[vc < 5]).to_numpy()
    out = real[frequent].sample(n, random_state=seed).reset_index(drop=True)
    out["row"] = np.arange(1001, 1001 + n)
    out["email"] = [f"new{k}@example.org" for k in range(n)]
    return out


def _leaky_synthetic(real: pd.DataFrame) -> pd.DataFrame:
    """The clean synthetic rows, with rare values in rows 0-12 and real ids in 8 rows."""
    out = _clean_synthetic(real)
    out.loc[0:9, "city"] = [f"r{k:03d}" for k in range(10)]  # each seen once in real
    out.loc[8:12, "group"] = "rare"  # seen twice; rows 8 and 9 also have a rare city
    out.loc[0:4, "row"] = [1, 2, 3, 4, 5]  # copied row numbers
    out.loc[20:22, "email"] = real["email"].iloc[:3].to_numpy()  # copied e-mails
    out.loc[50, "row"] = np.nan  # a float column now: 1.0 is still the identifier 1
    return out


class _NoisyBootstrap(BaseEstimator):
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


@pytest.fixture(scope="session")
def mixed_frame():
    return _mixed_frame


@pytest.fixture(scope="session")
def shuffled_columns():
    return _shuffled_columns


@pytest.fixture(scope="session")
def noisy_resample():
    return _noisy_resample


@pytest.fixture(scope="session")
def real_table():
    return _real_table


@pytest.fixture(scope="session")
def clean_synthetic():
    return _clean_synthetic


@pytest.fixture(scope="session")
def leaky_synthetic():
    return _leaky_synthetic


@pytest.fixture(scope="session")
def noisy_bootstrap():
    return _NoisyBootstrap
