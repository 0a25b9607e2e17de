"""Latent-space data augmentation for classifiers on tabular data.

:class:`AEAugmenter` is an over-sampler with imbalanced-learn's sampler protocol
(``fit_resample``, ``sampling_strategy``), written without depending on
imbalanced-learn: it encodes the training rows with an autoencoder, perturbs their
latent codes (noise, interpolation or extrapolation towards same-class neighbours,
or draws from a VAE's posterior), decodes the new codes into rows of the user's own
schema and gives each new row the label of the row it came from. It plugs into
``imblearn.pipeline.Pipeline``.

:class:`AugmentedClassifier` is the scikit-learn-only way to use it: a
meta-estimator that augments its training data, then fits the classifier it wraps.

The code lives in private modules, one per concept: ``_augmenter`` (the sampler and
its perturbation strategies), ``_residual`` (residual decoding of the new rows),
``_classifier`` (the meta-estimator) and ``_imblearn`` (imbalanced-learn's sampler
tags, the only place that touches imbalanced-learn's internals).
"""

from sklearn_ganae.augment._augmenter import AEAugmenter
from sklearn_ganae.augment._classifier import AugmentedClassifier

__all__ = ["AEAugmenter", "AugmentedClassifier"]
