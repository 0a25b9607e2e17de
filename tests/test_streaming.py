"""Streamed fits: the encoder's one streaming pass, and training read from disk.

The exact statistics of a streamed encoder fit (counts, categories, means, ranges,
missing values, identifiers) are compared with the in-memory fit of the same table,
also when the bounded sample holds only part of the rows; the streamed fits of the
three estimators are compared with their in-memory fits on a table with a large
signal (within a wide margin, in one run).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from sklearn_ganae import (
    AutoencoderTransformer,
    GANSampler,
    TabularEncoder,
    VAETransformer,
    _streaming,
)
from sklearn_ganae._sources import open_table
from sklearn_ganae._streaming import (
    StreamedRows,
    n_stream_batches,
    row_keys,
    scan_table,
    stream_batches,
)


def _table(n=3000, seed=0):
    rng = np.random.RandomState(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    shift = pd.Series(group).map({"a": -3.0, "b": 0.0, "c": 3.0}).to_numpy()
    x = shift + 0.3 * rng.randn(n)
    y = 2.0 * x + 0.3 * rng.randn(n)
    rare = np.where(
        rng.rand(n) < 0.01, "rare" + pd.Series(rng.randint(0, 3, n)).astype(str), "common"
    )
    frame = pd.DataFrame(
        {
            "id": np.arange(10_000, 10_000 + n),
            "group": pd.Categorical(group),
            "x": x,
            "y": np.where(rng.rand(n) < 0.05, np.nan, y),
            "count": rng.poisson(3, n).astype(np.int64),
            "label": rare,
            # high-cardinality, with ties between counts at the 49-level cut
            "word": pd.Series(rng.randint(0, 400, n)).map("w{}".format).to_numpy(),
        }
    )
    return frame


@pytest.fixture(scope="module")
def table():
    return _table()


@pytest.fixture(scope="module")
def parquet_folder(table, tmp_path_factory):
    folder = tmp_path_factory.mktemp("streamed")
    for k, part in enumerate(np.array_split(np.arange(len(table)), 3)):
        table.iloc[part].to_parquet(folder / f"part-{k}.parquet", row_group_size=250)
    return folder


def _codec_stats(encoder):
    out = {}
    for name, codec in zip(encoder.column_names(), encoder._codecs):
        for attr in (
            "categories_",
            "counts_",
            "infrequent_",
            "n_infrequent_",
            "has_missing",
            "min_",
            "max_",
            "mean_",
            "scale_",
            "n_distinct_",
            "missing_rate_",
        ):
            if hasattr(codec, attr):
                out[f"{name}.{attr}"] = getattr(codec, attr)
        if hasattr(codec, "hashes_"):
            out[f"{name}.hashes_"] = codec.hashes_
    return out


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        va, vb = a[key], b[key]
        if isinstance(va, float):
            assert va == pytest.approx(vb, rel=1e-9, abs=1e-12), key
        else:
            np.testing.assert_array_equal(
                np.asarray(va, dtype=object), np.asarray(vb, dtype=object), key
            )


# --- the encoder's streaming pass -------------------------------------------------------
@pytest.mark.parametrize("sample_rows", [200, 100_000])
def test_streamed_encoder_statistics_equal_in_memory(
    table, parquet_folder, sample_rows, monkeypatch
):
    """Exact where the statistic is exact, also when the sample is a 200-row subset."""
    monkeypatch.setattr(_streaming, "SAMPLE_ROWS", sample_rows)
    params = dict(privacy_floor=5, min_frequency=10, random_state=0)
    with pytest.warns(UserWarning, match="id"):
        memory = TabularEncoder(**params).fit(table)
    with pytest.warns(UserWarning, match="id"):
        streamed = TabularEncoder(**params).fit(parquet_folder)
    assert streamed.column_roles_ == memory.column_roles_
    _assert_same(_codec_stats(streamed), _codec_stats(memory))
    assert streamed.get_feature_names_out().tolist() == memory.get_feature_names_out().tolist()
    assert list(streamed.feature_names_in_) == list(table.columns)
    # the fitted encoder encodes and decodes the table in its schema
    Z = streamed.transform(table)
    assert Z.shape == (len(table), streamed.n_features_out_)
    back = streamed.inverse_transform(Z)
    assert list(back.columns) == list(table.columns)
    assert (back.dtypes == table.dtypes).all()


def test_streamed_discrete_columns_are_decided_on_the_whole_stream(tmp_path, monkeypatch):
    """A numeric column is discrete (categorical, exact counts) only if the whole
    stream has few values: rare values missed by the sample keep it a number."""
    monkeypatch.setattr(_streaming, "SAMPLE_ROWS", 50)
    rng = np.random.RandomState(0)
    k = rng.randint(0, 4, 2000)
    k[rng.choice(2000, 30, replace=False)] = np.arange(100, 130)  # 30 values once each
    frame = pd.DataFrame({"few": rng.randint(0, 6, 2000), "k": k})
    frame.to_parquet(tmp_path / "t.parquet", row_group_size=100)
    memory = TabularEncoder().fit(frame)
    streamed = TabularEncoder().fit(tmp_path / "t.parquet")
    sampled = TabularEncoder().fit(frame.sample(50, random_state=0))
    assert sampled.column_roles_["k"] == "categorical"  # what the sample alone says
    assert streamed.column_roles_ == memory.column_roles_ == {"few": "categorical", "k": "integer"}
    _assert_same(_codec_stats(streamed), _codec_stats(memory))


def test_streamed_missing_values_outside_the_sample_are_seen(tmp_path, monkeypatch):
    """A column whose only missing value is not in the sample still gets its indicator."""
    monkeypatch.setattr(_streaming, "SAMPLE_ROWS", 50)
    frame = pd.DataFrame({"x": np.arange(2000, dtype=float), "c": ["u", "v"] * 1000})
    frame.loc[1999, "x"] = np.nan
    frame.loc[1998, "c"] = None
    frame.to_parquet(tmp_path / "t.parquet", row_group_size=100)
    encoder = TabularEncoder().fit(tmp_path / "t.parquet")
    assert "x__missing" in encoder.get_feature_names_out()
    assert "c_nan" in encoder.get_feature_names_out()
    assert (
        encoder.transform(frame)[1999, list(encoder.get_feature_names_out()).index("x__missing")]
        == 1
    )


def test_scan_merges_and_does_not_depend_on_the_order(table, parquet_folder):
    with open_table(parquet_folder) as source:
        counted = TabularEncoder()._counted_columns(source.read_fragment(0))
        whole = scan_table(source, counted, seed=3, sample_rows=300)
        n = len(source.fragments)
        starts = np.concatenate([[0], np.cumsum([f.n_rows for f in source.fragments])])
        parts = []
        for fragments in (range(0, n, 2), range(1, n, 2)):
            part = _streaming.TableScan(
                source.columns,
                [s.moments for s in whole.stats],
                counted,
                3,
                300,
                0.0,
            )
            for i, frame in source.iter_frames(order=list(reversed(list(fragments)))):
                part.update(frame, int(starts[i]), "")
            parts.append(part)
    merged = parts[0].merge(parts[1])
    a, rows_a = whole.sample()
    b, rows_b = merged.sample()
    np.testing.assert_array_equal(rows_a, rows_b)
    pd.testing.assert_frame_equal(a, b)
    assert len(rows_a) == 300
    for s, t in zip(whole.stats, merged.stats):
        assert (s.n, s.n_missing, s.count) == (t.n, t.n_missing, t.count)
        assert s.mean == pytest.approx(t.mean) and s.m2 == pytest.approx(t.m2)
        if s.counted:
            pd.testing.assert_series_equal(s.values.sort_index(), t.values.sort_index())


def test_row_keys_are_uniform_and_seeded():
    keys = row_keys(np.arange(100_000), seed=1, salt=1)
    assert keys.min() >= 0 and keys.max() < 1
    assert abs(keys.mean() - 0.5) < 0.01
    assert not np.array_equal(keys, row_keys(np.arange(100_000), seed=2, salt=1))
    np.testing.assert_array_equal(keys, row_keys(np.arange(100_000), seed=1, salt=1))


# --- training batches from disk ---------------------------------------------------------
def test_stream_batches_see_every_training_row_once_and_no_held_out_row(tmp_path):
    n = 3000
    # the row number as a column, to follow the rows through the iterator
    frame = pd.DataFrame({"r": np.arange(n, dtype=float), "x": np.random.RandomState(0).randn(n)})
    for k, part in enumerate(np.array_split(np.arange(n), 3)):
        frame.iloc[part].to_parquet(tmp_path / f"p{k}.parquet", row_group_size=250)
    encoder = TabularEncoder(random_state=0).fit(frame)
    with open_table(tmp_path) as source:
        scan = scan_table(source, np.zeros(2, bool), seed=0, valid_fraction=0.1)
        assert 0.05 * n < scan.n_valid < 0.15 * n
        data = StreamedRows(source, encoder, scan, seed=0, buffer_rows=512)
        assert len(data) == n - scan.n_valid
        batches = list(stream_batches(data, 100, epoch=0, rank=0, world_size=1))
        assert len(batches) == n_stream_batches(len(data), 100, 1) == len(data) // 100
        seen = []
        for batch in batches:
            assert batch.dtype == torch.float32
            assert batch.shape == (100, encoder.n_features_out_)
            seen.append(encoder.inverse_transform(batch.numpy())["r"].to_numpy())
        seen = np.round(np.concatenate(seen)).astype(int)
        held = np.flatnonzero(scan.is_held_out(np.arange(n)))
        assert len(held) == scan.n_valid
        assert len(np.unique(seen)) == len(seen)  # once per epoch
        assert not np.isin(seen, held).any()
        assert len(seen) > len(data) - 100
        # shuffled across fragments: not in row order, and another order next epoch
        assert not np.all(np.diff(seen) > 0)
        assert np.corrcoef(np.arange(len(seen)), seen)[0, 1] < 0.5
        again = next(iter(stream_batches(data, 100, epoch=1, rank=0, world_size=1)))
        assert not np.allclose(again.numpy(), batches[0].numpy())
        # two shards take the same number of steps
        for rank in (0, 1):
            steps = sum(1 for _ in stream_batches(data, 100, epoch=0, rank=rank, world_size=2))
            assert steps == n_stream_batches(len(data), 100, 2)


# --- the estimators ---------------------------------------------------------------------
def _reconstruction_error(model, frame):
    Z = model.encoder_.transform(frame)
    R = model.encoder_.transform(model.inverse_transform(model.transform(frame)))
    return float(np.mean((Z - R) ** 2))


def test_autoencoder_streamed_fit_matches_the_in_memory_fit(table, parquet_folder):
    frame = table.drop(columns="id")
    folder = parquet_folder
    params = dict(n_components=2, max_epochs=15, random_state=0)
    memory = AutoencoderTransformer(**params).fit(frame)
    with pytest.warns(UserWarning, match="id"):
        streamed = AutoencoderTransformer(**params).fit(folder)
    assert streamed.n_iter_ == 15
    assert streamed.transform(table).shape == (len(table), 2)
    # a trivial model (every row decoded as the mean) as the yardstick
    error_mem = _reconstruction_error(memory, frame)
    error_str = _reconstruction_error(streamed, frame.assign(id=table["id"])[table.columns])
    Z = memory.encoder_.transform(frame)
    trivial = float(np.mean((Z - Z.mean(axis=0)) ** 2))
    assert error_str < 0.5 * trivial
    assert error_str < 2.0 * error_mem + 0.05


def test_vae_streamed_fit_with_early_stopping(table, parquet_folder):
    with pytest.warns(UserWarning, match="id"):
        vae = VAETransformer(
            n_components=2, max_epochs=8, early_stopping=True, n_iter_no_change=50, random_state=0
        ).fit(parquet_folder)
    assert len(vae.validation_loss_curve_) == vae.n_iter_ == 8
    rows = vae.sample(500, random_state=0)
    assert list(rows.columns) == list(table.columns)
    assert rows["id"].is_unique and not rows["id"].isin(table["id"]).any()
    assert set(rows["group"].dropna()) <= set(table["group"])


def test_gan_streamed_fit_trains_by_sampling_with_the_stream_frequencies(table, parquet_folder):
    params = dict(
        max_epochs=6,
        noise_dim=8,
        code_dim=4,
        generator_layer_sizes=(32,),
        discriminator_layer_sizes=(32,),
        pretrain_epochs=2,
        condition_columns="auto",
        random_state=0,
    )
    with pytest.warns(UserWarning, match="id"):
        gan = GANSampler(**params).fit(parquet_folder)
    with pytest.warns(UserWarning, match="id"):
        memory = GANSampler(**params).fit(table)
    # the condition frequencies are the table's exact counts
    np.testing.assert_array_equal(gan._spec_.counts, memory._spec_.counts)
    rows = gan.sample(300, conditions={"group": "c"}, random_state=0)
    assert (rows["group"] == "c").all()
    assert gan.n_iter_ == 6


def test_streamed_fit_from_chunks_and_callables(table):
    chunks = [table.iloc[i : i + 700] for i in range(0, len(table), 700)]
    params = dict(n_components=2, max_epochs=3, random_state=0)
    with pytest.warns(UserWarning, match="id"):
        a = AutoencoderTransformer(**params).fit(chunks)
    with pytest.warns(UserWarning, match="id"):
        b = AutoencoderTransformer(**params).fit(iter(chunks))
    with pytest.warns(UserWarning, match="id"):
        c = AutoencoderTransformer(**params).fit(lambda: iter(chunks))
    for other in (b, c):
        np.testing.assert_allclose(a.transform(table), other.transform(table), atol=1e-6)


def test_streamed_fit_is_reproducible_and_leaves_the_input_alone(table, parquet_folder):
    before = sorted(p.name for p in parquet_folder.iterdir())
    params = dict(n_components=2, max_epochs=3, random_state=1)
    with pytest.warns(UserWarning, match="id"):
        a = AutoencoderTransformer(**params).fit(parquet_folder)
    with pytest.warns(UserWarning, match="id"):
        b = AutoencoderTransformer(**params).fit(str(parquet_folder))
    np.testing.assert_array_equal(a.transform(table), b.transform(table))
    assert sorted(p.name for p in parquet_folder.iterdir()) == before
    # no training rows or source kept by the fitted model
    assert not any(isinstance(v, StreamedRows) for v in vars(a.net_).values())


def test_streamed_fit_bad_input(table, parquet_folder, tmp_path):
    with pytest.raises(ValueError, match="streamed X.*not class-conditional"):
        GANSampler(max_epochs=1).fit(parquet_folder, y=np.zeros(len(table)))
    with pytest.raises(TypeError, match="needs a TabularEncoder"):
        from sklearn.preprocessing import StandardScaler

        class Scaler(StandardScaler):
            def inverse_transform(self, X, copy=None):
                return super().inverse_transform(X, copy=copy)

        AutoencoderTransformer(encoder=Scaler(), max_epochs=1).fit(parquet_folder)
    with pytest.raises(FileNotFoundError, match="missing"):
        AutoencoderTransformer(max_epochs=1).fit(tmp_path / "missing.parquet")
    # a failed streamed fit leaves the fitted model as it was
    model = AutoencoderTransformer(n_components=2, max_epochs=1, random_state=0).fit(
        table.drop(columns=["id", "label"])
    )
    before = model.transform(table.drop(columns=["id", "label"]))
    with pytest.raises(FileNotFoundError):
        model.fit(tmp_path / "missing.parquet")
    np.testing.assert_array_equal(model.transform(table.drop(columns=["id", "label"])), before)


def test_gan_streamed_fit_with_detection_early_stopping(table, parquet_folder):
    with pytest.warns(UserWarning, match="id"):
        gan = GANSampler(
            max_epochs=4,
            noise_dim=8,
            code_dim=4,
            generator_layer_sizes=(16,),
            discriminator_layer_sizes=(16,),
            pretrain_generator=False,
            early_stopping=True,
            validation_fraction=0.2,
            validation_interval=2,
            n_iter_no_change=5,
            random_state=0,
        ).fit(parquet_folder)
    detections = [h["valid_detection"] for h in gan.history_ if "valid_detection" in h]
    assert len(detections) == 2 and all(0.0 <= d <= 1.0 for d in detections)
    assert gan.sample(10, random_state=0).shape == (10, table.shape[1])
