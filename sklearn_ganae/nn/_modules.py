"""Multilayer perceptrons, tabular encoders and decoders, and the autoencoder."""

from __future__ import annotations

import copy
import weakref
from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_linear_bn_eval

from sklearn_ganae.nn._init_args import records_init_args
from sklearn_ganae.nn._layout import LayoutIndex

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "selu": nn.SELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module by name (one of ``relu``, ``leaky_relu``, ``elu``,
    ``gelu``, ``selu``, ``silu``, ``tanh``)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}."
        ) from None


class ConcatResidual(nn.Sequential):
    """``Linear -> [BatchNorm1d] -> activation -> [Dropout]``, its output concatenated
    with its input (the residual layer of CTGAN's generator): the next layer sees both
    what this one computed and what it was given."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([super().forward(x), x], dim=1)


@records_init_args
class MLP(nn.Sequential):
    """Stack of ``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` layers.

    Parameters
    ----------
    n_inputs : int
        Input width.
    hidden_sizes : sequence of int
        Width of each hidden layer; empty gives the identity.
    activation : str, default="relu"
        See :func:`make_activation`.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.
    batch_norm : bool, default=False
        Batch normalisation before each activation.
    residual : bool, default=False
        Each layer a :class:`ConcatResidual` block: its output concatenated with its
        input, so the widths add up (``n_outputs = n_inputs + sum(hidden_sizes)``).
    """

    def __init__(
        self,
        n_inputs: int,
        hidden_sizes: Sequence[int],
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        residual: bool = False,
    ):
        layers: list[nn.Module] = []
        width = n_inputs
        for size in hidden_sizes:
            layer = [nn.Linear(width, size)]
            if batch_norm:
                layer.append(nn.BatchNorm1d(size))
            layer.append(make_activation(activation))
            if dropout > 0:
                layer.append(nn.Dropout(dropout))
            if residual:
                layers.append(ConcatResidual(*layer))
                width += size
            else:
                layers.extend(layer)
                width = size
        super().__init__(*layers)
        self.n_outputs = width


@records_init_args
class Encoder(nn.Module):
    """Map encoded rows to latent codes: an :class:`MLP` and a linear bottleneck.

    With ``linear_skip=True`` a linear map of the input is added to the output, so
    the encoder is a linear projection plus a nonlinear correction (see
    :meth:`Autoencoder.init_from_pca`).
    """

    def __init__(
        self,
        n_features: int,
        n_components: int,
        hidden_sizes: Sequence[int] = (128, 64),
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        linear_skip: bool = False,
    ):
        super().__init__()
        self.body = MLP(n_features, hidden_sizes, activation, dropout, batch_norm)
        self.head = nn.Linear(self.body.n_outputs, n_components)
        self.skip = nn.Linear(n_features, n_components) if linear_skip else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.head(self.body(x))
        return out if self.skip is None else out + self.skip(x)


@records_init_args
class Decoder(nn.Module):
    """Map latent codes to raw outputs in a table's layout, with layout-aware heads.

    ``forward`` returns raw outputs (logits for one-hot groups and missing
    indicators, values for continuous columns): what the losses take.
    :meth:`activate` turns them into the encoded space (probabilities and values).
    """

    def __init__(
        self,
        layout,
        n_components: int,
        hidden_sizes: Sequence[int] = (64, 128),
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        linear_skip: bool = False,
        residual: bool = False,
    ):
        super().__init__()
        self.index = LayoutIndex(layout)
        self.body = MLP(n_components, hidden_sizes, activation, dropout, batch_norm, residual)
        self.head = nn.Linear(self.body.n_outputs, self.index.n_features)
        self.skip = nn.Linear(n_components, self.index.n_features) if linear_skip else None

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.head(self.body(z))
        return out if self.skip is None else out + self.skip(z)

    def activate(self, logits: torch.Tensor, **kwargs) -> torch.Tensor:
        """See :meth:`LayoutIndex.activate`."""
        return self.index.activate(logits, **kwargs)


@records_init_args
class Autoencoder(nn.Module):
    """An encoder and a decoder trained together on reconstruction.

    Parameters
    ----------
    encoder : Encoder
    decoder : Decoder
    corruption : float, default=0.0
        Denoising: during training, each input entry is zeroed with this probability
        (masking noise) before encoding; the target stays the clean row.
    """

    def __init__(self, encoder: Encoder, decoder: Decoder, corruption: float = 0.0):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.corruption = corruption

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.corruption > 0:
            keep = torch.rand_like(x) >= self.corruption
            x = x * keep
        return self.decoder(self.encoder(x))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    @torch.no_grad()
    def init_from_pca(self, components: torch.Tensor, mean: torch.Tensor) -> None:
        """Start training at PCA's solution, with the nonlinear paths switched off.

        The linear skips become PCA's projection (``components @ (x - mean)``) and
        reconstruction (``components.T @ z + mean``), and the last layers of the
        nonlinear paths are zeroed, so the untrained autoencoder reconstructs exactly
        as PCA does and training can only add nonlinear corrections to it. Needs
        ``linear_skip=True`` in the encoder and the decoder.
        """
        if self.encoder.skip is None or self.decoder.skip is None:
            raise ValueError("init_from_pca needs an encoder and a decoder with linear_skip=True.")
        components = torch.as_tensor(components, dtype=torch.float32)
        mean = torch.as_tensor(mean, dtype=torch.float32)
        self.encoder.skip.weight.copy_(components)
        self.encoder.skip.bias.copy_(-components @ mean)
        self.decoder.skip.weight.copy_(components.T)
        self.decoder.skip.bias.copy_(mean)
        for head in (self.encoder.head, self.decoder.head):
            head.weight.zero_()
            head.bias.zero_()

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes to values in the encoded space (probabilities for one-hot groups)."""
        return self.decoder.activate(self.decoder(z))


@records_init_args
class VariationalAutoencoder(nn.Module):
    """A (conditional) variational autoencoder for encoded tabular rows.

    The input of :meth:`forward` is an encoded row, followed by ``n_conditions``
    condition columns (a one-hot class label for a conditional model) that both the
    encoder and the decoder receive. The encoder gives the mean and log-variance of a
    diagonal Gaussian posterior; a code is drawn with the reparameterisation trick
    and decoded into raw outputs in the table's layout.

    Parameters
    ----------
    layout : TabularLayout
    n_components : int
        Latent dimension.
    hidden_sizes : sequence of int
        Encoder hidden layers; the decoder mirrors them.
    activation, dropout, batch_norm
        See :class:`MLP`.
    n_conditions : int, default=0
        Number of condition columns appended to each input row.
    learn_scale : bool, default=True
        Learn one Gaussian standard deviation per continuous column (else fixed to 1).
    """

    def __init__(
        self,
        layout,
        n_components: int,
        hidden_sizes: Sequence[int] = (128, 128),
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        n_conditions: int = 0,
        learn_scale: bool = True,
    ):
        super().__init__()
        self.n_features = int(layout.n_features)
        self.n_conditions = int(n_conditions)
        self.body = MLP(
            self.n_features + self.n_conditions, hidden_sizes, activation, dropout, batch_norm
        )
        # mean and log-variance from one linear layer: one matmul per step, not two
        self.posterior_head = nn.Linear(self.body.n_outputs, 2 * n_components)
        self.decoder = Decoder(
            layout,
            n_components + self.n_conditions,
            tuple(hidden_sizes)[::-1],
            activation,
            dropout,
            batch_norm,
        )
        n_continuous = int(self.decoder.index.continuous.numel())
        scale = torch.zeros(n_continuous)
        if learn_scale:
            self.log_scale = nn.Parameter(scale)
        else:
            self.register_buffer("log_scale", scale)

    def split(self, x: torch.Tensor):
        """Encoded row and condition columns of an input batch."""
        return x[:, : self.n_features], x[:, self.n_features :]

    def posterior(self, x: torch.Tensor):
        """Mean and log-variance of the posterior for inputs with their conditions."""
        mean, log_var = self.posterior_head(self.body(x)).chunk(2, dim=1)
        return mean, log_var.clamp(-20.0, 10.0)

    def forward(self, x: torch.Tensor):
        """``(logits, mean, log_var)`` for a reparameterised draw of the code."""
        mean, log_var = self.posterior(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        return self.decode_raw(z, self.split(x)[1]), mean, log_var

    def decode_raw(self, z: torch.Tensor, conditions: torch.Tensor) -> torch.Tensor:
        """Raw decoder outputs for codes ``z`` and their condition columns."""
        if self.n_conditions:
            z = torch.cat([z, conditions], dim=1)
        return self.decoder(z)


# --- inference copies --------------------------------------------------------------------
#: module -> (state key, its inference copy); an entry goes with its module
_INFERENCE_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state_key(module: nn.Module) -> tuple:
    """Identity and in-place version of every parameter and buffer: changes when an
    optimiser step, ``load_state_dict`` or a new tensor changes the weights."""
    tensors = [*module.parameters(), *module.buffers()]
    return tuple((id(t), t._version) for t in tensors)


def _fold(seq: nn.Sequential) -> None:
    """Fold ``Linear -> BatchNorm1d`` pairs of ``seq`` (in evaluation mode) into one
    ``Linear``, and run a ReLU or LeakyReLU that follows a ``Linear`` in place."""
    layers: list[nn.Module] = []
    mods = list(seq)
    i = 0
    while i < len(mods):
        mod, nxt = mods[i], mods[i + 1] if i + 1 < len(mods) else None
        if (
            isinstance(mod, nn.Linear)
            and isinstance(nxt, nn.BatchNorm1d)
            and nxt.running_mean is not None
            and nxt.running_var is not None
        ):
            layers.append(fuse_linear_bn_eval(mod, nxt))
            i += 2
            continue
        if layers and isinstance(layers[-1], nn.Linear):
            # the input is the Linear's own fresh output: nothing else reads it
            if type(mod) is nn.ReLU:
                mod = nn.ReLU(inplace=True)
            elif type(mod) is nn.LeakyReLU:
                mod = nn.LeakyReLU(mod.negative_slope, inplace=True)
        layers.append(mod)
        i += 1
    seq._modules = OrderedDict((str(k), m) for k, m in enumerate(layers))


def inference_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module`` for inference without gradients, in evaluation mode.

    Every ``Linear -> BatchNorm1d`` pair of its ``nn.Sequential`` parts is folded
    into one ``Linear`` (with the normalisation's running statistics), and a ReLU
    after a ``Linear`` runs in place: the outputs of ``module.eval()`` up to float
    round-off, in fewer kernels and allocations. The copy is made once and reused
    while the module's parameters and buffers are unchanged (any in-place update,
    such as an optimiser step, makes a new one). ``module`` itself is not changed.
    """
    key = _state_key(module)
    cached = _INFERENCE_COPIES.get(module)
    if cached is not None and cached[0] == key:
        return cached[1]
    training = module.training
    module.eval()
    try:
        out = copy.deepcopy(module)
    finally:
        module.train(training)
    with torch.no_grad():
        for sub in list(out.modules()):
            if isinstance(sub, nn.Sequential):
                _fold(sub)
    out.eval().requires_grad_(False)
    _INFERENCE_COPIES[module] = (key, out)
    return out
