"""Sampling throughput: rows per second of ``sample`` into the user's DataFrame.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sampling.py            # full run
    .venv/bin/python benchmarks/bench_sampling.py --quick    # smoke run

A synthetic mixed table (``_datasets.latent_mixed_table``: 20 numeric and 3
categorical columns, 5,000 rows) is fitted briefly (the weights do not change the
work of sampling) by ``VAETransformer()`` and ``GANSampler()`` with their default
encodings; then ``sample(n)`` is timed (``random_state=0``, best of ``repeats``) on 1
thread and on torch's count (``n_jobs``), whole: the networks, the decoding of every
column, the DataFrame in the fitted schema. A profile of one call on 1 thread
(``cProfile``) splits the time into the network, the decoding of the columns and the
assembly of the DataFrame. Targets (issue "Fast on every table and on a busy
laptop"): at least 1,000,000 rows/s for the VAE and 500,000 rows/s for the GAN.
Results go to ``benchmarks/results/sampling.{md,json}`` (``sampling_quick.*`` with
``--quick``).
"""

from __future__ import annotations

import cProfile
import pstats
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
from _datasets import latent_mixed_table

from sklearn_ganae import GANSampler, VAETransformer

TARGETS = {"VAETransformer": 1_000_000, "GANSampler": 500_000}
# where the time of a call goes, by the function that spends it (cumulative)
PARTS = {
    "networks": ("_sample_encoded",),
    "decoding the columns": ("decode_rows",),
    "assembling the DataFrame": ("_assemble",),
}


def _models(epochs: int) -> dict:
    return {
        "VAETransformer": VAETransformer(max_epochs=epochs, random_state=0),
        "GANSampler": GANSampler(max_epochs=epochs, pretrain_epochs=1, random_state=0),
    }


def _profile(model, n: int) -> dict:
    """Seconds of one ``sample(n)`` call spent in each of :data:`PARTS`."""
    profiler = cProfile.Profile()
    profiler.enable()
    model.sample(n, random_state=0)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = max(v[3] for v in stats.values())
    out = {"total_s": total}
    for part, names in PARTS.items():
        out[part] = sum(v[3] for k, v in stats.items() if k[2] in names)
    # decode_rows includes the assembly: report the columns alone
    out["decoding the columns"] -= out["assembling the DataFrame"]
    return out


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 20,000 rows, 1 repeat")
    parser.add_argument("--rows", type=int, default=None, help="rows sampled (1,000,000)")
    parser.add_argument("--repeats", type=int, default=None, help="timings per setting (3)")
    args = parse_args(parser, argv)

    load_at_start = load_average()
    default_threads = torch.get_num_threads()
    n = args.rows or (20_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    table = latent_mixed_table(5_000, seed=0)
    if not args.quick:
        wait_for_quiet()

    rows = []
    for name, model in _models(2 if args.quick else 5).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(table)
        model.sample(1_000, random_state=0)  # warm-up
        row = {"model": name, "rows": n}
        for label, n_jobs in (("1 thread", 1), (f"{default_threads} threads", default_threads)):
            model.set_params(n_jobs=n_jobs)
            times, shares = [], []
            for _ in range(repeats):
                probe = OtherCPU()
                start = time.perf_counter()
                out = model.sample(n, random_state=0)
                times.append(time.perf_counter() - start)
                shares.append(probe.share())
            assert len(out) == n and list(out.columns) == list(table.columns)
            row[label] = {
                "best_s": min(times),
                "rows_per_s": n / min(times),
                "all_s": times,
                "other_cpu_share_max": max(s or 0 for s in shares),
            }
        model.set_params(n_jobs=1)
        row["profile_1_thread"] = _profile(model, min(n, 200_000))
        rows.append(row)
        print(
            f"{name}: "
            + ", ".join(
                f"{k} {v['rows_per_s']:,.0f} rows/s"
                for k, v in row.items()
                if isinstance(v, dict) and "rows_per_s" in v
            ),
            flush=True,
        )

    labels = ["1 thread", f"{default_threads} threads"]
    meta = {
        "date": now(),
        "command": command("bench_sampling", argv),
        "machine": machine(default_threads, load_at_start),
        "versions": versions(),
        "settings": {
            "Table": "latent_mixed_table(5,000, seed=0): 20 numeric and 3 categorical columns",
            "Fit": f"{2 if args.quick else 5} epochs (GANSampler pretrain_epochs=1), seed 0",
            "Sampled": f"sample({n:,}, random_state=0), best of {repeats}",
            "Profile": f"cProfile of sample({min(n, 200_000):,}) on 1 thread",
        },
    }
    share = max(r[lab]["other_cpu_share_max"] for r in rows for lab in labels)
    meta["machine"]["other_cpu"] = f"at most {share:.2f}"
    meta["machine"]["other_cpu_max"] = share
    md = [header("Sampling throughput", meta), ""]
    md.append(
        markdown_table(
            ["model", *(f"rows/s, {lab}" for lab in labels), "target", "reached"],
            [
                [
                    r["model"],
                    *(f"{r[lab]['rows_per_s']:,.0f}" for lab in labels),
                    f"{TARGETS[r['model']]:,}",
                    "yes"
                    if max(r[lab]["rows_per_s"] for lab in labels) >= TARGETS[r["model"]]
                    else "no",
                ]
                for r in rows
            ],
        )
    )
    md.append("\nWhere one call's time goes (1 thread, cProfile, seconds and share):\n")
    md.append(
        markdown_table(
            ["model", "total s", *PARTS],
            [
                [
                    r["model"],
                    f"{r['profile_1_thread']['total_s']:.3f}",
                    *(
                        f"{r['profile_1_thread'][p]:.3f} "
                        f"({r['profile_1_thread'][p] / r['profile_1_thread']['total_s']:.0%})"
                        for p in PARTS
                    ),
                ]
                for r in rows
            ],
        )
    )
    md.append(
        "\n(The profiler's own overhead inflates the total; the shares say where the time "
        "goes, the table above how fast it is.)"
    )
    payload = {"meta": meta, "rows": rows}
    md_path, _ = write_results(
        result_stem("sampling", args.quick), "\n".join(md) + "\n", payload, args.results_dir
    )
    print(f"wrote {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
