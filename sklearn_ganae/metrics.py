"""Synthetic-data evaluation: how good, how useful and how private are generated rows.

The measures compare a table of real rows with a table of synthetic rows in the same
schema (pandas DataFrames with continuous, integer, boolean and categorical columns and
missing values, or 2-D arrays of numbers):

- **Fidelity**: :func:`column_shapes` (per column: 1 - Kolmogorov-Smirnov statistic or
  1 - total variation distance), :func:`column_pair_trends` (per pair of columns:
  correlation similarity or contingency-table similarity) and :func:`detection_score`
  (how well a classifier tells real rows from synthetic ones).
- **Utility**: :func:`ml_efficacy` (train on synthetic rows, test on held-out real rows,
  next to training on the real rows).
- **Privacy**: :func:`privacy_scores` (distance to the closest training record against
  held-out real rows, exact copies, nearest-neighbour distance ratio, rare training
  values repeated, identifiers copied).
- :func:`quality_report` gathers them in one :class:`QualityReport` with tables, a text
  summary and a figure (:meth:`QualityReport.plot`, through the ``plot`` extra).
- :func:`make_quality_scorer` turns them into scikit-learn scorers, so that
  :class:`~sklearn.model_selection.GridSearchCV` can tune a generator on synthetic-data
  quality.

Columns take the roles :class:`~sklearn_ganae.TabularEncoder` gives them (or those in
``column_roles``), so that tables exported from a database work as they are:
identifier columns (row numbers, customer ids, e-mail addresses) are left out of the
comparison and checked for copies instead; date columns (datetime64 of any unit or
time zone, timedeltas, date objects, ISO 8601 strings) are continuous, read as
seconds; high-cardinality columns (free text, more than 100 levels) are categorical
in the column shapes and left out of the pair trends. The other kinds follow the
encoder's ``"auto"`` rule (``category``, ``object``, ``string`` and ``bool`` dtypes are
categorical). The synthetic table's columns are matched to the real one's by name,
and no input is ever modified. Column shapes and pair trends are the measures of
SDMetrics' ``QualityReport`` (``ColumnShapes``, ``ColumnPairTrends``); where the two
differ on purpose, the function says so in its Notes.
"""

from __future__ import annotations

import numbers
import time
from itertools import combinations

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import get_scorer
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from sklearn_ganae._metrics_data import (
    Tables,
    check_int,
    check_target,
    check_target_compared,
    encode,
    identifier_keys,
    prepare,
    subsample,
)
from sklearn_ganae._progress import NoProgress, Progress, failure_status

__all__ = [
    "QualityReport",
    "column_pair_trends",
    "column_shapes",
    "detection_score",
    "make_quality_scorer",
    "ml_efficacy",
    "privacy_scores",
    "quality_report",
]

_CORRELATIONS = ("pearson", "spearman")
_INT_MAX = np.iinfo(np.int32).max


def _seed(rng: np.random.RandomState) -> int:
    return int(rng.randint(_INT_MAX))


def _check_correlation(correlation) -> None:
    if correlation not in _CORRELATIONS:
        raise ValueError(f"correlation must be 'pearson' or 'spearman', got {correlation!r}.")


# ----------------------------------------------------------------------------------
# column shapes
# ----------------------------------------------------------------------------------


def _ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (as ``scipy.stats.ks_2samp``)."""
    a, b = np.sort(a), np.sort(b)
    values = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, values, side="right") / len(a)
    cdf_b = np.searchsorted(b, values, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _missing_share(data: Tables, role: str, j: int) -> float:
    values = data.column(role, j)
    if data.categorical[j]:
        cats = data.categories[int(np.searchsorted(data.cat_idx, j))]
        nan_codes = np.flatnonzero(pd.isna(cats))
        return float(np.isin(values, nan_codes).mean()) if nan_codes.size else 0.0
    return float(np.isnan(values).mean())


def _column_shapes(data: Tables, a: str = "real", b: str = "synthetic") -> pd.DataFrame:
    rows = []
    for j, label in enumerate(data.columns):
        x, y = data.column(a, j), data.column(b, j)
        if data.categorical[j]:
            k = data.n_categories(j)
            p = np.bincount(x, minlength=k) / len(x)
            q = np.bincount(y, minlength=k) / len(y)
            score = 1.0 - 0.5 * float(np.abs(p - q).sum())
            kind, metric = "categorical", "TVComplement"
        else:
            xo, yo = x[~np.isnan(x)], y[~np.isnan(y)]
            if xo.size and yo.size:
                score = 1.0 - _ks_statistic(xo, yo)
            else:  # no observed value on one side (or either): nothing matches
                score = float(xo.size == yo.size)
            kind, metric = "continuous", "KSComplement"
        rows.append(
            (label, kind, metric, score, _missing_share(data, a, j), _missing_share(data, b, j))
        )
    out = pd.DataFrame(
        rows, columns=["column", "kind", "metric", "score", f"missing_{a}", f"missing_{b}"]
    )
    out["score"] = out["score"].clip(0.0, 1.0)  # round-off at the ends
    return out


def column_shapes(
    real, synthetic, *, categorical_features="auto", column_roles=None
) -> pd.DataFrame:
    """Per column similarity of the real and synthetic marginal distributions.

    Continuous columns score ``1 - D``, with ``D`` the two-sample Kolmogorov-Smirnov
    statistic of their observed (non-missing) values; categorical columns score
    ``1 - TVD``, with ``TVD = 0.5 * sum |p_real - p_synthetic|`` the total variation
    distance of the category frequencies, a missing value counting as a category of its
    own.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows. Fixes the column order and the column kinds.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The synthetic rows, with the same columns (matched by name; an array takes
        ``real``'s names when the widths agree).
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical: ``"auto"`` takes ``category``, ``object``,
        ``string`` and ``bool`` columns of ``real`` (as
        :class:`~sklearn_ganae.TabularEncoder`); or names, indices or a boolean mask.
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position, as in
        :class:`~sklearn_ganae.TabularEncoder`: ``{"zip": "categorical",
        "order_no": "identifier"}``, with the roles ``"continuous"``, ``"integer"``,
        ``"boolean"``, ``"categorical"``, ``"datetime"``, ``"identifier"`` and
        ``"high_cardinality"`` (alias ``"text"``). None: every role is inferred from
        the first table with the encoder's rules (see its ``column_roles_``).
        Identifier columns are left out, dates compared as continuous values,
        high-cardinality columns as categorical ones. An unknown column or role
        raises a ``ValueError`` naming it.

    Returns
    -------
    shapes : DataFrame of shape (n_compared_columns, 6)
        One row per compared column (identifier columns are left out): ``column``,
        ``kind`` (``"continuous"``/``"categorical"``), ``metric``
        (``"KSComplement"``/``"TVComplement"``), ``score`` in [0, 1] (ideal 1: the
        same distribution), and ``missing_real``/``missing_synthetic``, the shares of
        missing values in [0, 1] (ideal: equal).

    See Also
    --------
    column_pair_trends : Similarity of pairs of columns.
    quality_report : All the measures together.

    Notes
    -----
    These are SDMetrics' ``KSComplement`` and ``TVComplement``, with one deliberate
    difference: SDMetrics' ``TVComplement`` drops missing values, here they are a category
    (a generator that gets the missing rate of a categorical column wrong loses score).
    The missing rate of a continuous column is reported beside its score, not in it. A
    continuous column without any observed synthetic value scores 0.

    Columns of real tables take the roles of :class:`~sklearn_ganae.TabularEncoder`:
    identifier columns (row numbers, e-mail addresses: a generator makes fresh ones,
    so their distributions never match) are left out of the result; date columns
    (datetime64 of any unit or time zone, timedeltas, date objects, ISO 8601 strings)
    are continuous, compared as seconds since 1970-01-01 UTC (timedeltas: seconds),
    whatever the synthetic column's date type; high-cardinality columns (free text,
    more than 100 levels) are categorical.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ganae.metrics import column_shapes
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", None]})
    >>> synthetic = pd.DataFrame({"x": [1.5, 2.0, 3.0, 9.0], "c": ["a", "b", "b", None]})
    >>> column_shapes(real, synthetic)[["column", "metric", "score"]]
      column        metric  score
    0      x  KSComplement   0.75
    1      c  TVComplement   0.75
    """
    data = prepare(
        {"real": real, "synthetic": synthetic},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    return _column_shapes(data)


# ----------------------------------------------------------------------------------
# column pair trends
# ----------------------------------------------------------------------------------


def _correlations(values: np.ndarray, method: str) -> np.ndarray:
    """Correlation matrix over pairwise complete rows (NaN where undefined)."""
    if values.shape[1] < 2:
        return np.full((values.shape[1], values.shape[1]), np.nan)
    frame = pd.DataFrame(values, copy=False)
    with np.errstate(all="ignore"):
        return frame.corr(method=method).to_numpy()


def _bin_edges(x: np.ndarray, n_bins: int) -> np.ndarray:
    """``n_bins + 1`` edges of equal-width bins of ``x``'s observed range."""
    observed = x[~np.isnan(x)]
    if not observed.size:
        return np.zeros(n_bins + 1)
    return np.histogram_bin_edges(observed, bins=n_bins)


def _bin_codes(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Codes of the bins between ``edges``, the outer two open; NaN is the last code.

    With ``n_bins = len(edges) - 1``: a value below ``edges[1]`` (below the range
    included) is bin 0, one at or above ``edges[-2]`` (above the range included) is bin
    ``n_bins - 1``, and a missing value is ``n_bins``. These are the bins of SDMetrics'
    ``discretize_column`` (whose outer edges are -inf and inf).
    """
    n_bins = len(edges) - 1
    codes = np.searchsorted(edges[1:-1], x, side="right")
    codes[np.isnan(x)] = n_bins
    return codes.astype(np.int64)


def _contingency_score(u_a, v_a, u_b, v_b, k_u: int, k_v: int) -> float:
    """1 - total variation distance of the joint frequencies of (u, v) in a and b."""
    key_a = u_a * k_v + v_a
    key_b = u_b * k_v + v_b
    n_a, n_b = len(key_a), len(key_b)
    if k_u * k_v <= 4 * (n_a + n_b) + 1024:
        size = k_u * k_v
    else:  # many cells: count only those that occur
        codes, uniques = pd.factorize(np.concatenate([key_a, key_b]))
        key_a, key_b, size = codes[:n_a], codes[n_a:], len(uniques)
    p = np.bincount(key_a, minlength=size) / n_a
    q = np.bincount(key_b, minlength=size) / n_b
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def _column_pair_trends(
    data: Tables,
    correlation: str = "pearson",
    n_bins: int = 10,
    a: str = "real",
    b: str = "synthetic",
) -> pd.DataFrame:
    num_idx = data.num_idx
    corr_a = _correlations(data.numeric[a], correlation)
    corr_b = _correlations(data.numeric[b], correlation)
    discrete = {}  # column -> (codes in a, codes in b, number of codes)
    for j in range(len(data.columns)):
        if data.categorical[j]:
            discrete[j] = (data.column(a, j), data.column(b, j), data.n_categories(j))
        else:
            # both tables on the bins of a's (the real table's) range
            edges = _bin_edges(data.column(a, j), n_bins)
            ca = _bin_codes(data.column(a, j), edges)
            cb = _bin_codes(data.column(b, j), edges)
            discrete[j] = (ca, cb, n_bins + 1)
    rows = []
    for i, j in combinations(range(len(data.columns)), 2):
        if data.high_cardinality(i) or data.high_cardinality(j):
            continue  # thousands of levels: a joint table of noise
        if not data.categorical[i] and not data.categorical[j]:
            ki, kj = np.searchsorted(num_idx, i), np.searchsorted(num_idx, j)
            ra, rb = float(corr_a[ki, kj]), float(corr_b[ki, kj])
            if np.isnan(ra):
                score = np.nan  # undefined in the real data: nothing to match
            else:
                # a constant synthetic column is uncorrelated with everything
                score = 1.0 - abs(ra - (0.0 if np.isnan(rb) else rb)) / 2.0
            rows.append((data.columns[i], data.columns[j], "correlation", score, ra, rb))
        else:
            ua, ub, ku = discrete[i]
            va, vb, kv = discrete[j]
            score = _contingency_score(ua, va, ub, vb, ku, kv)
            rows.append((data.columns[i], data.columns[j], "contingency", score, np.nan, np.nan))
    out = pd.DataFrame(
        rows,
        columns=[
            "column_1",
            "column_2",
            "metric",
            "score",
            f"{a}_correlation",
            f"{b}_correlation",
        ],
    ).astype({"score": np.float64, f"{a}_correlation": np.float64, f"{b}_correlation": np.float64})
    out["score"] = out["score"].clip(0.0, 1.0)  # round-off at the ends
    return out


def column_pair_trends(
    real,
    synthetic,
    *,
    correlation: str = "pearson",
    n_bins: int = 10,
    categorical_features="auto",
    column_roles=None,
) -> pd.DataFrame:
    """Per pair of columns, how well the synthetic rows keep the real trend between them.

    - Two continuous columns: correlation similarity ``1 - |r_real - r_synthetic| / 2``,
      with ``r`` the Pearson (or Spearman) correlation over the rows where both are
      observed.
    - Two categorical columns, or one of each: contingency similarity ``1 - TVD`` of the
      two joint frequency tables, a continuous column being cut into ``n_bins``
      equal-width bins of its range in the *real* table, the same bins in both tables
      (a synthetic value beyond the real range falls in the outer bin on its side;
      missing values are a bin of their own), and a missing category a category of
      its own.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows. Fixes the column order, kinds and bins.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The synthetic rows, with the same columns (matched by name).
    correlation : {"pearson", "spearman"}, default="pearson"
        Correlation coefficient of continuous pairs (SDMetrics uses Pearson).
    n_bins : int, default=10
        Number of bins of a continuous column in a mixed pair.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position, as in
        :class:`~sklearn_ganae.TabularEncoder`: ``{"zip": "categorical",
        "order_no": "identifier"}``, with the roles ``"continuous"``, ``"integer"``,
        ``"boolean"``, ``"categorical"``, ``"datetime"``, ``"identifier"`` and
        ``"high_cardinality"`` (alias ``"text"``). None: every role is inferred from
        the first table with the encoder's rules (see its ``column_roles_``).
        Identifier columns are left out, dates compared as continuous values,
        high-cardinality columns are left out (see Notes). An unknown column or role
        raises a ``ValueError`` naming it.

    Returns
    -------
    pairs : DataFrame of shape (n_columns * (n_columns - 1) / 2, 6)
        ``column_1``, ``column_2``, ``metric`` (``"correlation"``/``"contingency"``),
        ``score`` in [0, 1] (ideal 1), and ``real_correlation``,
        ``synthetic_correlation`` in [-1, 1] for continuous pairs (NaN otherwise). The
        score is NaN when the real correlation is undefined (a constant column).

    See Also
    --------
    column_shapes : Similarity of single columns.

    Notes
    -----
    These are SDMetrics' ``CorrelationSimilarity`` and ``ContingencySimilarity``. A
    continuous column of a mixed pair is binned as SDMetrics' ``ContingencySimilarity``
    bins it when given ``continuous_column_names``: ``n_bins`` equal-width bins of the
    real range, the outer ones open, applied to both tables. This is a deliberate
    difference from SDMetrics' ``QualityReport`` (its ``ColumnPairTrends`` bins each
    table on its own range), where a synthetic column shifted far from the real one
    (every value off by a constant) keeps a perfect pair score while an unrelated one
    loses: on the ``unemp`` column of AER's ``CollegeDistance`` table, shifted by 1
    the mean score of its pairs with the categorical columns is 1.000 there and
    0.817 here, shifted by 10 it is 0.977 there and 0.053 here. The two agree when
    the synthetic range matches the real one. Other deliberate differences: missing
    values of a continuous column form a bin of their own (SDMetrics'
    ``QualityReport`` puts each table's maximum, together with the missing values, in
    an extra bin: for a 0/1 column whose synthetic values are not exactly 0 and 1,
    say, the two scores can then differ by up to 0.5); a constant synthetic column
    counts as uncorrelated (correlation 0) rather than making the pair score
    undefined; and every pair counts (SDMetrics' ``QualityReport`` since 0.26
    averages only pairs whose real correlation exceeds 0.5 or whose real Cramer's V
    exceeds 0.3, which the ``score`` column lets you reproduce). Contingency tables are
    counted with ``np.bincount`` on combined integer codes. The contingency score of a
    mixed pair is not symmetric in the two tables: the first one's bins are used.

    Columns take :class:`~sklearn_ganae.TabularEncoder`'s roles (see
    :func:`column_shapes`): identifier columns are left out, dates are continuous, and
    pairs with a high-cardinality column (free text, more than 100 levels) are left
    out, their joint table being mostly cells seen once.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ganae.metrics import column_pair_trends
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 6.0, 8.0],
    ...                      "c": ["a", "a", "b", "b"]})
    >>> synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [8.0, 6.0, 4.0, 2.0],
    ...                           "c": ["a", "b", "a", "b"]})
    >>> pairs = column_pair_trends(real, synthetic)
    >>> pairs[["column_1", "column_2", "metric", "score"]].round(2)
      column_1 column_2       metric  score
    0        x        y  correlation    0.0
    1        x        c  contingency    0.5
    2        y        c  contingency    0.5
    >>> pairs[["real_correlation", "synthetic_correlation"]].iloc[0].round(2).tolist()
    [1.0, -1.0]
    """
    _check_correlation(correlation)
    check_int(n_bins, "n_bins", 1)
    data = prepare(
        {"real": real, "synthetic": synthetic},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    return _column_pair_trends(data, correlation, n_bins)


# ----------------------------------------------------------------------------------
# detection
# ----------------------------------------------------------------------------------


def _grouped_folds(ids: dict, n_splits: int, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep equal rows (within or across the tables) together.

    A synthetic copy of a real row in the other fold would let a classifier that
    memorises rows mistake the copy for its twin (an AUC far below 0.5 for identical
    tables). Groups of equal rows are shuffled and dealt to the folds in turn: first the
    groups with real rows only, then those with both, then those with synthetic rows
    only, so that every fold gets both classes when each class has at least
    ``n_splits`` groups.
    """
    n_real = len(ids["real"])
    ids = np.concatenate([ids["real"], ids["synthetic"]])
    n_groups = int(ids.max()) + 1
    has_real = np.bincount(ids[:n_real], minlength=n_groups) > 0
    has_syn = np.bincount(ids[n_real:], minlength=n_groups) > 0
    order = []
    for members in (has_real & ~has_syn, has_real & has_syn, ~has_real & has_syn):
        groups = np.flatnonzero(members)
        order.append(groups[rng.permutation(len(groups))])
    order = np.concatenate(order)
    fold_of_group = np.empty(n_groups, dtype=np.int64)
    fold_of_group[order] = np.arange(n_groups) % n_splits
    fold = fold_of_group[ids]
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_splits)]


def _detection(data: Tables, estimator, cv: int, max_samples, rng) -> float:
    for role in ("real", "synthetic"):
        rows = subsample(data.n_rows(role), max_samples, rng)
        if rows is not None:
            data.take(role, rows)
    ids = _row_ids(data, ["real", "synthetic"])
    n_real_groups, n_syn_groups = (np.unique(ids[r]).size for r in ("real", "synthetic"))
    n_splits = min(cv, n_real_groups, n_syn_groups)
    if n_splits < 2:
        raise ValueError(
            "detection_score needs at least 2 distinct rows in each table for "
            f"cross-validation; got {n_real_groups} distinct real and {n_syn_groups} "
            "distinct synthetic rows."
        )
    X = encode(data, ["real", "synthetic"], fit_role="real")
    features = np.vstack([X["real"], X["synthetic"]])
    labels = np.r_[np.zeros(len(X["real"])), np.ones(len(X["synthetic"]))]
    seed = _seed(rng)
    if estimator is None:
        estimator = HistGradientBoostingClassifier(random_state=seed)
    else:
        estimator = clone(estimator)
    folds = _grouped_folds(ids, n_splits, rng)
    scores = cross_val_score(estimator, features, labels, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


def detection_score(
    real,
    synthetic,
    *,
    estimator=None,
    cv: int = 5,
    max_samples: int | None = 10_000,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
) -> float:
    """Cross-validated ROC AUC of a classifier telling real rows from synthetic ones.

    Both tables are encoded alike (continuous columns standardised on the real rows with
    a 0/1 indicator for missing values, categorical columns one-hot over their 49 most
    frequent real categories plus one shared column), labelled 0 (real) and 1
    (synthetic), and a classifier is cross-validated on them. Equal rows (a synthetic
    copy of a real row, repeated rows) always fall in the same fold: otherwise a
    classifier that memorises rows would mistake each copy for its twin of the other
    class, and identical tables would score an AUC near 0 instead of 0.5.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The synthetic rows, with the same columns (matched by name).
    estimator : classifier or None, default=None
        Any scikit-learn classifier with ``predict_proba`` or ``decision_function``
        (it is cloned). None: a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` with default settings.
    cv : int, default=5
        Number of folds (fewer when a table has fewer distinct rows); every fold holds
        real and synthetic rows in about the proportions of the whole.
    max_samples : int or None, default=10_000
        At most this many rows of each table take part, drawn at random with
        ``random_state`` (None: all), which keeps large inputs to seconds.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position (see
        :func:`column_shapes`). Identifier columns are left out of the features;
        dates are continuous features (seconds); a high-cardinality column is one-hot
        encoded like any categorical column, over its 49 most frequent real values
        plus one column shared by the others.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, the folds and the default classifier.

    Returns
    -------
    auc : float
        Mean ROC AUC over the folds, in [0, 1]. Ideal 0.5: the classifier cannot tell
        the tables apart; 1 means every synthetic row is recognisable. Values below
        0.5 are noise around 0.5.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_ganae.metrics import detection_score
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(200, 2))
    >>> close = rng.normal(size=(200, 2))
    >>> far = rng.normal(loc=3.0, size=(200, 2))
    >>> clf = LogisticRegression()
    >>> round(detection_score(real, far, estimator=clf, random_state=0), 2)
    1.0
    >>> bool(abs(detection_score(real, close, estimator=clf, random_state=0) - 0.5) < 0.1)
    True
    """
    check_int(cv, "cv", 2)
    check_int(max_samples, "max_samples", 2, allow_none=True)
    data = prepare(
        {"real": real, "synthetic": synthetic},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    return _detection(data, estimator, cv, max_samples, check_random_state(random_state))


# ----------------------------------------------------------------------------------
# machine-learning efficacy
# ----------------------------------------------------------------------------------


def _labelled(data: Tables, role: str, j: int) -> np.ndarray:
    """Rows of ``role`` whose column ``j`` is observed."""
    values = data.column(role, j)
    if data.categorical[j]:
        cats = data.categories[int(np.searchsorted(data.cat_idx, j))]
        return ~np.isin(values, np.flatnonzero(pd.isna(cats)))
    return ~np.isnan(values)


def _resolve_task(data: Tables, j: int, role: str, task: str) -> str:
    if task != "auto":
        return task
    if data.categorical[j]:
        return "classification"
    y = data.column(role, j)
    y = y[~np.isnan(y)]
    if np.all(y == np.round(y)) and np.unique(y).size <= 10:
        return "classification"
    return "regression"


def _fit_and_score(estimator, task, X_fit, y_fit, X_test, y_test, scorer):
    if len(y_fit) == 0:
        return np.nan
    if task == "classification" and np.unique(y_fit).size < 2:
        model = DummyClassifier(strategy="most_frequent")
    else:
        model = clone(estimator)
    model.fit(X_fit, y_fit)
    return float(scorer(model, X_test, y_test))


def _efficacy_parts(data: Tables, j: int, fit_role: str, test_role: str, max_samples, rng):
    """Features and labels for a model fitted on ``fit_role`` and tested on ``test_role``."""
    rows_fit = _labelled(data, fit_role, j)
    rows_test = _labelled(data, test_role, j)
    X = encode(data, [fit_role, test_role], fit_role=fit_role, exclude=(j,))
    X_fit, y_fit = X[fit_role][rows_fit], data.column(fit_role, j)[rows_fit]
    X_test, y_test = X[test_role][rows_test], data.column(test_role, j)[rows_test]
    keep = subsample(len(y_fit), max_samples, rng)
    if keep is not None:
        X_fit, y_fit = X_fit[keep], y_fit[keep]
    return X_fit, y_fit, X_test, y_test


def _default_model(task, estimator, seed):
    if estimator is not None:
        if task == "classification" and not is_classifier(estimator):
            raise ValueError(
                f"task='classification' needs a classifier, got {type(estimator).__name__}."
            )
        return estimator
    if task == "classification":
        return HistGradientBoostingClassifier(random_state=seed)
    return HistGradientBoostingRegressor(random_state=seed)


def _check_efficacy_params(task, scoring):
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}.")
    if scoring is not None and not isinstance(scoring, str) and not callable(scoring):
        raise ValueError(f"scoring must be None, a scorer name or a callable, got {scoring!r}.")


def _target_index(data: Tables, target) -> int:
    return data.columns.index(target)


def _efficacy(data, target, task, estimator, scoring, max_samples, rng) -> dict:
    j = _target_index(data, target)
    if not _labelled(data, "train", j).any() or not _labelled(data, "test", j).any():
        raise ValueError(f"The target column {target!r} has no observed value in train or test.")
    task = _resolve_task(data, j, "train", task)
    scoring = scoring or ("f1_macro" if task == "classification" else "r2")
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    seed = _seed(rng)
    model = _default_model(task, estimator, seed)
    scores = {}
    for role in ("train", "synthetic"):
        parts = _efficacy_parts(data, j, role, "test", max_samples, rng)
        scores[role] = _fit_and_score(model, task, *parts, scorer)
    real, synthetic = scores["train"], scores["synthetic"]
    relative = synthetic / real if real > 0 else np.nan
    return {
        "target": target,
        "task": task,
        "scoring": scoring if isinstance(scoring, str) else repr(scoring),
        "real": real,
        "synthetic": synthetic,
        "difference": synthetic - real,
        "relative": relative,
    }


def ml_efficacy(
    train,
    synthetic,
    test,
    *,
    target,
    task: str = "auto",
    estimator=None,
    scoring=None,
    max_samples: int | None = 50_000,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
) -> dict:
    """Train on synthetic rows, test on held-out real rows, next to training on real rows.

    Two copies of one model predict ``target`` from the other columns: one fitted on
    ``train`` (the real rows the generator learned from), one on ``synthetic``; both are
    scored on ``test`` (real rows the generator never saw). Each model's features are
    encoded from its own training rows (standardised numbers with missing-value
    indicators, one-hot categories). Rows whose target is missing are dropped.

    Parameters
    ----------
    train : DataFrame or array-like of shape (n_train, n_columns)
        Real training rows. Fixes the columns and their kinds.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        Synthetic rows in the same schema.
    test : DataFrame or array-like of shape (n_test, n_columns)
        Held-out real rows.
    target : str or int
        Name of the column to predict (``"x0"``, ``"x1"``, ... for arrays).
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"``: classification for a categorical target, or a numeric one with at
        most 10 distinct integer values; regression otherwise.
    estimator : estimator or None, default=None
        The model (cloned). None: a histogram gradient-boosting classifier or regressor.
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or callable ``scorer(estimator, X, y)``. None:
        ``"f1_macro"`` for classification, ``"r2"`` for regression.
    max_samples : int or None, default=50_000
        At most this many training rows per model (drawn with ``random_state``).
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position (see
        :func:`column_shapes`). Identifier columns are left out of the features (and
        cannot be the target); dates are continuous features (seconds); a
        high-cardinality column is one-hot encoded like any categorical column, over
        its 49 most frequent training values plus one column shared by the others.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling and the default models.

    Returns
    -------
    efficacy : dict
        ``target``, ``task``, ``scoring``; ``real`` and ``synthetic``: the test scores
        of the models trained on real and on synthetic rows (F1 in [0, 1], R^2 in
        (-inf, 1]; higher is better); ``difference`` = synthetic - real (ideal 0 or
        above); ``relative`` = synthetic / real when real > 0 (ideal 1), else NaN.
        A model whose training rows hold a single class predicts that class.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_ganae.metrics import ml_efficacy
    >>> rng = np.random.RandomState(0)
    >>> x = rng.normal(size=300)
    >>> df = pd.DataFrame({"x": x, "y": np.where(x > 0, "pos", "neg")})
    >>> train, test = df.iloc[:200], df.iloc[200:]
    >>> out = ml_efficacy(train, train, test, target="y", random_state=0)
    >>> out["task"], round(out["relative"], 2)
    ('classification', 1.0)
    """
    _check_efficacy_params(task, scoring)
    check_int(max_samples, "max_samples", 2, allow_none=True)
    tables = {"train": train, "synthetic": synthetic, "test": test}
    check_target(target, tables)
    data = prepare(tables, categorical_features=categorical_features, column_roles=column_roles)
    check_target_compared(target, data)
    return _efficacy(
        data, target, task, estimator, scoring, max_samples, check_random_state(random_state)
    )


# ----------------------------------------------------------------------------------
# privacy
# ----------------------------------------------------------------------------------


def _row_ids(data: Tables, roles: list[str]) -> dict[str, np.ndarray]:
    """One integer per row, equal for rows with equal values (NaN equal to NaN)."""
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


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return num / den
    return 1.0 if num == 0 else np.inf


def _disclosure(data: Tables, train: str, synthetic: str, floor: int) -> dict:
    """Rare training values repeated, and identifiers copied, by the synthetic rows.

    A value of a categorical, boolean or high-cardinality column is *rare* when it is
    seen at least once and fewer than ``floor`` times in ``train`` (a missing value
    is not a value). Identifier values are compared as text (integral numbers as
    integers). Rates are shares of all synthetic rows; counts are synthetic rows per
    column, for the columns with at least one.
    """
    n = data.n_rows(synthetic)
    leaked = np.zeros(n, dtype=bool)
    leak_counts = {}
    for k, j in enumerate(data.cat_idx):
        cats = data.categories[k]
        counts = np.bincount(data.codes[train][:, k], minlength=len(cats))
        rare = (counts > 0) & (counts < floor) & ~np.asarray(pd.isna(cats), dtype=bool)
        if not rare.any():
            continue
        hit = rare[data.codes[synthetic][:, k]]
        if hit.any():
            leak_counts[data.names[j]] = int(hit.sum())
            leaked |= hit
    copied = np.zeros(n, dtype=bool)
    copy_counts = {}
    for name, values in data.identifiers.items():
        train_keys, _ = identifier_keys(values[train])
        syn_keys, observed = identifier_keys(values[synthetic])
        hit = np.zeros(n, dtype=bool)
        hit[observed] = pd.Index(syn_keys, dtype=object).isin(train_keys)
        if hit.any():
            copy_counts[name] = int(hit.sum())
            copied |= hit
    return {
        "rare_value_leak_rate": float(leaked.mean()) if n else 0.0,
        "rare_value_leak_counts": leak_counts,
        "identifier_copy_rate": float(copied.mean()) if n else 0.0,
        "identifier_copy_counts": copy_counts,
        "privacy_floor": int(floor),
    }


def _privacy(data: Tables, max_samples, rng, floor: int = 5) -> dict:
    disclosure = _disclosure(data, "train", "synthetic", floor)
    ids = _row_ids(data, ["train", "synthetic", "holdout"])
    copies = float(np.isin(ids["synthetic"], ids["train"]).mean())
    copies_holdout = float(np.isin(ids["holdout"], ids["train"]).mean())
    for role in ("synthetic", "holdout"):
        rows = subsample(data.n_rows(role), max_samples, rng)
        if rows is not None:
            data.take(role, rows)
    X = encode(data, ["train", "synthetic", "holdout"], fit_role="train")
    n_neighbors = min(2, len(X["train"]))
    nn = NearestNeighbors(n_neighbors=n_neighbors).fit(X["train"])
    out = {"exact_copies": copies, "exact_copies_holdout": copies_holdout}
    stats = {}
    for role in ("synthetic", "holdout"):
        dist = nn.kneighbors(X[role], return_distance=True)[0].astype(np.float64)
        dcr = dist[:, 0]
        if n_neighbors == 2:
            nndr = np.divide(dcr, dist[:, 1], out=np.zeros_like(dcr), where=dist[:, 1] > 0)
        else:
            nndr = np.full_like(dcr, np.nan)
        stats[role] = (float(np.median(dcr)), float(np.percentile(dcr, 5)), float(np.median(nndr)))
    (s_med, s_p5, s_nndr), (h_med, h_p5, h_nndr) = stats["synthetic"], stats["holdout"]
    out.update(
        dcr_synthetic_median=s_med,
        dcr_holdout_median=h_med,
        dcr_median_ratio=_ratio(s_med, h_med),
        dcr_synthetic_p5=s_p5,
        dcr_holdout_p5=h_p5,
        dcr_p5_ratio=_ratio(s_p5, h_p5),
        nndr_synthetic_median=s_nndr,
        nndr_holdout_median=h_nndr,
        nndr_ratio=_ratio(s_nndr, h_nndr) if not np.isnan(s_nndr) else np.nan,
    )
    out.update(disclosure)
    return out


def privacy_scores(
    train,
    synthetic,
    holdout,
    *,
    max_samples: int | None = 5_000,
    privacy_floor: int = 5,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
) -> dict:
    """How close synthetic rows come to the training rows, against held-out real rows.

    A generator that memorises puts its rows closer to the training rows than fresh
    real rows are. Distances are Euclidean between rows encoded on the training rows
    (standardised numbers, missing values at the mean plus a 0/1 indicator, one-hot
    categories over the 49 most frequent training categories plus one shared column);
    the held-out rows give the baseline that an honest generator matches.

    Two disclosure rates need no baseline: the share of synthetic rows that repeat a
    *rare* training value (seen fewer than ``privacy_floor`` times in ``train``) of a
    categorical, boolean or high-cardinality (free-text) column, which can single out
    a person; and the share of synthetic rows that copy a training identifier. Both
    are 0 for the package's generators (:class:`~sklearn_ganae.TabularEncoder` never
    samples a value below its own ``privacy_floor`` and regenerates identifiers
    fresh).

    Parameters
    ----------
    train : DataFrame or array-like of shape (n_train, n_columns)
        The real rows the generator was fitted on. Fixes the columns and their kinds.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The generated rows.
    holdout : DataFrame or array-like of shape (n_holdout, n_columns)
        Real rows from the same source that the generator never saw.
    max_samples : int or None, default=5_000
        At most this many synthetic and held-out rows are measured (drawn with
        ``random_state``; None: all). The training rows are always all used, so that
        a copy of any of them is found; exact copies are counted over all rows.
    privacy_floor : int, default=5
        A categorical value seen fewer times than this in ``train`` is rare (as
        :class:`~sklearn_ganae.TabularEncoder`'s ``privacy_floor``); ``1`` counts none.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position (see
        :func:`column_shapes`). Identifier columns are left out of the distances and
        exact copies and measured by ``identifier_copy_rate``.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling.

    Returns
    -------
    privacy : dict of float
        - ``exact_copies``: share of synthetic rows equal to a training row, in [0, 1];
          ideal 0, or no more than ``exact_copies_holdout`` (the same share for the
          held-out rows, which tables with repeated rows make non-zero).
        - ``dcr_synthetic_median``, ``dcr_holdout_median``: median distance to the
          closest training record (DCR), in [0, inf).
        - ``dcr_median_ratio``: their ratio, synthetic / held-out, in [0, inf); ideal 1
          or above; near 0: the synthetic rows copy training rows.
        - ``dcr_synthetic_p5``, ``dcr_holdout_p5``, ``dcr_p5_ratio``: the same for the 5th
          percentile (the closest synthetic rows); ideal 1 or above.
        - ``nndr_synthetic_median``, ``nndr_holdout_median``: median nearest-neighbour
          distance ratio (distance to the closest training row over distance to the
          second closest), in [0, 1]; near 0: a row sits on one training record.
        - ``nndr_ratio``: their ratio, in [0, inf); ideal 1 or above.
        - ``rare_value_leak_rate``: share of synthetic rows holding at least one rare
          training value (a value of a categorical, boolean or high-cardinality column
          seen at least once and fewer than ``privacy_floor`` times in ``train``;
          missing values do not count), in [0, 1]; ideal 0.
        - ``rare_value_leak_counts``: dict, per column with at least one such row,
          the number of synthetic rows repeating one of its rare values.
        - ``identifier_copy_rate``: share of synthetic rows whose value in an
          identifier column equals a value of that column in ``train`` (compared as
          text, integral numbers as integers), in [0, 1]; ideal 0. 0 without
          identifier columns.
        - ``identifier_copy_counts``: dict, per identifier column with at least one
          copy, the number of synthetic rows copying one of its values.
        - ``privacy_floor``: the floor used.

        A ratio whose denominator is 0 is 1 when its numerator is 0 too, else infinity.
        Exact copies and distances ignore identifier columns (a generator replaces
        them), so that a copied row with a fresh identifier still counts as a copy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ganae.metrics import privacy_scores
    >>> rng = np.random.RandomState(0)
    >>> train, holdout = rng.normal(size=(300, 3)), rng.normal(size=(100, 3))
    >>> scores = privacy_scores(train, train[:100], holdout)
    >>> scores["exact_copies"], scores["dcr_median_ratio"]
    (1.0, 0.0)
    """
    check_int(max_samples, "max_samples", 1, allow_none=True)
    check_int(privacy_floor, "privacy_floor", 1)
    data = prepare(
        {"train": train, "synthetic": synthetic, "holdout": holdout},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    return _privacy(data, max_samples, check_random_state(random_state), privacy_floor)


# ----------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------


def _marginals(data: Tables, max_categories: int = 12) -> list[dict]:
    """Compact summaries of each column's real and synthetic distributions (for plots).

    Histograms share one set of bins per column: sqrt(n) of them (n the smaller table's
    size), between 10 and 30.
    """
    n_small = min(data.n_rows("real"), data.n_rows("synthetic"))
    n_bins = int(np.clip(np.sqrt(n_small), 10, 30))
    out = []
    for j, label in enumerate(data.columns):
        x, y = data.column("real", j), data.column("synthetic", j)
        entry = {"column": label, "categorical": bool(data.categorical[j])}
        if data.categorical[j]:
            k = data.n_categories(j)
            p = np.bincount(x, minlength=k) / len(x)
            q = np.bincount(y, minlength=k) / len(y)
            cats = data.categories[int(np.searchsorted(data.cat_idx, j))]
            order = np.argsort(-(p + q), kind="stable")
            labels = ["NaN" if pd.isna(c) else str(c) for c in cats[order]]
            p, q = p[order], q[order]
            if k > max_categories:
                keep = max_categories - 1
                labels = [*labels[:keep], f"other ({k - keep})"]
                p = np.r_[p[:keep], p[keep:].sum()]
                q = np.r_[q[:keep], q[keep:].sum()]
            entry.update(labels=labels, real=p, synthetic=q)
        else:
            xo, yo = x[~np.isnan(x)], y[~np.isnan(y)]
            both = np.concatenate([xo, yo])
            edges = np.histogram_bin_edges(both, bins=n_bins)
            hr = np.histogram(xo, bins=edges)[0] / max(len(x), 1)
            hs = np.histogram(yo, bins=edges)[0] / max(len(y), 1)
            entry.update(
                edges=edges,
                real=hr,
                synthetic=hs,
                missing_real=float(np.isnan(x).mean()),
                missing_synthetic=float(np.isnan(y).mean()),
            )
        out.append(entry)
    return out


class QualityReport:
    """Scores, tables and a summary of how well synthetic rows match real ones.

    Built by :func:`quality_report`; not meant to be created directly.

    Attributes
    ----------
    overall_score : float
        Mean of :attr:`column_shapes_score` and :attr:`column_pair_trends_score` (the
        average of those available), in [0, 1]; ideal 1. The same figure as SDMetrics'
        quality report's overall score.
    column_shapes_score : float
        Mean of the per-column shape scores, in [0, 1]; ideal 1.
    column_pair_trends_score : float
        Mean of the defined per-pair trend scores, in [0, 1]; ideal 1 (NaN with fewer
        than two columns).
    column_shapes : DataFrame
        The per-column table of :func:`column_shapes`.
    column_pairs : DataFrame
        The per-pair table of :func:`column_pair_trends`.
    detection : dict or None
        ``{"auc": ROC AUC in [0, 1], ideal 0.5; "score": 2 * (1 - max(auc, 0.5)) in
        [0, 1], ideal 1}`` from :func:`detection_score`, or None when not computed.
    privacy : dict
        With a holdout, the result of :func:`privacy_scores` (``real`` as the training
        rows); without one, only its parts that need no baseline:
        ``rare_value_leak_rate``, ``rare_value_leak_counts``, ``identifier_copy_rate``,
        ``identifier_copy_counts`` and ``privacy_floor``.
    efficacy : dict or None
        The result of :func:`ml_efficacy` (``real`` as training rows, ``holdout`` as
        test rows), when a target was given.
    n_rows : dict
        Rows per table (``real``, ``synthetic`` and ``holdout`` when given).
    columns : list
        The compared columns, in the real table's order (identifiers left out).
    categorical : ndarray of bool
        Which compared columns were treated as categorical.
    column_roles : dict
        The role of every column of the real table (compared or not), by name: as
        :class:`~sklearn_ganae.TabularEncoder` infers it, or as given in
        ``column_roles``.
    skipped_columns : dict
        The columns left out of the comparison (identifiers), by name, with the
        reason (``"identifier: 100 distinct consecutive integers 1..100 (a row
        number)"``). Their copies are measured by ``privacy["identifier_copy_rate"]``.
    timings : dict
        Seconds spent on each part.
    correlation : str
        The correlation coefficient of the continuous pairs.
    """

    def __init__(
        self,
        *,
        column_shapes,
        column_pairs,
        detection,
        privacy,
        efficacy,
        n_rows,
        columns,
        categorical,
        timings,
        marginals,
        correlation,
        column_roles=None,
        skipped_columns=None,
    ):
        self.column_shapes = column_shapes
        self.column_pairs = column_pairs
        self.detection = detection
        self.privacy = privacy
        self.efficacy = efficacy
        self.n_rows = n_rows
        self.columns = columns
        self.categorical = categorical
        self.timings = timings
        self.correlation = correlation
        self.column_roles = dict(column_roles or {})
        self.skipped_columns = dict(skipped_columns or {})
        self._marginals = marginals
        self.column_shapes_score = float(column_shapes["score"].mean())
        pair_scores = column_pairs["score"].dropna()
        self.column_pair_trends_score = float(pair_scores.mean()) if len(pair_scores) else np.nan
        parts = [
            s for s in (self.column_shapes_score, self.column_pair_trends_score) if not np.isnan(s)
        ]
        self.overall_score = float(np.mean(parts))

    @property
    def scores(self) -> dict:
        """Every headline figure in one flat dict (NaN or absent where not computed)."""
        out = {
            "overall": self.overall_score,
            "column_shapes": self.column_shapes_score,
            "column_pair_trends": self.column_pair_trends_score,
        }
        if self.detection is not None:
            out["detection_auc"] = self.detection["auc"]
            out["detection"] = self.detection["score"]
        if self.privacy is not None:
            out.update(
                {
                    f"privacy_{k}": v
                    for k, v in self.privacy.items()
                    if isinstance(v, float)  # not the per-column counts or the floor
                }
            )
        if self.efficacy is not None:
            for key in ("real", "synthetic", "difference", "relative"):
                out[f"efficacy_{key}"] = self.efficacy[key]
        return out

    def summary(self, n_worst: int = 5) -> str:
        """A readable text summary with each figure's range and ideal value.

        Parameters
        ----------
        n_worst : int, default=5
            How many of the lowest-scoring columns and pairs to list.

        Returns
        -------
        text : str
            The summary, lines separated by newlines.
        """
        n_cat = int(self.categorical.sum())
        sizes = ", ".join(f"{k}: {v:,} rows" for k, v in self.n_rows.items())
        skipped = f"; {len(self.skipped_columns)} skipped" if self.skipped_columns else ""
        lines = [
            "Synthetic data quality report",
            "=============================",
            f"{sizes}; {len(self.columns)} columns ({len(self.columns) - n_cat} continuous, "
            f"{n_cat} categorical){skipped}",
        ]
        if self.skipped_columns:
            lines.append("Skipped columns (not compared; override with column_roles=...):")
            lines += [f"  {name}: {why}" for name, why in self.skipped_columns.items()]
        compared = {str(c) for c in self.columns}
        dates = [n for n, r in self.column_roles.items() if r == "datetime" and n in compared]
        if dates:
            lines.append(f"Dates compared as continuous values (seconds): {', '.join(dates)}")
        wide = [
            n for n, r in self.column_roles.items() if r == "high_cardinality" and n in compared
        ]
        if wide:
            lines.append(
                "High-cardinality columns (compared as categorical; left out of pair trends): "
                + ", ".join(wide)
            )
        lines += ["", f"{'Fidelity':<60}{'score':>8}  {'range':<9}{'ideal'}"]

        def row(label, value, rng="[0, 1]", ideal="1", fmt="{:8.3f}"):
            text = "     nan" if value is None or np.isnan(value) else fmt.format(value)
            lines.append(f"  {label:<58}{text}  {rng:<9}{ideal}".rstrip())

        row("Overall quality (mean of the next two)", self.overall_score)
        row("Column shapes (mean of 1 - KS / 1 - TVD)", self.column_shapes_score)
        row(
            f"Column pair trends ({self.correlation} correlation / contingency)",
            self.column_pair_trends_score,
        )
        if self.detection is not None:
            row(
                "Detection ROC AUC (classifier, real vs synthetic)",
                self.detection["auc"],
                ideal="0.5",
            )
            row("Detection score (2 * (1 - max(AUC, 0.5)))", self.detection["score"])
            if self.detection["auc"] < 0.45:
                lines += [
                    "    (an AUC well below 0.5: synthetic rows sit so close to real rows that",
                    "    the classifier takes them for their real neighbours; see privacy)",
                ]
        if self.privacy:
            self._privacy_lines(lines, row)
        if self.efficacy is not None:
            e = self.efficacy
            lines += [
                "",
                f"ML efficacy (target {str(e['target'])!r}, {e['task']}, {e['scoring']} on "
                "the holdout)",
            ]
            rng = "[0, 1]" if e["task"] == "classification" else "(-inf, 1]"
            row("Trained on real rows", e["real"], rng, "high")
            row("Trained on synthetic rows", e["synthetic"], rng, "= real")
            row("Relative (synthetic / real)", e["relative"], "[0, inf)", "1")
        worst = self.column_shapes.nsmallest(n_worst, "score")
        lines += ["", f"Lowest column shapes (of {len(self.column_shapes)}):"]
        for _, r in worst.iterrows():
            lines.append(f"  {str(r['column']):<40}{r['score']:8.3f}  {r['metric']}")
        pairs = self.column_pairs.dropna(subset=["score"]).nsmallest(n_worst, "score")
        if len(pairs):
            lines += ["", f"Lowest column pair trends (of {len(self.column_pairs)}):"]
            for _, r in pairs.iterrows():
                name = f"{r['column_1']} / {r['column_2']}"
                lines.append(f"  {name:<40}{r['score']:8.3f}  {r['metric']}")
        return "\n".join(lines)

    def _privacy_lines(self, lines: list, row) -> None:
        p = self.privacy
        with_holdout = "exact_copies" in p
        baseline = "; holdout = baseline" if with_holdout else ""
        lines += ["", f"Privacy (synthetic rows against the real rows{baseline})"]
        if with_holdout:
            lines.append(
                f"  {'Exact copies of real rows: synthetic / holdout':<58}"
                f"{p['exact_copies']:8.1%} / {p['exact_copies_holdout']:.1%}  "
                "ideal: no more than the holdout"
            )
            ratio_ideal = ">= 1 (near 0: copies)"
            row(
                "DCR median ratio (synthetic / holdout)",
                p["dcr_median_ratio"],
                "[0, inf)",
                ratio_ideal,
            )
            row("DCR 5th percentile ratio", p["dcr_p5_ratio"], "[0, inf)", ratio_ideal)
            row("NNDR median ratio", p["nndr_ratio"], "[0, inf)", ">= 1")
            lines.append(
                f"    (median DCR synthetic {p['dcr_synthetic_median']:.3g}, holdout "
                f"{p['dcr_holdout_median']:.3g}; 5th percentile {p['dcr_synthetic_p5']:.3g}, "
                f"{p['dcr_holdout_p5']:.3g})"
            )

        def per_column(counts):
            if counts:
                listed = ", ".join(f"{name} {n:,}" for name, n in counts.items())
                lines.append(f"    (synthetic rows per column: {listed})")

        if "rare_value_leak_rate" in p:
            row(
                f"Rows repeating a rare real value (seen < {p['privacy_floor']} times)",
                p["rare_value_leak_rate"],
                ideal="0",
                fmt="{:8.1%}",
            )
            per_column(p["rare_value_leak_counts"])
        if "identifier_copy_rate" in p and self.skipped_columns:
            row(
                "Rows copying a real identifier",
                p["identifier_copy_rate"],
                ideal="0",
                fmt="{:8.1%}",
            )
            per_column(p["identifier_copy_counts"])

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"QualityReport(overall_score={self.overall_score:.3f}, "
            f"column_shapes_score={self.column_shapes_score:.3f}, "
            f"column_pair_trends_score={self.column_pair_trends_score:.3f})"
        )

    def plot(self, *, columns=None, max_columns: int = 9, figsize=None):
        """A figure of real-versus-synthetic marginals and the pair-trend heatmap.

        Needs matplotlib (``pip install "sklearn-ganae[plot]"``). See
        :func:`sklearn_ganae.plotting.plot_quality_report` for the parameters.

        Returns
        -------
        fig : matplotlib.figure.Figure
        """
        from sklearn_ganae.plotting import plot_quality_report

        return plot_quality_report(self, columns=columns, max_columns=max_columns, figsize=figsize)


def quality_report(
    real,
    synthetic,
    *,
    holdout=None,
    target=None,
    correlation: str = "pearson",
    detection: bool = True,
    privacy_floor: int = 5,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
    verbose: int = 0,
) -> QualityReport:
    """Evaluate synthetic rows against real ones: fidelity, and privacy and utility.

    Always computes :func:`column_shapes`, :func:`column_pair_trends`, (unless
    ``detection=False``) :func:`detection_score`, and the rare-value and
    identifier-copy rates of :func:`privacy_scores`; with a ``holdout`` all of
    :func:`privacy_scores` (``real`` as the training rows); with a ``target`` (which
    needs the holdout) also :func:`ml_efficacy` (trained on ``real`` and on
    ``synthetic``, tested on ``holdout``).

    Real exported tables work as they are: every column gets the role
    :class:`~sklearn_ganae.TabularEncoder` would give it (or the one in
    ``column_roles``). Identifier columns (row numbers, customer ids, e-mail
    addresses) are left out of every comparison, listed in the summary and in
    :attr:`QualityReport.skipped_columns`, and checked for copies; date columns
    (datetime64 of any unit or time zone, timedeltas, date objects, ISO 8601 strings)
    are compared as continuous values; high-cardinality columns (free text, more than
    100 levels) are compared as categorical columns in the shapes, left out of the
    pair trends, and one-hot encoded over their 49 most frequent values plus one
    shared column in detection, privacy distances and ML efficacy.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows the generator was fitted on. Fixes columns and kinds.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The generated rows, with the same columns (matched by name).
    holdout : DataFrame, array-like or None, default=None
        Real rows the generator never saw (for privacy and ML efficacy).
    target : str, int or None, default=None
        Column to predict for ML efficacy. Needs ``holdout``.
    correlation : {"pearson", "spearman"}, default="pearson"
        Correlation coefficient of the continuous pairs.
    detection : bool, default=True
        Whether to run the (slowest) detection classifier.
    privacy_floor : int, default=5
        A categorical value seen fewer times than this in ``real`` is rare (see
        :func:`privacy_scores`).
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position, e.g.
        ``{"zip": "categorical", "order_no": "identifier"}`` (see
        :func:`column_shapes`). An unknown column or role raises a ``ValueError``.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, folds and models.
    verbose : int, default=0
        ``1``: a "report" progress line or bar on stderr, one step per part
        (shapes, pairs, marginals, detection, privacy, efficacy).

    Returns
    -------
    report : QualityReport
        ``print(report)`` shows the summary; ``report.column_shapes`` and
        ``report.column_pairs`` hold the tables, ``report.skipped_columns`` the
        columns left out and why, ``report.column_roles`` every column's role;
        ``report.plot()`` draws the figure.

    Examples
    --------
    >>> from sklearn_ganae.datasets import load_penguins
    >>> from sklearn_ganae.metrics import quality_report
    >>> df = load_penguins()
    >>> report = quality_report(df, df, detection=False)
    >>> round(report.overall_score, 3), report.column_pairs.shape
    (1.0, (21, 6))
    """
    _check_correlation(correlation)
    check_int(privacy_floor, "privacy_floor", 1)
    if target is not None and holdout is None:
        raise ValueError(
            f"target={target!r} needs holdout=...: ML efficacy tests its models on real rows "
            "the generator never saw. Pass them as holdout, or leave target=None."
        )
    tables = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        tables["holdout"] = holdout
    if target is not None:
        check_target(target, tables)
    rng = check_random_state(random_state)
    timings = {}
    start = time.perf_counter()
    data = prepare(tables, categorical_features=categorical_features, column_roles=column_roles)
    if target is not None:
        check_target_compared(target, data)
    timings["validation"] = time.perf_counter() - start

    n_parts = 4 + int(bool(detection)) + int(target is not None)
    bar = Progress("report", n_parts, unit="part") if verbose else NoProgress()

    def timed(name, func, *args):
        t0 = time.perf_counter()
        value = func(*args)
        timings[name] = time.perf_counter() - t0
        bar.update(1, {"done": name})
        return value

    try:
        shapes = timed("column_shapes", _column_shapes, data)
        pairs = timed("column_pair_trends", _column_pair_trends, data, correlation)
        marginals = timed("marginals", _marginals, data)
        det = None
        if detection:
            view = _view(data, ["real", "synthetic"])
            auc = timed("detection", _detection, view, None, 5, 10_000, rng)
            det = {"auc": auc, "score": 2.0 * (1.0 - max(auc, 0.5))}
        efficacy = None
        if holdout is not None:
            view = _view(data, ["real", "synthetic", "holdout"], {"real": "train"})
            privacy = timed("privacy", _privacy, view, 5_000, rng, privacy_floor)
        else:
            privacy = timed("privacy", _disclosure, data, "real", "synthetic", privacy_floor)
        if target is not None:
            view = _view(
                data, ["real", "synthetic", "holdout"], {"real": "train", "holdout": "test"}
            )
            efficacy = timed(
                "ml_efficacy", _efficacy, view, target, "auto", None, None, 50_000, rng
            )
    except BaseException as exc:
        bar.close(failure_status(exc))
        raise
    timings["total"] = time.perf_counter() - start
    bar.close()
    n_rows = {role: data.n_rows(role) for role in tables}
    return QualityReport(
        column_shapes=shapes,
        column_pairs=pairs,
        detection=det,
        privacy=privacy,
        efficacy=efficacy,
        n_rows=n_rows,
        columns=list(data.columns),
        categorical=data.categorical.copy(),
        timings=timings,
        marginals=marginals,
        correlation=correlation,
        column_roles=data.column_roles,
        skipped_columns=data.skipped,
    )


def _view(data: Tables, roles: list[str], rename: dict | None = None) -> Tables:
    """A shallow copy of ``data`` with some roles (renamed), safe to subsample."""
    return data.view(roles, rename)


# ----------------------------------------------------------------------------------
# scorers
# ----------------------------------------------------------------------------------

_SCORER_METRICS = ("overall", "column_shapes", "column_pair_trends", "detection", "efficacy")


class _SyntheticDataScorer:
    """Scores a fitted generator by sampling from it and comparing with ``X``."""

    def __init__(
        self,
        metric,
        target,
        n_samples,
        correlation,
        categorical_features,
        random_state,
        column_roles=None,
    ):
        self.metric = metric
        self.target = target
        self.n_samples = n_samples
        self.correlation = correlation
        self.categorical_features = categorical_features
        self.random_state = random_state
        self.column_roles = column_roles

    def __call__(self, estimator, X, y=None):
        if not callable(getattr(estimator, "sample", None)):
            raise TypeError(
                f"{type(estimator).__name__} has no sample method; a synthetic-data scorer "
                "needs a fitted generator with sample(n_samples, *, random_state=None)."
            )
        n = self.n_samples or len(X)
        if self.random_state is None:
            synthetic = estimator.sample(n)
        else:
            synthetic = estimator.sample(n, random_state=self.random_state)
        rng = check_random_state(self.random_state)
        if self.metric == "efficacy":
            check_target(self.target, {"X": X, "synthetic": synthetic})
        data = prepare(
            {"real": X, "synthetic": synthetic},
            categorical_features=self.categorical_features,
            column_roles=self.column_roles,
        )
        if self.metric == "efficacy":
            check_target_compared(self.target, data)
        if self.metric == "column_shapes":
            return float(_column_shapes(data)["score"].mean())
        if self.metric == "column_pair_trends":
            return float(_column_pair_trends(data, self.correlation)["score"].mean())
        if self.metric == "overall":
            shapes = _column_shapes(data)["score"].mean()
            pairs = _column_pair_trends(data, self.correlation)["score"].dropna()
            return float(np.mean([shapes, pairs.mean()] if len(pairs) else [shapes]))
        if self.metric == "detection":
            auc = _detection(data, None, 5, 10_000, rng)
            return 2.0 * (1.0 - max(auc, 0.5))
        # efficacy: train on synthetic rows, test on the real rows X
        view = _view(data, ["real", "synthetic"], {"real": "test"})
        j = _target_index(view, self.target)
        task = _resolve_task(view, j, "test", "auto")
        scoring = "f1_macro" if task == "classification" else "r2"
        model = _default_model(task, None, _seed(rng))
        parts = _efficacy_parts(view, j, "synthetic", "test", 50_000, rng)
        score = _fit_and_score(model, task, *parts, get_scorer(scoring))
        return score

    def __repr__(self) -> str:
        args = [f"metric={self.metric!r}"]
        if self.target is not None:
            args.append(f"target={self.target!r}")
        if self.n_samples is not None:
            args.append(f"n_samples={self.n_samples}")
        if self.random_state is not None:
            args.append(f"random_state={self.random_state!r}")
        return f"make_quality_scorer({', '.join(args)})"


def make_quality_scorer(
    metric: str = "overall",
    *,
    target=None,
    n_samples: int | None = None,
    correlation: str = "pearson",
    categorical_features="auto",
    column_roles=None,
    random_state=None,
):
    """A scikit-learn scorer that rates a fitted generator on synthetic-data quality.

    The scorer, called as ``scorer(estimator, X, y=None)`` (as
    :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_val_score` do), draws
    ``estimator.sample(n_samples)`` rows and scores them against ``X`` (the validation
    fold: real rows the generator was not fitted on). Greater is better for every
    metric, so ``GridSearchCV(generator, grid, scoring=scorer)`` picks the generator
    whose rows match held-out real rows best.

    Parameters
    ----------
    metric : {"overall", "column_shapes", "column_pair_trends", "detection", \
            "efficacy"}, default="overall"
        ``"overall"``: mean of the column shape and pair trend scores, in [0, 1];
        ``"column_shapes"``, ``"column_pair_trends"``: one of them, in [0, 1];
        ``"detection"``: ``2 * (1 - max(AUC, 0.5))`` of :func:`detection_score`, in
        [0, 1]; ``"efficacy"``: the score on ``X`` of a model trained on the samples
        to predict ``target`` (macro F1 in [0, 1] or R^2 in (-inf, 1]). Ideal: 1.
    target : str, int or None, default=None
        The column to predict; needed by (and only used by) ``"efficacy"``.
    n_samples : int or None, default=None
        Rows to sample; None: as many as ``X`` has.
    correlation : {"pearson", "spearman"}, default="pearson"
        Correlation coefficient of the continuous pairs.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference from ``X`` (see
        :func:`column_shapes`); identifier columns are left out of every metric.
    random_state : int or None, default=None
        Passed to ``sample`` (as ``random_state=``) and seeding detection and efficacy
        models; None calls ``sample(n_samples)`` alone.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``; ``y`` is ignored.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from sklearn_ganae.metrics import make_quality_scorer
    >>> class Bootstrap(BaseEstimator):
    ...     def fit(self, X, y=None):
    ...         self.X_ = np.asarray(X)
    ...         return self
    ...     def sample(self, n_samples, *, random_state=None):
    ...         rng = np.random.RandomState(random_state)
    ...         return self.X_[rng.randint(len(self.X_), size=n_samples)]
    >>> X = np.random.RandomState(0).normal(size=(200, 3))
    >>> scorer = make_quality_scorer("column_shapes", random_state=0)
    >>> round(scorer(Bootstrap().fit(X), X), 1)
    0.9
    """
    if metric not in _SCORER_METRICS:
        raise ValueError(f"metric must be one of {list(_SCORER_METRICS)}, got {metric!r}.")
    if metric == "efficacy" and target is None:
        raise ValueError("metric='efficacy' needs target=<the column to predict>.")
    _check_correlation(correlation)
    check_int(n_samples, "n_samples", 1, allow_none=True)
    if random_state is not None and not isinstance(random_state, numbers.Integral):
        raise ValueError(
            f"random_state must be an int or None (it is passed to sample), got {random_state!r}."
        )
    if column_roles is not None and not isinstance(column_roles, dict):
        raise ValueError(
            "column_roles must be a dict of column name (or position) to role, or None; "
            f"got {column_roles!r}."
        )
    return _SyntheticDataScorer(
        metric, target, n_samples, correlation, categorical_features, random_state, column_roles
    )
