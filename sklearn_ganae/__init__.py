"""sklearn-ganae: autoencoders, VAEs and GANs for tabular data behind scikit-learn's API.

Public estimators:

- :class:`TabularEncoder`: reversible encoding of mixed-type tables.
- :class:`AutoencoderTransformer`: nonlinear dimensionality reduction.
"""

from sklearn_ganae.autoencoder import AutoencoderTransformer
from sklearn_ganae.tabular import ColumnBlock, TabularEncoder, TabularLayout

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoencoderTransformer",
    "ColumnBlock",
    "TabularEncoder",
    "TabularLayout",
    "__version__",
]
