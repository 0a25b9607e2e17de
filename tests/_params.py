"""Tiny-model parameters shared by several test files (import: ``from _params import AE``).

``tests/`` has no ``__init__.py``: with pytest's default ``prepend`` import mode the
directory of a test module is put on ``sys.path``, so this module imports as ``_params``.

The per-file ``FAST`` settings of ``test_autoencoder.py``, ``test_gan.py`` and
``test_vae.py`` stay in their files: each is tuned to its file's quality checks. What
is here are the smallest models that still train, for tests of behaviour (atomic fits,
Ctrl-C, the sampling stream, training options) rather than of quality. The
generators' own tiny settings are the registry's ``quick_params``
(``sklearn_ganae._registry``), which ``tests/test_generators.py`` uses.
"""

from __future__ import annotations

#: AutoencoderTransformer: a two-dimensional code through one hidden layer of 8 units
AE = dict(n_components=2, hidden_layer_sizes=(8,), max_epochs=4, batch_size=32, random_state=0)
#: VAETransformer: the same network as AE
VAE = dict(AE)
#: GANSampler: 4-dimensional noise and code, layers of 8 units, packs of 2 rows
GAN = dict(
    noise_dim=4,
    code_dim=4,
    generator_layer_sizes=(8,),
    discriminator_layer_sizes=(8, 8),
    pac=2,
    batch_size=20,
    max_epochs=4,
    pretrain_epochs=3,
    random_state=0,
)

#: the tiny parameters by estimator class name, for tests parametrised over estimators
TINY = {"AutoencoderTransformer": AE, "VAETransformer": VAE, "GANSampler": GAN}
