"""Training loops against the matmul rate of their own layer shapes: the FLOP-counted
utilisation of a training epoch on one thread.

Run from the repository root::

    .venv/bin/python benchmarks/bench_training.py            # full run
    .venv/bin/python benchmarks/bench_training.py --quick    # smoke run

A synthetic mixed table (``_datasets.latent_mixed_table``: 20 numeric and 3
categorical columns, 5,000 rows, the sampling benchmark's table) is fitted by
``AutoencoderTransformer()``, ``VAETransformer()`` and ``GANSampler()`` with their
defaults except ``max_epochs``, ``random_state=0`` and ``n_jobs=1`` (one torch thread,
also ``torch.set_num_threads(1)``). For each model:

1. a warm-up fit of one epoch (not timed);
2. the timed fit of ``epochs`` epochs: an epoch's seconds are skorch's own per-epoch
   ``dur`` (its ``EpochTimer``, from ``on_epoch_begin`` to ``on_epoch_end``: the
   batches, the optimizer steps and the callbacks) in ``net_.history``; the median
   over epochs 2 to ``epochs`` (the first is left out). GANSampler's pretraining
   autoencoder trains in a net of its own whose epochs are not in ``net_.history``,
   so they are not timed;
3. the counted epoch: one more epoch (``warm_start=True, max_epochs=1``) with a
   callback that, from ``on_epoch_begin`` to ``on_epoch_end``, runs
   ``torch.utils.flop_counter.FlopCounterMode``, a count of the aten operators
   called and a forward hook on every ``nn.Linear``. Only that training epoch is
   counted: no pretraining, no validation (early stopping is off by default),
   nothing of the fit's preparation or after-fit work (the autoencoder's PCA
   initialisation, the VAE's posterior pass and prior fit, the GAN's collapse
   check). FlopCounterMode counts the matrix products only (``mm``, ``addmm``,
   ``bmm``, ...): elementwise operators, reductions, the losses and the optimizer's
   update count zero, so the achieved rate is ``matmul FLOPs / epoch seconds``;
4. the profiled epoch: one more epoch under ``torch.profiler`` (CPU), whose
   operators' self CPU time splits the epoch into matrix products, random draws
   (dropout masks, noise), the optimizer's update, the other aten operators and the
   time in no aten operator (Python, skorch, the autograd engine, the profiler's own
   overhead). The profiler slows every operator: its shares, not its seconds, count.

The reference, "the matmul rate of its own layer shapes": every ``nn.Linear`` call of
the counted epoch gives its rows, in and out features and its matrix products, the
forward ``addmm(b, x, W.t())`` and, where the backward pass computes them,
``grad_input = g @ W`` (the input requires a gradient) and ``grad_weight = x.t() @ g``
(the weight does), with the layouts autograd uses. Each distinct product is timed
alone on one thread in float32 (best of ``rounds`` rounds), and the reference rate
is the products' FLOPs over the seconds they take at those speeds, each shape weighted
by its FLOPs (``sum(flops) / sum(calls * seconds per call)``). Utilisation =
achieved / reference: about the share of the epoch those products would take if they
ran as fast as they do alone; the rest is the per-operator cost of everything else.
Target (issue 17): at least 0.60 for every model. Also reported: the products
outside ``nn.Linear`` layers (the layout's membership products in the losses and the
output activations) as a share of the counted FLOPs, operators called per batch, and
the rate of one large product (1024 x 1024 x 1024; 512 with ``--quick``) for scale. Results go to
``benchmarks/results/training.{md,json}`` (``training_quick.*`` with ``--quick``).
"""

from __future__ import annotations

import math
import statistics
import time
import warnings
from collections import Counter

import numpy as np
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
    result_stem,
    timed_when_quiet,
    versions,
    wait_for_quiet,
    write_results,
)
from _datasets import latent_mixed_table
from skorch.callbacks import Callback
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer

TARGET_UTILISATION = 0.60
TORCH_THREADS = 1
CALLBACK_NAME = "bench_flop_count"
MATMUL_OPS = ("mm", "addmm", "bmm", "baddbmm", "matmul")
BIG_MATMUL = 1024
# the profiled epoch's aten operators, by what they do (the rest: "other aten ops")
TIME_GROUPS = {
    "matmuls": MATMUL_OPS,
    "random draws": (
        "bernoulli_",
        "normal_",
        "uniform_",
        "exponential_",
        "random_",
        "randn",
        "rand",
        "randperm",
        "multinomial",
    ),
    "optimizer": ("_fused_adamw_", "_fused_adam_", "_foreach_add_", "_foreach_mul_"),
    "other aten ops": (),
}


def _models(epochs: int, pretrain_epochs: int | None) -> dict:
    gan_extra = {} if pretrain_epochs is None else {"pretrain_epochs": pretrain_epochs}
    common = dict(max_epochs=epochs, random_state=0, n_jobs=1)
    return {
        "AutoencoderTransformer": lambda: AutoencoderTransformer(**common),
        "VAETransformer": lambda: VAETransformer(**common),
        "GANSampler": lambda: GANSampler(**common, **gan_extra),
    }


# --- the counted epoch ---------------------------------------------------------------------
class _OpCounter(TorchDispatchMode):
    """Counts the aten operators called (forward, backward and optimizer alike)."""

    def __init__(self):
        super().__init__()
        self.calls = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.calls[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))


class _OneEpoch(Callback):
    """Watches the first epoch it sees, from ``on_epoch_begin`` to ``on_epoch_end``
    (the span of skorch's ``dur``): :meth:`start` and :meth:`stop` open and close
    the watching, :meth:`close` also after a failed epoch. A warm start trains a deep
    copy of the fitted net: the copy keeps this very object, so that what it saw is
    here and nothing stays open in a copy."""

    def __init__(self):
        self.done = False
        self._open = False

    def __deepcopy__(self, memo):
        return self

    def on_epoch_begin(self, net, **kwargs):
        if not (self.done or self._open):
            self._open = True
            self.start()

    def on_epoch_end(self, net, **kwargs):
        if self._open:
            self.close()
            self.done = True

    def close(self):
        if self._open:
            self._open = False
            self.stop()

    def start(self):
        raise NotImplementedError

    def stop(self):
        raise NotImplementedError


class EpochCount(_OneEpoch):
    """FLOPs (``FlopCounterMode``), aten operators and ``nn.Linear`` calls of an epoch."""

    def __init__(self):
        super().__init__()
        self.linear = Counter()  # (rows, in, out, product) -> calls
        self.flops = self.by_op = self.ops = None

    def _on_linear(self, module, inputs, output):
        if not isinstance(module, torch.nn.Linear) or not module.weight.numel():
            return
        x = inputs[0]
        rows = math.prod(x.shape[:-1])
        key = (rows, module.in_features, module.out_features)
        self.linear[(*key, "forward")] += 1
        if torch.is_grad_enabled() and output.requires_grad:
            if x.requires_grad:
                self.linear[(*key, "grad_input")] += 1
            if module.weight.requires_grad:
                self.linear[(*key, "grad_weight")] += 1

    def start(self):
        self._modes = [FlopCounterMode(display=False), _OpCounter()]
        for mode in self._modes:
            mode.__enter__()
        self._hook = torch.nn.modules.module.register_module_forward_hook(self._on_linear)

    def stop(self):
        self._hook.remove()
        for mode in reversed(self._modes):
            mode.__exit__(None, None, None)
        flop_mode, op_mode = self._modes
        self.flops = int(flop_mode.get_total_flops())
        counts = flop_mode.get_flop_counts().get("Global", {})
        self.by_op = {str(op).removeprefix("aten."): int(v) for op, v in counts.items()}
        self.ops = dict(op_mode.calls)


class EpochProfile(_OneEpoch):
    """Self CPU time of each aten operator in an epoch (``torch.profiler``)."""

    def __init__(self):
        super().__init__()
        self.self_us = None

    def start(self):
        self._profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
        self._profiler.__enter__()

    def stop(self):
        self._profiler.__exit__(None, None, None)
        self.self_us = {
            e.key.removeprefix("aten::"): float(e.self_cpu_time_total)
            for e in self._profiler.key_averages()
            if e.key.startswith("aten::")
        }


def watch_epoch(model, X, watcher: _OneEpoch) -> float:
    """One more training epoch of the fitted ``model`` (a warm start) under
    ``watcher``; returns that epoch's ``dur``."""
    model.net_.callbacks_.append((CALLBACK_NAME, watcher))
    epochs = model.max_epochs
    model.set_params(warm_start=True, max_epochs=1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X)
    finally:
        model.set_params(warm_start=False, max_epochs=epochs)
        watcher.close()
        model.net_.callbacks_ = [(n, c) for n, c in model.net_.callbacks_ if n != CALLBACK_NAME]
    if not watcher.done:
        raise RuntimeError(f"{type(model).__name__}: the warm-start epoch was not watched")
    return float(model.net_.history[-1, "dur"])


def time_shares(self_us: dict, epoch_s: float) -> dict:
    """Shares of a profiled epoch's time: aten operators by group, and the rest."""
    shares = dict.fromkeys(TIME_GROUPS, 0.0)
    for op, us in self_us.items():
        group = next((g for g, ops in TIME_GROUPS.items() if op in ops), "other aten ops")
        shares[group] += us / 1e6 / epoch_s
    shares["outside aten ops"] = 1.0 - sum(shares.values())
    return shares


# --- the reference rate ----------------------------------------------------------------------
def _product(rows: int, n_in: int, n_out: int, kind: str):
    """The product of ``kind`` of a Linear(n_in, n_out) on ``rows`` rows, in the
    layout autograd uses, as a function of no arguments."""
    x = torch.randn(rows, n_in)
    w = torch.randn(n_out, n_in)
    b = torch.randn(n_out)
    g = torch.randn(rows, n_out)
    if kind == "forward":
        wt = w.t()
        return lambda: torch.addmm(b, x, wt)
    if kind == "grad_input":
        return lambda: torch.mm(g, w)
    xt = x.t()
    return lambda: torch.mm(xt, g)


def seconds_per_call(fn, rounds: int, min_round_s: float) -> float:
    """Best over ``rounds`` rounds of the seconds per call of ``fn`` (each round at
    least ``min_round_s`` long)."""
    for _ in range(3):
        fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    inner = max(1, int(min_round_s / once))
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - start) / inner)
    return best


def reference_rate(linear: Counter, rounds: int, min_round_s: float) -> dict:
    """The FLOP-weighted matmul rate of the counted Linear products (see the docstring)."""
    shapes = []
    total_flops = total_s = 0.0
    for (rows, n_in, n_out, kind), calls in sorted(linear.items()):
        flops = 2 * rows * n_in * n_out
        per_call = seconds_per_call(_product(rows, n_in, n_out, kind), rounds, min_round_s)
        total_flops += calls * flops
        total_s += calls * per_call
        shapes.append(
            {
                "rows": rows,
                "in_features": n_in,
                "out_features": n_out,
                "product": kind,
                "calls": calls,
                "gflop_per_call": flops / 1e9,
                "us_per_call": per_call * 1e6,
                "gflop_per_s": flops / per_call / 1e9,
            }
        )
    return {
        "linear_flops": total_flops,
        "matmul_seconds": total_s,
        "rate_gflop_per_s": total_flops / total_s / 1e9 if total_s else float("nan"),
        "shapes": shapes,
    }


def big_matmul_rate(size: int, rounds: int) -> float:
    """GFLOP/s of one ``size`` x ``size`` x ``size`` float32 product on this thread."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    return 2 * size**3 / seconds_per_call(lambda: a @ b, rounds, 0.0) / 1e9


# --- one model -------------------------------------------------------------------------------
def measure_model(name, make, X, *, rounds: int, min_round_s: float) -> dict:
    """Warm-up, timed fit, counted and profiled epochs and reference of one model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = make().set_params(max_epochs=1)
        if isinstance(warm, GANSampler):
            warm.set_params(pretrain_epochs=1)
        warm.fit(X)  # warm-up, not timed

    def timed_fit():
        model = make()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X)
        wall = time.perf_counter() - start
        return {"model": model, "fit_wall_s": wall}

    fitted = timed_when_quiet(timed_fit)
    model = fitted.pop("model")
    history = model.net_.history
    durs = [float(d) for d in history[:, "dur"]]
    if len(durs) != model.max_epochs:
        raise RuntimeError(
            f"{name}: net_.history has {len(durs)} epochs, not max_epochs={model.max_epochs}"
        )
    timed = durs[1:] or durs
    epoch_s = statistics.median(timed)
    batches = int(history[-1, "train_batch_count"])
    batch_size = int(model.net_.batch_size)

    counter = EpochCount()
    watch_epoch(model, X, counter)
    profile = EpochProfile()
    profiled_s = watch_epoch(model, X, profile)
    probe = OtherCPU()
    ref = reference_rate(counter.linear, rounds, min_round_s)
    ref_share = probe.share()

    matmul_flops = sum(v for op, v in counter.by_op.items() if op in MATMUL_OPS)
    total = counter.flops or float("nan")
    achieved = counter.flops / epoch_s / 1e9
    utilisation = achieved / ref["rate_gflop_per_s"]
    best_utilisation = counter.flops / min(timed) / 1e9 / ref["rate_gflop_per_s"]
    top = sorted(profile.self_us.items(), key=lambda kv: -kv[1])
    n_ops = sum(counter.ops.values())
    n_matmul_calls = sum(v for op, v in counter.ops.items() if op in MATMUL_OPS)
    forward_calls = sum(v for k, v in counter.linear.items() if k[3] == "forward")
    row = {
        "model": name,
        "rows": len(X),
        "batch_size": batch_size,
        "batches_per_epoch": batches,
        "epochs": len(durs),
        "epoch_s": epoch_s,
        "epoch_s_min": min(timed),
        "epoch_s_max": max(timed),
        "epoch_s_all": durs,
        "epochs_timed": f"2-{len(durs)}" if len(durs) > 1 else "1",
        "fit_wall_s": fitted["fit_wall_s"],
        "gflop_per_epoch": counter.flops / 1e9,
        "achieved_gflop_per_s": achieved,
        "reference_gflop_per_s": ref["rate_gflop_per_s"],
        "utilisation": utilisation,
        "utilisation_best_epoch": best_utilisation,
        "target": TARGET_UTILISATION,
        "target_met": utilisation >= TARGET_UTILISATION,
        "flops_by_op": counter.by_op,
        "matmul_flop_share": matmul_flops / total,
        "linear_flop_share": ref["linear_flops"] / total,
        "matmul_seconds_at_reference": ref["matmul_seconds"],
        "aten_ops_per_epoch": n_ops,
        "aten_ops_per_batch": n_ops / batches,
        "matmul_ops_per_batch": n_matmul_calls / batches,
        "linear_forward_calls_per_batch": forward_calls / batches,
        "us_per_aten_op": epoch_s / n_ops * 1e6 if n_ops else float("nan"),
        "aten_ops": dict(sorted(counter.ops.items(), key=lambda kv: -kv[1])),
        "linear_products": ref["shapes"],
        "profiled_epoch_s": profiled_s,
        "profiled_time_shares": time_shares(profile.self_us, profiled_s),
        "profiled_self_us_by_op": dict(top),
        "timing_other_cpu_share": fitted["other_cpu_share"],
        "timing_attempts": fitted["attempts"],
        "reference_other_cpu_share": ref_share,
    }
    print(
        f"{name}: epoch {epoch_s:.3f} s, {row['gflop_per_epoch']:.3f} GFLOP, "
        f"{achieved:.2f} GFLOP/s achieved, {ref['rate_gflop_per_s']:.2f} GFLOP/s at its "
        f"shapes: utilisation {utilisation:.2f} (target {TARGET_UTILISATION})",
        flush=True,
    )
    return row


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 1,000 rows, 3 epochs, short matmul timings")
    parser.add_argument("--rows", type=int, default=None, help="table rows (5000)")
    parser.add_argument("--epochs", type=int, default=None, help="max_epochs (20)")
    parser.add_argument("--rounds", type=int, default=None, help="matmul timing rounds (5)")
    args = parse_args(parser, argv)

    load_at_start = load_average()
    torch.set_num_threads(TORCH_THREADS)
    n_rows = args.rows or (1_000 if args.quick else 5_000)
    epochs = args.epochs or (3 if args.quick else 20)
    rounds = args.rounds or (2 if args.quick else 5)
    min_round_s = 0.002 if args.quick else 0.02
    pretrain_epochs = 1 if args.quick else None
    big = BIG_MATMUL // 2 if args.quick else BIG_MATMUL
    X = latent_mixed_table(n_rows, seed=0)
    if not args.quick:
        wait_for_quiet()

    rows = []
    for name, make in _models(epochs, pretrain_epochs).items():
        rows.append(measure_model(name, make, X, rounds=rounds, min_round_s=min_round_s))
    probe = OtherCPU()
    big_rate = big_matmul_rate(big, rounds)
    big_share = probe.share()

    shares = [
        s
        for r in rows
        for s in (r["timing_other_cpu_share"], r["reference_other_cpu_share"])
        if s is not None
    ] + ([big_share] if big_share is not None else [])
    mach = machine(torch.get_num_threads(), load_at_start)
    mach["other_cpu_max"] = max(shares) if shares else None
    mach["other_cpu"] = (
        f"max {max(shares):.3f}, median {np.median(shares):.3f} over the timed fits and "
        "matmul timings (per model in the JSON)"
        if shares
        else "not measured"
    )
    gan_pretrain = "the default 50" if pretrain_epochs is None else str(pretrain_epochs)
    meta = {
        "date": now(),
        "command": command("bench_training", argv),
        "machine": mach,
        "versions": versions(),
        "settings": {
            "Mode": "QUICK smoke run (not the reference figures)" if args.quick else "full",
            "Table": f"latent_mixed_table({n_rows:,}, seed=0): 20 numeric and 3 categorical "
            "columns",
            "Models": "AutoencoderTransformer(), VAETransformer(), GANSampler() with their "
            f"defaults except max_epochs={epochs}, random_state=0, n_jobs=1 (GANSampler "
            f"pretrain_epochs: {gan_pretrain}; its pretraining is not timed)",
            "Torch threads": f"torch.set_num_threads({TORCH_THREADS}) and n_jobs=1",
            "Epoch seconds": f"skorch's per-epoch `dur`, median of epochs 2-{epochs} of one "
            "fit, after a 1-epoch warm-up fit",
            "FLOPs": "torch.utils.flop_counter.FlopCounterMode over one more training epoch "
            "(warm_start=True, max_epochs=1), on_epoch_begin to on_epoch_end; it counts "
            "matrix products only",
            "Reference": "every nn.Linear product of the counted epoch (forward addmm, "
            "grad_input and grad_weight mm) timed alone, float32, 1 thread, best of "
            f"{rounds} rounds of at least {min_round_s * 1000:g} ms; FLOP-weighted",
            "Target": f"utilisation (achieved / reference) >= {TARGET_UTILISATION} (issue 17)",
        },
    }
    md = [header("Training loops: FLOP-counted utilisation of an epoch", meta), ""]
    md.append(
        markdown_table(
            [
                "model",
                "rows",
                "batch size",
                "batches / epoch",
                "epoch s (median)",
                "epoch s (min – max)",
                "GFLOP / epoch",
                "achieved GFLOP/s",
                "matmul rate of its shapes, GFLOP/s",
                "utilisation",
                "utilisation, fastest epoch",
                f"target {TARGET_UTILISATION:.2f} met",
            ],
            [
                [
                    r["model"],
                    f"{r['rows']:,}",
                    r["batch_size"],
                    r["batches_per_epoch"],
                    f"{r['epoch_s']:.4f}",
                    f"{r['epoch_s_min']:.4f} – {r['epoch_s_max']:.4f}",
                    f"{r['gflop_per_epoch']:.3f}",
                    f"{r['achieved_gflop_per_s']:.2f}",
                    f"{r['reference_gflop_per_s']:.2f}",
                    f"{r['utilisation']:.2f}",
                    f"{r['utilisation_best_epoch']:.2f}",
                    "yes" if r["target_met"] else "no",
                ]
                for r in rows
            ],
        )
    )
    md.append("\nWhere the FLOPs and the operators go (the counted epoch):\n")
    md.append(
        markdown_table(
            [
                "model",
                "nn.Linear share of the FLOPs",
                "other matmuls' share",
                "FLOPs by operator",
                "aten ops / batch",
                "matmuls / batch",
                "Linear calls / batch",
                "µs per aten op",
            ],
            [
                [
                    r["model"],
                    f"{r['linear_flop_share']:.1%}",
                    f"{r['matmul_flop_share'] - r['linear_flop_share']:.1%}",
                    ", ".join(
                        f"{op} {v / r['gflop_per_epoch'] / 1e9:.0%}"
                        for op, v in sorted(r["flops_by_op"].items(), key=lambda kv: -kv[1])
                    ),
                    f"{r['aten_ops_per_batch']:.0f}",
                    f"{r['matmul_ops_per_batch']:.0f}",
                    f"{r['linear_forward_calls_per_batch']:.0f}",
                    f"{r['us_per_aten_op']:.1f}",
                ]
                for r in rows
            ],
            align="lrrlrrrr",
        )
    )
    groups = [*TIME_GROUPS, "outside aten ops"]
    md.append(
        "\nWhere the time goes (one more epoch under torch.profiler, which slows every "
        "operator: shares of that epoch's time, by the operators' self CPU time):\n"
    )
    md.append(
        markdown_table(
            ["model", "profiled epoch s", *groups, "top aten ops by self time"],
            [
                [
                    r["model"],
                    f"{r['profiled_epoch_s']:.4f}",
                    *(f"{r['profiled_time_shares'][g]:.0%}" for g in groups),
                    ", ".join(
                        f"{op} {us / 1e6 / r['profiled_epoch_s']:.0%}"
                        for op, us in list(r["profiled_self_us_by_op"].items())[:5]
                    ),
                ]
                for r in rows
            ],
            align="l" + "r" * (len(groups) + 1) + "l",
        )
    )
    met = all(r["target_met"] for r in rows)
    md.append(
        f"\n- Target, utilisation at least {TARGET_UTILISATION:.2f} for every model: "
        f"**{'reached' if met else 'missed'}** ("
        + "; ".join(f"{r['model']} {r['utilisation']:.2f}" for r in rows)
        + ").\n"
        f"- For scale: one {big} x {big} x {big} float32 product runs at "
        f"{big_rate:.1f} GFLOP/s on this thread.\n"
        "- FlopCounterMode counts matrix products only: 'achieved' is matmul FLOPs per "
        "epoch second, and every other operator (activations, losses, the optimizer's "
        "update, batch slicing) shows as time, not FLOPs. 'µs per aten op' is the epoch "
        "time over every aten operator called in it (forward, backward and optimizer).\n"
        "- The reference covers the nn.Linear products; the other matmuls (the layout's "
        "membership products) count in the achieved FLOPs but not in the reference.\n"
        "- 'utilisation, fastest epoch' uses the fastest timed epoch instead of the median "
        "(the reference is a best-of timing too): the spread between the two is the "
        "machine's noise. 'outside aten ops' is the profiled epoch's time in no aten "
        "operator: Python, skorch and the package's per-batch code, the autograd engine "
        "and the profiler's own overhead.\n"
    )
    payload = {
        "meta": meta,
        "rows": rows,
        "big_matmul": {"size": big, "gflop_per_s": big_rate, "other_cpu_share": big_share},
        "target": {
            "utilisation_at_least": TARGET_UTILISATION,
            "reached": met,
        },
    }
    markdown = "\n".join(md)
    md_path, json_path = write_results(
        result_stem("training", args.quick), markdown, payload, args.results_dir
    )
    print(markdown)
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
