"""Privacy of synthetic rows: distances to the training rows, copies, disclosures.

:func:`privacy_scores` measures how close synthetic rows come to the training rows
against held-out real rows; :func:`disclosure_scores` (rare values repeated,
identifiers copied) needs no held-out rows and serves the report on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from sklearn_ganae.metrics._defaults import PRIVACY_FLOOR, PRIVACY_MAX_SAMPLES
from sklearn_ganae.metrics._tables import (
    Tables,
    check_int,
    encode,
    identifier_keys,
    prepare,
    row_ids,
    subsample,
)


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return num / den
    return 1.0 if num == 0 else np.inf


def disclosure_scores(data: Tables, train: str, synthetic: str, floor: int) -> dict:
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


def compute_privacy(data: Tables, max_samples, rng, floor: int = PRIVACY_FLOOR) -> dict:
    """:func:`privacy_scores` on prepared tables (the roles train, synthetic and holdout).

    Subsamples ``data`` in place (pass a :meth:`~Tables.view` to keep it whole).
    """
    disclosure = disclosure_scores(data, "train", "synthetic", floor)
    ids = row_ids(data, ["train", "synthetic", "holdout"])
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
    max_samples: int | None = PRIVACY_MAX_SAMPLES,
    privacy_floor: int = PRIVACY_FLOOR,
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
    return compute_privacy(data, max_samples, check_random_state(random_state), privacy_floor)
