"""Behaviour of GANSampler: learning, schema, conditioning, the autoencoder's roles,
training diagnostics, resampling and bad input."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier

from sklearn_ganae import GANSampler
from sklearn_ganae._resampling import oversampling_counts
from sklearn_ganae.gan._training import ConditionSpec, GANBatchIterator, GANData
from sklearn_ganae.metrics import column_shapes

FAST = dict(
    noise_dim=16,
    code_dim=16,
    generator_layer_sizes=(64, 64),
    discriminator_layer_sizes=(32, 64),
    batch_size=100,
    random_state=0,
)


@pytest.fixture(scope="module")
def gan(penguins_table):
    return GANSampler(**{**FAST, "max_epochs": 150}).fit(penguins_table)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(600, n_features=2, centers=[[-6, 0], [0, 6], [6, 0]], random_state=0)
    return X, np.array(["a", "b", "c"])[y]


@pytest.fixture(scope="module")
def cgan(blobs):
    X, y = blobs
    return GANSampler(**{**FAST, "max_epochs": 200}).fit(X, y)


def _shape_score(real, synthetic):
    return column_shapes(real, synthetic)["score"].mean()


def test_training_beats_the_untrained_generator(gan, penguins):
    untrained = GANSampler(**{**FAST, "max_epochs": 1}).fit(penguins)
    trained = _shape_score(penguins, gan.sample(1000, random_state=0))
    before = _shape_score(penguins, untrained.sample(1000, random_state=0))
    # with mode-specific normalisation even random codes decode near the modes (an
    # untrained generator scores about 0.75), so the gain is measured above that
    assert trained > 0.85
    assert trained > before + 0.1


def test_samples_follow_the_tables_schema(gan, penguins):
    rows = gan.sample(500, random_state=0)
    assert list(rows.columns) == list(penguins.columns)
    assert list(rows.dtypes) == list(penguins.dtypes)
    assert set(rows["species"].unique()) <= set(penguins["species"].unique())
    # integers stay integers, and missing values come back as missing
    assert rows["body_mass_g"].dropna().mod(1).eq(0).all()
    assert rows.isna().any().any()


def test_sample_is_reproducible_and_batched(gan):
    a = gan.sample(40, random_state=3)
    pd.testing.assert_frame_equal(a, gan.sample(40, random_state=3))
    assert not a.equals(gan.sample(40, random_state=4))
    gan.reset_sampling()  # the model's stream: successive calls differ, rewinding repeats
    first, second = gan.sample(20), gan.sample(20)
    assert not first.equals(second)
    pd.testing.assert_frame_equal(gan.reset_sampling().sample(20), first)
    big = gan.sample(25_000, random_state=0)  # three internal batches
    assert big.shape == (25_000, 7)
    pd.testing.assert_frame_equal(big.iloc[:40], gan.sample(25_000, random_state=0).iloc[:40])


def test_history_records_both_players(gan):
    keys = gan.history_[-1].keys()
    assert {"train_loss", "train_d_loss"} <= set(keys)
    assert "train_wasserstein" not in keys  # the logistic loss has no such estimate
    assert len(gan.loss_curve_) == gan.n_iter_ == 150
    assert all(np.isfinite(gan.history_[:, "train_d_loss"]))


def test_wgan_gp_loss_and_n_critic(penguins):
    gan = GANSampler(**{**FAST, "max_epochs": 4, "loss": "wgan-gp", "n_critic": 2})
    gan.fit(penguins)
    assert all(np.isfinite(gan.history_[:, "train_wasserstein"]))
    steps = 4 * (len(penguins) // gan.batch_size_)
    g_state = gan.net_.optimizer_.state_dict()["state"]
    d_state = gan.net_.discriminator_optimizer_.state_dict()["state"]
    assert int(next(iter(d_state.values()))["step"]) == steps
    assert int(next(iter(g_state.values()))["step"]) == steps // 2


def test_conditional_on_y_generates_the_asked_class(cgan, blobs):
    X, y = blobs
    knn = KNeighborsClassifier(5).fit(X, y)
    for cls in ["a", "b", "c"]:
        rows = cgan.sample(200, y=cls, random_state=0)
        assert (knn.predict(rows) == cls).mean() > 0.9
    mixed = cgan.sample(6, y=["a", "c"] * 3, random_state=0)
    assert (knn.predict(mixed) == np.array(["a", "c"] * 3)).mean() > 0.6
    free = cgan.sample(3000, random_state=0)
    shares = pd.Series(knn.predict(free)).value_counts(normalize=True)
    assert np.abs(shares - 1 / 3).max() < 0.1
    assert list(cgan.classes_) == ["a", "b", "c"]


def test_condition_columns_with_training_by_sampling(penguins):
    gan = GANSampler(**{**FAST, "max_epochs": 100, "condition_columns": ["island"]})
    gan.fit(penguins)
    assert gan.condition_columns_ == ["island"]
    rows = gan.sample(300, conditions={"island": "Dream"}, random_state=0)
    assert (rows["island"] == "Dream").all()
    # no Gentoo lives on Dream; the unconditioned share of Gentoo is 36%
    assert (rows["species"] == "Gentoo").mean() < 0.25
    auto = GANSampler(**{**FAST, "max_epochs": 1, "condition_columns": "auto"}).fit(penguins)
    assert auto.condition_columns_ == ["species", "island", "sex"]


def test_training_by_sampling_draws_rare_categories_by_log_frequency():
    Z = np.zeros((1010, 3), dtype=np.float32)
    Z[:1000, 0] = 1.0  # category 0: 1000 rows
    Z[1000:, 1] = 1.0  # category 1: 10 rows; category 2 never occurs
    Z[:, 2] = 0.0
    spec = ConditionSpec(0, [(0, 3)], 3).fit(Z, None)
    data = GANData(Z, spec=spec)
    torch.manual_seed(0)
    rows, positions = data.draw(20_000)
    share_rare = (positions == 1).float().mean().item()
    expected = np.log1p(10) / (np.log1p(10) + np.log1p(1000))
    assert abs(share_rare - expected) < 0.02
    assert (positions != 2).all()
    # every drawn row has the drawn category
    assert torch.equal(data.X[rows].argmax(dim=1), positions)
    # and conditions for sampling follow the plain frequencies
    cond = spec.draw(20_000, None, np.random.RandomState(0))
    assert abs(cond[:, 1].mean() - 10 / 1010) < 0.005


def test_a_class_conditional_gan_trains_on_classes_by_log_frequency():
    # 1000 rows of class 0, 10 of class 1, none of class 2: training batches draw a
    # class by the log of its frequency, then a row of it, and carry its label
    X = np.arange(1010 * 2, dtype=np.float32).reshape(1010, 2)
    y = np.r_[np.zeros(1000, int), np.ones(10, int)]
    spec = ConditionSpec(3, [], 2).fit(X, y)
    data = GANData(X, y, spec=spec)
    torch.manual_seed(0)
    batches = list(GANBatchIterator(data, 100))
    assert len(batches) == 10 and all(len(x) == 100 for x, _ in batches)
    rows = torch.cat([x for x, _ in batches])
    cond = torch.cat([c for _, c in batches])
    labels = (rows[:, 0] >= 2000).long()  # the rows of class 1 come last
    assert torch.equal(cond.argmax(dim=1), labels)
    assert (cond.sum(dim=1) == 1).all() and (cond[:, 2] == 0).all()
    share_rare = labels.float().mean().item()
    expected = np.log1p(10) / (np.log1p(10) + np.log1p(1000))  # 0.26, not 0.01
    assert abs(share_rare - expected) < 0.05
    # the rare class is drawn from all of its rows
    assert len(set(rows[labels == 1, 0].tolist())) == 10
    # a validation subset indexes and draws its own rows
    part = data.subset(torch.arange(990, 1010))
    assert torch.equal(part.class_count, torch.tensor([10, 10, 0]))
    drawn = part.draw_by_class(500)
    assert int(drawn.min()) >= 0 and int(drawn.max()) < 20
    assert torch.equal(part.conditions(drawn, None).argmax(1), (drawn >= 10).long())


def test_a_gan_fitted_with_labels_trains_on_class_draws(monkeypatch, penguins):
    calls = []
    original = GANData.draw_by_class

    def spy(self, n):
        calls.append(n)
        return original(self, n)

    monkeypatch.setattr(GANData, "draw_by_class", spy)
    X, y = penguins.drop(columns="species"), penguins["species"]
    gan = GANSampler(**{**FAST, "max_epochs": 2}).fit(X, y)
    assert calls and set(calls) == {gan.batch_size_}
    calls.clear()
    GANSampler(**{**FAST, "max_epochs": 2}).fit(penguins)  # no labels: one permutation
    assert not calls


def test_batch_iterator_gives_full_batches_once_per_row():
    data = GANData(np.arange(50, dtype=np.float32).reshape(25, 2))
    torch.manual_seed(0)
    batches = list(GANBatchIterator(data, 10))
    assert len(batches) == 2
    seen = torch.cat([x[:, 0] for x, _ in batches])
    assert len(seen) == 20 and len(set(seen.tolist())) == 20
    assert all(c.shape == (10, 0) for _, c in batches)


def test_batch_size_is_a_multiple_of_pac(penguins):
    gan = GANSampler(**{**FAST, "max_epochs": 1, "batch_size": 97, "pac": 10}).fit(penguins)
    assert gan.batch_size_ == 90
    small = GANSampler(**{**FAST, "max_epochs": 1, "batch_size": 500}).fit(penguins[:55])
    assert small.batch_size_ == 50


# --- the autoencoder's roles ------------------------------------------------------------


def _decoder_differences(gan):
    """Names of the generator's decoder weights that differ from the pretrained
    autoencoder's (batch-norm statistics aside: they follow the generated codes)."""
    ae = gan.autoencoder_.decoder.state_dict()
    return [
        name
        for name, value in gan.net_.module_.decoder.state_dict().items()
        if not (name.endswith("num_batches_tracked") or "running" in name)
        and not torch.equal(value, ae[name])
    ]


@pytest.mark.parametrize("freeze", ["auto", True])
def test_pretrained_frozen_decoder_is_the_autoencoders(penguins, freeze):
    # "auto" (the default) keeps the pretrained decoder fixed, as True does
    gan = GANSampler(**{**FAST, "max_epochs": 3, "freeze_decoder": freeze}).fit(penguins)
    assert gan.pretrain_generator and gan.autoencoder_ is not None
    assert _decoder_differences(gan) == []
    trainable = [p.requires_grad for p in gan.net_.module_.parameters()]
    decoder = [p.requires_grad for p in gan.net_.module_.decoder.parameters()]
    assert not any(decoder) and any(trainable)
    # its batch normalisation follows the generated batches (the documented design:
    # the pretraining's statistics kept fixed trained far worse)
    ae = gan.autoencoder_.decoder.state_dict()
    running = {k: v for k, v in gan.net_.module_.decoder.state_dict().items() if "running" in k}
    assert running and all(not torch.equal(v, ae[k]) for k, v in running.items())


def test_unfrozen_decoder_is_fine_tuned(penguins):
    gan = GANSampler(**{**FAST, "max_epochs": 3, "freeze_decoder": False}).fit(penguins)
    assert _decoder_differences(gan)
    assert all(p.requires_grad for p in gan.net_.module_.parameters())


def test_auto_freeze_without_pretraining_trains_the_decoder(penguins):
    gan = GANSampler(**{**FAST, "max_epochs": 1, "pretrain_generator": False}).fit(penguins)
    assert gan.autoencoder_ is None
    assert all(p.requires_grad for p in gan.net_.module_.parameters())


def test_frozen_decoder_needs_a_pretrained_one(penguins, monkeypatch):
    gan = GANSampler(**{**FAST, "pretrain_generator": False, "freeze_decoder": True})
    calls = []
    # a generator that is never built raises nothing itself: the refusal comes from
    # the parameter checks, before any network is built or trained
    monkeypatch.setattr(GANSampler, "_build_module", lambda self, state: calls.append(1))
    with pytest.raises(ValueError, match=r"freeze_decoder=True.*pretrain_generator=True"):
        gan.fit(penguins)
    assert calls == []


def test_pretrained_discriminator_starts_as_the_encoder(penguins):
    gan = GANSampler(
        **{
            **FAST,
            "max_epochs": 1,
            "pretrain_discriminator": True,
            "discriminator_learning_rate": 1e-12,
        }
    ).fit(penguins)
    body = gan.net_.discriminator_.body.state_dict()
    for name, value in gan.autoencoder_.encoder.body.state_dict().items():
        torch.testing.assert_close(body[name], value, atol=1e-9, rtol=0)


def test_reconstruction_term_pulls_samples_towards_the_autoencoder(penguins):
    def ae_error(gan):
        rows = gan.sample(1000, random_state=0)
        Z = torch.as_tensor(gan.encoder_.transform(rows))
        ae = gan.autoencoder_
        with torch.no_grad():
            return gan.net_.criterion_(ae.decoder(ae.encoder(Z)), Z).item()

    params = {**FAST, "max_epochs": 60, "pretrain_epochs": 40}
    plain = GANSampler(**params, reconstruction_weight=1e-9).fit(penguins)
    pulled = GANSampler(**params, reconstruction_weight=20.0).fit(penguins)
    assert plain.autoencoder_ is not None and pulled.autoencoder_ is not None
    assert ae_error(pulled) < ae_error(plain)


# --- diagnostics ---------------------------------------------------------------------------


def test_early_stopping_scores_held_out_rows_and_keeps_no_rows(penguins):
    gan = GANSampler(
        **{
            **FAST,
            "max_epochs": 40,
            "early_stopping": True,
            "validation_fraction": 0.3,
            "validation_interval": 5,
            "n_iter_no_change": 2,
        }
    ).fit(penguins)
    checks = [h.get("valid_detection") for h in gan.history_ if "valid_detection" in h]
    assert len(checks) >= 2 and all(0.0 <= a <= 1.0 for a in checks)
    stopper = dict(gan.net_.callbacks_)["detection_early_stopping"]
    assert stopper.best_score_ >= 0.5  # an AUC below 0.5 counts as 0.5
    assert stopper.best_state_ is None  # no copies
    # no held-out rows are kept: skorch's validation set is dropped after training
    assert not hasattr(stopper, "valid") and gan.net_.train_split is None


def test_early_stopping_needs_enough_held_out_rows(penguins):
    gan = GANSampler(**{**FAST, "early_stopping": True})  # 10% of 344 rows: 34
    with pytest.raises(ValueError, match=r"34 rows, but the detection check needs at least 100"):
        gan.fit(penguins)
    assert not hasattr(gan, "net_")


def _scripted_detection(monkeypatch, aucs):
    """Make the detection check return ``aucs`` in turn; record the generator's state."""
    from sklearn_ganae.gan import _early_stopping as _gan_training

    script, states = iter(aucs), []
    original = _gan_training.DetectionEarlyStopping.on_epoch_end

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.interval == 0:
            states.append({k: v.clone() for k, v in net.module_.state_dict().items()})
        return original(self, net, **kwargs)

    monkeypatch.setattr(_gan_training, "detection_auc", lambda *a, **k: next(script))
    monkeypatch.setattr(_gan_training.DetectionEarlyStopping, "on_epoch_end", on_epoch_end)
    return states


def _es_gan(**extra):
    return GANSampler(
        **{
            **FAST,
            "max_epochs": 30,
            "early_stopping": True,
            "validation_fraction": 0.3,
            "validation_interval": 1,
            **extra,
        }
    )


def test_noise_does_not_count_as_improvement(penguins, monkeypatch):
    # changes far below the AUC's standard error: the first check stays the best, two
    # misses stop training, and the last generator is kept (nothing clearly better)
    _scripted_detection(monkeypatch, [0.80, 0.79, 0.795, 0.70])
    gan = _es_gan(n_iter_no_change=2).fit(penguins)
    stopper = dict(gan.net_.callbacks_)["detection_early_stopping"]
    assert gan.n_iter_ == 3
    assert stopper.best_epoch_ == 1 and stopper.restored_epoch_ is None


def test_a_clearly_better_generator_is_restored(penguins, monkeypatch):
    states = _scripted_detection(monkeypatch, [0.95, 0.70, 0.96, 0.97])
    gan = _es_gan(n_iter_no_change=2).fit(penguins)
    stopper = dict(gan.net_.callbacks_)["detection_early_stopping"]
    assert gan.n_iter_ == 4 and stopper.restored_epoch_ == 2
    state = gan.net_.module_.state_dict()
    for name, value in states[1].items():
        assert torch.equal(state[name], value)


def test_an_auc_below_one_half_is_not_rewarded(penguins, monkeypatch):
    # 0.2 counts as 0.5, the best possible; 0.45 and 0.5 after it are misses, not gains
    _scripted_detection(monkeypatch, [0.9, 0.2, 0.45, 0.5])
    gan = _es_gan(n_iter_no_change=2).fit(penguins)
    stopper = dict(gan.net_.callbacks_)["detection_early_stopping"]
    assert stopper.best_score_ == 0.5 and stopper.best_epoch_ == 2
    assert gan.n_iter_ == 4


def test_collapsed_generator_warns(gan):
    collapsed = pickle.loads(pickle.dumps(gan))
    head = collapsed.net_.module_.decoder.head
    block = collapsed.encoder_.layout_[0]  # species
    with torch.no_grad():
        head.weight[block.start : block.stop] = 0.0
        head.bias[block.start : block.stop] = torch.tensor([30.0, 0.0, 0.0])
    with pytest.warns(ConvergenceWarning, match=r"collapsed.*species"):
        collapsed._check_collapse()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        gan._check_collapse()


def test_diverging_training_raises(penguins):
    with pytest.raises(FloatingPointError, match="learning_rate"):
        GANSampler(**{**FAST, "max_epochs": 30, "learning_rate": 1e12}).fit(penguins)


# --- resampling ------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["auto", "minority", {"Chinstrap": 200}])
def test_fit_resample_counts_follow_the_strategy(penguins, strategy):
    X, y = penguins.drop(columns="species"), penguins["species"]
    sampler = GANSampler(**{**FAST, "max_epochs": 2, "sampling_strategy": strategy})
    X_res, y_res = sampler.fit_resample(X, y)
    expected = oversampling_counts(strategy, y)
    assert sampler.sampling_strategy_ == expected
    after, before = y_res.value_counts(), y.value_counts()
    for cls in before.index:
        assert after[cls] == before[cls] + expected.get(cls, 0)
    assert list(X_res.dtypes) == list(X.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X.reset_index(drop=True))


def test_in_an_imbalanced_learn_pipeline(blobs):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    from sklearn.linear_model import LogisticRegression

    X, y = blobs
    X, y = X[:450], y[:450]
    keep = np.r_[np.flatnonzero(y != "c"), np.flatnonzero(y == "c")[:30]]
    X, y = X[keep], y[keep]
    pipe = imblearn_pipeline.make_pipeline(
        GANSampler(**{**FAST, "max_epochs": 5}), LogisticRegression()
    )
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    assert (pipe.predict(X) == y).mean() > 0.9


# --- conventions -------------------------------------------------------------------------------


def test_reproducible_and_picklable(gan, penguins):
    again = GANSampler(**{**FAST, "max_epochs": 150}).fit(penguins)
    pd.testing.assert_frame_equal(again.sample(30, random_state=1), gan.sample(30, random_state=1))
    loaded = pickle.loads(pickle.dumps(gan))
    pd.testing.assert_frame_equal(
        loaded.sample(30, random_state=1), gan.sample(30, random_state=1)
    )
    assert clone(gan).get_params() == gan.get_params()


def test_global_torch_rng_untouched(gan, penguins):
    torch.manual_seed(7)
    state = torch.random.get_rng_state().clone()
    gan.sample(10)
    GANSampler(**{**FAST, "max_epochs": 2}).fit(penguins)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_input_not_modified(penguins):
    X, y = penguins.drop(columns="species"), penguins["species"]
    X0, y0 = X.copy(deep=True), y.copy(deep=True)
    GANSampler(**{**FAST, "max_epochs": 2}).fit_resample(X, y)
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_series_equal(y, y0)


def test_bad_input(gan, cgan, penguins):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GANSampler().sample(3)
    for n in (0, -3, 2.5):
        with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
            gan.sample(n)
    with pytest.raises(ValueError, match=r"classes \['z'\] not seen"):
        cgan.sample(3, y="z")
    with pytest.raises(ValueError, match="fitted without y"):
        gan.sample(3, y="Adelie")
    with pytest.raises(ValueError, match="fitted without condition_columns"):
        gan.sample(3, conditions={"island": "Dream"})
    island = GANSampler(**{**FAST, "max_epochs": 1, "condition_columns": ["island"]})
    island.fit(penguins)
    with pytest.raises(ValueError, match="not conditioned on"):
        island.sample(3, conditions={"species": "Adelie"})
    with pytest.raises(ValueError, match="'Atlantis' in column 'island'"):
        island.sample(3, conditions={"island": "Atlantis"})
    with pytest.raises(ValueError, match="one column"):
        island.sample(3, conditions={"island": "Dream", "sex": "male"})
    with pytest.raises(ValueError, match="not categorical"):
        GANSampler(**{**FAST, "condition_columns": ["body_mass_g"]}).fit(penguins)
    with pytest.raises(ValueError, match="not a column of X"):
        GANSampler(**{**FAST, "condition_columns": ["colour"]}).fit(penguins)
    with pytest.raises(ValueError, match="minimum of 1 sample"):
        GANSampler(**FAST).fit(penguins.iloc[:0])
    X = penguins.drop(columns="species")
    with pytest.raises(ValueError, match="single class"):
        GANSampler(**FAST).fit_resample(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="344 rows"):
        GANSampler(**FAST).fit(X, penguins["species"][:10])
    with pytest.raises(ValueError, match="pac=10 needs at least 10"):
        GANSampler(**FAST).fit(penguins[:8])
    with pytest.raises(ValueError, match="loss"):
        GANSampler(loss="hinge").fit(penguins)


def test_device_tensors_pickle_the_way_skorch_pickles_modules(penguins):
    """The GAN net's own tensors go with skorch's device-dependent attributes, which
    skorch maps to the CPU when a model trained on a GPU is unpickled without one."""
    import pickle

    gan = GANSampler(
        noise_dim=4, code_dim=4, generator_layer_sizes=(8,), discriminator_layer_sizes=(8,),
        max_epochs=1, pretrain_epochs=1, reconstruction_weight=0.5, condition_columns="auto",
        random_state=0,
    ).fit(penguins)  # fmt: skip
    state = gan.net_.__getstate__()
    for name in ("_condition_select", "_condition_blocks", "_last_g_loss"):
        assert name not in state  # inside "__cuda_dependent_attributes__"
    again = pickle.loads(pickle.dumps(gan))
    assert torch.equal(again.net_._condition_select, gan.net_._condition_select)
    assert again.sample(5, random_state=0).equals(gan.sample(5, random_state=0))
