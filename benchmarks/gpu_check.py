"""GPU check: the estimators on CUDA (float32 and bf16), CPU vs GPU speed, 2-GPU DDP.

Run from the repository root on a machine with a CUDA device (a few minutes on one
GPU)::

    .venv/bin/python benchmarks/gpu_check.py            # full run
    .venv/bin/python benchmarks/gpu_check.py --quick    # smoke run (seconds)
    .venv/bin/python benchmarks/gpu_check.py --results-dir /tmp/gpu

Without a CUDA device it prints "no CUDA device: nothing to check", writes nothing
and exits 0. It is not a ``bench_*.py`` script, so ``benchmarks/run_quick.py`` (the
CPU-only CI smoke run) does not pick it up. With a device:

1. **Correctness**: ``AutoencoderTransformer``, ``VAETransformer`` and ``GANSampler``
   each fit the shipped penguins table on ``device="cuda"`` with
   ``precision="float32"`` and ``"bf16"``; their parameters must be on the GPU, their
   loss curves finite, ``transform`` (the transformers) and ``sample`` must give the
   right shapes and finite values, and each model, saved with ``save`` and pickled,
   must load and sample in a process that sees no CUDA device
   (``CUDA_VISIBLE_DEVICES=""``).
2. **Host synchronisations**: with ``torch.cuda.set_sync_debug_mode("warn")``, the
   synchronising CUDA calls of a 2-epoch and a 4-epoch fit (penguins replicated to
   20,000 rows) are counted; their difference per epoch, next to the batches per
   epoch, says whether training still synchronises at every batch (it should not:
   the batch losses are kept on the device and read once per pass).
3. **Speed**: training rows per second (rows trained in an epoch over skorch's
   per-epoch ``dur``, the median over the epochs after the first) of each
   estimator with its default networks on penguins replicated to about 10^6 rows,
   on the CPU (float32, ``--threads`` torch threads) and on the GPU (float32 and
   bf16, the default ``batch_size`` and ``--large-batch``).
4. **DDP**: with 2 or more GPUs, a 2-process data-parallel fit (``nccl``, started
   with ``torch.multiprocessing``, one GPU per process) of the autoencoder
   (float32) and the GAN (bf16); both ranks must end with the same weights and loss
   curves. Skipped, and said so, with one GPU.

Results go to ``benchmarks/results/gpu_check.{md,json}`` (``gpu_check_quick.*``
with ``--quick``). Exits 1 when a correctness or DDP check failed.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
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
    versions,
    write_results,
)
from _datasets import penguins

ROOT = Path(__file__).resolve().parents[1]
NO_DEVICE = "no CUDA device: nothing to check"
PRECISIONS = ("float32", "bf16")
ESTIMATORS = ("AutoencoderTransformer", "VAETransformer", "GANSampler")
DDP_DEADLINE_S = 600

# small networks for the correctness checks (the speed check uses the defaults)
SMALL = {
    "AutoencoderTransformer": dict(n_components=2, hidden_layer_sizes=(32,)),
    "VAETransformer": dict(n_components=2, hidden_layer_sizes=(32,)),
    "GANSampler": dict(
        noise_dim=8,
        code_dim=8,
        generator_layer_sizes=(32,),
        discriminator_layer_sizes=(32, 32),
        pac=2,
        pretrain_epochs=2,
        loss="wgan-gp",  # the gradient penalty's float32 autograd.grad under bf16
        condition_columns="auto",
    ),
}


def estimator(name: str, **params):
    import sklearn_ganae

    return getattr(sklearn_ganae, name)(**params)


def replicated(n_rows: int) -> pd.DataFrame:
    """The penguins table repeated to at least ``n_rows`` rows (then cut)."""
    table = penguins()
    copies = -(-n_rows // len(table))
    return pd.concat([table] * copies, ignore_index=True).iloc[:n_rows]


def finite(frame: pd.DataFrame) -> bool:
    numbers = frame.select_dtypes("number").astype("float64")
    return bool(np.isfinite(numbers.to_numpy(na_value=0.0)).all())


# --- 1. correctness ----------------------------------------------------------------------
# what a process without CUDA runs on a model saved with ``save`` (argv[2] "save") or
# pickled ("pickle"): sample (or transform the penguins, for the autoencoder)
_ON_CPU = """
import pickle, sys, warnings
import numpy as np
import torch
from sklearn_ganae import load
from sklearn_ganae.datasets import load_penguins
assert not torch.cuda.is_available()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "saved on cuda, loaded on the CPU"
    if sys.argv[2] == "save":
        model = load(sys.argv[1])
    else:
        with open(sys.argv[1], "rb") as fh:
            model = pickle.load(fh)
assert not next(model.net_.get_module().parameters()).is_cuda
if hasattr(model, "sample"):
    out = model.sample(50, random_state=0)
    assert out.shape == (50, 7) and list(out.columns) == list(load_penguins().columns)
    out = out.select_dtypes("number").astype("float64").to_numpy(na_value=0.0)
else:
    out = model.transform(load_penguins())
    assert out.shape == (344, 2), out.shape
assert np.isfinite(out).all()
"""


def runs_without_cuda(path: Path, kind: str) -> str | None:
    """Why the model at ``path`` does not load and run in a process that sees no CUDA
    device, or None."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, "-c", _ON_CPU, str(path), kind],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode == 0:
        return None
    lines = run.stderr.strip().splitlines()
    return " | ".join(lines[-3:])[-400:]


def check_one(
    name: str, precision: str, X: pd.DataFrame, epochs: int, folder: Path, streamed=False
) -> dict:
    """Fit ``name`` on CUDA in ``precision`` (on ``X`` written to Parquet and streamed,
    with ``streamed``: batches through pinned memory); what was checked and failed."""
    problems = []
    start = time.perf_counter()
    model = estimator(
        name, **SMALL[name], max_epochs=epochs, device="cuda", precision=precision, random_state=0
    )
    if streamed:
        path = folder / "table.parquet"
        if not path.exists():
            X.to_parquet(path, row_group_size=max(1, len(X) // 4))
        model.fit(path)
    else:
        model.fit(X)
    seconds = time.perf_counter() - start
    parameters = list(model.net_.get_module().parameters())
    if not all(p.is_cuda for p in parameters):
        problems.append("parameters not on the GPU")
    if {p.dtype for p in parameters} != {torch.float32}:
        problems.append("weights are not float32")
    if not np.isfinite(model.loss_curve_).all():
        problems.append(f"non-finite loss curve {model.loss_curve_}")
    if name != "GANSampler":
        codes = model.transform(X)
        if codes.shape != (len(X), 2):
            problems.append(f"transform gave shape {codes.shape}")
        if not np.isfinite(codes).all():
            problems.append("transform gave non-finite values")
    if hasattr(model, "sample"):
        rows = model.sample(200, random_state=0)
        if rows.shape != (200, X.shape[1]) or list(rows.columns) != list(X.columns):
            problems.append(f"sample gave shape {rows.shape}")
        if not finite(rows):
            problems.append("sample gave non-finite values")
    # saved and pickled on the GPU, loaded where no CUDA device is seen
    saved = model.save(folder / f"{name}-{precision}.ganae")
    pickled = folder / f"{name}-{precision}.pkl"
    pickled.write_bytes(pickle.dumps(model))
    on_cpu = {}
    for kind, path in (("save", saved), ("pickle", pickled)):
        why = runs_without_cuda(path, kind)
        on_cpu[kind] = "ok" if why is None else "FAILED"
        if why is not None:
            problems.append(f"{kind}d on the GPU, it fails without CUDA: {why}")
    on_cpu = ", ".join(f"{kind}: {result}" for kind, result in on_cpu.items())
    return {
        "estimator": name + (" (streamed)" if streamed else ""),
        "precision": precision,
        "epochs": model.n_iter_,
        "fit_s": round(seconds, 2),
        "last_train_loss": float(model.loss_curve_[-1]),
        "on_cpu": on_cpu,
        "problems": problems,
    }


def correctness(X: pd.DataFrame, epochs: int, log) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        for name in ESTIMATORS:
            for precision, streamed in [(p, False) for p in PRECISIONS] + [("float32", True)]:
                try:
                    row = check_one(name, precision, X, epochs, Path(tmp), streamed)
                except Exception:  # reported, and the other checks still run
                    row = {
                        "estimator": name + (" (streamed)" if streamed else ""),
                        "precision": precision,
                        "problems": [traceback.format_exc(limit=8)],
                    }
                out.append(row)
                status = "ok" if not row["problems"] else row["problems"]
                log(f"  {row['estimator']} {precision}: {status}")
    return out


# --- 2. host synchronisations ------------------------------------------------------------
def count_syncs(name: str, X: pd.DataFrame, epochs: int) -> tuple[int, int, collections.Counter]:
    """Synchronising CUDA calls of one fit, its batches per epoch and where they came
    from (the Python line that made the call)."""
    model = estimator(name, **SMALL[name], max_epochs=epochs, device="cuda", random_state=0)
    where: collections.Counter = collections.Counter()
    previous = torch.cuda.get_sync_debug_mode()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            model.fit(X)
        finally:
            torch.cuda.set_sync_debug_mode(previous)
    syncs = [w for w in caught if "synchroniz" in str(w.message).lower()]
    for w in syncs:
        where[f"{Path(w.filename).name}:{w.lineno}"] += 1
    batches = len(model.history_[-1, "batches"])
    return len(syncs), batches, where


def synchronisations(X: pd.DataFrame, log) -> list[dict]:
    out = []
    for name in ESTIMATORS:
        try:
            short, batches, _ = count_syncs(name, X, 2)
            long, _, where = count_syncs(name, X, 4)
            per_epoch = (long - short) / 2
            row = {
                "estimator": name,
                "syncs_2_epochs": short,
                "syncs_4_epochs": long,
                "syncs_per_epoch": per_epoch,
                "batches_per_epoch": batches,
                "per_batch": per_epoch >= batches / 2,
                "top_sources": dict(where.most_common(5)),
            }
        except Exception:
            row = {"estimator": name, "error": traceback.format_exc(limit=8)}
        out.append(row)
        log(f"  {name}: {row.get('syncs_per_epoch', 'error')} syncs per epoch")
    return out


# --- 3. speed ----------------------------------------------------------------------------
def rows_per_second(name: str, X, device: str, precision: str, epochs: int, batch_size) -> dict:
    params = dict(
        max_epochs=epochs,
        batch_size=batch_size,
        device=device,
        precision=precision,
        random_state=0,
    )
    if name == "GANSampler":
        params["pretrain_generator"] = False  # the GAN's own epochs only
    model = estimator(name, **params)
    start = time.perf_counter()
    model.fit(X)
    wall = time.perf_counter() - start
    history = model.history_
    rates = [sum(b["train_batch_size"] for b in row["batches"]) / row["dur"] for row in history]
    steady = rates[1:] or rates  # the first epoch warms up (CUDA kernels, allocator)
    return {
        "estimator": name,
        "device": device,
        "precision": precision,
        "batch_size": int(history[-1, "batches"][0]["train_batch_size"]),
        "epochs": len(history),
        "rows_per_s": float(np.median(steady)),
        "epoch_s": [round(float(d), 3) for d in history[:, "dur"]],
        "fit_wall_s": round(wall, 2),
    }


def speed(X, epochs_cpu: int, epochs_gpu: int, large_batch: int, log) -> list[dict]:
    configs = [("cpu", "float32", "auto", epochs_cpu)] + [
        ("cuda", precision, batch, epochs_gpu)
        for batch in ("auto", large_batch)
        for precision in PRECISIONS
    ]
    out = []
    for name in ESTIMATORS:
        for device, precision, batch, epochs in configs:
            try:
                row = rows_per_second(name, X, device, precision, epochs, batch)
            except Exception:
                row = {
                    "estimator": name,
                    "device": device,
                    "precision": precision,
                    "batch_size": batch,
                    "error": traceback.format_exc(limit=8),
                }
            out.append(row)
            log(
                f"  {name} {device} {precision} batch {row['batch_size']}: "
                f"{row.get('rows_per_s', float('nan')):,.0f} rows/s"
            )
    return out


# --- 4. DDP ------------------------------------------------------------------------------
def _digest(module: torch.nn.Module) -> str:
    h = hashlib.sha256()
    for key, value in module.state_dict().items():
        h.update(key.encode())
        h.update(value.detach().float().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def _ddp_worker(
    rank: int, world_size: int, port: int, n_rows: int, epochs: int, out: str, backend
):
    """One process of the 2-process fit: GPU ``rank`` with nccl (gloo: the CPU, one
    thread, a check of this script itself on a machine without GPUs)."""
    import datetime

    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    if backend == "nccl":
        torch.cuda.set_device(rank)
        device = "cuda"
    else:
        torch.set_num_threads(1)
        device = "cpu"
    dist.init_process_group(
        backend, rank=rank, world_size=world_size, timeout=datetime.timedelta(seconds=300)
    )
    result = {}
    try:
        X = replicated(n_rows)
        for name, precision in (("AutoencoderTransformer", "float32"), ("GANSampler", "bf16")):
            start = time.perf_counter()
            model = estimator(
                name,
                **SMALL[name],
                max_epochs=epochs,
                device=device,
                precision=precision,
                random_state=0,
            ).fit(X)
            result[name] = {
                "precision": precision,
                "seconds": round(time.perf_counter() - start, 2),
                "weights": _digest(model.net_.get_module()),
                "loss_curve": [float(v) for v in model.loss_curve_],
                "steps": sum(len(h["batches"]) for h in model.history_),
            }
    except Exception:
        result["error"] = traceback.format_exc(limit=8)
    finally:
        dist.destroy_process_group()
    Path(out, f"rank{rank}.json").write_text(json.dumps(result))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ddp(n_rows: int, epochs: int, log, backend: str = "nccl") -> dict:
    """The 2-process fit (``backend="gloo"``: on the CPU, to check this script)."""
    n_gpus = torch.cuda.device_count()
    if backend == "nccl" and n_gpus < 2:
        log(f"  skipped: {n_gpus} GPU (a 2-process fit needs 2)")
        return {"skipped": f"{n_gpus} GPU; the 2-process DDP fit needs 2"}
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="gpu-check-ddp-") as tmp:
        args = (2, _free_port(), n_rows, epochs, tmp, backend)
        context = mp.start_processes(
            _ddp_worker, args=args, nprocs=2, join=False, start_method="spawn"
        )
        deadline = time.monotonic() + DDP_DEADLINE_S
        error = None
        try:
            while not context.join(timeout=5):
                if time.monotonic() > deadline:
                    error = f"ran past {DDP_DEADLINE_S} s"
                    break
        except Exception as exc:  # a worker died
            error = f"{type(exc).__name__}: {exc}"
        finally:
            for process in context.processes:
                if process.is_alive():
                    process.kill()
                process.join()
        ranks = []
        for rank in range(2):
            path = Path(tmp, f"rank{rank}.json")
            ranks.append(json.loads(path.read_text()) if path.exists() else {"error": "no result"})
    problems = [error] if error else []
    problems += [f"rank {r}: {res['error']}" for r, res in enumerate(ranks) if "error" in res]
    if not problems:
        for name in ranks[0]:
            a, b = ranks[0][name], ranks[1][name]
            if a["weights"] != b["weights"] or a["loss_curve"] != b["loss_curve"]:
                problems.append(f"{name}: the ranks ended with different weights or losses")
    log(f"  {'ok' if not problems else problems}")
    return {"ranks": ranks, "problems": problems}


# --- report ------------------------------------------------------------------------------
def to_markdown(meta: dict, checks, syncs, speeds, parallel) -> str:
    md = [header("GPU check: CUDA, bf16, CPU vs GPU speed, DDP", meta), "\n## Correctness\n\n"]
    md.append(
        markdown_table(
            [
                "estimator",
                "precision",
                "epochs",
                "fit (s)",
                "last train loss",
                "on a CPU",
                "result",
            ],
            [
                [
                    c["estimator"],
                    c["precision"],
                    c.get("epochs", ""),
                    c.get("fit_s", ""),
                    f"{c['last_train_loss']:.4f}" if "last_train_loss" in c else "",
                    c.get("on_cpu", ""),
                    "ok" if not c["problems"] else "FAILED: " + "; ".join(c["problems"])[:300],
                ]
                for c in checks
            ],
            "llrrrll",
        )
    )
    md.append("\n## Host synchronisations during training\n\n")
    md.append(
        markdown_table(
            ["estimator", "2 epochs", "4 epochs", "per epoch", "batches per epoch", "top sources"],
            [
                [
                    s["estimator"],
                    s.get("syncs_2_epochs", ""),
                    s.get("syncs_4_epochs", ""),
                    s.get("syncs_per_epoch", "error"),
                    s.get("batches_per_epoch", ""),
                    ", ".join(f"{k} ({v})" for k, v in s.get("top_sources", {}).items()),
                ]
                for s in syncs
            ],
            "lrrrrl",
        )
    )
    md.append(
        '\nSynchronising CUDA calls counted with `torch.cuda.set_sync_debug_mode("warn")`; '
        "per epoch = (4-epoch fit - 2-epoch fit) / 2. A figure near the batches per epoch "
        "means a host synchronisation at every batch.\n"
    )
    md.append("\n## Training speed (rows per second)\n\n")
    cpu = {s["estimator"]: s.get("rows_per_s") for s in speeds if s["device"] == "cpu"}
    md.append(
        markdown_table(
            ["estimator", "device", "precision", "batch size", "epochs", "rows/s", "vs CPU"],
            [
                [
                    s["estimator"],
                    s["device"],
                    s["precision"],
                    s["batch_size"],
                    s.get("epochs", ""),
                    f"{s['rows_per_s']:,.0f}" if "rows_per_s" in s else "error",
                    f"{s['rows_per_s'] / cpu[s['estimator']]:.1f}x"
                    if "rows_per_s" in s and cpu.get(s["estimator"])
                    else "",
                ]
                for s in speeds
            ],
            "lllrrrr",
        )
    )
    md.append("\n## Data-parallel fit (2 processes, nccl)\n\n")
    if "skipped" in parallel:
        md.append(f"Skipped: {parallel['skipped']}.\n")
    else:
        ranks = parallel["ranks"]
        for name in ranks[0] if "error" not in ranks[0] else []:
            a, other = ranks[0][name], ranks[1].get(name, {})
            md.append(
                f"- {name} ({a['precision']}): {a['steps']} steps per rank, {a['seconds']} s "
                f"on rank 0, weights {a['weights']} (rank 1: {other.get('weights')})\n"
            )
        md.append(f"- Result: {'ok' if not parallel['problems'] else parallel['problems']}\n")
    return "".join(md)


def main(argv=None) -> int:
    parser = make_parser(__doc__, "smoke run: 20,000 rows for the speed check, 2 epochs")
    parser.add_argument("--rows", type=int, default=None, help="rows of the speed table (10^6)")
    parser.add_argument("--epochs", type=int, default=None, help="GPU speed epochs (3)")
    parser.add_argument("--cpu-epochs", type=int, default=None, help="CPU speed epochs (2)")
    parser.add_argument("--large-batch", type=int, default=8192, help="large GPU batch (8192)")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count(), help="CPU torch threads (all cores)"
    )
    args = parse_args(parser, argv)
    if not torch.cuda.is_available():
        print(NO_DEVICE)
        return 0

    load_at_start = load_average()
    torch.set_num_threads(args.threads)
    n_rows = args.rows or (20_000 if args.quick else 1_000_000)
    epochs_gpu = args.epochs or (2 if args.quick else 3)
    epochs_cpu = args.cpu_epochs or 2
    check_epochs = 3 if args.quick else 20
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    bf16 = torch.cuda.is_bf16_supported()

    def log(text):
        print(text, flush=True)

    log(f"{len(gpus)} CUDA device(s): {', '.join(gpus)}; bf16 supported: {bf16}")
    log("1. correctness (penguins, float32 and bf16)")
    checks = correctness(penguins(), check_epochs, log)
    log("2. host synchronisations (20,000 rows)")
    syncs = synchronisations(replicated(20_000), log)
    log(f"3. speed ({n_rows:,} rows)")
    speeds = speed(replicated(n_rows), epochs_cpu, epochs_gpu, args.large_batch, log)
    log("4. data-parallel fit")
    parallel = ddp(20_000, 2, log)

    meta = {
        "date": now(),
        "command": command("gpu_check", argv),
        "machine": machine(args.threads, load_at_start),
        "versions": {**versions(), "cuda": torch.version.cuda or "none"},
        "settings": {
            **({"Mode": "QUICK smoke run (not the reference figures)"} if args.quick else {}),
            "GPUs": f"{len(gpus)}: {', '.join(gpus)} (bf16 supported: {bf16})",
            "Correctness": f"penguins ({len(penguins())} rows), {check_epochs} epochs, small "
            "networks, random_state=0",
            "Speed": f"penguins replicated to {n_rows:,} rows, default networks, CPU "
            f"{epochs_cpu} epochs on {args.threads} torch threads, GPU {epochs_gpu} epochs; "
            "rows/s: median over the epochs after the first of rows trained / skorch's "
            "per-epoch dur; GANSampler without pretraining",
            "DDP": "2 processes, nccl, 20,000 rows, 2 epochs, small networks",
        },
    }
    markdown = to_markdown(meta, checks, syncs, speeds, parallel)
    failed = [c for c in checks if c["problems"]] or parallel.get("problems")
    payload = {
        "meta": meta,
        "correctness": checks,
        "synchronisations": syncs,
        "speed": speeds,
        "ddp": parallel,
        "passed": not failed,
    }
    md_path, json_path = write_results(
        result_stem("gpu_check", args.quick), markdown, payload, args.results_dir
    )
    print(markdown)
    print(f"wrote {md_path} and {json_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
