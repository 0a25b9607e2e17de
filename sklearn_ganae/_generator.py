"""The contract of every model that samples rows: :class:`GeneratorMixin`.

Like imbalanced-learn's ``fit_resample -> _fit_resample`` and synthcity's
``generate -> _generate``, the mixin owns what every generator shares:

- :meth:`GeneratorMixin.sample` (the ``n_samples`` check, class labels and priors,
  the random stream, batching in bounded memory, progress, decoding into the user's
  schema, identifiers unique across batches);
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

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from sklearn_ganae._base import atomic_fit
from sklearn_ganae._progress import progress
from sklearn_ganae._resampling import (
    check_resample_target,
    concat_labels,
    concat_rows,
    fit_classes,
    label_codes,
    oversampling_counts,
)

#: rows generated per batch: memory stays bounded for any ``n_samples``
SAMPLE_BATCH = 10_000


def check_n_samples(n_samples) -> int:
    """``n_samples`` of a ``sample`` call: an integer >= 1 (not a bool), or a clear error."""
    is_bool = isinstance(n_samples, (bool, np.bool_))
    if is_bool or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        hint = " (a bool is not a number of rows)" if is_bool else ""
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}{hint}.")
    return int(n_samples)


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
            In the fitted table's schema.
        """
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        target = None if conditions is None else self._condition_target(conditions)
        codes = None  # a model fitted with classes and asked for none: drawn below
        if self.classes_ is None or y is not None:
            codes = self._class_codes(y, n_samples)  # checked before any draw
        many = self.verbose and n_samples > SAMPLE_BATCH
        with (
            self._sampling_rng(random_state) as rng,
            progress(many, "sampling", n_samples, "row") as bar,
        ):
            if self.classes_ is not None and y is None:  # at the training frequencies
                codes = rng.choice(len(self.classes_), size=n_samples, p=self.class_prior_)
            parts = []
            for start in range(0, n_samples, SAMPLE_BATCH):
                n = min(SAMPLE_BATCH, n_samples - start)
                batch_codes = None if codes is None else codes[start : start + n]
                values = self._sample_encoded(n, batch_codes, rng, target)
                parts.append(self.encoder_.decode_rows(values, random_state=rng))
                bar.update(n)
        return self.encoder_.join_samples(parts, rng)

    # --- the sampling stream -----------------------------------------------------------
    @contextlib.contextmanager
    def _sampling_rng(self, random_state):
        """The generator of one call; advances the stream when the block succeeds.

        A call without ``random_state`` draws from the model's stream: the ``k``-th
        call draws from ``SeedSequence([seed, k])``, and the position is advanced only
        when the call succeeds. A call with ``random_state`` draws from that seed
        alone and leaves the stream where it was.
        """
        if random_state is not None:
            yield check_random_state(random_state)
            return
        calls = getattr(self, "_sample_calls_", 0)
        sequence = np.random.SeedSequence([self._seed_, calls])
        yield np.random.RandomState(np.random.MT19937(sequence))
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
