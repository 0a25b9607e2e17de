"""Vectorised, device-resident index views of a tabular layout.

A :class:`LayoutIndex` turns the blocks of a :class:`~sklearn_ganae.TabularLayout`
into index buffers, so that every block operation (softmax over each one-hot group,
Gumbel-softmax, per-block cross-entropy) runs as a handful of tensor operations on the
whole batch, never as a Python loop over blocks or rows. Categorical blocks of
different widths are gathered into a padded ``(batch, n_blocks, max_width)`` view.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sklearn_ganae._layout import CATEGORICAL, CONTINUOUS, MISSING
from sklearn_ganae.nn._init_args import records_init_args


@records_init_args
class LayoutIndex(nn.Module):
    """Index buffers for the blocks of a layout (moved with the module to a device).

    Parameters
    ----------
    layout : TabularLayout
        The fitted encoder's ``layout_``.

    Attributes
    ----------
    n_features : int
        Width of the encoded rows.
    n_blocks : int
        Number of blocks (the unit a per-row loss is averaged over).
    """

    def __init__(self, layout):
        super().__init__()
        self.n_features = int(layout.n_features)
        self.n_blocks = len(layout)
        cat_blocks = layout.blocks(CATEGORICAL)
        max_width = max((b.width for b in cat_blocks), default=1)
        gather = np.zeros((len(cat_blocks), max_width), dtype=np.int64)
        valid = np.zeros((len(cat_blocks), max_width), dtype=bool)
        for i, b in enumerate(cat_blocks):
            gather[i, : b.width] = np.arange(b.start, b.stop)
            valid[i, : b.width] = True
        self.register_buffer("continuous", torch.as_tensor(layout.indices(CONTINUOUS)))
        self.register_buffer("missing", torch.as_tensor(layout.indices(MISSING)))
        self.register_buffer("cat_gather", torch.as_tensor(gather))
        self.register_buffer("cat_valid", torch.as_tensor(valid))
        self.register_buffer("cat_flat", torch.as_tensor(gather[valid]))
        # block membership of every output column (0/1, n_features x n_blocks): a
        # per-block sum is one small matmul, whose backward is cheaper than a scatter
        member = np.zeros((self.n_features, len(cat_blocks)), dtype=np.float32)
        for i, b in enumerate(cat_blocks):
            member[b.start : b.stop, i] = 1.0
        self.register_buffer("cat_member", torch.as_tensor(member))
        self.register_buffer("cat_mask", torch.as_tensor(member.sum(axis=1) > 0))
        self.n_categorical = len(cat_blocks)

    def padded(self, x: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
        """Categorical columns of ``x`` as ``(batch, n_blocks, max_width)``."""
        out = x[:, self.cat_gather]
        return out.masked_fill(~self.cat_valid, fill)

    def activate(
        self,
        logits: torch.Tensor,
        *,
        tau: float | None = None,
        hard: bool = False,
    ) -> torch.Tensor:
        """Turn raw decoder outputs into values in the encoded space.

        Continuous columns pass through, missing indicators go through a sigmoid and
        each one-hot group through a softmax, or a Gumbel-softmax at temperature
        ``tau`` when it is given (``hard=True``: straight-through one-hot samples).
        """
        out = logits.clone()
        if self.missing.numel():
            out[:, self.missing] = torch.sigmoid(logits[:, self.missing])
        if self.n_categorical:
            if tau is None:
                # every group's softmax at once, dense: exp of the logits less their
                # group's maximum, over the group's sum (two small matmuls with the
                # 0/1 membership); torch.softmax over a padded view of short groups
                # is several times slower on the CPU
                member = self.cat_member.to(logits.dtype)
                shift = self.padded(logits, float("-inf")).amax(dim=-1) @ member.T
                e = torch.exp(torch.where(self.cat_mask, logits - shift, float("-inf")))
                total = (e @ member) @ member.T
                probs = e / total.clamp_min(torch.finfo(logits.dtype).tiny)
                out = torch.where(self.cat_mask, probs, out)
            else:
                scores = self.padded(logits, float("-inf"))
                probs = nn.functional.gumbel_softmax(scores, tau=tau, hard=hard, dim=-1)
                out[:, self.cat_flat] = probs[:, self.cat_valid]
        return out
