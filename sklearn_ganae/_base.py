"""What every neural estimator of the package shares.

:class:`BaseTabularNN` holds the plumbing so that each estimator file reads as its
model: the shared training hyperparameters and their validation, input validation,
the fitted :class:`~sklearn_ganae.TabularEncoder`, device resolution, side-effect-free
seeding, construction and training of the skorch net (early stopping, progress,
divergence guard, warm start), batched inference and the fitted training history.

Atomic fits: :func:`atomic_fit` wraps every public fitting method of the package, so
that a fit that fails (divergence, bad data found late, a user's Ctrl-C) leaves the
estimator's fitted state as it was before the call, or the estimator unfitted; a
warm-started fit trains a copy of the fitted net and keeps it only on success.
:class:`SamplingStreamMixin` gives the generators one reproducible random stream
of ``sample`` calls per fitted model.

A subclass implements :meth:`_build_module` (and, if its objective is not the
reconstruction of the encoded rows, :meth:`_build_criterion` / :attr:`_net_class`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import numbers

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from sklearn_ganae._saving import PersistenceMixin
from sklearn_ganae._training import (
    EarlyStopping,
    EpochProgress,
    EpochTable,
    NonFiniteLossGuard,
    TabularNet,
    TensorBatchIterator,
    ValidationSplit,
    print_to_stderr,
)
from sklearn_ganae.nn import ReconstructionLoss
from sklearn_ganae.tabular import TabularEncoder, check_table


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; check the others."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but no CUDA device is available; use "
            "device='cpu' or device='auto'."
        )
    return device


@contextlib.contextmanager
def seeded(seed: int, device: str):
    """Run a block with torch seeded, leaving the caller's global RNG untouched."""
    devices = [torch.cuda.current_device()] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def fit_transaction(estimator):
    """Restore ``estimator``'s fitted state if the block raises (anything, Ctrl-C too).

    The fitted state is every attribute that is not a constructor parameter (fitted
    attributes with a trailing underscore, ``n_features_in_``, ``feature_names_in_``
    and private ones): attributes the block added are deleted, changed ones get their
    old values back. Objects held by those attributes must not be changed in place by
    the block (a warm start trains a copy of the net for that reason).
    """
    params = set(estimator.get_params(deep=False))
    before = {k: v for k, v in vars(estimator).items() if k not in params}
    try:
        yield
    except BaseException:
        for key in [k for k in vars(estimator) if k not in params and k not in before]:
            delattr(estimator, key)
        vars(estimator).update(before)
        raise


def atomic_fit(method):
    """Decorate a fitting method so that it runs in a :func:`fit_transaction`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with fit_transaction(self):
            return method(self, *args, **kwargs)

    return wrapper


def check_n_samples(n_samples) -> int:
    """``n_samples`` of a ``sample`` call: an integer >= 1 (not a bool), or a clear error."""
    is_bool = isinstance(n_samples, (bool, np.bool_))
    if is_bool or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        hint = " (a bool is not a number of rows)" if is_bool else ""
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}{hint}.")
    return int(n_samples)


class SamplingStreamMixin:
    """One reproducible random stream of ``sample`` calls per fitted model.

    A call without ``random_state`` draws from the model's stream and advances it, so
    successive calls give new rows; the stream starts at the model's seed at each fit
    (two models fitted with the same ``random_state`` give the same sequence of
    calls), and :meth:`reset_sampling` rewinds it. A call with ``random_state`` draws
    from that seed alone and leaves the stream where it was. The ``k``-th call of the
    stream draws from ``SeedSequence([seed, k])``; the position is advanced only when
    the call succeeds.
    """

    @contextlib.contextmanager
    def _sampling_rng(self, random_state):
        """The generator of one call; advances the stream when the block succeeds."""
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


class BaseTabularNN(PersistenceMixin, BaseEstimator):
    """Base class of the package's neural estimators (not for direct use).

    Parameters shared by every estimator (see each estimator for the docs):
    ``encoder``, ``max_epochs``, ``batch_size``, ``learning_rate``, ``weight_decay``,
    ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ``device``,
    ``random_state``, ``verbose``, ``warm_start``.
    """

    _parameter_constraints: dict = {
        "encoder": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "auto"}), str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    _net_class = TabularNet
    # TabularEncoder parameters when ``encoder=None``
    _default_encoder_params: dict = {}

    def _encoder_or_default(self, clone_it: bool):
        if self.encoder is None:
            return TabularEncoder(**self._default_encoder_params)
        return clone(self.encoder) if clone_it else self.encoder

    # --- to implement ------------------------------------------------------------
    def _build_module(self, layout, Z) -> torch.nn.Module:
        """The network to train, for a table of ``layout``; ``Z`` is the encoded
        training data (for data-dependent initialisation)."""
        raise NotImplementedError

    def _build_criterion(self, layout) -> torch.nn.Module:
        return ReconstructionLoss(layout)

    def _check_params_against_data(self, layout) -> None:
        """Raise a ValueError for hyperparameters that make no sense for the data."""

    def _prepare(self, Z, y) -> None:
        """Fitted state a model derives from the encoded rows before its net is built
        (``encoder_``, ``device_`` and ``_seed_`` are set)."""

    def _training_data(self, Z, y):
        """What the net is fitted on, from the encoded rows and the fit's ``y``."""
        return Z

    def _extra_callbacks(self) -> list:
        """Named skorch callbacks a model adds to the shared ones."""
        return []

    # --- fitting -------------------------------------------------------------------
    def _fit_network(self, X, y=None):
        """Validate ``X``, fit the encoder, then build and train the net.

        Returns the encoded training rows. With ``warm_start`` and a fitted model,
        keeps the encoder and trains a copy of the network ``max_epochs`` more epochs
        (the fitted net is left as it was if that training fails). Call it inside
        :func:`fit_transaction` (public methods are :func:`atomic_fit`).
        """
        warm = self.warm_start and hasattr(self, "net_")
        X = check_table(self, X, reset=not warm)
        device = resolve_device(self.device)
        if warm:
            Z = self.encoder_._encode(X)
            seed = self._seed_ + len(self.net_.history)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            encoder = self._encoder_or_default(clone_it=True)
            if "random_state" in encoder.get_params() and encoder.random_state is None:
                encoder.set_params(random_state=seed)
            Z = encoder.fit_transform(X)
            self._check_params_against_data(encoder.layout_)
            self._check_training_rows(len(Z))
            self.encoder_ = encoder
            self._seed_ = seed
        self.device_ = device
        with seeded(seed, device):
            if warm:
                # train a copy: a failed continuation leaves the fitted net as it was
                # (the memo keeps callbacks' references to this estimator as they are)
                net = copy.deepcopy(self.net_, {id(self): self})
                net.max_epochs = self.max_epochs  # "max_epochs more epochs", as documented
                net.verbose = int(self.verbose)  # progress as asked now
                net.partial_fit(self._training_data(Z, y))
            else:
                self._prepare(Z, y)
                net = self._make_net(encoder.layout_, device, Z)
                net.fit(self._training_data(Z, y))
        self.net_ = net
        self.history_ = net.history
        self.loss_curve_ = [float(v) for v in net.history[:, "train_loss"]]
        self.n_iter_ = len(net.history)
        if self.early_stopping and "valid_loss" in net.history[-1]:
            self.validation_loss_curve_ = [float(v) for v in net.history[:, "valid_loss"]]
        return Z

    def _check_training_rows(self, n_samples: int) -> None:
        """Fail before building anything when the rows cannot be trained on: an
        empty part of the early-stopping split, or batch norm with a single row."""
        n_train = n_samples
        if self.early_stopping:
            n_train -= ValidationSplit(self.validation_fraction)._check(n_samples)
        if getattr(self, "batch_norm", False) and n_train < 2:
            raise ValueError(
                f"batch_norm=True cannot be fitted on n_samples={n_train} training "
                "row(s): batch normalisation needs at least 2 rows per batch. Pass more "
                "rows or set batch_norm=False."
            )

    def _make_net(self, layout, device, Z):
        return self._net_class(**self._net_kwargs(layout, device, Z))

    def _early_stopping_callbacks(self) -> list:
        """Named callbacks that stop training early (on the validation loss here)."""
        return [
            (
                "early_stopping",
                EarlyStopping(
                    monitor="valid_loss",
                    patience=self.n_iter_no_change,
                    load_best=True,
                    sink=print_to_stderr,  # heard when net.verbose >= 1
                ),
            )
        ]

    # labels and history keys of the latest figures on the progress bar
    _progress_keys: dict = {"train_loss": "train_loss", "valid_loss": "valid_loss"}

    def _net_kwargs(self, layout, device, Z) -> dict:
        """Everything the skorch net is built from (a model adds or replaces entries)."""
        callbacks = [("non_finite_guard", NonFiniteLossGuard()), *self._extra_callbacks()]
        if self.early_stopping:
            callbacks += self._early_stopping_callbacks()
        # last: it reads what the others recorded for the epoch; silent (and nearly
        # free, once per epoch) with verbose=0, and a warm start sets net.verbose
        callbacks.append(("progress", EpochProgress("training", self._progress_keys)))
        return dict(
            module=self._build_module(layout, Z),
            criterion=self._build_criterion(layout),
            optimizer=torch.optim.AdamW,
            lr=self.learning_rate,
            optimizer__weight_decay=self.weight_decay,
            # one fused kernel for all parameters: about 10% of a small model's epoch
            optimizer__fused=True,
            max_epochs=self.max_epochs,
            batch_size=self._batch_size(len(Z)),
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            # no one-row training batch (batch norm cannot train on it)
            iterator_train__merge_singleton=True,
            iterator_valid=TensorBatchIterator,
            train_split=ValidationSplit(self.validation_fraction) if self.early_stopping else None,
            callbacks=callbacks,
            # skorch's per-epoch table, with verbose >= 2
            callbacks__print_log=EpochTable(sink=print_to_stderr),
            device=device,
            verbose=int(self.verbose),
        )

    def _batch_size(self, n_samples: int) -> int:
        """``batch_size``, or for ``"auto"`` ``min(512, max(256, n_samples // 8))``.

        Tabular steps cost about the same for 256 rows as for 512 on a CPU (the time
        goes to per-operation overhead, not arithmetic), so large tables get larger
        batches and fewer steps, while small ones keep enough steps per epoch.
        """
        if self.batch_size == "auto":
            return int(min(512, max(256, n_samples // 8)))
        return int(self.batch_size)

    def _hidden_sizes(self) -> tuple:
        """``hidden_layer_sizes`` as a tuple of positive ints (or a clear error)."""
        sizes = tuple(int(v) for v in np.atleast_1d(np.asarray(self.hidden_layer_sizes)))
        if any(v < 1 for v in sizes):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
            )
        return sizes

    # --- inference -------------------------------------------------------------------
    def _encode_table(self, X):
        """Validate ``X`` against the fit and encode it with the fitted encoder."""
        check_is_fitted(self)
        return self.encoder_._encode(check_table(self, X, reset=False))

    @property
    def _n_features_out(self):
        """Width of ``transform``'s output (for ``get_feature_names_out``): the fitted
        ``n_components_`` where a model resolves it (``"auto"``), else ``n_components``."""
        return getattr(self, "n_components_", self.n_components)

    @torch.no_grad()
    def _apply_batches(self, fn, Z, batch_size=4096):
        """``fn`` over row batches of ``Z`` in eval mode; a float32 NumPy array back."""
        module = self.net_.module_
        module.eval()
        device = self.net_.device
        out = []
        for start in range(0, len(Z), batch_size):
            chunk = torch.as_tensor(Z[start : start + batch_size], device=device)
            out.append(fn(chunk).float().cpu().numpy())
        return np.concatenate(out, axis=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        encoder = self._encoder_or_default(clone_it=False)
        tags.input_tags.allow_nan = encoder.get_params().get("handle_missing") != "error"
        return tags


class BaseTabularTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseTabularNN):
    """Base of the neural estimators that transform rows into ``n_components`` codes."""

    def _check_params_against_data(self, layout):
        if self.n_components > layout.n_features:
            raise ValueError(
                f"n_components={self.n_components} must be at most the width of the "
                f"encoded input (n_features={layout.n_features}); an autoencoder's "
                "code should be smaller than its input. Lower n_components."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def silent(*args, **kwargs):
    return None
