"""Tests of the torch building blocks (:mod:`sklearn_ganae.nn`), with random tensors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sklearn_ganae import TabularEncoder
from sklearn_ganae.nn import (
    MLP,
    Autoencoder,
    Decoder,
    Encoder,
    LayoutIndex,
    ReconstructionLoss,
    make_activation,
)
from sklearn_ganae.tabular import CATEGORICAL, CONTINUOUS, MISSING

ACTIVATIONS = ["relu", "leaky_relu", "elu", "gelu", "selu", "silu", "tanh"]


def _frame(n=40, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "x": np.where(rng.rand(n) < 0.2, np.nan, rng.normal(size=n)),
            "y": np.concatenate([rng.normal(-8, 1, n // 2), rng.normal(8, 1, n - n // 2)]),
            "c3": rng.choice(["a", "b", "c"], n),
            "c5": rng.choice(list("pqrst"), n),
            "one": ["k"] * n,  # a categorical block of width 1
            "i": rng.randint(0, 10, n),
        }
    )


@pytest.fixture(scope="module", params=["standard", "mode"])
def fitted(request):
    """A fitted encoder with continuous, categorical (incl. width 1) and missing blocks."""
    df = _frame()
    enc = TabularEncoder(continuous_transform=request.param, random_state=0).fit(df)
    kinds = {b.kind for b in enc.layout_}
    assert kinds == {CONTINUOUS, CATEGORICAL, MISSING}
    assert 1 in {b.width for b in enc.layout_.blocks(CATEGORICAL)}
    return enc, torch.as_tensor(enc.transform(df))


def _random_logits(n_rows, n_features, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return (3 * torch.randn(n_rows, n_features, generator=g)).to(dtype)


# ----------------------------------------------------------------------------------
# LayoutIndex
# ----------------------------------------------------------------------------------


def test_layout_index_buffers(fitted):
    enc, _ = fitted
    layout = enc.layout_
    index = LayoutIndex(layout)
    assert index.n_features == enc.n_features_out_
    assert index.n_blocks == len(layout)
    assert index.n_categorical == len(layout.blocks(CATEGORICAL))
    assert index.continuous.tolist() == layout.indices(CONTINUOUS).tolist()
    assert index.missing.tolist() == layout.indices(MISSING).tolist()
    assert sorted(index.cat_flat.tolist()) == layout.indices(CATEGORICAL).tolist()
    buffers = dict(index.named_buffers())
    assert set(buffers) == {
        "continuous",
        "missing",
        "cat_gather",
        "cat_valid",
        "cat_flat",
        "cat_member",
        "cat_mask",
    }
    assert index.cat_mask.nonzero().flatten().tolist() == layout.indices(CATEGORICAL).tolist()
    # each categorical column belongs to exactly its block; other columns to none
    member = index.cat_member.numpy()
    assert member.shape == (enc.n_features_out_, index.n_categorical)
    for i, b in enumerate(layout.blocks(CATEGORICAL)):
        assert member[b.start : b.stop, i].tolist() == [1.0] * b.width
    assert member.sum() == len(layout.indices(CATEGORICAL))
    x = torch.arange(enc.n_features_out_, dtype=torch.float32).repeat(2, 1)
    padded = index.padded(x, fill=-1.0)
    widths = [b.width for b in layout.blocks(CATEGORICAL)]
    assert padded.shape == (2, len(widths), max(widths))
    for i, b in enumerate(layout.blocks(CATEGORICAL)):
        assert padded[0, i, : b.width].tolist() == list(range(b.start, b.stop))
        assert (padded[:, i, b.width :] == -1).all()


def test_activate_softmax_sigmoid_passthrough(fitted):
    enc, _ = fitted
    layout = enc.layout_
    index = LayoutIndex(layout)
    logits = _random_logits(64, enc.n_features_out_)
    out = index.activate(logits)
    assert out.shape == logits.shape
    cont = layout.indices(CONTINUOUS)
    assert torch.equal(out[:, cont], logits[:, cont])
    miss = layout.indices(MISSING)
    assert torch.allclose(out[:, miss], torch.sigmoid(logits[:, miss]))
    assert ((out[:, miss] > 0) & (out[:, miss] < 1)).all()
    for b in layout.blocks(CATEGORICAL):
        block = out[:, b.slice]
        assert torch.allclose(block.sum(dim=1), torch.ones(64), atol=1e-6)
        assert torch.allclose(block, torch.softmax(logits[:, b.slice], dim=1), atol=1e-6)
        assert (block >= 0).all()
    # the input is not modified in place
    assert torch.equal(logits, _random_logits(64, enc.n_features_out_))


def test_activate_is_stable_for_groups_far_apart(fitted):
    # each group is normalised by its own maximum: one group's huge logits neither
    # overflow nor push another group's probabilities to 0/0
    enc, _ = fitted
    layout = enc.layout_
    index = LayoutIndex(layout)
    logits = _random_logits(32, enc.n_features_out_)
    for k, b in enumerate(layout.blocks(CATEGORICAL)):
        logits[:, b.slice] += 200.0 if k % 2 else -200.0
    out = index.activate(logits)
    assert torch.isfinite(out).all()
    for b in layout.blocks(CATEGORICAL):
        assert torch.allclose(out[:, b.slice], torch.softmax(logits[:, b.slice], dim=1), atol=1e-6)


def test_activate_gumbel(fitted):
    enc, _ = fitted
    layout = enc.layout_
    index = LayoutIndex(layout)
    logits = _random_logits(256, enc.n_features_out_)
    torch.manual_seed(0)
    soft = index.activate(logits, tau=0.5)
    hard = index.activate(logits, tau=0.5, hard=True)
    cont = layout.indices(CONTINUOUS)
    assert torch.equal(hard[:, cont], logits[:, cont])
    for b in layout.blocks(CATEGORICAL):
        assert torch.allclose(soft[:, b.slice].sum(dim=1), torch.ones(256), atol=1e-5)
        block = hard[:, b.slice]
        # exactly one-hot: one 1 per row, the rest 0
        assert set(block.unique().tolist()) <= {0.0, 1.0}
        assert (block.sum(dim=1) == 1).all()
        if b.width > 1:
            # Gumbel noise: the sampled category is not always the argmax
            picked = block.argmax(dim=1)
            assert (picked != logits[:, b.slice].argmax(dim=1)).any()
    # straight-through: gradients flow to the logits
    logits = logits.clone().requires_grad_(True)
    out = index.activate(logits, tau=1.0, hard=True)
    (out * torch.randn_like(out)).sum().backward()
    assert torch.isfinite(logits.grad).all()
    wide = [b for b in layout.blocks(CATEGORICAL) if b.width > 1]
    assert (logits.grad[:, wide[0].slice] != 0).any()


def test_activate_without_categorical_or_missing_blocks():
    X = np.random.RandomState(0).normal(size=(10, 3))
    enc = TabularEncoder().fit(X)
    index = LayoutIndex(enc.layout_)
    assert index.n_categorical == 0 and index.missing.numel() == 0
    logits = _random_logits(5, 3)
    assert torch.equal(index.activate(logits), logits)
    assert torch.equal(index.activate(logits, tau=0.3, hard=True), logits)


# ----------------------------------------------------------------------------------
# ReconstructionLoss
# ----------------------------------------------------------------------------------


def reference_loss(layout, logits, target):
    """Naive per-block loss: a Python loop over the blocks with torch's own losses."""
    per_row = torch.zeros(logits.shape[0], dtype=logits.dtype)
    for b in layout:
        lg, tg = logits[:, b.slice], target[:, b.slice]
        if b.kind == CONTINUOUS:
            per_row = per_row + F.mse_loss(lg, tg, reduction="none").sum(dim=1)
        elif b.kind == MISSING:
            bce = F.binary_cross_entropy_with_logits(lg, tg, reduction="none")
            per_row = per_row + bce.sum(dim=1)
        else:
            per_row = per_row + F.cross_entropy(lg, tg, reduction="none")
    return per_row / len(layout)


def _soft_targets(layout, encoded, seed=0):
    """Encoded rows with soft categorical targets, soft indicators and all-zero rows."""
    g = torch.Generator().manual_seed(seed)
    target = encoded.clone().double()
    for b in layout.blocks(CATEGORICAL):
        target[:, b.slice] = torch.softmax(
            torch.randn(len(target), b.width, generator=g, dtype=torch.float64), dim=1
        )
        target[::5, b.slice] = 0.0  # unknown categories (handle_unknown="ignore")
    for b in layout.blocks(MISSING):
        target[:, b.slice] = torch.rand(len(target), 1, generator=g, dtype=torch.float64)
    return target


@pytest.mark.parametrize("soft", [False, True])
def test_reconstruction_loss_matches_reference(fitted, soft):
    enc, encoded = fitted
    layout = enc.layout_
    loss_fn = ReconstructionLoss(layout)
    target = _soft_targets(layout, encoded) if soft else encoded.double()
    logits = _random_logits(len(target), enc.n_features_out_, dtype=torch.float64)
    per_row = loss_fn(logits, target, reduction="none")
    expected = reference_loss(layout, logits, target)
    assert per_row.shape == (len(target),)
    torch.testing.assert_close(per_row, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(loss_fn(logits, target), expected.mean(), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(
        loss_fn(logits, target, reduction="mean"), expected.mean(), rtol=1e-10, atol=1e-10
    )
    # float32, as the networks compute
    per_row32 = loss_fn(logits.float(), target.float(), reduction="none")
    assert per_row32.dtype == torch.float32
    torch.testing.assert_close(per_row32, expected.float(), rtol=1e-5, atol=1e-5)


def test_reconstruction_loss_gradient_matches_reference(fitted):
    enc, encoded = fitted
    layout = enc.layout_
    target = _soft_targets(layout, encoded)
    logits = _random_logits(len(target), enc.n_features_out_, dtype=torch.float64)
    a = logits.clone().requires_grad_(True)
    b = logits.clone().requires_grad_(True)
    ReconstructionLoss(layout)(a, target).backward()
    reference_loss(layout, b, target).mean().backward()
    assert torch.isfinite(a.grad).all()
    # every output column gets a gradient, except one-category blocks (a softmax over
    # one logit is constant)
    constant = [b.start for b in layout.blocks(CATEGORICAL) if b.width == 1]
    has_grad = a.grad.abs().sum(dim=0) > 0
    assert constant and not has_grad[constant].any()
    has_grad[constant] = True
    assert has_grad.all()
    torch.testing.assert_close(a.grad, b.grad, rtol=1e-10, atol=1e-12)


def test_zero_categorical_target_contributes_nothing(fitted):
    enc, encoded = fitted
    layout = enc.layout_
    loss_fn = ReconstructionLoss(layout)
    logits = _random_logits(len(encoded), enc.n_features_out_)
    target = encoded.clone()
    for b in layout.blocks(CATEGORICAL):
        target[:, b.slice] = 0.0
    per_row = loss_fn(logits, target, reduction="none")
    # only the continuous and missing blocks remain
    only = reference_loss([b for b in layout if b.kind != CATEGORICAL], logits, target) * (
        len(layout) - len(layout.blocks(CATEGORICAL))
    )
    torch.testing.assert_close(per_row, only / len(layout), rtol=1e-5, atol=1e-6)
    # and no gradient reaches the logits of a block with an all-zero target
    logits.requires_grad_(True)
    loss_fn(logits, target).backward()
    cat = torch.as_tensor(layout.indices(CATEGORICAL))
    assert (logits.grad[:, cat] == 0).all()


def test_reconstruction_loss_is_minimal_at_the_target(fitted):
    enc, encoded = fitted
    layout = enc.layout_
    loss_fn = ReconstructionLoss(layout)
    # logits that put (almost) all mass on the target: loss near zero, lower than random
    logits = encoded.clone()
    for b in layout.blocks(CATEGORICAL) + layout.blocks(MISSING):
        logits[:, b.slice] = (encoded[:, b.slice] * 2 - 1) * 30
    good = loss_fn(logits, encoded)
    bad = loss_fn(_random_logits(len(encoded), enc.n_features_out_), encoded)
    assert 0 <= good < 1e-6 < bad


def test_reconstruction_loss_all_continuous_is_mse():
    X = np.random.RandomState(0).normal(size=(30, 4))
    enc = TabularEncoder().fit(X)
    loss_fn = ReconstructionLoss(enc.layout_)
    target = torch.as_tensor(enc.transform(X))
    logits = _random_logits(30, 4)
    torch.testing.assert_close(loss_fn(logits, target), F.mse_loss(logits, target))


def test_reconstruction_loss_unknown_reduction_raises(fitted):
    enc, encoded = fitted
    loss_fn = ReconstructionLoss(enc.layout_)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'none', got 'sum'"):
        loss_fn(encoded, encoded, reduction="sum")


# ----------------------------------------------------------------------------------
# MLP, Encoder, Decoder, Autoencoder
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.25])
def test_mlp_structure(batch_norm, dropout):
    mlp = MLP(5, [8, 3], activation="tanh", dropout=dropout, batch_norm=batch_norm)
    per_layer = [nn.Linear] + [nn.BatchNorm1d] * batch_norm + [nn.Tanh]
    per_layer += [nn.Dropout] * (dropout > 0)
    assert [type(m) for m in mlp] == per_layer * 2
    linears = [m for m in mlp if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 8), (8, 3)]
    if batch_norm:
        assert [m.num_features for m in mlp if isinstance(m, nn.BatchNorm1d)] == [8, 3]
    if dropout:
        assert all(m.p == dropout for m in mlp if isinstance(m, nn.Dropout))
    assert mlp.n_outputs == 3
    x = torch.randn(7, 5)
    assert mlp(x).shape == (7, 3)
    # activations are fresh modules, not shared
    acts = [m for m in mlp if isinstance(m, nn.Tanh)]
    assert acts[0] is not acts[1]


@pytest.mark.parametrize("batch_norm", [False, True])
def test_residual_mlp_concatenates_each_layer_with_its_input(batch_norm):
    from sklearn_ganae.nn import ConcatResidual

    mlp = MLP(5, [8, 3], batch_norm=batch_norm, residual=True)
    assert [type(m) for m in mlp] == [ConcatResidual, ConcatResidual]
    linears = [m for m in mlp.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 8), (13, 3)]
    assert mlp.n_outputs == 16
    mlp.eval()
    x = torch.randn(7, 5)
    out = mlp(x)
    assert out.shape == (7, 16)
    # the input passes through unchanged at the end; the first block's output after it
    torch.testing.assert_close(out[:, 11:], x)
    first = mlp[0]
    torch.testing.assert_close(out[:, 3:11], nn.Sequential(*first)(x))


def test_residual_generator_shapes_and_inference_copy(fitted):
    from sklearn_ganae.gan._modules import Generator
    from sklearn_ganae.nn._modules import inference_copy

    enc, _ = fitted
    torch.manual_seed(0)
    gen = Generator(enc.layout_, 4, 2, 6, (16,), (16, 8), residual=True)
    plain = Generator(enc.layout_, 4, 2, 6, (16,), (16, 8))
    assert gen.decoder.body.n_outputs == 6 + 16 + 8
    assert sum(p.numel() for p in gen.parameters()) > sum(p.numel() for p in plain.parameters())
    noise, cond = torch.randn(32, 4), torch.eye(2)[torch.arange(32) % 2]
    gen(noise, cond).sum().backward()  # training mode: batch statistics
    gen.eval()
    fast = inference_copy(gen)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in fast.modules())
    with torch.no_grad():
        out = gen(noise, cond)
        assert out.shape == (32, enc.layout_.n_features)
        torch.testing.assert_close(fast(noise, cond), out, rtol=1e-5, atol=1e-5)


def test_mlp_without_hidden_layers_is_identity():
    mlp = MLP(4, [])
    assert len(mlp) == 0 and mlp.n_outputs == 4
    x = torch.randn(3, 4)
    assert torch.equal(mlp(x), x)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_make_activation(name):
    a, b = make_activation(name), make_activation(name)
    assert isinstance(a, nn.Module) and a is not b
    assert make_activation(name)(torch.randn(4, 2)).shape == (4, 2)
    if name == "leaky_relu":
        assert a.negative_slope == 0.2


def test_make_activation_unknown_lists_choices():
    with pytest.raises(ValueError, match="Unknown activation 'swish'") as info:
        make_activation("swish")
    for name in ACTIVATIONS:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="Unknown activation"):
        MLP(3, [4], activation="sigmoidal")


def test_encoder_decoder_shapes(fitted):
    enc, encoded = fitted
    torch.manual_seed(0)
    n_features = enc.n_features_out_
    encoder = Encoder(n_features, 3, hidden_sizes=(16, 8), batch_norm=True, dropout=0.1)
    decoder = Decoder(enc.layout_, 3, hidden_sizes=(8, 16), activation="gelu")
    assert isinstance(encoder.body, MLP) and encoder.head.out_features == 3
    assert decoder.head.out_features == n_features
    z = encoder(encoded)
    assert z.shape == (len(encoded), 3)
    raw = decoder(z)
    assert raw.shape == (len(encoded), n_features)
    torch.testing.assert_close(decoder.activate(raw), decoder.index.activate(raw))
    # no hidden layers: a linear map
    linear = Encoder(n_features, 2, hidden_sizes=())
    assert len(linear.body) == 0 and linear(encoded).shape == (len(encoded), 2)


def test_autoencoder_encode_decode(fitted):
    enc, encoded = fitted
    torch.manual_seed(0)
    model = Autoencoder(
        Encoder(enc.n_features_out_, 2, hidden_sizes=(8,)),
        Decoder(enc.layout_, 2, hidden_sizes=(8,)),
    ).eval()
    z = model.encode(encoded)
    assert z.shape == (len(encoded), 2)
    decoded = model.decode(z)
    torch.testing.assert_close(decoded, model.decoder.activate(model.decoder(z)))
    for b in enc.layout_.blocks(CATEGORICAL):
        torch.testing.assert_close(decoded[:, b.slice].sum(dim=1), torch.ones(len(encoded)))
    # forward returns raw outputs, which the loss takes
    torch.testing.assert_close(model(encoded), model.decoder(z))
    loss = ReconstructionLoss(enc.layout_)(model(encoded), encoded)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_autoencoder_corruption_only_in_training(fitted):
    enc, encoded = fitted
    torch.manual_seed(0)
    seen = []
    encoder = Encoder(enc.n_features_out_, 2, hidden_sizes=(8,))
    encoder.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    model = Autoencoder(encoder, Decoder(enc.layout_, 2, hidden_sizes=(8,)), corruption=0.5)
    x = torch.randn(400, enc.n_features_out_)  # no exact zeros
    x_before = x.clone()

    model.eval()
    clean = model(x)
    assert torch.equal(seen[-1], x)
    assert torch.equal(model(x), clean)  # deterministic

    model.train()
    noisy = model(x)
    masked = seen[-1] == 0
    assert 0.4 < masked.float().mean() < 0.6  # about `corruption` of the entries
    assert torch.equal(seen[-1][~masked], x[~masked])  # the rest unchanged, not rescaled
    assert not torch.equal(noisy, clean)
    assert torch.equal(x, x_before)  # the input is not modified in place

    model.corruption = 1.0
    model(x)
    assert (seen[-1] == 0).all()
    model.corruption = 0.0
    model(x)
    assert torch.equal(seen[-1], x)


def test_init_from_pca_needs_linear_skips():
    from sklearn_ganae.nn import Autoencoder, Decoder, Encoder
    from sklearn_ganae.tabular import TabularEncoder

    layout = TabularEncoder().fit(np.random.RandomState(0).randn(10, 3)).layout_
    plain = Autoencoder(Encoder(3, 2, (4,)), Decoder(layout, 2, (4,)))
    with pytest.raises(ValueError, match="linear_skip=True"):
        plain.init_from_pca(np.zeros((2, 3)), np.zeros(3))


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_block_logsumexp_matches_per_block_reference(fitted, scale):
    # large logits: the per-block shift must keep every block finite and exact
    from sklearn_ganae.nn._losses import block_logsumexp

    enc, _ = fitted
    index = LayoutIndex(enc.layout_)
    gen = torch.Generator().manual_seed(0)
    logits = (torch.randn(7, index.n_features, generator=gen) * scale).requires_grad_()
    got = block_logsumexp(index, logits)
    blocks = enc.layout_.blocks(CATEGORICAL)
    ref = torch.stack([torch.logsumexp(logits[:, b.start : b.stop], dim=1) for b in blocks], 1)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-4 * scale)
    (g_got,) = torch.autograd.grad(got.sum(), logits)
    (g_ref,) = torch.autograd.grad(ref.sum(), logits)
    torch.testing.assert_close(g_got, g_ref, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------
# GAN modules
# ----------------------------------------------------------------------------------


def test_relaxed_activate_matches_activate_and_samples_at_the_right_rates(fitted):
    from sklearn_ganae.gan._modules import relaxed_activate

    enc, _ = fitted
    index = LayoutIndex(enc.layout_)
    logits = _random_logits(6, index.n_features)
    torch.testing.assert_close(relaxed_activate(index, logits), index.activate(logits))
    # Gumbel-softmax draws: each block sums to one, and at a low temperature the
    # argmax follows the softmax probabilities (the Gumbel-max trick)
    block = enc.layout_.blocks(CATEGORICAL)[0]
    row = logits[:1].repeat(20_000, 1)
    gen = torch.Generator().manual_seed(0)
    draws = relaxed_activate(index, row, tau=0.1, generator=gen)
    sums = draws[:, block.start : block.stop].sum(dim=1)
    torch.testing.assert_close(sums, torch.ones_like(sums))
    picked = draws[:, block.start : block.stop].argmax(dim=1)
    freq = torch.bincount(picked, minlength=block.width).float() / len(picked)
    probs = torch.softmax(logits[0, block.start : block.stop], dim=0)
    assert (freq - probs).abs().max() < 0.02
    # continuous columns pass through; gradients reach the logits
    cont = index.continuous
    torch.testing.assert_close(draws[:, cont], row[:, cont])
    leaf = logits.clone().requires_grad_()
    relaxed_activate(index, leaf, tau=0.5).sum().backward()
    assert torch.isfinite(leaf.grad).all()


def test_discriminator_packs_rows_and_penalty_is_finite():
    from sklearn_ganae.gan._modules import Discriminator, gradient_penalty

    disc = Discriminator(5, 3, (8, 16), pac=4)
    x, c = torch.randn(12, 5), torch.eye(3)[torch.arange(12) % 3]
    assert disc(x, c).shape == (3,)
    # a pack's score depends on its own rows only
    y = x.clone()
    y[4:8] += 1.0
    disc.eval()
    changed = disc(y, c) != disc(x, c)
    assert changed.tolist() == [False, True, False]
    penalty = gradient_penalty(disc, x, torch.randn(12, 5), c)
    assert penalty.ndim == 0 and torch.isfinite(penalty)


@pytest.mark.parametrize("loss", ["wgan-gp", "logistic"])
def test_discriminator_objective_scores_real_and_fake_rows_apart(loss):
    # one pass of the real and fake rows together gives each its own scores
    import types

    from sklearn_ganae.gan._modules import Discriminator
    from sklearn_ganae.gan._training import GANNet

    torch.manual_seed(0)
    disc = Discriminator(5, 3, (8, 16), pac=4).eval()  # no dropout
    real, fake = torch.randn(12, 5), torch.randn(12, 5) + 2.0
    cond = torch.eye(3)[torch.arange(12) % 3]
    spec = types.SimpleNamespace(loss=loss, gradient_penalty=10.0)
    _, d_real, d_fake = GANNet.discriminator_objective(spec, disc, disc, real, fake, cond)
    torch.testing.assert_close(d_real, disc(real, cond))
    torch.testing.assert_close(d_fake, disc(fake, cond))
    assert not torch.allclose(d_real, d_fake)


# --- inference copies ------------------------------------------------------------------
def _trained_mlp(batch_norm=True, activation="relu"):
    torch.manual_seed(0)
    mlp = nn.Sequential(MLP(6, (16, 8), activation, batch_norm=batch_norm), nn.Linear(8, 3))
    opt = torch.optim.SGD(mlp.parameters(), lr=0.1)
    for _ in range(5):  # running statistics and weights away from their initial values
        opt.zero_grad()
        mlp(torch.randn(64, 6) * 3 + 1).pow(2).mean().backward()
        opt.step()
    return mlp


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_inference_copy_folds_batch_norm_and_matches_eval(activation):
    from sklearn_ganae.nn._modules import inference_copy

    mlp = _trained_mlp(activation=activation).train()
    fast = inference_copy(mlp)
    assert mlp.training  # the module's own mode is left as it was
    assert not any(isinstance(m, nn.BatchNorm1d) for m in fast.modules())
    assert any(isinstance(m, nn.BatchNorm1d) for m in mlp.modules())
    assert not any(p.requires_grad for p in fast.parameters())
    x = torch.randn(50, 6) * 3 + 1
    kept = x.clone()
    mlp.eval()
    with torch.no_grad():
        torch.testing.assert_close(fast(x), mlp(x), rtol=1e-5, atol=1e-5)
    assert torch.equal(x, kept)  # in-place activations never touch the input


def test_inference_copy_is_reused_until_the_weights_change():
    from sklearn_ganae.nn._modules import inference_copy

    mlp = _trained_mlp()
    fast = inference_copy(mlp)
    assert inference_copy(mlp) is fast
    x = torch.randn(20, 6)
    with torch.no_grad():
        before = fast(x)
        mlp[1].weight.mul_(2.0)  # an in-place update, as an optimiser step makes
    renewed = inference_copy(mlp)
    assert renewed is not fast
    mlp.eval()
    with torch.no_grad():
        torch.testing.assert_close(renewed(x), mlp(x), rtol=1e-5, atol=1e-5)
        assert not torch.allclose(renewed(x), before)
