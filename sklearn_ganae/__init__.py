"""sklearn-ganae: autoencoders, VAEs and GANs for tabular data behind scikit-learn's API.

Public estimators:

- :class:`TabularEncoder`: reversible encoding of mixed-type tables.
- :class:`AutoencoderTransformer`: nonlinear dimensionality reduction.
- :class:`VAETransformer`: a beta-VAE that encodes, decodes, samples and scores rows.
- :class:`GANSampler`: a tabular GAN (autoencoder-pretrained if asked) that samples rows.
- :class:`AEAugmenter`: latent-space over-sampling / augmentation (a sampler).
- :class:`AugmentedClassifier`: augment the training data, then fit a classifier.

:func:`save` and :func:`load` write and read fitted estimators as one file (a JSON
manifest and safetensors weights in a zip archive), without pickle.
"""

from sklearn_ganae._persistence import ModelVersionWarning, load, save
from sklearn_ganae.augment import AEAugmenter, AugmentedClassifier
from sklearn_ganae.autoencoder import AutoencoderTransformer
from sklearn_ganae.gan import GANSampler
from sklearn_ganae.tabular import ColumnBlock, TabularEncoder, TabularLayout
from sklearn_ganae.vae import VAETransformer

__version__ = "0.1.0.dev0"

__all__ = [
    "AEAugmenter",
    "AugmentedClassifier",
    "AutoencoderTransformer",
    "ColumnBlock",
    "GANSampler",
    "ModelVersionWarning",
    "TabularEncoder",
    "TabularLayout",
    "VAETransformer",
    "__version__",
    "load",
    "save",
]
