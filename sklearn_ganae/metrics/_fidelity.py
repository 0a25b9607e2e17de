"""Fidelity of synthetic rows: column shapes and column pair trends.

:func:`column_shapes` compares the marginal distribution of each column,
:func:`column_pair_trends` the dependence of each pair of columns; both are the measures
of SDMetrics' ``QualityReport``. :func:`compute_column_shapes` and
:func:`compute_column_pair_trends` compute them on prepared
:class:`~sklearn_ganae.metrics._tables.Tables`, for the report and the scorers, and
:func:`overall_score` averages them.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from sklearn_ganae.metrics._defaults import CORRELATION, CORRELATIONS, N_BINS
from sklearn_ganae.metrics._tables import Tables, check_int, prepare


def check_correlation(correlation) -> None:
    """Raise a ``ValueError`` unless ``correlation`` is in ``CORRELATIONS`` (pearson, spearman)."""
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be 'pearson' or 'spearman', got {correlation!r}.")


# ----------------------------------------------------------------------------------
# column shapes
# ----------------------------------------------------------------------------------


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
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


def compute_column_shapes(data: Tables, a: str = "real", b: str = "synthetic") -> pd.DataFrame:
    """The table of :func:`column_shapes` for the roles ``a`` (real) and ``b`` of ``data``."""
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
                score = 1.0 - ks_statistic(xo, yo)
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
    return compute_column_shapes(data)


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
    low, high = float(observed.min()), float(observed.max())
    edges = np.linspace(low, high, n_bins + 1)
    if not np.all(np.diff(edges) > 0):
        # a range too narrow for n_bins distinct floats (subnormal spreads): one bin
        # holds everything, as for a constant column
        return np.full(n_bins + 1, low)
    return edges


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


def compute_column_pair_trends(
    data: Tables,
    correlation: str = CORRELATION,
    n_bins: int = N_BINS,
    a: str = "real",
    b: str = "synthetic",
) -> pd.DataFrame:
    """The table of :func:`column_pair_trends` for the roles ``a`` (real) and ``b``."""
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
    correlation: str = CORRELATION,
    n_bins: int = N_BINS,
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
    check_correlation(correlation)
    check_int(n_bins, "n_bins", 1)
    data = prepare(
        {"real": real, "synthetic": synthetic},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    return compute_column_pair_trends(data, correlation, n_bins)


# ----------------------------------------------------------------------------------
# both
# ----------------------------------------------------------------------------------


def overall_score(shapes: pd.DataFrame, pairs: pd.DataFrame) -> float:
    """Mean of the column shapes score and the column pair trends score.

    Each is the mean of its table's defined scores; with no defined pair score (fewer
    than two columns, constant real columns) the column shapes score alone. This is
    :attr:`QualityReport.overall_score <sklearn_ganae.metrics.QualityReport>` and the
    ``"overall"`` scorer.
    """
    parts = [float(shapes["score"].mean())]
    pair_scores = pairs["score"].dropna()
    if len(pair_scores):
        parts.append(float(pair_scores.mean()))
    return float(np.mean(parts))
