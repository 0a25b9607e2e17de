"""Data-parallel training on torch.distributed (DDP), for in-memory tables.

When a ``torch.distributed`` process group of more than one process is initialised
(a launcher such as ``torchrun`` set the environment and the user's script called
``torch.distributed.init_process_group``), every estimator's ``fit`` trains
data-parallel; otherwise nothing here runs and a fit is exactly the one-process fit.
The package never creates a process group: its backend, devices and lifetime are
the application's.

What agrees across the processes and what differs:

- the fit's seed is rank 0's (:func:`broadcast_object`); every process then fits the
  encoder on the whole table with that seed and the encoded rows are compared across
  the processes (:func:`check_same_everywhere`: a digest, not the rows), so that a
  process given other rows fails at once, on every process, with a clear error;
- the validation split and the batch sizes are drawn and computed before the
  per-process seed offset, so they are the same everywhere;
- initial weights agree: ``DistributedDataParallel`` broadcasts rank 0's module state
  when it wraps a module (:meth:`DistributedMixin.data_parallel`);
- each epoch's row order is one permutation drawn from ``seed + epoch`` and sharded
  by the batch iterators; noise, dropout masks and training-by-sampling draws differ
  (torch is seeded with ``seed + rank`` for the training itself);
- gradients are averaged by DDP at every step; batch-norm running statistics, which
  each process updates from its own batches, are rank 0's (broadcast at the end of
  every training epoch, as DDP's ``broadcast_buffers`` does before each forward
  pass);
- the per-batch losses of each epoch are averaged across the processes before the
  epoch's callbacks run, so every process records the same history and every
  decision taken from it (early stopping, the divergence guard) is the same;
  decisions from elsewhere go through :meth:`DistributedMixin.agree_to_stop` (any
  process stopping stops all) or are computed on rank 0 and broadcast
  (:meth:`DistributedMixin.on_first_process`).

After training the net holds its plain modules again (the class of the net never
changes), so a model fitted data-parallel predicts, samples, pickles and saves like
one fitted in one process, on every process.

When another process stops (it died, was killed, raised an error of its own and left
the group) or hangs while this one waits for it in a collective, torch.distributed's
error (gloo: "Connection closed by peer" or "Connection reset by peer" at once; "Timed
out" after the process group's ``timeout`` when the other process is alive but stuck)
is raised as a :class:`DataParallelError` (a ``RuntimeError``, the backend's error
chained), which names this rank, the world size and what to do; errors of the model
itself (a ``ValueError``, a ``KeyboardInterrupt``) pass through unchanged.

The command line is the one place where the package creates a process group itself:
:func:`process_group_from_environment` reads a launcher's environment and holds a
group for the duration of a ``with`` block (see ``docs/cli.rst``, "Several
processes").
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import ipaddress
import math
import numbers
import os
import re
import signal
import socket
import threading
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import distributed as dist
from torch.nn.parallel import DistributedDataParallel

_warned_about_environment = False


def distributed_context() -> tuple[int, int]:
    """``(rank, world_size)`` of this process: the process group's when one of more
    than one process is initialised, else ``(0, 1)``.

    Warns once when a launcher's environment says ``WORLD_SIZE > 1`` but no process
    group is initialised (each process would then train a model of its own).
    """
    if dist.is_available() and dist.is_initialized():
        world_size = dist.get_world_size()
        if world_size > 1:
            return dist.get_rank(), world_size
        return 0, 1
    global _warned_about_environment
    size = os.environ.get("WORLD_SIZE", "1")
    if not _warned_about_environment and size.isdigit() and int(size) > 1:
        _warned_about_environment = True
        warnings.warn(
            f"WORLD_SIZE={size} is set (a launcher such as torchrun?) but no "
            "torch.distributed process group is initialised, so each process trains a "
            "model of its own. Call torch.distributed.init_process_group('gloo') (CPU) "
            "or ('nccl') (GPU) before fit to train data-parallel.",
            RuntimeWarning,
            stacklevel=3,
        )
    return 0, 1


def collective_device() -> torch.device:
    """Where the tensors of a collective live: the current GPU for NCCL, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


# --- failures of the other processes ---------------------------------------------------


class DataParallelError(RuntimeError):
    """Another process of a data-parallel run stopped, failed or hung.

    Raised, the backend's error chained, when a collective of the data-parallel
    training (DDP's gradient all-reduce, the package's exchanges) fails because
    another process of the process group died, left the group or did not answer
    within the group's ``timeout``.

    Attributes
    ----------
    rank : int or None
        This process's rank.
    world_size : int or None
        The number of processes of the run.
    backend_message : str
        What the backend said (one line).
    """

    def __init__(self, message: str, *, rank=None, world_size=None, backend_message=""):
        super().__init__(message)
        self.rank = rank
        self.world_size = world_size
        self.backend_message = backend_message


# what gloo, NCCL and the c10d layer say when a peer is gone or too slow (the model's
# own RuntimeErrors, a shape mismatch say, say none of this)
_COMMUNICATION_PATTERN = re.compile(
    r"gloo|nccl|ProcessGroup|c10d|connection (closed|reset|refused)|closed by peer|"
    r"reset by peer|socket closed|pair closure|broken pipe|timed out|timeout|"
    r"communicator was aborted|watchdog",
    re.IGNORECASE,
)


def is_communication_error(exc: BaseException) -> bool:
    """Whether ``exc`` is torch.distributed's failure of a collective (a peer gone,
    a time-out), rather than an error of the computation."""
    if isinstance(exc, DataParallelError):
        return False  # said already
    if dist.is_available() and isinstance(exc, dist.DistError):
        return True
    return isinstance(exc, RuntimeError) and bool(_COMMUNICATION_PATTERN.search(str(exc)))


def _backend_said(exc: BaseException) -> str:
    """The backend's message on one line, without its source location and advice."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(r"^\[[^\]]*\]\s*", "", text)  # "[.../gloo/transport/tcp/pair.cc:537] "
    text = text.split(" This is typically caused by")[0].strip()
    return text if len(text) <= 300 else text[:297] + "..."


def data_parallel_error(exc: BaseException) -> DataParallelError:
    """The :class:`DataParallelError` that explains ``exc`` (a communication error)."""
    rank = world_size = None
    backend = "torch.distributed"
    with contextlib.suppress(Exception):  # the group may be gone already
        rank, world_size = dist.get_rank(), dist.get_world_size()
        backend = str(dist.get_backend())
    said = _backend_said(exc)
    here = f"rank {rank} (of {world_size} processes)" if rank is not None else "this process"
    if re.search(r"timed out|timeout", said, re.IGNORECASE):
        what = (
            f"Another process of the data-parallel run did not answer within the process "
            f"group's timeout (it hangs, or is far behind) while {here} waited for it"
        )
    else:
        what = (
            f"Another process of the data-parallel run stopped or failed (it died, was "
            f"killed, or raised an error and left) while {here} was training with it"
        )
    message = (
        f"{what}; {backend} said: {said}\n"
        "Look at the other processes' output for their error. The whole run must start "
        "again: a launcher restarts it (torchrun --max-restarts N; with checkpoint_dir "
        "the fit resumes). A process that hangs without dying is waited for as long as "
        "the process group's timeout (torch.distributed.init_process_group(timeout=...); "
        "the command line's --timeout)."
    )
    return DataParallelError(message, rank=rank, world_size=world_size, backend_message=said)


@contextlib.contextmanager
def failures_of_the_others():
    """Raise a :class:`DataParallelError` (the original chained) for torch.distributed's
    communication errors inside the block; anything else passes through unchanged."""
    try:
        yield
    except RuntimeError as exc:
        if not is_communication_error(exc):
            raise
        raise data_parallel_error(exc) from exc


@failures_of_the_others()
def broadcast_object(value, src: int = 0):
    """Rank ``src``'s ``value`` (picklable), on every process."""
    box = [value]
    dist.broadcast_object_list(box, src=src)
    return box[0]


@failures_of_the_others()
def gather_objects(value) -> list:
    """Every process's ``value`` (picklable), in rank order, on every process."""
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, value)
    return out


@failures_of_the_others()
def any_process(flag: bool) -> bool:
    """Whether ``flag`` is true on at least one process (the same answer on all)."""
    value = torch.tensor([1 if flag else 0], dtype=torch.int32, device=collective_device())
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def digest(*arrays) -> bytes:
    """SHA-256 of arrays' shapes, dtypes and bytes (None counts as an empty entry)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none;")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(a.tobytes() if a.dtype != object else repr(a.tolist()).encode())
    return h.digest()


def check_same_everywhere(what: str, *arrays) -> None:
    """Raise a ``ValueError`` on every process when ``arrays`` differ between them.

    Compares a digest with rank 0's (one small broadcast and one all-reduce), so that
    a process handed other rows fails at once instead of training on them.
    """
    mine = digest(*arrays)
    differs = broadcast_object(mine) != mine
    if any_process(differs):
        raise ValueError(
            f"The {what} differs between the processes of the data-parallel run "
            f"(rank {dist.get_rank()} {'differs from' if differs else 'matches'} rank 0). "
            "Every process must call fit with the same whole table (and labels): the "
            "package shards the rows between the processes itself."
        )


@failures_of_the_others()
def broadcast_buffers(module: torch.nn.Module, src: int = 0) -> None:
    """Give every process rank ``src``'s buffers of ``module`` (batch-norm statistics)."""
    for buffer in module.buffers():
        dist.broadcast(buffer, src=src)


def wrap_module(module: torch.nn.Module, device) -> DistributedDataParallel:
    """``module`` in ``DistributedDataParallel`` (which broadcasts rank 0's state)."""
    device = torch.device(device)
    device_ids = None
    if device.type == "cuda":
        device_ids = [device.index if device.index is not None else torch.cuda.current_device()]
    return DistributedDataParallel(module, device_ids=device_ids)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class DistributedMixin:
    """Data-parallel training of a skorch net on torch.distributed (inert otherwise).

    :class:`~sklearn_ganae._training.TabularNet` inherits it, so the class of a net
    never changes; the estimators enter a data-parallel run with
    ``with net.data_parallel(): net.partial_fit(...)`` after ``net.initialize()``.
    Inside, the modules named in ``_data_parallel_modules`` (those with trainable
    parameters) are wrapped in ``DistributedDataParallel``; forward passes go through
    the wrappers (so that gradients are averaged) and everything else reads the
    modules through ``get_module``. In one process every method here does what a
    one-process net does.
    """

    # the modules whose gradients are synchronised (a GAN adds its discriminator)
    _data_parallel_modules: tuple = ("module",)

    @property
    def is_data_parallel(self) -> bool:
        """Whether the net is training data-parallel now (its modules are wrapped)."""
        return isinstance(getattr(self, "module_", None), DistributedDataParallel)

    @contextlib.contextmanager
    def data_parallel(self):
        """Train data-parallel inside the block: wrap the modules, unwrap them after.

        On success, rank 0's buffers are given to every process before the modules
        are unwrapped (parameters agree already: DDP averaged every gradient). When
        another process stops or hangs, the communication error raised in the block
        becomes a :class:`DataParallelError` (:func:`failures_of_the_others`).
        """
        wrapped = []
        done = False
        with failures_of_the_others():
            try:
                for name in self._data_parallel_modules:
                    module = getattr(self, name + "_")
                    if any(p.requires_grad for p in module.parameters()):
                        setattr(self, name + "_", wrap_module(module, self.device))
                        wrapped.append(name)
                yield self
                done = True
            finally:
                for name in wrapped:
                    module = getattr(self, name + "_").module
                    if done:
                        broadcast_buffers(module)
                    setattr(self, name + "_", module)

    def _wrapped_modules(self) -> list:
        return [
            m.module
            for m in (getattr(self, n + "_", None) for n in self._data_parallel_modules)
            if isinstance(m, DistributedDataParallel)
        ]

    def agree_to_stop(self, stop: bool) -> bool:
        """Whether training stops, given this process's decision ``stop``.

        The package's callbacks call it at the same epochs in every process; one
        process returns its own decision, a data-parallel run all-reduces it (any
        process stopping stops all), so that every process leaves at the same epoch.
        """
        if self.is_data_parallel:
            return any_process(bool(stop))
        return bool(stop)

    def on_first_process(self, compute):
        """``compute()``, computed on rank 0 only in a data-parallel run and broadcast.

        For decisions that are costly or need not be computed everywhere (the GAN's
        detection check). An error on rank 0 is raised on every process (none hangs).
        """
        if not self.is_data_parallel:
            return compute()
        result = error = None
        if dist.get_rank() == 0:
            try:
                result = compute()
            except Exception as exc:  # told to every process below
                error = exc
        result, message = broadcast_object(
            (result, None if error is None else f"{type(error).__name__}: {error}")
        )
        if error is not None:
            raise error
        if message is not None:
            raise RuntimeError(f"Rank 0 failed during a data-parallel check: {message}")
        return result

    def end_of_pass(self, training: bool) -> None:
        """Called by the net's epoch loop after each pass over the data (training or
        validation), once its batch figures are in the history."""
        if training:
            # batch norm's running statistics: rank 0's, so that validation, the
            # callbacks and the best weights they keep see one model everywhere
            for module in self._wrapped_modules():
                broadcast_buffers(module)

    def notify(self, method_name, **cb_kwargs):
        if method_name == "on_epoch_end" and self.is_data_parallel:
            self._average_epoch_batches()
        super().notify(method_name, **cb_kwargs)

    def _average_epoch_batches(self) -> None:
        """Average this epoch's per-batch figures (losses) across the processes.

        It runs at ``on_epoch_end``, when the net's epoch loop has written every
        batch figure of the epoch into the history (the net keeps them on the
        device during each pass). Every process has the same batches with the same
        keys (the iterators give each the same number of batches), so one
        all-reduce of a matrix does it; batch sizes stay as they are (each
        process's). A NaN on one process becomes a NaN on all, so the divergence
        guard stops every process at once.
        """
        batches = self.history[-1]["batches"]
        keys = sorted(
            {
                k
                for b in batches
                for k, v in b.items()
                if _is_number(v) and not k.endswith("_batch_size")
            }
        )
        device = collective_device()
        shape = torch.tensor([len(batches), len(keys)], dtype=torch.int64, device=device)
        extremes = torch.cat([shape, -shape])
        dist.all_reduce(extremes, op=dist.ReduceOp.MAX)
        if not torch.equal(extremes[:2], -extremes[2:]):
            raise RuntimeError(
                f"The processes of the data-parallel run recorded different batches in "
                f"epoch {len(self.history)} (this one: {len(batches)} batches, "
                f"{len(keys)} figures); every process must train on the same number of "
                "batches."
            )
        if not keys:
            return
        values = torch.full((len(batches), len(keys)), math.nan, dtype=torch.float64)
        for i, b in enumerate(batches):
            for j, k in enumerate(keys):
                if _is_number(b.get(k)):
                    values[i, j] = float(b[k])
        present = ~torch.isnan(values)
        total = values.to(device)
        dist.all_reduce(total)
        mean = (total / dist.get_world_size()).cpu()
        for i, j in present.nonzero().tolist():
            batches[i][keys[j]] = float(mean[i, j])


# --- a process group from a launcher's environment (the command line's) --------------

#: The variables a launcher sets for every process (torchrun, Slurm running torchrun,
#: Kubernetes PyTorchJob); ``WORLD_SIZE > 1`` with all of them is a launched run.
LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")

#: Seconds a process of a launched command waits for the others in a collective
#: (torch.distributed's ``timeout``) before it fails, unless told otherwise.
DEFAULT_TIMEOUT = 600.0

# how long the other processes wait for rank 0's status at the end: rank 0 may write
# for hours (a streamed output); a rank 0 that dies is noticed at once (its sockets
# close), so this bounds only a rank 0 that is alive and stuck
_PATIENCE = datetime.timedelta(days=7)


def _loopback_interface(environ: Mapping[str, str]) -> str | None:
    """The loopback interface for gloo to bind to, when it would fall back to it
    anyway, else None.

    Gloo binds to the address of the host name; where the host name does not resolve
    (containers, CI runners) it warns on stderr, in C++, and falls back to the
    loopback address. On one machine (``MASTER_ADDR`` a loopback address) that
    fallback is right, so it is named up front (``GLOO_SOCKET_IFNAME``) and
    ``--quiet`` stays quiet. A user's own ``GLOO_SOCKET_IFNAME`` always wins.
    """
    if environ.get("GLOO_SOCKET_IFNAME"):
        return None
    host = environ.get("MASTER_ADDR", "").strip()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        loopback = bool(addresses) and all(
            ipaddress.ip_address(a.partition("%")[0]).is_loopback for a in addresses
        )
    except (OSError, UnicodeError, ValueError):
        return None
    if not loopback:
        return None  # several machines: the user's network decides
    try:
        socket.getaddrinfo(socket.gethostname(), None)
        return None  # gloo finds an address of its own
    except (OSError, UnicodeError):
        pass
    try:
        names = [name for _, name in socket.if_nameindex()]
    except OSError:
        return None
    found = [n for n in names if n == "lo" or n.startswith("lo0")]
    return found[0] if found else None


@dataclass(frozen=True)
class Launch:
    """A launcher's description of this process (from :data:`LAUNCHER_VARIABLES`)."""

    rank: int
    world_size: int
    local_rank: int


def launcher_environment(environ: Mapping[str, str] | None = None) -> Launch | None:
    """This process's :class:`Launch` when a launcher started several, else None.

    A run is launched when ``WORLD_SIZE`` is more than 1; then every variable of
    :data:`LAUNCHER_VARIABLES` must be set, and the ranks must be integers in range,
    else a ``ValueError`` says what is missing. ``environ`` defaults to ``os.environ``.
    """
    env = os.environ if environ is None else environ
    size = env.get("WORLD_SIZE", "").strip()
    if not size or (size.isdigit() and int(size) <= 1):
        return None
    missing = [name for name in LAUNCHER_VARIABLES if not env.get(name, "").strip()]
    if missing:
        raise ValueError(
            f"WORLD_SIZE={size} says that a launcher started several processes, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set; start "
            "the command with torchrun (torchrun --nproc-per-node N -m sklearn_ganae ...), "
            "or unset WORLD_SIZE to run in one process."
        )
    values = {}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        text = env[name].strip()
        if not text.isdigit():
            raise ValueError(f"{name}={text!r} in the environment is not a whole number.")
        values[name] = int(text)
    if values["RANK"] >= values["WORLD_SIZE"]:
        raise ValueError(f"RANK={values['RANK']} is not below WORLD_SIZE={values['WORLD_SIZE']}.")
    return Launch(values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"])


class LaunchedGroup:
    """The process group of a launched command, and the command's own exchanges.

    Made by :func:`process_group_from_environment`. The estimators train on the
    default group; the command's exchanges go through two gloo groups of their own
    (on the CPU whatever the backend, and never mixed with training's collectives):
    :meth:`first_failure` waits at most ``timeout`` seconds, :meth:`from_first`
    waits as long as rank 0 is alive.
    """

    def __init__(self, launch: Launch, backend: str, timeout: float) -> None:
        self.rank = launch.rank
        self.world_size = launch.world_size
        self.local_rank = launch.local_rank
        self.backend = backend
        self.timeout = timeout
        self._agreement = dist.new_group(
            backend="gloo", timeout=datetime.timedelta(seconds=timeout)
        )
        self._patient = dist.new_group(backend="gloo", timeout=_PATIENCE)

    def groups(self) -> list:
        """The command's own groups (destroyed with the default one)."""
        return [self._agreement, self._patient]

    def first_failure(self, message: str | None) -> tuple[int, str] | None:
        """``(rank, message)`` of the lowest rank whose ``message`` is not None.

        Every process calls it at the same point with its own outcome (None: it
        succeeded), so that one process's failure stops all of them there.
        """
        messages: list = [None] * self.world_size
        dist.all_gather_object(messages, message, group=self._agreement)
        for rank, text in enumerate(messages):
            if text is not None:
                return rank, text
        return None

    def from_first(self, value=None):
        """Rank 0's ``value`` (picklable) on every process.

        The other processes wait for rank 0 as long as it runs (not ``timeout``:
        rank 0 may be writing a large output); if it dies, they fail at once.
        """
        box = [value]
        dist.broadcast_object_list(box, src=0, group=self._patient)
        return box[0]


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def process_group_from_environment(
    *,
    device="cpu",
    timeout: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> Iterator[LaunchedGroup | None]:
    """Hold a process group made from a launcher's environment during the block.

    Yields None, and does nothing, when no launcher started several processes
    (:func:`launcher_environment`): the block then runs in one process as ever.
    Otherwise every process initialises the default process group from the
    environment (``init_method="env://"``): with ``nccl`` when ``device`` is a CUDA
    device, after ``torch.cuda.set_device(LOCAL_RANK)``, else with ``gloo``, and a
    ``timeout`` in seconds after which a collective that waits for a dead or stuck
    process fails with a ``RuntimeError`` (joining the group waits as long for the
    others to start). It yields a :class:`LaunchedGroup`, so that the estimators
    fitted in the block train data-parallel, and destroys the group when the block
    ends, after an error or a ``KeyboardInterrupt`` too. Inside the block, SIGTERM
    (what torchrun sends its workers when it is interrupted or one of them fails)
    raises ``KeyboardInterrupt``, so that the block's cleanup runs.

    When a process group is initialised already (the caller's), it is used and left
    as it was; only the command's own groups are created and destroyed.
    """
    launch = launcher_environment(environ)
    if launch is None:
        yield None
        return
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    owned = not dist.is_initialized()
    if owned:
        device = torch.device(device)
        backend = "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(launch.local_rank)
            backend = "nccl"
    else:
        backend = dist.get_backend()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    group = None
    interface = _loopback_interface(os.environ) if backend == "gloo" else None
    if interface is not None:
        os.environ["GLOO_SOCKET_IFNAME"] = interface
    try:
        if owned:
            dist.init_process_group(
                backend,
                init_method="env://",
                rank=launch.rank,
                world_size=launch.world_size,
                timeout=datetime.timedelta(seconds=timeout),
            )
        group = LaunchedGroup(launch, backend, timeout)
        yield group
    finally:
        try:
            if owned and dist.is_initialized():
                dist.destroy_process_group()
            elif group is not None:
                for g in group.groups():
                    dist.destroy_process_group(g)
        finally:
            if interface is not None:
                os.environ.pop("GLOO_SOCKET_IFNAME", None)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
