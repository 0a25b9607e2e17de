"""The layout of an encoded table: which output columns hold what (NumPy only).

A fitted :class:`~sklearn_ganae.TabularEncoder` describes its output as a
:class:`TabularLayout`, a tuple of :class:`ColumnBlock` (continuous values, one-hot
groups, missing-value indicators). The torch modules of :mod:`sklearn_ganae.nn` read
a table through this layout alone, so this module depends on NumPy only: no pandas,
no scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONTINUOUS = "continuous"
CATEGORICAL = "categorical"
MISSING = "missing"


@dataclass(frozen=True)
class ColumnBlock:
    """One block of adjacent output columns of a :class:`TabularEncoder`.

    Attributes
    ----------
    kind : {"continuous", "categorical", "missing"}
        ``"continuous"``: one normalised real value (a linear head, squared error).
        ``"categorical"``: a one-hot group of ``width`` columns (a softmax head,
        cross-entropy); category columns and the mode indicator of a multimodal
        continuous column are of this kind. ``"missing"``: one 0/1 missing-value
        indicator (a sigmoid head, binary cross-entropy).
    column : int
        Position of the source column in the encoder's input.
    name : str
        Name of the source column.
    start, stop : int
        The block occupies output columns ``start:stop``.
    """

    kind: str
    column: int
    name: str
    start: int
    stop: int

    @property
    def width(self) -> int:
        """Number of output columns in the block."""
        return self.stop - self.start

    @property
    def slice(self) -> slice:
        """The block's columns as a slice of the encoded matrix."""
        return slice(self.start, self.stop)


class TabularLayout(tuple):
    """The column blocks of an encoded table, in output order.

    A tuple of :class:`ColumnBlock` with a few vectorised views that output heads and
    losses need. Blocks are contiguous and cover ``range(n_features)``.
    """

    @property
    def n_features(self) -> int:
        """Width of the encoded matrix."""
        return self[-1].stop if len(self) else 0

    def blocks(self, kind: str) -> list[ColumnBlock]:
        """The blocks of one kind, in output order.

        Parameters
        ----------
        kind : {"continuous", "categorical", "missing"}
            The kind of block to select.

        Returns
        -------
        blocks : list of ColumnBlock
        """
        return [b for b in self if b.kind == kind]

    def indices(self, kind: str) -> np.ndarray:
        """Output column positions of all blocks of one kind, as an int64 array.

        Parameters
        ----------
        kind : {"continuous", "categorical", "missing"}
            The kind of block to select.

        Returns
        -------
        indices : ndarray of int64
        """
        cols = [np.arange(b.start, b.stop) for b in self if b.kind == kind]
        return np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)

    def __repr__(self) -> str:
        counts = {k: len(self.blocks(k)) for k in (CONTINUOUS, CATEGORICAL, MISSING)}
        parts = ", ".join(f"{v} {k}" for k, v in counts.items())
        return f"TabularLayout(n_features={self.n_features}: {parts} blocks)"


def child_seed(rng) -> int:
    """One draw of ``rng`` (a NumPy ``RandomState``) as the seed of a child generator
    (NumPy's or torch's): faster draws, reproducibly from the call's random state."""
    return int(rng.randint(np.iinfo(np.int64).max, dtype=np.int64))


def standard_normal(rng, shape) -> np.ndarray:
    """Standard-normal float32 draws of ``shape``, reproducibly from ``rng`` (a
    ``RandomState``, advanced by one draw): a child ``Generator`` (:func:`child_seed`),
    whose float32 ziggurat is several times faster than ``RandomState``'s polar
    method and needs no float64 copy (sampling draws millions of them)."""
    return np.random.default_rng(child_seed(rng)).standard_normal(shape, dtype=np.float32)


def draw_categories(scores: np.ndarray, rng) -> np.ndarray:
    """The category of each row of a one-hot block's ``scores`` (n_rows, width).

    The argmax of each row, or with ``rng`` (a ``RandomState``) a draw proportional
    to the row's non-negative scores (inverse CDF; uniform for an all-zero row).
    """
    if rng is None or scores.shape[1] == 1:
        return np.argmax(scores, axis=1)
    width = scores.shape[1]
    # the running sums of the row's scores against a uniform draw times their total:
    # no normalised copy of the block
    cumulative = np.cumsum(np.clip(scores, 0, None), axis=1, dtype=np.float64)
    total = cumulative[:, -1:]
    u = rng.random_sample((len(scores), 1))
    drawn = (cumulative < u * total).sum(axis=1)
    empty = ~(total[:, 0] > 0)  # no mass (or not finite): uniform
    if empty.any():
        drawn[empty] = (u[empty, 0] * width).astype(drawn.dtype)
    return np.minimum(drawn, width - 1)
