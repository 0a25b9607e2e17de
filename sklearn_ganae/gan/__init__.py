"""The package's GAN: :class:`GANSampler`, with everything only it uses.

- :mod:`sklearn_ganae.gan._sampler`: the estimator (hyperparameters, the fit
  pipeline's hooks, conditional sampling);
- :mod:`sklearn_ganae.gan._modules`: the generator, the discriminator and the GAN
  losses (plain torch modules);
- :mod:`sklearn_ganae.gan._training`: the skorch net (alternating updates), the
  training data and batches (training-by-sampling), the condition columns;
- :mod:`sklearn_ganae.gan._early_stopping`: detection-based early stopping.
"""

from sklearn_ganae.gan._sampler import GANSampler

__all__ = ["GANSampler"]
