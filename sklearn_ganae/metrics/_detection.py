"""Detection: how well a classifier tells real rows from synthetic ones.

:func:`detection_auc` is the one implementation, on numeric matrices: cross-validated
ROC AUC over folds that keep equal rows together. :func:`detection_score` encodes two
tables and calls it; the GAN's early stopping calls it on its encoded rows.
This module imports neither torch nor skorch.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score
from sklearn.utils import check_array, check_random_state

from sklearn_ganae.metrics._defaults import (
    DETECTION_CV,
    DETECTION_MAX_ITER,
    DETECTION_MAX_SAMPLES,
)
from sklearn_ganae.metrics._tables import (
    Tables,
    check_int,
    draw_seed,
    encode,
    prepare,
    row_ids,
    subsample,
)


def _grouped_folds(
    groups: np.ndarray, n_real: int, n_splits: int, rng
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep the rows of a group (equal rows) together.

    ``groups`` holds integers from 0 to the number of groups minus one, for the real
    rows (the first ``n_real``) and then the synthetic ones. A synthetic copy of a real
    row in the other fold would let a classifier that memorises rows mistake the copy
    for its twin (an AUC far below 0.5 for identical tables). Groups are shuffled and
    dealt to the folds in turn: first the groups with real rows only, then those with
    both, then those with synthetic rows only, so that every fold gets both classes when
    each class has at least ``n_splits`` groups.
    """
    n_groups = int(groups.max()) + 1
    has_real = np.bincount(groups[:n_real], minlength=n_groups) > 0
    has_syn = np.bincount(groups[n_real:], minlength=n_groups) > 0
    order = []
    for members in (has_real & ~has_syn, has_real & has_syn, ~has_real & has_syn):
        members = np.flatnonzero(members)
        order.append(members[rng.permutation(len(members))])
    order = np.concatenate(order)
    fold_of_group = np.empty(n_groups, dtype=np.int64)
    fold_of_group[order] = np.arange(n_groups) % n_splits
    fold = fold_of_group[groups]
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_splits)]


def _distinct(groups: np.ndarray, n_real: int) -> tuple[int, int]:
    """Number of distinct groups among the real rows and among the synthetic rows."""
    return np.unique(groups[:n_real]).size, np.unique(groups[n_real:]).size


def detection_auc(
    real,
    fake,
    *,
    estimator=None,
    cv: int = DETECTION_CV,
    groups=None,
    random_state=None,
) -> float:
    """Cross-validated ROC AUC of a classifier telling ``real`` rows from ``fake`` ones.

    The measure of :func:`~sklearn_ganae.metrics.detection_score` (which calls it on
    encoded tables) and of the GAN's detection early stopping, on rows already encoded
    as numbers. The rows are labelled 0 (real) and 1 (fake) and a classifier is
    cross-validated on them over ``cv`` stratified folds in which equal rows, the
    ``groups``, always fall together: otherwise a classifier that memorises rows
    would take a fake copy of a real row for its twin of the other class, and
    identical tables would score an AUC near 0 instead of 0.5.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        The real rows, as numbers (NaN allowed if ``estimator`` takes them, as the
        default one does).
    fake : array-like of shape (n_fake, n_features)
        The generated rows, encoded as ``real``.
    estimator : classifier or None, default=None
        Any scikit-learn classifier with ``predict_proba`` or ``decision_function``
        (it is cloned). None: a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` with
        ``max_iter=DETECTION_MAX_ITER`` (100, its own default), seeded from
        ``random_state``.
    cv : int, default=5
        Number of folds (``DETECTION_CV``; fewer when a matrix has fewer distinct
        groups), at least 2. Every fold holds real and fake rows in about the
        proportions of the whole.
    groups : array-like of shape (n_real + n_fake,) or None, default=None
        A group label per row, real rows first: rows of one group are never split
        between the training and the test folds. None: equal rows (of either matrix)
        form a group.
    random_state : int, RandomState instance or None, default=None
        Seeds the default classifier, then the folds (in that order, one draw each
        from a ``RandomState`` instance).

    Returns
    -------
    auc : float
        Mean ROC AUC over the folds, in [0, 1]. Ideal 0.5: the classifier cannot tell
        the rows apart; 1: every fake row is recognisable. Values below 0.5 are noise
        around 0.5 (or fake rows that sit on real ones).

    Raises
    ------
    ValueError
        When the matrices are not 2-D, have different widths, or either has fewer than
        2 distinct groups (rows), or ``cv`` is not an integer >= 2.

    See Also
    --------
    sklearn_ganae.metrics.detection_score : The same measure on two tables.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ganae.metrics._detection import detection_auc
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(300, 2))
    >>> far = rng.normal(loc=3.0, size=(300, 2))
    >>> round(detection_auc(real, far, random_state=0), 2)
    1.0
    """
    check_int(cv, "cv", 2)
    real = check_array(real, dtype="numeric", ensure_all_finite="allow-nan", input_name="real")
    fake = check_array(fake, dtype="numeric", ensure_all_finite="allow-nan", input_name="fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real has {real.shape[1]} columns but fake has {fake.shape[1]}; encode both "
            "alike (the same encoder) before measuring detection."
        )
    features = np.vstack([real, fake])
    n_real = len(real)
    if groups is None:
        groups = np.unique(features, axis=0, return_inverse=True)[1].ravel()
    else:
        groups = np.asarray(groups).ravel()
        if groups.shape != (len(features),):
            raise ValueError(
                f"groups must hold one label per row of real and fake ({len(features)}), "
                f"got shape {np.shape(groups)}."
            )
        groups = np.unique(groups, return_inverse=True)[1].ravel()
    n_real_groups, n_fake_groups = _distinct(groups, n_real)
    n_splits = min(cv, n_real_groups, n_fake_groups)
    if n_splits < 2:
        raise ValueError(
            "detection_auc needs at least 2 distinct rows (groups) in each of real and "
            f"fake for cross-validation; got {n_real_groups} distinct real and "
            f"{n_fake_groups} distinct fake rows."
        )
    labels = np.r_[np.zeros(n_real), np.ones(len(fake))]
    rng = check_random_state(random_state)
    seed = draw_seed(rng)
    if estimator is None:
        estimator = HistGradientBoostingClassifier(max_iter=DETECTION_MAX_ITER, random_state=seed)
    else:
        estimator = clone(estimator)
    folds = _grouped_folds(groups, n_real, n_splits, rng)
    scores = cross_val_score(estimator, features, labels, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


def compute_detection(data: Tables, estimator, cv: int, max_samples, rng) -> float:
    """:func:`detection_score` on prepared tables (the roles real and synthetic).

    Subsamples ``data`` in place (pass a :meth:`~Tables.view` to keep it whole).
    """
    for role in ("real", "synthetic"):
        rows = subsample(data.n_rows(role), max_samples, rng)
        if rows is not None:
            data.take(role, rows)
    ids = row_ids(data, ["real", "synthetic"])
    n_real_groups, n_syn_groups = (np.unique(ids[r]).size for r in ("real", "synthetic"))
    if min(cv, n_real_groups, n_syn_groups) < 2:
        raise ValueError(
            "detection_score needs at least 2 distinct rows in each table for "
            f"cross-validation; got {n_real_groups} distinct real and {n_syn_groups} "
            "distinct synthetic rows."
        )
    X = encode(data, ["real", "synthetic"], fit_role="real")
    return detection_auc(
        X["real"],
        X["synthetic"],
        estimator=estimator,
        cv=cv,
        groups=np.concatenate([ids["real"], ids["synthetic"]]),
        random_state=rng,
    )


def auc_score(auc: float) -> float:
    """The detection score ``2 * (1 - max(auc, 0.5))``, in [0, 1] (ideal 1)."""
    return 2.0 * (1.0 - max(auc, 0.5))


def detection_score(
    real,
    synthetic,
    *,
    estimator=None,
    cv: int = DETECTION_CV,
    max_samples: int | None = DETECTION_MAX_SAMPLES,
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
    return compute_detection(data, estimator, cv, max_samples, check_random_state(random_state))


def detection_importances(
    real,
    synthetic,
    *,
    estimator=None,
    cv: int = DETECTION_CV,
    n_repeats: int = 3,
    max_samples: int | None = DETECTION_MAX_SAMPLES,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
):
    """Which columns give synthetic rows away: the detector's AUC lost per column.

    The detector of :func:`detection_score` (the same encoding, folds and default
    classifier) is fitted on each training fold; on its test fold, the encoded
    features of one column (a number and its missing-value indicator, or a column's
    one-hot block) are shuffled together across the rows, breaking what that column
    tells, and the fall of the ROC AUC is that column's importance (permutation
    importance, Breiman 2001, by column rather than by feature). A generator whose
    rows are detected is improved where the importances are high: a column whose
    shape, precision, bounds or relation to the others the detector recognises. As
    with any permutation importance, columns that give the rows away redundantly
    share the credit: when one column dominates, fix it and measure again.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The synthetic rows, with the same columns (matched by name).
    estimator : classifier or None, default=None
        As in :func:`detection_score` (None: a histogram gradient boosting classifier).
    cv : int, default=5
        Number of folds, as in :func:`detection_score`.
    n_repeats : int, default=3
        Shuffles per column and fold (their mean is taken).
    max_samples : int or None, default=10_000
        At most this many rows of each table take part (None: all).
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`detection_score`).
    column_roles : dict or None, default=None
        Column roles that override the inference (see :func:`detection_score`);
        identifier columns are left out.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, the folds, the classifier and the shuffles.

    Returns
    -------
    importances : DataFrame
        One row per compared column, most important first: ``column``,
        ``importance`` (mean AUC lost when the column is shuffled; about 0 for a
        column the detector does not use, up to ``auc - 0.5``) and ``std`` (over
        folds and shuffles). ``importances.attrs["auc"]`` is the detector's mean AUC
        on the test folds before any shuffle.

    See Also
    --------
    detection_score : The detector's AUC itself.

    References
    ----------
    .. [1] L. Breiman, "Random Forests", Machine Learning 45, 2001 (permutation
       importance).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_ganae.metrics import detection_importances
    >>> rng = np.random.RandomState(0)
    >>> real = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    >>> fake = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(3, size=400)})
    >>> out = detection_importances(real, fake, random_state=0)
    >>> out["column"].tolist()
    ['b', 'a']
    >>> bool(out["importance"].iloc[0] > 0.3)
    True
    """
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    check_int(cv, "cv", 2)
    check_int(n_repeats, "n_repeats", 1)
    check_int(max_samples, "max_samples", 2, allow_none=True)
    data = prepare(
        {"real": real, "synthetic": synthetic},
        categorical_features=categorical_features,
        column_roles=column_roles,
    )
    rng = check_random_state(random_state)
    for role in ("real", "synthetic"):
        rows = subsample(data.n_rows(role), max_samples, rng)
        if rows is not None:
            data.take(role, rows)
    ids = row_ids(data, ["real", "synthetic"])
    sources: list = []
    X = encode(data, ["real", "synthetic"], fit_role="real", sources=sources)
    sources = np.asarray(sources, dtype=np.int64)
    groups = np.unique(np.concatenate([ids["real"], ids["synthetic"]]), return_inverse=True)[1]
    n_real = len(X["real"])
    n_splits = min(cv, *_distinct(groups.ravel(), n_real))
    if n_splits < 2:
        raise ValueError(
            "detection_importances needs at least 2 distinct rows in each table for "
            "cross-validation."
        )
    features = np.vstack([X["real"], X["synthetic"]])
    labels = np.r_[np.zeros(n_real), np.ones(len(X["synthetic"]))]
    seed = draw_seed(rng)
    if estimator is None:
        estimator = HistGradientBoostingClassifier(max_iter=DETECTION_MAX_ITER, random_state=seed)
    columns = sorted(set(sources.tolist()))
    drops = {j: [] for j in columns}
    aucs = []
    for train, test in _grouped_folds(groups.ravel(), n_real, n_splits, rng):
        model = clone(estimator).fit(features[train], labels[train])
        score = _scorer(model)
        base = roc_auc_score(labels[test], score(features[test]))
        aucs.append(base)
        for j in columns:
            block = np.flatnonzero(sources == j)
            for _ in range(n_repeats):
                shuffled = features[test].copy()
                shuffled[:, block] = shuffled[rng.permutation(len(test))][:, block]
                drops[j].append(base - roc_auc_score(labels[test], score(shuffled)))
    names = data.names
    out = pd.DataFrame(
        {
            "column": [names[j] for j in columns],
            "importance": [float(np.mean(drops[j])) for j in columns],
            "std": [float(np.std(drops[j])) for j in columns],
        }
    )
    out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["auc"] = float(np.mean(aucs))
    return out


def _scorer(model):
    """The classifier's score of the positive (synthetic) class."""
    if hasattr(model, "predict_proba"):
        return lambda X: model.predict_proba(X)[:, 1]
    return model.decision_function
