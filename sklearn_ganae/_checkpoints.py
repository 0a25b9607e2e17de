"""Checkpoints of long fits: a snapshot every few epochs, resumed after a crash.

With ``checkpoint_dir`` set, an estimator's fit writes :data:`CHECKPOINT_FILE` in that
folder every ``checkpoint_interval`` epochs (rank 0 only in a data-parallel run): the
estimator as it stands, in the package's pickle-free format (``sklearn_ganae.save``:
a JSON manifest and safetensors weights), with the networks' weights, the optimizers'
state, the history and the callbacks' state (early stopping's best weights), written
to a temporary file and renamed, so that a crash never leaves a half-written
checkpoint. A fit that finds a checkpoint of the same fit in its folder (the same
class, the same parameters but those in :data:`FREE_PARAMETERS`, the same table)
resumes from it: it trains the epochs still to do, as a warm start would, and a
checkpoint of another fit is refused with an error that says what differs. A fit
that ends normally removes the checkpoint; one that fails or is killed leaves it, so
running the same code again (by hand, or a launcher's restart: ``torchrun
--max-restarts``) continues where it stopped.

The epochs after a resume draw their noise and batch order from the fit's seed offset
by the epochs already trained, as a warm start does, so a resumed fit is not
bit-identical to an uninterrupted one (it is reproducible).
"""

from __future__ import annotations

import os
from pathlib import Path

from skorch.callbacks import Callback

#: the checkpoint's file name in ``checkpoint_dir``
CHECKPOINT_FILE = "checkpoint.ganae"
#: parameters that may change between the fit that wrote a checkpoint and the one
#: that resumes from it
FREE_PARAMETERS = frozenset(
    {"verbose", "checkpoint_dir", "checkpoint_interval", "warm_start", "max_epochs"}
)


class Checkpointer(Callback):
    """Calls ``write(net)`` every ``interval`` epochs (epochs counted in the history,
    a warm start's earlier epochs included). Added to a net for one training run and
    removed after it: a fitted net holds none."""

    def __init__(self, write, interval: int):
        self.write = write
        self.interval = int(interval)

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.interval == 0:
            self.write(net)


def checkpoint_path(folder) -> Path:
    return Path(os.fspath(folder)) / CHECKPOINT_FILE


def check_folder(folder) -> Path:
    """``checkpoint_dir`` checked before any training: an existing, writable folder."""
    path = Path(os.fspath(folder))
    if not path.is_dir():
        raise ValueError(
            f"checkpoint_dir={os.fspath(folder)!r} is not an existing folder; create it "
            "first (checkpoints are written into it)."
        )
    if not os.access(path, os.W_OK):
        raise PermissionError(
            f"checkpoint_dir {os.fspath(folder)!r} is not writable; choose another folder."
        )
    return path


def plain_net(net):
    """A shallow view of ``net`` that ``save`` can write during training: plain
    modules (no data-parallel wrapper), one-process iterators, no validation rows and
    no checkpointer."""
    plain = object.__new__(type(net))
    plain.__dict__.update(net.__dict__)
    for name in net._modules:
        setattr(plain, name + "_", net.get_module(name))
    plain.callbacks_ = [(n, c) for n, c in net.callbacks_ if not isinstance(c, Checkpointer)]
    plain.train_split = None
    for key, value in dict(rank=0, world_size=1, seed=None).items():
        setattr(plain, f"iterator_train__{key}", value)
    return plain


def write_checkpoint(estimator, net, extra: dict, info: dict, folder) -> Path:
    """Save ``estimator`` with the training ``net`` (and the fitted attributes
    ``extra``) as the checkpoint of the fit described by ``info``."""
    snapshot = object.__new__(type(estimator))
    snapshot.__dict__.update(estimator.__dict__)
    plain = plain_net(net)
    snapshot.__dict__.update(extra)
    snapshot.net_ = plain
    snapshot.history_ = plain.history
    snapshot.n_iter_ = len(plain.history)
    snapshot.checkpoint_ = dict(info, epochs=len(plain.history))
    return snapshot.save(checkpoint_path(folder), overwrite=True)


def read_checkpoint(estimator, folder):
    """The checkpoint in ``folder`` written by a fit like this one, or None when there
    is none; a ``ValueError`` when it comes from another fit."""
    path = checkpoint_path(folder)
    if not path.exists():
        return None
    try:
        snapshot = type(estimator).load(path)
    except Exception as exc:
        raise ValueError(
            f"The checkpoint {path} cannot be read ({type(exc).__name__}: {exc}); delete "
            "it to start the fit afresh."
        ) from exc
    mine = {k: v for k, v in estimator.get_params(deep=False).items() if k not in FREE_PARAMETERS}
    theirs = {k: v for k, v in snapshot.get_params(deep=False).items() if k not in FREE_PARAMETERS}
    differ = sorted(k for k in mine.keys() | theirs.keys() if _differs(mine.get(k), theirs.get(k)))
    if differ:
        raise ValueError(
            f"The checkpoint {path} was written by a fit with other parameters "
            f"({', '.join(f'{k}={theirs.get(k)!r}' for k in differ)}; this fit has "
            f"{', '.join(f'{k}={mine.get(k)!r}' for k in differ)}). Delete it, or give "
            "this fit another checkpoint_dir."
        )
    return snapshot


def _differs(a, b) -> bool:
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        return type(a) is not type(b) or repr(a.get_params()) != repr(b.get_params())
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # arrays and other values without a plain ==
        return repr(a) != repr(b)


def check_same_table(written: dict, info: dict, folder) -> None:
    """Refuse to resume a checkpoint (its record ``written``) of another table."""
    if written.get("table") != info["table"]:
        raise ValueError(
            f"The checkpoint {checkpoint_path(folder)} was written by a fit on another "
            "table (its rows, columns or encoding differ from this fit's). Delete it, or "
            "give this fit another checkpoint_dir."
        )


def remove_checkpoint(folder) -> None:
    """Remove the checkpoint of a fit that ended normally, and the partial files a
    process killed while writing one left behind (the atomic writer's hidden
    ``.checkpoint.ganae.*.tmp`` beside it: the checkpoint itself is always whole)."""
    path = checkpoint_path(folder)
    for leftover in [path, *path.parent.glob(f".{path.name}.*.tmp")]:
        try:
            leftover.unlink()
        except FileNotFoundError:
            pass
