"""Layout-aware reconstruction loss for mixed-type rows."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from sklearn_ganae.nn._layout import LayoutIndex


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
            scores = idx.padded(logits, float("-inf"))
            t = idx.padded(target, 0.0)
            log_norm = torch.logsumexp(scores, dim=-1)
            picked = (t * idx.padded(logits, 0.0)).sum(dim=-1)
            ce = t.sum(dim=-1) * log_norm - picked
            per_row = per_row + ce.sum(dim=1)
        per_row = per_row / max(idx.n_blocks, 1)
        if reduction == "none":
            return per_row
        if reduction == "mean":
            return per_row.mean()
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}.")
