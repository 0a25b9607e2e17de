"""Generator, discriminator and losses of a tabular GAN.

The generator maps noise (and condition columns) to a code and decodes the code into
raw outputs in a table's layout, so that its decoder can be an autoencoder's decoder
(pretraining, as in medGAN). The discriminator encodes each row with a body that can
be an autoencoder's encoder, then judges ``pac`` rows at a time (PacGAN). The GAN's
categorical outputs are relaxed one-hot samples (Gumbel-softmax), computed with dense
operations only, like the losses.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from sklearn_ganae.nn import MLP, Decoder, Encoder, LayoutIndex
from sklearn_ganae.nn._init_args import records_init_args


def relaxed_activate(
    index: LayoutIndex,
    logits: torch.Tensor,
    tau: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Raw outputs to values in the encoded space, differentiably.

    Continuous columns pass through. Each one-hot group becomes a softmax of its
    logits or, with ``tau``, a Gumbel-softmax sample at that temperature (a relaxed
    one-hot draw); each missing indicator becomes a sigmoid or, with ``tau``, a
    relaxed Bernoulli draw. Every step is a dense whole-batch operation (no gather
    and no scatter in the backward pass). Without ``tau`` (sampling, no gradient)
    this is :meth:`LayoutIndex.activate`.
    """
    if tau is None:
        return index.activate(logits)
    out = logits
    if index.missing.numel():
        is_missing = torch.zeros(
            logits.shape[1], dtype=torch.bool, device=logits.device
        ).index_fill_(0, index.missing, True)
        u = torch.rand(logits.shape, device=logits.device, generator=generator)
        u = u.clamp(1e-6, 1 - 1e-6)
        scores = (logits + torch.log(u) - torch.log1p(-u)) / tau
        out = torch.where(is_missing, torch.sigmoid(scores), out)
    if index.n_categorical:
        u = torch.rand(logits.shape, device=logits.device, generator=generator)
        gumbel = -torch.log(-torch.log(u.clamp(1e-10, 1.0 - 1e-7)))
        scores = (logits + gumbel) / tau
        member = index.cat_member.to(logits.dtype)
        with torch.no_grad():
            shift = index.padded(scores, float("-inf")).amax(dim=-1) @ member.T
        e = torch.exp(torch.where(index.cat_mask, scores - shift, float("-inf")))
        total = (e @ member) @ member.T
        probs = e / total.clamp_min(torch.finfo(logits.dtype).tiny)
        out = torch.where(index.cat_mask, probs, out)
    return out


@records_init_args
class Generator(nn.Module):
    """Noise and conditions to raw outputs: a mapping into a code, then a decoder.

    Parameters
    ----------
    layout : TabularLayout
    noise_dim : int
        Width of the noise input.
    n_conditions : int
        Width of the condition columns appended to the noise.
    code_dim : int
        Width of the code between the mapping and the decoder.
    mapping_sizes, decoder_sizes : sequence of int
        Hidden layers of the mapping and of the decoder.
    residual : bool, default=False
        The hidden layers of both as :class:`~sklearn_ganae.nn.ConcatResidual`
        blocks (CTGAN's generator).
    """

    def __init__(
        self,
        layout,
        noise_dim: int,
        n_conditions: int,
        code_dim: int,
        mapping_sizes: Sequence[int] = (256,),
        decoder_sizes: Sequence[int] = (256, 256),
        residual: bool = False,
    ):
        super().__init__()
        self.noise_dim = int(noise_dim)
        self.n_conditions = int(n_conditions)
        self.mapping = nn.Sequential(
            MLP(
                self.noise_dim + self.n_conditions,
                mapping_sizes,
                "relu",
                batch_norm=True,
                residual=residual,
            ),
        )
        self.mapping.append(nn.Linear(self.mapping[0].n_outputs, code_dim))
        self.decoder = make_decoder(layout, code_dim, decoder_sizes, residual)

    def forward(self, noise: torch.Tensor, conditions: torch.Tensor) -> torch.Tensor:
        if self.n_conditions:
            noise = torch.cat([noise, conditions], dim=1)
        return self.decoder(self.mapping(noise))


def make_decoder(
    layout, code_dim: int, hidden_sizes: Sequence[int], residual: bool = False
) -> Decoder:
    """The decoder shared by the generator and the pretraining autoencoder."""
    return Decoder(layout, code_dim, hidden_sizes, "relu", batch_norm=True, residual=residual)


def make_encoder(n_features: int, code_dim: int, body_size: int) -> Encoder:
    """The encoder of the pretraining autoencoder; its body fits the discriminator."""
    return Encoder(n_features, code_dim, (body_size,), "leaky_relu")


@records_init_args
class Discriminator(nn.Module):
    """Scores of packs of ``pac`` rows: a per-row body, then a head on each pack.

    Each row goes through ``Linear -> LeakyReLU`` (``hidden_sizes[0]`` units, the body
    an autoencoder's encoder can initialise); the body outputs of ``pac`` consecutive
    rows and their conditions are concatenated and scored by an MLP head with the
    remaining hidden layers (LeakyReLU and dropout). With conditions, a projection
    term (the inner product of a learnt embedding of each row's conditions with its
    body output, summed over the pack) is added: it lets the discriminator check
    that a row matches its condition much sooner than through the concatenation.

    Parameters
    ----------
    n_features : int
    n_conditions : int
    hidden_sizes : sequence of int
        At least one size.
    pac : int, default=10
        Rows judged together (PacGAN); batches must be multiples of it.
    dropout : float, default=0.5
    """

    def __init__(
        self,
        n_features: int,
        n_conditions: int,
        hidden_sizes: Sequence[int] = (128, 128),
        pac: int = 10,
        dropout: float = 0.5,
    ):
        super().__init__()
        sizes = tuple(hidden_sizes)
        self.pac = int(pac)
        self.n_conditions = int(n_conditions)
        self.body = MLP(n_features, sizes[:1], "leaky_relu")
        width = self.pac * (self.body.n_outputs + self.n_conditions)
        self.head = MLP(width, sizes[1:], "leaky_relu", dropout=dropout)
        self.out = nn.Linear(self.head.n_outputs, 1)
        # projection term (Miyato & Koyama, 2018): <embedding(condition), body(row)>
        self.projection = (
            nn.Linear(self.n_conditions, self.body.n_outputs, bias=False)
            if self.n_conditions
            else None
        )

    def forward(self, x: torch.Tensor, conditions: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        if not self.n_conditions:
            return self.out(self.head(h.reshape(-1, self.pac * h.shape[1]))).squeeze(1)
        projected = (self.projection(conditions) * h).sum(dim=1).reshape(-1, self.pac).sum(1)
        h = torch.cat([h, conditions], dim=1).reshape(
            -1, self.pac * (h.shape[1] + self.n_conditions)
        )
        return self.out(self.head(h)).squeeze(1) + projected


def gradient_penalty(
    discriminator: Discriminator,
    real: torch.Tensor,
    fake: torch.Tensor,
    conditions: torch.Tensor,
) -> torch.Tensor:
    """WGAN-GP penalty ``E[(||grad D(x_hat)|| - 1)^2]`` on real/fake interpolates.

    One mixing weight per pack, and the gradient norm of each pack's score with
    respect to its ``pac`` rows (Gulrajani et al., 2017, with PacGAN's packing).
    """
    pac = discriminator.pac
    alpha = torch.rand(real.shape[0] // pac, 1, 1, device=real.device)
    alpha = alpha.expand(-1, pac, 1).reshape(-1, 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = discriminator(mixed, conditions)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grad.reshape(-1, pac * grad.shape[1]).norm(2, dim=1)
    return (norms - 1.0).square().mean()


def discriminator_loss(kind: str, real_scores, fake_scores) -> torch.Tensor:
    """``"wgan-gp"``: ``E[D(fake)] - E[D(real)]``; ``"logistic"``: cross-entropy."""
    if kind == "wgan-gp":
        return fake_scores.mean() - real_scores.mean()
    return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()


def generator_loss(kind: str, fake_scores) -> torch.Tensor:
    """``"wgan-gp"``: ``-E[D(fake)]``; ``"logistic"``: the non-saturating loss."""
    if kind == "wgan-gp":
        return -fake_scores.mean()
    return F.softplus(-fake_scores).mean()
