"""The training core: whole-tensor batches, validation split, divergence guard."""

import numpy as np
import pytest
import torch

from sklearn_ganae._training import (
    NonFiniteLossGuard,
    TableDataset,
    TensorBatchIterator,
    ValidationSplit,
)


def _dataset(n=103, d=4, with_y=True):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n) if with_y else None
    return TableDataset(X, y)


@pytest.mark.parametrize("shuffle", [False, True])
def test_iterator_visits_every_row_once_per_epoch(shuffle):
    ds = _dataset()
    it = TensorBatchIterator(ds, batch_size=10, shuffle=shuffle)
    assert len(it) == 11
    for _ in range(2):
        batches = list(it)
        assert [len(b[0]) for b in batches] == [10] * 10 + [3]
        seen = torch.cat([b[1] for b in batches])
        assert sorted(seen.tolist()) == list(range(103))
        # rows and targets stay aligned
        X = torch.cat([b[0] for b in batches])
        assert torch.equal(X[:, 0], seen.float() * 4)
        if not shuffle:
            assert seen.tolist() == list(range(103))


def test_iterator_shuffle_is_seeded_by_torch():
    ds = _dataset()
    torch.manual_seed(0)
    a = [b[1].tolist() for b in TensorBatchIterator(ds, 16, shuffle=True)]
    torch.manual_seed(0)
    b = [b[1].tolist() for b in TensorBatchIterator(ds, 16, shuffle=True)]
    assert a == b
    assert a[0] != list(range(16))


def test_iterator_drop_last_and_no_target():
    ds = _dataset(with_y=False)
    it = TensorBatchIterator(ds, batch_size=10, shuffle=True, drop_last=True)
    batches = list(it)
    assert len(it) == len(batches) == 10
    assert all(len(xb) == 10 and yb is None for xb, yb in batches)


def test_iterator_merges_a_one_row_last_batch():
    # batch norm cannot train on one row: the training iterators add it to the batch before
    ds = _dataset(n=21)
    it = TensorBatchIterator(ds, batch_size=10, shuffle=True, merge_singleton=True)
    batches = list(it)
    assert len(it) == 2 and [len(b[0]) for b in batches] == [10, 11]
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(21))
    assert [len(b[0]) for b in TensorBatchIterator(ds, 10)] == [10, 10, 1]
    assert [len(b[0]) for b in TensorBatchIterator(ds, 7, merge_singleton=True)] == [7, 7, 7]
    one = TensorBatchIterator(_dataset(n=1), 10, merge_singleton=True)
    assert len(one) == 1 and [len(b[0]) for b in one] == [1]


def test_dataset_dtype_and_subset():
    ds = TableDataset(np.ones((5, 2), dtype=np.float64), np.array([0, 1, 0, 1, 1]))
    assert ds.X.dtype == torch.float32
    assert len(ds) == 5
    sub = ds.subset(torch.tensor([4, 0]))
    assert len(sub) == 2 and sub.y.tolist() == [1, 0]
    assert ds[1][1].item() == 1


def test_validation_split_partitions_rows():
    ds = _dataset()
    torch.manual_seed(0)
    train, valid = ValidationSplit(0.2)(ds)
    assert len(valid) == 21 and len(train) == 82
    ids = sorted(train.y.tolist() + valid.y.tolist())
    assert ids == list(range(103))


def test_validation_split_refuses_empty_parts():
    with pytest.raises(ValueError, match="n_samples=3"):
        ValidationSplit(0.1)(_dataset(n=3))


def test_guard_raises_on_non_finite_loss():
    from skorch.history import History

    def net_with(loss):
        class _Net:
            history = History()

        _Net.history.new_epoch()
        _Net.history.new_batch()
        _Net.history.record_batch("train_loss", loss)
        return _Net()

    guard = NonFiniteLossGuard()
    guard.on_batch_end(net_with(1.0), training=True)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        guard.on_batch_end(net_with(float("nan")), training=True)
    with pytest.raises(FloatingPointError, match="inf"):
        guard.on_batch_end(net_with(float("inf")), training=True)
