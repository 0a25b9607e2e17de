"""The training core: whole-tensor batches, validation split, divergence guard; and the
training options every estimator shares (warm start, early stopping, divergence,
devices), on each of AutoencoderTransformer, VAETransformer and GANSampler."""

import numpy as np
import pytest
import torch
from _params import GAN, TINY
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer
from sklearn_ganae._base import validation_rows
from sklearn_ganae._training import (
    NonFiniteLossGuard,
    TableDataset,
    TensorBatchIterator,
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
    X = np.random.RandomState(0).randn(103, 4)
    ae = AutoencoderTransformer(
        hidden_layer_sizes=(4,), max_epochs=1, early_stopping=True, validation_fraction=0.2
    )
    state = ae._fit_network(X)  # the one split of a fit, made by the base
    assert len(state.valid_rows) == 21 and len(state.train_rows) == 82
    assert sorted([*state.train_rows, *state.valid_rows]) == list(range(103))


def test_validation_split_refuses_empty_parts():
    with pytest.raises(ValueError, match="n_samples=3"):
        validation_rows(3, 0.1)


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


# --- training options, on every estimator -----------------------------------------------------

ESTIMATORS = [AutoencoderTransformer, VAETransformer, GANSampler]
every_estimator = pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)


def _tiny(cls, **params):
    return cls(**{**TINY[cls.__name__], **params})


def _output(model, X):
    """An exactly reproducible output of the fitted model."""
    return model.sample(20, random_state=0) if hasattr(model, "sample") else model.transform(X)


def _assert_unfitted(model):
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert set(vars(model)) == set(model.get_params(deep=False))


@every_estimator
def test_warm_start_continues_training(cls, small_penguins):
    X = small_penguins
    model = _tiny(cls, warm_start=True).fit(X)
    epochs, encoder, curve = model.max_epochs, model.encoder_, list(model.loss_curve_)
    weights = {k: v.clone() for k, v in model.net_.module_.state_dict().items()}
    assert model.n_iter_ == len(model.history_) == epochs
    model.fit(X)
    assert model.encoder_ is encoder  # the encoding is kept
    assert model.n_iter_ == len(model.history_) == len(model.loss_curve_) == 2 * epochs
    assert model.loss_curve_[:epochs] == curve
    trained = model.net_.module_.state_dict()
    assert any(not torch.equal(trained[k], v) for k, v in weights.items())
    # a changed max_epochs is the number of further epochs
    assert model.set_params(max_epochs=1).fit(X).n_iter_ == 2 * epochs + 1
    assert np.all(np.isfinite(model.loss_curve_))
    _output(model, X)
    # the continuation needs the columns of the first fit, and a refusal changes nothing
    before = model.n_iter_
    with pytest.raises(ValueError, match="feature names|features"):
        model.fit(X.iloc[:, :3])
    assert model.n_iter_ == before and model.encoder_ is encoder
    # without warm_start, each fit starts again
    assert _tiny(cls).fit(X).fit(X).n_iter_ == epochs


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAETransformer], ids=lambda c: c.__name__)
def test_early_stopping_on_the_validation_loss(cls, small_penguins):
    # a learning rate so small that the weights stay put: the validation loss does not
    # improve by skorch's relative threshold (1e-4) but by chance (the VAE's loss draws
    # codes), so training stops long before max_epochs
    model = _tiny(
        cls, early_stopping=True, n_iter_no_change=1, learning_rate=1e-12, max_epochs=50
    ).fit(small_penguins)
    assert 2 <= model.n_iter_ < 50  # the first epoch is always an improvement
    assert len(model.validation_loss_curve_) == model.n_iter_ == len(model.history_)
    assert all(np.isfinite(model.validation_loss_curve_))
    assert _output(model, small_penguins) is not None


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VAETransformer], ids=lambda c: c.__name__)
def test_early_stopping_stops_and_restores_best(cls):
    X, _ = load_iris(return_X_y=True)
    model = cls(
        max_epochs=500,
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate=0.05,
        random_state=0,
    ).fit(X)
    assert model.n_iter_ < 500
    assert len(model.validation_loss_curve_) == model.n_iter_
    best = min(model.validation_loss_curve_)
    assert model.validation_loss_curve_[-1] > best
    # the weights in use are the best epoch's, not the last one's
    stopper = dict(model.net_.callbacks_)["early_stopping"]
    restored = model.net_.module_.state_dict()
    assert stopper.best_model_weights_.keys() == restored.keys()
    for name, tensor in stopper.best_model_weights_.items():
        assert torch.equal(tensor, restored[name])


def test_gan_early_stopping_on_the_detection_check(penguins):
    # GANSampler's early stopping scores the generator by a detection AUC on >= 100
    # held-out rows (30% of 344): checked every epoch, stopped at the first check
    # that is not clearly better than the best (the first check always is). With a
    # learning rate that leaves the generator as it is, checks differ by noise only.
    gan = GANSampler(
        **{
            **GAN,
            "max_epochs": 20,
            "learning_rate": 1e-12,
            "early_stopping": True,
            "validation_fraction": 0.3,
            "validation_interval": 1,
            "n_iter_no_change": 1,
        }
    ).fit(penguins)
    assert 2 <= gan.n_iter_ < 20
    checks = gan.history_[:, "valid_detection"]
    assert len(checks) == gan.n_iter_  # one check per epoch
    assert all(0.0 <= auc <= 1.0 for auc in checks)
    assert gan.sample(5, random_state=0).shape == (5, penguins.shape[1])
    # fewer than 100 held-out rows: refused before any training
    small = GANSampler(**{**GAN, "early_stopping": True, "validation_fraction": 0.2})
    with pytest.raises(ValueError, match="needs at least 100"):
        small.fit(penguins)
    _assert_unfitted(small)


@every_estimator
def test_diverging_loss_stops_with_a_clear_error(cls):
    X, _ = load_iris(return_X_y=True)
    model = _tiny(cls, learning_rate=1e30, max_epochs=50)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        model.fit(X * 1e3)
    _assert_unfitted(model)


@every_estimator
def test_device_resolution(cls):
    X, _ = load_iris(return_X_y=True)
    model = _tiny(cls, device="auto").fit(X)
    assert model.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    assert _output(model, X).shape[0] == (20 if hasattr(model, "sample") else len(X))
    if not torch.cuda.is_available():
        cuda = _tiny(cls, device="cuda")
        with pytest.raises(ValueError, match="no CUDA device"):
            cuda.fit(X)
        _assert_unfitted(cuda)
