"""Trustworthy runs: Ctrl-C, atomic fits, the sampling stream and validation at the edges.

- A user's Ctrl-C (``KeyboardInterrupt``) during training, GAN pretraining or an
  early-stopping check propagates out of ``fit``; the package's own early stopping
  never uses ``KeyboardInterrupt``.
- A ``fit`` that fails leaves the estimator's previous fitted state intact (or the
  estimator unfitted), warm starts included.
- Successive ``sample`` calls continue one reproducible random stream per fitted model.
- Bad labels, conditions and counts get clear errors before any work.

The failures are injected deterministically (a net hook that raises at a given epoch),
so these tests do not depend on how a seeded run unfolds on this machine.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from _params import AE, GAN, VAE
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
    GANSampler,
    VAETransformer,
)
from sklearn_ganae._base import BaseTabularNN
from sklearn_ganae._resampling import label_codes
from sklearn_ganae._training import (
    EarlyStopping,
    StopTraining,
    TableDataset,
    TabularNet,
    TensorBatchIterator,
)
from sklearn_ganae.gan._training import GANNet

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def Xy(small_penguins):
    """Every third penguin (115 rows, mixed types): features and species."""
    return small_penguins.drop(columns="species"), small_penguins["species"]


class Boom(RuntimeError):
    """The injected failure."""


def _fail_at(monkeypatch, epoch, exc=KeyboardInterrupt, net_type=None):
    """Make every net (or only nets of exactly ``net_type``) raise ``exc`` at the end of
    its ``epoch``-th epoch (counted over its whole history)."""
    original = TabularNet.on_epoch_end

    def on_epoch_end(self, net, **kwargs):
        original(self, net, **kwargs)
        if len(net.history) == epoch and (net_type is None or type(net) is net_type):
            raise exc

    monkeypatch.setattr(TabularNet, "on_epoch_end", on_epoch_end)


def _state(est):
    """The estimator's attributes other than its parameters, by identity."""
    params = set(est.get_params(deep=False))
    return {k: id(v) for k, v in vars(est).items() if k not in params}


def _output(est, X, y):
    """What the fitted estimator gives (exactly reproducible outputs only)."""
    if isinstance(est, GANSampler):
        return est.sample(30, random_state=0)
    if isinstance(est, AEAugmenter):
        return est.estimator_.transform(X), dict(est.sampling_strategy_), est.latent_std_
    return est.transform(X)


def _assert_same_output(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, tuple):
        for u, v in zip(a, b):
            _assert_same_output(u, v)
    elif isinstance(a, dict):
        assert a == b
    else:
        np.testing.assert_array_equal(a, b)


def _fit(est, X, y):
    if isinstance(est, AEAugmenter):
        return est.fit_resample(X, y)
    return est.fit(X)


ESTIMATORS = {
    "autoencoder": lambda: AutoencoderTransformer(**AE),
    "vae": lambda: VAETransformer(**VAE),
    "gan": lambda: GANSampler(**GAN),
    "augmenter": lambda: AEAugmenter(AutoencoderTransformer(**AE), random_state=0),
}


# --- 1. Ctrl-C propagates, the package's early stopping does not use it -----------------


@pytest.mark.parametrize(
    "name, net_type",
    [
        ("autoencoder", None),
        ("vae", None),
        ("gan", GANNet),  # the adversarial training
        ("gan", TabularNet),  # the autoencoder pretraining
        ("augmenter", None),
    ],
)
def test_ctrl_c_propagates_and_leaves_an_unfitted_estimator_unfitted(
    name, net_type, Xy, monkeypatch
):
    est = ESTIMATORS[name]()
    before = _state(est)
    _fail_at(monkeypatch, 2, net_type=net_type)
    with pytest.raises(KeyboardInterrupt):
        _fit(est, *Xy)
    assert _state(est) == before
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("exc", [KeyboardInterrupt(), Boom("injected")], ids=["ctrl-c", "error"])
def test_failed_refit_keeps_the_previous_fitted_state(name, exc, Xy, monkeypatch):
    X, y = Xy
    est = ESTIMATORS[name]()
    _fit(est, X, y)
    before, output = _state(est), _output(est, X, y)
    names, n_features = est.feature_names_in_.copy(), est.n_features_in_
    # new data with other columns, and another seed: everything fit sets would change
    X_new = X.drop(columns=["island", "sex"]).iloc[:80]
    est.set_params(random_state=1)
    _fail_at(monkeypatch, 2, exc=exc)
    with pytest.raises(type(exc)):
        _fit(est, X_new, y.iloc[:80])
    monkeypatch.undo()
    est.set_params(random_state=0)
    assert _state(est) == before  # the same objects, none added or removed
    assert est.n_features_in_ == n_features
    np.testing.assert_array_equal(est.feature_names_in_, names)
    _assert_same_output(output, _output(est, X, y))


def test_ctrl_c_during_gan_pretraining_propagates(Xy, monkeypatch):
    X, _ = Xy
    gan = GANSampler(**GAN).fit(X)
    before, rows = _state(gan), gan.sample(30, random_state=0)
    calls = []
    original = TabularNet.on_epoch_end

    def on_epoch_end(self, net, **kwargs):
        original(self, net, **kwargs)
        calls.append(type(net))
        if type(net) is TabularNet and len(net.history) == 2:  # the pretraining net
            raise KeyboardInterrupt

    monkeypatch.setattr(TabularNet, "on_epoch_end", on_epoch_end)
    with pytest.raises(KeyboardInterrupt):
        gan.fit(X)
    assert GANNet not in calls  # it stopped in pretraining, before the GAN's training
    assert _state(gan) == before
    pd.testing.assert_frame_equal(gan.sample(30, random_state=0), rows)


def test_ctrl_c_during_the_gans_detection_check_propagates(Xy, monkeypatch):
    X, _ = Xy
    monkeypatch.setattr("sklearn_ganae.gan._early_stopping.MIN_DETECTION_ROWS", 5)  # a small table
    gan = GANSampler(**{**GAN, "early_stopping": True, "validation_interval": 1})

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_ganae.gan._early_stopping.detection_auc", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gan.fit(X)
    assert not hasattr(gan, "net_")


def test_ctrl_c_during_an_early_stopping_check_propagates(Xy, monkeypatch):
    X, _ = Xy

    def interrupted(self, net, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(EarlyStopping, "on_epoch_end", interrupted)
    ae = AutoencoderTransformer(**{**AE, "early_stopping": True})
    with pytest.raises(KeyboardInterrupt):
        ae.fit(X)
    assert not hasattr(ae, "net_")


def test_gan_early_stopping_stops_without_keyboard_interrupt(Xy, monkeypatch):
    X, _ = Xy
    monkeypatch.setattr("sklearn_ganae.gan._early_stopping.MIN_DETECTION_ROWS", 5)  # a small table
    # a detection AUC that never improves: the second check stops training
    monkeypatch.setattr("sklearn_ganae.gan._early_stopping.detection_auc", lambda *a, **k: 0.9)
    gan = GANSampler(
        **{
            **GAN,
            "max_epochs": 20,
            "early_stopping": True,
            "validation_interval": 1,
            "n_iter_no_change": 1,
        }
    ).fit(X)
    assert gan.n_iter_ == 2
    assert gan.history_[:, "valid_detection"] == [0.9, 0.9]


def test_early_stopping_stops_without_keyboard_interrupt(Xy):
    X, _ = Xy
    # a learning rate so small that the validation loss cannot improve by the
    # relative threshold (1e-4): the second epoch is a miss and stops training
    ae = AutoencoderTransformer(
        **{
            **AE,
            "max_epochs": 20,
            "learning_rate": 1e-12,
            "early_stopping": True,
            "n_iter_no_change": 1,
        }
    ).fit(X)
    assert ae.n_iter_ == 2


def test_early_stopping_callback_raises_its_own_exception():
    from skorch.history import History

    class Net:
        verbose = 0

        def __init__(self):
            self.history = History()

        def end_epoch(self, loss):
            self.history.new_epoch()
            self.history.record("epoch", len(self.history))
            self.history.record("valid_loss", loss)

        def agree_to_stop(self, stop):  # one process: its own decision
            return stop

    net = Net()
    stop = EarlyStopping(monitor="valid_loss", patience=1)
    stop.on_train_begin(net)
    net.end_epoch(1.0)
    stop.on_epoch_end(net)  # an improvement
    net.end_epoch(2.0)
    with pytest.raises(StopTraining):
        stop.on_epoch_end(net)
    assert not issubclass(StopTraining, KeyboardInterrupt)


def test_net_partial_fit_lets_keyboard_interrupt_through(monkeypatch):
    net = TabularNet(
        module=torch.nn.Linear(3, 3),
        criterion=torch.nn.MSELoss,
        max_epochs=3,
        batch_size=4,
        iterator_train=TensorBatchIterator,
        iterator_valid=TensorBatchIterator,
        train_split=None,
        callbacks__print_log=None,
    )
    data = TableDataset(np.zeros((8, 3), dtype=np.float32))
    _fail_at(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        net.fit(data)
    monkeypatch.undo()
    _fail_at(monkeypatch, 1, exc=StopTraining)
    net.fit(data)  # the package's own stop: training ends normally
    assert len(net.history) == 1


# --- 2. atomic fits: warm starts and model-specific state ----------------------------------


@pytest.mark.parametrize("name", ["autoencoder", "vae", "gan"])
def test_failed_warm_start_leaves_the_net_as_it_was(name, Xy, monkeypatch):
    X, y = Xy
    est = ESTIMATORS[name]().set_params(warm_start=True).fit(X)
    net, output = est.net_, _output(est, X, y)
    weights = {k: v.clone() for k, v in net.module_.state_dict().items()}
    n_epochs, curve = len(net.history), list(est.loss_curve_)
    _fail_at(monkeypatch, n_epochs + 2)  # the second epoch of the continuation
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    monkeypatch.undo()
    assert est.net_ is net and len(net.history) == n_epochs == est.n_iter_
    assert est.loss_curve_ == curve
    for key, value in net.module_.state_dict().items():
        assert torch.equal(value, weights[key])
    _assert_same_output(output, _output(est, X, y))
    # and a continuation that succeeds trains on from there
    assert est.fit(X).n_iter_ == 2 * n_epochs


def test_failed_gan_refit_keeps_classes_and_autoencoder(Xy, monkeypatch):
    X, y = Xy
    gan = GANSampler(**GAN).fit(X, y)
    classes, autoencoder = gan.classes_, gan.autoencoder_
    rows = gan.sample(30, y="Gentoo", random_state=0)
    _fail_at(monkeypatch, 2, exc=Boom("injected"))
    with pytest.raises(Boom):
        gan.fit(X)  # without labels: classes_ would become None
    assert gan.classes_ is classes and gan.autoencoder_ is autoencoder
    pd.testing.assert_frame_equal(gan.sample(30, y="Gentoo", random_state=0), rows)


@pytest.mark.parametrize("name", ["autoencoder", "vae", "gan"])
def test_diverging_refit_keeps_the_previous_model(name, Xy):
    X, y = Xy
    est = ESTIMATORS[name]().fit(X)
    before, output = _state(est), _output(est, X, y)
    est.set_params(learning_rate=1e30, max_epochs=50)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        est.fit(X.select_dtypes("number").fillna(0) * 1e3)
    assert _state(est) == before
    _assert_same_output(output, _output(est, X, y))


def test_failed_augmented_classifier_fit_keeps_its_state(Xy, monkeypatch):
    X, y = Xy
    augmenter = AEAugmenter(AutoencoderTransformer(**AE), random_state=0)
    clf = AugmentedClassifier(DummyClassifier(), augmenter=augmenter).fit(X, y)
    before = _state(clf)
    _fail_at(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X.iloc[:, :3], y)
    assert _state(clf) == before and clf.n_features_in_ == X.shape[1]


# --- 3. the sampling stream ---------------------------------------------------------------


def _samplers():
    return {
        "gan": (GANSampler(**GAN), lambda m, **kw: m.sample(25, **kw)),
        "vae": (VAETransformer(**VAE), lambda m, **kw: m.sample(25, **kw)),
        "vae-inverse": (
            VAETransformer(**VAE),
            lambda m, **kw: m.inverse_transform(np.zeros((25, 2)), stochastic=True, **kw),
        ),
    }


def _equal(a, b):
    return a.equals(b) if isinstance(a, pd.DataFrame) else np.array_equal(a, b)


@pytest.mark.parametrize("name", list(_samplers()))
def test_successive_samples_continue_one_reproducible_stream(name, Xy):
    X, _ = Xy
    model, draw = _samplers()[name]
    first = clone(model).fit(X)
    second = clone(model).fit(X)
    calls = [draw(first) for _ in range(3)]
    assert not _equal(calls[0], calls[1]) and not _equal(calls[1], calls[2])
    # the same random_state: the same sequence of calls
    assert all(_equal(a, draw(second)) for a in calls)
    # a given random_state: a fixed set of rows, and the stream is left alone
    fixed = draw(first, random_state=7)
    assert _equal(fixed, draw(first, random_state=7))
    first.reset_sampling()
    assert _equal(draw(first), calls[0])
    assert _equal(draw(first, random_state=7), fixed)
    assert _equal(draw(first), calls[1])
    # a pickled model keeps its place in the stream
    loaded = pickle.loads(pickle.dumps(first))
    assert _equal(draw(loaded), draw(first))
    # refitting starts the stream anew
    assert _equal(draw(first.fit(X)), calls[0])


def test_sample_and_stochastic_decoding_share_the_stream(Xy):
    X, _ = Xy
    vae = VAETransformer(**VAE).fit(X)
    a = vae.sample(10)
    vae.inverse_transform(np.zeros((3, 2)), stochastic=True)
    b = vae.sample(10)
    vae.reset_sampling()
    pd.testing.assert_frame_equal(vae.sample(10), a)
    assert not vae.sample(10).equals(b)  # the second call: the decoding's before
    pd.testing.assert_frame_equal(vae.sample(10), b)  # b was the stream's third call
    # deterministic decoding does not draw
    vae.reset_sampling()
    vae.inverse_transform(np.zeros((3, 2)))
    pd.testing.assert_frame_equal(vae.sample(10), a)


@pytest.mark.parametrize("cls, params", [(GANSampler, GAN), (VAETransformer, VAE)])
def test_a_failed_sample_call_does_not_advance_the_stream(cls, params, Xy, monkeypatch):
    X, y = Xy
    model = cls(**params).fit(X, y) if cls is GANSampler else cls(**params).fit(X)
    first = model.sample(10)
    model.reset_sampling()
    with pytest.raises(ValueError):
        model.sample(True)
    with pytest.raises(KeyboardInterrupt):
        with monkeypatch.context() as m:
            m.setattr(model.encoder_, "decode_rows", _raise_keyboard_interrupt)
            model.sample(10)
    pd.testing.assert_frame_equal(model.sample(10), first)


def _raise_keyboard_interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("cls, params", [(GANSampler, GAN), (VAETransformer, VAE)])
def test_fit_resample_is_reproducible_and_samples_from_the_stream(cls, params, Xy):
    X, y = Xy
    a_X, a_y = cls(**params).fit_resample(X, y)
    model = cls(**params)
    b_X, b_y = model.fit_resample(X, y)
    pd.testing.assert_frame_equal(a_X, b_X)
    pd.testing.assert_series_equal(a_y, b_y)
    added = b_X.iloc[len(X) :].reset_index(drop=True)
    # the added rows were the stream's first call; the next call gives other rows
    assert model._sample_calls_ == 1
    assert not model.sample(len(added), y=b_y.iloc[len(X) :].to_numpy()).equals(added)


def test_reset_sampling_needs_a_fitted_model():
    with pytest.raises(NotFittedError):
        GANSampler().reset_sampling()
    with pytest.raises(NotFittedError):
        VAETransformer().reset_sampling()


def test_clone_is_unfitted_and_sklearn_sample_semantics_are_documented():
    gan = GANSampler(**GAN)
    assert not hasattr(clone(gan), "_sample_calls_")
    for doc in (GANSampler.__doc__, VAETransformer.__doc__):
        assert "GaussianMixture" in doc and "reset_sampling" in doc


# --- 4. validation ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def int_models():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = np.r_[np.zeros(40, int), np.ones(20, int)]
    gan = GANSampler(**GAN).fit(X, y)
    vae = VAETransformer(**{**VAE, "conditional": True}).fit(X, y)
    return gan, vae


@pytest.mark.parametrize("label", [0.5, "1", True, 1.5, [0, "1"], np.array(["0", "1"])])
def test_labels_are_checked_exactly_against_the_classes(int_models, label):
    n = 2 if np.ndim(label) else 3
    for model in int_models:
        with pytest.raises(ValueError, match=r"not seen during fit; the classes are \[0, 1\]"):
            model.sample(n, y=label)


def test_unknown_labels_are_named_in_full(int_models):
    gan, vae = int_models
    with pytest.raises(ValueError, match=r"classes \['1'\] not seen.*'1' is not 1"):
        gan.sample(3, y="1")
    with pytest.raises(ValueError, match=r"classes \[True\] not seen"):
        vae.sample(3, y=True)
    X = np.random.RandomState(0).randn(40, 2)
    y = np.array(["a", "b"] * 20)  # dtype <U1: 'maybe' used to be cut to 'm'
    vae = VAETransformer(**{**VAE, "conditional": True}).fit(X, y)
    with pytest.raises(ValueError, match=r"classes \['maybe'\] not seen"):
        vae.sample(2, y="maybe")
    with pytest.raises(ValueError, match=r"classes \['maybe'\] not seen"):
        vae.transform(X[:2], y=["a", "maybe"])


def test_equal_numbers_are_the_same_class(int_models):
    for model in int_models:
        a = model.sample(5, y=1, random_state=0)
        np.testing.assert_array_equal(a, model.sample(5, y=1.0, random_state=0))
        np.testing.assert_array_equal(a, model.sample(5, y=np.int64(1), random_state=0))


def test_label_codes_unit():
    classes = np.array([0, 1, 2])
    np.testing.assert_array_equal(label_codes(classes, 2, 3), [2, 2, 2])
    np.testing.assert_array_equal(label_codes(classes, [2, 0.0, np.int8(1)], 3), [2, 0, 1])
    with pytest.raises(ValueError, match=r"\[True\] not seen"):
        label_codes(classes, np.array([1, True], dtype=object), 2)
    with pytest.raises(ValueError, match=r"\[nan\] not seen"):
        label_codes(classes, [1.0, np.nan], 2)
    with pytest.raises(ValueError, match="2 labels for 3 rows"):
        label_codes(classes, [1, 2], 3)
    with pytest.raises(ValueError, match="1-D"):
        label_codes(classes, np.ones((3, 1)), 3)
    names = np.array(["a", "bb"])
    np.testing.assert_array_equal(label_codes(names, np.array(["bb", "a"]), 2), [1, 0])


def test_sampling_strategy_keys_are_checked_exactly():
    X = np.random.RandomState(0).randn(60, 3)
    y = np.r_[np.zeros(40, int), np.ones(20, int)]
    with pytest.raises(ValueError, match=r"\['1'\] target class is/are not present"):
        VAETransformer(**VAE, sampling_strategy={"1": 40}).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"\[True\] target class is/are not present"):
        GANSampler(**GAN, sampling_strategy={True: 40}).fit_resample(X, y)
    model = VAETransformer(**VAE, sampling_strategy={1.0: 40})
    _, y_res = model.fit_resample(X, y)
    assert model.sampling_strategy_ == {1: 20}
    assert y_res.dtype == y.dtype and np.bincount(y_res).tolist() == [40, 40]


def test_conditions_take_one_value_per_column(Xy):
    X, _ = Xy
    gan = GANSampler(**{**GAN, "condition_columns": ["island"]}).fit(X)
    for value in (["Dream", "Biscoe"], ("Dream",), np.array(["Dream"]), {"Dream"}):
        with pytest.raises(ValueError, match="one value for column 'island'"):
            gan.sample(2, conditions={"island": value})
    assert (gan.sample(4, conditions={"island": "Dream"})["island"] == "Dream").all()


@pytest.mark.parametrize("n", [True, False, np.bool_(True)])
def test_booleans_are_not_counts(int_models, n):
    for model in int_models:
        with pytest.raises(ValueError, match="n_samples must be an integer >= 1.*a bool"):
            model.sample(n)
    np.testing.assert_array_equal(
        int_models[0].sample(np.int64(2), random_state=0),
        int_models[0].sample(2, random_state=0),
    )


def test_vae_n_components_is_checked_against_the_encoded_width(Xy):
    X, _ = Xy
    width = VAETransformer(**VAE).fit(X).encoder_.layout_.n_features
    for cls in (VAETransformer, AutoencoderTransformer):
        model = cls(**{**(VAE if cls is VAETransformer else AE), "n_components": 50})
        with pytest.raises(ValueError, match=f"n_components=50 must be at most.*={width}"):
            model.fit(X)
        assert not hasattr(model, "encoder_")


@pytest.mark.parametrize("cls, params", [(AutoencoderTransformer, AE), (VAETransformer, VAE)])
def test_batch_norm_with_a_one_row_last_batch(cls, params):
    X = np.random.RandomState(0).randn(21, 4)  # batches of 10, 10 and 1 row
    model = cls(**{**params, "batch_norm": True, "batch_size": 10}).fit(X)
    assert model.transform(X).shape == (21, 2)
    # early stopping that leaves one training row: a clear error before training
    small = cls(**{**params, "batch_norm": True, "early_stopping": True})
    with pytest.raises(ValueError, match="batch_norm=True cannot be fitted on n_samples=1"):
        small.set_params(validation_fraction=0.5).fit(X[:2])


def test_gan_pretraining_with_a_one_row_last_batch():
    # pretraining uses batches of 256 rows: 257 rows used to end with a one-row batch
    X = np.random.RandomState(0).randn(257, 3)
    gan = GANSampler(**{**GAN, "max_epochs": 1, "pretrain_epochs": 1}).fit(X)
    assert gan.sample(3).shape == (3, 3)
    with pytest.raises(ValueError, match="pac=1 needs at least 2 training rows"):
        GANSampler(**{**GAN, "pac": 1, "batch_size": 1}).fit(X)


@pytest.mark.parametrize("cls, params", [(GANSampler, GAN), (VAETransformer, VAE)])
def test_two_dimensional_y_in_fit_resample(cls, params, Xy, monkeypatch):
    X, y = Xy
    y2 = np.c_[y.to_numpy(), y.to_numpy()]
    with monkeypatch.context() as m:
        m.setattr(BaseTabularNN, "_fit_network", _no_training)
        with pytest.raises(ValueError, match=r"one class label per row; y has shape \(115, 2\)"):
            cls(**params).fit_resample(X, y2)
    # a single column works, like a 1-D y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, y_res = cls(**params).fit_resample(X, y.to_numpy()[:, None])
        _, y_frame = cls(**params).fit_resample(X, y.to_frame())
    assert y_res.ndim == 1 and len(y_res) == len(X_res)
    assert isinstance(y_frame, pd.DataFrame) and list(y_frame.columns) == ["species"]
    np.testing.assert_array_equal(y_frame["species"].to_numpy(), y_res)


def _no_training(*args, **kwargs):
    raise AssertionError("training started before the labels were checked")


@pytest.mark.parametrize("kind", ["gan", "vae", "augmenter"])
@pytest.mark.parametrize("container", ["frame", "array"])
def test_fit_resample_with_nothing_to_add_returns_copies(kind, container, Xy):
    X, y = Xy
    if container == "array":
        X, y = X.select_dtypes("number").fillna(0).to_numpy(), y.to_numpy()
    X0, y0 = X.copy(), y.copy()
    sampler = {
        "gan": GANSampler(**GAN, sampling_strategy={}),
        "vae": VAETransformer(**VAE, sampling_strategy={}),
        "augmenter": AEAugmenter(AutoencoderTransformer(**AE), sampling_strategy={}),
    }[kind]
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res is not X and y_res is not y
    assert len(X_res) == len(X) and len(y_res) == len(y)
    if container == "frame":
        X_res.loc[0, "bill_length_mm"] = -1.0
        y_res.iloc[0] = "Gentoo" if y.iloc[0] != "Gentoo" else "Adelie"
        pd.testing.assert_frame_equal(X, X0)
        pd.testing.assert_series_equal(y, y0)
    else:
        X_res[0, 0] = -1.0
        y_res[0] = "changed"
        np.testing.assert_array_equal(X, X0)
        np.testing.assert_array_equal(y, y0)


# --- 5. nullable boolean and string columns --------------------------------------------------


def _nullable_frame():
    rng = np.random.RandomState(0)
    n = 48
    X = pd.DataFrame(
        {
            "x": rng.randn(n),
            "flag": pd.array([True, False, None, True] * (n // 4), dtype="boolean"),
            "label": pd.array(["p", "q", None, "r"] * (n // 4), dtype="string"),
            "count": pd.array([1, 2, None, 4] * (n // 4), dtype="Int64"),
        }
    )
    y = np.r_[np.zeros(36, int), np.ones(12, int)]
    return X, y


@pytest.mark.parametrize("decode", ["residual", "direct"])
def test_augmenter_with_nullable_boolean_and_string_columns(decode):
    X, y = _nullable_frame()
    X0 = X.copy()
    sampler = AEAugmenter(AutoencoderTransformer(**AE), decode=decode, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    pd.testing.assert_frame_equal(X, X0)
    assert X_res.shape == (72, 4) and np.bincount(y_res).tolist() == [36, 36]
    assert X_res.dtypes.equals(X.dtypes)
    assert set(X_res["flag"].dropna()) <= {True, False}
    assert set(X_res["label"].dropna()) <= {"p", "q", "r"}
    pd.testing.assert_frame_equal(X_res.iloc[:48], X)  # the real rows first, as they were


def test_augmented_classifier_with_nullable_boolean_and_string_columns():
    X, y = _nullable_frame()
    sampler = AEAugmenter(AutoencoderTransformer(**AE), random_state=0)
    clf = AugmentedClassifier(DummyClassifier(), augmenter=sampler).fit(X, y)
    assert clf.classes_.tolist() == [0, 1]
    assert clf.augmenter_.sampling_strategy_ == {1: 24}
    assert clf.predict(X).shape == (48,)
