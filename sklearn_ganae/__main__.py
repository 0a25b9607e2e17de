"""Command line: ``python -m sklearn_ganae demo | synthesize | report``.

The command line never destroys data: every path is checked before any work starts
(the input exists and is a file, the output's directory exists and is writable, an
existing output is replaced only with ``--overwrite``, the input is never the
output), and each output is written to a temporary file beside its target, then
renamed onto it, so that an error or a Ctrl-C leaves no partial file (the helpers
live in :mod:`sklearn_ganae._files`, shared with ``GeneratorMixin.sample_to``).
``synthesize --rows`` above :data:`STREAM_ROWS` streams the rows to the output with
the model's ``sample_to``, in constant memory, and reports on the first
``STREAM_ROWS`` of them.

Under a launcher (``torchrun --nproc-per-node N -m sklearn_ganae synthesize ...``),
``synthesize`` creates the process group from the environment
(:func:`sklearn_ganae._distributed.process_group_from_environment`): every process
checks the paths, reads IN and fits (data-parallel), rank 0 alone prints, reports and
writes, and every process exits with the same status; ``demo`` and ``report`` refuse
a launcher. See ``docs/cli.rst``, "Several processes".

Exit status: 0 success, 1 error (one line on stderr starting with ``error:``),
2 invalid command line (argparse's usage message), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from sklearn_ganae import _files
from sklearn_ganae._files import TABLE_EXTENSIONS as _TABLE_EXTENSIONS
from sklearn_ganae._files import TABLE_FORMATS as TABLE_FORMATS  # re-exported
from sklearn_ganae._registry import GENERATORS

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: ``synthesize --rows`` above this many rows streams them to OUT in batches of this
#: many (``sample_to``), in constant memory; the quality report reads the first batch.
#: A multiple of the generators' draws of 10,000 rows (``_generator.SAMPLE_BATCH``), so
#: that the report's rows, drawn first, are the file's first rows.
STREAM_ROWS = 100_000

EXIT_STATUS_EPILOG = """\
exit status:
  0    success
  1    error: a refused path, an unreadable file, invalid data or options
       (one line on stderr starting with "error:")
  2    invalid command line (a usage message)
  130  interrupted (Ctrl-C); no partial output file is left behind"""

_FILES_EPILOG = f"""\
files:
  IN is a .csv or a Parquet file (.parquet, .pq; needs pyarrow: pip install
  sklearn-ganae[parquet]); OUT's extension chooses its format the same way.
  Every path is checked before the work starts. OUT must not exist unless
  --overwrite is given, and it is never the input, even with --overwrite. OUT
  is written to a temporary file in its directory and renamed onto OUT at the
  end: an error or a Ctrl-C leaves no partial file. More than {STREAM_ROWS:,} rows are
  streamed to OUT in batches of {STREAM_ROWS:,} (one Parquet row group each), in
  constant memory; the quality report then compares IN with the first {STREAM_ROWS:,}."""


class CLIError(Exception):
    """A user error: :func:`main` prints ``error: <message>`` and returns 1.

    In a launched run only rank 0 prints it, unless ``every_rank`` is set (an error
    that the processes could not agree on, such as a failed collective).
    """

    every_rank = False


# --- paths --------------------------------------------------------------------------


def _table_format(path: str, what: str) -> str:
    try:
        return _files.table_format(path, what)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def _require_pyarrow(path: str) -> None:
    try:
        _files.require_pyarrow(path)
    except ImportError as exc:
        raise CLIError(str(exc)) from None


def _check_input(path: str, what: str, folder: bool = False) -> str:
    """Check that ``path`` is a readable table file (or, with ``folder``, a folder
    of Parquet files); return its format."""
    p = Path(path)
    if not p.exists():
        raise CLIError(f"{what} file not found: {path}; check the path.")
    if folder and p.is_dir():
        _require_pyarrow(path)
        return "parquet"
    if not p.is_file():
        raise CLIError(
            f"{what} {path} is not a file (a directory?); give the path of a "
            f"{_TABLE_EXTENSIONS} file."
        )
    fmt = _table_format(path, what)
    if fmt == "parquet":
        _require_pyarrow(path)
    if not os.access(p, os.R_OK):
        raise CLIError(f"{what} file {path} is not readable; check its permissions.")
    return fmt


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _check_output(
    path: str,
    what: str,
    *,
    option: str,
    overwrite: bool,
    inputs: Sequence[str],
    extensions: Callable[[str], str],
) -> str:
    """Check that ``path`` may be written; return its format (from ``extensions``).

    ``option`` names the command-line option that gives the path, for the messages.
    """
    for source in inputs:
        if _same_file(path, source):
            raise CLIError(
                f"{what} {path} is the input file {source}; the input is never "
                f"overwritten (not even with --overwrite): give {option} another file name."
            )
    try:
        return _files.check_output_path(
            path,
            overwrite=overwrite,
            what=what,
            option=option,
            overwrite_hint="pass --overwrite to replace it",
            example="synthetic.csv" if option != "--plot" else "report.png",
            extensions=extensions,
        )
    except OSError as exc:
        raise CLIError(str(exc)) from None


def _figure_format(path: str) -> str:
    from matplotlib.backend_bases import FigureCanvasBase

    supported = FigureCanvasBase.get_supported_filetypes()
    extension = Path(path).suffix.lower()
    if extension[1:] not in supported:
        raise CLIError(
            f"figure file {path} has the extension {extension or '(none)'!r}, which is not "
            f"an image format; use a file name ending in one of "
            f"{', '.join('.' + e for e in sorted(supported))} (for example .png)."
        )
    return extension[1:]


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CLIError(
            "--plot needs matplotlib, which is not installed; install it with "
            "pip install sklearn-ganae[plot] (or pip install matplotlib)."
        ) from None


def _appeared(target: str) -> CLIError:
    return CLIError(
        f"{target} was created by something else while the work ran and was left as it "
        "was; nothing was written. Pass --overwrite to replace it, or give another file name."
    )


@contextlib.contextmanager
def _writing(target: str) -> Iterator[None]:
    """Errors of writing ``target`` as one-line :class:`CLIError` messages."""
    try:
        yield
    except FileExistsError:  # created after the paths were checked, or while writing
        raise _appeared(target) from None
    except OSError as exc:
        raise CLIError(f"cannot write {target}: {exc}; nothing was written.") from None
    except ValueError as exc:  # rows that the format cannot hold
        raise CLIError(f"cannot write {target}: {exc} (nothing was written)") from None


def write_atomically(
    target: str, write: Callable[[str], None], *, overwrite: bool = False
) -> None:
    """Call ``write(temporary_path)``, then move the temporary file onto ``target``.

    The temporary file lies in the target's directory (a rename within one file
    system is atomic). Without ``overwrite``, an existing ``target`` is never
    replaced, not even one created while ``write`` ran: the file is published with
    a hard link, which fails if the target exists (a :class:`CLIError`); where the
    file system has no hard links, it is renamed if the target still does not exist.
    On any exception, ``KeyboardInterrupt`` included, the temporary file is
    removed and ``target`` is left as it was; an ``OSError`` (a full disk, say)
    becomes a :class:`CLIError`. (:func:`sklearn_ganae._files.write_atomically`,
    which ``sample_to`` uses too, with the command line's messages.)
    """
    with _writing(target):
        _files.write_atomically(
            target, write, overwrite=overwrite, overwrite_hint="Pass --overwrite to replace it"
        )


# --- tables -------------------------------------------------------------------------


def _read_table(path: str, fmt: str, what: str):
    import pandas as pd

    errors: tuple[type[BaseException], ...] = (ValueError, OSError, UnicodeDecodeError)
    if fmt == "parquet":
        import pyarrow

        errors += (pyarrow.ArrowException,)
    try:
        if fmt == "csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except errors as exc:
        kind = "CSV" if fmt == "csv" else "Parquet"
        message = " ".join(str(exc).split())
        raise CLIError(f"cannot read {what} {path} as {kind}: {message}") from None


def _write_table(rows, path: str, fmt: str) -> None:
    """Write a DataFrame (or an iterable of DataFrame batches) to ``path``, with the
    writer of ``sample_to`` (Parquet: one arrow schema, one row group per batch)."""
    import pandas as pd

    _files.write_batches([rows] if isinstance(rows, pd.DataFrame) else rows, path, fmt)


# --- progress -----------------------------------------------------------------------


class _Progress:
    """Notes and phase timings on stderr (silent with ``--quiet``)."""

    def __init__(self, *, quiet: bool, stream: TextIO) -> None:
        self.quiet = quiet
        self.stream = stream
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def note(self, text: str = "") -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def timings(self) -> None:
        parts = [f"{name} {s:.2f} s" for name, s in self.seconds.items()]
        total = sum(self.seconds.values())
        self.note(f"time: {', '.join(parts)} (total {total:.2f} s)")


def _describe_columns(model, progress: _Progress) -> None:
    """The fitted encoder's column summary, where the encoder has one."""
    encoder = getattr(model, "encoder_", None)
    if progress.quiet or not hasattr(encoder, "describe"):
        return
    summary = encoder.describe()
    progress.note("columns as the model reads them:")
    progress.note(summary.to_string(index=False))


# --- commands -----------------------------------------------------------------------


def _prepare_synthesize(args: argparse.Namespace, progress: _Progress):
    """Check the options and paths, read IN: ``(data, out_fmt)`` (every process)."""
    if args.rows < 1:
        raise CLIError(f"--rows must be at least 1, got {args.rows}.")
    if args.epochs < 1:
        raise CLIError(f"--epochs must be at least 1, got {args.epochs}.")
    if args.threads is not None and args.threads == 0:
        raise CLIError(
            "--threads 0 has no meaning: give a count (1, 2, ...), -1 for every CPU, or "
            "leave it out to follow the machine's load."
        )
    in_fmt = _check_input(args.input, "input", folder=args.stream)
    if args.checkpoint_dir is not None:
        if not Path(args.checkpoint_dir).is_dir():
            raise CLIError(
                f"--checkpoint-dir {args.checkpoint_dir} is not an existing folder; "
                "create it first."
            )
        if not os.access(args.checkpoint_dir, os.W_OK):
            raise CLIError(f"--checkpoint-dir {args.checkpoint_dir} is not writable.")
    out_fmt = _check_output(
        args.output,
        "output",
        option="--output",
        overwrite=args.overwrite,
        inputs=[args.input],
        extensions=lambda path: _table_format(path, "output"),
    )
    if out_fmt == "parquet":
        _require_pyarrow(args.output)

    if args.stream:
        return _open_stream(args.input, progress), out_fmt
    with progress.phase("reading"):
        data = _read_table(args.input, in_fmt, "input")
    if len(data) == 0:
        raise CLIError(f"the input file {args.input} has no rows.")
    return data, out_fmt


def _open_stream(path: str, progress: _Progress):
    """IN as a :class:`~sklearn_ganae._sources.TableSource` (``--stream``): read in
    bounded batches by the fit, never whole."""
    from sklearn_ganae._sources import open_table

    with progress.phase("opening"):
        try:
            return open_table(path)
        except (ValueError, TypeError, OSError) as exc:
            raise CLIError(" ".join(str(exc).split())) from None


def _shape(data) -> tuple[int, int]:
    """Rows and columns of IN (a DataFrame, or a TableSource with ``--stream``)."""
    if hasattr(data, "n_rows"):
        return data.n_rows, len(data.columns)
    return data.shape


def _report_rows(data, seed: int):
    """IN's rows the quality report compares with: all of an in-memory table, a
    random :data:`STREAM_ROWS` of a streamed one."""
    if not hasattr(data, "n_rows"):
        return data
    from sklearn_ganae._streaming import read_sample

    return read_sample(data, STREAM_ROWS, seed)


def _fit(model, data) -> None:
    try:
        model.fit(data)
    except (ValueError, TypeError) as exc:
        raise CLIError(str(exc)) from None
    except FloatingPointError as exc:  # the training diverged
        raise CLIError(f"training diverged: {exc}") from None


def _agreed(group, step: Callable[[], object]):
    """``step()``; in a launched run, every process learns whether any failed.

    A :class:`CLIError` on any process is raised on every process, after all of
    them have finished ``step``: rank 0 prints it (``rank K: ...`` when it came from
    another process), the others exit with the same status in silence.
    """
    if group is None:
        return step()
    result, message = None, None
    try:
        result = step()
    except CLIError as exc:
        message = str(exc)
    failure = group.first_failure(message)
    if failure is None:
        return result
    rank, text = failure
    if group.rank == 0 and rank != 0:
        text = f"rank {rank}: {text}"
    raise CLIError(text)


def _data_parallel(group) -> str:
    return f"data-parallel on {group.world_size} processes ({group.backend})"


def _run_synthesize(args: argparse.Namespace, out: TextIO, progress: _Progress, group=None) -> int:
    """``synthesize``; ``group`` is the :class:`~sklearn_ganae._distributed.LaunchedGroup`
    of a launched run (every process reads and fits, rank 0 alone reports and writes)."""
    data, out_fmt = _agreed(group, lambda: _prepare_synthesize(args, progress))

    estimator = GENERATORS[args.model].load()
    params = {"max_epochs": args.epochs, "random_state": args.seed, "n_jobs": args.threads}
    if args.checkpoint_dir is not None:
        params["checkpoint_dir"] = args.checkpoint_dir
    # the progress bars by default, the epoch table too with --verbose, nothing with -q
    params["verbose"] = 0 if args.quiet else 2 if args.verbose else 1
    model = estimator(**params)
    try:
        return _fit_and_finish(args, out, progress, data, model, out_fmt, estimator, group)
    finally:
        if hasattr(data, "close"):  # a streamed IN: remove its spool, if any
            data.close()


def _fit_and_finish(args, out, progress, data, model, out_fmt, estimator, group) -> int:
    parallel = "" if group is None else f", {_data_parallel(group)}"
    n_rows, n_columns = _shape(data)
    streamed_in = " (streamed)" if args.stream else ""
    progress.note(
        f"fitting {estimator.__name__} on {n_rows} rows x {n_columns} columns of "
        f"{args.input}{streamed_in} ({args.epochs} epochs at most, seed {args.seed}{parallel})"
    )
    with progress.phase("fitting"):
        _agreed(group, lambda: _fit(model, data))
    if group is None:
        return _finish_synthesize(args, out, progress, data, model, out_fmt, estimator)
    if group.rank != 0:
        # rank 0 reports and writes; wait for its outcome and exit with its status
        status, message = group.from_first()
        if status == EXIT_ERROR:
            raise CLIError(message or "rank 0 failed")
        return status
    status, message = EXIT_ERROR, None
    try:
        status = _finish_synthesize(
            args, out, progress, data, model, out_fmt, estimator, group=group
        )
    except CLIError as exc:
        message = str(exc)
        raise
    except KeyboardInterrupt:
        status = EXIT_INTERRUPTED
        raise
    finally:
        try:
            group.from_first((status, message))
        except RuntimeError as exc:
            if status == EXIT_OK:  # what rank 0 did stands; say that the others missed it
                raise CLIError(
                    f"{args.output} was written, but the other processes could not be "
                    f"told: {_first_line(exc)}"
                ) from None
    return status


def _finish_synthesize(args, out, progress, data, model, out_fmt, estimator, *, group=None) -> int:
    """Sample, report, write and print (one process, or rank 0 of a launched run)."""
    _describe_columns(model, progress)
    # more than STREAM_ROWS rows are streamed to the file by sample_to, in constant
    # memory; the report then reads the first STREAM_ROWS of them, drawn first (the
    # first rows of a seeded call do not depend on the rows that follow)
    streamed = args.rows > STREAM_ROWS
    wants_report = not args.no_report and not args.quiet
    synthetic = None
    if wants_report or not streamed:
        with progress.phase("sampling"):
            synthetic = model.sample(min(args.rows, STREAM_ROWS), random_state=args.seed)
    report = None
    if wants_report:
        # before writing: a failed or interrupted report leaves no output file
        from sklearn_ganae.metrics import quality_report

        if streamed:
            progress.note(
                f"quality report on the first {len(synthetic):,} of the {args.rows:,} rows"
            )
        with progress.phase("report"):
            try:
                real = _report_rows(data, args.seed)
                if args.stream:
                    progress.note(f"quality report against {len(real):,} random rows of IN")
                report = quality_report(
                    real, synthetic, random_state=args.seed, verbose=int(not args.quiet)
                )
            except (ValueError, TypeError) as exc:
                raise CLIError(
                    f"the quality report failed: {exc} (nothing was written; pass "
                    "--no-report to skip the report)"
                ) from None
    if streamed:
        with progress.phase("sampling and writing"), _writing(args.output):
            model.sample_to(
                args.output,
                args.rows,
                batch_size=STREAM_ROWS,
                overwrite=args.overwrite,
                random_state=args.seed,
            )
    else:
        with progress.phase("writing"):
            write_atomically(
                args.output,
                lambda tmp: _write_table(synthetic, tmp, out_fmt),
                overwrite=args.overwrite,
            )
    args.written.append(args.output)
    if not args.quiet:
        parallel = "" if group is None else f"; trained {_data_parallel(group)}"
        print(
            f"Wrote {args.rows} synthetic rows x {_shape(data)[1]} columns to "
            f"{args.output} ({estimator.__name__}, {model.n_iter_} epochs, seed {args.seed}"
            f"{parallel}).",
            file=out,
        )
    if report is not None:
        print("", file=out)
        if streamed:
            print(
                f"(The report compares the input with the first {len(synthetic):,} of "
                f"the {args.rows:,} rows written.)",
                file=out,
            )
        print(report.summary(), file=out)
    progress.timings()
    return EXIT_OK


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _run_launched(args: argparse.Namespace, out: TextIO, progress: _Progress, launch) -> int:
    """A command started by a launcher (torchrun) as one of several processes."""
    if args.command != "synthesize":
        raise CLIError(
            f"{args.command} runs in one process, but a launcher started "
            f"{launch.world_size} (WORLD_SIZE={launch.world_size}); run python -m "
            f"sklearn_ganae {args.command} without torchrun (only synthesize trains "
            "data-parallel)."
        )
    if not args.timeout > 0:
        raise CLIError(f"--timeout must be a positive number of seconds, got {args.timeout}.")
    from sklearn_ganae import _distributed
    from sklearn_ganae._base import resolve_device

    estimator = GENERATORS[args.model].load()
    try:
        device = resolve_device(estimator().get_params().get("device", "cpu"))
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    try:
        with _distributed.process_group_from_environment(
            device=device, timeout=args.timeout
        ) as group:
            return _run_synthesize(args, out, progress, group)
    except RuntimeError as exc:  # a collective failed: another process died or hung
        error = CLIError(
            f"rank {launch.rank}: the data-parallel run failed: {_first_line(exc)} "
            f"(another process may have failed or stopped: see its messages; a process "
            f"that waits more than --timeout {args.timeout:g} s for the others fails)"
        )
        error.every_rank = True
        raise error from None


def _run_report(args: argparse.Namespace, out: TextIO, progress: _Progress) -> int:
    inputs = [("real", args.real), ("synthetic", args.synthetic)]
    if args.holdout:
        inputs.append(("holdout", args.holdout))
    formats = {what: _check_input(path, what) for what, path in inputs}
    if args.plot:
        _require_matplotlib()
        plot_format = _check_output(
            args.plot,
            "figure file",
            option="--plot",
            overwrite=args.overwrite,
            inputs=[path for _, path in inputs],
            extensions=_figure_format,
        )

    with progress.phase("reading"):
        tables = {what: _read_table(path, formats[what], what) for what, path in inputs}

    from sklearn_ganae.metrics import quality_report

    with progress.phase("report"):
        try:
            report = quality_report(
                tables["real"],
                tables["synthetic"],
                holdout=tables.get("holdout"),
                target=args.target,
                correlation=args.correlation,
                detection=not args.no_detection,
                verbose=int(not args.quiet),
                random_state=args.seed,
            )
        except (ValueError, TypeError) as exc:
            raise CLIError(str(exc)) from None
    print(report.summary(), file=out)
    if args.plot:
        with progress.phase("plotting"):
            try:
                fig = report.plot()
            except ImportError as exc:
                raise CLIError(str(exc)) from None
        with progress.phase("writing"):
            write_atomically(
                args.plot,
                lambda tmp: fig.savefig(tmp, format=plot_format, dpi=110),
                overwrite=args.overwrite,
            )
        args.written.append(args.plot)
        if not args.quiet:
            print(f"\nFigure saved to {args.plot}", file=out)
    progress.timings()
    return EXIT_OK


def _run_demo(args: argparse.Namespace, out: TextIO, progress: _Progress) -> int:
    from sklearn_ganae._demo import run_demo

    run_demo(random_state=args.seed, max_epochs=args.epochs, out=out)
    return EXIT_OK


_COMMANDS = {"demo": _run_demo, "synthesize": _run_synthesize, "report": _run_report}


def build_parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_ganae",
        description="Autoencoders, VAEs and GANs for tabular data.",
        epilog=EXIT_STATUS_EPILOG,
        formatter_class=formatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="run the package on the shipped penguins table",
        epilog=EXIT_STATUS_EPILOG,
        formatter_class=formatter,
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument(
        "--epochs", type=int, default=300, help="training epochs per model (default 300)"
    )
    synth = sub.add_parser(
        "synthesize",
        help="fit a generator on a table file and write synthetic rows to another",
        description=(
            "Fit a GANSampler (or a VAETransformer) on the rows of IN and write new rows\n"
            "with the same columns to OUT; prints a quality summary unless --no-report or\n"
            "--quiet. Text columns are categorical; empty cells are missing values."
        ),
        epilog=f"{_FILES_EPILOG}\n\n{EXIT_STATUS_EPILOG}",
        formatter_class=formatter,
    )
    synth.add_argument("input", metavar="IN", help="the real rows: a .csv, .parquet or .pq file")
    synth.add_argument(
        "--rows",
        type=int,
        required=True,
        help=(
            f"number of rows to generate; more than {STREAM_ROWS:,} are streamed to OUT "
            f"in batches, in constant memory, and the report reads the first {STREAM_ROWS:,}"
        ),
    )
    synth.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="OUT",
        help="file to write (.csv, .parquet or .pq)",
    )
    synth.add_argument(
        "--overwrite", action="store_true", help="replace OUT if it exists (never IN)"
    )
    synth.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        default=None,
        help=(
            "write a checkpoint of the fit into the existing folder DIR every 10 epochs; "
            "the same command run again (or restarted by torchrun --max-restarts) "
            "resumes from it"
        ),
    )
    synth.add_argument(
        "--stream",
        action="store_true",
        help=(
            "read IN in bounded batches instead of loading it (tables larger than "
            "memory; IN may then be a folder of Parquet files); the report compares "
            f"with {STREAM_ROWS:,} random rows of IN"
        ),
    )
    synth.add_argument(
        "--model", choices=sorted(GENERATORS), default="gan", help="generator (default gan)"
    )
    synth.add_argument("--epochs", type=int, default=300, help="training epochs (default 300)")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help=(
            "torch threads for training and sampling (-1: every CPU; default: the CPUs "
            "other processes leave free, for a model whose seeded result does not "
            "depend on the count; the estimators' n_jobs)"
        ),
    )
    synth.add_argument(
        "--no-report", action="store_true", help="skip the quality summary (faster)"
    )
    synth.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help=(
            "under a launcher (torchrun): how long a process waits for the others "
            "before it fails (default 600); ignored in one process"
        ),
    )
    loudness = synth.add_mutually_exclusive_group()
    loudness.add_argument(
        "--verbose",
        action="store_true",
        help="also print the table of losses per epoch (the progress bars are shown anyway)",
    )
    loudness.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print nothing but errors (no timings, no column summary, no report)",
    )
    report = sub.add_parser(
        "report",
        help="print a synthetic-data quality report comparing two table files",
        description=(
            "Compare synthetic rows with real ones: column shapes, column pair trends,\n"
            "detection; privacy with --holdout; ML efficacy with --target and --holdout.\n"
            "Columns are matched by name; text columns are categorical. Tables are .csv\n"
            "or Parquet (.parquet, .pq; needs pyarrow) files."
        ),
        epilog=(
            "files:\n"
            "  The --plot file must not exist unless --overwrite is given, and it is never\n"
            "  one of the inputs. It is written to a temporary file in its directory and\n"
            "  renamed at the end: an error or a Ctrl-C leaves no partial file.\n\n"
            f"{EXIT_STATUS_EPILOG}"
        ),
        formatter_class=formatter,
    )
    report.add_argument("real", help="the real rows (the generator's training data)")
    report.add_argument("synthetic", help="the synthetic rows")
    report.add_argument(
        "--holdout", help="real rows the generator never saw (privacy, ML efficacy)"
    )
    report.add_argument("--target", help="column to predict for ML efficacy (needs --holdout)")
    report.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save the figure (marginals, pair trends) to FILE (.png, .pdf, .svg, ...)",
    )
    report.add_argument(
        "--overwrite", action="store_true", help="replace the --plot file if it exists"
    )
    report.add_argument(
        "--correlation",
        choices=["pearson", "spearman"],
        default="pearson",
        help="correlation of continuous pairs (default pearson)",
    )
    report.add_argument(
        "--no-detection", action="store_true", help="skip the detection classifier (faster)"
    )
    report.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    report.add_argument(
        "--quiet", "-q", action="store_true", help="print the report only (no timings)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m sklearn_ganae`` and the ``sklearn-ganae`` script.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program's name; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 1 on an error (printed to stderr as ``error: ...``), 130 when
        interrupted. An invalid command line exits with status 2 (``SystemExit``, from
        argparse), as do ``--help`` (status 0).
    """
    written: list[str] = []
    launch = None
    try:
        try:
            launch = _launcher_environment()
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        # a launched run: rank 0 speaks for every process (the usage message too)
        hush = launch is not None and launch.rank != 0
        with _hushed(hush):
            args = build_parser().parse_args(argv)
        args.written = written
        progress = _Progress(quiet=getattr(args, "quiet", False) or hush, stream=sys.stderr)
        if launch is not None:
            return _run_launched(args, sys.stdout, progress, launch)
        return _COMMANDS[args.command](args, sys.stdout, progress)
    except CLIError as exc:
        if launch is None or launch.rank == 0 or exc.every_rank:
            print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        if launch is None or launch.rank == 0:
            done = f" ({', '.join(written)} had been written in full before)" if written else ""
            print(f"interrupted{done}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _launcher_environment():
    """:func:`sklearn_ganae._distributed.launcher_environment` without importing torch
    in the (usual) case where no launcher started this process."""
    size = os.environ.get("WORLD_SIZE", "").strip()
    if not size or (size.isdigit() and int(size) <= 1):
        return None
    from sklearn_ganae._distributed import launcher_environment

    return launcher_environment()


@contextlib.contextmanager
def _hushed(hush: bool) -> Iterator[None]:
    if not hush:
        yield
        return
    with open(os.devnull, "w") as sink:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield


if __name__ == "__main__":
    sys.exit(main())
