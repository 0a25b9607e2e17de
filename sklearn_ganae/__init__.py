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

The names are imported on first use (scikit-learn's pattern), so that
``import sklearn_ganae.metrics`` or the ``report`` command do not import torch.
"""

import importlib

__version__ = "0.1.0.dev0"

# public name -> the module that defines it
_LAZY = {
    "AEAugmenter": "sklearn_ganae.augment",
    "AugmentedClassifier": "sklearn_ganae.augment",
    "AutoencoderTransformer": "sklearn_ganae.autoencoder",
    "ColumnBlock": "sklearn_ganae.tabular",
    "GANSampler": "sklearn_ganae.gan",
    "ModelVersionWarning": "sklearn_ganae._persistence",
    "TabularEncoder": "sklearn_ganae.tabular",
    "TabularLayout": "sklearn_ganae.tabular",
    "VAETransformer": "sklearn_ganae.vae",
    "load": "sklearn_ganae._persistence",
    "save": "sklearn_ganae._persistence",
}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'sklearn_ganae' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_LAZY})
