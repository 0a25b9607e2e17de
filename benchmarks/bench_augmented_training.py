"""Seed idea 003: does adding autoencoder-perturbed rows to a generator's training set
help on small tables?

Run from the repository root::

    .venv/bin/python benchmarks/bench_augmented_training.py            # full run
    .venv/bin/python benchmarks/bench_augmented_training.py --quick    # smoke run

For each table and seed, ``n`` training rows (200 and 500) are drawn from the whole
table (stratified on its target, with the seed); the rows not drawn are the real
distribution the generated rows are compared with (at most ``REFERENCE_ROWS`` of them,
drawn with ``DATA_SEED``). Each generator of the package (``VAETransformer`` and
``GANSampler``, defaults, ``random_state=seed``) is fitted on three training sets:

- **real rows**: the ``n`` rows;
- **real rows twice**: every row twice (a control: no new information, but as many
  rows and optimiser steps per epoch as the next one);
- **real + AE-perturbed rows**: the ``n`` rows and as many new ones made by
  ``AEAugmenter(sampling_strategy={}, augmentation_factor=1)`` (its default
  autoencoder and strategy; every class of the target doubled, its ratios kept).

Each fitted generator samples as many rows as the reference; scores against the
reference: column shapes, pair trends, and the boosted detection AUC of
``detection_score`` (HistGradientBoosting, 5-fold CV; 0.5 ideal). The verdict per
(table, n, generator): the mean paired difference over seeds of the augmented set
against the real rows and against the control, and in how many seeds the augmented set
gave the lower detection AUC.

Tables: the generator benchmark's (``_datasets.GENERATOR_TABLES``). No default is
chosen on these figures. Writes ``benchmarks/results/augmented_training.{md,json}``
(``augmented_training_quick.*`` with ``--quick``; ``--results-dir`` for another
folder).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import torch
from _common import (
    OtherCPU,
    command,
    gan_quick_params,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    now,
    parse_args,
    print_row,
    result_stem,
    versions,
    write_results,
)
from _datasets import DATA_SEED, GENERATOR_TABLES, QUICK_TABLE
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from sklearn_ganae import AEAugmenter, GANSampler, VAETransformer
from sklearn_ganae.metrics import column_pair_trends, column_shapes, detection_score

SIZES = (200, 500)
QUICK_SIZES = (100,)
#: the real rows the generated ones are compared with: at most this many
REFERENCE_ROWS = 2_000
TRAINING_SETS = ("real rows", "real rows twice", "real + AE-perturbed rows")
GENERATORS = {"VAETransformer": VAETransformer, "GANSampler": GANSampler}
#: ``--quick``: the registry's small GAN (``gan_quick_params``) and a 3-epoch VAE
QUICK_VAE = {"max_epochs": 3}


def draw(df: pd.DataFrame, target: str, n: int, seed: int):
    """``(train, reference)``: ``n`` rows stratified on ``target``, and the rest (at
    most ``REFERENCE_ROWS``, drawn with ``DATA_SEED``)."""
    train, rest = train_test_split(df, train_size=n, random_state=seed, stratify=df[target])
    if len(rest) > REFERENCE_ROWS:
        rest = rest.sample(REFERENCE_ROWS, random_state=DATA_SEED)
    return train.reset_index(drop=True), rest.reset_index(drop=True)


def training_set(name: str, train: pd.DataFrame, target: str, seed: int) -> pd.DataFrame:
    if name == "real rows":
        return train
    if name == "real rows twice":
        return pd.concat([train, train], ignore_index=True)
    X, y = train.drop(columns=target), train[target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_new, y_new = AEAugmenter(
            sampling_strategy={}, augmentation_factor=1, random_state=seed
        ).fit_resample(X, y)
    out = X_new.copy()
    out[target] = pd.Series(np.asarray(y_new), index=out.index).astype(train[target].dtype)
    return out[train.columns].reset_index(drop=True)


def scores(reference: pd.DataFrame, synthetic: pd.DataFrame, seed: int) -> dict:
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(
            column_shapes=float(column_shapes(reference, synthetic)["score"].mean()),
            column_pair_trends=float(column_pair_trends(reference, synthetic)["score"].mean()),
            detection_boosted=detection_score(reference, synthetic, random_state=seed),
        )


def run(tables, sizes, seeds, other, params=None, threads=2) -> pd.DataFrame:
    """Rows of figures; ``params``: generator name -> parameters over its defaults."""
    params = params or {}
    rows = []
    for table, (load, target) in tables.items():
        df = load()
        for n in sizes:
            for seed in seeds:
                train, reference = draw(df, target, n, seed)
                for set_name in TRAINING_SETS:
                    start = time.perf_counter()
                    data = training_set(set_name, train, target, seed)
                    augment_s = time.perf_counter() - start
                    for gen_name, cls in GENERATORS.items():
                        other.share()
                        start = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            model = cls(
                                **params.get(gen_name, {}), n_jobs=threads, random_state=seed
                            ).fit(data)
                        fit_s = time.perf_counter() - start
                        busy = other.share()
                        synthetic = model.sample(len(reference), random_state=seed)
                        row = dict(
                            table=table,
                            n=n,
                            seed=seed,
                            training_set=set_name,
                            generator=gen_name,
                            training_rows=len(data),
                            augment_s=augment_s,
                            fit_s=fit_s,
                            other_cpu=busy,
                            **scores(reference, synthetic[reference.columns], seed),
                        )
                        rows.append(row)
                        print_row(row)
    return pd.DataFrame(rows)


def verdicts(frame: pd.DataFrame) -> list[dict]:
    """Per (table, n, generator): paired differences of the augmented set."""
    out = []
    keys = ("detection_boosted", "column_shapes", "column_pair_trends")
    for (table, n, gen), g in frame.groupby(["table", "n", "generator"], sort=False):
        wide = {s: m.set_index("seed") for s, m in g.groupby("training_set")}
        aug = wide["real + AE-perturbed rows"]
        row = dict(table=table, n=int(n), generator=gen, seeds=len(aug))
        for base, label in (("real rows", "real"), ("real rows twice", "twice")):
            for key in keys:
                row[f"{key}_vs_{label}"] = float((aug[key] - wide[base][key]).mean())
            row[f"lower_auc_than_{label}"] = int(
                (aug["detection_boosted"] < wide[base]["detection_boosted"]).sum()
            )
        out.append(row)
    return out


def to_markdown(frame: pd.DataFrame, meta: dict) -> str:
    out = [header("Seed idea 003: AE-perturbed rows in a generator's training set", meta), ""]
    out.append("## Verdict: the augmented set minus the others (mean over seeds)\n")
    out.append(
        "Detection AUC: lower is better (0.5 ideal); shapes and pairs: higher is better. "
        "'lower AUC' counts the seeds where the augmented set gave the lower detection "
        "AUC.\n"
    )
    body = []
    for v in verdicts(frame):
        body.append(
            [v["table"], str(v["n"]), v["generator"]]
            + [
                f"{v[f'detection_boosted_vs_{b}']:+.3f}"
                + f" ({v[f'lower_auc_than_{b}']}/{v['seeds']})"
                for b in ("real", "twice")
            ]
            + [f"{v[f'{k}_vs_real']:+.3f}" for k in ("column_shapes", "column_pair_trends")]
        )
    out.append(
        markdown_table(
            [
                "table",
                "n",
                "generator",
                "Δ AUC vs real rows (lower AUC)",
                "Δ AUC vs rows twice (lower AUC)",
                "Δ shapes vs real",
                "Δ pairs vs real",
            ],
            body,
        )
    )
    out.append("\n## Means over seeds\n")
    body = []
    group = ["table", "n", "generator", "training_set"]
    for (table, n, gen, set_name), m in frame.groupby(group, sort=False):
        body.append(
            [table, str(n), gen, set_name]
            + [
                f"{m[k].mean():.3f} ± {m[k].std(ddof=0):.3f}"
                for k in ("detection_boosted", "column_shapes", "column_pair_trends")
            ]
            + [f"{m['augment_s'].mean():.1f}", f"{m['fit_s'].mean():.1f}"]
        )
    out.append(
        markdown_table(
            [
                "table",
                "n",
                "generator",
                "training set",
                "boosted AUC (0.5 ideal)",
                "shapes ↑",
                "pairs ↑",
                "augment s",
                "fit s",
            ],
            body,
        )
    )
    return "\n".join(out)


def main(argv=None) -> int:
    parser = make_parser(
        __doc__,
        f"smoke run: {QUICK_TABLE}, {QUICK_SIZES} rows, seed 0, GANSampler's registry "
        f"quick_params, VAETransformer {QUICK_VAE}",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2 3 4)")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help=str(SIZES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tables", nargs="+", default=None, choices=list(GENERATOR_TABLES))
    args = parse_args(parser, argv)
    torch.set_num_threads(args.threads)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2, 3, 4])
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    names = args.tables or ([QUICK_TABLE] if args.quick else list(GENERATOR_TABLES))
    params = {"VAETransformer": QUICK_VAE, "GANSampler": gan_quick_params()} if args.quick else {}
    load_start = load_average()
    other = OtherCPU()
    frame = run({t: GENERATOR_TABLES[t] for t in names}, sizes, seeds, other, params, args.threads)
    mach = machine(args.threads, load_start)
    mach["other_cpu"] = float(frame["other_cpu"].max())
    meta = dict(
        date=now(),
        command=command("bench_augmented_training", argv),
        machine=mach,
        versions=versions({}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Training rows": list(sizes),
            "Seeds": seeds,
            "Reference": f"the rows not drawn, at most {REFERENCE_ROWS}",
            "Augmenter": "AEAugmenter(sampling_strategy={}, augmentation_factor=1), y = the "
            "table's target",
            **({"Generator parameters": str(params)} if params else {}),
        },
    )
    markdown = to_markdown(frame, meta)
    write_results(
        result_stem("augmented_training", args.quick),
        markdown,
        dict(meta=meta, rows=frame.to_dict("records"), verdicts=verdicts(frame)),
        args.results_dir,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
