"""Data-loading share of an autoencoder epoch: TensorBatchIterator vs skorch's default.

Run from the repository root::

    .venv/bin/python benchmarks/bench_iterator.py            # full run
    .venv/bin/python benchmarks/bench_iterator.py --quick    # smoke run

A synthetic table (50,000 rows, 20 numeric and 3 categorical columns) is fitted by an
``AutoencoderTransformer(batch_size=256)`` with the package defaults for one epoch; its
skorch net (``net_``: AdamW, the layout-aware reconstruction loss, the package's
callbacks) is then trained one epoch at a time on the encoded rows with two data paths:

- ``TensorBatchIterator`` over ``TableDataset`` (the package's path): each batch is
  one fancy-indexing operation on whole tensors;
- skorch's default: ``torch.utils.data.DataLoader(shuffle=True)`` over
  ``skorch.dataset.Dataset``, i.e. one ``__getitem__`` per row and ``default_collate``
  per batch (``num_workers=0``).

For each we measure (a) the epoch time (skorch's own per-epoch ``dur``, from
``on_epoch_begin`` to ``on_epoch_end``) and (b) the time to produce the same epoch's
batches from the same iterator without training, giving the data-loading share
``(b) / (a)``. Epochs alternate between the two nets; medians over the repeats are
reported. Results go to ``benchmarks/results/iterator.{md,json}``
(``iterator_quick.*`` with ``--quick``; ``--results-dir`` for another folder).
"""

from __future__ import annotations

import copy
import time

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
from _datasets import latent_mixed_table
from skorch import NeuralNet

from sklearn_ganae import AutoencoderTransformer

TORCH_THREADS = 2
TARGET_SHARE = 0.15


def dataloader_net_class(package_net: type) -> type:
    """The package's net class on skorch's default data path.

    The package's net (the class of a fitted estimator's ``net_``) builds its own
    dataset in ``get_dataset``; the subclass goes back to ``NeuralNet.get_dataset``
    (``skorch.dataset.Dataset``). With ``y=None`` that dataset yields a zero
    placeholder as each row's target, so the loss is computed against the batch ``X``
    itself (what the package's ``get_loss`` does when ``y`` is ``None``).
    """

    def get_dataset(self, X, y=None):
        return NeuralNet.get_dataset(self, X, y)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, torch.as_tensor(X, device=y_pred.device))

    return type(
        "DataLoaderNet",
        (package_net,),
        {
            "get_dataset": get_dataset,
            "get_loss": get_loss,
            "__doc__": dataloader_net_class.__doc__,
        },
    )


def time_batches(net, dataset) -> float:
    """Seconds to draw one epoch of training batches from ``net``'s iterator."""
    iterator = net.get_iterator(dataset, training=True)
    start = time.perf_counter()
    n = 0
    for Xb, _ in iterator:
        n += len(Xb)
    elapsed = time.perf_counter() - start
    assert n == len(dataset), (n, len(dataset))
    return elapsed


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 5,000 rows, 2 repeats")
    parser.add_argument("--rows", type=int, default=None, help="table rows (50000)")
    parser.add_argument("--repeats", type=int, default=None, help="timed epochs per net (9)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=TORCH_THREADS, help="torch threads (default 2)"
    )
    args = parse_args(parser, argv)

    load_at_start = load_average()
    torch.set_num_threads(args.threads)
    n_rows = args.rows or (5_000 if args.quick else 50_000)
    repeats = args.repeats or (2 if args.quick else 9)

    df = latent_mixed_table(n_rows, seed=args.seed)
    # The package's own net: fit the estimator for one epoch (this is also the warm-up
    # of the package's path) and take its skorch net. The skorch-default net is a copy
    # of it (same weights, same optimizer state) on the DataLoader path.
    ae = AutoencoderTransformer(batch_size=args.batch_size, max_epochs=1, random_state=args.seed)
    model_params = ", ".join(
        f"{k}={v!r}"
        for k, v in ae.get_params().items()
        if k not in ("encoder", "verbose", "warm_start", "device")
    )
    ae.fit(df)
    Z = ae.encoder_.transform(df)
    net_pkg = ae.net_
    if type(net_pkg).get_dataset is NeuralNet.get_dataset:
        raise RuntimeError(
            f"the package's net {type(net_pkg).__qualname__} no longer has its own data "
            "path (get_dataset): this benchmark compares that path with skorch's default"
        )
    net_dl = copy.deepcopy(net_pkg)
    net_dl.__class__ = dataloader_net_class(type(net_pkg))
    net_dl.iterator_train = torch.utils.data.DataLoader  # iterator_train__shuffle=True kept
    # the package iterator's own options (no one-row last batch, sharding over
    # processes) are no DataLoader arguments: with one process and no one-row batch
    # at these sizes, both paths draw the same batches
    dropped = sorted(
        key
        for key in vars(net_dl)
        if key.startswith("iterator_train__") and key != "iterator_train__shuffle"
    )
    for key in dropped:
        delattr(net_dl, key)
    nets = {
        "TensorBatchIterator (package)": net_pkg,
        "DataLoader + skorch Dataset (skorch default)": net_dl,
    }
    n_num = sum(not isinstance(t, pd.CategoricalDtype) for t in df.dtypes)

    datasets = {}
    for label, net in nets.items():
        datasets[label] = net.get_dataset(Z)
        net.partial_fit(Z)  # warm-up epoch, not timed
        time_batches(net, datasets[label])
        print(f"warm-up done: {label} ({type(datasets[label]).__name__})", flush=True)

    keys = ("epoch_s", "epoch_wall_s", "batches_s", "other_cpu_share")
    records = {label: {key: [] for key in (*keys, "attempts")} for label in nets}
    labels = list(nets)
    for rep in range(repeats):
        order = labels if rep % 2 == 0 else labels[::-1]
        for label in order:
            net, rec = nets[label], records[label]

            def measure(net=net, label=label):
                start = time.perf_counter()
                net.partial_fit(Z)
                wall = time.perf_counter() - start
                epoch = float(net.history[-1, "dur"])
                return {
                    "epoch_wall_s": wall,
                    "epoch_s": epoch,
                    "batches_s": time_batches(net, datasets[label]),
                }

            res = timed_when_quiet(measure)
            for key in keys:
                rec[key].append(res[key])
            rec["attempts"].append(res["attempts"])
            print(
                f"repeat {rep}: {label:45s} epoch {rec['epoch_s'][-1]:.3f} s, "
                f"batches only {rec['batches_s'][-1]:.3f} s",
                flush=True,
            )

    summary = {}
    for label, rec in records.items():
        net = nets[label]
        epoch = float(np.median(rec["epoch_s"]))
        batches = float(np.median(rec["batches_s"]))
        summary[label] = {
            "iterator": f"{net.iterator_train.__module__}.{net.iterator_train.__qualname__}",
            "dataset": type(datasets[label]).__module__ + "." + type(datasets[label]).__name__,
            "n_batches": int(net.history[-1, "train_batch_count"]),
            "epoch_median_s": epoch,
            "epoch_min_s": float(np.min(rec["epoch_s"])),
            "epoch_max_s": float(np.max(rec["epoch_s"])),
            "batches_median_s": batches,
            "loading_share": batches / epoch,
            "train_loss_last_epoch": float(net.history[-1, "train_loss"]),
            "epochs_trained": len(net.history),
            **rec,
        }
    pkg, sk = labels
    ratio = summary[sk]["epoch_median_s"] / summary[pkg]["epoch_median_s"]
    batch_ratio = summary[sk]["batches_median_s"] / summary[pkg]["batches_median_s"]
    share = summary[pkg]["loading_share"]

    shares = [v for rec in records.values() for v in rec["other_cpu_share"] if v is not None]
    meta = {
        "date": now(),
        "command": command("bench_iterator", argv),
        "machine": {
            **machine(torch.get_num_threads(), load_at_start),
            "other_cpu_max": max(shares) if shares else 0.0,
            "other_cpu": (
                f"max {max(shares):.1%}, median {np.median(shares):.1%} over "
                f"{len(shares)} timed epochs (per epoch in the JSON: `other_cpu_share`)"
                if shares
                else "not measured"
            ),
        },
        "versions": versions(),
        "settings": {
            "Mode": "QUICK smoke run (not the reference figures)" if args.quick else "full",
            "Torch threads": f"torch.set_num_threads({args.threads}); DataLoader num_workers=0",
            "Data": f"synthetic, {n_rows} rows x {df.shape[1]} columns ({n_num} numeric, "
            f"{df.shape[1] - n_num} categorical with 4/6/10 levels), seed {args.seed}; "
            f"encoded width {Z.shape[1]} (the estimator's default TabularEncoder())",
            "Model": f"AutoencoderTransformer({model_params}) with the package defaults "
            "otherwise; its fitted `net_` is the package's net, the skorch-default net is a "
            "deep copy of it on the DataLoader path (same weights and optimizer state)"
            + (
                f"; the package iterator's options {', '.join(dropped)} are left out of "
                "the DataLoader's"
                if dropped
                else ""
            ),
            "Epochs": "the estimator's 1-epoch fit, then 1 warm-up epoch per net (not timed), "
            f"then {repeats} timed epochs per net, alternating between the nets; medians",
            "Seeds": f"data seed {args.seed}, AutoencoderTransformer(random_state={args.seed})",
        },
    }
    rows = [
        [
            label,
            s["n_batches"],
            f"{s['epoch_median_s']:.3f}",
            f"{s['epoch_min_s']:.3f} – {s['epoch_max_s']:.3f}",
            f"{s['batches_median_s']:.4f}",
            f"{100 * s['loading_share']:.1f}%",
            f"{s['train_loss_last_epoch']:.4f}",
        ]
        for label, s in summary.items()
    ]
    md = [header("Batch iterator: data-loading share of an autoencoder epoch", meta), "\n"]
    md.append(
        markdown_table(
            [
                "data path",
                "batches / epoch",
                "epoch median (s)",
                "epoch min – max (s)",
                "batches only, median (s)",
                "data-loading share",
                "train loss, last epoch",
            ],
            rows,
        )
    )
    md.append(
        f"\n- Epoch time, skorch default / TensorBatchIterator: **{ratio:.2f}x** "
        f"(batch production alone: {batch_ratio:.0f}x).\n"
        f"- Target: data-loading share of the package's epoch under "
        f"{100 * TARGET_SHARE:.0f}%: **{100 * share:.1f}%, "
        f"{'reached' if share < TARGET_SHARE else 'missed'}**.\n"
        "- Epoch time is skorch's per-epoch `dur` (history); the wall time of each "
        "`partial_fit` call (which also builds the dataset) is in the JSON "
        "(`epoch_wall_s`). The loading time is one pass over the same iterator class and "
        "dataset with no forward/backward step.\n"
        "- Both nets start from the same weights and optimizer state; their last-epoch "
        "training losses are shown as a check that both paths train the same model. An "
        "epoch measured while other processes used more than 10% of the CPU is measured "
        "again once the machine is quiet (`attempts` in the JSON).\n"
    )
    markdown = "".join(md)
    payload = {
        "meta": meta,
        "results": summary,
        "ratio_epoch_skorch_default_over_package": ratio,
        "ratio_batches_skorch_default_over_package": batch_ratio,
        "target": {
            "loading_share_below": TARGET_SHARE,
            "package_loading_share": share,
            "reached": share < TARGET_SHARE,
        },
    }
    md_path, json_path = write_results(
        result_stem("iterator", args.quick), markdown, payload, args.results_dir
    )
    print(markdown)
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
