"""Which columns of a table are categorical: the one ``categorical_features`` resolver.

:class:`~sklearn_ganae.TabularEncoder` and the metrics (:mod:`sklearn_ganae.metrics`)
take ``categorical_features`` in the same forms (``"auto"``, column names, positions or
a boolean mask) and resolve it here, with the same rules and errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_categorical_dtype(dtype) -> bool:
    """Whether ``categorical_features="auto"`` takes a column of ``dtype`` as
    categorical: pandas categoricals, objects, strings and booleans."""
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    )


def categorical_mask(spec, n: int, *, dtypes=None, columns=None, where: str = "X"):
    """The boolean mask of the categorical columns that ``spec`` names.

    Parameters
    ----------
    spec : "auto", array-like of str or int, or array-like of bool
        ``"auto"``: the columns whose dtype :func:`is_categorical_dtype` accepts (none
        for an array, whose ``dtypes`` are None); names (of ``columns``), positions
        (negative ones count from the end), or one boolean per column.
    n : int
        Number of columns.
    dtypes : sequence of dtypes or None, default=None
        The columns' dtypes (a DataFrame's); None for an array.
    columns : sequence or None, default=None
        The columns' names, as ``spec`` gives them; None for an array (names are
        then refused).
    where : str, default="X"
        What the table is called in error messages.

    Returns
    -------
    mask : ndarray of bool, shape (n,)
    """
    if isinstance(spec, str) and spec == "auto":
        if dtypes is None:
            return np.zeros(n, dtype=bool)
        return np.array([is_categorical_dtype(d) for d in dtypes], dtype=bool)
    given = spec
    spec = np.asarray(spec)
    mask = np.zeros(n, dtype=bool)
    if spec.size == 0:
        return mask
    if spec.dtype.kind == "b":
        if spec.shape != (n,):
            got = spec.shape[0] if spec.ndim == 1 else spec.shape
            raise ValueError(
                f"categorical_features as a boolean mask must have length n_features={n}, "
                f"got {got}."
            )
        return spec.astype(bool)
    if spec.dtype.kind in "iu":
        bad = spec[(spec < -n) | (spec >= n)]
        if bad.size:
            raise ValueError(
                f"categorical_features indices {bad.tolist()} are out of range for n_features={n}."
            )
        mask[spec] = True
        return mask
    if spec.dtype.kind in "UO":
        if columns is None:
            raise ValueError(
                f"categorical_features given as column names needs {where} to be a "
                "DataFrame; pass column indices or a boolean mask for arrays."
            )
        labels = list(columns)
        names = spec.ravel().tolist()
        unknown = [s for s in names if s not in labels]
        if unknown:
            raise ValueError(
                f"categorical_features names {unknown} are not columns of {where}; the "
                f"columns are {[str(c) for c in labels]}."
            )
        mask[[labels.index(s) for s in names]] = True
        return mask
    raise ValueError(
        "categorical_features must be 'auto', column names, indices or a boolean mask; "
        f"got {given!r}."
    )
