"""Conditional fidelity: do rows generated for a subgroup follow that subgroup?

Run from the repository root::

    .venv/bin/python benchmarks/bench_conditional.py            # full run
    .venv/bin/python benchmarks/bench_conditional.py --quick    # smoke run

On each reported generator table (``_datasets.GENERATOR_TABLES``: diamonds (20k),
mlc_churn, CreditCard, attrition) and on the shipped penguins (the 80% training split
of ``holdout_split``), the table's categorical target ``c`` (cut, churn, card,
Attrition, species) is the condition, in the two ways the package offers:

- ``GANSampler(condition_columns=[c])``, then ``sample(n, conditions={c: v})``;
- class-conditional fits on the other columns with ``y = c``:
  ``VAETransformer(conditional=True).fit(X, y)`` and ``GANSampler().fit(X, y)``, then
  ``sample(n, y=v)`` (the column ``c`` set to ``v`` in the result).

For each level ``v`` of ``c`` holding at least 10% of the rows (the three largest at
most), the real subgroup (training rows with ``c == v``) is compared with as many rows
generated for ``v``: column shapes and pair trends (``quality_report(...,
detection=False)``, over every column but ``c``). Reference: the same scores of the
model's unconditional rows against the whole training table (for the class-conditional
models, rows drawn with the training frequencies of ``y``). Target (issue "Synthetic
rows that a strong detector cannot tell from real ones"): each subgroup's column
shapes at least 0.9 of the unconditional figure. Also reported: the same model's
unconditional rows, with ``c`` overwritten by ``v``, against the subgroup, i.e. what
a model that only carried the value would score (a subgroup that differs little from
the whole table scores high there too), and the share of generated rows that carry
``v``; and the numeric column the subgroup shifts most, with its means. 300 epochs,
the defaults otherwise, seeds as given. Results go to
``benchmarks/results/conditional.{md,json}`` (``conditional_quick.*`` with
``--quick``).
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _common import (
    command,
    header,
    load_average,
    machine,
    make_parser,
    markdown_table,
    mean_std,
    now,
    parse_args,
    result_stem,
    versions,
    write_results,
)
from _datasets import GENERATOR_TABLES, Table, holdout_split, penguins
from threadpoolctl import threadpool_limits

from sklearn_ganae import GANSampler, VAETransformer
from sklearn_ganae.metrics import quality_report

TORCH_THREADS = 2
TARGET_RATIO = 0.9
MIN_SHARE = 0.10
MAX_LEVELS = 3
QUICK_TABLES = ["CreditCard"]
# the reported generator tables, and the shipped penguins (whose species shift the
# numeric columns far: the case the issue quotes, Gentoo's body mass)
TABLES = {**GENERATOR_TABLES, "penguins": Table(penguins, "species")}


def _models(epochs: int, seed: int, column: str, quick: bool) -> dict:
    small = dict(max_epochs=epochs, random_state=seed)
    if quick:
        small.update(pretrain_epochs=1)
    vae = dict(conditional=True, max_epochs=epochs, random_state=seed)
    return {
        "GANSampler (condition_columns)": (
            lambda: GANSampler(condition_columns=[column], **small),
            "conditions",
        ),
        "VAETransformer (y)": (lambda: VAETransformer(**vae), "y"),
        "GANSampler (y)": (lambda: GANSampler(**small), "y"),
    }


def _scores(real: pd.DataFrame, synthetic: pd.DataFrame, seed: int) -> dict:
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = quality_report(real, synthetic[real.columns], detection=False, random_state=seed)
    return {k: report.scores[k] for k in ("column_shapes", "column_pair_trends")}


def _levels(values: pd.Series) -> list:
    shares = values.value_counts(normalize=True)
    return [v for v, s in shares.items() if s >= MIN_SHARE][:MAX_LEVELS]


#: the models' labels (``--models``, ``--keep``)
MODEL_LABELS = list(_models(1, 0, "c", False))


def run_table(
    name: str, train: pd.DataFrame, column: str, epochs, seed, quick, models=None
) -> list[dict]:
    rows = []
    others = [c for c in train.columns if c != column]
    X, y = train[others], train[column]
    for label, (make, how) in _models(epochs, seed, column, quick).items():
        if models is not None and label not in models:
            continue
        model = make()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if how == "conditions":
                model.fit(train)
            else:
                model.fit(X, y)
        fit_s = time.perf_counter() - start
        if how == "y":
            uncond = _with_labels(model, len(train), seed)
        else:
            uncond = model.sample(len(train), random_state=seed)
        base = _scores(train[others], uncond[others], seed)
        for v in _levels(y):
            real = train[y == v]
            n = len(real)
            if how == "conditions":
                synth = model.sample(n, conditions={column: v}, random_state=seed + 1)
            else:
                synth = model.sample(n, y=v, random_state=seed + 1)
                synth = synth.assign(**{column: v})
            carried = float((synth[column].astype(str) == str(v)).mean())
            sub = _scores(real[others], synth[others], seed)
            shift = _most_shifted(train[others], real[others], synth[others])
            ignoring = _scores(real[others], uncond[others], seed)
            rows.append(
                {
                    "table": name,
                    "column": column,
                    "level": str(v),
                    "level_share": n / len(train),
                    "model": label,
                    "seed": seed,
                    "fit_s": fit_s,
                    "carried": carried,
                    "shapes": sub["column_shapes"],
                    "pairs": sub["column_pair_trends"],
                    "shapes_unconditional": base["column_shapes"],
                    "pairs_unconditional": base["column_pair_trends"],
                    "shapes_ratio": sub["column_shapes"] / base["column_shapes"],
                    "shapes_ignoring": ignoring["column_shapes"],
                    "pairs_ignoring": ignoring["column_pair_trends"],
                    **shift,
                }
            )
            print(
                f"{name} {label} {column}={v}: shapes {sub['column_shapes']:.3f} "
                f"(unconditional {base['column_shapes']:.3f}, ratio "
                f"{rows[-1]['shapes_ratio']:.3f}; carrying the value only "
                f"{ignoring['column_shapes']:.3f}), pairs {sub['column_pair_trends']:.3f}",
                flush=True,
            )
    return rows


def _most_shifted(whole: pd.DataFrame, real: pd.DataFrame, synth: pd.DataFrame) -> dict:
    """The numeric column whose subgroup mean is farthest from the whole table's (in
    the table's standard deviations): its means in the table, the real subgroup and
    the generated one."""
    numeric = [c for c in whole.columns if pd.api.types.is_numeric_dtype(whole[c])]
    if not numeric:
        return {}
    std = whole[numeric].std().replace(0, np.nan)
    gap = ((real[numeric].mean() - whole[numeric].mean()) / std).abs()
    col = gap.idxmax()
    return {
        "shifted_column": col,
        "shifted_sd": float(gap[col]),
        "mean_table": float(whole[col].mean()),
        "mean_real": float(real[col].mean()),
        "mean_generated": float(pd.to_numeric(synth[col], errors="coerce").mean()),
    }


def _with_labels(model, n: int, seed: int) -> pd.DataFrame:
    """``n`` unconditional rows of a class-conditional model: labels drawn at the
    training frequencies (its ``class_prior_``)."""
    rng = np.random.RandomState(seed)
    labels = rng.choice(model.classes_, size=n, p=model.class_prior_)
    return model.sample(n, y=labels, random_state=seed)


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: CreditCard, 3 epochs, seed 0")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (300)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1)")
    parser.add_argument("--tables", nargs="+", default=None, choices=list(TABLES))
    parser.add_argument(
        "--models",
        nargs="+",
        default=None,
        choices=MODEL_LABELS,
        help="(every model but those of --keep)",
    )
    parser.add_argument(
        "--keep",
        nargs="+",
        default=[],
        choices=MODEL_LABELS,
        help="models whose rows to keep from the existing results file (a rerun of the "
        "others; the tables, seeds and epochs must be those of that run)",
    )
    args = parse_args(parser, argv)
    if args.models is None:
        args.models = [m for m in MODEL_LABELS if m not in args.keep]
    both = sorted(set(args.keep) & set(args.models))
    if both:
        parser.error(
            f"{', '.join(both)}: in both --models and --keep (a model's rows come from one "
            "run: rerun it, or keep it)"
        )
    load_at_start = load_average()
    torch.set_num_threads(TORCH_THREADS)
    epochs = args.epochs or (3 if args.quick else 300)
    seeds = args.seeds or ([0] if args.quick else [0, 1])
    tables = args.tables or (QUICK_TABLES if args.quick else list(TABLES))

    previous_path = args.results_dir / f"{result_stem('conditional', args.quick)}.json"
    if args.keep and not previous_path.exists():
        parser.error(f"--keep needs the rows of an earlier run: {previous_path} does not exist")
    rows = []
    for name in tables:
        load, column = TABLES[name]
        train, _ = holdout_split(load())
        for seed in seeds:
            rows.extend(run_table(name, train, column, epochs, seed, args.quick, args.models))
    kept_from = None
    if args.keep:
        previous = json.loads(previous_path.read_text(encoding="utf-8"))
        old = [r for r in previous["rows"] if r["model"] in args.keep]
        # the kept rows first, table by table, in the order of the tables run
        order = {t: i for i, t in enumerate(tables)}
        rows = sorted(old + rows, key=lambda r: order.get(r["table"], len(order)))
        kept_from = {
            "models": args.keep,
            "date": previous["meta"]["date"],
            "command": previous["meta"]["command"],
        }

    frame = pd.DataFrame(rows)
    meta = {
        "date": now(),
        "command": command("bench_conditional", argv),
        "machine": machine(TORCH_THREADS, load_at_start),
        "versions": versions(),
        "settings": {
            "Tables": ", ".join(f"{t} (condition: {TABLES[t][1]})" for t in tables),
            "Split": "the 80% training split of holdout_split (random_state=0)",
            "Epochs": epochs,
            "Seeds": seeds,
            "Levels": f"those with at least {MIN_SHARE:.0%} of the rows, {MAX_LEVELS} at most",
            "Scores": "quality_report(real subgroup, generated rows, detection=False), "
            "over every column but the condition; 1 scoring thread",
            **(
                {
                    "Rows kept from an earlier run": f"{', '.join(kept_from['models'])}: "
                    f"run of {kept_from['date']} (`{kept_from['command']}`), the same "
                    "tables, split, epochs and seeds"
                }
                if kept_from
                else {}
            ),
        },
    }
    md = [header("Conditional fidelity: generated subgroups against real ones", meta), ""]
    cols = [
        "table",
        "model",
        "level (share)",
        "carries the value",
        "shapes",
        "shapes, unconditional",
        "ratio",
        "shapes, value only",
        "pairs",
        "pairs, unconditional",
        "pairs, value only",
    ]
    body = []
    keys = ["table", "model", "level"]
    for (table, model, level), g in frame.groupby(keys, sort=False):
        body.append(
            [
                table,
                model,
                f"{level} ({g['level_share'].iloc[0]:.0%})",
                f"{g['carried'].mean():.2f}",
                mean_std(g["shapes"], "{:.3f}"),
                mean_std(g["shapes_unconditional"], "{:.3f}"),
                mean_std(g["shapes_ratio"], "{:.3f}"),
                mean_std(g["shapes_ignoring"], "{:.3f}"),
                mean_std(g["pairs"], "{:.3f}"),
                mean_std(g["pairs_unconditional"], "{:.3f}"),
                mean_std(g["pairs_ignoring"], "{:.3f}"),
            ]
        )
    md.append(markdown_table(cols, body))
    md.append(
        "\nThe numeric column each subgroup shifts most (in the table's standard "
        "deviations): its mean in the whole table, in the real subgroup and in the "
        "generated one.\n"
    )
    shifted = []
    for (table, model, level), g in frame.groupby(keys, sort=False):
        if "shifted_column" not in g or g["shifted_column"].isna().all():
            continue
        shifted.append(
            [
                table,
                model,
                level,
                f"{g['shifted_column'].iloc[0]} ({g['shifted_sd'].iloc[0]:.2f} sd)",
                f"{g['mean_table'].iloc[0]:.4g}",
                f"{g['mean_real'].iloc[0]:.4g}",
                mean_std(g["mean_generated"], "{:.4g}"),
            ]
        )
    md.append(
        markdown_table(
            ["table", "model", "level", "column", "table mean", "real subgroup", "generated"],
            shifted,
        )
    )
    md.append("")
    for model, g in frame.groupby("model", sort=False):
        per = g.groupby(["table", "level"], sort=False)[
            ["shapes_ratio", "shapes", "shapes_ignoring"]
        ].mean()
        met = int((per["shapes_ratio"] >= TARGET_RATIO).sum())
        beats = int((per["shapes"] > per["shapes_ignoring"]).sum())
        low = per["shapes_ratio"].idxmin()
        md.append(
            f"- {model}: subgroup shapes at least {TARGET_RATIO} of the unconditional "
            f"figure in {met} of {len(per)} subgroups (lowest ratio "
            f"{per['shapes_ratio'].min():.3f}, {low[0]} / {low[1]}); better than carrying "
            f"the value only in {beats} of {len(per)}."
        )
    payload = {"meta": meta, "rows": rows}
    md_path, _ = write_results(
        result_stem("conditional", args.quick), "\n".join(md) + "\n", payload, args.results_dir
    )
    print(f"wrote {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
