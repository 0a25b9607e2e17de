"""Choose TabularEncoder's default continuous normalisation by measurement.

For each continuous_transform ("standard", "quantile", "mode"):

1. Quality: an AutoencoderTransformer (default hyperparameters otherwise) is fitted on
   75% of each real mixed-type table and reconstructs the held-out 25%. Scores are in
   the table's own units, so the three encodings are comparable: the mean R^2 over
   numeric columns and the mean accuracy over categorical columns of
   ``inverse_transform(transform(X_test))``. Three seeds.
2. Speed: TabularEncoder fit, transform and inverse_transform time on a 50,000-row
   table of 20 numeric and 4 categorical columns.

Run: ``.venv/bin/python benchmarks/bench_encoding.py`` (``--quick`` for a smoke run).
Writes ``benchmarks/results/encoding.md`` and ``encoding.json`` (``encoding_quick.*``
with ``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import skorch
import torch
from _common import make_parser, parse_args, result_stem, write_results
from _datasets import encoding_tables, gamma_mixed_table
from sklearn.model_selection import train_test_split

import sklearn_ganae
from sklearn_ganae import AutoencoderTransformer, TabularEncoder

METHODS = ("standard", "quantile", "mode")


def load_tables(quick: bool) -> dict[str, pd.DataFrame]:
    tables = encoding_tables()
    if quick:
        tables = {k: v.head(400) for k, v in list(tables.items())[:2]}
    return tables


def reconstruction_scores(test: pd.DataFrame, rec: pd.DataFrame) -> tuple[float, float]:
    r2, acc = [], []
    for col in test.columns:
        truth, pred = test[col], rec[col]
        if pd.api.types.is_numeric_dtype(truth) and not pd.api.types.is_bool_dtype(truth):
            t = truth.to_numpy(dtype=float, na_value=np.nan)
            p = pred.to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(t) & ~np.isnan(p)
            sst = np.sum((t[ok] - t[ok].mean()) ** 2)
            r2.append(1 - np.sum((t[ok] - p[ok]) ** 2) / sst if sst > 0 else 1.0)
        else:
            a = truth.astype(object).fillna("<NA>").to_numpy()
            b = pred.astype(object).fillna("<NA>").to_numpy()
            acc.append(float(np.mean(a == b)))
    return (float(np.mean(r2)) if r2 else np.nan, float(np.mean(acc)) if acc else np.nan)


def quality(tables, seeds, max_epochs, n_components):
    rows = []
    for name, df in tables.items():
        train, test = train_test_split(df, test_size=0.25, random_state=0)
        for method in METHODS:
            r2s, accs, secs = [], [], []
            for seed in seeds:
                ae = AutoencoderTransformer(
                    n_components=n_components,
                    encoder=TabularEncoder(continuous_transform=method),
                    max_epochs=max_epochs,
                    random_state=seed,
                )
                start = time.perf_counter()
                ae.fit(train)
                secs.append(time.perf_counter() - start)
                r2, acc = reconstruction_scores(test, ae.inverse_transform(ae.transform(test)))
                r2s.append(r2)
                accs.append(acc)
            rows.append(
                dict(
                    table=name,
                    rows=len(df),
                    columns=df.shape[1],
                    method=method,
                    numeric_r2_mean=float(np.mean(r2s)),
                    numeric_r2_std=float(np.std(r2s)),
                    categorical_acc_mean=float(np.mean(accs)),
                    categorical_acc_std=float(np.std(accs)),
                    fit_seconds=float(np.mean(secs)),
                )
            )
            print(rows[-1], flush=True)
    return rows


def speed(n_rows: int, repeats: int):
    df = gamma_mixed_table(n_rows, seed=0)
    rows = []
    for method in METHODS:
        fit_t, tr_t, inv_t = [], [], []
        for _ in range(repeats):
            enc = TabularEncoder(continuous_transform=method, random_state=0)
            start = time.perf_counter()
            enc.fit(df)
            fit_t.append(time.perf_counter() - start)
            start = time.perf_counter()
            Z = enc.transform(df)
            tr_t.append(time.perf_counter() - start)
            start = time.perf_counter()
            enc.inverse_transform(Z)
            inv_t.append(time.perf_counter() - start)
        rows.append(
            dict(
                method=method,
                rows=n_rows,
                encoded_width=int(Z.shape[1]),
                fit_seconds=float(np.median(fit_t)),
                transform_seconds=float(np.median(tr_t)),
                inverse_seconds=float(np.median(inv_t)),
            )
        )
        print(rows[-1], flush=True)
    return rows


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return dict(
        date=str(date.today()),
        cpu=cpu,
        cores=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        versions=dict(
            sklearn_ganae=sklearn_ganae.__version__,
            torch=torch.__version__,
            sklearn=sklearn.__version__,
            skorch=skorch.__version__,
            numpy=np.__version__,
            pandas=pd.__version__,
        ),
    )


def to_markdown(meta, quality_rows, speed_rows) -> str:
    v = meta["versions"]
    lines = [
        "# TabularEncoder: continuous normalisation",
        "",
        f"{meta['date']}, {meta['cpu']}, {meta['cores']} cores, torch threads "
        f"{meta['torch_threads']}; sklearn_ganae {v['sklearn_ganae']}, torch {v['torch']}, "
        f"scikit-learn {v['sklearn']}, skorch {v['skorch']}, numpy {v['numpy']}, "
        f"pandas {v['pandas']}.",
        "",
        f"Quality: AutoencoderTransformer(n_components={meta['n_components']}, "
        f"max_epochs={meta['max_epochs']}) per encoding, seeds {meta['seeds']}, 25% held "
        "out (split seed 0); held-out reconstruction in the table's own units "
        "(mean +/- std over seeds).",
        "",
        "| table | rows x cols | transform | numeric R^2 | categorical accuracy | AE fit s |",
        "|---|---|---|---|---|---|",
    ]
    for r in quality_rows:
        lines.append(
            f"| {r['table']} | {r['rows']} x {r['columns']} | {r['method']} | "
            f"{r['numeric_r2_mean']:.3f} +/- {r['numeric_r2_std']:.3f} | "
            f"{r['categorical_acc_mean']:.3f} +/- {r['categorical_acc_std']:.3f} | "
            f"{r['fit_seconds']:.1f} |"
        )
    lines += ["", "Mean over tables:", "", "| transform | numeric R^2 | categorical accuracy |"]
    lines.append("|---|---|---|")
    frame = pd.DataFrame(quality_rows)
    for method, g in frame.groupby("method", sort=False):
        lines.append(
            f"| {method} | {g['numeric_r2_mean'].mean():.3f} | "
            f"{g['categorical_acc_mean'].mean():.3f} |"
        )
    lines += [
        "",
        "Speed: TabularEncoder on a 50,000 x 24 table (20 gamma-distributed numeric, "
        "4 categorical columns), median of repeats.",
        "",
        "| transform | encoded width | fit s | transform s | inverse s |",
        "|---|---|---|---|---|",
    ]
    for r in speed_rows:
        lines.append(
            f"| {r['method']} | {r['encoded_width']} | {r['fit_seconds']:.2f} | "
            f"{r['transform_seconds']:.2f} | {r['inverse_seconds']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 1 seed, 5 epochs, 400 rows of 2 tables")
    parser.add_argument("--threads", type=int, default=2)
    args = parse_args(parser, argv)
    torch.set_num_threads(args.threads)
    seeds = [0] if args.quick else [0, 1, 2]
    max_epochs = 5 if args.quick else 200
    n_components = 3
    meta = machine() | dict(seeds=seeds, max_epochs=max_epochs, n_components=n_components)
    quality_rows = quality(load_tables(args.quick), seeds, max_epochs, n_components)
    speed_rows = speed(2_000 if args.quick else 50_000, 1 if args.quick else 3)
    markdown = to_markdown(meta, quality_rows, speed_rows)
    write_results(
        result_stem("encoding", args.quick),
        markdown,
        dict(meta=meta, quality=quality_rows, speed=speed_rows),
        args.results_dir,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
