"""The backend seam: what a training backend (DDP, skorch's AccelerateMixin, mixed
precision) overrides, and that the package's training goes through it."""

import numpy as np
import pytest
import torch

from sklearn_ganae import AutoencoderTransformer, GANSampler
from sklearn_ganae._base import seeded
from sklearn_ganae._registry import GENERATORS
from sklearn_ganae._training import TableDataset, TabularNet, TensorBatchIterator
from sklearn_ganae.gan._training import GANBatchIterator, GANData, GANNet

AE = dict(hidden_layer_sizes=(8,), max_epochs=3, batch_size=16, random_state=0)
GAN = {**GENERATORS["gan"].quick_params, "pretrain_epochs": 1, "random_state": 0}


def _rows(n=101, d=3):
    return TableDataset(np.arange(n * d, dtype=np.float32).reshape(n, d), np.arange(n))


@pytest.mark.parametrize("world_size", [2, 3])
def test_sharded_iterators_split_one_permutation_between_processes(world_size):
    ds = _rows()
    seen = []
    for rank in range(world_size):
        it = TensorBatchIterator(ds, 8, shuffle=True, rank=rank, world_size=world_size, seed=7)
        epoch = [b[1] for b in it]
        assert len(epoch) == len(it)
        seen.append(torch.cat(epoch))
    # shards of equal size (every process takes the same number of steps), padded
    # with the first rows of the permutation: every row at least once per epoch
    assert len({len(s) for s in seen}) == 1
    size = -(-101 // world_size)
    assert len(seen[0]) == size
    rows = torch.cat(seen)
    assert sorted(set(rows.tolist())) == list(range(101))
    assert len(rows) == size * world_size  # world_size - 1 rows at most seen twice
    assert len(torch.cat([b[1] for b in TensorBatchIterator(ds, 8)])) == 101  # one process
    # the same permutation whatever the global generator of each process holds
    torch.manual_seed(123)
    again = TensorBatchIterator(ds, 8, shuffle=True, rank=0, world_size=world_size, seed=7)
    assert torch.equal(torch.cat([b[1] for b in again]), seen[0])
    # and a new one next epoch
    assert not torch.equal(torch.cat([b[1] for b in again]), seen[0])


def test_every_process_takes_the_same_number_of_gan_steps():
    # 99 rows: shards of 50 rows, padded; unpadded shards of 50 and 49 rows would give
    # 5 and 4 batches of 10, and the process with more would wait forever for the other
    ds = GANData(np.zeros((99, 2), dtype=np.float32))
    lengths = set()
    for rank in range(2):
        it = GANBatchIterator(ds, 10, rank=rank, world_size=2, seed=3)
        batches = [b[0] for b in it]
        lengths.add((len(it), len(batches)))
        assert all(len(b) == 10 for b in batches)
    assert lengths == {(5, 5)}
    # and so with class draws (a GAN fitted with labels)
    from sklearn_ganae.gan._training import ConditionSpec

    y = np.r_[np.zeros(90, int), np.ones(9, int)]
    labelled = GANData(np.zeros((99, 2), dtype=np.float32), y, spec=ConditionSpec(2, [], 2))
    for rank in range(2):
        it = GANBatchIterator(labelled, 10, rank=rank, world_size=2, seed=3)
        assert len(it) == 5 and len([b for b in it]) == 5


def test_a_sharded_iterator_needs_a_seed_and_a_valid_rank():
    with pytest.raises(ValueError, match="needs a seed"):
        TensorBatchIterator(_rows(), 8, world_size=2)
    with pytest.raises(ValueError, match="rank=2 must be in"):
        TensorBatchIterator(_rows(), 8, rank=2, world_size=2, seed=0)


def test_one_process_iterates_as_before():
    ds = _rows()
    torch.manual_seed(0)
    order = torch.cat([b[1] for b in TensorBatchIterator(ds, 8, shuffle=True)])
    torch.manual_seed(0)
    assert torch.equal(order, torch.randperm(101))


def test_get_module_unwraps_backend_wrappers():
    net = AutoencoderTransformer(**AE).fit(np.random.RandomState(0).randn(40, 3)).net_
    inner = net.module_
    net.module_ = torch.nn.DataParallel(inner)  # as a backend would wrap it
    assert net.get_module() is inner

    class Compiled(torch.nn.Module):  # what torch.compile returns: ``_orig_mod``
        def __init__(self, module):
            super().__init__()
            self._orig_mod = module

    net.module_ = Compiled(torch.nn.DataParallel(inner))
    assert net.get_module() is inner


def test_training_goes_through_the_backward_and_optimizer_hooks(monkeypatch):
    calls = {"backward": 0, "zero": [], "step": []}
    original_backward = TabularNet.backward
    original_zero = TabularNet._zero_grad_optimizer
    original_step = TabularNet._step_optimizer

    def backward(self, loss):
        calls["backward"] += 1
        original_backward(self, loss)

    def zero(self, set_to_none=None, names=None):
        calls["zero"].append(names)
        original_zero(self, set_to_none, names)

    def step(self, step_fn, names=None):
        calls["step"].append(names)
        original_step(self, step_fn, names)

    monkeypatch.setattr(TabularNet, "backward", backward)
    monkeypatch.setattr(TabularNet, "_zero_grad_optimizer", zero)
    monkeypatch.setattr(TabularNet, "_step_optimizer", step)
    X = np.random.RandomState(0).randn(48, 3)
    ae = AutoencoderTransformer(**AE).fit(X)
    steps = sum(len(h["batches"]) for h in ae.history_)
    assert calls["backward"] == steps == len(calls["step"]) == len(calls["zero"])
    assert set(calls["step"]) == {None}  # every optimizer of the net

    calls.update(backward=0, zero=[], step=[])
    gan = GANSampler(**{**GAN, "pretrain_generator": False}).fit(X)
    n_batches = sum(len(h["batches"]) for h in gan.history_)
    # one discriminator and one generator update per batch, each through the hooks
    assert calls["backward"] == 2 * n_batches
    assert calls["step"].count(("discriminator_optimizer",)) == n_batches
    assert calls["step"].count(("optimizer",)) == n_batches
    assert calls["zero"] == calls["step"]


@pytest.mark.parametrize("kind", ["loss", "detection"])
def test_stop_decisions_go_through_agree_to_stop(kind, monkeypatch):
    # a backend that makes every process stop as soon as any asks: here, always
    asked = []

    def agree_to_stop(self, stop):
        asked.append(stop)
        return True

    monkeypatch.setattr(TabularNet, "agree_to_stop", agree_to_stop)
    X = np.random.RandomState(0).randn(400, 3)
    if kind == "loss":
        model = AutoencoderTransformer(**{**AE, "max_epochs": 20, "early_stopping": True})
    else:
        model = GANSampler(
            **{**GAN, "max_epochs": 20, "early_stopping": True, "validation_fraction": 0.3},
            validation_interval=2,
        )
    model.fit(X)
    assert asked and not asked[0]  # the callback's own decision: go on
    first_check = 1 if kind == "loss" else 2
    assert model.n_iter_ == first_check  # the backend's: stop


def test_seeded_offsets_by_rank_and_restores_the_callers_generator():
    state = torch.random.get_rng_state()
    with seeded(5, "cpu", rank=0):
        a = torch.rand(3)
    with seeded(5, "cpu", rank=1):
        b = torch.rand(3)
    with seeded(5, "cpu"):
        c = torch.rand(3)
    assert torch.equal(a, c) and not torch.equal(a, b)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_the_gan_net_is_a_tabular_net():
    # the GAN's net gets every hook of the seam by inheritance
    assert issubclass(GANNet, TabularNet)
