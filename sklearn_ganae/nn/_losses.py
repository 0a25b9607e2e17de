"""Layout-aware losses for mixed-type rows: reconstruction, likelihood, KL."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from sklearn_ganae.nn._init_args import records_init_args
from sklearn_ganae.nn._layout import LayoutIndex


@records_init_args
class ReconstructionLoss(nn.Module):
    """Negative log-likelihood of encoded rows given raw decoder outputs.

    Per row: the squared error of each continuous value, the cross-entropy of each
    one-hot group (softmax over the group's logits) and the binary cross-entropy of
    each missing indicator, averaged over the layout's blocks. For an all-continuous
    table this is the mean squared error per feature, the figure PCA minimises.

    A one-hot group whose target row is all zeros (an unknown category encoded with
    ``handle_unknown="ignore"``) contributes nothing; soft targets are accepted.

    Parameters
    ----------
    layout : TabularLayout
        The fitted encoder's ``layout_``.
    """

    def __init__(self, layout):
        super().__init__()
        self.index = LayoutIndex(layout)

    def forward(
        self, logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
    ) -> torch.Tensor:
        """Loss of ``logits`` against ``target`` (both ``(batch, n_features)``).

        ``reduction="none"`` returns one value per row, ``"mean"`` their mean.
        """
        idx = self.index
        per_row = logits.new_zeros(logits.shape[0])
        if idx.continuous.numel():
            diff = logits[:, idx.continuous] - target[:, idx.continuous]
            per_row = per_row + diff.square().sum(dim=1)
        if idx.missing.numel():
            bce = F.binary_cross_entropy_with_logits(
                logits[:, idx.missing], target[:, idx.missing], reduction="none"
            )
            per_row = per_row + bce.sum(dim=1)
        if idx.n_categorical:
            per_row = per_row + _categorical_cross_entropy(idx, logits, target)
        per_row = per_row / max(idx.n_blocks, 1)
        if reduction == "none":
            return per_row
        if reduction == "mean":
            return per_row.mean()
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}.")


_HALF_LOG_2PI = 0.9189385332046727


def negative_log_likelihood(
    index: LayoutIndex,
    logits: torch.Tensor,
    target: torch.Tensor,
    log_scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """Per-row negative log-likelihood (nats) of encoded rows under decoder outputs.

    Continuous values: Gaussian with mean ``logits`` and standard deviation
    ``exp(log_scale)`` (one per continuous column; 1 when ``None``); one-hot groups:
    categorical with softmax probabilities; missing indicators: Bernoulli. Summed
    over the layout's blocks (a likelihood, unlike :class:`ReconstructionLoss`, which
    averages). Densities are in the encoder's normalised units.
    """
    per_row = logits.new_zeros(logits.shape[0])
    if index.continuous.numel():
        diff = logits[:, index.continuous] - target[:, index.continuous]
        if log_scale is None:
            nll = 0.5 * diff.square() + _HALF_LOG_2PI
        else:
            nll = 0.5 * (diff * torch.exp(-log_scale)).square() + log_scale + _HALF_LOG_2PI
        per_row = per_row + nll.sum(dim=1)
    if index.missing.numel():
        bce = F.binary_cross_entropy_with_logits(
            logits[:, index.missing], target[:, index.missing], reduction="none"
        )
        per_row = per_row + bce.sum(dim=1)
    if index.n_categorical:
        per_row = per_row + _categorical_cross_entropy(index, logits, target)
    return per_row


def _categorical_cross_entropy(index, logits, target):
    # CE of a block = (sum of its targets) * logsumexp(its logits) - sum(target * logit)
    member = index.cat_member.to(logits.dtype)
    log_norm = block_logsumexp(index, logits)
    picked = (target * logits) @ member
    return (log_norm * (target @ member) - picked).sum(dim=1)


def block_logsumexp(index: LayoutIndex, logits: torch.Tensor) -> torch.Tensor:
    """``logsumexp`` of each categorical block's logits, as ``(batch, n_blocks)``.

    Only dense operations carry gradients: the per-block maximum that keeps the
    exponentials in range is a constant (the result does not depend on it), and the
    per-block sums are a matmul with the membership matrix. Gathering the blocks into
    a padded view instead costs a scatter in the backward pass, twice the time of the
    whole loss on small batches.
    """
    member = index.cat_member.to(logits.dtype)
    with torch.no_grad():
        shift = index.padded(logits, float("-inf")).amax(dim=-1)
        shift_cols = shift @ member.T
    shifted = torch.where(index.cat_mask, logits - shift_cols, float("-inf"))
    return torch.log(torch.exp(shifted) @ member) + shift


def gaussian_kl(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """Per-row KL divergence (nats) of ``N(mean, exp(log_var))`` from ``N(0, I)``."""
    return 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(dim=1)
