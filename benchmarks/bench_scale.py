"""Scale: sampling more rows than fit in memory, with ``sample_to`` to Parquet.

A ``GANSampler`` and a ``VAETransformer`` (defaults; ``max_epochs=5``, the GAN's
``pretrain_epochs=5``: the number of epochs changes neither the networks' size nor the
sampling speed) are fitted once on the package's shipped penguins table (344 rows, 7
columns: 3 categorical, 2 float, 2 nullable integer, with missing values) and saved
with ``sklearn_ganae.save``. Then, for each model and each size (10^5, 10^6 and 10^7
rows; 10^8 with ``--with-1e8``), a fresh process loads the model and writes
``model.sample_to(path, n, random_state=0)`` to a Parquet file (batches of 100,000
rows, one row group each) in a temporary folder beside this script (``--tmp-dir`` for
another disk; 10^8 rows take about 2-3 GB there, removed after each size), and
reports:

- **rows/s**: the rows over the wall time of the ``sample_to`` call (drawing,
  decoding, converting to arrow, writing, the final rename);
- **peak RSS** of the process (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), and
  the RSS before sampling (the imports and the loaded model), so that the growth is
  what sampling added: the target is a peak that stays constant across sizes and under
  1.5 GB at 10^8 rows;
- the file's size and row groups, and the share of the machine's CPU that other
  processes used meanwhile (a timing taken while it is above 10% is measured again
  once, except at 10^8 rows).

Torch runs on ``--threads`` threads (default 1). This is part 2 (streamed samples out)
of the scale-out issue; the streamed fit and the distributed training are measured by
``bench_scale_fit.py``.

Run: ``.venv/bin/python benchmarks/bench_scale.py`` (``--with-1e8`` adds the
10^8-row runs, ten times the 10^7 ones; ``--quick`` for a smoke run: the registry's
tiny models, 2 epochs, 2,000 and 20,000 rows in batches of 10,000).
Writes ``benchmarks/results/scale.md`` and ``scale.json`` (``scale_quick.*`` with
``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _common import (
    QUIET_SHARE,
    command,
    current_rss_mb,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    now,
    parse_args,
    peak_rss_mb,
    result_stem,
    timed_when_quiet,
    versions,
    write_results,
)
from _datasets import penguins

SEED = 0
MODELS = ("GANSampler", "VAETransformer")
SIZES = (10**5, 10**6, 10**7)
LARGEST = 10**8
QUICK_SIZES = (2_000, 20_000)
BATCH = 100_000
QUICK_BATCH = 10_000
EPOCHS = 5
QUICK_EPOCHS = 2
TARGET_RSS_MB = 1_500


def fit_models(directory: Path, quick: bool, threads: int) -> dict[str, Path]:
    """Fit each model on penguins and save it; name -> file."""
    import torch

    from sklearn_ganae import save
    from sklearn_ganae._registry import GENERATORS

    torch.set_num_threads(threads)
    data = penguins()
    files = {}
    for entry in GENERATORS.values():
        cls = entry.load()
        if cls.__name__ not in MODELS:
            continue
        if quick:
            model = entry.quick(random_state=SEED, max_epochs=QUICK_EPOCHS)
        else:
            extra = {"pretrain_epochs": EPOCHS} if cls.__name__ == "GANSampler" else {}
            model = cls(max_epochs=EPOCHS, random_state=SEED, **extra)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(data)
        files[cls.__name__] = save(model, directory / f"{cls.__name__}.ganae")
    return files


def run_job(model_file: str, rows: int, batch: int, threads: int, out_dir: str, quick: bool):
    """One (model, size) in this fresh process: load, ``sample_to``, measure."""
    import pyarrow.parquet as pq
    import torch

    from sklearn_ganae import load

    torch.set_num_threads(threads)
    model = load(model_file)
    model.sample(10, random_state=SEED)  # first-call costs (lazy imports), not timed
    before_peak, before_now = peak_rss_mb(), current_rss_mb()
    path = Path(out_dir) / "rows.parquet"

    def measure():
        start = time.perf_counter()
        model.sample_to(path, rows, batch_size=batch, overwrite=True, random_state=SEED)
        return {"seconds": time.perf_counter() - start}

    retries = 0 if quick or rows >= LARGEST else 1
    out = timed_when_quiet(measure, retries=retries, log=lambda m: print(m, file=sys.stderr))
    meta = pq.ParquetFile(path).metadata
    out.update(
        rows=rows,
        batch_size=batch,
        rows_per_s=rows / out["seconds"],
        peak_rss_mb=peak_rss_mb(),
        rss_before_mb=before_now,
        peak_before_mb=before_peak,
        file_mb=path.stat().st_size / 1e6,
        row_groups=meta.num_row_groups,
        rows_in_file=meta.num_rows,
    )
    path.unlink()
    return out


def _job(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--job", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"job {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def to_markdown(rows: list[dict], meta: dict) -> str:
    md = [header("Scale: sampling rows to Parquet with sample_to", meta)]
    md.append(
        "Each row is a fresh process that loads the fitted model and writes "
        "`sample_to(path.parquet, n, random_state=0)`. Peak RSS is the process's "
        "`ru_maxrss`, imports and model included; 'before' is its RSS once the model "
        "is loaded, so the growth is what sampling added. rows/s counts drawing, "
        "decoding, the arrow conversion and the writing.\n"
    )
    body = []
    for r in rows:
        body.append(
            [
                r["model"],
                f"{r['rows']:,}",
                f"{r['seconds']:.2f}",
                f"{r['rows_per_s']:,.0f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['rss_before_mb']:.0f}" if r["rss_before_mb"] is not None else "",
                f"{r['peak_rss_mb'] - r['peak_before_mb']:+.0f}",
                f"{r['file_mb']:,.1f}",
                f"{r['row_groups']:,}",
                "" if r.get("other_cpu_share") is None else f"{r['other_cpu_share']:.2f}",
            ]
        )
    md.append(
        markdown_table(
            [
                "model",
                "rows",
                "seconds",
                "rows/s",
                "peak RSS MB",
                "RSS before MB",
                "growth MB",
                "file MB",
                "row groups",
                "other CPU",
            ],
            body,
        )
    )
    lines = []
    for name in MODELS:
        mine = [r for r in rows if r["model"] == name]
        if not mine:
            continue
        peaks = [r["peak_rss_mb"] for r in mine]
        largest = max(mine, key=lambda r: r["rows"])
        reached = largest["peak_rss_mb"] < TARGET_RSS_MB
        lines.append(
            f"- {name}: peak RSS {min(peaks):.0f}-{max(peaks):.0f} MB from "
            f"{mine[0]['rows']:,} to {largest['rows']:,} rows (largest / smallest "
            f"{max(peaks) / min(peaks):.2f}); at {largest['rows']:,} rows "
            f"{largest['peak_rss_mb']:.0f} MB, {'under' if reached else 'over'} the "
            f"{TARGET_RSS_MB:,} MB target"
            + ("" if largest["rows"] >= LARGEST else " (the target is set at 10^8 rows)")
            + f"; {largest['rows_per_s']:,.0f} rows/s."
        )
    md.append("\n" + "\n".join(lines) + "\n")
    return "\n".join(md)


def main(argv=None) -> int:
    parser = make_parser(
        __doc__,
        f"smoke run: the registry's tiny models, {QUICK_EPOCHS} epochs, "
        f"{' and '.join(f'{n:,}' for n in QUICK_SIZES)} rows in batches of {QUICK_BATCH:,}",
    )
    parser.add_argument("--with-1e8", action="store_true", help="add the 10^8-row runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument(
        "--tmp-dir",
        type=Path,
        default=None,
        help="folder for the models and Parquet files (default: beside this script)",
    )
    parser.add_argument(
        "--job", nargs=6, metavar=("MODEL", "ROWS", "BATCH", "THREADS", "DIR", "QUICK"),
        help="(internal)",
    )  # fmt: skip
    args = parse_args(parser, argv)
    if args.job:
        model_file, rows, batch, threads, out_dir, quick = args.job
        result = run_job(model_file, int(rows), int(batch), int(threads), out_dir, quick == "1")
        print(json.dumps(result))
        return 0

    sizes = QUICK_SIZES if args.quick else SIZES + ((LARGEST,) if args.with_1e8 else ())
    batch = QUICK_BATCH if args.quick else BATCH
    epochs = QUICK_EPOCHS if args.quick else EPOCHS
    base = args.tmp_dir or Path(__file__).resolve().parent
    load_at_start = load_average()
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix=".scale-", dir=base) as tmp:
        files = fit_models(Path(tmp), args.quick, args.threads)
        for name in MODELS:
            for n in sizes:
                print(f"{name}: {n:,} rows ...", file=sys.stderr, flush=True)
                job = [str(files[name]), str(n), str(batch), str(args.threads), tmp]
                result = _job([*job, "1" if args.quick else "0"])
                result["model"] = name
                rows.append(result)
                print(
                    f"  {result['rows_per_s']:,.0f} rows/s, peak RSS "
                    f"{result['peak_rss_mb']:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
    mach = machine(args.threads, load_at_start)
    shares = [r["other_cpu_share"] for r in rows if r.get("other_cpu_share") is not None]
    mach["other_cpu_max"] = max(shares) if shares else None
    mach["other_cpu"] = f"max {max(shares):.3f} (during each run)" if shares else None
    model_text = (
        f"the registry's quick_params, max_epochs={epochs}"
        if args.quick
        else f"defaults, max_epochs={epochs} (GANSampler: pretrain_epochs={epochs})"
    )
    meta = {
        "date": now(),
        "command": command("bench_scale", argv),
        "machine": mach,
        "versions": versions({"pyarrow": "pyarrow"}),
        "settings": {
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Table": "the shipped penguins table (344 rows x 7 columns), fitted once",
            "Models": f"GANSampler and VAETransformer, {model_text}, random_state={SEED}",
            "Sampling": f"sample_to(path.parquet, n, batch_size={batch:,}, "
            f"random_state={SEED}); sizes {', '.join(f'{n:,}' for n in sizes)}",
            "Processes": "a fresh one per (model, size), which loads the saved model",
            "Target": f"peak RSS constant across sizes and under {TARGET_RSS_MB:,} MB at "
            "10^8 rows",
            "Timing": f"measured again once when other processes used more than "
            f"{QUIET_SHARE:.0%} of the CPU (not at 10^8 rows)",
            "Total wall time": f"{time.perf_counter() - started:.0f} s",
        },
    }
    markdown = to_markdown(rows, meta)
    write_results(
        result_stem("scale", args.quick), markdown, {"meta": meta, "rows": rows}, args.results_dir
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
