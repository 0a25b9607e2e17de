"""Data-parallel training on torch.distributed: two CPU processes with gloo.

One pair of worker processes (this file run as a script, ``python
tests/test_distributed.py RANK OUT``, one torch thread each) joins a gloo process
group through ``MASTER_ADDR=127.0.0.1`` and a free port and runs every scenario in
turn; each scenario writes what each rank ended with to ``OUT``, and the tests
compare the ranks (bit-identical weights, histories, outputs) and, where that is
meaningful, a one-process run. The pair runs once per session (a module fixture)
under a deadline, after which both are killed, so nothing hangs.

Where one process is compared with two: the autoencoder without dropout, batch norm
or corruption, with full-batch steps: one process on all 64 rows (``batch_size=64``)
against two processes on 32 rows each (``batch_size=32``). DDP averages the two
processes' gradients and each is a mean over its 32 rows, so the step is the 64-row
mean gradient of the one-process run, up to float round-off (atol 1e-5 on the
weights after 15 Adam steps). The VAE and the GAN draw noise per process (seed plus
rank), so there only the ranks are compared with each other.
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pytest
import torch

WORLD_SIZE = 2
DEADLINE = 300  # seconds for the whole pair of workers, then both are killed
GLOO_TIMEOUT = 90  # seconds a collective may wait for the other rank

X64 = np.random.RandomState(0).randn(64, 4)
# the autoencoder whose two-process run equals its one-process run (see above)
AE_EXACT = dict(
    n_components=2,
    hidden_layer_sizes=(8,),
    dropout=0.0,
    init="random",  # PCA's start leaves gradients near 0, whose sign round-off flips
    max_epochs=15,
    learning_rate=1e-2,
    random_state=0,
)
GAN_TINY = dict(
    noise_dim=4,
    code_dim=4,
    generator_layer_sizes=(8,),
    discriminator_layer_sizes=(8, 8),
    pac=2,
    max_epochs=3,
    pretrain_epochs=2,
)


# --- the workers (run as a script) ------------------------------------------------------
def _state(module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _check_plain(model, out, name, rank, transform=None):
    """What every rank's fitted estimator must do: plain modules, a one-process net,
    pickling, save and load."""
    from torch.nn.parallel import DistributedDataParallel

    net = model.net_
    for attr in ("module_", "discriminator_"):
        assert not isinstance(getattr(net, attr, None), DistributedDataParallel), attr
    assert not net.is_data_parallel
    assert (net.iterator_train__rank, net.iterator_train__world_size) == (0, 1)
    again = pickle.loads(pickle.dumps(model))
    path = model.save(Path(out) / f"{name}.{rank}.ganae")
    loaded = type(model).load(path)
    if transform is not None:
        for other in (again, loaded):
            assert np.array_equal(transform(other), transform(model))


def _csv(frame) -> str:
    """Rows as text, for exact comparisons (NaN included)."""
    import pandas as pd

    return pd.DataFrame(frame).to_csv(index=False)


def _scenario_ae_exact(out, rank):
    from sklearn_ganae import AutoencoderTransformer
    from sklearn_ganae._training import TabularNet

    # verbose: rank 0 alone reports progress (the test reads both ranks' stderr)
    ae = AutoencoderTransformer(**AE_EXACT, batch_size=32, verbose=1).fit(X64)
    assert type(ae.net_) is TabularNet
    _check_plain(ae, out, "ae_exact", rank, lambda m: m.transform(X64))
    return dict(
        state=_state(ae.net_.module_),
        loss=torch.tensor(ae.loss_curve_, dtype=torch.float64),
        codes=torch.as_tensor(ae.transform(X64)),
        steps=sum(len(h["batches"]) for h in ae.history_),
    )


def _scenario_ae_early_stopping(out, rank):
    from sklearn_ganae import AutoencoderTransformer

    X = np.random.RandomState(1).randn(200, 5)
    ae = AutoencoderTransformer(
        n_components=2,
        hidden_layer_sizes=(16,),
        batch_norm=True,  # running statistics: rank 0's, given to every rank
        dropout=0.2,  # masks differ between the ranks
        corruption=0.1,
        max_epochs=80,
        batch_size=25,
        learning_rate=5e-2,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=2,
        random_state=None,  # rank 0's seed is broadcast
    ).fit(X)
    return dict(
        state=_state(ae.net_.module_),
        n_iter=ae.n_iter_,
        valid=torch.tensor(ae.validation_loss_curve_, dtype=torch.float64),
        codes=torch.as_tensor(ae.transform(X)),
    )


def _scenario_vae(out, rank):
    from sklearn_ganae import VAETransformer
    from sklearn_ganae.datasets import load_penguins

    df = load_penguins()
    X, y = df.drop(columns="species"), df["species"]
    vae = VAETransformer(
        n_components=2,
        hidden_layer_sizes=(8,),
        max_epochs=4,
        batch_size=32,
        conditional=True,
        random_state=0,
    ).fit(X, y)
    _check_plain(vae, out, "vae", rank, lambda m: m.transform(X, y))
    sample = vae.sample(20, random_state=0)
    return dict(
        state=_state(vae.net_.module_),
        loss=torch.tensor(vae.loss_curve_, dtype=torch.float64),
        codes=torch.as_tensor(vae.transform(X, y)),
        sample=_csv(sample),
    )


def _gan_result(gan, out, name, rank):
    from sklearn_ganae.gan._training import GANNet

    assert type(gan.net_) is GANNet
    _check_plain(gan, out, name, rank, lambda m: _csv(m.sample(10, random_state=0)))
    result = dict(
        generator=_state(gan.net_.module_),
        discriminator=_state(gan.net_.discriminator_),
        loss=torch.tensor(gan.loss_curve_, dtype=torch.float64),
        d_loss=torch.tensor(gan.history_[:, "train_d_loss"], dtype=torch.float64),
        sample=_csv(gan.sample(20, random_state=0)),
        n_iter=gan.n_iter_,
    )
    if gan.autoencoder_ is not None:
        result["autoencoder"] = _state(gan.autoencoder_)
    return result


def _scenario_gan(out, rank):
    from sklearn_ganae import GANSampler
    from sklearn_ganae.datasets import load_penguins

    # random_state=None: the seed is rank 0's; the pretraining autoencoder is
    # distributed too; training-by-sampling draws rows per rank
    gan = GANSampler(**GAN_TINY, condition_columns="auto", random_state=None)
    gan.fit(load_penguins())
    return _gan_result(gan, out, "gan", rank)


def _scenario_gan_wgan(out, rank):
    from sklearn_ganae import GANSampler
    from sklearn_ganae.datasets import load_penguins

    df = load_penguins()
    gan = GANSampler(
        **GAN_TINY,
        loss="wgan-gp",
        n_critic=2,
        reconstruction_weight=0.5,  # the frozen autoencoder in the generator's loss
        pretrain_discriminator=True,
        random_state=0,
    )
    gan.fit(df.drop(columns="species"), df["species"])
    return _gan_result(gan, out, "gan_wgan", rank)


def _scenario_gan_early_stopping(out, rank):
    from sklearn_ganae import GANSampler

    X = np.random.RandomState(2).randn(400, 3)
    gan = GANSampler(
        **{**GAN_TINY, "max_epochs": 6, "pretrain_generator": False},
        early_stopping=True,
        validation_fraction=0.3,
        validation_interval=2,
        n_iter_no_change=1,
        random_state=0,
    ).fit(X)
    result = _gan_result(gan, out, "gan_early_stopping", rank)
    result["detection"] = torch.tensor(
        [h["valid_detection"] for h in gan.history_ if "valid_detection" in h],
        dtype=torch.float64,
    )
    return result


def _scenario_penalty_gradient(out, rank):
    """The discriminator's WGAN-GP step under DDP, through GANNet's own objective:
    its averaged gradient equals the gradient of the two ranks' mean loss."""
    import types

    from torch.nn.parallel import DistributedDataParallel

    from sklearn_ganae.gan._modules import Discriminator
    from sklearn_ganae.gan._training import GANNet

    spec = types.SimpleNamespace(loss="wgan-gp", gradient_penalty=10.0)

    def batch(r):
        g = torch.Generator().manual_seed(100 + r)
        return torch.randn(8, 3, generator=g), torch.randn(8, 3, generator=g), torch.zeros(8, 0)

    def loss(D, D_plain, r):
        torch.manual_seed(7 + r)  # the penalty's mixing weights
        return GANNet.discriminator_objective(spec, D, D_plain, *batch(r))[0]

    torch.manual_seed(0)
    D = Discriminator(3, 0, (4, 4), pac=2).eval()  # no dropout: a reproducible loss
    reference = Discriminator(3, 0, (4, 4), pac=2).eval()
    reference.load_state_dict(D.state_dict())
    wrapped = DistributedDataParallel(D)
    loss(wrapped, D, rank).backward()
    mean = sum(loss(reference, reference, r) for r in range(WORLD_SIZE)) / WORLD_SIZE
    mean.backward()
    return dict(
        ddp=torch.cat([p.grad.flatten() for p in D.parameters()]),
        reference=torch.cat([p.grad.flatten() for p in reference.parameters()]),
    )


def _scenario_agreement(out, rank):
    from sklearn_ganae import AutoencoderTransformer

    ae = AutoencoderTransformer(**{**AE_EXACT, "max_epochs": 1}).fit(X64)
    net = ae.net_
    with net.data_parallel():
        agreed = net.agree_to_stop(rank == 1)  # one rank asks: every rank stops
        first = net.on_first_process(lambda: rank)
    alone = net.agree_to_stop(rank == 1)  # outside a run: this process's own decision
    # a rank given other rows: every rank fails before training
    try:
        AutoencoderTransformer(**AE_EXACT).fit(np.roll(X64, rank, axis=0))
        refused = ""
    except ValueError as exc:
        refused = str(exc)
    # divergence: every rank stops with the same error (none waits for the other)
    try:
        AutoencoderTransformer(**{**AE_EXACT, "learning_rate": 1e9, "max_epochs": 30}).fit(
            X64 * 1e3
        )
        diverged = ""
    except FloatingPointError as exc:
        diverged = str(exc)
    # a warm start continues data-parallel (batch norm: its statistics agree too)
    warm = AutoencoderTransformer(
        **{**AE_EXACT, "max_epochs": 2}, batch_norm=True, warm_start=True
    ).fit(X64)
    warm.fit(X64)
    _check_plain(warm, out, "warm", rank, lambda m: m.transform(X64))
    return dict(
        agreed=agreed,
        first=first,
        alone=alone,
        refused=refused,
        diverged=diverged,
        warm=_state(warm.net_.module_),
        warm_epochs=warm.n_iter_,
    )


def _scenario_streamed(out, rank):
    """Fits of a Parquet folder: each rank scans its share of the row groups (the
    scans are merged), then trains on its shard of them each epoch."""
    import torch.distributed as dist

    from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer
    from sklearn_ganae.datasets import load_penguins

    df = load_penguins()
    folder = Path(out, "streamed")
    if rank == 0:
        folder.mkdir()
        for k, start in enumerate(range(0, len(df), 100)):
            df.iloc[start : start + 100].to_parquet(folder / f"p{k}.parquet", row_group_size=25)
    dist.barrier()
    ae = AutoencoderTransformer(
        n_components=2, hidden_layer_sizes=(8,), max_epochs=3, batch_size=32, random_state=None
    ).fit(folder)
    _check_plain(ae, out, "streamed_ae", rank, lambda m: m.transform(df))
    vae = VAETransformer(
        n_components=2,
        hidden_layer_sizes=(8,),
        max_epochs=3,
        early_stopping=True,
        n_iter_no_change=1,
        random_state=0,
    ).fit(folder)
    gan = GANSampler(**GAN_TINY, condition_columns="auto", random_state=0).fit(folder)
    return dict(
        ae=_state(ae.net_.module_),
        ae_steps=[len(h["batches"]) for h in ae.history_],
        ae_codes=torch.as_tensor(ae.transform(df)),
        vae=_state(vae.net_.module_),
        vae_valid=torch.tensor(vae.validation_loss_curve_, dtype=torch.float64),
        gan=_state(gan.net_.module_),
        gan_sample=_csv(gan.sample(20, random_state=0)),
        files=sorted(p.name for p in folder.iterdir()),
    )


def _scenario_checkpoint(out, rank):
    """Both ranks crash at the same step after a checkpoint (rank 0 wrote it in the
    folder they share); the same fit again resumes from it on both."""
    import torch.distributed as dist

    from sklearn_ganae import AutoencoderTransformer
    from sklearn_ganae._training import TabularNet

    folder = Path(out, "checkpoints")
    if rank == 0:
        folder.mkdir()
    dist.barrier()
    params = dict(
        AE_EXACT, max_epochs=8, batch_size=8, checkpoint_dir=folder, checkpoint_interval=3
    )
    original, calls = TabularNet.train_step, {"n": 0}

    def crash(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 4 * 4:  # 4 steps per epoch (32 rows per rank): in epoch 5
            raise RuntimeError("simulated crash")
        return original(self, *args, **kwargs)

    TabularNet.train_step = crash
    try:
        AutoencoderTransformer(**params).fit(X64)
        crashed = False
    except RuntimeError:
        crashed = True
    finally:
        TabularNet.train_step = original
    written = sorted(p.name for p in folder.iterdir())
    dist.barrier()
    ae = AutoencoderTransformer(**params).fit(X64)
    dist.barrier()
    return dict(
        crashed=crashed,
        written=written,
        state=_state(ae.net_.module_),
        n_iter=ae.n_iter_,
        left=sorted(p.name for p in folder.iterdir()),
    )


SCENARIOS = [
    "ae_exact",
    "ae_early_stopping",
    "vae",
    "gan",
    "gan_wgan",
    "gan_early_stopping",
    "penalty_gradient",
    "agreement",
    "streamed",
    "checkpoint",
]


def _worker(rank: int, out: str) -> int:
    import datetime

    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", rank=rank, world_size=WORLD_SIZE, timeout=datetime.timedelta(seconds=GLOO_TIMEOUT)
    )
    try:
        for name in SCENARIOS:
            try:
                result = globals()[f"_scenario_{name}"](out, rank)
            except BaseException:
                Path(out, f"{name}.{rank}.error").write_text(traceback.format_exc())
                raise
            torch.save(result, Path(out, f"{name}.{rank}.pt"))
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(_worker(int(sys.argv[1]), sys.argv[2]))


# --- the tests ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """Run the pair of workers once; ``{scenario: [rank 0's result, rank 1's]}``, or
    the traceback of a scenario that failed."""
    out = tmp_path_factory.mktemp("distributed")
    env = {
        **os.environ,
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(_free_port()),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.pop("WORLD_SIZE", None)  # the workers pass rank and world size themselves
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    procs, logs = [], []
    for rank in range(WORLD_SIZE):
        log = open(out / f"rank{rank}.log", "w")  # closed below
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, str(rank), str(out)],
                env=env,
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + DEADLINE
    try:
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            if any(p.poll() not in (None, 0) for p in procs):
                # one rank failed: the other may wait in a collective; give it a
                # moment to fail too, then stop it
                deadline = min(deadline, time.monotonic() + 5)
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for log in logs:
            log.close()
    results = {}
    for name in SCENARIOS:
        errors = [f.read_text() for f in sorted(out.glob(f"{name}.*.error"))]
        files = [out / f"{name}.{rank}.pt" for rank in range(WORLD_SIZE)]
        if errors:
            results[name] = "\n".join(errors)
        elif all(f.exists() for f in files):
            results[name] = [torch.load(f, weights_only=False) for f in files]
        else:
            logs_text = "\n".join((out / f"rank{r}.log").read_text() for r in range(WORLD_SIZE))
            results[name] = f"not run (a worker stopped or ran out of time):\n{logs_text[-4000:]}"
    results["_logs"] = [(out / f"rank{r}.log").read_text() for r in range(WORLD_SIZE)]
    return results


def _both(workers, name):
    result = workers[name]
    if isinstance(result, str):
        pytest.fail(f"the scenario {name!r} failed in a worker:\n{result}")
    return result


def _assert_same_state(a: dict, b: dict):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_autoencoder_ranks_agree_and_match_one_process(workers):
    from sklearn_ganae import AutoencoderTransformer

    r0, r1 = _both(workers, "ae_exact")
    _assert_same_state(r0["state"], r1["state"])
    assert torch.equal(r0["loss"], r1["loss"]) and torch.equal(r0["codes"], r1["codes"])
    # one process, the same global batch (64 rows) and the same number of steps
    one = AutoencoderTransformer(**AE_EXACT, batch_size=64).fit(X64)
    assert sum(len(h["batches"]) for h in one.history_) == r0["steps"] == 15
    for key, value in one.net_.module_.state_dict().items():
        torch.testing.assert_close(r0["state"][key], value, atol=1e-5, rtol=0)
    # the recorded loss of a step is the mean over both ranks' rows
    np.testing.assert_allclose(r0["loss"].numpy(), one.loss_curve_, rtol=1e-5)


def test_only_rank_zero_reports_progress(workers):
    _both(workers, "ae_exact")
    rank0, rank1 = workers["_logs"]
    assert "training" in rank0
    assert "training" not in rank1


def test_autoencoder_early_stopping_stops_every_rank_at_one_epoch(workers):
    r0, r1 = _both(workers, "ae_early_stopping")
    assert r0["n_iter"] == r1["n_iter"]
    assert torch.equal(r0["valid"], r1["valid"])
    # batch-norm statistics included: the restored best model is the same everywhere
    _assert_same_state(r0["state"], r1["state"])
    assert torch.equal(r0["codes"], r1["codes"])


def test_vae_ranks_agree(workers):
    r0, r1 = _both(workers, "vae")
    _assert_same_state(r0["state"], r1["state"])
    for key in ("loss", "codes"):
        assert torch.equal(r0[key], r1[key]), key
    assert r0["sample"] == r1["sample"]


@pytest.mark.parametrize("name", ["gan", "gan_wgan", "gan_early_stopping"])
def test_gan_ranks_agree(workers, name):
    r0, r1 = _both(workers, name)
    for key in ("generator", "discriminator", "autoencoder"):
        assert (key in r0) == (key in r1)
        if key in r0:
            _assert_same_state(r0[key], r1[key])
    assert torch.equal(r0["loss"], r1["loss"]) and torch.equal(r0["d_loss"], r1["d_loss"])
    assert r0["sample"] == r1["sample"]
    assert r0["n_iter"] == r1["n_iter"]
    if name == "gan_early_stopping":
        # the detection check is rank 0's, broadcast: one decision everywhere
        assert torch.equal(r0["detection"], r1["detection"]) and len(r0["detection"]) >= 1


def test_gradient_penalty_is_averaged_correctly(workers):
    for result in _both(workers, "penalty_gradient"):
        torch.testing.assert_close(result["ddp"], result["reference"], atol=1e-6, rtol=1e-5)


def test_ranks_agree_on_decisions_and_refuse_other_rows(workers):
    r0, r1 = _both(workers, "agreement")
    assert r0["agreed"] and r1["agreed"]
    assert (r0["first"], r1["first"]) == (0, 0)
    assert (r0["alone"], r1["alone"]) == (False, True)
    for r in (r0, r1):
        assert "encoded table differs between the processes" in r["refused"]
        assert "became" in r["diverged"]
    _assert_same_state(r0["warm"], r1["warm"])
    assert r0["warm_epochs"] == r1["warm_epochs"] == 4


def test_a_launcher_environment_without_a_process_group_warns(monkeypatch):
    from sklearn_ganae import _distributed

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(_distributed, "_warned_about_environment", False)
    with pytest.warns(RuntimeWarning, match="init_process_group"):
        assert _distributed.distributed_context() == (0, 1)


def test_gloo_is_told_the_loopback_interface_only_when_it_would_fall_back_to_it(monkeypatch):
    from sklearn_ganae import _distributed

    if not any(n == "lo" or n.startswith("lo0") for _, n in socket.if_nameindex()):
        pytest.skip("this machine names no loopback interface lo or lo0")
    real = socket.getaddrinfo

    def unresolvable(host, *args, **kwargs):
        if host == "unresolvable-host":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(_distributed.socket, "getaddrinfo", unresolvable)
    monkeypatch.setattr(_distributed.socket, "gethostname", lambda: "unresolvable-host")
    one_machine = {"MASTER_ADDR": "127.0.0.1"}
    assert _distributed._loopback_interface(one_machine) in {"lo", "lo0"}
    assert _distributed._loopback_interface({"MASTER_ADDR": "localhost"}) in {"lo", "lo0"}
    # the user's choice, another machine as the master, a host name that resolves
    assert _distributed._loopback_interface({**one_machine, "GLOO_SOCKET_IFNAME": "eth0"}) is None
    assert _distributed._loopback_interface({"MASTER_ADDR": "10.1.2.3"}) is None
    monkeypatch.setattr(_distributed.socket, "gethostname", lambda: "localhost")
    assert _distributed._loopback_interface(one_machine) is None


def test_streamed_fits_agree_across_ranks(workers):
    from sklearn_ganae._streaming import n_stream_batches

    r0, r1 = _both(workers, "streamed")
    for key in ("ae", "vae", "gan"):
        _assert_same_state(r0[key], r1[key])
    assert torch.equal(r0["ae_codes"], r1["ae_codes"])
    assert torch.equal(r0["vae_valid"], r1["vae_valid"])
    assert r0["gan_sample"] == r1["gan_sample"]
    # every rank took a shard's steps: 344 rows, 172 per rank, batches of 32
    assert r0["ae_steps"] == r1["ae_steps"] == [n_stream_batches(344, 32, 2)] * 3 == [5] * 3
    assert r0["files"] == [f"p{k}.parquet" for k in range(4)]


def test_checkpoint_resume_on_every_rank(workers):
    r0, r1 = _both(workers, "checkpoint")
    assert r0["crashed"] and r1["crashed"]
    assert r0["written"] == ["checkpoint.ganae"]
    assert r0["n_iter"] == r1["n_iter"] == 8
    _assert_same_state(r0["state"], r1["state"])
    assert r0["left"] == r1["left"] == []
