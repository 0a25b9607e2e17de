"""Streamed samples: ``iter_samples`` and ``sample_to`` of every generator, and the
command line for large ``--rows``.

- rows and schema: the batches of ``iter_samples`` and the file of ``sample_to``
  (Parquet read back with pandas and pyarrow, CSV) are the rows of ``sample`` with
  the same arguments, in the fitted schema, on a table with numeric, categorical,
  boolean, nullable-integer, string, datetime and identifier columns and NaN;
- seeds and the sampling stream: same seed, same rows, whatever the batch size; an
  iteration without ``random_state`` is one call of the stream, advanced when it is
  exhausted, not when it is abandoned or fails;
- conditions and ``y`` reach every batch;
- identifiers stay unique across many batches and never repeat a training value;
- files: no overwrite without ``overwrite=True``, no partial file after a failure or
  a Ctrl-C mid-write, bad extensions, missing folders, no pyarrow;
- constant memory: the peak of ``sample_to`` for 40 batches is not proportional to
  the rows (compared with 10 batches, in the same test, with a wide margin).
"""

from __future__ import annotations

import gc
import math
import os
import sys
import tracemalloc
import warnings
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sklearn_ganae.__main__ as cli
from sklearn_ganae import GANSampler, TabularEncoder, VAETransformer
from sklearn_ganae._generator import SAMPLE_BATCH
from sklearn_ganae._registry import GENERATORS
from sklearn_ganae.tabular import ColumnRoleWarning

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def mixed_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A table as an export gives it: row numbers, string codes, NaN, categories,
    booleans, nullable integers, strings, aware datetimes."""
    rng = np.random.RandomState(seed)
    x = rng.normal(10, 2, n).round(2)
    x[rng.rand(n) < 0.1] = np.nan
    color = pd.Categorical(rng.choice(["red", "green", "blue"], n))
    color[rng.rand(n) < 0.1] = np.nan
    score = pd.array(rng.randint(0, 50, n), dtype="Int64")
    score[rng.rand(n) < 0.1] = pd.NA
    start = pd.Timestamp("2021-01-01").value
    return pd.DataFrame(
        {
            "row_id": np.arange(1, n + 1),
            "code": [f"AB{i:04d}" for i in rng.permutation(n)],
            "x": x,
            "visits": rng.poisson(3, n),
            "score": score,
            "color": color,
            "plan": pd.Series(rng.choice(["free", "pro", "team"], n), dtype=object),
            "member": rng.rand(n) < 0.3,
            "seen": pd.to_datetime(
                start + rng.randint(0, 10**6, n).astype(np.int64) * 10**9, utc=True
            ).tz_convert("Europe/Paris"),
        }
    )


TABLE = mixed_table()
ROLES = {"row_id": "identifier", "code": "identifier", "seen": "datetime"}


@cache
def fitted(name: str):
    """A tiny generator of the registry fitted on the mixed table (once per name)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ColumnRoleWarning)
        model = GENERATORS[name].quick(random_state=0).fit(TABLE)
    for column, role in ROLES.items():
        assert model.encoder_.column_roles_[column] == role
    return model


@pytest.fixture
def model(generator_entry):
    model = fitted(generator_entry.name)
    model.reset_sampling()
    return model


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- rows and schema ----------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1_000, 3_333, SAMPLE_BATCH, 50_000])
def test_iter_samples_are_the_rows_of_sample(model, batch_size):
    n = 2 * SAMPLE_BATCH + 345
    expected = model.sample(n, random_state=0)
    batches = list(model.iter_samples(n, batch_size=batch_size, random_state=0))
    sizes = [len(b) for b in batches]
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    start = 0
    for batch in batches:
        assert isinstance(batch.index, pd.RangeIndex)
        assert (batch.index.start, batch.index.stop) == (start, start + len(batch))
        assert list(batch.columns) == list(TABLE.columns)
        assert list(batch.dtypes) == list(TABLE.dtypes)  # categories included
        start += len(batch)
    pd.testing.assert_frame_equal(pd.concat(batches), expected, check_exact=True)


def test_sample_to_parquet_reads_back_as_sample(model, tmp_path):
    n, batch_size = SAMPLE_BATCH + 2_500, 4_000
    expected = model.sample(n, random_state=0)
    path = model.sample_to(tmp_path / "rows.parquet", n, batch_size=batch_size, random_state=0)
    assert path == tmp_path / "rows.parquet" and _files(tmp_path) == {"rows.parquet"}
    read = pd.read_parquet(path)
    # what pandas' own to_parquet of sample's rows reads back as (pandas reads a string
    # column of object dtype back as its string dtype)
    pd.testing.assert_frame_equal(read, _parquet_round_trip(expected), check_exact=True)
    pd.testing.assert_frame_equal(read, expected, check_exact=True, check_dtype=False)
    assert [str(t) for t in read.dtypes] == [
        "str" if c == "plan" else str(t) for c, t in TABLE.dtypes.items()
    ]
    assert list(read["color"].cat.categories) == list(TABLE["color"].cat.categories)
    # one row group per batch, one schema for the file
    meta = pq.ParquetFile(path)
    assert meta.metadata.num_row_groups == math.ceil(n / batch_size)
    assert [meta.metadata.row_group(i).num_rows for i in range(4)] == [4_000] * 3 + [500]
    schema = meta.schema_arrow
    assert pa.types.is_dictionary(schema.field("color").type)
    assert schema.field("seen").type == pa.timestamp("ns", tz="Europe/Paris")
    assert schema.field("member").type == pa.bool_()
    assert schema.field("score").type == pa.int64()
    assert pa.types.is_string(schema.field("code").type) or pa.types.is_large_string(
        schema.field("code").type
    )
    for i in range(meta.metadata.num_row_groups):
        assert meta.read_row_group(i).schema.equals(schema, check_metadata=False)


def _parquet_round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return pd.read_parquet(io.BytesIO(buffer.getvalue()))


def test_sample_to_csv_is_the_csv_of_sample(model, tmp_path):
    n = SAMPLE_BATCH + 1_000
    path = model.sample_to(str(tmp_path / "rows.csv"), n, batch_size=3_000, random_state=1)
    text = path.read_text(encoding="utf-8")
    assert text == model.sample(n, random_state=1).to_csv(index=False)
    assert text.count("row_id") == 1  # one header


def test_arrays_are_streamed_too(tmp_path):
    X = np.random.RandomState(0).rand(200, 3)
    vae = VAETransformer(**GENERATORS["vae"].quick_params, random_state=0).fit(X)
    batches = list(vae.iter_samples(2_500, batch_size=1_000, random_state=0))
    assert all(isinstance(b, np.ndarray) and b.dtype == X.dtype for b in batches)
    np.testing.assert_array_equal(np.concatenate(batches), vae.sample(2_500, random_state=0))
    read = pd.read_parquet(vae.sample_to(tmp_path / "x.parquet", 2_500, random_state=0))
    assert list(read.columns) == ["x0", "x1", "x2"]
    np.testing.assert_array_equal(read.to_numpy(), vae.sample(2_500, random_state=0))


# --- seeds and the sampling stream ------------------------------------------------------


def test_same_seed_same_rows_and_the_first_rows_do_not_depend_on_the_rest(model):
    a = model.sample(SAMPLE_BATCH + 10, random_state=3)
    pd.testing.assert_frame_equal(
        pd.concat(model.iter_samples(SAMPLE_BATCH + 10, random_state=3)), a
    )
    assert not model.sample(SAMPLE_BATCH + 10, random_state=4).equals(a)
    # a seeded call's first 10,000-row draws are those of a longer call (the command
    # line's report reads them)
    longer = model.sample(3 * SAMPLE_BATCH, random_state=3)
    pd.testing.assert_frame_equal(longer.iloc[:SAMPLE_BATCH], a.iloc[:SAMPLE_BATCH])


def test_an_iteration_is_one_call_of_the_stream(model):
    first, second = model.sample(1_500), model.sample(1_500)
    model.reset_sampling()
    # the position is read when the first batch is asked for, not at the call
    later = model.iter_samples(1_500, batch_size=400)
    assert model._sample_calls_ == 0
    pd.testing.assert_frame_equal(model.sample(1_500), first)
    pd.testing.assert_frame_equal(pd.concat(later), second)  # and advanced at its end
    assert model._sample_calls_ == 2


def test_an_abandoned_or_failed_iteration_leaves_the_stream(model, monkeypatch):
    first = model.sample(2 * SAMPLE_BATCH)
    model.reset_sampling()
    for batch in model.iter_samples(2 * SAMPLE_BATCH, batch_size=500):  # noqa: B007
        break  # abandoned after one batch
    assert model._sample_calls_ == 0
    it = model.iter_samples(2 * SAMPLE_BATCH, batch_size=SAMPLE_BATCH)
    next(it)
    it.close()
    assert model._sample_calls_ == 0
    with monkeypatch.context() as m:
        calls = []
        draw = type(model)._sample_encoded

        def fails_second(self, *args):
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return draw(self, *args)

        m.setattr(type(model), "_sample_encoded", fails_second)
        with pytest.raises(KeyboardInterrupt):
            list(model.iter_samples(2 * SAMPLE_BATCH))
    assert model._sample_calls_ == 0
    pd.testing.assert_frame_equal(pd.concat(model.iter_samples(2 * SAMPLE_BATCH)), first)
    pd.testing.assert_frame_equal(batch, first.iloc[:500])
    # a reset during an iteration stays in force
    it = model.iter_samples(100)
    next(it)
    model.reset_sampling()
    list(it)
    assert model._sample_calls_ == 0


def test_arguments_are_checked_at_the_call_before_any_draw(model, tmp_path):
    calls = model._sample_calls_
    for bad in (0, True, 2.5):
        with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
            model.iter_samples(10, batch_size=bad)
        with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
            model.sample_to(tmp_path / "x.csv", 10, batch_size=bad)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        model.iter_samples(0)
    with pytest.raises(ValueError, match="fitted without y"):
        model.iter_samples(10, y="a")
    with pytest.raises(ValueError, match="cannot be used to seed"):
        model.iter_samples(10, random_state="seed")
    if isinstance(model, VAETransformer):
        with pytest.raises(ValueError, match="does not sample with column conditions"):
            model.iter_samples(10, conditions={"color": "red"})
    else:
        with pytest.raises(ValueError, match="fitted without condition_columns"):
            model.sample_to(tmp_path / "x.csv", 10, conditions={"color": "red"})
    assert model._sample_calls_ == calls and _files(tmp_path) == set()


# --- conditions and labels --------------------------------------------------------------------


def test_conditions_reach_every_batch(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ColumnRoleWarning)
        gan = GENERATORS["gan"].quick(random_state=0, condition_columns=["color"]).fit(TABLE)
    n, asked = SAMPLE_BATCH + 500, {"color": "blue"}
    expected = gan.sample(n, conditions=asked, random_state=0)
    batches = list(gan.iter_samples(n, batch_size=2_000, conditions=asked, random_state=0))
    assert all((b["color"] == "blue").all() for b in batches)
    pd.testing.assert_frame_equal(pd.concat(batches), expected)
    path = gan.sample_to(tmp_path / "blue.parquet", n, conditions=asked, random_state=0)
    pd.testing.assert_frame_equal(pd.read_parquet(path), _parquet_round_trip(expected))


@pytest.mark.parametrize("cls", [GANSampler, VAETransformer])
def test_labels_reach_every_batch(cls, tmp_path):
    X, y = TABLE.drop(columns="plan"), TABLE["plan"]
    name = "gan" if cls is GANSampler else "vae"
    params = {"conditional": True} if cls is VAETransformer else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ColumnRoleWarning)
        model = GENERATORS[name].quick(random_state=0, **params).fit(X, y)
    n = SAMPLE_BATCH + 700
    labels = np.array(["free", "pro", "team"], dtype=object)[np.arange(n) % 3]
    for asked in ("team", labels, None):  # one label, one per row, the training priors
        expected = model.sample(n, y=asked, random_state=0)
        streamed = pd.concat(model.iter_samples(n, batch_size=1_234, y=asked, random_state=0))
        pd.testing.assert_frame_equal(streamed, expected)
    other = model.sample(n, y="free", random_state=0)
    assert not other.equals(model.sample(n, y="team", random_state=0))
    path = model.sample_to(tmp_path / "team.csv", n, batch_size=3_000, y="team", random_state=0)
    assert path.read_text() == model.sample(n, y="team", random_state=0).to_csv(index=False)
    with pytest.raises(ValueError, match="not seen during fit"):
        model.iter_samples(5, y="gold")


# --- identifiers ------------------------------------------------------------------------------


def test_identifiers_are_unique_across_many_batches(model, tmp_path):
    n = 2 * SAMPLE_BATCH + 1_000
    rows = pd.concat(model.iter_samples(n, batch_size=137, random_state=0))
    for column in ("row_id", "code"):
        assert rows[column].is_unique
        assert not rows[column].isin(TABLE[column]).any()
    assert rows["code"].str.fullmatch(r"[A-Z]{2}\d{4}|code-new-\d+").all()
    read = pd.read_parquet(model.sample_to(tmp_path / "r.parquet", n, batch_size=999))
    assert read["row_id"].is_unique and read["code"].is_unique
    assert not read["code"].isin(TABLE["code"]).any()


def test_identifier_draws_span_the_batches_of_one_call():
    # integers: a training range with 11 unused values (at most half of them taken,
    # then values after the maximum); strings of one short shape (its 2,600 strings
    # used up, then numbered values), with missing values
    rng = np.random.RandomState(0)
    ids = np.delete(np.arange(1_000, dtype=np.int64), np.arange(3, 1_000, 97))
    space = np.array([f"{c}{i:02d}" for c in "abcdefghijklmnopqrstuvwxyz" for i in range(100)])
    codes = pd.Series(rng.choice(space, len(ids), replace=False), dtype=object)
    codes[rng.rand(len(ids)) < 0.05] = None
    df = pd.DataFrame({"n": ids, "s": codes, "v": np.linspace(0, 1, len(ids))})
    enc = TabularEncoder(column_roles={"n": "identifier", "s": "identifier"}).fit(df)
    n_rows = 5_000
    draws = enc.identifier_draws(n_rows)
    Z = np.zeros((100, enc.n_features_out_), dtype=np.float32)
    parts = [enc.decode_rows(Z, random_state=rng, identifiers=draws) for _ in range(50)]
    out = enc.join_samples(parts)
    assert isinstance(out.index, pd.RangeIndex) and len(out) == n_rows
    assert out["n"].is_unique and not out["n"].isin(ids).any()
    assert out["n"].between(0, 999).sum() == 11 // 2
    assert (out["n"] > 999).sum() == n_rows - 11 // 2
    strings = out["s"].dropna()
    assert strings.is_unique and not strings.isin(codes.dropna()).any()
    shaped = strings.str.fullmatch(r"[a-z]\d\d")
    fresh = len(space) - codes.notna().sum()  # each at most once (some rows missing)
    assert 0.9 * fresh < shaped.sum() <= fresh
    assert strings[~shaped].str.fullmatch(r"s-new-\d+").all()
    assert 0 < out["s"].isna().mean() < 0.2
    # without a shared state, each decoding is a call of its own
    again = enc.decode_rows(Z, random_state=0)
    assert again["n"].is_unique and not again["n"].isin(ids).any()


# --- files ---------------------------------------------------------------------------------


def test_no_overwrite_without_overwrite(model, tmp_path):
    target = tmp_path / "rows.parquet"
    target.write_bytes(b"precious")
    target.chmod(0o640)
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        model.sample_to(target, 10)
    assert target.read_bytes() == b"precious" and model._sample_calls_ == 0
    model.sample_to(target, 10, overwrite=True)
    assert len(pd.read_parquet(target)) == 10 and (target.stat().st_mode & 0o777) == 0o640
    assert _files(tmp_path) == {"rows.parquet"} and model._sample_calls_ == 1


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
@pytest.mark.parametrize("name", ["rows.parquet", "rows.csv"])
def test_a_failure_mid_write_leaves_no_partial_file(model, tmp_path, monkeypatch, error, name):
    old = tmp_path / "old" / name
    old.parent.mkdir()
    old.write_text("precious\n")
    draw, calls = type(model)._sample_encoded, []

    def fails_third(self, *args):
        calls.append(1)
        if len(calls) == 3:  # two batches are written by then
            raise error
        return draw(self, *args)

    monkeypatch.setattr(type(model), "_sample_encoded", fails_third)
    for target, overwrite in ((tmp_path / name, False), (old, True)):
        calls.clear()
        with pytest.raises(type(error)):
            model.sample_to(target, 5 * SAMPLE_BATCH, batch_size=SAMPLE_BATCH, overwrite=overwrite)
        assert len(calls) == 3
    assert _files(tmp_path) == {"old"} and _files(old.parent) == {name}
    assert old.read_text() == "precious\n"
    assert model._sample_calls_ == 0  # the stream did not move


def test_bad_paths_are_refused_before_any_work(model, tmp_path, monkeypatch):
    def no_draw(*args, **kwargs):
        raise AssertionError("rows were drawn before the path was checked")

    monkeypatch.setattr(type(model), "_sample_encoded", no_draw)
    for name in ("rows.txt", "rows", "rows.csv.gz", "rows.xlsx"):
        with pytest.raises(
            ValueError, match=r"use a file name ending in \.csv, \.parquet or \.pq"
        ):
            model.sample_to(tmp_path / name, 10)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.sample_to(tmp_path / "no" / "such" / "rows.csv", 10)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        model.sample_to(tmp_path, 10)
    assert _files(tmp_path) == set()
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(PermissionError, match="not writable"):
                model.sample_to(locked / "rows.csv", 10)
        finally:
            locked.chmod(0o700)


def test_parquet_without_pyarrow(model, tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
        m.setitem(sys.modules, "pyarrow.parquet", None)
        with pytest.raises(ImportError, match=r"pip install sklearn-ganae\[parquet\]"):
            model.sample_to(tmp_path / "rows.parquet", 10)
        assert _files(tmp_path) == set()
        path = model.sample_to(tmp_path / "rows.csv", 10)  # CSV needs no pyarrow
    assert len(pd.read_csv(path)) == 10


# --- constant memory -------------------------------------------------------------------------


def _peak_bytes(run) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sample_to_runs_in_constant_memory(tmp_path, penguins_table, monkeypatch):
    # rows drawn 1,000 at a time (10,000 in the package) and batches of 1,000: a
    # 10-batch and a 40-batch run in seconds; tracemalloc sees NumPy's and Python's
    # allocations (not torch's or arrow's)
    monkeypatch.setattr("sklearn_ganae._generator.SAMPLE_BATCH", 1_000)
    model = GENERATORS["vae"].quick(random_state=0).fit(penguins_table)
    batch = 1_000
    model.sample_to(tmp_path / "warm.parquet", 5 * batch, batch_size=batch)

    def write(n_batches):
        path = tmp_path / f"rows{n_batches}.parquet"
        return lambda: model.sample_to(path, n_batches * batch, batch_size=batch, random_state=0)

    peak_10, peak_40 = _peak_bytes(write(10)), _peak_bytes(write(40))
    meta = pq.ParquetFile(tmp_path / "rows40.parquet").metadata
    assert (meta.num_rows, meta.num_row_groups) == (40 * batch, 40)
    # memory proportional to the rows would make the 40-batch peak about 4x the other
    assert peak_40 < 2 * peak_10, (peak_10, peak_40)
    # and the measure sees it: sample holds every row
    assert _peak_bytes(lambda: model.sample(40 * batch, random_state=0)) > 2 * peak_40


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def penguins_csv(tmp_path) -> Path:
    source = resources.files("sklearn_ganae.datasets").joinpath("data", "penguins.csv")
    target = tmp_path / "penguins.csv"
    target.write_bytes(source.read_bytes())
    return target


def test_synthesize_streams_large_row_counts_through_sample_to(
    penguins_csv, tmp_path, capsys, monkeypatch
):
    # rows are drawn SAMPLE_BATCH at a time: the report's rows are the file's first
    # ones when STREAM_ROWS is a multiple of it (100,000 and 10,000 in the package)
    monkeypatch.setattr(cli, "STREAM_ROWS", 1_000)
    monkeypatch.setattr("sklearn_ganae._generator.SAMPLE_BATCH", 500)
    seen = {}
    sample_to, sample = GANSampler.sample_to, GANSampler.sample

    def spy_sample_to(self, path, n_samples, **kwargs):
        seen["sample_to"] = (n_samples, kwargs)
        return sample_to(self, path, n_samples, **kwargs)

    def spy_sample(self, n_samples, **kwargs):
        seen.setdefault("sample", []).append(n_samples)
        return sample(self, n_samples, **kwargs)

    def report(real, synthetic, **kwargs):
        seen["report_rows"] = synthetic.copy()
        raise KeyboardInterrupt  # after the rows it reads, before anything is written

    monkeypatch.setattr(GANSampler, "sample_to", spy_sample_to)
    monkeypatch.setattr(GANSampler, "sample", spy_sample)
    dst = tmp_path / "big.parquet"
    argv = ["synthesize", str(penguins_csv), "--rows", "2500", "-o", str(dst), "--epochs", "1"]
    assert cli.main([*argv, "--no-report"]) == 0
    assert "sample" not in seen  # nothing held in memory: every row went through sample_to
    assert seen["sample_to"] == (
        2_500,
        {"batch_size": 1_000, "overwrite": False, "random_state": 0},
    )
    written = pd.read_parquet(dst)
    assert written.shape == (2_500, 7) and pq.ParquetFile(dst).metadata.num_row_groups == 3
    assert "Wrote 2500 synthetic rows x 7 columns" in capsys.readouterr().out
    # with the report: it reads the first 1,000 rows, the file's first rows
    monkeypatch.setattr("sklearn_ganae.metrics.quality_report", report)
    assert cli.main([*argv, "--overwrite"]) == 130
    assert seen["sample"] == [1_000]
    assert "quality report on the first 1,000 of the 2,500 rows" in capsys.readouterr().err
    pd.testing.assert_frame_equal(seen["report_rows"], written.iloc[:1_000])
    pd.testing.assert_frame_equal(pd.read_parquet(dst), written)  # left as it was
    assert _files(tmp_path) == {"penguins.csv", "big.parquet"}
