"""The training engine: skorch, fed by whole-tensor batch slicing.

Tabular rows are tiny (tens of floats), so the default ``Dataset.__getitem__`` plus
``collate`` path of a ``DataLoader`` spends more time assembling batches than the
network spends on them. Here a dataset is a pair of tensors and a batch is one
fancy-indexing operation on them (:class:`TensorBatchIterator`). The iterator is the
only thing the train steps see, so a streaming or distributed source can replace it
behind the same small interface: an iterable of ``(X_batch, y_batch)`` with a
``__len__``.

The backend seam: :class:`TabularNet` trains through skorch's own hooks, so that a
training backend (data-parallel DDP, skorch's ``AccelerateMixin``, mixed precision)
plugs in as a mixin without touching the models:

- ``_zero_grad_optimizer`` / ``_step_optimizer`` (skorch's, extended with an optional
  ``names`` argument so that a GAN steps its two optimizers separately through them)
  and :meth:`TabularNet.backward` (``loss.backward()`` here; ``accelerator.backward``
  or a gradient scaler in a backend);
- :meth:`TabularNet.get_module` returns a module behind any wrapper (DDP's
  ``.module``, ``torch.compile``'s ``._orig_mod``): the estimators never read
  ``net.module_`` attributes directly;
- the batch iterators know ``(rank, world_size)``: every process draws the same
  per-epoch permutation and takes its own shard of it;
- :meth:`TabularNet.agree_to_stop` is where every stop decision of the package's
  callbacks goes through; one process returns its own decision, a data-parallel
  backend reduces it across processes so that all stop at the same epoch;
- :meth:`TabularNet.in_precision` is the one place every training and validation
  forward pass goes through (``precision="bf16"``: ``torch.autocast`` to bfloat16,
  outputs back in float32 for the losses);
- :meth:`TabularNet.record_batch_value` records a per-batch figure: a tensor stays
  on the device until the end of the pass over the data (:class:`BatchValues`), so
  that a GPU is not synchronised with the host at every batch.

Per-batch figures: skorch's loop reads every batch loss with ``.item()``, a device
synchronisation per batch on a GPU. :class:`TabularNet` runs its own loop: the loss
of each batch (and any tensor a model records, the GAN's discriminator loss, the
VAE's terms) is kept as a 0-d tensor on the device, and at the end of each pass
(the training pass, then the validation pass) all of them are written into
``history`` at once, with one ``torch.stack(...).tolist()``: the same keys and
values as skorch's, before ``on_epoch_end`` (the epoch's scores, the divergence
guard, early stopping and a data-parallel run's averaging of the batch figures all
read them there). During a pass, ``history[-1, "batches"]`` holds the batch sizes
only; a callback that wants a batch's loss at once gets it as the ``loss`` argument
of ``on_batch_end``.

The data-parallel backend on torch.distributed is
:class:`~sklearn_ganae._distributed.DistributedMixin`, a base of :class:`TabularNet`
(inert in one process).

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

import inspect
import math
import numbers
import sys

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PrintLog
from skorch.callbacks import EarlyStopping as _SkorchEarlyStopping
from skorch.dataset import get_len
from skorch.utils import TeeGenerator

from sklearn_ganae._distributed import DistributedMixin
from sklearn_ganae._streaming import StreamedRows, n_stream_batches, stream_batches
from sklearn_ganae._threads import adapt

_WRAPPERS = (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)

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
    rank, world_size : int, default=0 and 1
        This process's shard of a data-parallel run: each epoch's permutation (the
        same in every process) is padded with its first rows to a multiple of
        ``world_size`` (as ``torch.utils.data.DistributedSampler`` does), then cut
        into ``world_size`` interleaved shards of equal size, and this process
        iterates over shard ``rank``: every process takes the same number of steps.
    seed : int or None, default=None
        With ``world_size > 1`` (required there), the permutation of epoch ``k`` is
        drawn from ``seed + k`` on a generator of its own, so that every process
        draws the same one whatever else it draws; in one process it comes from
        torch's global generator.
    """

    def __init__(
        self,
        dataset,
        batch_size,
        shuffle=False,
        drop_last=False,
        merge_singleton=False,
        rank=0,
        world_size=1,
        seed=None,
    ):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.merge_singleton = merge_singleton
        self.rank, self.world_size = check_shard(rank, world_size, seed)
        self.seed = seed
        self.epoch_ = 0

    def _bounds(self, n: int) -> list:
        """``(start, stop)`` of each batch of ``n`` rows."""
        size = self.batch_size
        stop = n - n % size if self.drop_last else n
        bounds = [(i, min(i + size, stop)) for i in range(0, stop, size)]
        if self.merge_singleton and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
            bounds[-2:] = [(bounds[-2][0], bounds[-1][1])]
        return bounds

    def __len__(self) -> int:
        if isinstance(self.dataset, StreamedRows):
            return n_stream_batches(len(self.dataset), self.batch_size, self.world_size)
        return len(self._bounds(shard_size(len(self.dataset), self.rank, self.world_size)))

    def __iter__(self):
        if isinstance(self.dataset, StreamedRows):
            # a streamed table: read from disk, shuffled by fragments and a buffer
            epoch, self.epoch_ = self.epoch_, self.epoch_ + 1
            batches = stream_batches(
                self.dataset, self.batch_size, epoch, self.rank, self.world_size
            )
            for batch in batches:
                yield batch, None
            return
        X, y = self.dataset.X, self.dataset.y
        n = X.shape[0]
        order = None
        if self.shuffle:
            order = epoch_permutation(n, X.device, self.world_size, self.seed, self.epoch_)
            self.epoch_ += 1
        if self.world_size > 1:
            order = shard(
                torch.arange(n, device=X.device) if order is None else order,
                self.rank,
                self.world_size,
            )
        bounds = self._bounds(n if order is None else len(order))
        if order is not None:
            for a, b in bounds:
                idx = order[a:b]
                yield X[idx], (None if y is None else y[idx])
        else:
            for a, b in bounds:
                yield X[a:b], (None if y is None else y[a:b])


def check_shard(rank, world_size, seed) -> tuple[int, int]:
    """``(rank, world_size)`` of a batch iterator, checked."""
    rank, world_size = int(rank), int(world_size)
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"rank={rank} must be in [0, world_size={world_size}).")
    if world_size > 1 and seed is None:
        raise ValueError(
            "A sharded batch iterator (world_size > 1) needs a seed: every process must "
            "draw the same permutation of the rows."
        )
    return rank, world_size


def shard_size(n: int, rank: int, world_size: int) -> int:
    """Rows of shard ``rank`` out of ``n`` rows (:func:`shard`): ``ceil(n / world_size)``,
    the same for every rank."""
    return n if world_size == 1 else -(-n // world_size)


def shard(order: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Shard ``rank`` of the row order ``order``: padded with its first rows to a
    multiple of ``world_size``, then every ``world_size``-th row from ``rank`` on."""
    if world_size == 1:
        return order
    n = order.shape[0]
    total = shard_size(n, rank, world_size) * world_size
    if total != n:
        order = order[torch.arange(total, device=order.device) % n]
    return order[rank::world_size]


def epoch_permutation(n: int, device, world_size: int, seed, epoch: int) -> torch.Tensor:
    """The permutation of one epoch: from torch's global generator in one process,
    from ``seed + epoch`` in a data-parallel run (the same in every process)."""
    if world_size == 1:
        return torch.randperm(n, device=device)
    generator = torch.Generator(device=device).manual_seed(int(seed) + int(epoch))
    return torch.randperm(n, device=device, generator=generator)


class NonFiniteLossGuard(Callback):
    """Stop training with a clear error when a batch loss is NaN or infinite.

    The check runs at the end of the epoch, on every batch loss of the epoch:
    :class:`TabularNet` writes them into ``history`` once per pass over the data (no
    device synchronisation per batch), and in a data-parallel run they have been
    averaged across the processes by then, so every process sees the same figures
    and stops at once (a process stopping alone would leave the others waiting for
    it). With a net that records each batch loss as a float at once (skorch's
    ``NeuralNet``), the check also runs after each batch.
    """

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        # a TabularNet records its batch losses at the end of the pass: checked then
        if isinstance(net, TabularNet) or getattr(net, "is_data_parallel", False):
            return
        # skorch's own loop has recorded the loss as a float: no device sync here
        key = "train_loss" if training else "valid_loss"
        value = net.history[-1, "batches", -1].get(key)
        if value is not None:
            self._check(key, value, len(net.history))

    def on_epoch_end(self, net, **kwargs):
        for batch in net.history[-1, "batches"]:
            for key in ("train_loss", "valid_loss"):
                if key in batch:
                    self._check(key, batch[key], len(net.history))

    @staticmethod
    def _check(key, value, epoch):
        if not math.isfinite(value):
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
                # a copy on the CPU: no device memory held, and the net pickles on a
                # machine without the device
                self.best_model_weights_ = {
                    k: v.detach().to("cpu", copy=True)
                    for k, v in net.get_module().state_dict().items()
                }
        if net.agree_to_stop(self.misses_ >= self.patience):
            if net.verbose:
                self._sink(
                    f"Stopping since {self.monitor} has not improved in the last "
                    f"{self.patience} epochs.",
                    verbose=net.verbose,
                )
            raise StopTraining

    def on_train_end(self, net, **kwargs):
        restore = self.load_best and self.best_model_weights_ is not None
        if restore and self.best_epoch_ != net.history[-1, "epoch"]:
            net.get_module().load_state_dict(self.best_model_weights_)
            self._sink(f"Restoring best model from epoch {self.best_epoch_}.", net.verbose)

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


#: the values of TabularNet's ``precision``
PRECISIONS = ("float32", "bf16")
_LOW_PRECISION = (torch.bfloat16, torch.float16)


def as_float32(value):
    """``value`` with its bfloat16 / float16 tensors cast to float32 (differentiably),
    through tuples, lists and dicts; other values as they are."""
    if isinstance(value, torch.Tensor):
        return value.float() if value.dtype in _LOW_PRECISION else value
    if isinstance(value, tuple):
        items = [as_float32(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, list):
        return [as_float32(v) for v in value]
    if isinstance(value, dict):
        return {k: as_float32(v) for k, v in value.items()}
    return value


#: devices whose per-batch values :class:`BatchValues` reads at once: reading a CPU
#: tensor waits for nothing, and keeping thousands of them costs memory
IMMEDIATE_DEVICES = ("cpu",)


class BatchValues:
    """The per-batch tensors of one pass over the data, kept until the pass ends.

    :meth:`add` keeps a detached 0-d tensor (on its device) for the current batch of
    ``batches`` (the epoch's list of batch records in ``history``), stacking every
    :attr:`CHUNK` of them into one tensor on the device (no synchronisation, bounded
    memory); :meth:`write` transfers them all at once (one ``.tolist()``, one device
    synchronisation) and records each as the float skorch's ``.item()`` gives. A value
    on a device of :data:`IMMEDIATE_DEVICES` (the CPU) is recorded at once.
    """

    __slots__ = ("batches", "entries", "pending", "stacked", "immediate")

    #: tensors kept before they are stacked into one (asynchronously, on the device):
    #: memory stays bounded on a long pass (a streamed epoch of millions of rows)
    CHUNK = 1024

    def __init__(self, batches: list, immediate=None):
        self.batches = batches
        # device types whose values are read at once
        self.immediate = IMMEDIATE_DEVICES if immediate is None else tuple(immediate)
        self.entries: list = []  # (batch record, key) of every value kept, in order
        self.pending: list = []  # the latest values, one tensor each
        self.stacked: list = []  # the earlier ones, CHUNK values per 1-d tensor

    def add(self, key: str, tensor: torch.Tensor) -> None:
        tensor = tensor.detach()
        if tensor.device.type in self.immediate:  # no device to wait for: read it now
            self.batches[-1][key] = tensor.reshape(()).item()
            return
        self.entries.append((self.batches[-1], key))
        self.pending.append(tensor.reshape(()))
        if len(self.pending) >= self.CHUNK:
            self.stacked.append(self._stack(self.pending))
            self.pending = []

    @staticmethod
    def _stack(tensors: list) -> torch.Tensor:
        try:  # the usual case: values on one device (dtypes are promoted)
            return torch.stack(tensors)
        except RuntimeError:  # several devices
            first = tensors[0].device
            return torch.stack([t.to(first, torch.float64) for t in tensors])

    def write(self) -> None:
        if not self.entries:
            return
        chunks = self.stacked + ([self._stack(self.pending)] if self.pending else [])
        first = chunks[0]
        values = torch.cat([c.to(first.device, torch.float64) for c in chunks]).tolist()
        for (batch, key), value in zip(self.entries, values, strict=True):
            batch[key] = value
        self.entries, self.pending, self.stacked = [], [], []


class TabularNet(DistributedMixin, NeuralNet):
    """skorch ``NeuralNet`` for encoded tables.

    Builds a :class:`TableDataset` on the net's device, and computes the loss from
    the module output and the batch itself when there is no target (autoencoders).
    Models with a different objective override :meth:`get_loss` or
    :meth:`train_step`. Trains data-parallel inside ``with net.data_parallel():``
    (:class:`~sklearn_ganae._distributed.DistributedMixin`, inert in one process).

    Per-batch figures are recorded with :meth:`record_batch_value` and written into
    ``history`` at the end of each pass over the data (see the module docstring);
    every training and validation forward pass goes through :meth:`in_precision`.

    Parameters
    ----------
    precision : {"float32", "bf16"}, default="float32"
        ``"bf16"``: the forward passes of training and validation run under
        ``torch.autocast`` to bfloat16 on the net's device type; their outputs are
        cast back to float32, so the losses are computed in float32, and the
        weights, gradients and optimizer state stay float32 (bfloat16 needs no
        gradient scaling). Inference through the modules themselves (the
        estimators' ``transform`` and ``sample``) is float32 either way.
    *args, **kwargs
        skorch's ``NeuralNet`` arguments.
    """

    # nets pickled before the parameter existed train in float32
    precision = "float32"

    def __init__(self, *args, precision="float32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision

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
        """One pass over ``iterator``, as skorch's, with the batch losses kept on the
        device until the end of the pass (:class:`BatchValues`).

        The history gets what skorch's loop records (``{prefix}_loss`` and
        ``{prefix}_batch_size`` per batch, ``{prefix}_batch_count``), the losses
        written at the end of the pass, before ``on_epoch_end``.
        """
        if iterator is None:
            return
        if training:
            adapt()  # torch's threads for this epoch, from the machine's load
        self._set_training(training)
        history = self.history
        values = BatchValues(list.__getitem__(history, -1)["batches"])
        self._batch_values = values
        try:
            batch_count = 0
            for batch in iterator:
                self.notify("on_batch_begin", batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                loss = step["loss"]
                if isinstance(loss, torch.Tensor):
                    values.add(prefix + "_loss", loss)
                else:
                    history.record_batch(prefix + "_loss", loss)
                rows = batch[0] if isinstance(batch, (tuple, list)) else batch
                history.record_batch(prefix + "_batch_size", get_len(rows))
                self.notify("on_batch_end", batch=batch, training=training, **step)
                batch_count += 1
            history.record(prefix + "_batch_count", batch_count)
            values.write()  # the one device synchronisation of the pass
        finally:
            self.__dict__.pop("_batch_values", None)  # never pickled nor saved
        self.end_of_pass(training)

    def record_batch_value(self, key: str, value) -> None:
        """Record ``value`` as ``key`` of the current batch in ``history``.

        During a pass of :meth:`run_single_epoch` a tensor (a 0-d figure, such as a
        loss) is kept on its device and written as a float at the end of the pass;
        elsewhere, and for plain numbers, it is recorded at once (as
        ``history.record_batch`` does).
        """
        values = self.__dict__.get("_batch_values")
        if isinstance(value, torch.Tensor):
            if values is not None:
                values.add(key, value)
                return
            value = value.item()
        self.history.record_batch(key, value)

    def in_precision(self, fn):
        """``fn`` (a module, or any callable of a forward pass) as training runs it.

        With ``precision="float32"``, ``fn`` itself. With ``"bf16"``, a callable that
        runs ``fn`` under ``torch.autocast(device_type=<the net's device type>,
        dtype=torch.bfloat16)`` and returns its outputs in float32, so that the loss
        computed from them is float32. Every training and validation forward pass of
        the package's nets goes through here (:meth:`infer`, the GAN's players).
        """
        precision = self.precision
        if precision == "float32":
            return fn
        if precision != "bf16":
            raise ValueError(
                f"precision={precision!r} is not one of {list(PRECISIONS)}; use "
                "'float32' or 'bf16'."
            )
        device_type = torch.device(self.device).type

        def forward(*args, **kwargs):
            with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
                out = fn(*args, **kwargs)
            return as_float32(out)

        return forward

    def infer(self, x, **fit_params):
        """skorch's ``infer``, through :meth:`in_precision`."""
        return self.in_precision(super().infer)(x, **fit_params)

    def train_step_single(self, batch, **fit_params):
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.backward(loss)
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        # skorch's hooks, without its closure: a backend overrides the hooks
        self._zero_grad_optimizer(set_to_none=True)
        step = self.train_step_single(batch, **fit_params)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        self._step_optimizer(None)
        return step

    # --- the backend seam ----------------------------------------------------------
    def backward(self, loss: torch.Tensor) -> None:
        """Back-propagate ``loss`` (the one place every train step does it)."""
        loss.backward()

    def _zero_grad_optimizer(self, set_to_none=None, names=None):
        """skorch's hook, for the optimizers ``names`` (default: all of them)."""
        for name in self._optimizers if names is None else names:
            optimizer = getattr(self, name + "_")
            if set_to_none is None:
                optimizer.zero_grad()
            else:
                optimizer.zero_grad(set_to_none=set_to_none)

    def _step_optimizer(self, step_fn, names=None):
        """skorch's hook, for the optimizers ``names`` (default: all of them)."""
        for name in self._optimizers if names is None else names:
            optimizer = getattr(self, name + "_")
            if step_fn is None:
                optimizer.step()
            else:
                optimizer.step(step_fn)

    def get_module(self, name: str = "module") -> torch.nn.Module:
        """The initialised module ``name`` (``"module"`` for ``module_``) itself,
        behind any wrapper a backend adds (DDP, DataParallel, ``torch.compile``)."""
        module = getattr(self, name + "_")
        while True:
            if isinstance(module, _WRAPPERS):
                module = module.module
            elif hasattr(module, "_orig_mod"):
                module = module._orig_mod
            else:
                return module

    def get_dataset(self, X, y=None):
        if isinstance(X, (TableDataset, StreamedRows)):
            return X
        return TableDataset(X, y, device=self.device)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        target = X if y_true is None else y_true
        return self.criterion_(y_pred, torch.as_tensor(target, device=y_pred.device))
