"""Over-sampling targets in imbalanced-learn's ``sampling_strategy`` forms.

The package's samplers follow imbalanced-learn's protocol without requiring it: this
module turns a ``sampling_strategy`` (``"auto"``, ``"minority"``, ``"not minority"``,
``"not majority"``, ``"all"``, a float for binary targets, a dict or a callable)
into the number of rows to generate per class, with imbalanced-learn's semantics and
error messages.
"""

from __future__ import annotations

import numbers
from collections import Counter

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

_STRATEGIES = ("auto", "minority", "not minority", "not majority", "all")

#: ``_parameter_constraints`` entry of a ``sampling_strategy`` parameter
SAMPLING_STRATEGY_CONSTRAINT = [
    Interval(numbers.Real, 0, 1, closed="right"),
    StrOptions(set(_STRATEGIES)),
    dict,
    callable,
]


def oversampling_counts(sampling_strategy, y) -> dict:
    """Rows to generate per class so that ``y`` reaches ``sampling_strategy``.

    Parameters
    ----------
    sampling_strategy : str, float, dict or callable
        As in imbalanced-learn's over-samplers.
    y : array-like of shape (n_samples,)

    Returns
    -------
    counts : dict
        Class label -> number of new rows (zero-count classes omitted except for
        ``"all"``, as imbalanced-learn does), in sorted class order.
    """
    counter = Counter(np.asarray(y, dtype=object).tolist())
    if len(counter) < 2:
        raise ValueError(
            f"The target has a single class ({next(iter(counter), None)!r}); "
            "over-sampling needs at least 2 classes."
        )
    n_major = max(counter.values())
    n_minor = min(counter.values())
    classes = sorted(counter, key=_sort_key)
    majority = max(classes, key=lambda c: counter[c])
    minority = min(classes, key=lambda c: counter[c])
    if isinstance(sampling_strategy, str):
        if sampling_strategy not in _STRATEGIES:
            raise ValueError(
                f"sampling_strategy={sampling_strategy!r} is unknown; use one of "
                f"{list(_STRATEGIES)}, a float, a dict or a callable."
            )
        if sampling_strategy == "minority":
            chosen = [minority]
        elif sampling_strategy == "not minority":
            chosen = [c for c in classes if c != minority]
        elif sampling_strategy == "all":
            chosen = classes
        else:  # "auto" and "not majority"
            chosen = [c for c in classes if c != majority]
        return {c: n_major - counter[c] for c in chosen}
    if isinstance(sampling_strategy, numbers.Real) and not isinstance(sampling_strategy, bool):
        if len(counter) != 2:
            raise ValueError(
                '"sampling_strategy" can be a float only when the type of target is '
                f"binary; y has {len(counter)} classes. Use a dict or a string."
            )
        if not 0 < sampling_strategy <= 1:
            raise ValueError(
                f"sampling_strategy={sampling_strategy} must be in (0, 1] for over-sampling."
            )
        n = int(sampling_strategy * n_major - n_minor)
        if n < 0:
            raise ValueError(
                "The specified ratio required to remove samples from the minority class "
                "while trying to generate new samples. Please increase the ratio."
            )
        return {minority: n}
    if callable(sampling_strategy):
        sampling_strategy = sampling_strategy(np.asarray(y))
    if isinstance(sampling_strategy, dict):
        # exact matches (type included: '1' is not 1), keyed by the labels themselves
        by_key = {_label_key(c): c for c in counter}
        unknown = [c for c in sampling_strategy if _label_key(c) not in by_key]
        if unknown:
            raise ValueError(
                f"The {unknown} target class is/are not present in the data (classes: {classes})."
            )
        asked = {by_key[_label_key(c)]: v for c, v in sampling_strategy.items()}
        counts = {}
        for c in sorted(asked, key=_sort_key):
            target = asked[c]
            if target < counter[c]:
                raise ValueError(
                    "With over-sampling methods, the number of samples in a class should "
                    f"be greater or equal to the original number of samples. Originally, "
                    f"there is {counter[c]} samples and {target} samples are asked."
                )
            counts[c] = int(target - counter[c])
        return counts
    raise ValueError(
        f"sampling_strategy={sampling_strategy!r} is not understood; use a string, a "
        "float, a dict or a callable."
    )


def _sort_key(value):
    return (type(value).__name__, value)


def concat_rows(X, X_new):
    """``X`` followed by generated rows in ``X``'s container and dtypes."""
    if isinstance(X, pd.DataFrame):
        X_new = pd.DataFrame(X_new, columns=X.columns)
        X_new.index = pd.RangeIndex(len(X), len(X) + len(X_new))
        out = pd.concat([X.reset_index(drop=True), X_new], axis=0)
        return out.astype(X.dtypes.to_dict())
    X = np.asarray(X)
    return np.concatenate([X, np.asarray(X_new, dtype=X.dtype)], axis=0)


def concat_labels(y, y_new):
    """``y`` followed by the generated labels, as ``y``'s type: a Series, a one-column
    DataFrame, else a 1-D array (a column vector is flattened)."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        return concat_labels(y.iloc[:, 0], y_new).to_frame(name=y.columns[0])
    if isinstance(y, pd.Series):
        new = pd.Series(y_new, name=y.name, dtype=y.dtype)
        return pd.concat([y.reset_index(drop=True), new], ignore_index=True)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    return np.concatenate([y, np.asarray(y_new, dtype=y.dtype)])


def _label_kind(value) -> str:
    """What a label is, for exact comparisons: ``'1'``, ``1`` and ``True`` differ."""
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return "str"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    return "other"


def _label_key(value):
    return (_label_kind(value), value)


def _as_label_array(y, n: int, name: str) -> np.ndarray:
    """``y`` (one label, or one per row) as a 1-D array of ``n`` labels, uncast."""
    if isinstance(y, (list, tuple)):
        if any(np.ndim(v) != 0 for v in y):
            raise ValueError(
                f"{name} must be one label or a 1-D list of labels; got nested sequences."
            )
        values = np.empty(len(y), dtype=object)
        values[:] = list(y)
    elif np.ndim(y) == 0:
        values = np.empty(n, dtype=object)
        values.fill(y[()] if isinstance(y, np.ndarray) else y)
    else:
        values = np.asarray(y)
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be one label or a 1-D array of labels; got an array of shape "
            f"{values.shape}."
        )
    if len(values) != n:
        raise ValueError(
            f"{name} has {len(values)} labels for {n} rows; pass one label or one per row."
        )
    return values


def label_codes(classes: np.ndarray, y, n: int, name: str = "y") -> np.ndarray:
    """Position in ``classes`` of each label asked of a class-conditional model.

    ``y`` is one label (for all ``n`` rows) or one per row. Labels are compared with
    the classes exactly, before any cast: ``0.5`` or ``'1'`` is not class ``1`` and
    ``True`` is not ``1`` (``1.0`` is). Unknown labels raise a ``ValueError`` that
    names them.
    """
    values = _as_label_array(y, n, name)
    lookup = {_label_key(c): i for i, c in enumerate(classes.tolist())}
    codes = np.empty(len(values), dtype=np.intp)
    unknown = []
    if values.dtype != object:
        groups = [np.arange(len(values))]
    else:  # one kind at a time: hashing alone would merge True with 1
        kinds = np.frompyfunc(_label_kind, 1, 1)(values).astype(str)
        groups = [np.flatnonzero(kinds == k) for k in np.unique(kinds)]
    for rows in groups:
        inverse, uniques = pd.factorize(values[rows], use_na_sentinel=False)
        uniques = np.asarray(uniques, dtype=object)
        found = np.array([lookup.get(_label_key(u), -1) for u in uniques], dtype=np.intp)
        unknown += uniques[found < 0].tolist()
        codes[rows] = found[inverse]
    if unknown:
        shown = [u.item() if isinstance(u, np.generic) else u for u in unknown[:10]]
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        kinds = {_label_kind(c) for c in classes.tolist()}
        names = {str(c) for c in classes.tolist()}
        hint = ""
        if any(_label_kind(u) not in kinds or str(u) in names for u in unknown):
            hint = " Labels are compared exactly, type included: '1' is not 1."
        raise ValueError(
            f"{name} contains classes {shown}{more} not seen during fit; the classes "
            f"are {classes.tolist()}.{hint}"
        )
    return codes


def check_labels(classes: np.ndarray, y, n: int) -> np.ndarray:
    """Labels asked of a class-conditional model (see :func:`label_codes`), as the
    matching values of ``classes``."""
    return classes[label_codes(classes, y, n)]


def check_resample_target(y) -> np.ndarray:
    """The labels given to ``fit_resample``, as a 1-D array, checked before training."""
    from sklearn.utils.validation import column_or_1d

    if y is None:
        raise ValueError("fit_resample needs the class labels y.")
    shape = np.shape(y)
    if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
        raise ValueError(
            f"fit_resample needs one class label per row; y has shape {shape}. Pass a "
            "1-D array of labels (or a single column)."
        )
    return column_or_1d(y, warn=True)


def fit_classes(y, X, warm: bool, fitted_classes):
    """Validate the labels given to a class-conditional ``fit``.

    Returns ``(y, classes, prior)`` (all ``None`` without labels). With ``warm`` (a
    warm-started refit), the labels must have the classes of the first fit.
    """
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _num_samples, column_or_1d

    if y is None:
        if warm and fitted_classes is not None:
            raise ValueError("This model was fitted with y; pass y to continue training.")
        return None, None, None
    from sklearn_ganae._sources import refuse_labels

    refuse_labels(X, y)
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    n = _num_samples(X)
    if len(y) != n:
        raise ValueError(f"y has {len(y)} labels but X has {n} rows; pass one per row.")
    classes, counts = np.unique(y, return_counts=True)
    if warm and not np.array_equal(classes, fitted_classes):
        raise ValueError(
            f"y has classes {classes.tolist()} but the model was fitted with "
            f"{fitted_classes.tolist()}; warm_start needs the same classes."
        )
    return y, classes, counts / counts.sum()
