"""Tables read in bounded batches: what a streamed ``fit`` takes instead of a DataFrame.

An estimator's ``fit`` accepts, besides in-memory arrays and DataFrames, a table too
large for memory (:func:`is_table_source` tells which inputs are such tables):

- a path (``str`` or ``os.PathLike``) to a Parquet file (``.parquet``, ``.pq``), to a
  folder of Parquet files, or to a CSV file (``.csv``);
- an iterable of pandas DataFrame chunks (a list or tuple of DataFrames, a generator,
  ``pandas.read_csv(..., chunksize=...)``, any iterator);
- a callable that returns such an iterable (it is called once).

:func:`open_table` checks the input (every error names the file or chunk, the column
and the fix) and returns a :class:`TableSource`: the column names, one arrow schema,
the exact number of rows and a list of *fragments*, the units the streaming code
reads, shuffles and shares between processes. A fragment is a Parquet row group, or a
slice of at most ``batch_rows`` rows of a larger one; :meth:`TableSource.read_fragment`
returns one as a pandas DataFrame, converted the same way for every fragment, and
:meth:`TableSource.iter_frames` reads them one at a time, so memory stays bounded by
one fragment (plus pyarrow's buffers) whatever the number of rows.

CSV files, iterables and callables have no random access: :func:`open_table` copies
them once, in the memory of one batch, into a temporary Parquet file (the *spool*, in
a fresh folder made by ``tempfile.mkdtemp``; nothing is written next to the user's
files), which the source then reads; :meth:`TableSource.close` (or the ``with``
block, or garbage collection, or the interpreter's exit) deletes it.

pyarrow is an optional dependency (the ``parquet`` extra), imported only here, when a
table is opened.
"""

from __future__ import annotations

import json
import numbers
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sklearn_ganae._files import TABLE_EXTENSIONS, TABLE_FORMATS, require_pyarrow

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

#: rows of a fragment, at most (and of a row group of the spool)
DEFAULT_BATCH_ROWS = 65_536
#: prefix of the spool folders
SPOOL_PREFIX = "sklearn-ganae-"

_SAME_DTYPES_FIX = "give every chunk the same dtypes, e.g. df.astype({{{col!r}: {dtype!r}}})"


# --- what open_table takes ---------------------------------------------------------------


def is_table_source(X) -> bool:
    """Whether ``X`` is a table that :func:`open_table` opens (a streamed input).

    Parameters
    ----------
    X : object
        Anything given to ``fit``.

    Returns
    -------
    bool
        True for a ``str`` or ``os.PathLike`` (a path); a callable that is not a
        class and has no ``fit`` (not an estimator); an iterator or generator
        (``pandas.read_csv(..., chunksize=...)`` included); a list or tuple of at
        least one item whose items are all pandas DataFrames. False for DataFrames,
        arrays, lists of lists, scalars and None. Cheap: nothing is read or imported.
    """
    if isinstance(X, (str, os.PathLike)):
        return True
    if X is None or isinstance(X, (pd.DataFrame, pd.Series, np.ndarray, bytes, type)):
        return False
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and all(isinstance(item, pd.DataFrame) for item in X)
    if isinstance(X, Iterator):
        return True
    return callable(X) and not hasattr(X, "fit")


# --- the source ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableFragment:
    """One unit of reading: a Parquet row group, or a slice of one.

    Attributes
    ----------
    n_rows : int
        Its rows (at least 1, at most the source's ``batch_rows``).
    label : str
        Where its rows are, for messages: ``"data/part-1.parquet, row group 3"``,
        ``"data/big.parquet, row group 0, rows 65536-131071"`` (rows of the row group,
        from 0), ``"data.csv, rows 0-65535"`` (data rows of the CSV file, from 0, the
        header not counted) or ``"rows 0-65535 of the chunks"``.
    start : int
        The table's row number (from 0) of its first row; the fragments follow each
        other: ``fragments[i + 1].start == fragments[i].start + fragments[i].n_rows``.
    part : int
        The Parquet file it is read from (an index into the source's files).
    row_group : int
        Its row group in that file.
    offset : int
        Its first row within that row group.
    """

    n_rows: int
    label: str
    start: int
    part: int
    row_group: int
    offset: int


@dataclass(frozen=True)
class _Part:
    """A Parquet file that a source reads: a user's file or a file of the spool."""

    path: str  # the file read
    metadata: Any  # pyarrow.parquet.FileMetaData, read once by open_table
    schema: Any  # the arrow schema of its data columns (no pandas index columns)
    cast: bool  # whether its types differ from the source's schema (cast on reading)


def _remove_spool(path: str, owner_pid: int) -> None:
    """Delete a spool folder; only in the process that made it (a forked child's
    copy of a source never deletes its parent's spool)."""
    if os.getpid() == owner_pid:
        shutil.rmtree(path, ignore_errors=True)


class TableSource:
    """A table read in bounded batches: Parquet files, read fragment by fragment.

    Made by :func:`open_table`, not directly. A context manager: the ``with`` block
    closes it (:meth:`close`).

    Attributes
    ----------
    columns : list of str
        The column names, in order (arrow's names: always strings).
    schema : pyarrow.Schema
        The one arrow schema every fragment is converted from (its metadata is the
        pandas metadata used for the conversion, without the index).
    n_rows : int
        The exact number of rows.
    fragments : list of TableFragment
        The units of reading, shuffling and sharding, in table order; their ``n_rows``
        sum to ``n_rows``.
    paths : list of str
        The user's files read (the Parquet files, or the CSV file that was spooled);
        empty for chunks.
    name : str
        The input in words, for messages (``"data/"``, ``"data.csv"``, ``"the chunks"``).
    batch_rows : int
        Rows of a fragment, at most.
    spool_path : str or None
        The folder of the spool (CSV files, chunks), None when the source reads the
        user's Parquet files directly; deleted by :meth:`close`.
    closed : bool
        Whether :meth:`close` was called.

    Notes
    -----
    Conversion to pandas is the same for every fragment: the arrow table of its rows,
    cast to :attr:`schema` where a file's types differ losslessly (``string`` and
    ``large_string``, a narrower integer or float), with the source's pandas metadata
    (from the first Parquet file, or the first chunk), then ``Table.to_pandas()``. A
    DataFrame written by pandas therefore comes back with the dtypes that
    ``pandas.read_parquet`` gives it (``int64``, ``float64``, ``bool``, ``category``,
    ``datetime64``, strings as pandas' string dtype ``str``). On top of that:

    - an integer or boolean column that holds a missing value in any fragment (known
      from the Parquet statistics, assumed where a file has none) is ``float64``
      (integers) or ``object`` (booleans) in *every* fragment, as ``to_pandas`` makes
      it for a table with missing values, instead of changing dtype from one fragment
      to the next; pandas' nullable dtypes (``Int64``, ``boolean``) stay as they are;
    - the categories of a ``category`` column are those of the fragment's row group,
      so they may differ from one fragment to another (a fragment may lack a category
      that another has): gather them over the fragments where they matter;
    - the index is the table's row numbers of the fragment (a ``RangeIndex`` from
      ``fragment.start``); an index stored in a Parquet file by pandas is not read.

    Fragments are read with ``pyarrow.parquet.ParquetFile``, one at a time; a row
    group larger than ``batch_rows`` is read in batches of ``batch_rows`` rows
    (``iter_batches``), so memory is bounded by ``batch_rows`` rows, but reading its
    fragments out of order decodes its earlier rows again (CPU, not memory): write
    large files with ``row_group_size`` at most ``batch_rows`` where that matters
    (the spool always is). :meth:`iter_frames` continues one stream through the
    consecutive fragments of such a row group. The source holds no open file between
    calls, so several threads may read it at once; a copy (pickle, ``copy.deepcopy``)
    reads the same files but does not own the spool (only the original deletes it).
    """

    def __init__(
        self,
        parts: list[_Part],
        schema: pa.Schema,
        fragments: list[TableFragment],
        *,
        paths: list[str],
        name: str,
        batch_rows: int,
        widen: Iterable[str] = (),
        spool_path: str | None = None,
    ) -> None:
        self._parts = parts
        self.schema = schema
        self.columns = list(schema.names)
        self.fragments = fragments
        self.n_rows = int(sum(f.n_rows for f in fragments))
        self.paths = list(paths)
        self.name = name
        self.batch_rows = int(batch_rows)
        self.spool_path = spool_path
        self.closed = False
        self._widen = frozenset(widen)
        self._finalizer = (
            weakref.finalize(self, _remove_spool, spool_path, os.getpid())
            if spool_path is not None
            else None
        )

    # -- lifetime

    def close(self) -> None:
        """Delete the spool (if any) and refuse further reads; idempotent."""
        self.closed = True
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> TableSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_finalizer"] = None
        return state

    def __repr__(self) -> str:
        return (
            f"TableSource({self.name}: {self.n_rows} rows, {len(self.columns)} columns, "
            f"{len(self.fragments)} fragments{', closed' if self.closed else ''})"
        )

    # -- reading

    def read_fragment(self, i: int, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The rows of fragment ``i`` as a pandas DataFrame.

        Parameters
        ----------
        i : int
            The fragment, an index into :attr:`fragments`.
        columns : list of str, default=None
            The columns to read, in the order given; None: all, in table order.

        Returns
        -------
        frame : pandas.DataFrame
            ``fragments[i].n_rows`` rows, indexed by their row numbers in the table;
            see the class's Notes for the dtypes.
        """
        self._check_open()
        index = self._fragment_index(i)
        names = self._column_list(columns)
        return self._frame(self._read(index, names, None), index, names)

    def iter_frames(
        self, order: Iterable[int] | None = None, columns: Iterable[str] | None = None
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(i, frame)`` for the fragments in ``order``, one at a time.

        Parameters
        ----------
        order : iterable of int, default=None
            The fragments to read, in that order (repeats allowed); None: all, in
            table order. Checked before the first fragment is read.
        columns : list of str, default=None
            As in :meth:`read_fragment`.

        Yields
        ------
        i : int
            The fragment's index.
        frame : pandas.DataFrame
            Its rows, as :meth:`read_fragment` returns them.
        """
        self._check_open()
        order = (
            list(range(len(self.fragments)))
            if order is None
            else [self._fragment_index(i) for i in order]
        )
        names = self._column_list(columns)
        return self._iter_frames(order, names)

    def _iter_frames(self, order, names):
        state: dict = {}  # the cursor through a split row group, kept between fragments
        for index in order:
            self._check_open()
            yield index, self._frame(self._read(index, names, state), index, names)

    # -- reading, internals

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError(f"{self!r} is closed; open the table again with open_table.")

    def _fragment_index(self, i) -> int:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral):
            raise TypeError(f"a fragment index is an integer, got {i!r}.")
        n = len(self.fragments)
        if not -n <= int(i) < n:
            raise IndexError(f"fragment {i} is out of range: {self.name} has {n} fragments.")
        return int(i) % n

    def _column_list(self, columns) -> list[str]:
        if columns is None:
            return list(self.columns)
        names = [columns] if isinstance(columns, str) else list(columns)
        known = set(self.columns)
        unknown = [c for c in names if c not in known]
        if unknown:
            raise ValueError(
                f"columns {unknown} are not columns of {self.name}; its columns are "
                f"{self.columns}."
            )
        if len(set(names)) != len(names):
            raise ValueError(f"columns {names} name a column twice; name each once.")
        return names

    def _read(self, index: int, names: list[str], state: dict | None):
        """The arrow table of fragment ``index``, columns ``names``. ``state`` (a dict,
        or None) keeps the cursor through a split row group for the next call."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        fragment = self.fragments[index]
        part = self._parts[fragment.part]
        try:
            reader = None
            if fragment.n_rows == part.metadata.row_group(fragment.row_group).num_rows:
                reader = pq.ParquetFile(part.path, metadata=part.metadata)
                table = reader.read_row_group(fragment.row_group, columns=names)
            else:  # a slice of a row group larger than batch_rows
                key = (fragment.part, fragment.row_group, tuple(names))
                cursor = None if state is None else state.get(key)
                if cursor is None or cursor.pos > fragment.offset:
                    reader = pq.ParquetFile(part.path, metadata=part.metadata)
                    cursor = _RowGroupCursor(reader, fragment.row_group, names, self.batch_rows)
                table = cursor.take(fragment.offset, fragment.n_rows)
                if state is not None:
                    state.clear()
                    state[key] = cursor
            return table.select(names)
        except (OSError, pa.ArrowException) as exc:
            what = "the spool of " if self.spool_path is not None else ""
            message = (
                f"cannot read {fragment.label} ({what}{self.name}): "
                f"{' '.join(str(exc).split())}; the file may have been changed, moved or "
                "damaged since the table was opened: open it again with open_table."
            )
            if isinstance(exc, OSError):
                raise OSError(message) from exc
            raise ValueError(message) from exc

    def _frame(self, table, index: int, names: list[str]) -> pd.DataFrame:
        part = self._parts[self.fragments[index].part]
        if part.cast:
            target = self.schema.remove_metadata()
            table = table.cast(_select_schema(target, names))
        table = table.replace_schema_metadata(self.schema.metadata)
        frame = table.to_pandas()
        for name in self._widen.intersection(names):
            dtype = frame[name].dtype
            if isinstance(dtype, np.dtype) and dtype.kind in "iu":
                frame[name] = frame[name].astype("float64")
            elif isinstance(dtype, np.dtype) and dtype.kind == "b":
                frame[name] = frame[name].astype(object)
        if list(frame.columns) != names:
            frame.columns = names
        start = self.fragments[index].start
        frame.index = pd.RangeIndex(start, start + len(frame))
        return frame


class _RowGroupCursor:
    """Consecutive slices of one row group, read with ``iter_batches`` (memory: one
    batch); a slice before the current position needs a new cursor."""

    def __init__(self, reader, row_group: int, names: list[str], batch_rows: int) -> None:
        self._batches = reader.iter_batches(
            batch_size=batch_rows, row_groups=[row_group], columns=names
        )
        self.pos = 0  # the row (of the row group) that the pending batch starts at
        self._pending = None

    def take(self, offset: int, n: int):
        import pyarrow as pa

        end, pieces = offset + n, []
        while self.pos < end:
            batch = self._pending if self._pending is not None else next(self._batches, None)
            if batch is None:
                raise pa.ArrowInvalid(f"the row group ended at row {self.pos}, before row {end}")
            self._pending = None
            lo, hi = max(offset, self.pos), min(end, self.pos + batch.num_rows)
            if hi > lo:
                pieces.append(batch.slice(lo - self.pos, hi - lo))
            if self.pos + batch.num_rows > end:
                self._pending = batch.slice(end - self.pos)
                self.pos = end
            else:
                self.pos += batch.num_rows
        return pa.Table.from_batches(pieces)


def _select_schema(schema, names):
    import pyarrow as pa

    return pa.schema([schema.field(name) for name in names])


# --- opening -----------------------------------------------------------------------------


def open_table(
    X, *, batch_rows: int = DEFAULT_BATCH_ROWS, spool_dir: str | os.PathLike | None = None
) -> TableSource:
    """Open a table too large for memory as a :class:`TableSource`.

    Every check is made here, before the source is read for training: paths, formats,
    the schemas of every file, and for CSV files and chunks (which are copied once
    into a temporary Parquet spool, see the module's docstring) every row.

    Parameters
    ----------
    X : str, os.PathLike, iterable of pandas.DataFrame or callable
        A Parquet file (``.parquet``, ``.pq``); a folder of Parquet files (every
        ``*.parquet`` and ``*.pq`` under it, recursively, sorted by path; files and
        folders whose names start with ``.`` or ``_`` are skipped, as pyarrow does;
        folder names such as ``year=2020`` are not read as columns); a CSV file
        (``.csv``, with a header; the type of each column is pyarrow's inference from
        the first block of the file, and an empty field is a missing value in every
        column, as in ``pandas.read_csv``); an iterable of DataFrame chunks (consumed
        once); or a callable returning one (called once). See :func:`is_table_source`.
    batch_rows : int, default=65536
        Rows of a fragment, at most: a row group larger than that is read in slices
        of ``batch_rows`` rows, and the spool is written in row groups of
        ``batch_rows`` rows (chunks and CSV batches are joined or cut to that size;
        the last is shorter, and so is the one before a later chunk gives a type to
        a column that had no value before, see Notes).
    spool_dir : str or os.PathLike, default=None
        An existing folder in which to make the spool's folder (None: the system's
        temporary folder, ``tempfile.gettempdir()``). Only CSV files and chunks use it.

    Returns
    -------
    source : TableSource
        Close it (or use it in a ``with`` block) to delete its spool.

    Raises
    ------
    FileNotFoundError
        For a path that does not exist (or a ``spool_dir`` that does not).
    PermissionError
        For a file that cannot be read.
    ValueError
        For a file of another extension; a folder without Parquet files; a file that
        is not readable Parquet or CSV; files whose columns or types differ; chunks
        whose columns differ, or whose dtypes do not convert to the first chunk's;
        duplicate column names; a column without a value anywhere (arrow type null:
        its type is unknown); a table without rows or columns; ``batch_rows < 1``.
    TypeError
        For a chunk that is not a DataFrame, a callable that does not return an
        iterable of DataFrames, or an ``X`` that is none of the inputs above.
    ImportError
        When pyarrow (the ``parquet`` extra) is not installed.

    Notes
    -----
    Types across files and chunks. Files of a folder must have the same columns (in
    any order; the first file's order is the table's) and the same types; a type that
    converts without loss is accepted (``string`` and ``large_string``, a narrower
    integer or float, a ``null`` column, that is one whose values are all missing in
    that file), anything else is an error naming the file, the column and both types.
    Chunks must have the columns of the first chunk, in its order; a later chunk's
    column is cast (``safe=True``) to the first chunk's type when it is of the same
    kind (integers into integers or floats, floats into floats, strings, categories
    and strings of the same values, timestamps of the same time zone...), otherwise,
    or when the cast would lose values, it is an error naming the chunk, the column and
    both types. So an ``int64`` column that a later chunk gives as ``float64`` (NaN)
    is an error: give every chunk the same dtypes. A column whose values are all
    missing in the first chunk (``object`` dtype: arrow's ``null`` type) takes its
    type from the first chunk that has a value in it; one that has no value in any
    chunk or file is an error. The pandas metadata (which restores the dtypes) is the
    first file's, or the first chunk's (for such a column: the chunk's that fixed its
    type). Column labels of chunks that are not strings become their ``str`` (arrow's
    names), in :attr:`TableSource.columns` and in the frames read.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ganae._sources import open_table
    >>> chunks = [pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"]})] * 3
    >>> with open_table(chunks, batch_rows=4) as source:
    ...     print(source.n_rows, source.columns, [f.n_rows for f in source.fragments])
    ...     print(source.read_fragment(1).shape)
    6 ['x', 'c'] [4, 2]
    (2, 2)
    """
    batch_rows = _check_batch_rows(batch_rows)
    if isinstance(X, (str, os.PathLike)):
        return _open_path(X, batch_rows, spool_dir)
    if not isinstance(X, (list, tuple, Iterator)) and not is_table_source(X):
        raise TypeError(
            f"open_table takes a path (str or os.PathLike), an iterable of pandas "
            f"DataFrames or a callable returning one, not a {type(X).__name__}; pass "
            "an in-memory table to fit directly."
        )
    _check_spool_dir(spool_dir)
    _require_pyarrow_for("DataFrame chunks")
    chunks, name = X, "the chunks"
    if not isinstance(X, (list, tuple, Iterator)):  # a callable
        chunks, name = X(), "the callable's chunks"
        if isinstance(chunks, (pd.DataFrame, str, bytes)) or not isinstance(chunks, Iterable):
            raise TypeError(
                f"the callable {X!r} returned a {type(chunks).__name__}, not an iterable of "
                "pandas DataFrames; make it return a fresh iterator of chunks, e.g. "
                "lambda: pd.read_csv(path, chunksize=100_000) or lambda: iter([df])."
            )
    return _spool_chunks(chunks, name, batch_rows, spool_dir)


def _check_batch_rows(batch_rows) -> int:
    if isinstance(batch_rows, (bool, np.bool_)) or not isinstance(batch_rows, numbers.Integral):
        raise TypeError(f"batch_rows must be an integer, got {batch_rows!r}.")
    if batch_rows < 1:
        raise ValueError(
            f"batch_rows must be at least 1, got {batch_rows}; give the rows of a batch, "
            f"e.g. batch_rows={DEFAULT_BATCH_ROWS}."
        )
    return int(batch_rows)


def _check_spool_dir(spool_dir) -> None:
    if spool_dir is not None and not os.path.isdir(spool_dir):
        raise FileNotFoundError(
            f"spool_dir {os.fspath(spool_dir)} is not an existing folder; create it, or "
            "leave spool_dir=None for the system's temporary folder."
        )


def _require_pyarrow_for(what: str) -> None:
    """:func:`require_pyarrow`, worded for a streamed table (CSV included)."""
    try:
        require_pyarrow(what)
    except ImportError as exc:
        raise ImportError(
            f"Streaming a table ({what}) needs pyarrow, which is not installed; install "
            "it with pip install sklearn-ganae[parquet] (or pip install pyarrow), or load "
            "the table into a pandas DataFrame and pass that."
        ) from exc


def _flat(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _check_readable(path: str, name: str) -> None:
    if not os.access(path, os.R_OK):
        raise PermissionError(
            f"cannot read {name}: permission denied; give read permission on it (chmod "
            "u+r) or copy it somewhere readable."
        )


def _open_path(X, batch_rows: int, spool_dir) -> TableSource:
    name = os.fspath(X)
    if not os.path.exists(name):
        raise FileNotFoundError(
            f"{name} does not exist; give the path of a Parquet file, a folder of Parquet "
            "files or a CSV file."
        )
    if os.path.isdir(name):
        files = _parquet_files(name)
        if not files:
            raise ValueError(
                f"the folder {name} holds no Parquet file (*.parquet, *.pq; names "
                "starting with . or _ are skipped); give a folder of Parquet files, or "
                "the path of a CSV file itself."
            )
        _require_pyarrow_for(name)
        paths = [os.path.join(name, f) for f in files]
        return _open_parquet(paths, name, batch_rows=batch_rows)
    fmt = TABLE_FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{name} has the extension {Path(name).suffix or '(none)'!r}, which is not a "
            f"table format; give a file ending in {TABLE_EXTENSIONS}, or a folder of "
            "Parquet files."
        )
    _require_pyarrow_for(name)
    if fmt == "parquet":
        return _open_parquet([name], name, batch_rows=batch_rows)
    _check_spool_dir(spool_dir)
    return _spool_csv(name, batch_rows, spool_dir)


def _parquet_files(folder: str) -> list[str]:
    """The Parquet files under ``folder`` (relative paths, ``/``-separated, sorted),
    skipping files and folders whose names start with ``.`` or ``_``."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        rel = os.path.relpath(top, folder)
        for f in files:
            if f.startswith((".", "_")) or Path(f).suffix.lower() not in (".parquet", ".pq"):
                continue
            if os.path.isfile(os.path.join(top, f)):
                found.append(f if rel == "." else Path(rel, f).as_posix())
    return sorted(found)


# --- Parquet files -------------------------------------------------------------------------


def _pandas_info(schema) -> dict | None:
    raw = (schema.metadata or {}).get(b"pandas")
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _index_columns(schema) -> set[str]:
    """The columns a pandas index was stored in (read by nobody here)."""
    info = _pandas_info(schema)
    if info is None:
        return set()
    return {c for c in info.get("index_columns", []) if isinstance(c, str)}


def _data_schema(schema):
    """``schema`` without its pandas index columns and without metadata."""
    import pyarrow as pa

    index = _index_columns(schema)
    return pa.schema([f for f in schema.remove_metadata() if f.name not in index])


def _source_metadata(info: dict | None, names: list[str]) -> dict | None:
    """Schema metadata: the pandas metadata ``info`` reduced to the columns ``names``,
    without the index (every fragment gets a ``RangeIndex``)."""
    if info is None:
        return None
    keep = set(names)
    info = dict(info)
    info["index_columns"] = []
    info["columns"] = [
        c for c in info.get("columns", []) if c.get("field_name", c.get("name")) in keep
    ]
    return {b"pandas": json.dumps(info).encode()}


def _duplicates(names: list[str]) -> list[str]:
    seen, dup = set(), []
    for n in names:
        if n in seen and n not in dup:
            dup.append(n)
        seen.add(n)
    return dup


def _open_parquet(
    files: list[str],
    name: str,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    labels: Callable | None = None,
    spool_path: str | None = None,
    user_files: bool = True,
    metadata: dict | None = None,
) -> TableSource:
    """A source reading Parquet ``files`` (the user's, or a spool's); ``labels(part,
    row_group, offset, n, start, split)`` words the fragments."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files_info = []
    for path in files:
        if user_files:
            _check_readable(path, path)
        try:
            reader = pq.ParquetFile(path)
            meta, schema = reader.metadata, reader.schema_arrow
            reader.close()
        except PermissionError as exc:
            raise PermissionError(
                f"cannot read {path}: permission denied; give read permission on it "
                "(chmod u+r) or copy it somewhere readable."
            ) from exc
        except (OSError, pa.ArrowException) as exc:
            raise ValueError(
                f"{path} is not a readable Parquet file ({_flat(exc)}); it may be damaged, "
                "truncated or of another format: write it again (e.g. "
                "df.to_parquet(path)), or remove it from the folder."
            ) from exc
        files_info.append((path, meta, schema))

    first_path, _, first_schema = files_info[0]
    first = _data_schema(first_schema)
    names = list(first.names)
    if not names:
        raise ValueError(
            f"{first_path} has no columns (only an index, or nothing); give a table with "
            "at least one column."
        )
    dup = _duplicates(names)
    if dup:
        raise ValueError(
            f"{first_path} has duplicate column names {dup}; rename the columns so that "
            "each name is used once."
        )
    # the columns of every file; the first non-null type of each column
    data_schemas = []
    target = {f.name: f.type for f in first}
    for path, _, schema in files_info:
        data = _data_schema(schema)
        these = list(data.names)
        dup = _duplicates(these)
        if dup:
            raise ValueError(
                f"{path} has duplicate column names {dup}; rename the columns so that "
                "each name is used once."
            )
        missing = [c for c in names if c not in set(these)]
        extra = [c for c in these if c not in set(names)]
        if missing or extra:
            words = []
            if missing:
                words.append(f"lacks the columns {missing}")
            if extra:
                words.append(f"has the extra columns {extra}")
            raise ValueError(
                f"{path} {' and '.join(words)} of {first_path}: every file of {name} needs "
                "the same columns; rewrite it with them, or move it out of the folder."
            )
        for field in data:
            if pa.types.is_null(target[field.name]) and not pa.types.is_null(field.type):
                target[field.name] = field.type
        data_schemas.append(data)
    schema = pa.schema([pa.field(c, target[c]) for c in names])
    for (path, _, _), data in zip(files_info, data_schemas):
        for field in data:
            want = target[field.name]
            if not _lossless(field.type, want):
                raise ValueError(
                    f"column {field.name!r} of {path} is {field.type}, but {want} in "
                    f"{first_path}: every file of {name} needs the same types; rewrite "
                    "it with the dtypes of the others (e.g. "
                    f"df.astype({{{field.name!r}: ...}}).to_parquet(path))."
                )
    if metadata is None:
        metadata = _source_metadata(_pandas_info(first_schema), names)
    schema = schema.with_metadata(metadata) if metadata else schema

    parts, fragments, start = [], [], 0
    for k, ((path, meta, _), data) in enumerate(zip(files_info, data_schemas)):
        cast = any(data.field(c).type != target[c] for c in names)
        display = path
        parts.append(_Part(path, meta, data, cast))
        for r in range(meta.num_row_groups):
            rows = meta.row_group(r).num_rows
            for offset in range(0, rows, batch_rows):
                n = min(batch_rows, rows - offset)
                split = rows > batch_rows
                if labels is None:
                    label = f"{display}, row group {r}"
                    if split:
                        label += f", rows {offset}-{offset + n - 1}"
                else:
                    label = labels(k, r, offset, n, start, split)
                fragments.append(TableFragment(n, label, start, k, r, offset))
                start += n
    if not start:
        raise ValueError(
            f"{name} has no rows ({len(names)} columns, 0 rows); give a table with rows."
        )
    nulls = [c for c in names if pa.types.is_null(target[c])]
    if nulls:
        raise ValueError(
            f"column {nulls[0]!r} of {name} has no value in any file (all missing, "
            "arrow type null), so its type is unknown; drop the column, or write it with "
            f"a dtype (e.g. df.astype({{{nulls[0]!r}: 'float64'}}))."
        )
    return TableSource(
        parts,
        schema,
        fragments,
        paths=files if user_files else [],
        name=name,
        batch_rows=batch_rows,
        widen=_null_columns(parts, schema),
        spool_path=spool_path,
    )


def _null_columns(parts: list[_Part], schema) -> list[str]:
    """The integer and boolean columns with a missing value in some row group (or no
    statistics to tell): ``float64`` / ``object`` in every fragment."""
    import pyarrow as pa

    wanted = [f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_boolean(f.type)]
    out = []
    for name in wanted:
        for part in parts:
            if pa.types.is_null(part.schema.field(name).type):
                out.append(name)
                break
            meta = part.metadata
            leaf = next(
                (j for j in range(meta.num_columns) if meta.schema.column(j).path == name),
                None,
            )
            if leaf is None:
                out.append(name)
                break
            if any(
                _may_hold_nulls(meta.row_group(r).column(leaf)) for r in range(meta.num_row_groups)
            ):
                out.append(name)
                break
    return out


def _may_hold_nulls(chunk) -> bool:
    stats = chunk.statistics
    if stats is None or not getattr(stats, "has_null_count", True):
        return chunk.num_values > 0
    return stats.null_count > 0


# --- types -------------------------------------------------------------------------------


def _kind(t):
    """A type's kind, for the casts between chunks (dictionaries: their values')."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return _kind(t.value_type)
    checks = [
        (pa.types.is_null, "null"),
        (pa.types.is_boolean, "bool"),
        (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "floating"),
        (pa.types.is_decimal, "decimal"),
        (lambda x: pa.types.is_string(x) or pa.types.is_large_string(x), "string"),
        (lambda x: pa.types.is_binary(x) or pa.types.is_large_binary(x), "binary"),
        (pa.types.is_date, "date"),
        (pa.types.is_time, "time"),
        (pa.types.is_duration, "duration"),
    ]
    if getattr(pa.types, "is_string_view", None) and pa.types.is_string_view(t):
        return "string"
    for check, kind in checks:
        if check(t):
            return kind
    if pa.types.is_timestamp(t):
        return ("timestamp", t.tz)
    return str(t)


def _castable(src, dst) -> bool:
    """Whether a chunk's column of type ``src`` may be cast (safely) to ``dst``."""
    a, b = _kind(src), _kind(dst)
    if a == "null" or src == dst:
        return True
    if a == "integer" and b == "floating":
        return True
    return a == b


def _lossless(src, dst) -> bool:
    """Whether a file's column of type ``src`` converts to ``dst`` without loss."""
    import pyarrow as pa

    if src == dst or pa.types.is_null(src):
        return True
    if pa.types.is_dictionary(src) or pa.types.is_dictionary(dst):
        value = src.value_type if pa.types.is_dictionary(src) else src
        want = dst.value_type if pa.types.is_dictionary(dst) else dst
        return _lossless(value, want)
    kind_src, kind_dst = _kind(src), _kind(dst)
    if kind_src in ("string", "binary") and kind_src == kind_dst:
        return True
    if kind_src == kind_dst == "floating":
        return src.bit_width <= dst.bit_width
    if kind_src == kind_dst == "integer":
        signed_src, signed_dst = pa.types.is_signed_integer(src), pa.types.is_signed_integer(dst)
        if signed_src == signed_dst:
            return src.bit_width <= dst.bit_width
        return signed_dst and src.bit_width < dst.bit_width
    return False


def _spool_type(t):
    """A first chunk's type as the spool stores it: dictionaries with int32 indices
    (a later chunk may have more categories than int8 codes hold)."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return pa.dictionary(pa.int32(), t.value_type, t.ordered)
    return t


# --- the spool ---------------------------------------------------------------------------


class _SpoolWriter:
    """Arrow tables, joined or cut into row groups of ``batch_rows`` rows, written to
    Parquet files in ``folder`` (a new file each time the schema changes)."""

    def __init__(self, folder: str, batch_rows: int) -> None:
        self.folder = folder
        self.batch_rows = batch_rows
        self.files: list[str] = []
        self.schema = None
        self.n_rows = 0
        self._writer = None
        self._pending: list = []
        self._pending_rows = 0

    def start(self, schema) -> None:
        """Write the following tables (of ``schema``) to a new file."""
        self._flush(everything=True)
        self._close_writer()
        self.schema = schema

    def write(self, table) -> None:
        if not table.num_rows:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        self.n_rows += table.num_rows
        if self._pending_rows >= self.batch_rows:
            self._flush(everything=False)

    def finish(self) -> None:
        self._flush(everything=True)
        self._close_writer()

    def _flush(self, everything: bool) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._pending_rows:
            return
        table = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        if self._writer is None:
            path = os.path.join(self.folder, f"spool-{len(self.files):03d}.parquet")
            self._writer = pq.ParquetWriter(path, self.schema)
            self.files.append(path)
        offset, size = 0, self.batch_rows
        while table.num_rows - offset >= size or (everything and offset < table.num_rows):
            piece = table.slice(offset, size)
            self._writer.write_table(piece, row_group_size=size)
            offset += piece.num_rows
        if offset < table.num_rows:
            rest = table.slice(offset)
            self._pending, self._pending_rows = [rest], rest.num_rows

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _make_spool(spool_dir) -> str:
    return tempfile.mkdtemp(
        prefix=SPOOL_PREFIX, dir=None if spool_dir is None else os.fspath(spool_dir)
    )


def _spool_source(
    writer: _SpoolWriter, folder: str, name: str, batch_rows: int, *, label, metadata, paths
):
    """The source reading a finished spool."""
    source = _open_parquet(
        writer.files,
        name,
        batch_rows=batch_rows,
        labels=label,
        spool_path=folder,
        user_files=False,
        metadata=metadata,
    )
    source.paths = list(paths)
    return source


def _chunk_table(chunk: pd.DataFrame, k: int):
    """A chunk as an arrow table; a ``ValueError`` naming the column that fails."""
    import pyarrow as pa

    errors = (pa.ArrowException, ValueError, TypeError)
    try:
        return pa.Table.from_pandas(chunk, preserve_index=False)
    except errors as exc:
        culprit = None
        for j in range(chunk.shape[1]):
            try:
                pa.Table.from_pandas(chunk.iloc[:, [j]], preserve_index=False)
            except errors:
                culprit = chunk.columns[j]
                break
        where = "" if culprit is None else f" (column {culprit!r})"
        fix = (
            "give each column values of one type"
            if culprit is None
            else f"give column {culprit!r} values of one type, e.g. "
            f"df.astype({{{str(culprit)!r}: 'str'}})"
        )
        raise ValueError(
            f"chunk {k} (from 0) cannot be converted to an arrow table{where}: "
            f"{_flat(exc)}; {fix}."
        ) from exc


def _spool_chunks(chunks: Iterable, name: str, batch_rows: int, spool_dir) -> TableSource:
    """Copy DataFrame chunks into a spool; the source that reads it."""
    import pyarrow as pa

    folder = _make_spool(spool_dir)
    try:
        writer = _SpoolWriter(folder, batch_rows)
        first_columns = None
        types: list = []
        info: dict | None = None
        k = -1
        for k, chunk in enumerate(chunks):
            if not isinstance(chunk, pd.DataFrame):
                raise TypeError(
                    f"chunk {k} (from 0) is a {type(chunk).__name__}, not a pandas "
                    "DataFrame; give DataFrames only (e.g. pd.DataFrame(chunk, "
                    "columns=...))."
                )
            columns = list(chunk.columns)
            if first_columns is None:
                if not columns:
                    raise ValueError(
                        "chunk 0 has no columns; give chunks with at least one column."
                    )
                dup = _duplicates([str(c) for c in columns])
                if dup:
                    raise ValueError(
                        f"chunk 0 has duplicate column names {dup}; rename the "
                        "columns so that each name is used once."
                    )
                first_columns = columns
            elif columns != first_columns:
                missing = [c for c in first_columns if c not in columns]
                extra = [c for c in columns if c not in first_columns]
                what = (
                    f"lacks the columns {missing}" * bool(missing)
                    + " and " * bool(missing and extra)
                    + f"has the extra columns {extra}" * bool(extra)
                ) or f"has the columns in another order ({columns})"
                raise ValueError(
                    f"chunk {k} (from 0) {what}; chunk 0 has {first_columns}. "
                    "Give every chunk the columns of the first, in its order (e.g. "
                    "chunk[columns])."
                )
            table = _chunk_table(chunk, k)
            if writer.schema is None:  # the first chunk fixes the types
                types = [_spool_type(f.type) for f in table.schema]
                info = _pandas_info(table.schema)
                names = list(table.schema.names)
                writer.start(_spool_schema(names, types, info))
                if table.schema.remove_metadata() != writer.schema.remove_metadata():
                    table = _cast_chunk(table, writer.schema, k)
                writer.write(table)
                continue
            changed = False
            for j, field in enumerate(table.schema):
                want = types[j]
                if pa.types.is_null(want) and not pa.types.is_null(field.type):
                    types[j] = _spool_type(field.type)  # the first chunk with a value
                    info = _replace_column_info(info, _pandas_info(table.schema), field.name)
                    changed = True
                elif not _castable(field.type, want):
                    raise ValueError(_cast_message(k, field.name, field.type, want))
            if changed:
                writer.start(_spool_schema(names, types, info))
            if table.schema.remove_metadata() != writer.schema.remove_metadata():
                table = _cast_chunk(table, writer.schema, k)
            writer.write(table)
        writer.finish()
        if first_columns is None:
            raise ValueError(f"the table of {name} has no rows: the iterable gave no chunk.")
        if not writer.n_rows:
            raise ValueError(
                f"the table of {name} has no rows ({k + 1} chunks, 0 rows); give chunks with rows."
            )
        nulls = [n for n, t in zip(names, types) if pa.types.is_null(t)]
        if nulls:
            raise ValueError(
                f"column {nulls[0]!r} has no value in any chunk (all missing, "
                "arrow type null), so its type is unknown; drop the column, or give it a "
                f"dtype (e.g. df.astype({{{nulls[0]!r}: 'float64'}}))."
            )
        return _spool_source(
            writer,
            folder,
            name,
            batch_rows,
            label=lambda part, r, off, n, start, split: f"rows {start}-{start + n - 1} of {name}",
            metadata=_source_metadata(info, names),
            paths=[],
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _spool_schema(names, types, info):
    import pyarrow as pa

    schema = pa.schema([pa.field(n, t) for n, t in zip(names, types)])
    return schema.with_metadata({b"pandas": json.dumps(info).encode()}) if info else schema


def _replace_column_info(info, other, name: str):
    """``info``'s pandas metadata with the entry of column ``name`` taken from ``other``."""
    if info is None or other is None:
        return info
    entry = next((c for c in other.get("columns", []) if c.get("field_name") == name), None)
    if entry is None:
        return info
    info = dict(info)
    info["columns"] = [entry if c.get("field_name") == name else c for c in info["columns"]]
    return info


def _cast_message(k: int, column: str, src, dst, detail: str = "") -> str:
    dtype = {"integer": "int64", "floating": "float64", "string": "str", "bool": "bool"}
    example = dtype.get(_kind(dst), "...")
    if _kind(dst) == "integer" and _kind(src) == "floating":
        example = "float64"  # the fix is to make the earlier chunks float
    return (
        f"column {column!r} of chunk {k} (from 0) is {src}, which does not convert "
        f"to {dst}, its type in the first chunk{detail}; "
        + _SAME_DTYPES_FIX.format(col=column, dtype=example)
        + "."
    )


def _cast_chunk(table, schema, k: int):
    """``table`` cast column by column to ``schema`` (``safe=True``)."""
    import pyarrow as pa

    arrays = []
    for field, column in zip(schema, table.columns):
        if column.type == field.type:
            arrays.append(column)
            continue
        try:
            arrays.append(column.cast(field.type, safe=True))
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise ValueError(
                _cast_message(k, field.name, column.type, field.type, f" ({_flat(exc)})")
            ) from exc
    return pa.Table.from_arrays(arrays, schema=schema)


# --- CSV ---------------------------------------------------------------------------------

_CSV_COLUMN = re.compile(r"CSV column #(\d+)")


def _csv_error(path: str, exc: BaseException, names: list[str] | None) -> ValueError:
    text = _flat(exc)
    if "multiple columns named" in text:
        return ValueError(
            f"{path} has duplicate column names ({text}); rename the columns of its header "
            "so that each name is used once."
        )
    match = _CSV_COLUMN.search(text)
    column = ""
    if match and names is not None and int(match.group(1)) < len(names):
        column = f" in column {names[int(match.group(1))]!r}"
    return ValueError(
        f"{path} is not a readable CSV file{column} ({text}); the type of each column is "
        "inferred from the first block of the file (about 1 MB): give every value of a "
        "column one type, or convert the file to Parquet with the dtypes you want (e.g. "
        "pd.read_csv(path, dtype={...}).to_parquet('table.parquet'))."
    )


def _spool_csv(path: str, batch_rows: int, spool_dir) -> TableSource:
    """Copy a CSV file into a spool, in batches; the source that reads it."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.dataset as ds

    _check_readable(path, path)

    def dataset(column_types=None):
        options = pcsv.ConvertOptions(strings_can_be_null=True, column_types=column_types)
        return ds.dataset(path, format=ds.CsvFileFormat(convert_options=options))

    names = None
    try:
        data = dataset()
        names = list(data.schema.names)
        empty = {f.name: pa.string() for f in data.schema if pa.types.is_null(f.type)}
        if empty:  # no value in the first block: strings (else a later value fails)
            data = dataset(empty)
    except PermissionError as exc:
        raise PermissionError(
            f"cannot read {path}: permission denied; give read permission on it."
        ) from exc
    except (OSError, pa.ArrowException) as exc:
        raise _csv_error(path, exc, names) from exc
    dup = _duplicates(names)
    if dup:
        raise ValueError(
            f"{path} has duplicate column names {dup}; rename the columns of its header so "
            "that each name is used once."
        )
    folder = _make_spool(spool_dir)
    try:
        writer = _SpoolWriter(folder, batch_rows)
        writer.start(data.schema)
        try:
            for batch in data.to_batches(batch_size=batch_rows):
                writer.write(pa.Table.from_batches([batch], schema=data.schema))
        except (OSError, pa.ArrowException) as exc:
            raise _csv_error(path, exc, names) from exc
        writer.finish()
        if not writer.n_rows:
            raise ValueError(
                f"{path} has no rows (a header of {len(names)} columns, 0 rows); give a "
                "CSV file with rows."
            )
        return _spool_source(
            writer,
            folder,
            path,
            batch_rows,
            label=lambda part, r, off, n, start, split: f"{path}, rows {start}-{start + n - 1}",
            metadata=None,
            paths=[path],
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def refuse_labels(X, y, who: str = "fit") -> None:
    """A ``ValueError`` when labels ``y`` come with a streamed ``X`` (a path,
    DataFrame chunks, a :class:`TableSource`): a streamed fit is not
    class-conditional."""
    if y is not None and (isinstance(X, TableSource) or is_table_source(X)):
        raise ValueError(
            f"{who} got y with a streamed X (a path or DataFrame chunks); a streamed fit "
            "is not class-conditional. Fit an in-memory table with y, or stream the "
            "table without y."
        )
