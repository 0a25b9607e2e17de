"""The contract of every model that samples rows: :class:`GeneratorMixin`.

Like imbalanced-learn's ``fit_resample -> _fit_resample`` and synthcity's
``generate -> _generate``, the mixin owns what every generator shares:

- :meth:`GeneratorMixin.sample` (the ``n_samples`` check, class labels and priors,
  the random stream, batching in bounded memory, progress, decoding into the user's
  schema, identifiers unique across batches), and its streamed forms
  :meth:`GeneratorMixin.iter_samples` (batches of rows, in constant memory) and
  :meth:`GeneratorMixin.sample_to` (a Parquet or CSV file), which draw the same rows;
- :meth:`GeneratorMixin.fit_resample` with imbalanced-learn's ``sampling_strategy``;
- ``classes_`` / ``class_prior_`` of a class-conditional fit, and the labels checks;
- one reproducible stream of ``sample`` calls per fitted model
  (:meth:`GeneratorMixin.reset_sampling`).

A generator implements its fit (through the fit pipeline of
:class:`~sklearn_ganae._base.BaseTabularNN`) and one method,
``_sample_encoded(n, codes, rng, target)``: ``n`` rows in the encoder's layout
(probabilities for categories and missing indicators are fine: the encoder draws
from them) for the class positions ``codes`` (or None), drawing from ``rng``.
Column conditions (``sample(conditions=...)``) are optional: a generator that
supports them implements ``_condition_target(conditions)``, whose result reaches
``_sample_encoded`` as ``target``. The package's generators are listed in
:mod:`sklearn_ganae._registry`.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from sklearn_ganae._base import atomic_fit
from sklearn_ganae._files import (
    check_output_path,
    require_pyarrow,
    write_atomically,
    write_batches,
)
from sklearn_ganae._progress import NoProgress, Progress, failure_status
from sklearn_ganae._resampling import (
    check_resample_target,
    concat_labels,
    concat_rows,
    fit_classes,
    label_codes,
    oversampling_counts,
)
from sklearn_ganae._threads import torch_threads

#: rows generated per draw: memory stays bounded for any ``n_samples``, and the rows
#: of a call do not depend on the batches they are handed out in
SAMPLE_BATCH = 10_000
#: rows per batch (one Parquet row group) of :meth:`GeneratorMixin.sample_to`
WRITE_BATCH = 100_000


def _check_count(value, name: str) -> int:
    is_bool = isinstance(value, (bool, np.bool_))
    if is_bool or not isinstance(value, numbers.Integral) or value < 1:
        hint = " (a bool is not a number of rows)" if is_bool else ""
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}{hint}.")
    return int(value)


def check_n_samples(n_samples) -> int:
    """``n_samples`` of a ``sample`` call: an integer >= 1 (not a bool), or a clear error."""
    return _check_count(n_samples, "n_samples")


def check_batch_size(batch_size) -> int:
    """``batch_size`` of a streamed call: an integer >= 1 (not a bool), or a clear error."""
    return _check_count(batch_size, "batch_size")


class _SamplingPlan:
    """What one sampling call asks, checked before any draw: the number of rows, the
    column condition, the class of each row, the call's identifier state."""

    def __init__(self, n, target, labels, n_classes, prior, identifiers):
        self.n = n
        self.target = target
        self.labels = labels  # None, "prior", one class position, or one per row
        self.n_classes = n_classes
        self.prior = prior
        self.identifiers = identifiers

    def codes(self, start: int, n: int, rng):
        """Class positions of rows ``start`` to ``start + n`` (None: no classes)."""
        if self.labels is None:
            return None
        if isinstance(self.labels, str):  # drawn, at the training frequencies
            return rng.choice(self.n_classes, size=n, p=self.prior)
        if isinstance(self.labels, int):
            return np.full(n, self.labels, dtype=np.intp)
        return self.labels[start : start + n]


class GeneratorMixin:
    """Sampling, resampling and class conditioning for the package's generators.

    Put it first among the bases (``class Model(GeneratorMixin, BaseTabularNN)``).
    See the module docstring for what a generator implements.
    """

    # --- fitting -----------------------------------------------------------------------
    def _fit(self, X, y=None):
        """Check the labels (classes, priors), run the fit pipeline, restart the stream."""
        warm = self.warm_start and hasattr(self, "net_")
        y, self.classes_, self.class_prior_ = fit_classes(
            y, X, warm, getattr(self, "classes_", None)
        )
        codes = None if y is None else np.searchsorted(self.classes_, y)
        self._fit_network(X, y, codes)
        self._sample_calls_ = 0  # the sampling stream starts anew with each fit
        return self

    @atomic_fit
    def fit_resample(self, X, y):
        """Fit a class-conditional model on ``(X, y)`` and add generated rows per class.

        The number of rows added per class follows ``sampling_strategy``
        (imbalanced-learn's forms); the rows come back in ``X``'s schema. They are
        the first call of the fitted model's sampling stream, so a seeded model gives
        the same rows at each ``fit_resample``. The outputs are new objects, also
        when no row is added; ``X`` and ``y`` are not modified.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels, one per row (a single column is accepted).

        Returns
        -------
        X_resampled : DataFrame or ndarray
            ``X`` followed by the generated rows.
        y_resampled : Series or ndarray
            ``y`` followed by their labels.
        """
        self._validate_params()
        y_arr = check_resample_target(y)
        counts = oversampling_counts(self.sampling_strategy, y_arr)
        self._fit(X, y_arr)
        keys = np.empty(len(counts), dtype=object)
        keys[:] = list(counts)
        wanted = np.repeat(keys, [max(int(k), 0) for k in counts.values()])
        self.sampling_strategy_ = counts
        X_in = (
            X
            if isinstance(X, pd.DataFrame)
            else check_array(X, dtype=None, ensure_all_finite=False)
        )
        if len(wanted) == 0:
            empty = X_in.iloc[:0] if isinstance(X_in, pd.DataFrame) else X_in[:0]
            return concat_rows(X_in, empty), concat_labels(y, self.classes_[:0])
        labels = self.classes_[label_codes(self.classes_, wanted, len(wanted))]
        new = self.sample(len(labels), y=labels)
        return concat_rows(X_in, new), concat_labels(y, labels)

    # --- labels ------------------------------------------------------------------------
    def _class_codes(self, y, n: int):
        """Positions in ``classes_`` of the labels asked for ``n`` rows (None: a model
        fitted without labels, asked for none)."""
        if self.classes_ is None:
            if y is not None:
                raise ValueError(
                    f"This {type(self).__name__} was fitted without y; passing y needs a "
                    "model fitted with class labels: fit(X, y)."
                )
            return None
        return label_codes(self.classes_, y, n)

    def _one_hot_codes(self, codes):
        """One-hot rows of class positions (width ``len(classes_)``)."""
        out = np.zeros((len(codes), len(self.classes_)), dtype=np.float32)
        out[np.arange(len(codes)), codes] = 1.0
        return out

    def _condition_target(self, conditions):
        """What ``sample(conditions=...)`` asks, for ``_sample_encoded``; a generator
        that supports conditions overrides it."""
        raise ValueError(
            f"{type(self).__name__} does not sample with column conditions; pass "
            "conditions=None (GANSampler with condition_columns supports them)."
        )

    # --- sampling ----------------------------------------------------------------------
    def _sample_encoded(self, n: int, codes, rng, target) -> np.ndarray:
        """``n`` generated rows in the encoder's layout (see the module docstring)."""
        raise NotImplementedError

    def sample(self, n_samples, *, y=None, conditions=None, random_state=None):
        """Generate new rows in the fitted table's schema.

        Rows are drawn 10,000 at a time, so memory beyond the result stays bounded;
        for more rows than fit in memory, :meth:`iter_samples` hands the same rows
        out in batches and :meth:`sample_to` writes them to a file.

        Parameters
        ----------
        n_samples : int
            Number of rows, at least 1 (a bool is not accepted).
        y : scalar, array-like of shape (n_samples,) or None, default=None
            Classes of the rows (models fitted with class labels), each one of
            ``classes_`` exactly (``'1'`` is not class ``1``). ``None`` draws classes
            with their training frequencies.
        conditions : dict or None, default=None
            ``{column: value}``: every row gets that value and the other columns are
            generated given it (models that support it: :class:`GANSampler` fitted
            with ``condition_columns``).
        random_state : int, RandomState instance or None, default=None
            Seeds the draw: the same seed gives the same rows. ``None`` continues the
            model's sampling stream, so successive calls give new rows, reproducibly
            from the model's seed (:meth:`reset_sampling` rewinds it).

        Returns
        -------
        rows : DataFrame or ndarray of shape (n_samples, n_features_in_)
            In the fitted table's schema. Identifier columns hold fresh values,
            unique within the call and never a training value.
        """
        plan = self._sampling_plan(n_samples, y, conditions, random_state)
        with self._sampling_rng(random_state) as rng:
            (rows,) = self._batches(plan, rng, plan.n)  # one batch of every row
        return rows

    def iter_samples(
        self,
        n_samples,
        *,
        batch_size=SAMPLE_BATCH,
        y=None,
        conditions=None,
        random_state=None,
    ) -> Iterator:
        """Generate rows batch by batch, in constant memory: the rows of :meth:`sample`.

        The batches are exactly the rows that ``sample`` gives for the same
        arguments, whatever ``batch_size``:
        ``pd.concat(list(model.iter_samples(n, random_state=0)))`` equals
        ``model.sample(n, random_state=0)``. Rows are drawn 10,000 at a time and only
        regrouped into batches, so only the batch being handed out (and at most
        10,000 rows being drawn) is held in memory: ``n_samples`` may be far more
        rows than fit in memory. Identifier columns are unique across all the
        batches of the call and never a training value.

        Parameters
        ----------
        n_samples : int
            Number of rows of the whole iteration, at least 1.
        batch_size : int, default=10_000
            Rows per batch (the last one may be shorter).
        y : scalar, array-like of shape (n_samples,) or None, default=None
            As in :meth:`sample`. One label keeps memory constant; an array of labels
            is held as one class position per row.
        conditions : dict or None, default=None
            As in :meth:`sample`.
        random_state : int, RandomState instance or None, default=None
            As in :meth:`sample`. Without it the iteration is one call of the model's
            sampling stream (see Notes).

        Returns
        -------
        batches : iterator of DataFrame or ndarray
            Batches in the fitted table's schema; a DataFrame's index is the rows'
            position in the iteration (a ``RangeIndex`` running on across batches).

        Notes
        -----
        The arguments are checked when ``iter_samples`` is called: a bad argument
        raises there, before any draw; the rows are drawn as the batches are asked
        for. Without ``random_state``, the iteration reads the model's sampling
        stream position when its first batch is asked for, and advances the stream
        by one call when the iteration is exhausted (a ``for`` loop that runs to its
        end, ``list(...)``), as one :meth:`sample` call does. An iteration that is
        abandoned (``break``, an exception, a generator closed or collected before
        its end) leaves the stream where it was: the next call draws those rows
        again. Two iterations consumed side by side without ``random_state`` read
        the same position and give the same rows (pass a ``random_state`` to each);
        a :meth:`reset_sampling` during an iteration stays in force.

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn_ganae import VAETransformer
        >>> from sklearn_ganae.datasets import load_penguins
        >>> vae = VAETransformer(max_epochs=2, random_state=0).fit(load_penguins())
        >>> batches = list(vae.iter_samples(2_500, batch_size=1_000, random_state=0))
        >>> [len(batch) for batch in batches]
        [1000, 1000, 500]
        >>> pd.concat(batches).equals(vae.sample(2_500, random_state=0))
        True
        """
        batch_size = check_batch_size(batch_size)
        plan = self._sampling_plan(n_samples, y, conditions, random_state)
        return self._stream(plan, batch_size, random_state)

    def sample_to(
        self,
        path,
        n_samples,
        *,
        batch_size=WRITE_BATCH,
        overwrite=False,
        y=None,
        conditions=None,
        random_state=None,
    ) -> Path:
        """Write generated rows to a Parquet or CSV file, in constant memory.

        The file holds the rows of :meth:`sample` with the same arguments, drawn and
        written batch by batch (those of :meth:`iter_samples`): ``n_samples`` may be
        far more rows than fit in memory.

        Parameters
        ----------
        path : str or path-like
            The file to write. Its extension chooses the format: ``.parquet`` or
            ``.pq``, written with ``pyarrow.parquet.ParquetWriter``, one row group per
            batch and one arrow schema for the whole file (categories as
            dictionaries, nullable integers, datetimes with their time zone,
            booleans, strings; needs the ``parquet`` extra), or ``.csv`` (one header,
            no index column).
        n_samples : int
            Number of rows, at least 1.
        batch_size : int, default=100_000
            Rows per batch written (one Parquet row group); the rows do not depend
            on it.
        overwrite : bool, default=False
            Replace ``path`` if it exists. Without it an existing file, or one
            created while the rows were written, is never replaced (a
            ``FileExistsError``).
        y : scalar, array-like of shape (n_samples,) or None, default=None
            As in :meth:`sample`.
        conditions : dict or None, default=None
            As in :meth:`sample`.
        random_state : int, RandomState instance or None, default=None
            As in :meth:`sample`; without it, the call advances the model's sampling
            stream once the file is complete.

        Returns
        -------
        path : pathlib.Path
            The file written.

        Raises
        ------
        ValueError
            For an extension other than ``.parquet``, ``.pq`` and ``.csv``, and for
            the arguments :meth:`sample` refuses.
        ImportError
            For a Parquet file without pyarrow (``pip install sklearn-ganae[parquet]``).
        OSError
            For a path that cannot be written, before any work: ``IsADirectoryError``,
            ``FileNotFoundError`` (its folder does not exist), ``PermissionError``
            (the folder is not writable), ``FileExistsError``.

        Notes
        -----
        Every argument and the path are checked before anything is drawn. The rows
        go to a temporary file beside ``path`` (a hidden name ending in ``.part``),
        renamed onto ``path`` when it is complete: an error or a Ctrl-C leaves no
        partial file, an existing ``path`` as it was (a replacement keeps its
        permissions), and the model's sampling stream where it was.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> import pandas as pd
        >>> from sklearn_ganae import VAETransformer
        >>> from sklearn_ganae.datasets import load_penguins
        >>> vae = VAETransformer(max_epochs=2, random_state=0).fit(load_penguins())
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = vae.sample_to(Path(tmp) / "rows.csv", 2_500, batch_size=1_000)
        ...     written = pd.read_csv(path)
        >>> written.shape
        (2500, 7)
        """
        check_is_fitted(self)
        batch_size = check_batch_size(batch_size)
        check_n_samples(n_samples)
        fmt = check_output_path(path, overwrite=overwrite, what="file", option="'path'")
        if fmt == "parquet":
            require_pyarrow(path)
        plan = self._sampling_plan(n_samples, y, conditions, random_state)
        columns = self.encoder_.column_names()
        with self._sampling_rng(random_state) as rng:
            batches = self._batches(plan, rng, batch_size)
            with contextlib.closing(batches):
                write_atomically(
                    path,
                    lambda tmp: write_batches(batches, tmp, fmt, columns=columns),
                    overwrite=overwrite,
                )
        return Path(os.fspath(path))

    def _sampling_plan(self, n_samples, y, conditions, random_state) -> _SamplingPlan:
        """Check a sampling call's arguments, before any draw."""
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        if random_state is not None:
            check_random_state(random_state)  # a bad seed fails here, not mid-stream
        target = None if conditions is None else self._condition_target(conditions)
        labels = None
        if self.classes_ is None:
            self._class_codes(y, n_samples)  # a y for a model without classes raises
        elif y is None:
            labels = "prior"  # drawn at the training frequencies, batch by batch
        elif not isinstance(y, (list, tuple)) and np.ndim(y) == 0:
            labels = int(label_codes(self.classes_, y, 1)[0])  # one label: no array
        else:
            labels = self._class_codes(y, n_samples)  # every label checked first
        return _SamplingPlan(
            n_samples,
            target,
            labels,
            None if self.classes_ is None else len(self.classes_),
            getattr(self, "class_prior_", None),
            self.encoder_.identifier_draws(n_samples),
        )

    def _stream(self, plan, batch_size, random_state):
        """The batches of :meth:`iter_samples`: one call of the sampling stream."""
        with self._sampling_rng(random_state) as rng:
            yield from self._batches(plan, rng, batch_size)

    def _batches(self, plan, rng, batch_size):
        """The rows of one call, drawn ``SAMPLE_BATCH`` at a time from ``rng`` and
        handed out in batches of ``batch_size``: the one loop of :meth:`sample`,
        :meth:`iter_samples` and :meth:`sample_to`."""
        many = self.verbose and plan.n > SAMPLE_BATCH and sys.stderr is not None
        bar = Progress("sampling", plan.n, "row") if many else NoProgress()
        pending, held, start = [], 0, 0
        try:
            for first in range(0, plan.n, SAMPLE_BATCH):
                n = min(SAMPLE_BATCH, plan.n - first)
                # torch's threads for this batch only (set by n_jobs, from the load):
                # the caller's own count holds while an iteration is paused
                with torch_threads(getattr(self, "n_jobs", None)):
                    codes = plan.codes(first, n, rng)
                    values = self._sample_encoded(n, codes, rng, plan.target)
                    rows = self.encoder_.decode_rows(
                        values, random_state=rng, identifiers=plan.identifiers
                    )
                bar.update(n)
                while len(rows):
                    take = min(batch_size - held, len(rows))
                    pending.append(rows[:take] if take < len(rows) else rows)
                    rows = rows[take:]
                    held += take
                    if held == batch_size:
                        batch = self.encoder_.join_samples(pending, start)
                        start, pending, held = start + held, [], 0
                        yield batch
            if pending:
                yield self.encoder_.join_samples(pending, start)
        except GeneratorExit:
            bar.close("stopped early")
            raise
        except BaseException as exc:
            bar.close(failure_status(exc))
            raise
        bar.close()

    # --- the sampling stream -----------------------------------------------------------
    @contextlib.contextmanager
    def _sampling_rng(self, random_state):
        """The generator of one call; advances the stream when the block succeeds.

        A call without ``random_state`` draws from the model's stream: the ``k``-th
        call draws from ``SeedSequence([seed, k])``, and the position is advanced only
        when the call succeeds, and only if nothing moved it meanwhile (a
        :meth:`reset_sampling`, another call that finished first). A call with
        ``random_state`` draws from that seed alone and leaves the stream where it was.
        """
        if random_state is not None:
            yield check_random_state(random_state)
            return
        calls = getattr(self, "_sample_calls_", 0)
        sequence = np.random.SeedSequence([self._seed_, calls])
        yield np.random.RandomState(np.random.MT19937(sequence))
        if getattr(self, "_sample_calls_", 0) == calls:
            self._sample_calls_ = calls + 1

    def reset_sampling(self):
        """Rewind the model's sampling stream to where it was just after ``fit``.

        The next calls without ``random_state`` (``sample``, and for
        :class:`VAETransformer` ``inverse_transform(..., stochastic=True)``) repeat
        those made after fitting, like SDV's ``reset_sampling()``.

        Returns
        -------
        self : object
            The model, with its stream rewound.

        See Also
        --------
        sklearn.mixture.GaussianMixture.sample : Draws from the estimator's
            ``random_state`` at every call, so an int seed repeats the rows.

        Examples
        --------
        >>> from sklearn_ganae import VAETransformer
        >>> from sklearn_ganae.datasets import load_penguins
        >>> df = load_penguins()
        >>> vae = VAETransformer(max_epochs=2, random_state=0).fit(df)
        >>> first = vae.sample(3)
        >>> vae.sample(3).equals(first)  # the stream goes on
        False
        >>> vae.reset_sampling().sample(3).equals(first)
        True
        """
        check_is_fitted(self)
        self._sample_calls_ = 0
        return self
