"""Utility of synthetic rows: machine-learning efficacy (train on synthetic, test on real).

:func:`ml_efficacy` fits one model on real training rows and one on synthetic rows
and scores both on held-out real rows. The pieces (:func:`resolve_task`,
:func:`default_model`, :func:`efficacy_parts`, :func:`fit_and_score`) also serve the
``"efficacy"`` scorer of :func:`~sklearn_ganae.metrics.make_quality_scorer`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import get_scorer
from sklearn.utils import check_random_state

from sklearn_ganae.metrics._defaults import (
    CLASSIFICATION_SCORING,
    EFFICACY_MAX_CLASSES,
    EFFICACY_MAX_SAMPLES,
    REGRESSION_SCORING,
)
from sklearn_ganae.metrics._tables import (
    Tables,
    check_int,
    check_target,
    check_target_compared,
    draw_seed,
    encode,
    prepare,
    subsample,
)


def _labelled(data: Tables, role: str, j: int) -> np.ndarray:
    """Rows of ``role`` whose column ``j`` is observed."""
    values = data.column(role, j)
    if data.categorical[j]:
        cats = data.categories[int(np.searchsorted(data.cat_idx, j))]
        return ~np.isin(values, np.flatnonzero(pd.isna(cats)))
    return ~np.isnan(values)


def resolve_task(data: Tables, j: int, role: str, task: str) -> str:
    """``task``, or for ``"auto"`` the task of predicting column ``j`` of ``role``."""
    if task != "auto":
        return task
    if data.categorical[j]:
        return "classification"
    y = data.column(role, j)
    y = y[~np.isnan(y)]
    if np.all(y == np.round(y)) and np.unique(y).size <= EFFICACY_MAX_CLASSES:
        return "classification"
    return "regression"


def fit_and_score(estimator, task, X_fit, y_fit, X_test, y_test, scorer) -> float:
    """Test score of a clone of ``estimator`` fitted on the fit rows (NaN without any).

    A classification whose fit rows hold one class predicts it (a dummy classifier).
    """
    if len(y_fit) == 0:
        return np.nan
    if task == "classification" and np.unique(y_fit).size < 2:
        model = DummyClassifier(strategy="most_frequent")
    else:
        model = clone(estimator)
    model.fit(X_fit, y_fit)
    return float(scorer(model, X_test, y_test))


def efficacy_parts(data: Tables, j: int, fit_role: str, test_role: str, max_samples, rng):
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


def default_model(task: str, estimator, seed: int):
    """``estimator`` (checked against ``task``), or a gradient-boosting model seeded ``seed``."""
    if estimator is not None:
        if task == "classification" and not is_classifier(estimator):
            raise ValueError(
                f"task='classification' needs a classifier, got {type(estimator).__name__}."
            )
        return estimator
    if task == "classification":
        return HistGradientBoostingClassifier(random_state=seed)
    return HistGradientBoostingRegressor(random_state=seed)


def default_scoring(task: str) -> str:
    """The scorer name of ML efficacy for ``task`` (macro F1 or R^2)."""
    return CLASSIFICATION_SCORING if task == "classification" else REGRESSION_SCORING


def _check_efficacy_params(task, scoring):
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}.")
    if scoring is not None and not isinstance(scoring, str) and not callable(scoring):
        raise ValueError(f"scoring must be None, a scorer name or a callable, got {scoring!r}.")


def target_index(data: Tables, target) -> int:
    """Position of the column ``target`` among the compared columns."""
    return data.columns.index(target)


def compute_efficacy(data: Tables, target, task, estimator, scoring, max_samples, rng) -> dict:
    """:func:`ml_efficacy` on prepared tables (the roles train, synthetic and test)."""
    j = target_index(data, target)
    if not _labelled(data, "train", j).any() or not _labelled(data, "test", j).any():
        raise ValueError(f"The target column {target!r} has no observed value in train or test.")
    task = resolve_task(data, j, "train", task)
    scoring = scoring or default_scoring(task)
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    seed = draw_seed(rng)
    model = default_model(task, estimator, seed)
    scores = {}
    for role in ("train", "synthetic"):
        parts = efficacy_parts(data, j, role, "test", max_samples, rng)
        scores[role] = fit_and_score(model, task, *parts, scorer)
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
    max_samples: int | None = EFFICACY_MAX_SAMPLES,
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
    return compute_efficacy(
        data, target, task, estimator, scoring, max_samples, check_random_state(random_state)
    )
