"""Streamed tables (``sklearn_ganae._sources``): Parquet files and folders, CSV files and
DataFrame chunks read in bounded fragments, the spool's lifetime, and every bad input."""

from __future__ import annotations

import gc
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from sklearn_ganae._sources import TableSource, is_table_source, open_table  # noqa: E402

N = 50


def make_table(n: int = N) -> pd.DataFrame:
    """Mixed dtypes: float with NaN, int64, bool, category, object strings with None,
    datetime64."""
    k = np.arange(n)
    return pd.DataFrame(
        {
            "f": np.where(k % 4 == 0, np.nan, k * 0.5),
            "i": k.astype("int64") * 3 - 7,
            "b": k % 3 == 0,
            "c": pd.Categorical(np.array(["red", "green", "blue"])[k % 3]),
            "s": pd.Series([None if j % 5 == 1 else f"s{j % 7}" for j in k], dtype=object),
            "d": pd.date_range("2021-03-01", periods=n, freq="h"),
        }
    )


def expected(df: pd.DataFrame) -> pd.DataFrame:
    """What a Parquet round trip gives back: object strings become pandas' ``str``."""
    return df.astype({"s": "str"})


def concat(source: TableSource, **kwargs) -> pd.DataFrame:
    return pd.concat([frame for _, frame in source.iter_frames(**kwargs)])


def check_fragments(source: TableSource, n_rows: int) -> None:
    assert source.n_rows == n_rows
    assert sum(f.n_rows for f in source.fragments) == n_rows
    assert all(1 <= f.n_rows <= source.batch_rows for f in source.fragments)
    starts = np.cumsum([0] + [f.n_rows for f in source.fragments])[:-1]
    assert [f.start for f in source.fragments] == list(starts)
    assert all(isinstance(f.label, str) and f.label for f in source.fragments)


def listing(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


@pytest.fixture
def spool(tmp_path):
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


# --- round trips ---------------------------------------------------------------------------


def test_parquet_file_one_fragment_per_row_group(tmp_path):
    df = make_table()
    path = tmp_path / "data.parquet"
    df.to_parquet(path, row_group_size=7)
    before = listing(tmp_path)
    with open_table(path) as source:
        check_fragments(source, N)
        assert source.columns == list(df.columns)
        assert source.paths == [str(path)]
        assert source.spool_path is None
        assert [f.n_rows for f in source.fragments] == [7] * 7 + [1]
        assert source.fragments[3].label == f"{path}, row group 3"
        out = concat(source)
    assert listing(tmp_path) == before
    pd.testing.assert_frame_equal(out, pd.read_parquet(path))
    pd.testing.assert_frame_equal(out, expected(df))
    assert list(out.index) == list(range(N))  # the table's row numbers


def test_parquet_folder_recursive_sorted_skipping_hidden(tmp_path):
    df = make_table()
    folder = tmp_path / "data"
    (folder / "b").mkdir(parents=True)
    (folder / "_tmp").mkdir()
    (folder / ".cache").mkdir()
    df.iloc[:20].to_parquet(folder / "a-0.parquet", row_group_size=8)
    df.iloc[20:35].to_parquet(folder / "b" / "part.pq")
    df.iloc[35:].to_parquet(folder / "c.PARQUET")
    df.to_parquet(folder / "_tmp" / "skipped.parquet")
    df.to_parquet(folder / ".cache" / "skipped.parquet")
    df.to_parquet(folder / ".hidden.parquet")
    df.to_parquet(folder / "_common.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / "notes.txt").write_text("not a table")
    before = listing(tmp_path)
    with open_table(folder, batch_rows=10) as source:
        check_fragments(source, N)
        assert source.paths == [
            os.path.join(str(folder), p) for p in ("a-0.parquet", "b/part.pq", "c.PARQUET")
        ]
        assert [f.n_rows for f in source.fragments] == [8, 8, 4, 10, 5, 10, 5]
        part = os.path.join(str(folder), "b/part.pq")
        assert source.fragments[4].label == f"{part}, row group 0, rows 10-14"
        out = concat(source)
    assert listing(tmp_path) == before
    pd.testing.assert_frame_equal(out, expected(df))


def test_csv_file_is_spooled_with_pyarrows_types(tmp_path, spool):
    df = make_table()
    data = tmp_path / "in"
    data.mkdir()
    path = data / "table.csv"
    df.to_csv(path, index=False)
    with open_table(path, batch_rows=16, spool_dir=spool) as source:
        check_fragments(source, N)
        assert source.columns == list(df.columns)
        assert source.paths == [str(path)]
        assert [f.n_rows for f in source.fragments] == [16, 16, 16, 2]
        assert source.fragments[1].label == f"{path}, rows 16-31"
        assert Path(source.spool_path).parent == spool
        assert Path(source.spool_path).name.startswith("sklearn-ganae-")
        out = concat(source)
    assert listing(data) == ["table.csv"]
    assert listing(spool) == []
    # pyarrow's inference: numbers, booleans, strings (an empty field is missing),
    # timestamps
    assert out["f"].dtype == "float64" and out["i"].dtype == "int64"
    assert out["b"].dtype == "bool" and out["c"].dtype == "str" and out["s"].dtype == "str"
    assert pd.api.types.is_datetime64_any_dtype(out["d"])
    pd.testing.assert_series_equal(out["f"], df["f"])
    pd.testing.assert_series_equal(out["i"], df["i"])
    pd.testing.assert_series_equal(out["b"], df["b"])
    assert list(out["c"]) == list(df["c"].astype(str))
    assert out["s"].isna().tolist() == df["s"].isna().tolist()
    assert list(out["s"].dropna()) == list(df["s"].dropna())
    assert (out["d"].astype("datetime64[us]") == df["d"]).all()


def _chunks(df):
    return [df.iloc[:13], df.iloc[13:14], df.iloc[14:40], df.iloc[40:]]


@pytest.mark.parametrize(
    "kind", ["list", "tuple", "generator", "iterator", "callable", "read_csv_chunks"]
)
def test_chunks_round_trip(kind, tmp_path, spool):
    df = make_table()
    if kind == "list":
        X = _chunks(df)
    elif kind == "tuple":
        X = tuple(_chunks(df))
    elif kind == "generator":
        X = (chunk for chunk in _chunks(df))
    elif kind == "iterator":
        X = iter(_chunks(df))
    elif kind == "callable":
        calls = []

        def X():
            calls.append(1)
            return iter(_chunks(df))

    else:
        df.to_csv(tmp_path / "t.csv", index=False)
        X = pd.read_csv(tmp_path / "t.csv", chunksize=9, dtype={"s": object})
        df = pd.read_csv(tmp_path / "t.csv", dtype={"s": object})
    assert is_table_source(X)
    with open_table(X, batch_rows=16, spool_dir=spool) as source:
        check_fragments(source, N)
        assert source.columns == list(df.columns)
        assert source.paths == []
        # chunks are joined and cut into row groups of batch_rows rows
        assert [f.n_rows for f in source.fragments] == [16, 16, 16, 2]
        assert source.fragments[0].label.startswith("rows 0-15 of the")
        out = concat(source)
    if kind == "callable":
        assert calls == [1]
    assert listing(spool) == []
    pd.testing.assert_frame_equal(out, expected(df))


def test_read_fragment_columns_and_iter_frames_order(tmp_path):
    df = make_table()
    path = tmp_path / "data.parquet"
    df.to_parquet(path, row_group_size=10)
    with open_table(path) as source:
        frame = source.read_fragment(2, columns=["s", "i"])
        assert list(frame.columns) == ["s", "i"]
        pd.testing.assert_frame_equal(frame, expected(df)[["s", "i"]].iloc[20:30])
        assert source.read_fragment(-1).index[0] == 40
        got = list(source.iter_frames(order=[2, 0], columns=["c"]))
        assert [i for i, _ in got] == [2, 0]
        assert [list(frame.columns) for _, frame in got] == [["c"], ["c"]]
        pd.testing.assert_frame_equal(got[0][1], df[["c"]].iloc[20:30])
        pd.testing.assert_frame_equal(got[1][1], df[["c"]].iloc[0:10])
        assert [i for i, _ in source.iter_frames(order=np.array([4, 4]))] == [4, 4]


def test_row_group_larger_than_batch_rows_is_split(tmp_path):
    df = make_table()
    path = tmp_path / "data.parquet"
    df.to_parquet(path, row_group_size=30)  # row groups of 30 and 20 rows
    with open_table(path, batch_rows=8) as source:
        check_fragments(source, N)
        assert [f.n_rows for f in source.fragments] == [8, 8, 8, 6, 8, 8, 4]
        assert source.fragments[1].label == f"{path}, row group 0, rows 8-15"
        assert max(len(frame) for _, frame in source.iter_frames()) <= 8
        pd.testing.assert_frame_equal(concat(source), expected(df))
        # any order, and single reads, give the same rows
        order = [5, 2, 3, 0, 6, 1, 4, 2]
        for i, frame in source.iter_frames(order=order):
            f = source.fragments[i]
            pd.testing.assert_frame_equal(frame, expected(df).iloc[f.start : f.start + f.n_rows])
            pd.testing.assert_frame_equal(source.read_fragment(i), frame)


# --- dtypes --------------------------------------------------------------------------------


def test_int_and_bool_with_missing_values_in_some_row_groups_have_one_dtype(tmp_path):
    path = tmp_path / "arrow.parquet"
    table = pa.table(
        {
            "i": pa.array([1, 2, 3, None, 5, 6]),
            "b": pa.array([True, False, True, True, None, False]),
        }
    )
    pq.write_table(table, path, row_group_size=2)
    with open_table(path) as source:
        frames = [frame for _, frame in source.iter_frames()]
    assert {str(frame["i"].dtype) for frame in frames} == {"float64"}
    assert {str(frame["b"].dtype) for frame in frames} == {"object"}
    out = pd.concat(frames)
    assert out["i"].isna().tolist() == [False, False, False, True, False, False]
    assert out["b"].tolist()[:4] == [True, False, True, True]


def test_folder_with_lossless_type_differences(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    # object strings (arrow string) and pandas' str dtype (large_string); an all-missing
    # object column (arrow null) in one file; int32 and int64
    pd.DataFrame(
        {
            "s": pd.Series(["a", None], dtype=object),
            "n": pd.Series([None, None], dtype=object),
            "k": np.array([1, 2], dtype="int64"),
        }
    ).to_parquet(folder / "1.parquet")
    pd.DataFrame(
        {
            "s": pd.Series(["b", "c"], dtype="str"),
            "n": ["x", None],
            "k": np.array([3, 4], dtype="int32"),
        }
    ).to_parquet(folder / "2.parquet")
    with open_table(folder) as source:
        assert source.schema.field("n").type == pa.large_string()  # the second file's
        frames = [frame for _, frame in source.iter_frames()]
    assert [str(f["s"].dtype) for f in frames] == ["str", "str"]
    assert [str(f["n"].dtype) for f in frames] == ["str", "str"]
    assert [str(f["k"].dtype) for f in frames] == ["int64", "int64"]
    assert pd.concat(frames)["k"].tolist() == [1, 2, 3, 4]


def test_chunk_without_values_takes_its_type_from_a_later_chunk(spool):
    chunks = [
        pd.DataFrame({"x": [1.0, 2.0], "o": pd.Series([None, None], dtype=object)}),
        pd.DataFrame({"x": [3.0], "o": ["a"]}),
        pd.DataFrame({"x": [4.0], "o": pd.Series([None], dtype=object)}),
    ]
    with open_table(chunks, batch_rows=2, spool_dir=spool) as source:
        assert source.schema.field("o").type == pa.large_string()  # chunk 1's (pandas' str)
        frames = [frame for _, frame in source.iter_frames()]
    assert [str(f["o"].dtype) for f in frames] == ["str", "str"]
    assert pd.concat(frames)["o"].isna().tolist() == [True, True, False, True]
    chunks = [
        pd.DataFrame({"o": pd.Series([None], dtype=object)}),
        pd.DataFrame({"o": [0.5, np.nan]}),
    ]
    with open_table(chunks, batch_rows=2, spool_dir=spool) as source:
        out = concat(source)
    assert out["o"].dtype == "float64" and out["o"].isna().tolist() == [True, False, True]


def test_chunks_cast_to_the_first_chunks_types(spool):
    chunks = [
        pd.DataFrame({"x": [0.5], "c": pd.Categorical(["a"]), "i": [1]}),
        pd.DataFrame(  # ints into floats, strings into categories, more than 127 categories
            {"x": [2], "c": pd.Categorical([f"v{j}" for j in range(300)][:1]), "i": [2]}
        ),
        pd.DataFrame(
            {
                "x": np.arange(300.0),
                "c": pd.Categorical([f"v{j}" for j in range(300)]),
                "i": np.arange(300, dtype="int32"),
            }
        ),
        pd.DataFrame({"x": [1.5], "c": ["z"], "i": pd.array([None], dtype="Int64")}),
    ]
    with open_table(chunks, batch_rows=128, spool_dir=spool) as source:
        frames = [frame for _, frame in source.iter_frames()]
    out = pd.concat(frames)
    assert len(out) == 303
    assert out["x"].dtype == "float64" and out["x"].iloc[1] == 2.0
    assert all(isinstance(f["c"].dtype, pd.CategoricalDtype) for f in frames)
    assert out["c"].astype(str).tolist() == ["a", "v0", *(f"v{j}" for j in range(300)), "z"]
    # the Int64 chunk holds a missing value: the column is float64 in every fragment
    assert [str(f["i"].dtype) for f in frames] == ["float64"] * len(frames)
    assert out["i"].isna().sum() == 1


# --- the spool -----------------------------------------------------------------------------


def test_spool_removed_by_close_context_manager_and_garbage_collection(tmp_path, spool):
    df = make_table()
    source = open_table([df], spool_dir=spool)
    assert len(listing(spool)) == 2  # the spool folder and its file
    source.close()
    source.close()  # idempotent
    assert listing(spool) == []
    with pytest.raises(ValueError, match="closed"):
        source.read_fragment(0)
    with open_table(iter([df]), spool_dir=spool) as source:
        assert os.path.isdir(source.spool_path)
    assert listing(spool) == []
    source = open_table(lambda: iter([df]), spool_dir=spool)
    assert listing(spool) != []
    del source
    gc.collect()
    assert listing(spool) == []


def test_copy_does_not_own_the_spool(spool):
    source = open_table([make_table()], spool_dir=spool)
    copy = pickle.loads(pickle.dumps(source))
    pd.testing.assert_frame_equal(copy.read_fragment(0), source.read_fragment(0))
    copy.close()
    del copy
    gc.collect()
    assert os.path.isdir(source.spool_path)
    source.close()
    assert listing(spool) == []


def test_default_spool_dir_is_the_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with open_table([make_table()]) as source:
        assert Path(source.spool_path).parent == tmp_path
    assert listing(tmp_path) == []


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_spool_removed_when_the_chunks_fail(spool, error):
    def chunks():
        yield make_table()
        raise error("stop")

    with pytest.raises(error):
        open_table(chunks(), batch_rows=8, spool_dir=spool)
    assert listing(spool) == []
    with pytest.raises(ValueError, match="chunk 1"):
        open_table([make_table(), make_table()[["f"]]], spool_dir=spool)
    assert listing(spool) == []


# --- bad input -----------------------------------------------------------------------------


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.parquet does not exist"):
        open_table(tmp_path / "nothere.parquet")


@pytest.mark.parametrize("name", ["table.txt", "table.csv.gz", "table"])
def test_other_extension(tmp_path, name):
    (tmp_path / name).write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"table.*\.csv, \.parquet or \.pq"):
        open_table(tmp_path / name)


def test_folder_without_parquet(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n")
    (tmp_path / "_hidden.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="holds no Parquet file"):
        open_table(tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_unreadable_parquet(tmp_path, damage):
    good = tmp_path / "good.parquet"
    make_table().to_parquet(good)
    path = tmp_path / "bad.parquet"
    content = {"garbage": b"not parquet" * 20, "truncated": good.read_bytes()[:300], "empty": b""}
    path.write_bytes(content[damage])
    with pytest.raises(ValueError, match="bad.parquet is not a readable Parquet file") as info:
        open_table(path)
    assert isinstance(info.value.__cause__, pa.ArrowException)
    # also when it is one file of a folder
    folder = tmp_path / "folder"
    folder.mkdir()
    good.rename(folder / "a.parquet")
    path.rename(folder / "b.parquet")
    with pytest.raises(ValueError, match="b.parquet is not a readable Parquet file"):
        open_table(folder)


def test_unreadable_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.csv is not a readable CSV file") as info:
        open_table(path)
    assert isinstance(info.value.__cause__, pa.ArrowException)


def test_permission_denied(tmp_path, monkeypatch):
    parquet, csv = tmp_path / "t.parquet", tmp_path / "t.csv"
    make_table().to_parquet(parquet)
    make_table().to_csv(csv, index=False)
    readable = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: "t." not in str(p) and readable(p, mode, **kw)
    )
    for path in (parquet, csv, tmp_path):
        with pytest.raises(PermissionError, match=r"cannot read .*t\.(parquet|csv)"):
            open_table(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_for_real(tmp_path):  # pragma: no cover - not as root
    path = tmp_path / "t.parquet"
    make_table().to_parquet(path)
    path.chmod(0)
    try:
        with pytest.raises(PermissionError, match="t.parquet"):
            open_table(path)
    finally:
        path.chmod(0o644)


def _folder(tmp_path, *frames):
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    for k, frame in enumerate(frames):
        frame.to_parquet(folder / f"part-{k}.parquet")
    return folder


def test_folder_files_with_other_columns(tmp_path):
    df = make_table(6)
    folder = _folder(tmp_path, df, df.drop(columns="c"), df)
    with pytest.raises(ValueError, match=r"part-1\.parquet lacks the columns \['c'\]"):
        open_table(folder)
    folder = _folder(tmp_path / "x", df, df, df.assign(extra=1))
    with pytest.raises(ValueError, match=r"part-2\.parquet has the extra columns \['extra'\]"):
        open_table(folder)
    # another order is fine: the first file's order is the table's
    folder = _folder(tmp_path / "y", df, df[df.columns[::-1]])
    with open_table(folder) as source:
        assert source.columns == list(df.columns)
        pd.testing.assert_frame_equal(
            concat(source).reset_index(drop=True), expected(pd.concat([df, df], ignore_index=True))
        )


@pytest.mark.parametrize(
    "column, value, types",
    [
        ("i", 1.5, r"double, but int64"),
        ("f", "x", r"large_string, but double"),
        ("i", np.int64(2) ** 40, None),
    ],
)
def test_folder_files_with_other_types(tmp_path, column, value, types):
    df = make_table(6)
    other = df.assign(**{column: value})
    if types is None:  # int64 in both files: fine
        with open_table(_folder(tmp_path, df, other)) as source:
            assert source.n_rows == 12
        return
    folder = _folder(tmp_path, df, other)
    with pytest.raises(
        ValueError, match=rf"column '{column}' of .*part-1\.parquet is {types} in .*rewrite"
    ):
        open_table(folder)


def test_chunk_that_is_not_a_dataframe():
    df = make_table(4)
    with pytest.raises(TypeError, match="chunk 1 .*is a ndarray, not a pandas DataFrame"):
        open_table([df, df.to_numpy()])
    with pytest.raises(TypeError, match="chunk 0 .*is a str"):
        open_table(iter(["a.csv"]))


def test_chunks_with_other_columns():
    df = make_table(4)
    with pytest.raises(ValueError, match=r"chunk 2 \(from 0\).*lacks the columns \['b'\]"):
        open_table([df, df, df.drop(columns="b")])
    with pytest.raises(ValueError, match=r"chunk 1 .*has the extra columns \['z'\]"):
        open_table([df, df.assign(z=1)])
    with pytest.raises(ValueError, match=r"chunk 1 .*another order.*chunk\[columns\]"):
        open_table([df, df[df.columns[::-1]]])


UTC = pd.to_datetime(["2020-01-01"]).tz_localize("UTC")


@pytest.mark.parametrize(
    "first, later, match",
    [
        (
            [1, 2],
            [1.0, np.nan],
            r"'x' of chunk 1 .*is double.*int64.*astype\(\{'x': 'float64'\}\)",
        ),
        ([1, 2], ["a", "b"], r"'x' of chunk 1 .*is large_string.*int64"),
        (["a", "b"], [1, 2], r"'x' of chunk 1 .*is int64.*string"),
        ([True, False], [1, 0], r"'x' of chunk 1 .*is int64.*bool"),
        (UTC, UTC.tz_localize(None), r"'x' of chunk 1 .*timestamp\[us\].*timestamp\[us, tz=UTC\]"),
        # same kind, but the cast would overflow
        (np.array([1], dtype="int8"), [2**40], r"'x' of chunk 1 .*is int64.*int8.*Integer value"),
    ],
    ids=["int-float", "int-str", "str-int", "bool-int", "tz-naive", "int8-overflow"],
)
def test_chunks_whose_dtypes_do_not_convert(first, later, match):
    with pytest.raises(ValueError, match=match):
        open_table([pd.DataFrame({"x": first}), pd.DataFrame({"x": later})])


def test_chunk_with_values_of_several_types():
    with pytest.raises(ValueError, match=r"chunk 1 .*\(column 'o'\).*one type"):
        open_table([pd.DataFrame({"o": ["a"]}), pd.DataFrame({"o": [1, "x"]})])


def test_column_without_any_value():
    chunks = [pd.DataFrame({"x": [1.0], "o": pd.Series([None], dtype=object)})] * 2
    with pytest.raises(ValueError, match="column 'o' has no value in any chunk"):
        open_table(chunks)


def test_folder_column_without_any_value(tmp_path):
    df = pd.DataFrame({"x": [1.0], "o": pd.Series([None], dtype=object)})
    with pytest.raises(ValueError, match="column 'o' of .*data has no value in any file"):
        open_table(_folder(tmp_path, df, df))


def test_empty_tables(tmp_path):
    path = tmp_path / "rows.parquet"
    make_table().iloc[:0].to_parquet(path)
    with pytest.raises(ValueError, match="rows.parquet has no rows"):
        open_table(path)
    path = tmp_path / "cols.parquet"
    pd.DataFrame(index=range(3)).to_parquet(path)
    with pytest.raises(ValueError, match="cols.parquet has no columns"):
        open_table(path)
    path = tmp_path / "header.csv"
    path.write_text("a,b\n")
    with pytest.raises(ValueError, match="header.csv has no rows"):
        open_table(path)
    with pytest.raises(ValueError, match="has no rows: the iterable gave no chunk"):
        open_table(iter([]))
    with pytest.raises(
        ValueError, match=r"the table of the chunks has no rows \(2 chunks, 0 rows\)"
    ):
        open_table([make_table().iloc[:0]] * 2)
    with pytest.raises(ValueError, match="chunk 0 has no columns"):
        open_table([pd.DataFrame(index=range(3))])


def test_duplicate_column_names(tmp_path):
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        open_table([pd.DataFrame([[1, 2]], columns=["a", "a"])])
    path = tmp_path / "dup.csv"
    path.write_text("a,a\n1,2\n")
    with pytest.raises(ValueError, match="dup.csv has duplicate column names"):
        open_table(path)
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"]), path)
    with pytest.raises(ValueError, match=r"dup.parquet has duplicate column names \['x'\]"):
        open_table(path)


def test_csv_whose_type_changes_after_the_first_block(tmp_path):
    path = tmp_path / "late.csv"
    rows = 150_000  # more than pyarrow's first block (1 MB)
    pd.DataFrame({"k": np.arange(rows), "i": np.arange(rows)}).to_csv(path, index=False)
    with open(path, "a") as fh:
        fh.write("1,x\n")
    with pytest.raises(ValueError, match=r"late.csv is not a readable CSV file in column 'i'"):
        open_table(path)


def test_csv_column_empty_in_the_first_block_is_strings(tmp_path):
    path = tmp_path / "sparse.csv"
    rows = 150_000
    df = pd.DataFrame({"k": np.arange(rows), "e": pd.Series([None] * rows, dtype=object)})
    df.loc[rows - 1, "e"] = "late"
    df.to_csv(path, index=False)
    with open_table(path, batch_rows=40_000) as source:
        assert source.schema.field("e").type == pa.string()
        assert [f.n_rows for f in source.fragments] == [40_000] * 3 + [30_000]
        last = source.read_fragment(len(source.fragments) - 1)
        # the rows keep the file's order
        assert (concat(source, columns=["k"])["k"].to_numpy() == np.arange(rows)).all()
    assert last["e"].iloc[-1] == "late" and last["e"].isna().sum() == len(last) - 1


def test_bad_arguments(tmp_path):
    df = make_table(4)
    with pytest.raises(ValueError, match="batch_rows must be at least 1, got 0"):
        open_table([df], batch_rows=0)
    with pytest.raises(TypeError, match="batch_rows must be an integer"):
        open_table([df], batch_rows=2.5)
    with pytest.raises(FileNotFoundError, match="spool_dir .*nowhere is not an existing folder"):
        open_table([df], spool_dir=tmp_path / "nowhere")
    with pytest.raises(TypeError, match="returned a DataFrame, not an iterable"):
        open_table(lambda: df)
    with pytest.raises(TypeError, match="not a DataFrame; pass an in-memory table to fit"):
        open_table(df)
    with open_table([df]) as source:
        with pytest.raises(IndexError, match="fragment 5 is out of range"):
            source.read_fragment(5)
        with pytest.raises(ValueError, match=r"columns \['nope'\] are not columns"):
            source.read_fragment(0, columns=["nope"])
        with pytest.raises(IndexError):
            source.iter_frames(order=[0, 9])


def test_pyarrow_missing(monkeypatch, tmp_path):
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)
    path = tmp_path / "t.parquet"
    path.write_bytes(b"")
    for X in (path, [make_table(3)]):
        with pytest.raises(ImportError, match=r"pip install sklearn-ganae\[parquet\]"):
            open_table(X)


# --- is_table_source -----------------------------------------------------------------------


class _Estimator:
    def fit(self, X):
        return self

    def __call__(self):
        return iter([])


def _generator():
    yield make_table(2)


@pytest.mark.parametrize(
    "X",
    [
        "data.parquet",
        Path("data"),
        lambda: iter([]),
        _generator,
        _generator(),
        iter([make_table(2)]),
        [make_table(2)],
        (make_table(2), make_table(3)),
    ],
    ids=["str", "path", "lambda", "function", "generator", "iterator", "list", "tuple"],
)
def test_is_table_source_accepts(X):
    assert is_table_source(X)


@pytest.mark.parametrize(
    "X",
    [
        make_table(2),
        make_table(2)["f"],
        np.zeros((2, 2)),
        [[1, 2], [3, 4]],
        [],
        (),
        [make_table(2), np.zeros(2)],
        3,
        2.5,
        None,
        {"a": [1]},
        b"data.parquet",
        pd.DataFrame,
        _Estimator(),
        range(3),
    ],
    ids=[
        "dataframe",
        "series",
        "ndarray",
        "list-of-lists",
        "empty-list",
        "empty-tuple",
        "mixed-list",
        "int",
        "float",
        "none",
        "dict",
        "bytes",
        "class",
        "estimator",
        "range",
    ],
)
def test_is_table_source_rejects(X):
    assert not is_table_source(X)
