"""The training engine: skorch, fed by whole-tensor batch slicing.

Tabular rows are tiny (tens of floats), so the default ``Dataset.__getitem__`` plus
``collate`` path of a ``DataLoader`` spends more time assembling batches than the
network spends on them. Here a dataset is a pair of tensors and a batch is one
fancy-indexing operation on them (:class:`TensorBatchIterator`). The iterator is the
only thing the train steps see, so a streaming or distributed source can replace it
behind the same small interface: an iterable of ``(X_batch, y_batch)`` with a
``__len__``.

Stopping: skorch's ``NeuralNet.partial_fit`` swallows ``KeyboardInterrupt``, which its
``EarlyStopping`` raises to end training. Here a user's Ctrl-C must reach the caller
(the estimators then restore their previous fitted state), so :class:`TabularNet`
lets ``KeyboardInterrupt`` through and the package's callbacks end training by
raising :class:`StopTraining` instead (:class:`EarlyStopping` here).

Progress: with ``verbose >= 1`` each phase (pretraining, training, sampling) reports
on stderr through a :class:`Progress`: a ``tqdm`` bar on a terminal, else a plain
line every 10% of the work or every 10 seconds (no carriage returns, no ANSI codes).
:class:`EpochProgress` drives one per training run, updated once per epoch from the
history (no per-batch work), and :class:`EpochTable` adds skorch's per-epoch table
with ``verbose >= 2``. Both read ``net.verbose``, so a warm start follows the
estimator's current ``verbose``.
"""

from __future__ import annotations

import copy
import inspect
import math
import numbers
import sys

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PrintLog
from skorch.callbacks import EarlyStopping as _SkorchEarlyStopping
from skorch.utils import TeeGenerator

# newer skorch versions thread the public entry point ("fit" or "partial_fit") to fit_loop
_ROUTING_METHOD = "_routing_method" in inspect.signature(NeuralNet.fit_loop).parameters


class StopTraining(Exception):
    """Raised by a callback to end training early; :meth:`TabularNet.partial_fit`
    catches it and finishes training normally (``on_train_end`` runs).

    The package never stops training with ``KeyboardInterrupt``, which is the user's.
    """


class TableDataset(torch.utils.data.Dataset):
    """Encoded rows (and optional targets) held as whole tensors.

    Parameters
    ----------
    X : array-like or Tensor of shape (n_samples, n_features)
        Encoded rows; converted to float32.
    y : array-like or Tensor of shape (n_samples, ...) or None, default=None
        Optional per-row targets or conditions, kept in their dtype.
    device : str or torch.device, default="cpu"
        Where the tensors live; batches are sliced there.
    """

    def __init__(self, X, y=None, device="cpu"):
        self.X = torch.as_tensor(X, dtype=torch.float32, device=device)
        self.y = None if y is None else torch.as_tensor(y, device=device)

    def __len__(self) -> int:
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], (None if self.y is None else self.y[i])

    def subset(self, index: torch.Tensor) -> TableDataset:
        """The rows at ``index``, as a new dataset (no per-row work)."""
        out = TableDataset.__new__(TableDataset)
        out.X = self.X[index]
        out.y = None if self.y is None else self.y[index]
        return out


class TensorBatchIterator:
    """Mini-batches of a :class:`TableDataset` by slicing its tensors.

    Shuffling draws one permutation per epoch from torch's global generator, so a
    seeded ``torch.random.fork_rng`` block around training makes the order
    reproducible.

    Parameters
    ----------
    dataset : TableDataset
    batch_size : int
    shuffle : bool, default=False
    drop_last : bool, default=False
        Drop a last incomplete batch.
    merge_singleton : bool, default=False
        When the last batch would hold a single row, add that row to the batch before
        it instead (one batch of ``batch_size + 1`` rows): batch normalisation cannot
        train on one row, and every row is still seen once per epoch. The estimators'
        training iterators set it.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, merge_singleton=False):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.merge_singleton = merge_singleton

    def _bounds(self, n: int) -> list:
        """``(start, stop)`` of each batch of ``n`` rows."""
        size = self.batch_size
        stop = n - n % size if self.drop_last else n
        bounds = [(i, min(i + size, stop)) for i in range(0, stop, size)]
        if self.merge_singleton and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
            bounds[-2:] = [(bounds[-2][0], bounds[-1][1])]
        return bounds

    def __len__(self) -> int:
        return len(self._bounds(len(self.dataset)))

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n = X.shape[0]
        bounds = self._bounds(n)
        if self.shuffle:
            order = torch.randperm(n, device=X.device)
            for a, b in bounds:
                idx = order[a:b]
                yield X[idx], (None if y is None else y[idx])
        else:
            for a, b in bounds:
                yield X[a:b], (None if y is None else y[a:b])


class ValidationSplit:
    """Hold out a random fraction of a :class:`TableDataset` for validation.

    Draws from torch's global generator (seeded by the caller); never silently
    returns an empty part.
    """

    def __init__(self, fraction: float):
        self.fraction = fraction

    def _check(self, n: int) -> int:
        """Number of validation rows out of ``n``; raises when a part is empty."""
        n_valid = int(round(self.fraction * n))
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"early_stopping with validation_fraction={self.fraction} leaves an "
                f"empty training or validation set for n_samples={n}; use more rows, "
                "another validation_fraction or early_stopping=False."
            )
        return n_valid

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = self._check(n)
        order = torch.randperm(n, device=dataset.X.device)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


class NonFiniteLossGuard(Callback):
    """Stop training with a clear error as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        # skorch has already recorded the batch loss as a float: no second device sync
        key = "train_loss" if training else "valid_loss"
        value = net.history[-1, "batches", -1, key]
        if not math.isfinite(value):
            epoch = len(net.history)
            raise FloatingPointError(
                f"The {key.replace('_', ' ')} became {value} in epoch {epoch}. The usual "
                "causes are a learning_rate that is too high (try dividing it by 10) "
                "or inputs with extreme values; check the data or use "
                "continuous_transform='quantile' in the encoder."
            )


class EarlyStopping(_SkorchEarlyStopping):
    """skorch's ``EarlyStopping``, ending training with :class:`StopTraining`.

    skorch's own raises ``KeyboardInterrupt``, which :class:`TabularNet` no longer
    swallows (it is the user's Ctrl-C). The rule is skorch's: stop when ``monitor``
    has not improved by ``threshold`` for ``patience`` epochs; ``load_best`` restores
    the best ``module_`` at the end of training.
    """

    def on_epoch_end(self, net, **kwargs):
        current_score = net.history[-1, self.monitor]
        if not self._is_score_improved(current_score):
            self.misses_ += 1
        else:
            self.misses_ = 0
            self.dynamic_threshold_ = self._calc_new_threshold(current_score)
            self.best_epoch_ = net.history[-1, "epoch"]
            if self.load_best:
                self.best_model_weights_ = copy.deepcopy(net.module_.state_dict())
        if self.misses_ == self.patience:
            if net.verbose:
                self._sink(
                    f"Stopping since {self.monitor} has not improved in the last "
                    f"{self.patience} epochs.",
                    verbose=net.verbose,
                )
            raise StopTraining

    def _sink(self, text, verbose):
        # skorch's prints any sink but ``print`` whatever the verbosity ("Restoring
        # best model ..."): here the net's verbose decides, so a warm start with a new
        # ``verbose`` is heard (or silent) as asked
        if verbose:
            self.sink(text)


from sklearn_ganae._progress import (  # noqa: E402, F401  (re-exported: saved models)
    NoProgress,
    Progress,
    failure_status,
    print_to_stderr,
    progress,
    stderr_is_terminal,
)


def _format_value(value) -> str:
    return f"{value:.4g}"


class EpochProgress(Callback):
    """One :class:`Progress` per training run, updated at the end of each epoch.

    Shows epochs done out of ``max_epochs`` (of this run: a warm start counts its own),
    elapsed and remaining time and the latest value of each history key in ``keys``.
    Active when ``net.verbose >= 1``. Closed at ``on_train_end`` (also after an early
    stop, whose last epoch it counts from the history) and by
    :meth:`TabularNet.partial_fit` when training raises; holds no stream afterwards,
    so the net pickles.

    Parameters
    ----------
    phase : str, default="training"
    keys : dict or None, default=None
        ``{label: history key}`` to show; ``None``: ``train_loss`` and ``valid_loss``.
    """

    def __init__(self, phase="training", keys=None):
        self.phase = phase
        self.keys = keys

    def initialize(self):
        self.progress_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.close()
        if not net.verbose or sys.stderr is None:
            return
        self.start_ = len(net.history)
        self.latest_ = {}
        self.progress_ = Progress(self.phase, net.max_epochs, "epoch")

    def on_epoch_end(self, net, **kwargs):
        if getattr(self, "progress_", None) is not None:
            self._sync(net)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        bar = getattr(self, "progress_", None)
        if bar is None:
            return
        self._sync(net)  # an early stop skips its last epoch's on_epoch_end
        self.close("stopped early" if bar.count < bar.total else None)

    def close(self, status=None):
        """Close the run's progress, if open (idempotent)."""
        bar = getattr(self, "progress_", None)
        self.progress_ = None
        if bar is not None:
            bar.close(status)

    def _sync(self, net):
        done = len(net.history) - self.start_
        if done <= self.progress_.count:
            return
        keys = self.keys or {"train_loss": "train_loss", "valid_loss": "valid_loss"}
        row = net.history[-1]
        for label, key in keys.items():
            value = row.get(key)
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                self.latest_[label] = _format_value(value)
        self.progress_.update(done - self.progress_.count, postfix=self.latest_)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["progress_"] = None  # a live bar holds a stream: never pickled
        return state


class EpochTable(PrintLog):
    """skorch's per-epoch table, printed when ``net.verbose >= 2`` only.

    Its sink should be :func:`print_to_stderr`, which keeps the table above a live bar
    and strips its colours when stderr is not a terminal.
    """

    def on_epoch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_end(net, **kwargs)


class TabularNet(NeuralNet):
    """skorch ``NeuralNet`` for encoded tables.

    Builds a :class:`TableDataset` on the net's device, and computes the loss from
    the module output and the batch itself when there is no target (autoencoders).
    Models with a different objective override :meth:`get_loss` or
    :meth:`train_step`.
    """

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train (without re-initialising), as skorch does, except for stopping.

        skorch's ``partial_fit`` swallows ``KeyboardInterrupt``; here it propagates, so
        that a user's Ctrl-C ends the estimator's ``fit`` with the exception (and the
        estimator keeps its previous state). Callbacks end training early by raising
        :class:`StopTraining`, after which training finishes normally.
        """
        if not self.initialized_:
            self.initialize()
        if _ROUTING_METHOD:  # skorch versions with metadata routing, as skorch does
            fit_params.setdefault("_routing_method", "partial_fit")
        try:
            self.notify("on_train_begin", X=X, y=y)
            try:
                self.fit_loop(X, y, **fit_params)
            except StopTraining:
                pass
            self.notify("on_train_end", X=X, y=y)
        except BaseException as exc:  # no dangling progress bar (Ctrl-C included)
            for _, callback in getattr(self, "callbacks_", []):
                if isinstance(callback, EpochProgress):
                    callback.close(failure_status(exc))
            raise
        return self

    # The per-batch path is kept short: tabular batches take well under a millisecond
    # of compute, so skorch's per-batch bookkeeping (switching every module to train
    # mode, the optimizer closure) would otherwise be a large share of an epoch.
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is not None:
            self._set_training(training)
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def train_step_single(self, batch, **fit_params):
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        for name in self._optimizers:
            getattr(self, name + "_").zero_grad(set_to_none=True)
        step = self.train_step_single(batch, **fit_params)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        for name in self._optimizers:
            getattr(self, name + "_").step()
        return step

    def get_dataset(self, X, y=None):
        if isinstance(X, TableDataset):
            return X
        return TableDataset(X, y, device=self.device)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        target = X if y_true is None else y_true
        return self.criterion_(y_pred, torch.as_tensor(target, device=y_pred.device))
