"""sklearn_ganae.save / load: exact round trips of every estimator, no training rows in
the file, the format's guarantees (one zip, no code, whitelist) and bad files."""

import datetime as dt
import json
import os
import pickle
import struct
import warnings
import zipfile
import zoneinfo

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from safetensors import safe_open
from safetensors.torch import load as load_tensors
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

import sklearn_ganae
from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
    GANSampler,
    TabularEncoder,
    VAETransformer,
    load,
    save,
)
from sklearn_ganae._persistence import (
    FORMAT,
    FORMAT_VERSION,
    ModelVersionWarning,
    _Reader,
    _Writer,
)

SECRET_FLOAT = 47.123456789  # one training value, neither a minimum, maximum nor median
SECRET_STRINGS = ("zqxj", "Qwertyzxcv", "Asdfghjklm")  # identifiers and rare categories

TINY = dict(hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
GAN_TINY = dict(
    noise_dim=8,
    code_dim=8,
    generator_layer_sizes=(16, 16),
    discriminator_layer_sizes=(16, 16),
    batch_size=50,
    max_epochs=2,
    pretrain_epochs=2,
    random_state=0,
)


def _encoder(**kwargs):
    return TabularEncoder(column_roles={"email": "identifier"}, min_frequency=5, **kwargs)


@pytest.fixture(scope="module")
def table(penguins_table):
    """Penguins with an identifier column, two rare islands and one distinctive float."""
    df = penguins_table.copy()
    df["island"] = df["island"].astype(object)
    df.loc[23, "island"] = "Qwertyzxcv"
    df.loc[29, "island"] = "Asdfghjklm"
    df.loc[17, "bill_length_mm"] = SECRET_FLOAT
    df["email"] = [f"user{i:04d}.zqxj@host-{i % 7}.example" for i in range(len(df))]
    X = df.drop(columns="species")
    return X, df["species"]


@pytest.fixture(scope="module")
def numeric(table):
    X, y = table
    return X.select_dtypes("number").astype(float).fillna(0.0), y


@pytest.fixture(scope="module")
def fitted(table, numeric):
    """One fitted instance of every public estimator, on the table (quick settings)."""
    X, y = table
    Xn, yn = numeric
    ae = AutoencoderTransformer(n_components=2, encoder=_encoder(), early_stopping=True, **TINY)
    out = {
        "encoder": (_encoder(continuous_transform="quantile"), X, y, False),
        "autoencoder": (ae, X, y, False),
        "vae": (
            VAETransformer(n_components=2, conditional=True, encoder=_encoder(), **TINY),
            X,
            y,
            True,
        ),
        "gan": (
            GANSampler(
                encoder=_encoder(),
                condition_columns="auto",
                early_stopping=True,
                validation_fraction=0.3,
                validation_interval=1,
                reconstruction_weight=0.1,
                **GAN_TINY,
            ),
            X,
            y,
            True,
        ),
        "augmenter": (
            AEAugmenter(AutoencoderTransformer(n_components=2, encoder=_encoder(), **TINY)),
            X,
            y,
            True,
        ),
        "classifier": (
            AugmentedClassifier(
                LogisticRegression(max_iter=200),
                augmenter=AEAugmenter(AutoencoderTransformer(n_components=2, **TINY)),
            ),
            Xn,
            yn,
            True,
        ),
    }
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny fits: convergence and role warnings
        for name, (est, X_, y_, needs_y) in out.items():
            est.fit(X_, y_) if needs_y else est.fit(X_)
            models[name] = (est, X_, y_)
    return models


ESTIMATORS = ["encoder", "autoencoder", "vae", "gan", "augmenter", "classifier"]


def _outputs(name, est, X, y):
    """What the estimator computes, by deterministic calls (seeded where random)."""
    if name == "encoder":
        Z = est.transform(X)
        return [Z, est.inverse_transform(Z), est.decode_rows(Z, random_state=0)]
    if name == "autoencoder":
        codes = est.transform(X)
        return [codes, est.inverse_transform(codes), est.score_samples(X)]
    if name == "vae":
        codes = est.transform(X, y)
        return [
            codes,
            est.inverse_transform(codes, y=y),
            est.inverse_transform(codes, y=y, stochastic=True, random_state=3),
            est.score_samples(X, y),
            est.sample(30, random_state=0),
            est.sample(10, y="Gentoo", random_state=1),
        ]
    if name == "gan":
        return [
            est.sample(50, random_state=0),
            est.sample(20, y="Adelie", random_state=1),
            est.sample(20, conditions={"sex": "female"}, random_state=2),
        ]
    if name == "augmenter":
        return [
            est.estimator_.transform(X),
            est.latent_std_,
            est.sampling_strategy_,
            est.n_features_in_,
        ]
    return [est.predict_proba(X), est.predict(X), est.classes_]


def _assert_same(a, b):
    assert type(a) is type(b)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b, strict=True)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, z in zip(a, b, strict=True):
            _assert_same(x, z)
    else:
        assert a == b


def _save_load(est, tmp_path, name="model.ganae"):
    path = save(est, tmp_path / name)
    return path, load(path)


# --- exact round trips ----------------------------------------------------------------
@pytest.mark.parametrize("name", ESTIMATORS)
def test_round_trip_is_exact(name, fitted, tmp_path):
    est, X, y = fitted[name]
    path, loaded = _save_load(est, tmp_path)
    assert type(loaded) is type(est)
    assert loaded.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    assert repr(loaded) == repr(est)
    check_is_fitted(loaded)
    _assert_same(_outputs(name, loaded, X, y), _outputs(name, est, X, y))
    # pickle keeps working, for the original and for the loaded copy
    for model in (est, loaded):
        restored = pickle.loads(pickle.dumps(model))
        _assert_same(_outputs(name, restored, X, y), _outputs(name, est, X, y))


@pytest.mark.parametrize("name", ["autoencoder", "vae", "gan"])
def test_fitted_attributes_come_back(name, fitted, tmp_path):
    est, _, _ = fitted[name]
    _, loaded = _save_load(est, tmp_path)
    assert loaded.n_iter_ == est.n_iter_
    assert loaded.loss_curve_ == est.loss_curve_
    assert loaded._seed_ == est._seed_
    assert loaded.device_ == est.device_ == "cpu"
    assert loaded.history_ is loaded.net_.history_  # shared, as after fit
    assert [{k: v for k, v in row.items() if k != "batches"} for row in loaded.history_] == [
        {k: v for k, v in row.items() if k != "batches"} for row in est.history_
    ]
    assert loaded.history_[:, "batches"] == est.history_[:, "batches"]
    assert loaded.encoder_.column_roles_ == est.encoder_.column_roles_
    assert loaded.encoder_.layout_ == est.encoder_.layout_
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)
    for key, value in est.net_.module_.state_dict().items():
        assert torch.equal(loaded.net_.module_.state_dict()[key], value)
    assert loaded.net_.module_.training == est.net_.module_.training


def test_gan_networks_and_optimizers_come_back(fitted, tmp_path):
    est, _, _ = fitted["gan"]
    _, loaded = _save_load(est, tmp_path)
    for attr in ("module_", "discriminator_", "autoencoder_"):
        saved, got = getattr(est.net_, attr), getattr(loaded.net_, attr)
        assert type(got) is type(saved)
        for key, value in saved.state_dict().items():
            assert torch.equal(got.state_dict()[key], value), (attr, key)
    # the net's frozen autoencoder is the estimator's, as after fit
    assert loaded.net_.autoencoder_ is loaded.autoencoder_
    assert not any(p.requires_grad for p in loaded.autoencoder_.parameters())
    for attr in ("optimizer_", "discriminator_optimizer_"):
        saved = getattr(est.net_, attr).state_dict()
        got = getattr(loaded.net_, attr).state_dict()
        assert got["param_groups"] == saved["param_groups"]
        for pid, values in saved["state"].items():
            for key, value in values.items():
                assert torch.equal(got["state"][pid][key], value)
    assert loaded.net_._d_steps == est.net_._d_steps
    assert loaded.condition_columns_ == est.condition_columns_
    np.testing.assert_array_equal(loaded._spec_.counts, est._spec_.counts)


@pytest.mark.parametrize("name", ["vae", "gan"])
def test_loaded_model_continues_the_sampling_stream(name, table, tmp_path):
    X, y = table
    est = clone(fitted_params(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    est.sample(7)  # one call of the stream made before saving
    _, loaded = _save_load(est, tmp_path)
    assert loaded._sample_calls_ == est._sample_calls_ == 1
    _assert_same(loaded.sample(9), est.sample(9))
    _assert_same(loaded.sample(4), est.sample(4))
    _assert_same(loaded.reset_sampling().sample(5), est.reset_sampling().sample(5))


def fitted_params(name):
    if name == "vae":
        return VAETransformer(n_components=2, conditional=True, encoder=_encoder(), **TINY)
    return GANSampler(encoder=_encoder(), **GAN_TINY)


@pytest.mark.parametrize("name", ["autoencoder", "gan"])
def test_warm_start_after_load_continues_as_the_saved_model(name, fitted, tmp_path):
    est, X, y = fitted[name]
    _, loaded = _save_load(est, tmp_path)
    twin = pickle.loads(pickle.dumps(est))  # an in-memory copy, trained alike
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in (loaded, twin):
            model.set_params(warm_start=True, max_epochs=1)
            model.fit(X, y) if name == "gan" else model.fit(X)
    assert loaded.n_iter_ == twin.n_iter_ == est.n_iter_ + 1
    assert loaded.loss_curve_ == twin.loss_curve_
    if name == "gan":
        _assert_same(loaded.sample(30, random_state=0), twin.sample(30, random_state=0))
    else:
        _assert_same(loaded.transform(X), twin.transform(X))


@pytest.mark.parametrize(
    "model",
    [
        AutoencoderTransformer(
            n_components=2, init="random", batch_norm=True, corruption=0.2, **TINY
        ),
        VAETransformer(n_components=2, learn_scale=False, batch_norm=True, **TINY),
        GANSampler(freeze_decoder=True, loss="wgan-gp", n_critic=2, **GAN_TINY),
        GANSampler(residual_generator=True, **GAN_TINY),
    ],
    ids=lambda m: type(m).__name__ + ("_residual" if getattr(m, "residual_generator", 0) else ""),
)
def test_variants_round_trip(model, table, tmp_path):
    X, _ = table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = clone(model).fit(X)
    _, loaded = _save_load(model, tmp_path)
    if isinstance(model, GANSampler):
        _assert_same(loaded.sample(30, random_state=0), model.sample(30, random_state=0))
        frozen = [n for n, p in model.net_.module_.named_parameters() if not p.requires_grad]
        assert bool(frozen) == model._freezes_decoder()
        assert frozen == [
            n for n, p in loaded.net_.module_.named_parameters() if not p.requires_grad
        ]
        groups = loaded.net_.optimizer_.state_dict()["param_groups"]
        assert groups == model.net_.optimizer_.state_dict()["param_groups"]
    else:
        _assert_same(loaded.transform(X), model.transform(X))
        _assert_same(loaded.score_samples(X), model.score_samples(X))
    state = model.net_.module_.state_dict()
    assert all(torch.equal(loaded.net_.module_.state_dict()[k], v) for k, v in state.items())


def test_augmenter_with_a_prefit_autoencoder_resamples_alike(fitted, table, tmp_path):
    X, y = table
    ae = fitted["autoencoder"][0]
    sampler = AEAugmenter(ae, prefit=True, random_state=0).fit(X, y)
    _, loaded = _save_load(sampler, tmp_path)
    # the estimator and the prefit estimator are one object, as they were
    assert loaded.estimator_ is loaded.estimator
    X_a, y_a = loaded.fit_resample(X, y)
    X_b, y_b = sampler.fit_resample(X, y)
    _assert_same(X_a, X_b)
    pd.testing.assert_series_equal(y_a, y_b)


def test_scikit_learn_estimators_with_plain_fitted_state_are_saved(numeric, table, tmp_path):
    X, y = numeric
    sampler = AEAugmenter(PCA(n_components=2), random_state=0).fit(X, y)
    _, loaded = _save_load(sampler, tmp_path, "pca.ganae")
    assert type(loaded.estimator_) is PCA
    _assert_same(loaded.estimator_.transform(X), sampler.estimator_.transform(X))
    clf = AugmentedClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        augmenter=AEAugmenter(PCA(n_components=2), random_state=0),
    ).fit(X, y)
    _, loaded = _save_load(clf, tmp_path, "pipeline.ganae")
    _assert_same(loaded.predict_proba(X), clf.predict_proba(X))
    # a column transformer with a one-hot encoder (dtype=np.float64, slices, lists)
    frame = X.assign(island=table[0]["island"].fillna("none").to_numpy())
    numbers = [c for c in frame.columns if c != "island"]
    clf = AugmentedClassifier(
        make_pipeline(
            ColumnTransformer(
                [
                    ("cat", OneHotEncoder(handle_unknown="ignore"), ["island"]),
                    ("num", StandardScaler(), numbers),
                ]
            ),
            LogisticRegression(),
        ),
        augmenter=AEAugmenter(AutoencoderTransformer(n_components=2, **TINY), random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(frame, y)
    _, loaded = _save_load(clf, tmp_path, "columns.ganae")
    _assert_same(loaded.predict_proba(frame), clf.predict_proba(frame))


def test_datetimes_and_extension_dtypes_round_trip(tmp_path):
    n = 60
    rng = np.random.RandomState(0)
    stamps = pd.Timestamp("2024-03-30 12:00", tz="Europe/Paris") + pd.to_timedelta(
        rng.randint(0, 10**6, n), unit="s"
    )
    df = pd.DataFrame(
        {
            "when": stamps,
            "naive": pd.date_range("2020-01-01", periods=n, freq="D").as_unit("s"),
            "utc": pd.date_range("2021-01-01", periods=n, freq="h", tz=dt.timezone.utc),
            "day": [
                dt.date(2022, 1, 1) + dt.timedelta(days=int(d)) for d in rng.randint(0, 90, n)
            ],
            "iso": [f"2023-05-{d:02d}" for d in rng.randint(1, 28, n)],
            "wait": pd.to_timedelta(rng.randint(0, 3600, n), unit="s"),
            "count": pd.array(rng.randint(0, 9, n), dtype="Int64"),
            "flag": pd.array(rng.rand(n) > 0.5, dtype="boolean"),
            "name": pd.array(rng.choice(["a", "b", None], n), dtype="string"),
            "level": pd.Categorical(rng.choice([3, 1, 2], n), categories=[1, 2, 3], ordered=True),
            "x": np.where(rng.rand(n) < 0.1, np.nan, rng.normal(size=n)).astype(np.float32),
        }
    )
    df.loc[3, "when"] = pd.NaT
    for method in ("standard", "mode", "auto"):
        enc = TabularEncoder(
            continuous_transform=method, column_roles={"iso": "datetime"}, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            enc.fit(df)
        path = save(enc, tmp_path / f"{method}.ganae")
        loaded = load(path, expected=TabularEncoder)
        _assert_same(_outputs("encoder", loaded, df, None), _outputs("encoder", enc, df, None))


def test_unfitted_estimators_round_trip(tmp_path):
    gan = GANSampler(noise_dim=3, encoder=TabularEncoder(min_frequency=3), random_state=4)
    _, loaded = _save_load(gan, tmp_path)
    assert repr(loaded) == repr(gan)
    assert isinstance(loaded.encoder, TabularEncoder) and loaded.encoder is not gan.encoder
    with pytest.raises(NotFittedError):
        check_is_fitted(loaded)


def test_random_state_instances_are_saved_with_their_state(tmp_path):
    rs = np.random.RandomState(5)
    rs.rand(3)
    ae = AutoencoderTransformer(random_state=rs)
    _, loaded = _save_load(ae, tmp_path)
    np.testing.assert_array_equal(loaded.random_state.rand(4), rs.rand(4))


def test_loading_leaves_the_global_torch_random_state_alone(fitted, tmp_path):
    path = save(fitted["gan"][0], tmp_path / "gan.ganae")
    torch.manual_seed(0)
    load(path)
    after = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(3))


# --- what the file holds --------------------------------------------------------------
@pytest.mark.parametrize("name", ESTIMATORS)
def test_the_file_holds_no_training_rows(name, fitted, tmp_path):
    est, X, _ = fitted[name]
    if name == "encoder":
        # with continuous_transform="quantile" the encoder keeps up to 1,000 quantiles
        # of each column: on a small table, its sorted values (a pickle does too)
        est = _encoder().fit(X)
    path = save(est, tmp_path / "model.ganae")
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        contents = [archive.read(n) for n in archive.namelist()]
    manifest = contents[0].decode("utf-8")
    for blob in (raw, *contents):
        for secret in SECRET_STRINGS:
            assert secret.encode() not in blob
            assert secret.encode("utf-16-le") not in blob
            assert secret.encode("utf-32-le") not in blob
        assert struct.pack("<d", SECRET_FLOAT) not in blob
        assert struct.pack("<f", SECRET_FLOAT) not in blob
    assert "47.1234" not in manifest
    assert "user0" not in manifest
    # the schema is there: the frequent levels of the categorical columns
    if name != "classifier":
        assert "Torgersen" in manifest


def test_gan_keeps_no_held_out_rows(fitted, tmp_path):
    est, _, _ = fitted["gan"]
    path = save(est, tmp_path / "gan.ganae")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    # the held-out rows reach the detection check as skorch's validation set
    # (train_split), which the fit drops after training
    text = json.dumps(manifest, separators=(",", ":"))
    assert '"train_split":null' in text
    assert "predefined_split" not in text and '"valid"' not in text
    loaded = load(path)
    assert loaded.net_.train_split is None
    assert not hasattr(dict(loaded.net_.callbacks_)["detection_early_stopping"], "valid")


def test_classes_name_the_attributes_that_are_data(fitted, tmp_path, monkeypatch):
    est, _, _ = fitted["gan"]
    monkeypatch.setattr(GANSampler, "_not_saved_attributes", ("batch_size_",), raising=False)
    path = save(est, tmp_path / "gan.ganae")
    with zipfile.ZipFile(path) as archive:
        fitted_state = json.loads(archive.read("manifest.json"))["fitted"]
    assert fitted_state["batch_size_"] is None
    assert fitted_state["n_iter_"] == est.n_iter_


def test_manifest_and_weights_layout(fitted, tmp_path):
    est, _, _ = fitted["gan"]
    path = save(est, tmp_path / "gan.ganae")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["manifest.json", "weights.safetensors"]
        manifest = json.loads(archive.read("manifest.json"))
        weights = load_tensors(archive.read("weights.safetensors"))
    assert list(manifest) == [
        "format",
        "format_version",
        "estimator",
        "versions",
        "device",
        "params",
        "encoder",
        "fitted",
    ]
    assert manifest["format"] == FORMAT and manifest["format_version"] == FORMAT_VERSION
    assert manifest["estimator"] == {"module": "sklearn_ganae", "name": "GANSampler"}
    assert manifest["versions"]["sklearn-ganae"] == sklearn_ganae.__version__
    assert manifest["versions"]["torch"] == torch.__version__
    assert {"numpy", "pandas", "scikit-learn", "skorch", "safetensors"} <= set(
        manifest["versions"]
    )
    assert manifest["device"] == "cpu"
    assert manifest["params"]["noise_dim"] == 8
    assert manifest["params"]["encoder"]["class"] == "sklearn_ganae.TabularEncoder"
    assert manifest["encoder"]["class"] == "sklearn_ganae.TabularEncoder"
    assert manifest["fitted"]["n_iter_"] == est.n_iter_
    with zipfile.ZipFile(path) as archive:
        (tmp_path / "w.safetensors").write_bytes(archive.read("weights.safetensors"))
    with safe_open(tmp_path / "w.safetensors", "pt") as fh:
        assert fh.metadata() == {"format": f"{FORMAT}/{FORMAT_VERSION}"}
    generator = {k: v for k, v in weights.items() if k.endswith("decoder.head.weight")}
    assert generator and all(t.dtype == torch.float32 for t in generator.values())
    n_weights = sum(t.numel() for t in est.net_.module_.parameters())
    assert n_weights <= sum(t.numel() for t in weights.values())


def test_saving_twice_gives_the_same_bytes(fitted, tmp_path):
    est, _, _ = fitted["vae"]
    a = save(est, tmp_path / "a.ganae").read_bytes()
    b = save(est, tmp_path / "b.ganae").read_bytes()
    assert a == b


# --- writing the file -----------------------------------------------------------------
def test_save_never_overwrites_unless_asked(fitted, tmp_path):
    est, _, _ = fitted["autoencoder"]
    path = tmp_path / "model.ganae"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save(est, path)
    assert path.read_bytes() == b"precious"
    assert save(est, path, overwrite=True) == path
    assert zipfile.is_zipfile(path)
    assert sorted(os.listdir(tmp_path)) == ["model.ganae"]  # no temporary file left


def test_an_interrupted_save_leaves_nothing_behind(fitted, tmp_path, monkeypatch):
    est, _, _ = fitted["autoencoder"]
    path = tmp_path / "model.ganae"
    path.write_bytes(b"precious")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupt)
    for target, overwrite in ((path, True), (tmp_path / "new.ganae", False)):
        with pytest.raises(KeyboardInterrupt):
            save(est, target, overwrite=overwrite)
    assert path.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == ["model.ganae"]


def test_overwriting_keeps_the_file_mode(fitted, tmp_path):
    est, _, _ = fitted["autoencoder"]
    path = tmp_path / "model.ganae"
    path.write_bytes(b"old")
    path.chmod(0o600)
    save(est, path, overwrite=True)
    assert path.stat().st_mode & 0o777 == 0o600
    umask = os.umask(0)
    os.umask(umask)
    fresh = save(est, tmp_path / "fresh.ganae")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_accepts_str_paths_and_checks_them_first(fitted, tmp_path):
    est, _, _ = fitted["autoencoder"]
    assert save(est, str(tmp_path / "m.ganae")).is_file()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(est, tmp_path / "missing" / "m.ganae")
    with pytest.raises(IsADirectoryError):
        save(est, tmp_path)


def test_save_refuses_what_it_cannot_store(numeric, tmp_path):
    X, y = numeric
    with pytest.raises(TypeError, match="estimators of sklearn-ganae.*pickle, joblib or skops"):
        save(PCA(n_components=2).fit(X), tmp_path / "pca.ganae")
    forest = AugmentedClassifier(
        RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0),
        augmenter=AEAugmenter(PCA(n_components=2), random_state=0),
    ).fit(X, y)
    with pytest.raises(TypeError, match=r"estimator_.*pickle or joblib, or with skops"):
        save(forest, tmp_path / "forest.ganae")
    with pytest.raises(TypeError, match="sampling_strategy"):
        save(GANSampler(sampling_strategy=lambda y: {}), tmp_path / "callable.ganae")
    assert os.listdir(tmp_path) == []  # nothing written, no temporary file left


# --- reading bad files ----------------------------------------------------------------
def _rewrite(path, out, edit=None, text_edit=None, drop=()):
    """Copy the model file ``path`` to ``out`` with its manifest edited."""
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    text = members["manifest.json"].decode("utf-8")
    if text_edit is not None:
        text = text_edit(text)
    manifest = json.loads(text)
    if edit is not None:
        edit(manifest)
    members["manifest.json"] = json.dumps(manifest, separators=(",", ":")).encode("utf-8")
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            if name not in drop:
                archive.writestr(name, data)
    return out


@pytest.fixture(scope="module")
def ae_file(fitted, tmp_path_factory):
    return save(fitted["autoencoder"][0], tmp_path_factory.mktemp("ae") / "ae.ganae")


def test_load_refuses_files_that_are_not_models(ae_file, fitted, tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.ganae")
    junk = tmp_path / "junk.ganae"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a zip archive"):
        load(junk)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(fitted["autoencoder"][0]))
    with pytest.raises(ValueError, match="not a zip archive.*pickle"):
        load(pickled)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="without manifest.json"):
        load(other)
    bad_json = tmp_path / "bad.ganae"
    with zipfile.ZipFile(bad_json, "w") as archive:
        archive.writestr("manifest.json", "{not json")
    with pytest.raises(ValueError, match="cannot be read"):
        load(bad_json)
    foreign = _rewrite(ae_file, tmp_path / "f.ganae", lambda m: m.update(format="other-tool"))
    with pytest.raises(ValueError, match="not a sklearn-ganae model file.*'other-tool'"):
        load(foreign)


def test_load_refuses_a_newer_format_version(ae_file, tmp_path):
    newer = _rewrite(ae_file, tmp_path / "n.ganae", lambda m: m.update(format_version=2))
    with pytest.raises(ValueError, match="newer.*Upgrade sklearn-ganae"):
        load(newer)


def test_load_refuses_another_class_than_expected(ae_file):
    assert isinstance(load(ae_file, expected=AutoencoderTransformer), AutoencoderTransformer)
    load(ae_file, expected=(VAETransformer, AutoencoderTransformer))
    with pytest.raises(ValueError, match="of class AutoencoderTransformer, not GANSampler"):
        load(ae_file, expected=GANSampler)
    with pytest.raises(TypeError, match="class or a tuple of classes"):
        load(ae_file, expected="GANSampler")


def test_load_warns_on_other_versions(ae_file, fitted, tmp_path):
    def edit(manifest):
        manifest["versions"].update(torch="1.13.1", **{"sklearn-ganae": "9.1.0"})

    old = _rewrite(ae_file, tmp_path / "old.ganae", edit)
    with pytest.warns(ModelVersionWarning, match=r"torch 1\.13\.1.*installed"):
        loaded = load(old)
    est, X, y = fitted["autoencoder"]
    _assert_same(_outputs("autoencoder", loaded, X, y), _outputs("autoencoder", est, X, y))
    # a patch release is no mismatch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(
            _rewrite(
                ae_file,
                tmp_path / "patch.ganae",
                lambda m: m["versions"].update(numpy=np.__version__.rsplit(".", 1)[0] + ".99"),
            )
        )


@pytest.mark.parametrize(
    "old, new",
    [
        ("sklearn_ganae.tabular._ContinuousCodec", "subprocess.Popen"),
        ("sklearn_ganae.nn._modules.Autoencoder", "torch.nn.Module"),
        ("sklearn_ganae._training.TabularNet", "skorch.NeuralNet"),
        ('"class","name":"torch.optim.AdamW"', '"class","name":"builtins.eval"'),
        (
            '"function","name":"sklearn_ganae._progress.print_to_stderr"',
            '"function","name":"builtins.exec"',
        ),
        ('"$type":"ndarray"', '"$type":"pickle"'),
        ('"name":"AutoencoderTransformer"', '"name":"Pipeline"'),
    ],
)
def test_load_refuses_classes_outside_the_whitelist(old, new, ae_file, tmp_path):
    assert old in zipfile.ZipFile(ae_file).read("manifest.json").decode()
    tampered = _rewrite(ae_file, tmp_path / "t.ganae", text_edit=lambda t: t.replace(old, new))
    with pytest.raises(ValueError, match="refusing to load it"):
        load(tampered)


def test_load_refuses_scikit_learn_classes_outside_its_public_modules(numeric, tmp_path):
    X, y = numeric
    sampler = AEAugmenter(PCA(n_components=2), random_state=0).fit(X, y)
    source = save(sampler, tmp_path / "pca.ganae")
    for name in (
        "sklearn.utils._testing.MinimalTransformer",
        "sklearn.decomposition.tests.test_pca.PCA",
        "sklearn.base.BaseEstimator",
        "sklearn.decomposition.PCA.__class__",
    ):
        tampered = _rewrite(
            source,
            tmp_path / "t.ganae",
            text_edit=lambda t, n=name: t.replace("sklearn.decomposition.PCA", n),
        )
        with pytest.raises(ValueError, match="refusing to load it"):
            load(tampered)
        tampered.unlink()
    # a scikit-learn estimator is never the file's estimator
    root = _rewrite(
        source,
        tmp_path / "root.ganae",
        lambda m: m.update(estimator={"module": "sklearn.decomposition", "name": "PCA"}),
    )
    with pytest.raises(ValueError, match="refusing to load it"):
        load(root)


def test_load_reports_damaged_files(ae_file, tmp_path):
    no_params = _rewrite(ae_file, tmp_path / "p.ganae", lambda m: m.pop("params"))
    with pytest.raises(ValueError, match="damaged"):
        load(no_params)
    no_weights = _rewrite(ae_file, tmp_path / "w.ganae", drop=("weights.safetensors",))
    with pytest.raises(ValueError, match="missing from weights.safetensors|damaged"):
        load(no_weights)
    renamed = _rewrite(
        ae_file,
        tmp_path / "r.ganae",
        lambda m: m["params"].update(no_such_parameter=1),
    )
    with pytest.raises(ValueError, match="do not match this version"):
        load(renamed)


def test_load_refuses_attributes_that_hide_methods(ae_file, tmp_path):
    hide = {"$type": "function", "name": "sklearn_ganae._progress.print_to_stderr"}
    assert hide["name"] in zipfile.ZipFile(ae_file).read("manifest.json").decode()
    tampered = _rewrite(
        ae_file, tmp_path / "m.ganae", lambda m: m["fitted"].update(transform=hide)
    )
    with pytest.raises(ValueError, match="damaged.*'transform'.*attribute of the class"):
        load(tampered)
    # nor on the net inside it, nor on another object it rebuilds
    net = _rewrite(
        ae_file,
        tmp_path / "n.ganae",
        lambda m: m["fitted"]["net_"]["private"].update(_forward=hide, forward=hide),
    )
    with pytest.raises(ValueError, match="damaged.*'forward'.*attribute of the class"):
        load(net)

    def in_encoder(manifest):
        encoder = manifest["encoder"]
        fitted = encoder["fitted"] if "fitted" in encoder else encoder["state"]
        fitted["inverse_transform"] = hide

    encoder = _rewrite(ae_file, tmp_path / "e.ganae", in_encoder)
    with pytest.raises(ValueError, match="damaged.*'inverse_transform'.*attribute of the class"):
        load(encoder)


def test_load_refuses_a_deeply_nested_manifest(ae_file, tmp_path):
    deep = tmp_path / "deep.ganae"
    with zipfile.ZipFile(deep, "w") as archive:
        archive.writestr("manifest.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="cannot be read.*nested too deeply"):
        load(deep)


@pytest.mark.skipif(torch.cuda.is_available(), reason="maps CUDA to the CPU when absent")
def test_a_model_saved_on_cuda_loads_on_the_cpu(ae_file, fitted, tmp_path):
    def to_cuda(text):
        return text.replace('"device":"cpu"', '"device":"cuda"').replace(
            '"device_":"cpu"', '"device_":"cuda"'
        )

    cuda_file = _rewrite(ae_file, tmp_path / "cuda.ganae", text_edit=to_cuda)
    assert '"device":"cuda"' in zipfile.ZipFile(cuda_file).read("manifest.json").decode()
    with pytest.warns(UserWarning, match="saved on cuda.*loaded on the CPU"):
        loaded = load(cuda_file)
    assert loaded.device_ == "cpu" and loaded.net_.device == "cpu"
    est, X, y = fitted["autoencoder"]
    _assert_same(_outputs("autoencoder", loaded, X, y), _outputs("autoencoder", est, X, y))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_model_saved_on_cuda_loads_on_cuda(table, tmp_path):
    X, y = table
    gan = GANSampler(encoder=_encoder(), device="cuda", **GAN_TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gan.fit(X, y)
    _, loaded = _save_load(gan, tmp_path)
    assert loaded.device_ == "cuda"
    assert next(loaded.net_.module_.parameters()).is_cuda
    _assert_same(loaded.sample(40, random_state=0), gan.sample(40, random_state=0))


# --- the torch modules and the plain-data encoding ------------------------------------
def test_every_module_records_what_rebuilds_it(fitted):
    modules = [fitted["gan"][0].net_.module_, fitted["gan"][0].net_.discriminator_]
    modules += [fitted["gan"][0].autoencoder_, fitted["vae"][0].net_.module_]
    modules += [fitted["autoencoder"][0].net_.module_, fitted["autoencoder"][0].net_.criterion_]
    for module in modules:
        rebuilt = type(module)(**module._init_args)
        rebuilt.load_state_dict(module.state_dict(), strict=True)
        assert repr(rebuilt) == repr(module)


def _round_trip(value):
    writer = _Writer()
    spec = json.loads(json.dumps(writer.encode(value, "value"), allow_nan=False))
    return _Reader(writer.tensors).decode(spec)


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.flags.f_contiguous == b.flags.f_contiguous
        if a.dtype.kind == "O":
            for x, z in zip(a.ravel(), b.ravel(), strict=True):
                _same(x, z)
        else:
            assert a.tobytes() == b.tobytes()
    elif isinstance(a, pd.Index):
        assert a.equals(b) and a.dtype == b.dtype and a.name == b.name
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, z in zip(a, b, strict=True):
            _same(x, z)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    elif isinstance(a, np.random.RandomState):
        _same(a.get_state(legacy=True), b.get_state(legacy=True))
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state == b.bit_generator.state
    elif isinstance(a, np.generic) and a.dtype.kind == "f" and np.isnan(a):
        assert a.dtype == b.dtype and np.isnan(b)
    elif a is pd.NA or a is pd.NaT:
        assert a is b
    else:
        assert a == b
        if isinstance(a, (pd.Timestamp, pd.Timedelta)):
            assert a.unit == b.unit and str(getattr(a, "tz", "")) == str(getattr(b, "tz", ""))
        if isinstance(a, float):
            assert np.signbit(a) == np.signbit(b)


LEAVES = [
    None,
    True,
    3,
    2**80,
    -0.0,
    float("nan"),
    float("inf"),
    "naïve ☃",
    "lone \udcff surrogate",
    b"\x00\xff",
    (1, "a", (2.5,)),
    {1: "int key", "$type": "not a tag", (1, 2): None},
    {"plain": [1, 2]},
    {3, 1, 2},
    frozenset({"a"}),
    slice(1, None, 2),
    np.float32(0.1),
    np.int8(-3),
    np.uint64(2**64 - 1),
    np.bool_(True),
    np.float64("nan"),
    np.str_("abc"),
    np.datetime64("2020-01-02T03:04:05.123456789", "ns"),
    np.timedelta64(5, "D"),
    np.dtype("float32"),
    np.dtype(">i4"),
    np.dtype("<M8[us]"),
    np.dtype("O"),
    pd.NA,
    pd.NaT,
    pd.Timestamp("2021-03-28 01:30:00.000000001", tz="Europe/Paris"),
    pd.Timestamp("1750-01-01").as_unit("s"),
    pd.Timedelta("1 days 00:00:00.000001"),
    pd.CategoricalDtype(["b", "a"], ordered=True),
    pd.CategoricalDtype([3, 1, 2]),
    pd.CategoricalDtype(pd.to_datetime(["2020-01-01", "2021-01-01"])),
    pd.CategoricalDtype(),
    pd.DatetimeTZDtype("ns", "America/New_York"),
    pd.DatetimeTZDtype("ms", dt.timezone(dt.timedelta(hours=-3))),
    pd.Int64Dtype(),
    pd.UInt8Dtype(),
    pd.Float32Dtype(),
    pd.BooleanDtype(),
    pd.StringDtype("python"),
    pd.PeriodDtype("M"),
    pd.Index(["x", None, "y"], dtype=object, name="idx"),
    pd.Index([1.5, np.nan]),
    pd.RangeIndex(2, 11, 3, name="r"),
    pd.DatetimeIndex(["2020-01-01", None], tz="UTC"),
    dt.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
    dt.date(1999, 12, 31),
    dt.timedelta(days=-1, microseconds=3),
    dt.timezone.utc,
    np.random.RandomState(3),
    np.random.default_rng(4),
    torch.float16,
    torch.device("cpu"),
    np.float64,
    np.dtype("M8[ns]").type,
    float,
    object,
    np.arange(40, dtype=np.int16).reshape(5, 8),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    np.array([1.0, np.nan, -np.inf]),
    np.arange(30, dtype=">f8"),
    np.array(["a", "bc"]),
    np.array([b"a", b"bc"]),
    np.array(["2020-01-01", "NaT"], dtype="M8[D]"),
    np.array([1, "a", None, np.nan, dt.date(2020, 1, 1)], dtype=object),
    np.array(7.5),
    np.zeros((0, 3), dtype=np.float32),
]


@pytest.mark.parametrize("value", LEAVES, ids=lambda v: type(v).__name__)
def test_plain_values_round_trip_exactly(value):
    _same(_round_trip(value), value)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from(["f8", "f4", "f2", "i8", "i1", "u4", "u8", "?", "<m8[s]", "M8[ns]"]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=9),
    )
)
def test_numeric_arrays_round_trip_bit_for_bit(a):
    _same(_round_trip(a), a)


def test_unsupported_values_are_refused_with_their_place():
    with pytest.raises(TypeError, match=r"value\.f: it holds a builtins\.function"):
        _Writer().encode({"f": lambda: None}, "value")
    with pytest.raises(TypeError, match="complex"):
        _Writer().encode(np.array([1j]), "value")
    with pytest.raises(TypeError, match="MultiIndex"):
        _Writer().encode(pd.MultiIndex.from_tuples([(1, 2)]), "value")


def test_save_and_load_methods(tmp_path, penguins):
    from sklearn_ganae import AutoencoderTransformer, GANSampler, TabularEncoder

    df = penguins
    ae = AutoencoderTransformer(n_components=2, max_epochs=2, random_state=0).fit(df)
    path = ae.save(tmp_path / "ae.ganae")
    loaded = AutoencoderTransformer.load(path)
    np.testing.assert_array_equal(loaded.transform(df), ae.transform(df))
    with pytest.raises(ValueError, match="GANSampler"):
        GANSampler.load(path)
    enc = TabularEncoder().fit(df)
    enc.save(tmp_path / "enc.ganae")
    with pytest.raises(FileExistsError):
        enc.save(tmp_path / "enc.ganae")
    enc.save(tmp_path / "enc.ganae", overwrite=True)
    again = TabularEncoder.load(tmp_path / "enc.ganae")
    np.testing.assert_array_equal(again.transform(df), enc.transform(df))
