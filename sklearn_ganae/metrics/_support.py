"""Sample-level fidelity: alpha-precision, beta-recall and authenticity.

Alaa et al. (2022) split the quality of a generator into three parts that a single
score mixes up: *precision*, whether synthetic rows fall where real rows are typical;
*recall*, whether the synthetic rows cover the whole real distribution (no mode
dropped); *authenticity*, whether synthetic rows are new rather than copies. Precision
and recall are measured at every level ``alpha`` of the real distribution's support
(the ball around the real rows' centre that holds a share ``alpha`` of them), which
tells a generator that only reproduces the typical rows from one that also reproduces
the tails. :func:`alpha_precision_beta_recall` is the public function.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from sklearn_ganae.metrics._defaults import SUPPORT_ALPHAS, SUPPORT_MAX_SAMPLES
from sklearn_ganae.metrics._tables import Tables, check_int, encode, prepare, subsample


def _delta(levels: np.ndarray, curve: np.ndarray) -> float:
    """``1 - 2 x`` the area between a curve and the diagonal, on the grid ``levels``
    (1: the curve is the diagonal; 0: as far from it as a curve can be)."""
    step = levels[1] - levels[0]
    return float(1.0 - 2.0 * np.sum(np.abs(levels - curve)) * step)


def compute_support(data: Tables, n_alphas: int, max_samples, rng) -> dict:
    """:func:`alpha_precision_beta_recall` on prepared tables (roles real, synthetic).

    Subsamples ``data`` in place (pass a :meth:`~Tables.view` to keep it whole).
    """
    for role in ("real", "synthetic"):
        if data.n_rows(role) < 2:
            raise ValueError(
                f"alpha_precision_beta_recall needs at least 2 {role} rows, got "
                f"{data.n_rows(role)}; pass larger tables."
            )
        rows = subsample(data.n_rows(role), max_samples, rng)
        if rows is not None:
            data.take(role, rows)
    X = encode(data, ["real", "synthetic"], fit_role="real")
    real, synth = X["real"].astype(np.float64), X["synthetic"].astype(np.float64)
    alphas = np.linspace(0.0, 1.0, n_alphas)

    # alpha-precision: the share of synthetic rows inside the real alpha-support, a
    # ball around the real centre holding the share alpha of the real rows
    centre = real.mean(axis=0)
    real_radius = np.linalg.norm(real - centre, axis=1)
    synth_radius = np.linalg.norm(synth - centre, axis=1)
    radii = np.quantile(real_radius, alphas)
    precision = (synth_radius[None, :] <= radii[:, None]).mean(axis=1)

    # beta-recall: the share of real rows whose nearest synthetic row is closer than
    # their nearest other real row, that synthetic row lying inside the synthetic
    # beta-support (the balls around the synthetic centre holding the share beta of
    # these nearest synthetic rows)
    real_nn = NearestNeighbors(n_neighbors=2).fit(real)
    real_to_real = real_nn.kneighbors(real)[0][:, 1]
    synth_nn = NearestNeighbors(n_neighbors=1).fit(synth)
    dist, idx = synth_nn.kneighbors(real)
    real_to_synth, nearest = dist[:, 0], idx[:, 0]
    nearest_radius = np.linalg.norm(synth[nearest] - synth.mean(axis=0), axis=1)
    beta_radii = np.quantile(nearest_radius, alphas)
    covered = real_to_synth <= real_to_real
    recall = (covered[None, :] & (nearest_radius[None, :] <= beta_radii[:, None])).mean(axis=1)

    # authenticity: a synthetic row is authentic unless it is closer to its nearest
    # real row than that row's own nearest real neighbour is
    dist, idx = real_nn.kneighbors(synth, n_neighbors=1)
    authentic = dist[:, 0] > real_to_real[idx[:, 0]]
    return {
        "alpha_precision": _delta(alphas, precision),
        "beta_recall": _delta(alphas, recall),
        "authenticity": float(authentic.mean()),
        "alphas": alphas,
        "alpha_precision_curve": precision,
        "beta_recall_curve": recall,
    }


def alpha_precision_beta_recall(
    real,
    synthetic,
    *,
    n_alphas: int = SUPPORT_ALPHAS,
    max_samples: int | None = SUPPORT_MAX_SAMPLES,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
) -> dict:
    """Alpha-precision, beta-recall and authenticity of synthetic rows.

    The three sample-level measures of Alaa et al. (2022). Rows are encoded as for
    :func:`detection_score` (continuous columns standardised on the real rows with a
    0/1 indicator for missing values, categorical columns one-hot over their 49 most
    frequent real categories plus one shared column) and compared by Euclidean
    distance:

    - the real *alpha-support* is the ball around the real rows' mean that holds a
      share ``alpha`` of them; the **alpha-precision curve** is the share of
      synthetic rows inside it, for ``alpha`` from 0 to 1. A faithful generator puts
      a share ``alpha`` of its rows in the alpha-support: the curve is the diagonal.
    - a real row is *covered* when its nearest synthetic row is closer to it than its
      nearest other real row; the **beta-recall curve** is the share of real rows
      covered by a synthetic row inside the synthetic beta-support (the ball around
      the synthetic rows' mean that holds a share ``beta`` of the real rows' nearest
      synthetic rows).
    - **authenticity** is the share of synthetic rows farther from their nearest real
      row than that row is from its own nearest real neighbour: rows that are not
      (near) copies.

    Each curve is summarised as ``1 - 2 x`` its area to the diagonal, the paper's
    Delta-precision and Delta-recall.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows, best rows the generator did not see (held-out rows): with its
        training rows, a generator that copies them scores perfectly.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The synthetic rows, with the same columns (matched by name).
    n_alphas : int, default=30
        Levels ``alpha`` (and ``beta``), evenly spaced from 0 to 1; at least 2.
    max_samples : int or None, default=5_000
        At most this many rows of each table take part, drawn with ``random_state``
        (None: all); the nearest-neighbour searches grow with the product of the two.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position (see
        :func:`column_shapes`). Identifier columns are left out.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling.

    Returns
    -------
    scores : dict
        - ``alpha_precision``: Delta-precision, at most 1; ideal 1 (about 0.95 for
          500 rows drawn from the real distribution itself), near 0 (or slightly
          below, on the discrete grid) for rows that all fall outside the real rows'
          typical region or all inside its core.
        - ``beta_recall``: Delta-recall, at most 1. Rows drawn from the real
          distribution itself score about 0.45 (a real row's nearest neighbour among
          as many real and synthetic rows is synthetic about half the time) and
          copies of the real rows score 1, so read it with ``authenticity``; low
          figures mean the synthetic rows miss parts of the real distribution.
        - ``authenticity``: in [0, 1]; about 0.4-0.5 for rows drawn from the real
          distribution itself, 0 for copies of the real rows.
        - ``alphas``: ndarray of shape (n_alphas,), the levels.
        - ``alpha_precision_curve``, ``beta_recall_curve``: ndarrays of shape
          (n_alphas,), the curves.

    Notes
    -----
    The paper maps the rows through a one-class neural embedding (a hypersphere) before
    measuring distances; this function measures them in the encoded features
    themselves, as the "naive" figures of the paper's reference implementation and of
    synthcity's ``AlphaPrecision`` do, so that it needs no trained network and
    gives the same figures on every machine. The curves are exact for the rows
    measured; with one-hot categories a ball around the mean is a coarse shape, so
    compare generators on the same table rather than figures across tables.

    References
    ----------
    .. [1] A. M. Alaa, B. van Breugel, E. Saveliev and M. van der Schaar, "How Faithful
       is your Synthetic Data? Sample-level Metrics for Evaluating and Auditing
       Generative Models", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ganae.metrics import alpha_precision_beta_recall
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(500, 2))
    >>> faithful = alpha_precision_beta_recall(real, rng.normal(size=(500, 2)))
    >>> narrow = alpha_precision_beta_recall(real, 0.3 * rng.normal(size=(500, 2)))
    >>> bool(faithful["alpha_precision"] > 0.9 > 0.5 > narrow["alpha_precision"])
    True
    >>> bool(faithful["beta_recall"] > narrow["beta_recall"])
    True
    """
    check_int(n_alphas, "n_alphas", 2)
    check_int(max_samples, "max_samples", 2, allow_none=True)
    data = prepare(
        {"real": real, "synthetic": synthetic},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    return compute_support(data, n_alphas, max_samples, check_random_state(random_state))
