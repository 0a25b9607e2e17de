"""Scorers: synthetic-data quality as a scikit-learn ``scoring`` for model selection.

:func:`make_quality_scorer` returns a callable ``scorer(estimator, X, y=None)`` that
samples from a fitted generator and scores the rows against ``X`` with the measures
of the other modules, their defaults those of the functions and the report.
"""

from __future__ import annotations

import numbers

from sklearn.metrics import get_scorer
from sklearn.utils import check_random_state

from sklearn_ganae.metrics._defaults import (
    CORRELATION,
    DETECTION_CV,
    DETECTION_MAX_SAMPLES,
    EFFICACY_MAX_SAMPLES,
)
from sklearn_ganae.metrics._detection import auc_score, compute_detection
from sklearn_ganae.metrics._efficacy import (
    default_model,
    default_scoring,
    efficacy_parts,
    fit_and_score,
    resolve_task,
    target_index,
)
from sklearn_ganae.metrics._fidelity import (
    check_correlation,
    compute_column_pair_trends,
    compute_column_shapes,
    overall_score,
)
from sklearn_ganae.metrics._tables import (
    check_int,
    check_target,
    check_target_compared,
    draw_seed,
    prepare,
)

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
            return float(compute_column_shapes(data)["score"].mean())
        if self.metric == "column_pair_trends":
            return float(compute_column_pair_trends(data, self.correlation)["score"].mean())
        if self.metric == "overall":
            shapes = compute_column_shapes(data)
            return overall_score(shapes, compute_column_pair_trends(data, self.correlation))
        if self.metric == "detection":
            auc = compute_detection(data, None, DETECTION_CV, DETECTION_MAX_SAMPLES, rng)
            return auc_score(auc)
        # efficacy: train on synthetic rows, test on the real rows X
        view = data.view(["real", "synthetic"], {"real": "test"})
        j = target_index(view, self.target)
        task = resolve_task(view, j, "test", "auto")
        model = default_model(task, None, draw_seed(rng))
        parts = efficacy_parts(view, j, "synthetic", "test", EFFICACY_MAX_SAMPLES, rng)
        return fit_and_score(model, task, *parts, get_scorer(default_scoring(task)))

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
    correlation: str = CORRELATION,
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
    check_correlation(correlation)
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
