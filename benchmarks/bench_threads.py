"""Thread policy on a quiet and on a busy machine: default fits with ``n_jobs=None``
against torch's default thread count, with and without a competing busy process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_threads.py            # full run
    .venv/bin/python benchmarks/bench_threads.py --quick    # smoke run

``AutoencoderTransformer(n_components=2)``, ``VAETransformer()`` and ``GANSampler()``
with their defaults (``max_epochs`` shortened, the same for every setting; no
``random_state``, the default: a seeded ``GANSampler`` fit keeps the caller's thread
count, so that it stays reproducible) fit a 5,000-row sample of diamonds, then draw
rows (the generators) or transform the table (the autoencoder). Each model is timed
under five settings, interleaved, ``repeats`` times each (medians reported):

- **quiet, torch's count**: ``n_jobs`` = torch's default thread count of this machine
  (one per physical core), what every fit used before the policy;
- **quiet, n_jobs=None**: the package's default policy (the CPUs other processes leave
  free, read before every epoch and batch, at most the caller's count);
- **busy, torch's count** / **busy, n_jobs=None** / **busy, n_jobs=1**: the same while
  another process spins on one CPU (a Python busy loop, started half a second before
  the first busy timing and stopped after the last).

Targets (issue "Fast on every table and on a busy laptop"): with one competing busy
process a default fit at most 1.3x slower than on a quiet machine, and on a quiet
machine no slower than torch's count (the ratio of the two quiet default timings; a
few percent either way is noise). The quiet timings record the other processes' CPU
share; the busy ones the busy process's own share is part of the setting. Results go
to ``benchmarks/results/threads.{md,json}`` (``threads_quick.*`` with ``--quick``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import warnings

import torch
from _common import (
    OtherCPU,
    command,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    now,
    parse_args,
    result_stem,
    versions,
    wait_for_quiet,
    write_results,
)
from _datasets import diamonds

from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer

TARGET_BUSY_RATIO = 1.3
BUSY_LOOP = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


def _models(epochs: int) -> dict:
    return {
        "AutoencoderTransformer": lambda n_jobs: AutoencoderTransformer(
            n_components=2, max_epochs=epochs, n_jobs=n_jobs
        ),
        "VAETransformer": lambda n_jobs: VAETransformer(max_epochs=epochs, n_jobs=n_jobs),
        "GANSampler": lambda n_jobs: GANSampler(
            max_epochs=epochs, pretrain_epochs=max(epochs // 4, 1), n_jobs=n_jobs
        ),
    }


def _time_once(make, n_jobs, X, n_sample: int) -> dict:
    model = make(n_jobs)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    if hasattr(model, "sample"):
        model.sample(n_sample, random_state=0)
    else:
        model.transform(X)
    use_s = time.perf_counter() - start
    return {"fit_s": fit_s, "use_s": use_s}


class BusyProcess:
    """A Python process spinning on one CPU while the block runs."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self):
        code = BUSY_LOOP.format(seconds=self.seconds)
        self.proc = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(0.5)  # spinning before the first timing
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 1,000 rows, 3 epochs, 1 repeat")
    parser.add_argument("--rows", type=int, default=None, help="table rows (5000)")
    parser.add_argument("--epochs", type=int, default=None, help="max_epochs (30)")
    parser.add_argument("--repeats", type=int, default=None, help="timings per setting (5)")
    args = parse_args(parser, argv)

    load_at_start = load_average()
    default_threads = torch.get_num_threads()  # torch's own count (no one has set it)
    n_rows = args.rows or (1_000 if args.quick else 5_000)
    epochs = args.epochs or (3 if args.quick else 30)
    repeats = args.repeats or (1 if args.quick else 5)
    n_sample = 20_000 if args.quick else 100_000
    X = diamonds().sample(n_rows, random_state=0).reset_index(drop=True)
    models = _models(epochs)
    if not args.quick:
        wait_for_quiet()

    results = []
    for name, make in models.items():
        _time_once(make, default_threads, X.head(300), 100)  # warm-up, not timed
        timings = {key: [] for key in ("quiet_torch", "quiet_policy")}
        shares = []
        for _ in range(repeats):
            for key, n_jobs in (("quiet_torch", default_threads), ("quiet_policy", None)):
                probe = OtherCPU()
                timings[key].append(_time_once(make, n_jobs, X, n_sample))
                shares.append(probe.share())
        quiet = {k: v for k, v in timings.items()}
        per_fit = sum(
            statistics.median(t["fit_s"] + t["use_s"] for t in v) for v in quiet.values()
        )
        busy = {key: [] for key in ("busy_torch", "busy_policy", "busy_one")}
        with BusyProcess(seconds=per_fit * repeats * 4 + 30):
            for _ in range(repeats):
                for key, n_jobs in (
                    ("busy_torch", default_threads),
                    ("busy_policy", None),
                    ("busy_one", 1),
                ):
                    busy[key].append(_time_once(make, n_jobs, X, n_sample))
        row = {"model": name, "quiet_other_cpu_share_max": max(s or 0 for s in shares)}
        for key, values in {**quiet, **busy}.items():
            row[f"{key}_fit_s"] = statistics.median(v["fit_s"] for v in values)
            row[f"{key}_use_s"] = statistics.median(v["use_s"] for v in values)
            row[f"{key}_fit_all"] = [v["fit_s"] for v in values]
        row["policy_busy_ratio"] = row["busy_policy_fit_s"] / row["quiet_policy_fit_s"]
        row["torch_busy_ratio"] = row["busy_torch_fit_s"] / row["quiet_torch_fit_s"]
        row["quiet_policy_vs_torch"] = row["quiet_policy_fit_s"] / row["quiet_torch_fit_s"]
        row["use_policy_busy_ratio"] = row["busy_policy_use_s"] / row["quiet_policy_use_s"]
        results.append(row)
        print(
            f"{name}: quiet {row['quiet_torch_fit_s']:.2f} s (torch's {default_threads}) / "
            f"{row['quiet_policy_fit_s']:.2f} s (n_jobs=None); busy "
            f"{row['busy_torch_fit_s']:.2f} / {row['busy_policy_fit_s']:.2f} / "
            f"{row['busy_one_fit_s']:.2f} s (n_jobs=1)",
            flush=True,
        )

    meta = {
        "date": now(),
        "command": command("bench_threads", argv),
        "machine": machine(default_threads, load_at_start),
        "versions": versions(),
        "settings": {
            "Table": f"diamonds, {n_rows:,} rows (seed 0 sample)",
            "Epochs": f"max_epochs={epochs} (GANSampler pretrain_epochs={max(epochs // 4, 1)})",
            "Repeats": f"{repeats} per setting, interleaved; medians",
            "Use": f"sample({n_sample:,}) for the generators, transform(X) for the autoencoder",
            "torch's count": f"{default_threads} threads (torch's default on this machine)",
            "Busy process": "a Python loop spinning on one CPU",
        },
    }
    meta["machine"]["other_cpu"] = ", ".join(
        f"{r['model']} {r['quiet_other_cpu_share_max']:.2f}" for r in results
    )
    meta["machine"]["other_cpu_max"] = max(r["quiet_other_cpu_share_max"] for r in results)
    md = [header("Threads: quiet vs busy machine", meta), ""]
    md.append(
        "Fit seconds (median). 'busy / quiet' is the default's slowdown when one other "
        "process spins; 'quiet: policy / torch' compares the default policy with torch's "
        "thread count on the quiet machine.\n"
    )
    body = []
    for r in results:
        body.append(
            [
                r["model"],
                f"{r['quiet_torch_fit_s']:.2f}",
                f"{r['quiet_policy_fit_s']:.2f}",
                f"{r['busy_torch_fit_s']:.2f}",
                f"{r['busy_policy_fit_s']:.2f}",
                f"{r['busy_one_fit_s']:.2f}",
                f"{r['torch_busy_ratio']:.2f}x",
                f"{r['policy_busy_ratio']:.2f}x",
                f"{r['quiet_policy_vs_torch']:.2f}",
            ]
        )
    md.append(
        markdown_table(
            [
                "model",
                f"quiet, torch's {default_threads}",
                "quiet, n_jobs=None",
                f"busy, torch's {default_threads}",
                "busy, n_jobs=None",
                "busy, n_jobs=1",
                "busy / quiet, torch's",
                "busy / quiet, n_jobs=None",
                "quiet: policy / torch",
            ],
            body,
        )
    )
    md.append("\nSampling or transforming (seconds, median):\n")
    md.append(
        markdown_table(
            [
                "model",
                "quiet, torch's",
                "quiet, n_jobs=None",
                "busy, torch's",
                "busy, n_jobs=None",
            ],
            [
                [
                    r["model"],
                    f"{r['quiet_torch_use_s']:.3f}",
                    f"{r['quiet_policy_use_s']:.3f}",
                    f"{r['busy_torch_use_s']:.3f}",
                    f"{r['busy_policy_use_s']:.3f}",
                ]
                for r in results
            ],
        )
    )
    met_busy = [r["policy_busy_ratio"] <= TARGET_BUSY_RATIO for r in results]
    md.append(
        f"\n- Target, a default fit with one busy process at most {TARGET_BUSY_RATIO}x its "
        f"quiet time: {'reached' if all(met_busy) else 'missed'} ("
        + "; ".join(f"{r['model']} {r['policy_busy_ratio']:.2f}x" for r in results)
        + ")."
    )
    md.append(
        "- Quiet machine, the default policy against torch's count (target: no slower; "
        "a few percent either way is noise): "
        + "; ".join(f"{r['model']} {r['quiet_policy_vs_torch']:.2f}" for r in results)
        + "."
    )
    payload = {"meta": meta, "rows": results}
    stem = result_stem("threads", args.quick)
    md_path, _ = write_results(stem, "\n".join(md) + "\n", payload, args.results_dir)
    print(f"wrote {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
