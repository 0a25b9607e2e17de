"""Training machinery of :class:`~sklearn_ganae.GANSampler`.

- :class:`ConditionSpec` knows the condition columns of a GAN: a one-hot class label
  (a model fitted with ``y``) followed by one one-hot group per conditioned categorical
  column, of which one is active per row (CTGAN's conditional vector). It draws
  conditions, for training-by-sampling and for sampling.
- :class:`GANData` holds the encoded rows with the index that training-by-sampling
  needs (the rows of each category), and :class:`GANBatchIterator` draws full
  batches from it (whole-tensor operations only).
- :class:`GANNet` is the skorch net: the generator is ``module_``, the discriminator
  ``discriminator_``, each with its optimizer, and ``train_step`` alternates their
  updates.

Detection-based early stopping is in :mod:`sklearn_ganae.gan._early_stopping`.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.utils import TeeGenerator

from sklearn_ganae._streaming import StreamedRows
from sklearn_ganae._training import (
    TableDataset,
    TabularNet,
    TensorBatchIterator,
    epoch_permutation,
    shard,
    shard_size,
)
from sklearn_ganae.gan._modules import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    relaxed_activate,
)
from sklearn_ganae.nn._losses import block_logsumexp


class ConditionSpec:
    """Layout and distribution of a GAN's condition columns.

    Parameters
    ----------
    n_classes : int
        Width of the class one-hot (0 for a model fitted without ``y``).
    blocks : list of (start, stop)
        Encoded-column slices of the conditioned categorical columns.
    n_features : int
        Width of the encoded rows.
    """

    def __init__(self, n_classes: int, blocks, n_features: int):
        self.n_classes = int(n_classes)
        self.blocks = [(int(a), int(b)) for a, b in blocks]
        self.n_features = int(n_features)
        widths = [b - a for a, b in self.blocks]
        self.offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        self.width = self.n_classes + int(self.offsets[-1])
        # encoded column of every position of the column part
        self.columns = np.concatenate(
            [np.arange(a, b) for a, b in self.blocks] or [np.zeros(0, np.int64)]
        ).astype(np.int64)
        self.counts = None  # (max(n_classes, 1), n positions): training counts

    @property
    def n_blocks(self) -> int:
        return len(self.blocks)

    def fit(self, Z: np.ndarray, y_codes) -> ConditionSpec:
        """Count each category of each conditioned column, per class."""
        n_groups = max(self.n_classes, 1)
        groups = np.zeros(len(Z), np.int64) if y_codes is None else np.asarray(y_codes)
        counts = np.zeros((n_groups, int(self.offsets[-1])), dtype=np.float64)
        if self.n_blocks:
            part = Z[:, self.columns]
            for g in range(n_groups):
                counts[g] = part[groups == g].sum(axis=0)
        self.counts = counts
        return self

    def fit_counts(self, counts: np.ndarray) -> ConditionSpec:
        """Take the count of each category of each conditioned column (a model
        without classes), e.g. from a streaming pass."""
        self.counts = np.asarray(counts, dtype=np.float64).reshape(1, int(self.offsets[-1]))
        return self

    def category_codes(self, Z: torch.Tensor) -> torch.Tensor:
        """Category (position within its block) of each row in each conditioned block."""
        return torch.stack([Z[:, a:b].argmax(dim=1) for a, b in self.blocks], dim=1)

    def draw(self, n: int, y_codes: np.ndarray | None, rng, block=None, category=None):
        """Condition rows for sampling: the class one-hot and, for the column part,
        one block chosen uniformly (or ``block``) and a category drawn with its training
        frequency within the rows' class (or ``category``)."""
        out = np.zeros((n, self.width), dtype=np.float32)
        if self.n_classes:
            out[np.arange(n), y_codes] = 1.0
        if not self.n_blocks:
            return out
        groups = np.zeros(n, np.int64) if y_codes is None else np.asarray(y_codes)
        if block is None:
            chosen = rng.randint(self.n_blocks, size=n)
        else:
            chosen = np.full(n, block)
        positions = np.empty(n, dtype=np.int64)
        for j in np.unique(chosen):
            for g in np.unique(groups):
                rows = np.flatnonzero((chosen == j) & (groups == g))
                if not rows.size:
                    continue
                a, b = self.offsets[j], self.offsets[j + 1]
                if category is not None:
                    positions[rows] = a + category
                    continue
                weights = self.counts[g, a:b]
                if weights.sum() == 0:  # a class without rows: overall frequencies
                    weights = self.counts[:, a:b].sum(axis=0)
                positions[rows] = a + rng.choice(b - a, size=rows.size, p=weights / weights.sum())
        out[np.arange(n), self.n_classes + positions] = 1.0
        return out


def log_frequency_weights(counts: torch.Tensor, offsets) -> torch.Tensor:
    """Training-by-sampling's category weights: per conditioned block (a row, padded
    with zeros), the log of each category's count plus one, normalised."""
    widths = np.diff(offsets)
    weights = torch.zeros(len(widths), int(widths.max()), device=counts.device)
    for j in range(len(widths)):
        a, b = offsets[j], offsets[j + 1]
        weights[j, : b - a] = torch.log1p(counts[a:b].float())
    return weights / weights.sum(dim=1, keepdim=True)


class GANData(TableDataset):
    """Encoded rows, class codes, and the rows of each conditioned category.

    Training-by-sampling (Xu et al., 2019) draws a conditioned column uniformly, a
    category of it with probability proportional to the log of its frequency, then a
    real row of that category; the index built here makes the last step one tensor
    lookup per batch. A class-conditional GAN without conditioned columns draws the
    same way over its classes (``draw_by_class``).
    """

    def __init__(self, X, y=None, device="cpu", spec: ConditionSpec | None = None):
        super().__init__(X, y, device)
        self.spec = spec
        self._build()

    def _build(self):
        spec = self.spec
        self.class_rows = None
        if spec is not None and spec.n_classes and not spec.n_blocks and self.y is not None:
            # class-conditional without conditioned columns: rows are drawn class
            # first, each class with probability proportional to the log of its
            # frequency (training-by-sampling over the label), so that a minority
            # class is trained on far more often than its share of the rows
            y = self.y.long()
            counts = torch.bincount(y, minlength=spec.n_classes)
            self.class_rows = torch.argsort(y, stable=True)
            self.class_count = counts
            self.class_start = torch.cumsum(counts, 0) - counts
            weights = torch.log1p(counts.float())
            self.class_weights = weights / weights.sum()
        if spec is None or not spec.n_blocks:
            self.pair_rows = None
            return
        device = self.X.device
        codes = spec.category_codes(self.X)  # (n, n_blocks)
        offsets = torch.as_tensor(spec.offsets[:-1], device=device)
        pairs = (codes + offsets).T.reshape(-1)  # block-major: pair of every row in block j
        rows = torch.arange(len(self.X), device=device).repeat(spec.n_blocks)
        order = torch.argsort(pairs, stable=True)
        self.pair_rows = rows[order]
        n_pairs = int(spec.offsets[-1])
        counts = torch.bincount(pairs, minlength=n_pairs)
        self.pair_count = counts
        self.pair_start = torch.cumsum(counts, 0) - counts
        self.weights = log_frequency_weights(counts, spec.offsets)
        self.offsets = offsets

    def reweight(self, weights: torch.Tensor) -> None:
        """Draw categories with ``weights`` (per block, as ``self.weights``: those of
        the whole table) instead of this data's own frequencies; a category with no
        row here is not drawn."""
        present = torch.zeros_like(self.weights)
        for j in range(self.spec.n_blocks):
            a, b = self.spec.offsets[j], self.spec.offsets[j + 1]
            present[j, : b - a] = (self.pair_count[a:b] > 0).float()
        weights = weights.to(self.weights.device) * present
        self.weights = weights / weights.sum(dim=1, keepdim=True)

    def subset(self, index: torch.Tensor) -> GANData:
        out = GANData.__new__(GANData)
        out.X = self.X[index]
        out.y = None if self.y is None else self.y[index]
        out.spec = self.spec
        out._build()
        return out

    def conditions(self, rows: torch.Tensor, positions: torch.Tensor | None) -> torch.Tensor:
        """Condition rows for training rows ``rows`` (and column-part ``positions``)."""
        spec = self.spec
        n = rows.shape[0]
        out = torch.zeros(n, 0 if spec is None else spec.width, device=self.X.device)
        if spec is None:
            return out
        arange = torch.arange(n, device=self.X.device)
        if spec.n_classes:
            out[arange, self.y[rows]] = 1.0
        if positions is not None:
            out[arange, spec.n_classes + positions] = 1.0
        return out

    def draw_by_class(self, n: int) -> torch.Tensor:
        """``n`` row indices, class first (log-frequency weights), then a row of it."""
        cls = torch.multinomial(self.class_weights, n, replacement=True)
        pick = (torch.rand(n, device=self.X.device) * self.class_count[cls]).long()
        pick = torch.minimum(pick, self.class_count[cls] - 1)
        return self.class_rows[self.class_start[cls] + pick]

    def draw(self, n: int):
        """``n`` rows by training-by-sampling: (row indices, column-part positions)."""
        device = self.X.device
        block = torch.randint(self.spec.n_blocks, (n,), device=device)
        category = torch.multinomial(self.weights[block], 1).squeeze(1)
        pair = self.offsets[block] + category
        pick = (torch.rand(n, device=device) * self.pair_count[pair]).long()
        pick = torch.minimum(pick, self.pair_count[pair] - 1)
        return self.pair_rows[self.pair_start[pair] + pick], pair


class GANBatchIterator(TensorBatchIterator):
    """Full batches of ``batch_size`` rows (a multiple of the discriminator's pack).

    Without conditioned columns or classes an epoch is a random permutation of the
    rows cut into ``len(dataset) // batch_size`` batches; with them, each batch is
    drawn by training-by-sampling (over the conditioned columns, or else the
    classes). Yields ``(real_rows, conditions)``. With ``world_size > 1`` every
    process takes as many batches (``len``): of the epoch's permutation, its shard
    ``rank``, as :class:`~sklearn_ganae._training.TensorBatchIterator` does; by
    training-by-sampling, draws from the whole table with the global generator, which
    a data-parallel backend seeds differently in each process.
    """

    def __init__(self, dataset, batch_size, shuffle=True, drop_last=True, **kwargs):
        super().__init__(dataset, batch_size, shuffle=shuffle, drop_last=drop_last, **kwargs)

    def __len__(self) -> int:
        n = shard_size(len(self.dataset), self.rank, self.world_size)
        return max(1, n // self.batch_size)

    def __iter__(self):
        data, size = self.dataset, self.batch_size
        if isinstance(data, StreamedRows):
            yield from self._streamed(data, size)
            return
        if data.class_rows is not None:
            for _ in range(len(self)):
                rows = data.draw_by_class(size)
                yield data.X[rows], data.conditions(rows, None)
            return
        if data.pair_rows is not None:
            # training-by-sampling draws rows from the global generator, which a
            # data-parallel backend seeds differently in each process
            for _ in range(len(self)):
                rows, positions = data.draw(size)
                yield data.X[rows], data.conditions(rows, positions)
            return
        order = shard(
            epoch_permutation(len(data), data.X.device, self.world_size, self.seed, self.epoch_),
            self.rank,
            self.world_size,
        )
        self.epoch_ += 1
        for i in range(len(self)):
            rows = order[i * size : (i + 1) * size]
            yield data.X[rows], data.conditions(rows, None)

    def _streamed(self, data: StreamedRows, size: int):
        """An epoch of a streamed table: each shuffle buffer is drawn from by
        training-by-sampling (its categories weighted by the log of their frequency
        in the whole table, from the streaming pass), or cut into full batches."""
        epoch, self.epoch_ = self.epoch_, self.epoch_ + 1
        todo = len(self)
        for block in data.buffers(epoch, self.rank, self.world_size):
            if data.spec is not None and data.spec.n_blocks:
                part = GANData(block, None, device=block.device, spec=data.spec)
                part.reweight(data.weights)
                for _ in range(min(todo, max(1, len(block) // size))):
                    rows, positions = part.draw(size)
                    yield part.X[rows], part.conditions(rows, positions)
                    todo -= 1
            else:
                for i in range(min(todo, len(block) // size)):
                    rows = slice(i * size, (i + 1) * size)
                    yield block[rows], block.new_zeros(size, 0)
                    todo -= 1
            if todo <= 0:
                return


def _autocast_enabled(device_type: str) -> bool:
    """Whether autocast is on for ``device_type`` here (any torch version)."""
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4: no device argument
        if device_type == "cpu":
            return torch.is_autocast_cpu_enabled()
        return torch.is_autocast_enabled()


# the optimizers of each player, by skorch name (``optimizer_`` is the generator's)
_GENERATOR = ("optimizer",)
_DISCRIMINATOR = ("discriminator_optimizer",)


class GANNet(TabularNet):
    """skorch net of a GAN: alternating discriminator and generator updates.

    ``module_`` is the generator (what ``EarlyStopping``-style restores and pickling
    see first), ``discriminator_`` the discriminator, ``autoencoder_`` an optional
    frozen autoencoder for the reconstruction term. ``optimizer_`` updates the
    generator and ``discriminator_optimizer_`` the discriminator; both are built in
    :meth:`initialize_optimizer` (the one place to change them, e.g. for DP-SGD).

    Per batch: one discriminator update; every ``n_critic`` batches, one generator
    update. In a data-parallel run both players are wrapped in DDP
    (``_data_parallel_modules``) and each update averages its gradients across the
    processes. ``history`` records per epoch ``train_loss`` (the generator's loss),
    ``train_d_loss`` and, for WGAN-GP, ``train_wasserstein`` (the critic's estimate
    of the Wasserstein distance, ``E[D(real)] - E[D(fake)]``).
    """

    def __init__(
        self,
        *args,
        discriminator=None,
        autoencoder=None,
        loss="wgan-gp",
        gradient_penalty=10.0,
        n_critic=1,
        tau=0.2,
        reconstruction_weight=0.0,
        condition_columns=None,
        n_classes=0,
        discriminator_lr=None,
        **kwargs,
    ):
        # torch modules may only be set before skorch's initialisation starts
        self.discriminator = discriminator
        self.autoencoder = autoencoder
        super().__init__(*args, **kwargs)
        self.loss = loss
        self.gradient_penalty = gradient_penalty
        self.n_critic = n_critic
        self.tau = tau
        self.reconstruction_weight = reconstruction_weight
        self.condition_columns = condition_columns
        self.n_classes = n_classes
        self.discriminator_lr = discriminator_lr

    def initialize_module(self):
        super().initialize_module()
        self.discriminator_ = self.discriminator.to(self.device)
        if self.autoencoder is not None:
            self.autoencoder_ = self.autoencoder.to(self.device).eval().requires_grad_(False)
        index = self.get_module().decoder.index
        n_features = index.n_features
        columns = (
            np.zeros(0, np.int64) if self.condition_columns is None else self.condition_columns
        )
        select = torch.zeros(n_features, len(columns))
        select[torch.as_tensor(columns, dtype=torch.long), torch.arange(len(columns))] = 1.0
        self._condition_select = select.to(self.device)
        self._condition_blocks = (select.T @ index.cat_member.cpu()).to(self.device)
        self._d_steps = 0
        # the loss recorded for batches before the first generator update (n_critic > 1),
        # on the device of the others (the epoch's batch losses are stacked there)
        self._last_g_loss = torch.tensor(0.0, device=self.device)
        # device tensors pickled the way skorch pickles modules: loadable on a
        # machine without the device (skorch maps them to the CPU there)
        extra = [a for a in self._DEVICE_TENSORS if a not in self.cuda_dependent_attributes_]
        self.cuda_dependent_attributes_ = self.cuda_dependent_attributes_[:] + extra
        return self

    def initialize_optimizer(self, triggered_directly=None):
        generator = self.get_module()
        params = [(n, p) for n, p in generator.named_parameters() if p.requires_grad]
        args, kwargs = self.get_params_for_optimizer("optimizer", params)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", self.get_module("discriminator").named_parameters()
        )
        if self.discriminator_lr is not None:
            kwargs["lr"] = self.discriminator_lr
        self.discriminator_optimizer_ = self.optimizer(*args, **kwargs)
        return self

    def _set_training(self, training=True):
        super()._set_training(training)
        if getattr(self, "autoencoder_", None) is not None:
            self.autoencoder_.eval()

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # a GAN has no validation loss: its held-out rows (skorch's validation set)
        # are judged by DetectionEarlyStopping, not by validation epochs
        if training:
            super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def _notify_grad(self, module, batch):
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(module.named_parameters()),
            batch=batch,
            training=True,
        )

    _DEVICE_TENSORS = ("_condition_select", "_condition_blocks", "_last_g_loss")

    # both players' gradients are averaged across the processes of a data-parallel run
    _data_parallel_modules = ("module", "discriminator")

    def train_step(self, batch, **fit_params):
        real, cond = batch
        # the training forward passes go through the modules as the net holds them
        # (a backend's wrappers included), so that their gradients are synchronised;
        # attributes are read from the modules themselves. Two passes use the plain
        # discriminator: the gradient penalty (see discriminator_objective) and the
        # generator's update (the discriminator is frozen there: a pass through its
        # DDP wrapper would wait for parameter gradients that never come). Every
        # forward pass of the players goes through in_precision (bf16 autocast when
        # asked, float32 outputs); the gradient penalty stays float32
        G, D = self.module_, self.discriminator_
        D_plain = self.get_module("discriminator")
        index = self.get_module().decoder.index
        noise_dim = self.get_module().noise_dim
        n = real.shape[0]
        update_g = (self._d_steps + 1) % self.n_critic == 0
        # one generator pass per step: the discriminator trains on the detached rows,
        # then the generator's graph (its weights unchanged since) meets the updated
        # discriminator; this saves a third of the generator's work per step
        noise = torch.randn(n, noise_dim, device=real.device)
        with torch.set_grad_enabled(update_g):
            raw = self.in_precision(G)(noise, cond)
            fake_g = relaxed_activate(index, raw, self.tau)
        fake = fake_g.detach()
        # --- discriminator ---
        loss_d, d_real, d_fake = self.discriminator_objective(
            self.in_precision(D), D_plain, real, fake, cond
        )
        self._zero_grad_optimizer(set_to_none=True, names=_DISCRIMINATOR)
        self.backward(loss_d)
        self._notify_grad(D, batch)
        self._step_optimizer(None, names=_DISCRIMINATOR)
        # kept on the device until the end of the epoch (no host sync per batch)
        self.record_batch_value("train_d_loss", loss_d)
        if self.loss == "wgan-gp":
            gap = d_real.detach().mean() - d_fake.detach().mean()
            self.record_batch_value("train_wasserstein", gap)
        self._d_steps += 1
        if not update_g:
            return {"loss": self._last_g_loss, "y_pred": None}
        # --- generator ---
        D_plain.requires_grad_(False)
        loss_g = generator_loss(self.loss, self.in_precision(D_plain)(fake_g, cond))
        if self._condition_select.shape[1]:
            loss_g = loss_g + self._condition_loss(index, raw, cond)
        if self.reconstruction_weight > 0:
            ae = self.autoencoder_
            rec = self.in_precision(lambda x: ae.decoder(ae.encoder(x)))(fake_g)
            loss_g = loss_g + self.reconstruction_weight * self.criterion_(rec, fake_g)
        self._zero_grad_optimizer(set_to_none=True, names=_GENERATOR)
        self.backward(loss_g)
        D_plain.requires_grad_(True)
        self._notify_grad(G, batch)
        self._step_optimizer(None, names=_GENERATOR)
        self._last_g_loss = loss_g.detach()
        return {"loss": self._last_g_loss, "y_pred": None}

    def discriminator_objective(self, D, D_plain, real, fake, cond):
        """The discriminator's loss on a batch, and its scores of real and fake rows.

        ``D`` is the discriminator as the net holds it (a DDP wrapper in a
        data-parallel run, through :meth:`in_precision` in a train step), ``D_plain``
        the module itself. The scores go through ``D``; WGAN-GP's gradient penalty
        goes through ``D_plain``: its ``torch.autograd.grad(..., create_graph=True)``
        differentiates with respect to the interpolated rows only (no parameter
        gradient is accumulated there, so DDP's hooks do not fire), and the
        penalty's own gradient reaches the parameters in the one backward pass of
        the loss, where DDP averages it together with the rest of the gradient. The
        penalty is computed in float32, also when the caller runs under autocast: a
        gradient norm (and its second derivative) in bfloat16 is too coarse.
        """
        d_real, d_fake = D(real, cond), D(fake, cond)
        loss_d = discriminator_loss(self.loss, d_real, d_fake)
        if self.loss == "wgan-gp":
            device_type = real.device.type
            if _autocast_enabled(device_type):  # a caller's autocast: not here
                with torch.autocast(device_type, enabled=False):
                    penalty = gradient_penalty(D_plain, real, fake, cond)
            else:
                penalty = gradient_penalty(D_plain, real, fake, cond)
            loss_d = loss_d + self.gradient_penalty * penalty
        return loss_d, d_real, d_fake

    def _condition_loss(self, index, raw, cond):
        """Cross-entropy of the conditioned category under the generator's logits."""
        part = cond[:, self.n_classes :]
        picked = ((raw @ self._condition_select) * part).sum(dim=1)
        chosen = part @ self._condition_blocks
        return ((block_logsumexp(index, raw) * chosen).sum(dim=1) - picked).mean()
