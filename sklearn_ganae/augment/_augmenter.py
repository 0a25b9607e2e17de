"""The over-sampler :class:`AEAugmenter` and its perturbation strategies.

New latent codes are made from the codes of real rows (``"noise"``; ``"interpolate"``
towards and ``"extrapolate"`` away from same-class neighbours; ``"posterior"`` draws
from a VAE), optionally filtered by their neighbours' labels, and decoded into rows
(residually: ``add_residual`` in ``_residual``). The autoencoder is used through its
public API: ``transform``, ``inverse_transform``, ``VAETransformer.posterior`` and the
documented fitted attributes ``classes_`` (a conditional VAE) and
``encoder_.column_roles_`` (identifier columns, which are never copied from a source).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _num_samples, check_is_fitted, column_or_1d

from sklearn_ganae._base import atomic_fit
from sklearn_ganae._resampling import (
    SAMPLING_STRATEGY_CONSTRAINT,
    concat_labels,
    concat_rows,
    oversampling_counts,
)
from sklearn_ganae._saving import PersistenceMixin
from sklearn_ganae.augment._imblearn import imblearn_tags
from sklearn_ganae.augment._residual import add_residual
from sklearn_ganae.autoencoder import AutoencoderTransformer
from sklearn_ganae.tabular import TabularEncoder, check_table
from sklearn_ganae.vae import VAETransformer

_STRATEGIES = ("noise", "interpolate", "extrapolate", "posterior")
# the default autoencoder's code is as wide as the table (at most this): on held-out
# development tables (not those of the benchmark) a code of 8 lost to SMOTE on an
# 86-column table, one as wide as the table did not
_MAX_DEFAULT_COMPONENTS = 128
# the default autoencoder trains for about _DEFAULT_AE_STEPS optimiser steps (at most
# _DEFAULT_AE_EPOCHS epochs, at least one): on the tuning tables of
# benchmarks/bench_augment.py, 100 steps gave a balanced accuracy within 0.002 of 100
# epochs (the mean over 8 cases of the difference from SMOTE: +0.0196 against
# +0.0213; 50 steps +0.0173, 200 steps +0.0200, 800 steps +0.0187), in 3 to 18 times
# less time; 100 epochs were as good as 200 on the development tables
_DEFAULT_AE_STEPS = 100
_DEFAULT_AE_EPOCHS = 100


def _default_epochs(n_rows, steps=_DEFAULT_AE_STEPS, batch_size=128):
    """Epochs of the default autoencoder on ``n_rows`` rows: about ``steps``
    optimiser steps, at most ``_DEFAULT_AE_EPOCHS``, at least one."""
    per_epoch = max(1, math.ceil(n_rows / batch_size))
    return int(min(_DEFAULT_AE_EPOCHS, math.ceil(steps / per_epoch)))


# extrapolation steps lambda ~ U(0, _EXTRAPOLATION_MAX) (DeVries & Taylor used 0.5)
_EXTRAPOLATION_MAX = 0.5
# with a filter: up to this many rounds of candidates, each twice what is still missing
_FILTER_ROUNDS = 10


class AEAugmenter(PersistenceMixin, OneToOneFeatureMixin, BaseEstimator):
    """Over-sample or augment a training set in an autoencoder's latent space.

    The training rows are encoded by an autoencoder (fitted here on the rows given to
    :meth:`fit_resample`, or passed already fitted); new latent codes are made from
    the codes of real rows of each class, decoded into rows of the input's schema and
    labelled with the class of the row they came from. The original rows come first
    in the output, then the new rows, class by class.

    It follows imbalanced-learn's sampler protocol (``fit_resample`` and
    ``sampling_strategy``), without requiring imbalanced-learn, and can be a step of
    ``imblearn.pipeline.Pipeline`` (resampling happens during ``fit`` only; install
    imbalanced-learn with the ``imblearn`` extra, ``pip install
    "sklearn-ganae[imblearn]"``). Without imbalanced-learn, wrap a classifier in
    :class:`AugmentedClassifier`.

    Parameters
    ----------
    estimator : estimator or None, default=None
        The autoencoder: an :class:`AutoencoderTransformer`, a
        :class:`VAETransformer` or any transformer with ``fit``, ``transform`` and
        ``inverse_transform`` (e.g. :class:`~sklearn.decomposition.PCA` for numeric
        data). Cloned and fitted on the rows given to :meth:`fit` /
        :meth:`fit_resample` (given ``y`` too: a ``VAETransformer(conditional=True)``
        learns, encodes and decodes each row with its class), unless ``prefit=True``.
        ``None``: ``AutoencoderTransformer(n_components=min(n_features, 128))``
        trained for about 100 optimiser steps (``max_epochs`` = 100 steps over the
        batches of 128 rows one epoch takes, at most 100 epochs: 100 epochs on up to
        128 rows, one epoch on 12,800 rows or more), or
        ``VAETransformer(n_components=min(n_features, 128), beta=1.0,
        prior="normal", encoder=TabularEncoder())`` for
        ``strategy="posterior"`` (the plain VAE this strategy was measured with; standardised
        columns, not the VAE's default quantile-normal ones, which squeeze the gaps
        between separated classes: in the package's test of this strategy, two
        separated blobs, 33% of the new rows fell on the other class's side, against
        under 10%; a code as wide as the table: the decoder maps
        perturbed codes back to valid rows and categories without squeezing the
        table through a narrow bottleneck); their ``random_state`` is derived from
        this sampler's.
    prefit : bool, default=False
        Use ``estimator`` as it is: it must be fitted already (on rows with the same
        columns); it is neither cloned nor refitted, and clones of the sampler (as
        made by :class:`AugmentedClassifier`, cross-validation or grid search) share
        it. Wrapping the fitted estimator in :class:`~sklearn.frozen.FrozenEstimator`
        (with ``prefit=False``) does the same.
    strategy : {"extrapolate", "interpolate", "noise", "posterior"}, \
            default="extrapolate"
        How new codes are made from the code :math:`z_i` of a random real row of the
        class:

        - ``"extrapolate"``: :math:`z_i + \\lambda (z_i - z_j)`, away from
          :math:`z_j`, the code of one of its ``n_neighbors`` nearest same-class
          neighbours in latent space, :math:`\\lambda \\sim U(0, 0.5)`.
        - ``"interpolate"``: :math:`z_i + \\lambda (z_j - z_i)`, towards the
          neighbour, :math:`\\lambda \\sim U(0, 1)` (SMOTE in latent space).
        - ``"noise"``: :math:`z_i + \\varepsilon`, Gaussian noise whose standard
          deviation is ``noise_scale`` times each latent dimension's standard
          deviation over the training codes.
        - ``"posterior"``: a draw from the row's posterior :math:`q(z \\mid x_i)`;
          needs a :class:`VAETransformer`.

        The default was chosen on the augmentation benchmark
        (``benchmarks/bench_augment.py``, imbalanced tables with logistic regression
        and gradient boosting downstream), whose figures the user guide
        (:ref:`augmentation`) shows; DeVries & Taylor [1]_ also found extrapolation
        the most useful.
    sampling_strategy : float, str, dict or callable, default="auto"
        How many rows to add per class, in imbalanced-learn's forms: ``"auto"`` /
        ``"not majority"`` (every class but the majority up to the majority's
        count), ``"minority"``, ``"not minority"``, ``"all"``, a float (binary
        targets: the minority's target count as a fraction of the majority's), a dict
        ``{class: target count}`` (``{}``: none) or a callable ``y -> dict``.
    augmentation_factor : float or None, default=None
        Plain augmentation on top of ``sampling_strategy``: the class sizes that
        ``sampling_strategy`` aims at are multiplied by ``1 + augmentation_factor``
        (rounded), so every class grows and the ratios ``sampling_strategy`` sets are
        kept. ``augmentation_factor=1`` with the default strategy balances the
        classes, then doubles them; with ``sampling_strategy={}`` it doubles every
        class and keeps the original imbalance.
    noise_scale : float, default=0.25
        Standard deviation of the ``"noise"`` strategy's perturbation, as a fraction
        of each latent dimension's standard deviation over the training codes. Also
        used for classes with a single row under ``"interpolate"`` and
        ``"extrapolate"`` (see Notes).
    n_neighbors : int, default=5
        Same-class nearest neighbours (in latent space) to interpolate or
        extrapolate with; capped at the class's size minus one.
    filter_neighbors : int or None, default=None
        When set, a generated row is kept only if at least half of its
        ``filter_neighbors`` nearest real rows (of any class, in latent space) carry
        its label; rejected rows are replaced by new candidates (see Notes).
    decode : {"residual", "direct"}, default="residual"
        How a new code :math:`z` made from the code :math:`z_i` of the real row
        :math:`x_i` becomes a row, with :math:`D` the estimator's
        ``inverse_transform``:

        - ``"direct"``: :math:`D(z)`, the decoder's output (as DeVries & Taylor do).
        - ``"residual"``: :math:`x_i + D(z) - D(z_i)`, the real row moved by the
          change the perturbation makes to the decoder's output. Details of
          :math:`x_i` that the autoencoder does not reconstruct are kept; a
          categorical (or missing) value becomes :math:`D(z)`'s where it differs
          from :math:`D(z_i)`'s and stays :math:`x_i`'s otherwise; numeric values
          are clipped to the training range.

        The user guide (:ref:`augmentation`) shows how the two compare on the
        augmentation benchmark, for each strategy.
    random_state : int, RandomState instance or None, default=None
        Seeds the default autoencoder's training (and a given estimator's, when its
        own ``random_state`` is ``None``) and the generation. With an int, the same
        data give the same rows on the CPU.

    Attributes
    ----------
    estimator_ : estimator
        The fitted autoencoder (``estimator`` itself when ``prefit=True``).
    sampling_strategy_ : dict
        Class label -> number of rows to add, from ``sampling_strategy`` and
        ``augmentation_factor``.
    latent_std_ : ndarray of shape (n_components,)
        Standard deviation of each latent dimension over the training codes.
    n_filtered_ : dict
        Class label -> number of candidate rows the filter rejected in the last
        :meth:`fit_resample` (zeros without a filter).
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    AugmentedClassifier : Augment the training data, then fit a classifier.
    AutoencoderTransformer : The default autoencoder.
    VAETransformer : A VAE; its own ``fit_resample`` samples from a conditional prior.
    imblearn.over_sampling.SMOTE : Interpolation in the input space.

    Notes
    -----
    :meth:`fit` fits the autoencoder and computes :attr:`sampling_strategy_`;
    :meth:`fit_resample` does the same and then generates. Rows come back in the
    input's container: a DataFrame keeps its columns, dtypes and categories (a
    decoded categorical value is the decoder's most likely category), an array its
    dtype (integers are rounded), a list stays a list; ``y`` keeps its type (a Series its
    name and dtype; one-hot targets stay one-hot). DataFrame and Series outputs get a
    fresh ``RangeIndex``.

    Nearest neighbours are searched in the raw latent space: for the default
    autoencoder (initialised from PCA on the standardised table) distances there
    follow distances between standardised rows.

    A class with a single row cannot be interpolated: under ``"interpolate"`` and
    ``"extrapolate"`` its new rows are made with the ``"noise"`` strategy instead,
    with a warning. Classes with fewer than ``n_neighbors + 1`` rows use all their
    other rows as neighbours.

    The filter draws candidates in rounds (each round twice the number still missing,
    at most 10 rounds) and keeps the first accepted ones, so a class normally gets
    exactly the rows ``sampling_strategy_`` asks for; when it overlaps other classes
    so much that too few candidates pass, it gets fewer, with a warning.

    References
    ----------
    .. [1] T. DeVries and G. W. Taylor, "Dataset Augmentation in Feature Space",
       ICLR workshop, 2017.
    .. [2] N. V. Chawla, K. W. Bowyer, L. O. Hall and W. P. Kegelmeyer, "SMOTE:
       Synthetic Minority Over-sampling Technique", JAIR 16, 2002.
    .. [3] D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_ganae import AEAugmenter, AutoencoderTransformer
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> np.bincount(y).tolist()
    [180, 20]
    >>> ae = AutoencoderTransformer(n_components=4, max_epochs=5, random_state=0)
    >>> X_res, y_res = AEAugmenter(ae, random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((360, 20), [180, 180])

    Mixed-type DataFrames come back with their columns and dtypes:

    >>> from sklearn_ganae.datasets import load_penguins
    >>> df = load_penguins()
    >>> X, y = df.drop(columns="species"), df["species"]
    >>> sampler = AEAugmenter(ae, sampling_strategy={"Chinstrap": 100}, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, list(X_res.dtypes) == list(X.dtypes), sampler.sampling_strategy_
    ((376, 6), True, {'Chinstrap': 32})
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "prefit": ["boolean"],
        "strategy": [StrOptions(set(_STRATEGIES))],
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "augmentation_factor": [Interval(numbers.Real, 0, None, closed="left"), None],
        "noise_scale": [Interval(numbers.Real, 0, None, closed="left")],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "filter_neighbors": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "decode": [StrOptions({"residual", "direct"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        prefit=False,
        strategy="extrapolate",
        sampling_strategy="auto",
        augmentation_factor=None,
        noise_scale=0.25,
        n_neighbors=5,
        filter_neighbors=None,
        decode="residual",
        random_state=None,
    ):
        self.estimator = estimator
        self.prefit = prefit
        self.strategy = strategy
        self.sampling_strategy = sampling_strategy
        self.augmentation_factor = augmentation_factor
        self.noise_scale = noise_scale
        self.n_neighbors = n_neighbors
        self.filter_neighbors = filter_neighbors
        self.decode = decode
        self.random_state = random_state

    # --- public API -----------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    @atomic_fit
    def fit(self, X, y):
        """Fit the autoencoder and compute the number of rows to add per class.

        :meth:`fit_resample` does this too; use it to get the new rows. A fit that
        fails (an exception, Ctrl-C) leaves the sampler as it was before the call.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training rows; numeric arrays, or DataFrames with numeric, boolean and
            categorical columns (missing values allowed by the default
            autoencoder). Not modified.
        y : array-like of shape (n_samples,)
            Class labels (any type scikit-learn accepts). Not modified.

        Returns
        -------
        self : AEAugmenter
            The fitted sampler.
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    @atomic_fit
    def fit_resample(self, X, y):
        """Fit the autoencoder, then return the rows with the generated ones added.

        A call that fails (an exception, Ctrl-C) leaves the sampler as it was before
        it: fitted as before, or unfitted.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training rows. Not modified.
        y : array-like of shape (n_samples,)
            Class labels. Not modified.

        Returns
        -------
        X_resampled : DataFrame, ndarray or list of shape (n_samples_new, n_features)
            ``X`` followed by the generated rows, in ``X``'s container and dtypes.
        y_resampled : Series, DataFrame, ndarray or list of shape (n_samples_new,)
            ``y`` followed by the labels of the generated rows, in ``y``'s type.
        """
        X_valid, y_arr, one_hot, codes, gen_seed = self._fit(X, y)
        rng = check_random_state(gen_seed)
        new_codes, sources, self.n_filtered_ = self._generate(X_valid, y_arr, codes, rng)
        labels = y_arr[sources]
        if len(labels) == 0:
            new_rows = X_valid[:0]
        else:
            new_rows = self._decode(new_codes, labels)
            if self.decode == "residual":
                base = self._decode(codes[sources], labels)
                new_rows = add_residual(
                    X_valid, sources, new_rows, base, fresh=_identifier_columns(self.estimator_)
                )
        X_res = concat_rows(X_valid, new_rows)
        if isinstance(X, list):
            X_res = X_res.tolist()
        return X_res, _labels_out(y, y_arr, labels, one_hot)

    def __sklearn_clone__(self):
        """An unfitted copy; with ``prefit=True`` it shares the fitted estimator."""
        if not self.prefit:
            return super().__sklearn_clone__()
        params = self.get_params(deep=False)
        estimator = params.pop("estimator")
        params = {k: clone(v, safe=False) for k, v in params.items()}
        return type(self)(estimator, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = self.estimator if self.estimator is not None else AutoencoderTransformer()
        try:
            inner = get_tags(estimator).input_tags
        except (AttributeError, TypeError):  # a third-party transformer without tags
            inner = None
        tags.estimator_type = "sampler"
        tags.target_tags.required = True
        tags.input_tags.allow_nan = bool(inner is not None and inner.allow_nan)
        tags.input_tags.sparse = False
        tags.input_tags.categorical = bool(inner is not None and inner.categorical)
        return imblearn_tags(tags)

    # --- fitting --------------------------------------------------------------------
    def _fit(self, X, y):
        """Validate, fit the autoencoder, encode; return what generation needs."""
        name = type(self).__name__
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None; pass the "
                "class labels: fit_resample(X, y)."
            )
        X_valid = check_table(self, X, reset=True)
        y_arr, one_hot = _check_target(y)
        n = _num_samples(X_valid)
        if len(y_arr) != n:
            raise ValueError(
                f"y has {len(y_arr)} labels but X has {n} rows; pass one label per row."
            )
        classes = np.unique(y_arr)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({classes.tolist()[0]!r}); {name} adds rows to some "
                "classes relative to others and needs at least 2 classes. For plain "
                "augmentation of one class, add a second class or use the estimator's "
                "own sampler (e.g. VAETransformer.sample)."
            )
        counts = self._counts(y_arr)
        self._check_estimator_for_strategy()

        rng = check_random_state(self.random_state)
        est_seed, gen_seed = (int(s) for s in rng.randint(np.iinfo(np.int32).max, size=2))
        if self.prefit:
            estimator = self._check_prefit()
        else:
            estimator = self._make_estimator(X_valid, est_seed)
            estimator.fit(X_valid, y_arr)
        self.estimator_ = estimator
        codes = self._transform(X_valid, y_arr)
        self.latent_std_ = codes.std(axis=0)
        self.sampling_strategy_ = counts
        return X_valid, y_arr, one_hot, codes, gen_seed

    def _counts(self, y_arr):
        counts = oversampling_counts(self.sampling_strategy, y_arr)
        if self.augmentation_factor is None:
            return counts
        classes, sizes = np.unique(y_arr, return_counts=True)
        out = {}
        for cls, size in zip(classes.tolist(), sizes.tolist(), strict=True):
            base = counts.get(cls, 0)
            extra = int(np.floor(self.augmentation_factor * (size + base) + 0.5))
            out[cls] = base + extra
        return out

    def _check_estimator_for_strategy(self):
        if self.strategy != "posterior" or self.estimator is None:
            return
        if not isinstance(_unwrap(self.estimator), VAETransformer):
            raise ValueError(
                "strategy='posterior' draws codes from a VAE's posterior and needs a "
                f"VAETransformer as estimator; got {type(self.estimator).__name__}. "
                "Pass estimator=VAETransformer(...) (or None) or choose strategy="
                "'interpolate', 'extrapolate' or 'noise'."
            )

    def _check_prefit(self):
        if self.estimator is None:
            raise ValueError(
                "prefit=True needs a fitted autoencoder as estimator, got estimator=None; "
                "pass the fitted estimator or set prefit=False."
            )
        try:
            check_is_fitted(self.estimator)
        except NotFittedError as exc:
            raise NotFittedError(
                f"prefit=True but the {type(self.estimator).__name__} passed as "
                "estimator is not fitted; fit it first or set prefit=False."
            ) from exc
        return self.estimator

    def _make_estimator(self, X, seed):
        if self.estimator is not None:
            estimator = clone(self.estimator)
            params = estimator.get_params(deep=False)
            if "random_state" in params and params["random_state"] is None:
                estimator.set_params(random_state=seed)
            return estimator
        n_components = min(_MAX_DEFAULT_COMPONENTS, X.shape[1])
        if self.strategy == "posterior":
            # standardised columns: perturbed codes keep the classes' geometry (a
            # VAETransformer's own default, quantile-normal columns, squeezes the gaps
            # between separated classes, and the new rows cross them more often)
            # beta=1 and the standard normal prior: the model this strategy was measured
            # with (it perturbs posterior codes and decodes them; it never samples the
            # prior, and a plain VAE's posteriors are the smoother ones to perturb)
            return VAETransformer(
                n_components=n_components,
                beta=1.0,
                prior="normal",
                encoder=TabularEncoder(),
                random_state=seed,
            )
        return AutoencoderTransformer(
            n_components=n_components,
            max_epochs=_default_epochs(_num_samples(X)),
            random_state=seed,
        )

    @property
    def _conditional(self):
        inner = _unwrap(self.estimator_)
        return isinstance(inner, VAETransformer) and getattr(inner, "classes_", None) is not None

    def _decode(self, codes, labels):
        if self._conditional:
            return self.estimator_.inverse_transform(codes, y=labels)
        return self.estimator_.inverse_transform(codes)

    def _transform(self, X, y_arr):
        if self._conditional:
            codes = self.estimator_.transform(X, y_arr)
        else:
            codes = self.estimator_.transform(X)
        return np.asarray(codes, dtype=np.float64)

    # --- generation -----------------------------------------------------------------
    def _generate(self, X, y_arr, codes, rng):
        """New codes and the index of the real row each came from, class by class."""
        todo = {c: n for c, n in self.sampling_strategy_.items() if n > 0}
        filtered = dict.fromkeys(self.sampling_strategy_, 0)
        if not todo:
            return np.empty((0, codes.shape[1])), np.empty(0, dtype=np.intp), filtered
        post_std = self._posterior_std(X, y_arr) if self.strategy == "posterior" else None
        checker = None
        if self.filter_neighbors is not None:
            k = min(self.filter_neighbors, len(codes))
            checker = (NearestNeighbors(n_neighbors=k).fit(codes), k)
        new_codes, sources = [], []
        for cls, n in todo.items():
            members = np.flatnonzero(y_arr == cls)
            perturb = self._perturber(cls, members, codes, post_std)
            if checker is None:
                z, src = perturb(n, rng)
            else:
                z, src, filtered[cls] = _filtered(perturb, n, rng, checker, y_arr, cls)
            new_codes.append(z)
            sources.append(src)
        return np.concatenate(new_codes), np.concatenate(sources), filtered

    def _perturber(self, cls, members, codes, post_std):
        """A function ``(n, rng) -> (codes, source rows)`` for one class."""
        strategy = self.strategy
        scale = self.noise_scale * self.latent_std_
        if strategy in ("interpolate", "extrapolate") and len(members) < 2:
            warnings.warn(
                f"Class {cls!r} has a single row, which cannot be {strategy}d with a "
                "neighbour; its new rows are made with strategy='noise' "
                f"(noise_scale={self.noise_scale}).",
                UserWarning,
                stacklevel=4,
            )
            strategy = "noise"

        if strategy in ("noise", "posterior"):
            spread = post_std if strategy == "posterior" else None

            def perturb(n, rng):
                src = members[rng.randint(len(members), size=n)]
                std = spread[src] if spread is not None else scale
                return codes[src] + std * rng.standard_normal((n, codes.shape[1])), src

            return perturb

        k = min(self.n_neighbors, len(members) - 1)
        own = codes[members]
        neighbours = (
            NearestNeighbors(n_neighbors=k + 1).fit(own).kneighbors(own, return_distance=False)
        )
        neighbours = neighbours[:, 1:]  # drop the row itself (as SMOTE does)

        def perturb(n, rng):
            local = rng.randint(len(members), size=n)
            partner = neighbours[local, rng.randint(k, size=n)]
            z_i, z_j = own[local], own[partner]
            if strategy == "interpolate":
                z = z_i + rng.uniform(size=(n, 1)) * (z_j - z_i)
            else:
                z = z_i + rng.uniform(0, _EXTRAPOLATION_MAX, size=(n, 1)) * (z_i - z_j)
            return z, members[local]

        return perturb

    def _posterior_std(self, X, y_arr):
        """Standard deviations of each training row's posterior (VAETransformer)."""
        est = _unwrap(self.estimator_)
        return est.posterior(X, y_arr if self._conditional else None)[1]


def _filtered(perturb, n, rng, checker, y_arr, cls):
    """Draw candidates until ``n`` pass the neighbourhood filter (or rounds run out)."""
    nn, k = checker
    kept_z, kept_src, have, rejected = [], [], 0, 0
    for _ in range(_FILTER_ROUNDS):
        z, src = perturb(2 * (n - have), rng)
        neighbours = nn.kneighbors(z, return_distance=False)
        same = (y_arr[neighbours] == cls).sum(axis=1)
        ok = 2 * same >= k
        rejected += int((~ok).sum())
        take = np.flatnonzero(ok)[: n - have]
        kept_z.append(z[take])
        kept_src.append(src[take])
        have += len(take)
        if have == n:
            break
    else:
        warnings.warn(
            f"The filter (filter_neighbors={k}) rejected most candidate rows of class "
            f"{cls!r}: only {have} of the {n} rows asked for passed in {_FILTER_ROUNDS} "
            "rounds (the class overlaps others in the latent space). Lower "
            "filter_neighbors or set it to None.",
            UserWarning,
            stacklevel=4,
        )
    return np.concatenate(kept_z), np.concatenate(kept_src), rejected


def _identifier_columns(estimator) -> set:
    """Positions of the columns the estimator's encoder regenerates (identifiers)."""
    roles = getattr(getattr(_unwrap(estimator), "encoder_", None), "column_roles_", None) or {}
    return {j for j, role in enumerate(roles.values()) if role == "identifier"}


def _unwrap(estimator):
    """The estimator inside a :class:`~sklearn.frozen.FrozenEstimator`, or itself."""
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


def _labels_out(y, y_arr, labels, one_hot):
    """``y`` followed by ``labels``, in ``y``'s container."""
    if isinstance(y, pd.Series):
        return concat_labels(y, labels)
    if isinstance(y, pd.DataFrame) and not one_hot:
        values = concat_labels(y.iloc[:, 0], labels)
        return values.to_frame(name=y.columns[0])
    y_res = np.concatenate([y_arr, labels])
    if one_hot:
        return label_binarize(y_res, classes=np.unique(y_arr))
    if isinstance(y, list):
        return y_res.tolist()
    return y_res


def _check_target(y):
    """Class labels as a 1-D array, and whether ``y`` was one-hot (then decoded), as
    imbalanced-learn does."""
    check_classification_targets(y)
    kind = type_of_target(y, input_name="y")
    if kind == "multilabel-indicator":
        values = np.asarray(y)
        if np.any(values.sum(axis=1) != 1):
            raise ValueError(
                "Multilabel and multioutput targets are not supported: y has rows with "
                "several (or no) labels set. Pass one class per row (binary or "
                "multiclass labels, or one-hot rows)."
            )
        return values.argmax(axis=1), True
    if kind.endswith("multioutput"):
        raise ValueError(
            "Multilabel and multioutput targets are not supported: y has "
            f"{np.shape(y)[1]} columns. Pass one class per row."
        )
    if isinstance(y, pd.DataFrame):
        y = y.iloc[:, 0] if y.shape[1] == 1 else y
    return column_or_1d(y, warn=True), False
