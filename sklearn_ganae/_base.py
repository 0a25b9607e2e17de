"""What every neural estimator of the package shares: the fit pipeline.

:class:`BaseTabularNN` holds the plumbing so that each estimator file reads as its
model: the shared training hyperparameters and their validation, input validation,
the fitted :class:`~sklearn_ganae.TabularEncoder`, device resolution, side-effect-free
seeding, the validation split, construction and training of every skorch net
(early stopping, progress, divergence guard, warm start), batched inference and the
fitted training history.

The fit pipeline
----------------
``_fit_network`` validates the table, fits the encoder (or keeps it, for a warm
start), builds one :class:`FitState` and calls the model's hooks in this order, each
taking the state (a hook communicates with the later ones only through its return
value or the state's documented fields, never through attributes of the estimator):

1. ``_check_params_against_data(state)``: hyperparameters that make no sense for the
   data raise a ``ValueError``; parameters resolved from the data (``"auto"``) are
   set as fitted attributes here. Fresh fits only.
2. the base splits the rows (``state.train_rows``, ``state.valid_rows``) when
   ``early_stopping`` is on, once, for every kind of early stopping, then calls
   ``_check_training_rows(state)``: fail before any training when the rows cannot
   be trained on (too few rows for a batch, batch norm on one row).
3. ``_prepare(state)``: fitted state the model derives from the encoded rows before
   any network exists (the GAN's condition columns). Fresh fits only.
4. ``_pretrain(state)``: train what the model needs before its net (the GAN's
   autoencoder) on the training rows; its return value is ``state.pretrained``.
   Fresh fits only.
5. ``_build_module(state)`` and ``_build_criterion(state)``: the network and its
   loss. Fresh fits only.
6. ``_net_kwargs(state, module, criterion)``: the skorch net's arguments; the base's
   version gives the shared ones and a model updates them. Every net, a
   pretraining net included, is built by :meth:`BaseTabularNN._build_net`.
7. ``_training_data(state, rows)``: what the net is fitted on, for the given rows
   (the training rows; with early stopping the base also calls it for
   ``state.valid_rows`` and hands the result to skorch as its validation set, which
   skorch gives every callback as ``dataset_valid``).
8. training: ``_train_net``, ``net.fit`` (or ``partial_fit`` of a copy, for a warm
   start); data-parallel inside a torch.distributed process group.
9. ``_after_fit(state)``: fitted attributes that need the trained net.

Data-parallel fits: inside a torch.distributed process group of several processes
(:func:`~sklearn_ganae._distributed.distributed_context`), every process calls
``fit`` with the whole table; the seed is rank 0's, the encoded rows are checked to
agree, the split and batch size are computed before torch is seeded with
``seed + rank`` for the training, and every net of the fit (a pretraining net too)
trains in ``net.data_parallel()`` on its shard of the rows, then is left a
one-process net. Only rank 0 reports progress.

Atomic fits: :func:`atomic_fit` wraps every public fitting method of the package, so
that a fit that fails (divergence, bad data found late, a user's Ctrl-C) leaves the
estimator's fitted state as it was before the call, or the estimator unfitted; a
warm-started fit trains a copy of the fitted net and keeps it only on success.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import numbers
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
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
from skorch.helper import predefined_split

from sklearn_ganae._checkpoints import (
    Checkpointer,
    check_folder,
    check_same_table,
    read_checkpoint,
    remove_checkpoint,
    write_checkpoint,
)
from sklearn_ganae._distributed import (
    broadcast_object,
    check_same_everywhere,
    digest,
    distributed_context,
)
from sklearn_ganae._layout import TabularLayout, child_seed
from sklearn_ganae._saving import PersistenceMixin
from sklearn_ganae._streaming import StreamedRows, scan_table
from sklearn_ganae._threads import CALLER, adapt, torch_threads
from sklearn_ganae._training import (
    PRECISIONS,
    EarlyStopping,
    EpochProgress,
    EpochTable,
    NonFiniteLossGuard,
    TableDataset,
    TabularNet,
    TensorBatchIterator,
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
def seeded(seed: int, device: str, rank: int = 0):
    """Run a block with torch seeded, leaving the caller's global RNGs untouched.

    Every CUDA device's generator is forked and restored when the block runs on a
    CUDA device (not only the current one). ``rank`` offsets the seed, so that the
    processes of a data-parallel run draw different noise and dropout masks; what
    must agree across processes (the order of the rows) is drawn by the batch
    iterators from their own seed.
    """
    on_cuda = str(device).startswith("cuda")
    devices = list(range(torch.cuda.device_count())) if on_cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed) + int(rank))  # seeds every device's generator too
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
    """Decorate a fitting method so that it runs in a :func:`fit_transaction`, with
    torch's threads set by the estimator's ``n_jobs``
    (:func:`~sklearn_ganae._threads.torch_threads`)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if hasattr(self, "_validate_params"):
            self._validate_params()  # n_jobs is read below, before any _fit_context
        n_jobs = self._fit_n_jobs() if hasattr(self, "_fit_n_jobs") else None
        with fit_transaction(self), torch_threads(n_jobs):
            return method(self, *args, **kwargs)

    return wrapper


def check_layer_sizes(value, name: str) -> tuple:
    """A layer-sizes parameter as a non-empty tuple of positive ints, or a clear error."""
    sizes = tuple(int(v) for v in np.atleast_1d(np.asarray(value)))
    if not sizes or any(v < 1 for v in sizes):
        raise ValueError(f"{name} must hold at least one positive integer, got {value!r}.")
    return sizes


def validation_rows(n_samples: int, fraction: float) -> int:
    """Rows held out for early stopping out of ``n_samples``; raises when a part is empty."""
    n_valid = int(round(fraction * n_samples))
    if n_valid < 1 or n_samples - n_valid < 1:
        raise ValueError(
            f"early_stopping with validation_fraction={fraction} leaves an empty "
            f"training or validation set for n_samples={n_samples}; use more rows, "
            "another validation_fraction or early_stopping=False."
        )
    return n_valid


#: rows per forward pass at inference: a few MB of activations per layer, reused from
#: the allocator's cache, run faster on the CPU than larger batches
INFERENCE_ROWS = 2048


def torch_generator(rng, device) -> torch.Generator:
    """A torch generator on ``device`` seeded by one draw of ``rng`` (a NumPy
    ``RandomState``, :func:`~sklearn_ganae._layout.child_seed`): noise drawn where the
    network runs, reproducibly from the call's random state."""
    generator = torch.Generator(device=device)
    generator.manual_seed(child_seed(rng))
    return generator


@dataclass
class FitState:
    """Everything one fit works on; the argument of every fit hook.

    Attributes
    ----------
    X : DataFrame or ndarray
        The validated table.
    Z : ndarray of float32, shape (n_samples, n_features)
        The encoded rows (all of them; select with ``train_rows`` / ``valid_rows``).
    layout : TabularLayout
        The fitted encoder's layout.
    y : ndarray or None
        The labels of a class-conditional fit (values of ``classes_``), else None.
    codes : ndarray of int or None
        Their positions in ``classes_``.
    train_rows : ndarray of int
        The rows trained on, sorted (all rows without early stopping).
    valid_rows : ndarray of int or None
        The rows held out for early stopping, sorted, or None.
    device : str
    seed : int
        The seed of this fit (a warm start's is offset by the epochs already trained).
    warm : bool
        Whether this fit continues a fitted net.
    batch_size : int or None
        Rows per training step, set by the base after ``_check_training_rows``.
    pretrained : object
        What ``_pretrain`` returned (None by default).
    rank, world_size : int
        This process's place in a data-parallel run (0 and 1 in one process): the
        torch.distributed process group's when one of several processes is
        initialised (:func:`~sklearn_ganae._distributed.distributed_context`).
    stream : StreamedRows or None
        A streamed fit's training rows (:mod:`sklearn_ganae._streaming`), read from
        disk each epoch; ``X`` and ``Z`` then hold the bounded sample of the
        streaming pass (``train_rows``) followed by the held-out rows
        (``valid_rows``), for the hooks that need rows in memory (a PCA
        initialisation, a GAN's checks).
    checkpoint : dict or None
        The record of the checkpoint this fit resumes from (``checkpoint_dir``), or
        None.
    """

    X: object
    Z: np.ndarray
    layout: TabularLayout
    y: np.ndarray | None = None
    codes: np.ndarray | None = None
    train_rows: np.ndarray | None = None
    valid_rows: np.ndarray | None = None
    device: str = "cpu"
    seed: int = 0
    warm: bool = False
    batch_size: int | None = None
    pretrained: object = None
    rank: int = 0
    world_size: int = 1
    stream: object = None
    checkpoint: dict | None = None

    def __post_init__(self):
        if self.train_rows is None:
            self.train_rows = np.arange(len(self.Z))

    @property
    def n_train(self) -> int:
        """Training rows: of ``Z``, or of the whole stream in a streamed fit."""
        return len(self.train_rows) if self.stream is None else len(self.stream)

    @property
    def n_rows(self) -> int:
        """Rows of the table (training and held-out)."""
        return len(self.Z) if self.stream is None else int(self.stream.scan.n_rows)

    @property
    def n_shard(self) -> int:
        """Training rows each process iterates over per epoch (``n_train`` in one
        process; ``ceil(n_train / world_size)`` in a data-parallel run)."""
        return -(-self.n_train // self.world_size)


class BaseTabularNN(PersistenceMixin, BaseEstimator):
    """Base class of the package's neural estimators (not for direct use).

    Parameters shared by every estimator (see each estimator for the docs):
    ``encoder``, ``max_epochs``, ``batch_size``, ``learning_rate``, ``weight_decay``,
    ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ``device``,
    ``precision``, ``random_state``, ``verbose``, ``warm_start``. The hooks a model
    implements and the order in which the fit calls them are in the module's
    docstring.
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
        "precision": [StrOptions(set(PRECISIONS))],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "checkpoint_dir": [str, os.PathLike, None],
        "checkpoint_interval": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Integral, None, -1, closed="right"),
            None,
        ],
    }
    # estimators pickled before the parameter existed follow the load
    n_jobs = None

    @property
    def _thread_invariant(self) -> bool:
        """Whether training gives the same weights whatever torch's thread count:
        measured so without batch normalisation, whose CPU kernel sums in an order
        that depends on it."""
        return not getattr(self, "batch_norm", False)

    _net_class = TabularNet
    # TabularEncoder parameters when ``encoder=None``
    _default_encoder_params: dict = {}
    # labels and history keys of the latest figures on the progress bar
    _progress_keys: dict = {"train_loss": "train_loss", "valid_loss": "valid_loss"}

    def _fit_n_jobs(self):
        """``n_jobs`` for ``fit``: a seeded fit of a model whose training depends on
        the thread count keeps the caller's count, so that it stays reproducible
        (``n_jobs=None`` would follow the load)."""
        if (
            self.n_jobs is None
            and not self._thread_invariant
            and isinstance(self.random_state, numbers.Integral)
        ):
            return CALLER
        return self.n_jobs

    def _encoder_or_default(self, clone_it: bool):
        if self.encoder is None:
            return TabularEncoder(**self._default_encoder_params)
        return clone(self.encoder) if clone_it else self.encoder

    # --- hooks (see the module docstring for their order) ------------------------------
    def _check_params_against_data(self, state: FitState) -> None:
        """Raise a ValueError for hyperparameters that make no sense for the data."""

    def _check_training_rows(self, state: FitState) -> None:
        """Fail before any training when the training rows cannot be trained on."""
        if getattr(self, "batch_norm", False) and state.n_train < 2:
            raise ValueError(
                f"batch_norm=True cannot be fitted on n_samples={state.n_train} training "
                "row(s): batch normalisation needs at least 2 rows per batch. Pass more "
                "rows or set batch_norm=False."
            )

    def _prepare(self, state: FitState) -> None:
        """Fitted state a model derives from the encoded rows before its net is built."""

    def _pretrain(self, state: FitState):
        """Train what the net needs first; the result becomes ``state.pretrained``."""
        return None

    def _build_module(self, state: FitState) -> torch.nn.Module:
        """The network to train."""
        raise NotImplementedError

    def _build_criterion(self, state: FitState) -> torch.nn.Module:
        return ReconstructionLoss(state.layout)

    def _training_data(self, state: FitState, rows: np.ndarray):
        """What the net is fitted on, for the encoded rows ``rows`` of the fit."""
        return TableDataset(state.Z[rows], device=state.device)

    def _streamed_training_data(self, state: FitState):
        """What the net is fitted on in a streamed fit (``state.stream`` here)."""
        return state.stream

    def _fit_data(self, state: FitState):
        """The training data of the fit: ``_training_data`` of the training rows, or
        ``_streamed_training_data`` in a streamed fit."""
        if state.stream is not None:
            return self._streamed_training_data(state)
        return self._training_data(state, state.train_rows)

    def _extra_callbacks(self) -> list:
        """Named skorch callbacks a model adds to the shared ones."""
        return []

    def _early_stopping_callbacks(self, state: FitState) -> list:
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

    def _after_fit(self, state: FitState) -> None:
        """Fitted attributes that need the trained net."""

    # --- the pipeline ------------------------------------------------------------------
    def _fit(self, X, y=None):
        """Fit the model on ``X`` (and the labels ``y`` a class-conditional model takes)."""
        self._fit_network(X, y)
        return self

    def _fit_network(self, X, y=None, codes=None) -> FitState:
        """Validate ``X``, fit the encoder, then run the hooks and train the net.

        Returns the fit's :class:`FitState`. With ``warm_start`` and a fitted model,
        keeps the encoder and trains a copy of the network ``max_epochs`` more epochs
        (the fitted net is left as it was if that training fails). Call it inside
        :func:`fit_transaction` (public methods are :func:`atomic_fit`).
        """
        from sklearn_ganae._sources import TableSource, is_table_source, open_table, refuse_labels

        warm = self.warm_start and hasattr(self, "net_")
        streamed = is_table_source(X) or isinstance(X, TableSource)
        refuse_labels(X, y, f"{type(self).__name__}.fit")
        checkpoint = self._resume_checkpoint()
        warm = warm or checkpoint is not None
        if streamed:
            if isinstance(X, TableSource):  # opened by the caller, who closes it
                return self._fit_network_on_source(X, warm, checkpoint)
            with open_table(X) as source:
                return self._fit_network_on_source(source, warm, checkpoint)
        X = check_table(self, X, reset=not warm)
        device = resolve_device(self.device)
        rank, world_size = distributed_context()
        seed = self._fit_seed(warm, world_size)
        if warm:
            encoder = self.encoder_
            Z = encoder.encode_rows(X)
        else:
            encoder = self._encoder_or_default(clone_it=True)
            if "random_state" in encoder.get_params() and encoder.random_state is None:
                encoder.set_params(random_state=seed)
            Z = encoder.fit_transform(X)
        if world_size > 1:
            # every process fits the encoder on the whole table with the same seed:
            # check that they agree (and were given the same rows) before training
            check_same_everywhere("encoded table", Z, codes)
        state = FitState(
            X=X,
            Z=Z,
            layout=encoder.layout_,
            y=y,
            codes=codes,
            device=device,
            seed=seed,
            warm=warm,
            rank=rank,
            world_size=world_size,
            checkpoint=checkpoint,
        )
        return self._run_pipeline(state, encoder)

    def _resume_checkpoint(self) -> dict | None:
        """With ``checkpoint_dir``, adopt the checkpoint of this fit found there (the
        fitted state it holds; the fit then continues as a warm start) and return
        its record; None without one. Rank 0 reads it and gives it to every process
        of a data-parallel run."""
        folder = getattr(self, "checkpoint_dir", None)
        if folder is None:
            return None
        check_folder(folder)
        rank, world_size = distributed_context()
        snapshot, error = None, None
        if rank == 0:
            try:
                snapshot = read_checkpoint(self, folder)
            except ValueError as exc:
                error = exc
        if world_size > 1:
            snapshot, message = broadcast_object((snapshot, None if error is None else str(error)))
            if message is not None and error is None:
                raise ValueError(message)
        if error is not None:
            raise error
        if snapshot is None:
            return None
        params = set(self.get_params(deep=False))
        fitted = {
            k: v for k, v in vars(snapshot).items() if k not in params and k != "checkpoint_"
        }
        # what refers to the snapshot (a callback's estimator) refers to this one
        vars(self).update(copy.deepcopy(fitted, {id(snapshot): self}))
        return dict(snapshot.checkpoint_)

    def _table_id(self, state: FitState) -> str:
        """What identifies the table of a fit, for its checkpoints: the encoded rows'
        digest; a streamed table's rows, columns, row groups and schema."""
        if state.stream is not None:
            src = state.stream.source
            shape = (src.n_rows, list(src.columns), [f.n_rows for f in src.fragments])
            return hashlib.sha256(repr((shape, str(src.schema))).encode()).hexdigest()
        return digest(state.Z, state.codes).hex()

    def _checkpoint_attributes(self, state: FitState) -> dict:
        """Fitted attributes a checkpoint needs that the fit sets only after training
        (a model adds its own)."""
        return {}

    def _checkpointer(self, state: FitState, info: dict):
        """The callback that writes this fit's checkpoints (rank 0 only)."""
        folder = self.checkpoint_dir

        def write(net):
            if state.rank == 0:
                write_checkpoint(self, net, self._checkpoint_attributes(state), info, folder)

        return Checkpointer(write, self.checkpoint_interval)

    def _fit_seed(self, warm: bool, world_size: int) -> int:
        """The seed of this fit: drawn from ``random_state`` (rank 0's in a
        data-parallel run), offset by the epochs trained for a warm start."""
        if warm:
            seed = self._seed_ + len(self.net_.history)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if world_size > 1:
            seed = broadcast_object(seed)  # rank 0's: random_state=None differs per process
        return seed

    def _fit_network_on_source(self, source, warm: bool, checkpoint=None) -> FitState:
        """The fit pipeline on a streamed table (:mod:`sklearn_ganae._streaming`).

        One streaming pass (sharded across the processes of a data-parallel run and
        merged) fits the encoder, draws the bounded sample and holds out the
        validation rows (at most ``VALID_ROWS``); training then reads the other rows
        from ``source`` each epoch.
        """
        device = resolve_device(self.device)
        rank, world_size = distributed_context()
        seed = self._fit_seed(warm, world_size)
        encoder = self.encoder_ if warm else self._encoder_or_default(clone_it=True)
        if not isinstance(encoder, TabularEncoder):
            raise TypeError(
                f"A streamed fit (X a path or DataFrame chunks) needs a TabularEncoder as "
                f"encoder; got {type(encoder).__name__}. Pass encoder=None or a "
                "TabularEncoder, or fit an in-memory table."
            )
        if not warm and encoder.random_state is None:
            encoder.set_params(random_state=seed)
        scan = scan_table(
            source,
            encoder._counted_columns(source.read_fragment(0)),
            seed=seed,
            valid_fraction=self.validation_fraction if self.early_stopping else 0.0,
            rank=rank,
            world_size=world_size,
        )
        sample, sample_rows = scan.sample()
        if not warm:
            encoder._fit_scan(scan, source)
        check_table(self, sample, reset=not warm)
        in_train = ~scan.is_held_out(sample_rows)
        parts = [sample[in_train].reset_index(drop=True)]
        held, _ = scan.held_out()
        if self.early_stopping and (held is None or scan.n_valid == scan.n_rows):
            validation_rows(0, self.validation_fraction)  # the usual error: an empty part
        if self.early_stopping:
            parts.append(held)
        X = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        Z = encoder.encode_rows(X)
        if world_size > 1:
            check_same_everywhere("encoded sample of the table", Z)
        n_sample = int(in_train.sum())
        state = FitState(
            X=X,
            Z=Z,
            layout=encoder.layout_,
            train_rows=np.arange(n_sample),
            valid_rows=np.arange(n_sample, len(Z)) if self.early_stopping else None,
            device=device,
            seed=seed,
            warm=warm,
            rank=rank,
            world_size=world_size,
            stream=StreamedRows(source, encoder, scan, seed, device=device),
            checkpoint=checkpoint,
        )
        return self._run_pipeline(state, encoder)

    def _run_pipeline(self, state: FitState, encoder) -> FitState:
        """The hooks and the training of a fit, on its :class:`FitState` (``encoder``:
        the fit's encoder, fitted)."""
        warm, seed, device = state.warm, state.seed, state.device
        rank, world_size = state.rank, state.world_size
        if not warm:
            self._check_params_against_data(state)
        epochs, info = self.max_epochs, None
        if getattr(self, "checkpoint_dir", None) is not None:
            info = {"table": self._table_id(state), "start_epochs": 0}
            if state.checkpoint is not None:
                check_same_table(state.checkpoint, info, self.checkpoint_dir)
                info["start_epochs"] = state.checkpoint["start_epochs"]
                epochs = info["start_epochs"] + self.max_epochs - len(self.net_.history)
            elif warm:
                info["start_epochs"] = len(self.net_.history)
        with seeded(seed, device):
            # the same on every process: drawn before the per-process seed offset
            if state.stream is None:
                self._split(state)
            self._check_training_rows(state)
            state.batch_size = self._batch_size(state.n_shard)
            if not warm:
                self.encoder_ = encoder
                self._seed_ = seed
            self.device_ = device
            # noise, dropout and sampled rows differ between processes (seed + rank);
            # one process goes on with the stream it has, as it always did
            with seeded(seed, device, rank) if world_size > 1 else contextlib.nullcontext():
                if warm:
                    # train a copy: a failed continuation leaves the fitted net as it
                    # was (the memo keeps callbacks' references to this estimator)
                    net = copy.deepcopy(self.net_, {id(self): self})
                    # "max_epochs more epochs", as documented (a resumed fit: those
                    # of the interrupted fit still to do)
                    net.max_epochs = epochs
                    net.verbose = self._verbosity(state)  # progress as asked now
                    net.train_split = self._train_split(state)
                    if epochs > 0:
                        self._train_net(net, self._fit_data(state), state, info)
                else:
                    self._prepare(state)
                    state.pretrained = self._pretrain(state)
                    module = self._build_module(state)
                    criterion = self._build_criterion(state)
                    net = self._build_net(**self._net_kwargs(state, module, criterion))
                    self._train_net(net, self._fit_data(state), state, info)
        net.train_split = None  # the held-out rows are not part of the model
        if info is not None and rank == 0:
            remove_checkpoint(self.checkpoint_dir)  # the fit is complete
        self.net_ = net
        self.history_ = net.history
        self.loss_curve_ = [float(v) for v in net.history[:, "train_loss"]]
        self.n_iter_ = len(net.history)
        if self.early_stopping and "valid_loss" in net.history[-1]:
            self.validation_loss_curve_ = [float(v) for v in net.history[:, "valid_loss"]]
        self._after_fit(state)
        return state

    def _verbosity(self, state: FitState) -> int:
        """The nets' ``verbose``: the estimator's on rank 0, silent on the others."""
        return int(self.verbose) if state.rank == 0 else 0

    def _train_net(self, net, data, state: FitState, checkpoint: dict | None = None):
        """Train ``net`` on ``data``: ``fit``, or ``partial_fit`` when ``net`` is
        already trained (a warm start); data-parallel when ``state.world_size > 1``.

        Every training run of a fit goes through here (a pretraining net too). In a
        data-parallel run the net trains inside ``net.data_parallel()`` on this
        process's shard (``state.rank`` of ``state.world_size``, the permutation of
        each epoch drawn from ``state.seed``), and is left as a one-process net:
        plain modules, unsharded iterators. With ``checkpoint`` (the record of the
        fit's checkpoints), the net writes a checkpoint every
        ``checkpoint_interval`` epochs of this run (the writer is removed after it).
        """
        resume = getattr(net, "initialized_", False) and len(net.history) > 0
        # a warm start trains in the precision asked now (a new net has it already)
        net.precision = self.precision
        sharding = dict(rank=state.rank, world_size=state.world_size, seed=state.seed)
        writer = None
        try:
            if state.world_size > 1:
                for key, value in sharding.items():
                    setattr(net, f"iterator_train__{key}", value)
            if not resume:
                net.initialize()
            if checkpoint is not None:
                writer = self._checkpointer(state, checkpoint)
                net.callbacks_.append(("checkpoint", writer))
            if state.world_size == 1:
                net.partial_fit(data)
            else:
                with net.data_parallel():
                    net.partial_fit(data)
        finally:
            if writer is not None:
                net.callbacks_ = [(n, c) for n, c in net.callbacks_ if c is not writer]
            if state.world_size > 1:
                for key, value in dict(rank=0, world_size=1, seed=None).items():
                    setattr(net, f"iterator_train__{key}", value)
        return net

    def _split(self, state: FitState) -> None:
        """Hold out ``validation_fraction`` of the rows when early stopping is on (one
        random split, drawn from the fit's seeded torch generator)."""
        if not self.early_stopping:
            return
        n = len(state.Z)
        n_valid = validation_rows(n, self.validation_fraction)
        order = torch.randperm(n).numpy()
        state.train_rows = np.sort(order[n_valid:])
        state.valid_rows = np.sort(order[:n_valid])

    def _train_split(self, state: FitState):
        """skorch's ``train_split``: the held-out rows (in the form of
        ``_training_data``) as a predefined validation set, else ``None``.

        skorch hands them to every callback's ``on_epoch_end`` as ``dataset_valid``
        and runs its validation epochs on them (a net without a validation loss, the
        GAN's, skips those and judges them in its early-stopping callback)."""
        if state.valid_rows is None:
            return None
        return predefined_split(self._training_data(state, state.valid_rows))

    def _build_net(
        self,
        module,
        criterion,
        *,
        state: FitState,
        max_epochs: int,
        batch_size: int,
        learning_rate: float,
        phase: str = "training",
        callbacks: list | None = None,
        train_split=None,
        net_class=None,
        **kwargs,
    ):
        """The one constructor of every net of a fit (the model's and its pretraining's).

        The optimizer (AdamW, fused), the batch iterators (tensor slicing, sharded by
        ``state.rank`` / ``state.world_size``), the divergence guard, progress,
        skorch's per-epoch table and the estimator's ``precision`` (the net's bf16
        autocast) are chosen here, once; ``kwargs`` are further net
        arguments (a model's own, or replacements of these).
        """
        callbacks = [("non_finite_guard", NonFiniteLossGuard()), *(callbacks or [])]
        # last: it reads what the others recorded for the epoch; silent (and nearly
        # free, once per epoch) with verbose=0, and a warm start sets net.verbose
        keys = self._progress_keys if phase == "training" else None
        callbacks.append(("progress", EpochProgress(phase, keys)))
        arguments = dict(
            module=module,
            criterion=criterion,
            optimizer=torch.optim.AdamW,
            lr=learning_rate,
            # one fused kernel for all parameters: about 10% of a small model's epoch
            optimizer__fused=True,
            max_epochs=max_epochs,
            batch_size=batch_size,
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            # no one-row training batch (batch norm cannot train on it)
            iterator_train__merge_singleton=True,
            iterator_train__rank=state.rank,
            iterator_train__world_size=state.world_size,
            # the permutations every process draws alike (one process: the global
            # generator, seeded for the fit)
            iterator_train__seed=state.seed if state.world_size > 1 else None,
            iterator_valid=TensorBatchIterator,
            train_split=train_split,
            callbacks=callbacks,
            # skorch's per-epoch table, with verbose >= 2
            callbacks__print_log=EpochTable(sink=print_to_stderr),
            device=state.device,
            # bf16 autocast of the training forward passes, or float32
            precision=self.precision,
            verbose=self._verbosity(state),  # progress from rank 0 only
        )
        arguments.update(kwargs)
        return (net_class or TabularNet)(**arguments)

    def _net_kwargs(self, state: FitState, module, criterion) -> dict:
        """The arguments of :meth:`_build_net` for the model's net (a model updates
        entries: its own net arguments, or replacements of the shared ones)."""
        callbacks = self._extra_callbacks()
        if self.early_stopping:
            callbacks += self._early_stopping_callbacks(state)
        return dict(
            module=module,
            criterion=criterion,
            state=state,
            max_epochs=self.max_epochs,
            batch_size=state.batch_size,
            learning_rate=self.learning_rate,
            optimizer__weight_decay=self.weight_decay,
            callbacks=callbacks,
            train_split=self._train_split(state),
            net_class=self._net_class,
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
        return check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")

    # --- inference -------------------------------------------------------------------
    def _module(self) -> torch.nn.Module:
        """The trained network itself (behind any wrapper a training backend adds)."""
        return self.net_.get_module()

    def _encode_table(self, X):
        """Validate ``X`` against the fit and encode it with the fitted encoder."""
        check_is_fitted(self)
        return self.encoder_.encode_rows(check_table(self, X, reset=False))

    @property
    def _n_features_out(self):
        """Width of ``transform``'s output (for ``get_feature_names_out``): the fitted
        ``n_components_`` where a model resolves it (``"auto"``), else ``n_components``."""
        return getattr(self, "n_components_", self.n_components)

    @torch.no_grad()
    def _apply_batches(self, fn, Z, batch_size=INFERENCE_ROWS, net=None):
        """``fn`` over row batches of ``Z`` in eval mode; a float32 NumPy array back
        (torch's threads set by ``n_jobs``, read again every batch). ``net``: the
        net whose module and device are used (default: the fitted ``net_``)."""
        net = self.net_ if net is None else net
        net.get_module().eval()
        device = net.device
        out = []
        with torch_threads(self.n_jobs):
            for start in range(0, len(Z), batch_size):
                adapt()
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

    def _check_params_against_data(self, state):
        n_features = state.layout.n_features
        if self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components} must be at most the width of the "
                f"encoded input (n_features={n_features}); an autoencoder's "
                "code should be smaller than its input. Lower n_components."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def silent(*args, **kwargs):
    """A progress sink that prints nothing."""
    return None
