"""Plain PyTorch building blocks for tabular models: no scikit-learn inside.

The modules here know a table only through a :class:`~sklearn_ganae.TabularLayout`
(of the NumPy-only :mod:`sklearn_ganae._layout`)
(which output columns are continuous values, one-hot groups or missing indicators).
They can be used and tested with random tensors alone; the estimators of the package
assemble them and train them with skorch.
"""

from sklearn_ganae.nn._layout import LayoutIndex
from sklearn_ganae.nn._losses import ReconstructionLoss, gaussian_kl, negative_log_likelihood
from sklearn_ganae.nn._modules import (
    ACTIVATIONS,
    MLP,
    Autoencoder,
    ConcatResidual,
    Decoder,
    Encoder,
    VariationalAutoencoder,
    make_activation,
)

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "Autoencoder",
    "ConcatResidual",
    "Decoder",
    "Encoder",
    "LayoutIndex",
    "ReconstructionLoss",
    "VariationalAutoencoder",
    "gaussian_kl",
    "make_activation",
    "negative_log_likelihood",
]
