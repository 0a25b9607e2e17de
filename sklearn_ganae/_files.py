"""Writing table files safely: shared by ``GeneratorMixin.sample_to`` and the command line.

- :func:`table_format`: a file's format from its extension (``.csv``, ``.parquet``,
  ``.pq``), or a ``ValueError`` naming the supported ones;
- :func:`require_pyarrow`: an ``ImportError`` naming the ``parquet`` extra when
  pyarrow is missing;
- :func:`check_output_path`: the checks made before any work (not a directory, its
  folder exists and is writable, an existing file only with ``overwrite``);
- :func:`write_atomically`: write to a temporary file beside the target, then move it
  onto the target (never over a file that appeared meanwhile without ``overwrite``),
  leaving no partial file on any error or Ctrl-C;
- :func:`write_batches`: batches of rows to one CSV file (one header) or one Parquet
  file (``pyarrow.parquet.ParquetWriter``, one arrow schema fixed by the first batch,
  one row group per batch), in the memory of one batch.

The functions raise Python's own errors (``OSError`` subclasses for paths,
``ValueError`` for formats): the command line turns them into its one-line messages.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

#: table formats, by file extension
TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: the extensions, in words, for messages
TABLE_EXTENSIONS = ".csv, .parquet or .pq"


class OutputExistsError(FileExistsError):
    """The output file appeared while the work ran; it was left as it was."""


def table_format(path, what: str = "output") -> str:
    """``"csv"`` or ``"parquet"``, from the extension of ``path``.

    Raises
    ------
    ValueError
        For any other extension (``.txt``, ``.csv.gz``, none), naming the supported ones.
    """
    extension = Path(path).suffix.lower()
    fmt = TABLE_FORMATS.get(extension)
    if fmt is None:
        raise ValueError(
            f"{what} {os.fspath(path)} has the extension {extension or '(none)'!r}, which "
            f"is not a table format; use a file name ending in {TABLE_EXTENSIONS}."
        )
    return fmt


def require_pyarrow(path) -> None:
    """Raise an ``ImportError`` naming the ``parquet`` extra when pyarrow is missing."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ImportError(
            f"Parquet files ({os.fspath(path)}) need pyarrow, which is not installed; "
            "install it with pip install sklearn-ganae[parquet] (or pip install pyarrow), "
            "or use a .csv file."
        ) from None


def check_output_path(
    path,
    *,
    overwrite: bool,
    what: str = "output",
    option: str = "path",
    overwrite_hint: str = "pass overwrite=True to replace it",
    example: str = "synthetic.parquet",
    extensions: Callable[[str], str] | None = None,
) -> str | None:
    """Check, before any work, that ``path`` may be written; return its format.

    In this order: ``path`` is not a directory (``IsADirectoryError``); its extension
    is one ``extensions`` accepts (``extensions(path)`` gives the format or raises;
    default :func:`table_format`); its folder exists (``FileNotFoundError``, nothing
    is created) and is writable (``PermissionError``); an existing ``path`` is
    replaced only with ``overwrite`` (``FileExistsError``), and only when it is a
    regular file. ``what``, ``option``, ``overwrite_hint`` and ``example`` word the
    messages (the command line names its options there).
    """
    name = os.fspath(path)
    p = Path(name)
    if p.is_dir():
        raise IsADirectoryError(
            f"{what} {name} is a directory; give a file name for {option}, for example "
            f"{p / example}."
        )
    fmt = (extensions or (lambda x: table_format(x, what)))(name)
    parent = Path(os.path.abspath(name)).parent
    if not parent.is_dir():
        raise FileNotFoundError(
            f"the directory of {what} {name} does not exist ({parent}); create it first "
            f"or give {option} a path in an existing directory."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(
            f"cannot write {what} {name}: the directory {parent} is not writable; give "
            f"{option} a path in a directory you can write to."
        )
    if os.path.lexists(name):
        if not overwrite:
            raise FileExistsError(
                f"{what} {name} already exists; {overwrite_hint}, or give {option} "
                "another file name."
            )
        if not p.is_file():
            raise FileExistsError(
                f"{what} {name} exists and is not a regular file; give {option} another file name."
            )
    return fmt


def _file_mode(target: Path) -> int:
    """Permission bits for a new file: the target's when it exists, else the umask's."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# errors of os.link that mean "no hard links here" (FAT, some network or FUSE file systems)
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV, errno.EMLINK}
)


def _publish(tmp: str, target: Path, *, overwrite: bool, name: str, hint: str) -> None:
    """Move the finished file ``tmp`` to ``target``; never replace it unless ``overwrite``.

    Without ``overwrite`` the file is published with a hard link, which fails if
    ``target`` exists, so that a file created there while the work ran (the paths
    were checked before it) is never replaced. ``name`` is the path as the user gave it.
    """
    if overwrite:
        os.replace(tmp, target)
        return
    appeared = OutputExistsError(
        f"{name} was created by something else while the work ran and was left as it "
        f"was; nothing was written. {hint}, or give another file name."
    )
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise appeared from None
    except (OSError, AttributeError, NotImplementedError) as exc:
        if isinstance(exc, OSError) and exc.errno not in _NO_HARD_LINKS:
            raise
        # no hard links on this file system: rename, if the target still does not exist
        if os.path.lexists(target):
            raise appeared from None
        os.replace(tmp, target)
        return
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def write_atomically(
    target,
    write: Callable[[str], object],
    *,
    overwrite: bool = False,
    overwrite_hint: str = "Pass overwrite=True to replace it",
) -> None:
    """Call ``write(temporary_path)``, then move the temporary file onto ``target``.

    The temporary file lies in the target's directory (a hidden name ending in
    ``.part``; a rename within one file system is atomic) and keeps the target's
    permissions when it replaces it. Without ``overwrite``, an existing ``target`` is
    never replaced, not even one created while ``write`` ran: the file is published
    with a hard link, which fails if the target exists (an :class:`OutputExistsError`
    whose message ends with ``overwrite_hint``); where the file system has no hard
    links, it is renamed if the target still does not exist. On any exception,
    ``KeyboardInterrupt`` included, the temporary file is removed and ``target`` is
    left as it was.
    """
    name = os.fspath(target)
    target_path = Path(os.path.abspath(name))
    fd, tmp = tempfile.mkstemp(
        dir=target_path.parent, prefix=f".{target_path.name}.", suffix=".part"
    )
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _file_mode(target_path))
        _publish(tmp, target_path, overwrite=overwrite, name=name, hint=overwrite_hint)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- tables ---------------------------------------------------------------------------


def _frame(batch, columns):
    import pandas as pd

    if isinstance(batch, pd.DataFrame):
        return batch
    return pd.DataFrame(batch, columns=None if columns is None else list(columns))


def arrow_schema(frame):
    """The arrow schema of a batch of rows, fixed for a whole file.

    pyarrow's own conversion (categories as dictionaries, nullable integers,
    datetimes with their time zone, booleans, strings; the pandas metadata that
    restores the dtypes on reading), except that a column of missing values only
    (possible in one batch of an object column) is a string column, not arrow's
    ``null`` type, so that later batches with values still match.
    """
    import pyarrow as pa

    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, field.with_type(pa.string()))
    return schema


def write_batches(batches: Iterable, path, fmt: str, *, columns=None) -> int:
    """Write batches of rows (DataFrames, or arrays with ``columns`` as their names)
    to one file; return the number of rows written.

    CSV: the header once, then every batch (pandas, no index column). Parquet:
    ``pyarrow.parquet.ParquetWriter`` with the schema of the first batch
    (:func:`arrow_schema`), every batch converted to it (a ``ValueError`` naming the
    batch when one does not fit) and written as one row group. Only the batch being
    written is held in memory.
    """
    rows = 0
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for k, batch in enumerate(batches):
                frame = _frame(batch, columns)
                frame.to_csv(fh, header=k == 0, index=False)
                rows += len(frame)
        return rows
    if fmt != "parquet":
        raise ValueError(f"Unknown table format {fmt!r}; use 'csv' or 'parquet'.")
    require_pyarrow(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for k, batch in enumerate(batches):
            frame = _frame(batch, columns)
            try:
                if writer is None:
                    schema = arrow_schema(frame)
                    writer = pq.ParquetWriter(path, schema)
                table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
                where = "the rows" if k == 0 else f"batch {k} of the rows (from 0)"
                raise ValueError(
                    f"{where} cannot be written as Parquet ({' '.join(str(exc).split())}); "
                    "write a .csv file instead."
                ) from None
            writer.write_table(table, row_group_size=max(len(frame), 1))
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    return rows
