"""Reversible encoding of mixed-type tables into dense float32 matrices.

:class:`TabularEncoder` is the one place in the package that knows about pandas,
dtypes, categories and missing values. It maps a user's table (a NumPy array or a
pandas DataFrame with continuous, integer, boolean and categorical columns, with or
without missing values) to a dense ``float32`` matrix that neural networks consume,
and maps such a matrix back to the user's own schema.

Next to the matrix it exposes a :class:`TabularLayout`: the list of
:class:`ColumnBlock` objects (slice, kind and source column) that the torch output
heads and the layout-aware losses in :mod:`sklearn_ganae.nn` are built from.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import QuantileTransformer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_ganae._columns import (
    BOOLEAN_ROLE,
    CONTINUOUS_ROLE,
    DATETIME_ROLE,
    HIGH_CARDINALITY_COLUMNS,
    HIGH_CARDINALITY_ROLE,
    IDENTIFIER_ROLE,
    INTEGER_ROLE,
    DatetimeCodec,
    IdentifierCodec,
    hash_values,
    infer_role,
    is_datetime_dtype,
    isin_sorted,
    resolve_column_roles,
)
from sklearn_ganae._features import categorical_mask
from sklearn_ganae._layout import (
    CATEGORICAL,
    CONTINUOUS,
    MISSING,
    ColumnBlock,
    TabularLayout,
    draw_categories,
)
from sklearn_ganae._saving import PersistenceMixin

__all__ = ["TabularEncoder", "TabularLayout", "ColumnBlock", "ColumnRoleWarning"]


class ColumnRoleWarning(UserWarning):
    """Warns that columns were inferred as identifiers or high-cardinality columns."""


_MODE_SUBSAMPLE = 5_000
_MODE_MIN_WEIGHT = 0.005
_MAX_MODES = 10
#: ``continuous_transform="auto"``: a column is multimodal (mode-specific encoding) when
#: a kernel density estimate of its values has at least two peaks this prominent
#: (a share of its maximum), and quantile-encoded otherwise
_PEAK_PROMINENCE = 0.1
#: ... on this many bins between its 0.5% and 99.5% quantiles
_KDE_BINS = 512


def _select_mixture(x: np.ndarray, max_modes: int, seed: int) -> GaussianMixture:
    """The Gaussian mixture with the number of modes the data support (by BIC).

    Grows the number of components from 1 and stops at the first one that does not
    lower the Bayesian information criterion: a unimodal column costs two small fits.
    """
    reg = 1e-6 * float(x.var()) + 1e-12
    best, best_bic = None, np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for k in range(1, max_modes + 1):
            gm = GaussianMixture(k, reg_covar=reg, max_iter=100, random_state=seed).fit(x)
            bic = gm.bic(x)
            if bic >= best_bic:
                break
            best, best_bic = gm, bic
    return best


def _mode_subsample(observed: np.ndarray, seed: int) -> np.ndarray:
    """At most ``_MODE_SUBSAMPLE`` of a column's values, drawn with ``seed``: what the
    mixture fit and the multimodality rule look at."""
    if observed.size <= _MODE_SUBSAMPLE:
        return observed
    return np.random.RandomState(seed).choice(observed, _MODE_SUBSAMPLE, replace=False)


def _n_density_peaks(observed: np.ndarray, seed: int) -> int:
    """How many peaks a column's density has: a Gaussian kernel density estimate with
    Silverman's robust bandwidth (``0.9 min(std, IQR / 1.34) n^(-1/5)``), binned on
    ``_KDE_BINS`` bins between the 0.5% and 99.5% quantiles of at most
    ``_MODE_SUBSAMPLE`` values, counting the local maxima whose prominence is at least
    ``_PEAK_PROMINENCE`` of the highest and beyond the estimate's sampling noise (a
    maximum at either end counts: a column whose density falls from its minimum is
    unimodal)."""
    from scipy.signal import find_peaks

    sub = _mode_subsample(observed, seed)
    lo, hi = np.quantile(sub, [0.005, 0.995])
    q1, q3 = np.quantile(sub, [0.25, 0.75])
    spread = min(float(sub.std()), float(q3 - q1) / 1.34)
    if not (hi > lo and spread > 0):
        return 1
    bandwidth = 0.9 * spread * sub.size**-0.2
    counts, edges = np.histogram(sub, bins=_KDE_BINS, range=(lo, hi))
    sigma = bandwidth / (edges[1] - edges[0])
    half = int(min(np.ceil(4 * sigma), _KDE_BINS))
    offsets = np.arange(-half, half + 1)
    kernel = np.exp(-0.5 * (offsets / max(sigma, 1e-3)) ** 2)
    density = np.convolve(counts.astype(np.float64), kernel, mode="same")
    padded = np.concatenate([[0.0], density, [0.0]])
    peaks, props = find_peaks(padded, prominence=_PEAK_PROMINENCE * density.max())
    # and beyond the sampling noise: the estimate at a peak of height D (in counts) has
    # a standard error of about sqrt(D / sqrt(2)) (Poisson counts under the kernel), and
    # a prominence is a difference of two such estimates (sqrt(2) times that): 4 of
    # those standard errors
    noise = 4.0 * np.sqrt(np.sqrt(2.0) * padded[peaks])
    return int(np.sum(props["prominences"] >= noise))


def _auto_transform(observed: np.ndarray, seed: int) -> str:
    """``continuous_transform="auto"``'s choice for one column: ``"mode"`` for a
    multimodal column (see :func:`_n_density_peaks`), ``"quantile"`` otherwise."""
    if np.unique(observed[:_MODE_SUBSAMPLE]).size < 3:
        return "quantile"
    return "mode" if _n_density_peaks(observed, seed) >= 2 else "quantile"


# ----------------------------------------------------------------------------------
# per-column codecs (fitted state of one source column)
# ----------------------------------------------------------------------------------


class _ContinuousCodec:
    """Normalise one numeric column; optional mode one-hot and missing indicator."""

    def __init__(self, name, method, is_integer, bounds, seed, float32=False):
        self.name = name
        self.method = method
        self.is_integer = is_integer
        self.bounds = bounds
        self.seed = seed
        self.float32 = float32

    def fit(self, values: np.ndarray) -> _ContinuousCodec:
        mask = np.isnan(values)
        observed = values[~mask]
        self.has_missing = bool(mask.any())
        if observed.size == 0:
            # all missing: a constant zero column plus the indicator
            observed = np.zeros(1)
        self.min_, self.max_ = float(observed.min()), float(observed.max())
        # where the training values lie near each bound: out-of-range values go there
        self.tails_ = _tail_quantiles(observed)
        magnitude = max(abs(self.min_), abs(self.max_))
        if magnitude > _MAX_MAGNITUDE or (self.method != "standard" and magnitude > 1e150):
            raise ValueError(
                f"Column {self.name!r} holds values as large as {magnitude:.3g}, too large "
                "for float64 arithmetic"
                + (
                    ""
                    if self.method == "standard"
                    else f" with continuous_transform={self.method!r}"
                )
                + "; rescale the column (for example divide it by a power of ten) "
                "before encoding" + ("." if self.method == "standard" else ", or use 'standard'.")
            )
        self.fill_ = float(np.median(observed))
        self.decimals_ = 0 if self.is_integer else _learn_decimals(observed, self.float32)
        # how many decimals the values have, value by value (a column of whole numbers
        # with a few halves is written with 1 decimal, but most of its values have 0)
        self.decimal_p_ = _decimal_shares(observed, self.decimals_, self.float32)
        spikes = _point_masses(observed)
        # one point mass: a 0/1 indicator (``spike_``); several: a category per point
        # and one for the other values (``spikes_``)
        self.spike_ = float(spikes[0]) if len(spikes) == 1 else None
        self.spikes_ = spikes if len(spikes) > 1 else None
        if len(spikes):
            # the indicator gives the point mass: out-of-range values go into the tails
            # of the other values, not onto the point (which would count it twice)
            self.tails_ = _tail_quantiles(observed[~np.isin(observed, spikes)])
        if self.method == "auto":
            # the density of the values off the point masses (the indicator gives those;
            # at least _SPIKE_MIN_REST other values remain)
            self.method = _auto_transform(observed[~np.isin(observed, spikes)], self.seed)
        self.n_modes = 1
        if self.method == "standard":
            # moments of the column divided by its magnitude: no overflow near 1e308
            unit = magnitude if magnitude > 1e100 else 1.0
            self.mean_ = float((observed / unit).mean()) * unit
            std = float((observed / unit).std()) * unit
            # constant up to round-off (relative to the mean): leave unscaled
            tol = max(1e-12 * abs(self.mean_), np.finfo(np.float64).tiny)
            self.scale_ = std if std > tol else 1.0
        elif self.method == "quantile":
            self.qt_ = QuantileTransformer(
                n_quantiles=int(min(1000, observed.size)),
                output_distribution="normal",
                subsample=100_000,
                random_state=self.seed,
            ).fit(observed.reshape(-1, 1))
            # codes of the extremes as float32 holds them: the quantile inverse only snaps
            # to the ends within 1e-7 of the level, which float32 rounding of the clipped
            # code can miss, decoding the maximum up to 1e-4 of the last gap too low
            ends = self.qt_.transform(np.array([[self.min_], [self.max_]])).ravel()
            ends32 = ends.astype(np.float32)
            self.q_ends_ = (float(max(ends[0], ends32[0])), float(min(ends[1], ends32[1])))
        else:  # "mode"
            self._fit_modes(observed)
        return self

    def _fit_modes(self, observed):
        sub = _mode_subsample(observed, self.seed)
        n_unique = np.unique(sub).size
        means = np.array([observed.mean()])
        stds = np.array([observed.std()])
        weights = np.ones(1)
        if n_unique > 1:
            gm = _select_mixture(sub.reshape(-1, 1), min(_MAX_MODES, n_unique), self.seed)
            keep = gm.weights_ > _MODE_MIN_WEIGHT
            means = gm.means_.ravel()[keep]
            stds = np.sqrt(gm.covariances_.ravel()[keep])
            weights = gm.weights_[keep]
        order = np.argsort(means)
        self.means_ = means[order]
        scale = np.where(stds[order] > 1e-12, stds[order], 1.0)
        self.stds_ = 4.0 * scale
        # log prior + log normaliser of each mode, for the posterior-mode assignment
        self._log_prior = np.log(weights[order] / weights.sum()) - np.log(scale)
        self.n_modes = len(self.means_)

    # --- forward ---------------------------------------------------------------
    @property
    def _has_spike(self) -> bool:
        return getattr(self, "spike_", None) is not None

    @property
    def _n_spike_columns(self) -> int:
        """Width of the point-mass block: 1 (an indicator), k + 1 (k points and
        "none"), or 0."""
        spikes = getattr(self, "spikes_", None)
        if spikes is not None:
            return len(spikes) + 1
        return int(self._has_spike)

    @property
    def width(self) -> int:
        w = 1
        if self.method == "mode":
            w += self.n_modes
        return w + self._n_spike_columns + int(self.has_missing)

    @property
    def _spike_start(self) -> int:
        """Position of the point-mass block in the codec's columns."""
        return self.width - self._n_spike_columns - int(self.has_missing)

    def blocks(self, column, start):
        out = [ColumnBlock(CONTINUOUS, column, self.name, start, start + 1)]
        pos = start + 1
        if self.method == "mode":
            out.append(ColumnBlock(CATEGORICAL, column, self.name, pos, pos + self.n_modes))
            pos += self.n_modes
        if self._has_spike:
            # a 0/1 indicator, modelled as a missing-value indicator is (a Bernoulli)
            out.append(ColumnBlock(MISSING, column, self.name, pos, pos + 1))
            pos += 1
        elif self._n_spike_columns:
            width = self._n_spike_columns
            out.append(ColumnBlock(CATEGORICAL, column, self.name, pos, pos + width))
            pos += width
        if self.has_missing:
            out.append(ColumnBlock(MISSING, column, self.name, pos, pos + 1))
        return out

    def feature_names(self):
        names = [self.name]
        if self.method == "mode":
            names += [f"{self.name}__mode{k}" for k in range(self.n_modes)]
        if self._has_spike:
            names.append(f"{self.name}__is_{self.spike_:g}")
        elif self._n_spike_columns:
            names += [f"{self.name}__is_{v:g}" for v in self.spikes_]
            names.append(f"{self.name}__is_other")
        if self.has_missing:
            names.append(f"{self.name}__missing")
        return names

    def transform(self, values: np.ndarray, out: np.ndarray) -> None:
        mask = np.isnan(values)
        filled = np.where(mask, self.fill_, values)
        if self.method == "standard":
            out[:, 0] = (filled - self.mean_) / self.scale_
        elif self.method == "quantile":
            out[:, 0] = self.qt_.transform(filled.reshape(-1, 1)).ravel()
        else:
            # the most probable mode under the fitted mixture (deterministic, unlike
            # CTGAN's draw, so transform is a function), vectorised (rows x modes)
            z = (filled[:, None] - self.means_) / (self.stds_ / 4.0)
            mode = np.argmax(self._log_prior - 0.5 * z * z, axis=1)
            out[:, 0] = (filled - self.means_[mode]) / self.stds_[mode]
            onehot = out[:, 1 : 1 + self.n_modes]
            onehot[np.arange(len(filled)), mode] = 1.0
        if self._has_spike:
            out[:, self._spike_start] = (values == self.spike_) & ~mask
        elif self._n_spike_columns:
            # the point's category, or the last one ("other") for every other value
            hit = np.isin(filled, self.spikes_) & ~mask
            point = np.where(hit, np.searchsorted(self.spikes_, filled), len(self.spikes_))
            out[np.arange(len(filled)), self._spike_start + point] = 1.0
        if self.has_missing:
            out[:, -1] = mask

    # --- inverse ---------------------------------------------------------------
    def inverse(self, block: np.ndarray, rng) -> np.ndarray:
        v = block[:, 0].astype(np.float64)
        if self.method == "standard":
            x = v * self.scale_ + self.mean_
        elif self.method == "quantile":
            x = _quantile_inverse(self.qt_, v)
            x[v <= self.q_ends_[0]] = self.min_
            x[v >= self.q_ends_[1]] = self.max_
        else:
            mode = draw_categories(block[:, 1 : 1 + self.n_modes], rng)
            x = v * self.stds_[mode] + self.means_[mode]
        if self.bounds == "auto":
            x = _into_tails(x, self.min_, self.max_, self.tails_)
        elif self.bounds == "reflect":
            x = _reflect(x, self.min_, self.max_)
        elif self.bounds == "clip":
            x = np.clip(x, self.min_, self.max_)
        if self.decimals_ is not None:
            shares = getattr(self, "decimal_p_", None)
            if rng is not None and shares is not None:
                # sampling: each value gets as many decimals as a training value has
                # (whole numbers stay whole as often as in training)
                places = rng.choice(len(shares), size=len(x), p=shares)
                scale = 10.0**places
                rounded = np.round(x * scale) / scale
                if self.bounds is not None:
                    # coarser rounding must not leave the range: those keep all decimals
                    out = (rounded < self.min_) | (rounded > self.max_)
                    rounded[out] = np.round(x[out], self.decimals_)
                x = rounded
            else:
                x = np.round(x, self.decimals_)
        if self._has_spike:
            # the point mass: rows the indicator says are the spike value get it
            p = block[:, self._spike_start]
            spike = rng.random_sample(len(p)) < p if rng is not None else p > 0.5
            x[spike] = self.spike_
        elif self._n_spike_columns:
            start = self._spike_start
            point = draw_categories(block[:, start : start + self._n_spike_columns], rng)
            on = point < len(self.spikes_)
            x[on] = self.spikes_[point[on]]
        if self.has_missing:
            p = block[:, -1]
            missing = rng.random_sample(len(p)) < p if rng is not None else p > 0.5
            x[missing] = np.nan
        return x


class _CategoricalCodec:
    """One-hot encode one categorical column, grouping rare categories.

    ``floor`` is the privacy floor: members of the infrequent group seen fewer times
    are not stored (only 64-bit hashes, to recognise them), the group never decodes to
    them, and sampling (decoding with a random state) never draws a one-hot category
    seen fewer times. A group with no member at the floor decodes to a missing value.
    """

    def __init__(self, name, min_frequency, max_categories, handle_unknown, floor=1):
        self.name = name
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.floor = floor

    def fit(self, values: np.ndarray) -> _CategoricalCodec:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        counts = np.bincount(codes, minlength=len(uniques))
        return self.fit_counts(np.asarray(uniques, dtype=object), counts)

    def fit_counts(self, uniques: np.ndarray, counts: np.ndarray) -> _CategoricalCodec:
        """Fit from the distinct values (missing as NaN) and their counts: what
        :meth:`fit` computes from the values, and a streaming pass adds up."""
        uniques = np.asarray(uniques, dtype=object)
        counts = np.asarray(counts, dtype=np.int64)
        # in the values' order, so that ties between counts (which levels a
        # max_categories cut keeps) do not depend on the order of the rows
        by_value = _sorted_order(uniques)
        uniques, counts = uniques[by_value], counts[by_value]
        n = int(counts.sum())
        frequent = np.ones(len(uniques), dtype=bool)
        if self.min_frequency is not None:
            threshold = (
                self.min_frequency
                if isinstance(self.min_frequency, numbers.Integral)
                else self.min_frequency * n
            )
            frequent &= counts >= threshold
        n_out = frequent.sum() + int(not frequent.all())  # the infrequent group counts
        if self.max_categories is not None and n_out > self.max_categories:
            # keep the (max_categories - 1) most frequent, the rest become one group
            order = np.argsort(-np.where(frequent, counts, -1), kind="stable")
            keep = order[: min(self.max_categories - 1, int(frequent.sum()))]
            frequent[:] = False
            frequent[keep] = True
        if frequent.sum() == len(uniques) - 1:
            frequent[:] = True  # a group of one category is that category
        order = _sorted_order(uniques[frequent])
        self.categories_ = uniques[frequent][order].astype(object)
        self.counts_ = counts[frequent][order]
        self.has_infrequent = bool((~frequent).any())
        members, member_counts = uniques[~frequent], counts[~frequent]
        self.infrequent_count_ = int(member_counts.sum())
        eligible = member_counts >= self.floor
        self.n_infrequent_ = int(len(members))
        # rare members are recognised by hash only: their values are not kept
        self._rare_hashes = np.unique(hash_values(members[~eligible]))
        members, member_counts = members[eligible], member_counts[eligible]
        by_count = np.argsort(-member_counts, kind="stable")
        self.infrequent_ = members[by_count]
        self.infrequent_p_ = member_counts[by_count] / max(member_counts.sum(), 1)
        # value -> output position; infrequent members point at the last column
        lookup = list(self.categories_) + list(self.infrequent_)
        target = list(range(len(self.categories_))) + [len(self.categories_)] * len(
            self.infrequent_
        )
        self._index = pd.Index(lookup, dtype=object)
        self._target = np.asarray(target, dtype=np.int64)
        return self

    @property
    def width(self) -> int:
        return len(self.categories_) + int(self.has_infrequent)

    def blocks(self, column, start):
        return [ColumnBlock(CATEGORICAL, column, self.name, start, start + self.width)]

    def feature_names(self):
        names = [f"{self.name}_{c}" for c in self.categories_]
        if self.has_infrequent:
            names.append(f"{self.name}_infrequent")
        return names

    def transform(self, values: np.ndarray, out: np.ndarray) -> None:
        pos = self._index.get_indexer(pd.Index(values, dtype=object))
        unknown = pos < 0
        col = np.full(len(pos), -1, dtype=np.int64)
        col[~unknown] = self._target[pos[~unknown]]
        if unknown.any() and self.has_infrequent and len(self._rare_hashes):
            rare = np.zeros(len(values), dtype=bool)
            rare[unknown] = isin_sorted(hash_values(values[unknown]), self._rare_hashes)
            col[rare] = self.width - 1
            unknown &= ~rare
        if unknown.any():
            if self.handle_unknown == "error":
                seen = pd.unique(pd.Series(np.asarray(values, dtype=object)[unknown]))
                raise ValueError(
                    f"Column {self.name!r} contains categories not seen during fit: "
                    f"{list(seen[:5])}. Pass handle_unknown='ignore' (an all-zero "
                    "one-hot row) or 'infrequent_if_exist' to accept them."
                )
            if self.handle_unknown == "infrequent_if_exist" and self.has_infrequent:
                col[unknown] = self.width - 1
        rows = np.flatnonzero(col >= 0)
        out[rows, col[rows]] = 1.0

    def inverse(self, block: np.ndarray, rng) -> np.ndarray:
        codes, values = self.inverse_codes(block, rng)
        return values[codes]

    def inverse_codes(self, block: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """The decoded rows as positions into distinct values: ``(codes, values)``,
        ``values[codes]`` being :meth:`inverse`'s result. ``values`` (object) holds
        the categories, then the infrequent group's members, then a missing value."""
        values = np.empty(len(self.categories_) + len(self.infrequent_) + 1, dtype=object)
        values[: len(self.categories_)] = self.categories_
        values[len(self.categories_) : -1] = self.infrequent_
        values[-1] = np.nan
        missing = len(values) - 1
        if rng is not None and self.floor > 1:
            # sampling never draws a category seen fewer times than the floor
            rare = self.counts_ < self.floor
            if self.has_infrequent and not len(self.infrequent_):
                rare = np.append(rare, True)  # a group with nothing to decode to
            elif self.has_infrequent:
                rare = np.append(rare, False)
            if rare.any():
                block = np.where(rare, 0.0, np.clip(block, 0, None))
                empty = block.sum(axis=1) <= 0
                block[empty] = np.where(rare, 0.0, 1.0)  # uniform over what may be drawn
                if rare.all():
                    return np.full(len(block), missing, dtype=np.intp), values
        codes = draw_categories(block, rng).astype(np.intp, copy=False)
        n_freq = len(self.categories_)
        grouped = codes >= n_freq
        if self.has_infrequent and grouped.any():
            if not len(self.infrequent_):
                codes[grouped] = missing  # every member below the privacy floor
            elif rng is not None:
                pick = rng.choice(
                    len(self.infrequent_), size=int(grouped.sum()), p=self.infrequent_p_
                )
                codes[grouped] = n_freq + pick
            # without a random state the group decodes to its most frequent member,
            # at position n_freq already
        return codes, values


def _quantile_inverse(qt: QuantileTransformer, v: np.ndarray) -> np.ndarray:
    """``qt.inverse_transform`` of one column of normal scores, the same values
    without its per-call validation, and with the interpolation's bracket found by
    arithmetic on the evenly spaced references instead of a binary search.

    As scikit-learn: the normal CDF of the scores, then the linear interpolation of
    the quantiles (``np.interp``'s formula, term by term: the slope of the bracket
    times the distance from its left end, plus the left quantile), and the ends where
    the CDF is within ``1e-7`` of 0 or 1.
    """
    quantiles = qt.quantiles_[:, 0]
    references = qt.references_
    last = len(references) - 1
    with np.errstate(invalid="ignore"):
        u = ndtr(v)
        if last < 1:
            return np.full(len(v), quantiles[0])
        j = (u * last).astype(np.int64)
    np.clip(j, 0, last - 1, out=j)
    # the bracket as np.interp's search finds it: references[j] <= u < references[j + 1]
    j -= (u < references[j]) & (j > 0)
    j += (u >= references[j + 1]) & (j < last - 1)
    slope = np.diff(quantiles) / np.diff(references)
    x = u - references[j]
    x *= slope[j]
    x += quantiles[j]
    x[u >= references[-1]] = quantiles[-1]
    x[u + _QUANTILE_BOUND > 1] = quantiles[-1]
    x[u - _QUANTILE_BOUND < 0] = quantiles[0]
    return x


#: scikit-learn's ``BOUNDS_THRESHOLD`` of the quantile transform
_QUANTILE_BOUND = 1e-7
_MAX_MAGNITUDE = 1e300
_MAX_DECIMALS = 12


def _learn_decimals(observed: np.ndarray, float32: bool) -> int | None:
    """The fewest decimals that write every value exactly (None: more than 12).

    Checked on at most 10,000 values (evenly spaced through the column, so the result
    does not depend on a random draw). A float32 column is compared in float32.
    """
    values = observed[:: max(1, observed.size // 10_000)]
    if float32:
        values = values.astype(np.float32)
    for d in range(_MAX_DECIMALS + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            rounded = np.round(values.astype(np.float64), d)
        if float32:
            rounded = rounded.astype(np.float32)
        if np.array_equal(rounded, values):
            return d
    return None


#: a value of a continuous column held by at least this share of the observed rows
#: (and at least _SPIKE_MIN_ROWS of them) ...
_SPIKE_MIN_SHARE = 0.02
_SPIKE_MIN_ROWS = 20
#: ... and at least this many times as many rows as the values next to it hold (the
#: median count of the _SPIKE_WINDOW nearest distinct values on each side) is a point
#: mass (the zeros of an amount, the standard allowances of an expense column); more
#: than _MAX_SPIKES of them in a column is a lattice of frequent values, not points
_SPIKE_RATIO = 5
_SPIKE_WINDOW = 5
_MAX_SPIKES = 10
#: ... and at least this many other values remain (else the column is discrete)
_SPIKE_MIN_REST = 10


def _point_masses(observed: np.ndarray) -> np.ndarray:
    """The values of a continuous column that far more rows hold than the values next
    to them (the zeros of an amount spent, the few standard amounts of an allowance),
    sorted: a density cannot put mass on points, so the codec models which point (or
    none) a row takes as a category of its own. Empty when there are none.

    A point mass holds at least ``_SPIKE_MIN_SHARE`` of the rows (and
    ``_SPIKE_MIN_ROWS``) and ``_SPIKE_RATIO`` times the median count of the
    ``_SPIKE_WINDOW`` nearest distinct values on either side: a local comparison, so
    the first values of a heavy-tailed count, each more frequent than the next, are
    not point masses. More than ``_MAX_SPIKES`` of them is a lattice, not points
    (none), and at least ``_SPIKE_MIN_REST`` other values must remain (else the column
    is discrete).
    """
    none = np.zeros(0)
    if observed.size < _SPIKE_MIN_ROWS:
        return none
    values, counts = np.unique(observed, return_counts=True)
    if len(values) <= _SPIKE_MIN_REST:
        return none
    w = _SPIKE_WINDOW
    padded = np.pad(counts.astype(np.float64), w, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1)
    neighbours = np.delete(windows, w, axis=1)  # the value itself left out
    local = np.nanmedian(neighbours, axis=1)
    floor = max(_SPIKE_MIN_ROWS, _SPIKE_MIN_SHARE * observed.size)
    spike = (counts >= floor) & (counts >= _SPIKE_RATIO * local)
    found = np.flatnonzero(spike)
    if len(found) > min(_MAX_SPIKES, len(values) - _SPIKE_MIN_REST):
        # a lattice of frequent values (whole numbers among a few halves, sizes
        # bunched at round numbers) is not a handful of points on a spread: rounding
        # and the decimals' shares give it
        return none
    return np.sort(values[found].astype(np.float64))


def _decimal_shares(observed: np.ndarray, decimals, float32: bool):
    """The share of the values written with 0, 1, ..., ``decimals`` decimals (their
    fewest), on the values :func:`_learn_decimals` reads; None for whole-number
    columns (0 decimals) and columns of any precision."""
    if not decimals:
        return None
    values = observed[:: max(1, observed.size // 10_000)].astype(np.float64)
    if float32:
        values = values.astype(np.float32)
    places = np.full(len(values), decimals, dtype=np.int64)
    for d in range(decimals - 1, -1, -1):
        with np.errstate(over="ignore", invalid="ignore"):
            rounded = np.round(values.astype(np.float64), d)
        if float32:
            rounded = rounded.astype(np.float32)
        places[rounded == values] = d
    counts = np.bincount(places, minlength=decimals + 1).astype(np.float64)
    if counts[:-1].sum() == 0:
        return None  # every value uses every decimal: nothing to draw
    return counts / counts.sum()


def _reflect(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Fold values outside ``[low, high]`` back inside, as a mirror at each end.

    Unlike clipping, which piles every out-of-range value on the bounds, reflection
    spreads them over the edge region, so the decoded column has no spikes there.
    """
    width = high - low
    if not np.isfinite(width) or width <= 0:
        return np.full_like(x, low) if width == 0 else np.clip(x, low, high)
    outside = (x < low) | (x > high)
    if not outside.any():
        return x
    y = np.mod(x[outside] - low, 2 * width)
    y = np.where(y > width, 2 * width - y, y)
    out = x.copy()
    out[outside] = np.clip(low + y, low, high)
    return out


# the share of the training values at each end into which out-of-range values go
_TAIL = 0.05
_TAIL_LEVELS = np.linspace(0.0, _TAIL, 21)


def _tail_quantiles(observed: np.ndarray) -> tuple:
    """The quantiles of the lowest and highest 5% of a column, and its spread."""
    low = np.quantile(observed, _TAIL_LEVELS)
    high = np.quantile(observed, 1.0 - _TAIL_LEVELS)
    spread = float(np.std(observed)) or float(observed.max() - observed.min()) or 1.0
    return low, high, spread


def _into_tails(x, low, high, tails):
    """Move out-of-range values into the column's own tails, monotonically.

    A value ``d`` spreads beyond a bound goes to the quantile ``5% * d / (d + 1)`` of
    the training values from that end: just beyond the bound lands on the bound,
    far beyond it lands deep in the tail, never past the 5% quantile. Where the
    training values pile on the bound (the zeros of a count) the tail quantiles all
    equal it, and the values land there, as clipping would put them; where only the
    extreme value touches the bound they spread over the tail's own shape instead of
    making a spike. Values inside the range are unchanged.
    """
    low_q, high_q, spread = tails
    out = x.copy()
    below, above = x < low, x > high
    if below.any():
        d = (low - x[below]) / spread
        out[below] = np.interp(_TAIL * d / (d + 1.0), _TAIL_LEVELS, low_q)
    if above.any():
        d = (x[above] - high) / spread
        out[above] = np.interp(_TAIL * d / (d + 1.0), _TAIL_LEVELS, high_q)
    return out


def _sorted_order(values: np.ndarray) -> np.ndarray:
    """Positions that sort categories (NaN last); first-appearance order for mixed types."""
    nan = np.asarray(pd.isna(values), dtype=bool)
    try:
        order = np.argsort(values[~nan], kind="stable")
    except TypeError:
        return np.arange(len(values))
    return np.concatenate([np.flatnonzero(~nan)[order], np.flatnonzero(nan)])


def _is_float_like(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# ----------------------------------------------------------------------------------
# the public transformer
# ----------------------------------------------------------------------------------


class TabularEncoder(PersistenceMixin, TransformerMixin, BaseEstimator):
    """Reversible encoder of mixed-type tables into a dense float32 matrix.

    Continuous and integer columns are normalised, categorical and boolean columns
    are one-hot encoded (rare categories grouped), and missing values get explicit
    treatment, so that a neural network can consume the table and its outputs can be
    turned back into rows of the user's schema with :meth:`inverse_transform`.

    Every column gets a *role*, inferred from its dtype, its share of distinct values
    and the shape of its values, or given in ``column_roles``:

    - ``"continuous"`` and ``"integer"``: normalised; decoded values are rounded to
      the decimals the column was written with (integers stay integers; sampling,
      decoding with a random state, gives each value as many decimals as a
      training value has, so whole numbers stay as frequent) and kept in the
      training range (``bounds``). A value that at least 2% of a column's rows
      hold, five times as many as the values next to it (the zeros of an amount
      spent, the standard amounts of an allowance), is a point mass: one gets a
      0/1 indicator column of its own (``name__is_0``), two to ten get a one-hot
      block (``name__is_35``, ..., ``name__is_other``), so that each is generated as
      often as it occurs.
    - ``"boolean"`` and ``"categorical"``: one-hot. A numeric column of a DataFrame
      with at most 20 distinct values, each held by 5 rows or more on average (years
      of schooling, a rate reported in a few steps), is a discrete quantity and
      categorical too: its values come back in its own dtype, never a value between
      them.
    - ``"datetime"``: datetime64 of any unit (with or without a time zone),
      timedelta64, ``datetime.date`` objects, and strings that all read as ISO 8601
      dates; one continuous value in the column's own resolution (days for dates),
      restored with the column's dtype, time zone, resolution or string format.
    - ``"identifier"``: a column that names rows (a row number, ``customer_id``, an
      e-mail address). It is not modelled: it takes no encoded column, and decoding
      fills *fresh* identifiers of the same shape (integers within the training range
      or after it; strings with the length and per-position character classes of a
      training value), unique within one call (across all the batches of one
      sampling call) and never equal to a training value.
    - ``"high_cardinality"``: free text, or a categorical column with more than 100
      distinct values: one-hot over at most 50 columns (the 49 most frequent values
      seen at least ``privacy_floor`` times, and one group for the rest).

    Inference of identifiers, dates and discrete quantities needs a DataFrame (named
    columns); the columns of a bare array are continuous, integer or categorical. After fit,
    :attr:`column_roles_` and :meth:`describe` say what was decided and why; one
    warning names the columns that became identifiers or high-cardinality, with the
    override.

    Parameters
    ----------
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical. ``"auto"``: columns of a DataFrame with
        ``category``, ``object``, ``string`` or ``bool`` dtype; no column of a
        numeric array. Otherwise column names (DataFrames only), column indices or a
        boolean mask, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`. Every non-numeric
        column must be categorical (or a date, or have a role in ``column_roles``).
    column_roles : dict or None, default=None
        Roles that override the inference, by column name (DataFrames) or position:
        ``{"zip": "categorical", "customer_id": "identifier"}``. A role is one of
        ``"continuous"``, ``"integer"``, ``"boolean"``, ``"categorical"``,
        ``"datetime"``, ``"identifier"`` and ``"high_cardinality"`` (alias
        ``"text"``). ``"categorical"`` given here keeps every level, however many.
        A role that does not fit the data (a date column that does not parse, an
        identifier with duplicates) raises a ``ValueError`` naming the column.
    continuous_transform : {"standard", "quantile", "mode", "auto"}, default="standard"
        Normalisation of continuous columns. ``"standard"``: zero mean, unit
        variance. ``"quantile"``: the quantile transform to a standard normal (robust
        to skew and outliers). ``"mode"``: mode-specific normalisation as in CTGAN: a
        Gaussian mixture (fitted on at most 5,000 rows, its number of modes, up to 10,
        chosen by BIC) finds each column's modes; a value becomes the one-hot indicator
        of its most probable mode plus its offset within that mode, in units of 4
        standard deviations. ``"auto"``: chosen per column, ``"mode"`` for a
        multimodal column (a kernel density estimate of its values, Silverman's
        bandwidth, has two or more peaks of at least a tenth of its height) and
        ``"quantile"`` for the others; :meth:`describe` says which each got.
    min_frequency : int, float or None, default=None
        Categories seen fewer times than this (a count, or a fraction of the rows
        when a float in (0, 1)) are grouped into one "infrequent" output column.
    max_categories : int or None, default=None
        At most this many output columns per categorical column, the infrequent group
        included.
    handle_unknown : {"infrequent_if_exist", "ignore", "error"}, \
            default="infrequent_if_exist"
        Categories not seen during fit, at transform time. ``"error"`` raises;
        ``"ignore"`` encodes them as an all-zero one-hot row;
        ``"infrequent_if_exist"`` maps them to the column's infrequent group when it
        has one and otherwise behaves as ``"ignore"``.
    handle_missing : {"indicator", "error"}, default="indicator"
        ``"indicator"``: a missing value of a numeric column is replaced by the
        column's median and flagged in an extra 0/1 indicator column (added for
        columns that had missing values during fit; at transform time other columns
        are only imputed); a missing categorical value is a category of its own.
        ``"error"``: any missing value raises a ``ValueError``.
    privacy_floor : int, default=5
        A categorical value seen fewer times than this in training can identify a
        person, so it never comes out of sampling (decoding with a random state, as
        the generators do), and a value grouped as infrequent below the floor is not
        even stored (only a hash, to recognise it): the group decodes to its members
        at the floor, or to a missing value when it has none. ``1`` turns it off.
        :meth:`inverse_transform` of encoded rows still returns a one-hot category
        below the floor: it is the row's own value.
    bounds : {"auto", "reflect", "clip"} or None, default="auto"
        Keep decoded continuous, integer and date values within the range seen
        during fit. ``"reflect"`` folds an out-of-range value back inside, mirrored
        at the bound, which keeps the column's shape near its ends; ``"clip"`` sets
        it to the bound (synthetic mass piles up there); ``"auto"`` moves it into the
        column's own tail, monotonically (a value ``d`` standard deviations beyond a
        bound goes to the quantile ``5% * d / (d + 1)`` from that end), so the decoded
        values near a bound follow the training values there: onto the bound where
        they pile on it (the zeros of a count), over the tail's shape elsewhere;
        ``None`` leaves it.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling of the quantile and mixture fits.

    Attributes
    ----------
    layout_ : TabularLayout
        The blocks of the encoded matrix: kind, source column, slice.
    n_features_out_ : int
        Width of the encoded matrix.
    categorical_mask_ : ndarray of bool of shape (n_features_in_,)
        Which input columns were one-hot encoded (roles ``"boolean"``,
        ``"categorical"`` and ``"high_cardinality"`` of non-numeric columns).
    column_roles_ : dict
        The role of every input column, by name.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    sklearn.preprocessing.OneHotEncoder : One-hot encoding of categorical features.
    sklearn.preprocessing.QuantileTransformer : Quantile normalisation.

    Notes
    -----
    :meth:`inverse_transform` returns a DataFrame with the input's column names,
    order and dtypes when a DataFrame was fitted (category dtypes keep their full
    category set, integers come back as integers, booleans as booleans), and an
    array of the input's dtype otherwise. Continuous outputs are kept in the training
    range (``bounds``) and rounded to the column's decimals; a missing-value
    indicator above 0.5 becomes ``NaN``; the infrequent group decodes to its most
    frequent member at the privacy floor.

    References
    ----------
    .. [1] L. Xu, M. Skoularidou, A. Cuesta-Infante and K. Veeramachaneni,
       "Modeling Tabular Data using Conditional GAN", NeurIPS 2019.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ganae import TabularEncoder
    >>> df = pd.DataFrame({"size": [1.0, 2.5, None, 4.0],
    ...                    "color": ["red", "blue", "red", None]})
    >>> enc = TabularEncoder().fit(df)
    >>> Z = enc.transform(df)
    >>> Z.shape, Z.dtype
    ((4, 5), dtype('float32'))
    >>> enc.get_feature_names_out().tolist()
    ['size', 'size__missing', 'color_blue', 'color_red', 'color_nan']
    >>> enc.inverse_transform(Z).equals(df)
    True
    """

    _parameter_constraints: dict = {
        "categorical_features": [StrOptions({"auto"}), "array-like"],
        "continuous_transform": [StrOptions({"standard", "quantile", "mode", "auto"})],
        "min_frequency": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
            None,
        ],
        "max_categories": [Interval(numbers.Integral, 2, None, closed="left"), None],
        "handle_unknown": [StrOptions({"infrequent_if_exist", "ignore", "error"})],
        "handle_missing": [StrOptions({"indicator", "error"})],
        "column_roles": [dict, None],
        "privacy_floor": [Interval(numbers.Integral, 1, None, closed="left")],
        "bounds": [StrOptions({"auto", "reflect", "clip"}), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        categorical_features="auto",
        column_roles=None,
        continuous_transform="standard",
        min_frequency=None,
        max_categories=None,
        handle_unknown="infrequent_if_exist",
        handle_missing="indicator",
        privacy_floor=5,
        bounds="auto",
        random_state=None,
    ):
        self.categorical_features = categorical_features
        self.column_roles = column_roles
        self.continuous_transform = continuous_transform
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.handle_missing = handle_missing
        self.privacy_floor = privacy_floor
        self.bounds = bounds
        self.random_state = random_state

    # --- fit -------------------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the column kinds, normalisations and categories of ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features), path or iterable
            The table. Not modified. Also the path (str or ``os.PathLike``) of a
            Parquet file, a folder of Parquet files or a CSV file, or DataFrame chunks
            (a list, an iterator or a function returning one), read in bounded
            batches: one streaming pass keeps exact counts, moments, ranges and
            category counts, and a uniform sample of 100,000 rows for what needs rows
            (roles, quantiles, mixtures, decimals, dates).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : TabularEncoder
            The fitted encoder.
        """
        # atomic: a failed fit leaves the previous fitted state (or none) as it was
        before = dict(vars(self))
        try:
            return self._fit(X)
        except BaseException:
            vars(self).clear()
            vars(self).update(before)
            raise

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit(self, X):
        from sklearn_ganae._sources import TableSource, is_table_source

        if is_table_source(X) or isinstance(X, TableSource):
            return self._fit_source(X)
        self._fit_codecs(self._check_input(X, reset=True))
        return self._finish_fit()

    def _fit_source(self, X):
        """Fit on a table read in bounded batches (a path, an iterable of DataFrame
        chunks): one streaming pass of mergeable statistics (see
        :mod:`sklearn_ganae._streaming`)."""
        from sklearn_ganae._sources import TableSource, open_table
        from sklearn_ganae._streaming import scan_table

        def fit(source):
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            counted = self._counted_columns(source.read_fragment(0))
            self._fit_scan(scan_table(source, counted, seed=int(seed)), source)

        if isinstance(X, TableSource):
            fit(X)
        else:
            with open_table(X) as source:
                fit(source)
        return self

    def _counted_columns(self, frame: pd.DataFrame) -> np.ndarray:
        """The columns of a streamed table whose values a streaming pass counts: every
        column that may become categorical (see :meth:`_fit_scan`)."""
        names = [str(c) for c in frame.columns]
        mask = categorical_mask(
            self.categorical_features,
            len(names),
            dtypes=list(frame.dtypes),
            columns=list(frame.columns),
        )
        overrides = resolve_column_roles(self.column_roles or None, names, list(frame.columns))
        categorical = (BOOLEAN_ROLE, "categorical", HIGH_CARDINALITY_ROLE)
        return np.array(
            [
                bool(mask[j])
                or overrides.get(j) in categorical
                or not (
                    pd.api.types.is_numeric_dtype(frame[c].dtype)
                    or is_datetime_dtype(frame[c].dtype)
                )
                or pd.api.types.is_bool_dtype(frame[c].dtype)
                for j, c in enumerate(frame.columns)
            ],
            dtype=bool,
        )

    def _fit_scan(self, scan, source):
        """Fit on the result of a streaming pass (``sklearn_ganae._streaming.TableScan``).

        The roles and everything that needs rows (quantiles, mixtures, decimals, dates,
        medians, the tails near the bounds) are fitted on the scan's bounded sample;
        then the exact statistics of the whole stream replace the sample's: missing
        values, the range (``bounds``), the mean and scale of ``"standard"``
        normalisation, every category's count (so rare-level grouping and the privacy
        floor see the true counts), and the identifiers' hashes and range (one more
        pass, over the identifier columns only).
        """
        sample, _ = scan.sample()
        # a numeric column is discrete (categorical) only if the whole stream has few
        # values, not only the sample
        discrete = [not stat.many for stat in scan.stats]
        self._fit_codecs(self._check_input(sample, reset=True), discrete)
        names = self._column_names(self.n_features_in_)
        identifiers = {}
        for j, codec in enumerate(self._codecs):
            stat, name = scan.stats[j], names[j]
            if stat.n_missing:
                self._check_missing_policy(True, name)
            if isinstance(codec, _CategoricalCodec):
                if not (stat.counted or stat.few):
                    continue
                if stat.truncated and self.column_roles_[name] != HIGH_CARDINALITY_ROLE:
                    raise ValueError(
                        f"Column {name!r} has more distinct values than a streaming pass "
                        "counts for a categorical column; give it the role "
                        f"'high_cardinality' or 'identifier', e.g. column_roles="
                        f"{{{name!r}: 'high_cardinality'}}."
                    )
                uniques, counts = stat.distinct()
                codec.fit_counts(uniques, counts)
                if stat.truncated and codec.has_infrequent:
                    codec.infrequent_count_ += int(stat.n - counts.sum())
                self._dtypes[j] = _without_rare_categories(sample[sample.columns[j]].dtype, codec)
            elif isinstance(codec, _ContinuousCodec) and stat.moments and stat.count:
                codec.has_missing = stat.n_missing > 0
                codec.min_, codec.max_ = stat.low, stat.high
                if codec.method == "standard" and max(abs(stat.low), abs(stat.high)) <= 1e100:
                    codec.mean_ = stat.mean
                    tol = max(1e-12 * abs(codec.mean_), np.finfo(np.float64).tiny)
                    codec.scale_ = stat.std if stat.std > tol else 1.0
                elif codec.method == "quantile":
                    ends = codec.qt_.transform(np.array([[codec.min_], [codec.max_]])).ravel()
                    ends32 = ends.astype(np.float32)
                    codec.q_ends_ = (
                        float(max(ends[0], ends32[0])),
                        float(min(ends[1], ends32[1])),
                    )
            elif isinstance(codec, DatetimeCodec) and stat.n_missing:
                codec.inner.has_missing = True
            elif isinstance(codec, IdentifierCodec):
                identifiers[j] = []
        if identifiers:
            column_names = [sample.columns[j] for j in identifiers]
            for _, frame in source.iter_frames(columns=column_names):
                for j, column in zip(identifiers, column_names):
                    identifiers[j].append(self._codecs[j].stream_hashes(frame[column]))
            for j, parts in identifiers.items():
                self._codecs[j].finish_stream(parts, scan.n_rows, scan.stats[j].n_missing)
        return self._finish_fit()

    def _fit_codecs(self, X, discrete=None):
        """Infer every column's role and fit its codec on the validated table ``X``
        (``discrete[j]`` False: column ``j`` is not a discrete quantity, whatever ``X``
        holds; a streamed table's sample may miss its rarer values)."""
        n_features = X.shape[1]
        cat_mask = self._resolve_categorical(X)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._is_frame = isinstance(X, pd.DataFrame)
        self._dtypes = list(X.dtypes) if self._is_frame else [X.dtype] * n_features
        self._columns = list(X.columns) if self._is_frame else None
        # after _columns: the names come from this X, never from a previous fit
        names = self._column_names(n_features)
        overrides = self._resolve_overrides(names)
        self._codecs, roles, self._reasons = [], {}, {}
        for j in range(n_features):
            raw = _column(X, j)
            if j in overrides:
                role, reason = overrides[j], "given in column_roles"
            else:
                if cat_mask[j]:
                    _check_scalars(raw, names[j])
                role, reason = infer_role(
                    _as_series(raw),
                    names[j],
                    is_frame=self._is_frame,
                    categorical=cat_mask[j],
                    discrete=True if discrete is None else discrete[j],
                )
            if j in overrides:
                _check_override(role, raw, names[j])
            codec = self._make_codec(
                role, names[j], j, raw, seed, categorical=cat_mask[j] or j in overrides
            )
            roles[names[j]] = role
            self._reasons[names[j]] = reason
            self._codecs.append(codec)
            self._dtypes[j] = _without_rare_categories(self._dtypes[j], codec)
        self.column_roles_ = roles

    def _finish_fit(self):
        """The layout and mask of the fitted codecs (after a streaming pass replaced
        their statistics by exact ones, too)."""
        roles = self.column_roles_
        self.categorical_mask_ = np.array(
            [isinstance(c, _CategoricalCodec) for c in self._codecs], dtype=bool
        )
        blocks, start = [], 0
        for j, codec in enumerate(self._codecs):
            blocks += codec.blocks(j, start)
            start += codec.width
        if not blocks:
            raise ValueError(
                "No column of X can be modelled: every column is an identifier "
                f"({list(roles)}). Give some of them another role with column_roles, or "
                "add the table's measured columns."
            )
        self.layout_ = TabularLayout(blocks)
        self.n_features_out_ = self.layout_.n_features
        self._warn_roles()
        return self

    def _resolve_overrides(self, names) -> dict:
        """``column_roles`` as {position: role}, checked against the columns."""
        labels = self._columns if self._is_frame else None
        return resolve_column_roles(self.column_roles or None, names, labels, "X")

    def _make_codec(self, role, name, j, raw, seed, categorical):
        """The fitted codec of column ``j`` for its role."""
        dtype = self._dtypes[j]
        if role == IDENTIFIER_ROLE:
            return IdentifierCodec(name, seed + j).fit(self._identifier_values(raw, name))
        if role == DATETIME_ROLE:
            inner = _ContinuousCodec(name, self.continuous_transform, True, self.bounds, seed + j)
            codec = DatetimeCodec(name, inner)
            self._check_missing_policy(pd.isna(_as_series(raw)).any(), name)
            return codec.fit(_as_series(raw))
        numeric = _is_numeric_dtype(dtype, raw)
        if role in (CONTINUOUS_ROLE, INTEGER_ROLE) or (role == BOOLEAN_ROLE and not categorical):
            if not numeric:
                raise ValueError(
                    f"Column {name!r} has non-numeric dtype {dtype} but the role {role!r}; "
                    "convert it to numbers first or give it the role 'categorical'."
                )
            values = self._numeric_values(raw, name)
            is_int = (
                role in (INTEGER_ROLE, BOOLEAN_ROLE)
                or pd.api.types.is_integer_dtype(dtype)
                or pd.api.types.is_bool_dtype(dtype)
            )
            float32 = isinstance(dtype, np.dtype) and dtype == np.float32
            codec = _ContinuousCodec(
                name, self.continuous_transform, is_int, self.bounds, seed + j, float32
            )
            return codec.fit(values)
        values = self._categorical_values(raw, name)
        # a boolean value identifies nobody: the floor is for values that can
        floor = 1 if role == BOOLEAN_ROLE else self.privacy_floor
        if role == HIGH_CARDINALITY_ROLE:
            min_freq = self.min_frequency
            if min_freq is None or not isinstance(min_freq, numbers.Integral):
                min_freq = floor
            max_cat = min(
                self.max_categories or HIGH_CARDINALITY_COLUMNS, HIGH_CARDINALITY_COLUMNS
            )
            codec = _CategoricalCodec(
                name, max(min_freq, floor), max_cat, "infrequent_if_exist", floor
            )
            return codec.fit(values)
        codec = _CategoricalCodec(
            name, self.min_frequency, self.max_categories, self.handle_unknown, floor
        )
        return codec.fit(values)

    def _identifier_values(self, raw, name):
        series = _as_series(raw)
        if not (
            pd.api.types.is_integer_dtype(series.dtype)
            or pd.api.types.is_float_dtype(series.dtype)
            or pd.api.types.is_object_dtype(series.dtype)
            or pd.api.types.is_string_dtype(series.dtype)
            or isinstance(series.dtype, pd.CategoricalDtype)
        ):
            raise ValueError(
                f"Column {name!r} of dtype {series.dtype} cannot be an identifier; "
                "identifiers are integers or strings. Give it another role in column_roles."
            )
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        return series

    def _check_missing_policy(self, has_missing, name):
        if has_missing and self.handle_missing == "error":
            raise ValueError(
                f"Input X contains NaN in column {name!r} and handle_missing='error'; "
                "impute it first or set handle_missing='indicator'."
            )

    def _warn_roles(self):
        flagged = {
            name: role
            for name, role in self.column_roles_.items()
            if role in (IDENTIFIER_ROLE, HIGH_CARDINALITY_ROLE)
            and not (self.column_roles and name in map(str, self.column_roles))
        }
        if flagged:
            listed = ", ".join(f"{n!r} ({r})" for n, r in flagged.items())
            example = next(iter(flagged))
            warnings.warn(
                f"TabularEncoder treats these columns specially: {listed}. Identifiers "
                "are not modelled and are regenerated fresh; high-cardinality columns "
                f"keep at most {HIGH_CARDINALITY_COLUMNS - 1} frequent values and never "
                f"emit a value seen fewer than privacy_floor={self.privacy_floor} times. "
                "Override with column_roles, e.g. "
                f"column_roles={{{example!r}: 'categorical'}}; see describe().",
                ColumnRoleWarning,
                stacklevel=3,
            )

    def describe(self) -> pd.DataFrame:
        """What the encoder decided for each column, and why.

        Returns
        -------
        summary : DataFrame
            One row per input column: ``column``, ``role``, ``dtype``, ``encoded``
            (its number of encoded columns), ``detail`` (what decoding does: decimals,
            resolution, levels kept, the normalisation) and ``reason`` (why the role was chosen).
        """
        check_is_fitted(self)
        rows = []
        names = self._column_names(self.n_features_in_)
        for j, codec in enumerate(self._codecs):
            name = names[j]
            rows.append(
                {
                    "column": name,
                    "role": self.column_roles_[name],
                    "dtype": str(self._dtypes[j]),
                    "encoded": codec.width,
                    "detail": _codec_detail(codec),
                    "reason": self._reasons[name],
                }
            )
        return pd.DataFrame(rows)

    # --- transform -------------------------------------------------------------
    def transform(self, X):
        """Encode ``X`` as a dense float32 matrix.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features_in_)
            The table, with the columns seen during fit. Not modified.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features_out_), dtype float32
            The encoded table; see :attr:`layout_` for its blocks.
        """
        check_is_fitted(self)
        return self.encode_rows(self._check_input(X, reset=False))

    # --- the estimators' API ------------------------------------------------------
    # The package's estimators validate a table once (``check_table``) and then use
    # the methods below, which skip the encoder's own validation. They are public
    # and documented so that no estimator reaches into the encoder's private state.

    def encode_rows(self, X):
        """Encode a table that the caller has already validated with ``check_table``.

        Parameters
        ----------
        X : DataFrame or ndarray of shape (n_samples, n_features_in_)
            Rows with the fitted columns (as returned by ``check_table``).

        Returns
        -------
        Z : ndarray of float32, shape (n_samples, n_features_out_)
        """
        if self._is_frame and not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X, columns=pd.Index(self._columns), copy=False)
        names = self._column_names(X.shape[1])
        # float32 from the start: no float64 scratch matrix of the whole table
        out = np.zeros((X.shape[0], self.n_features_out_), dtype=np.float32)
        start = 0
        for j, codec in enumerate(self._codecs):
            if codec.width == 0:
                continue  # identifiers are not encoded
            raw = _column(X, j)
            if isinstance(codec, _CategoricalCodec):
                values = self._categorical_values(raw, names[j])
            elif isinstance(codec, DatetimeCodec):
                values = codec.values(_as_series(raw))
            else:
                values = self._numeric_values(raw, names[j])
            codec.transform(values, out[:, start : start + codec.width])
            start += codec.width
        return out

    # --- inverse ---------------------------------------------------------------
    def inverse_transform(self, Z):
        """Decode an encoded matrix back into the fitted table's schema.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features_out_)
            Encoded rows, or network outputs in the same layout: a categorical block
            may hold scores or probabilities (its argmax is taken) and a missing
            indicator a probability (above 0.5 means missing).

        Returns
        -------
        X : DataFrame or ndarray of shape (n_samples, n_features_in_)
            A DataFrame with the fitted column names, order and dtypes when a
            DataFrame was fitted, otherwise an array of the fitted dtype.
        """
        return self.decode_rows(Z, random_state=None)

    def decode_rows(self, Z, random_state=None, *, identifiers=None):
        """Decode ``Z``; draw categories and missingness when ``random_state`` is set.

        Without a random state this is :meth:`inverse_transform`. With one, a
        categorical block is read as probabilities and its category is drawn from
        them, the infrequent group is resolved to one of its members in proportion
        to their training counts, and a missing indicator is a
        Bernoulli probability, so sampled rows keep the learned rates.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features_out_)
            Encoded rows or network outputs in the encoder's layout.
        random_state : int, RandomState instance or None, default=None
        identifiers : dict or None, default=None
            The identifier state of a sampling call decoded in several batches, from
            :meth:`identifier_draws`: each batch takes the call's next fresh
            identifiers, so they are unique across the batches. ``None``: the rows of
            ``Z`` are a call of their own (unique among themselves).

        Returns
        -------
        X : DataFrame or ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        Z = self._check_encoded(Z)
        rng = None if random_state is None else check_random_state(random_state)
        columns, start = [], 0
        for j, codec in enumerate(self._codecs):
            block = Z[:, start : start + codec.width]
            if isinstance(codec, IdentifierCodec):
                draws = None if identifiers is None else identifiers[j]
                columns.append(codec.inverse(block, rng, draws))
            elif isinstance(codec, _CategoricalCodec) and self._is_frame:
                # positions into the distinct values: the column's dtype is built
                # from them without hashing every row's value again
                columns.append(_Coded(*codec.inverse_codes(block, rng)))
            else:
                columns.append(codec.inverse(block, rng))
            start += codec.width
        return self._assemble(columns, len(Z))

    def identifier_draws(self, n_samples: int) -> dict:
        """The identifier state of one sampling call of ``n_samples`` rows.

        A call decoded in batches passes it to every :meth:`decode_rows` of the call:
        the identifier columns then take fresh values that are unique across all the
        batches (and never a training value), from a few counters per column, in
        constant memory, whatever the number of rows. It raises a ``ValueError``,
        before anything is drawn, when an integer identifier column has no room for
        ``n_samples`` fresh values in int64.

        Parameters
        ----------
        n_samples : int
            Rows of the whole call.

        Returns
        -------
        identifiers : dict
            Column position -> that column's draws (empty without identifier columns).
        """
        check_is_fitted(self)
        return {
            j: codec.draws(n_samples)
            for j, codec in enumerate(self._codecs)
            if isinstance(codec, IdentifierCodec)
        }

    def join_samples(self, parts, start: int = 0):
        """Concatenate the decoded batches of one sampling call, in order.

        Identifiers are unique across the parts when they were decoded with one
        :meth:`identifier_draws` state; nothing is drawn again here.

        Parameters
        ----------
        parts : list of DataFrame or ndarray
            Outputs of :meth:`decode_rows`, in order.
        start : int, default=0
            Position of the first row in the call: a DataFrame's index runs from
            ``start`` (a ``RangeIndex``).

        Returns
        -------
        X : DataFrame or ndarray
        """
        if isinstance(parts[0], pd.DataFrame):
            out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
            return out.set_axis(pd.RangeIndex(start, start + len(out)), axis=0)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)

    def _assemble(self, columns, n_rows):
        if self._is_frame:
            data = {}
            for j, values in enumerate(columns):
                dtype = self._dtypes[j]
                if isinstance(values, np.ndarray) and isinstance(dtype, np.dtype):
                    if dtype.kind == "f" and values.dtype.kind == "f":
                        # a NumPy float column: the array itself, no Series around it
                        data[j] = values.astype(dtype, copy=False)
                        continue
                data[j] = _restore_dtype(values, dtype)
            frame = pd.DataFrame(data, index=pd.RangeIndex(n_rows), copy=False)
            frame.columns = pd.Index(self._columns)
            return frame
        dtype = self._dtypes[0]
        if n_rows == 0 or not columns:
            return np.empty((n_rows, len(columns)), dtype=dtype)
        if dtype.kind in "OUS":
            out = np.empty((n_rows, len(columns)), dtype=object)
            for j, values in enumerate(columns):
                out[:, j] = values
            # a fixed-width string array gets a width that fits the decoded values
            return out if dtype.kind == "O" else out.astype(dtype.kind)
        stacked = np.column_stack([np.asarray(v, dtype=np.float64) for v in columns])
        if dtype.kind in "iub" and not np.isnan(stacked).any():
            return stacked.astype(dtype)
        return stacked.astype(dtype if dtype.kind == "f" else np.float64)

    def get_feature_names_out(self, input_features=None):
        """Names of the encoded columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored beyond a consistency check; the names seen during fit are used.

        Returns
        -------
        feature_names_out : ndarray of str
            ``name`` for a continuous value, ``name__modeK`` for its mode indicator,
            ``name__missing`` for a missing indicator and ``name_category`` for a
            one-hot column.
        """
        check_is_fitted(self)
        if input_features is not None:
            expected = self._column_names(self.n_features_in_)
            if list(input_features) != list(expected):
                raise ValueError(
                    f"input_features {list(input_features)} do not match the "
                    f"features seen during fit {list(expected)}."
                )
        names = []
        for codec in self._codecs:
            names += codec.feature_names()
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.handle_missing == "indicator"
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    # --- validation helpers ----------------------------------------------------
    def _check_input(self, X, *, reset):
        X = check_table(self, X, reset=reset)
        if reset or not self._is_frame:
            return X
        if not isinstance(X, pd.DataFrame):
            # an array given to a DataFrame-fitted encoder: read its columns in order
            return pd.DataFrame(X, columns=pd.Index(self._columns), copy=False)
        if list(X.columns) != list(self._columns):
            raise ValueError(
                f"The columns of X {list(X.columns)} differ from those seen during fit "
                f"{list(self._columns)}; pass the same columns in the same order."
            )
        return X

    def column_names(self) -> list[str]:
        """The input columns' names as strings (``x0, x1, ...`` for an array)."""
        check_is_fitted(self)
        return self._column_names(self.n_features_in_)

    def categories(self, column: int) -> list:
        """The learnt categories of categorical input column ``column``, in the order
        of its one-hot block (the infrequent group, if any, is not listed).

        Parameters
        ----------
        column : int
            Position of the column in the input.

        Returns
        -------
        categories : list
        """
        codec = self._categorical_codec(column)
        return list(codec.categories_)

    def category_position(self, column: int, value) -> int | None:
        """Position of ``value`` in the one-hot block of categorical column ``column``.

        ``value`` is read as the encoder reads the column's values at fit (``None``,
        ``pd.NA`` and ``NaT`` are the missing category). ``None`` when it is not one
        of :meth:`categories` (a value unseen at fit, or one grouped as infrequent:
        then the block has one column more than :meth:`categories` lists).

        Parameters
        ----------
        column : int
            Position of a categorical column in the input.
        value : object
            A value of that column, as the user gives it.

        Returns
        -------
        position : int or None
        """
        codec = self._categorical_codec(column)
        name = self._column_names(self.n_features_in_)[column]
        (value,) = self._categorical_values(pd.Series([value], dtype=object), name)
        for i, category in enumerate(codec.categories_):
            if _same_value(category, value):
                return i
        return None

    def category_counts(self, column: int) -> np.ndarray:
        """Training rows of each output column of categorical column ``column``'s
        one-hot block (its categories in order, then the infrequent group).

        Parameters
        ----------
        column : int
            Position of a categorical input column.

        Returns
        -------
        counts : ndarray of int64
        """
        codec = self._categorical_codec(column)
        counts = np.asarray(codec.counts_, dtype=np.int64)
        if codec.has_infrequent:
            counts = np.append(counts, getattr(codec, "infrequent_count_", 0))
        return counts

    def _categorical_codec(self, column):
        check_is_fitted(self)
        codec = self._codecs[column]
        if not isinstance(codec, _CategoricalCodec):
            raise ValueError(f"Column {column} is not categorical.")
        return codec

    def _column_names(self, n_features):
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.feature_names_in_]
        if getattr(self, "_columns", None) is not None:
            return [str(c) for c in self._columns]
        return [f"x{j}" for j in range(n_features)]

    def _resolve_categorical(self, X):
        n = X.shape[1]
        is_frame = isinstance(X, pd.DataFrame)
        dtypes = list(X.dtypes) if is_frame else [X.dtype] * n
        mask = categorical_mask(
            self.categorical_features,
            n,
            dtypes=dtypes if is_frame else None,
            columns=[str(c) for c in X.columns] if is_frame else None,
        )
        if is_frame:
            declared = {str(k) for k in (self.column_roles or {})}
            for j, d in enumerate(dtypes):
                if str(X.columns[j]) in declared or j in declared or is_datetime_dtype(d):
                    continue
                if not mask[j] and not pd.api.types.is_numeric_dtype(d):
                    raise ValueError(
                        f"Column {str(X.columns[j])!r} has non-numeric dtype {d} but "
                        "is not in categorical_features; add it there or use "
                        "categorical_features='auto'."
                    )
        return mask

    def _numeric_values(self, raw, name):
        if isinstance(raw, pd.Series):
            if pd.api.types.is_numeric_dtype(raw.dtype):
                return self._check_numeric(raw.to_numpy(dtype=np.float64, na_value=np.nan), name)
            raw = raw.to_numpy(dtype=object)
        try:
            values = np.asarray(raw, dtype=np.float64)
        except TypeError as exc:  # objects that are neither numbers nor strings
            example = next((v for v in raw if not _is_float_like(v)), None)
            raise TypeError(
                f"Column {name!r} holds {type(example).__name__} objects such as "
                f"{example!r}; float() argument must be a string or a real number. "
                "Convert them to numbers or strings first."
            ) from exc
        except ValueError as exc:
            example = next((v for v in raw if not _is_float_like(v)), None)
            raise ValueError(
                f"Column {name!r} contains non-numeric values such as {example!r}; "
                "declare categorical columns with categorical_features=[...] or pass "
                "a DataFrame with string or category dtypes."
            ) from exc
        return self._check_numeric(values, name)

    def _check_numeric(self, values, name):
        if np.isinf(values).any():
            raise ValueError(
                f"Input X contains infinity in column {name!r}; replace infinite "
                "values before encoding."
            )
        if self.handle_missing == "error" and np.isnan(values).any():
            raise ValueError(
                f"Input X contains NaN in column {name!r} and handle_missing='error'; "
                "impute it first or set handle_missing='indicator'."
            )
        return values

    def _categorical_values(self, raw, name):
        values = raw.to_numpy(dtype=object) if isinstance(raw, pd.Series) else raw
        values = np.asarray(values, dtype=object)
        missing = pd.isna(values)
        if missing.any():
            if self.handle_missing == "error":
                raise ValueError(
                    f"Input X contains NaN in column {name!r} and "
                    "handle_missing='error'; fill it first or set "
                    "handle_missing='indicator'."
                )
            values = values.copy()
            values[missing] = np.nan  # one missing marker: None, pd.NA, NaT -> NaN
        for v in values[:1]:
            if not (pd.isna(v) or isinstance(v, (str, numbers.Number, bool, np.generic))):
                raise TypeError(
                    f"Column {name!r} holds {type(v).__name__} objects; categories "
                    "must be a string or a number."
                )
        return values

    def _check_encoded(self, Z):
        if sparse.issparse(Z):
            Z = Z.toarray()
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.n_features_out_:
            raise ValueError(
                f"Expected encoded data of shape (n_samples, {self.n_features_out_}), "
                f"got {Z.shape}."
            )
        if not np.isfinite(Z).all():
            raise ValueError(
                "inverse_transform got non-finite values (NaN or infinity); check the "
                "model that produced them (a diverged network gives NaN)."
            )
        return Z


def check_table(estimator, X, *, reset):
    """Validate a table at an estimator's boundary without converting a DataFrame.

    Arrays go through :func:`~sklearn.utils.validation.validate_data` (2-D, at least
    one row and column, not complex, not sparse; NaN allowed: the encoder decides);
    DataFrames keep their dtypes and only get the shape and feature-name checks.
    Sets or checks ``n_features_in_`` and ``feature_names_in_`` on ``estimator``.
    """
    name = type(estimator).__name__
    if sparse.issparse(X):
        raise TypeError(
            f"Sparse data was passed, but {name} needs a dense array or a DataFrame; "
            "convert it with X.toarray()."
        )
    if not isinstance(X, pd.DataFrame):
        X = validate_data(estimator, X, reset=reset, dtype=None, ensure_all_finite=False)
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported.")
        return X
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"Found array with shape {X.shape} while a minimum of 1 sample and 1 "
            f"feature is required by {name}."
        )
    if X.columns.duplicated().any():
        dup = list(X.columns[X.columns.duplicated()])
        raise ValueError(f"X has duplicated column names {dup}; rename them.")
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    return X


def _same_value(a, b) -> bool:
    """Equality that takes two NaNs as the same value."""
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def _column(X, j):
    return X.iloc[:, j] if isinstance(X, pd.DataFrame) else X[:, j]


def _without_rare_categories(dtype, codec):
    """A category dtype without the values below the privacy floor that were grouped
    (and are not stored): decoded and sampled columns never list them."""
    rare = getattr(codec, "_rare_hashes", None)
    if not isinstance(dtype, pd.CategoricalDtype) or rare is None or not len(rare):
        return dtype
    categories = dtype.categories
    keep = ~isin_sorted(hash_values(np.asarray(categories, dtype=object)), rare)
    return pd.CategoricalDtype(categories[keep], ordered=dtype.ordered)


def _check_override(role, raw, name):
    """An ``integer`` or ``boolean`` role given in ``column_roles`` must fit the values."""
    if role not in (INTEGER_ROLE, BOOLEAN_ROLE):
        return
    series = _as_series(raw)
    observed = series[~pd.isna(series)]
    if role == BOOLEAN_ROLE:
        distinct = pd.unique(observed.astype(object))
        if len(distinct) > 2:
            raise ValueError(
                f"Column {name!r} was given the role 'boolean' but holds {len(distinct)} "
                f"distinct values (such as {list(distinct[:3])}); a boolean has two. Give "
                f"it the role 'categorical' instead, e.g. column_roles={{{name!r}: "
                "'categorical'}."
            )
        return
    try:
        values = observed.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        return  # not numbers: the codec names the problem
    if not np.array_equal(values, np.round(values)):
        example = values[values != np.round(values)][0]
        raise ValueError(
            f"Column {name!r} was given the role 'integer' but holds non-integer values "
            f"such as {float(example)!r}; rounding them would change the data. Give it the role "
            f"'continuous' instead, e.g. column_roles={{{name!r}: 'continuous'}}."
        )


def _check_scalars(raw, name):
    """Categories must be strings, numbers or dates (the first observed value tells)."""
    values = raw.to_numpy(dtype=object) if isinstance(raw, pd.Series) else np.asarray(raw)
    observed = values[~np.asarray(pd.isna(values), dtype=bool)][:1]
    for v in observed:
        if not isinstance(v, (str, numbers.Number, bool, np.generic, _dt.date, _dt.timedelta)):
            raise TypeError(
                f"Column {name!r} holds {type(v).__name__} objects; categories must be a "
                "string or a number."
            )


def _as_series(raw) -> pd.Series:
    return raw if isinstance(raw, pd.Series) else pd.Series(raw)


def _is_numeric_dtype(dtype, raw) -> bool:
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    # array columns are checked by their conversion to numbers, with its own message
    return not isinstance(raw, pd.Series)


def _codec_detail(codec) -> str:
    """What decoding does for one column, in words (for :meth:`describe`)."""
    if isinstance(codec, IdentifierCodec):
        kind = "integers" if codec.kind_ == "integer" else "strings of the same shape"
        return f"not modelled; fresh {kind}, never a training value"
    if isinstance(codec, DatetimeCodec):
        return f"resolution: {codec.unit_}"
    if isinstance(codec, _CategoricalCodec):
        text = f"{len(codec.categories_)} levels"
        if codec.has_infrequent:
            text += (
                f" + 1 group of {codec.n_infrequent_} rare levels "
                f"({len(codec.infrequent_)} at the privacy floor kept)"
            )
        return text
    decimals = codec.decimals_
    text = "any precision" if decimals is None else f"{decimals} decimals"
    text = f"{text}, range [{codec.min_:.6g}, {codec.max_:.6g}]"
    if getattr(codec, "spike_", None) is not None:
        text += f", point mass at {codec.spike_:g}"
    elif getattr(codec, "spikes_", None) is not None:
        text += ", point masses at " + ", ".join(f"{v:g}" for v in codec.spikes_)
    if codec.method == "mode":
        return f"{text}, {codec.n_modes} mode{'s' if codec.n_modes > 1 else ''}"
    return f"{text}, {'standardised' if codec.method == 'standard' else 'quantile-normalised'}"


class _Coded(NamedTuple):
    """A decoded categorical column as ``values[codes]``."""

    codes: np.ndarray
    values: np.ndarray


def _restore_coded(column: _Coded, dtype) -> pd.Series:
    """:func:`_restore_dtype` of ``column.values[column.codes]``, with the distinct
    values converted once instead of every row's."""
    codes, values = column
    if isinstance(dtype, pd.CategoricalDtype):
        # pd.Categorical(values, dtype=dtype) looks every value up in the categories
        # (a value that is not one of them is missing): the same, once per value
        target = np.append(dtype.categories.get_indexer(pd.Index(values[:-1], dtype=object)), -1)
        return pd.Series(pd.Categorical.from_codes(target[codes], dtype=dtype))
    if isinstance(dtype, pd.StringDtype) and len(values) > 1:
        distinct = pd.array(values[:-1], dtype=dtype)
        missing = codes == len(values) - 1
        return pd.Series(distinct.take(np.where(missing, -1, codes), allow_fill=True))
    return _restore_dtype(values[codes], dtype)


def _restore_dtype(values: np.ndarray, dtype) -> pd.Series:
    """Give decoded values the dtype the column had during fit."""
    if isinstance(values, _Coded):
        return _restore_coded(values, dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values, dtype=dtype))
    if pd.api.types.is_bool_dtype(dtype):
        if pd.isna(values).any():
            return pd.Series(values, dtype="boolean")
        return pd.Series(values.astype(bool), dtype=dtype)
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            return pd.Series(values).astype(dtype)  # exact: no pass through float64
        values = np.asarray(values, dtype=np.float64)
        if np.isnan(values).any():
            if isinstance(dtype, np.dtype):
                return pd.Series(values)  # NaN cannot live in a NumPy int column
            return pd.Series(values).astype(dtype)
        return pd.Series(values.astype(np.int64)).astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype):
        return pd.Series(np.asarray(values, dtype=np.float64)).astype(dtype)
    if pd.api.types.is_object_dtype(dtype):
        return pd.Series(values, dtype=object)
    return pd.Series(values, dtype=object).astype(dtype)
