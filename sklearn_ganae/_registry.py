"""The package's generators, one line each.

The command line (``synthesize --model``), the generator contract tests and the
generator benchmark all read :data:`GENERATORS`: a new sampler is its estimator file,
its torch module and one line here. Importing this module imports no model (and no
torch); :meth:`GeneratorEntry.load` imports the estimator class on first use.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GeneratorEntry:
    """One generator of the package.

    Parameters
    ----------
    name : str
        Its short name: the value of ``synthesize --model``.
    path : str
        ``"module:Class"`` of the estimator.
    quick_params : dict
        Parameters of a tiny model that fits in well under a second on a small
        table: the contract tests and the benchmarks' ``--quick`` runs use them.
    reference : str or None
        The reference tool the generator benchmark compares it with (a class of the
        ``ctgan`` package).
    """

    name: str
    path: str
    quick_params: dict = field(default_factory=dict)
    reference: str | None = None

    def load(self) -> type:
        """The estimator class."""
        module, _, attr = self.path.partition(":")
        return getattr(importlib.import_module(module), attr)

    def quick(self, **params):
        """A tiny instance (``quick_params`` updated with ``params``)."""
        return self.load()(**{**self.quick_params, **params})


_GAN_QUICK = dict(
    noise_dim=4,
    code_dim=4,
    generator_layer_sizes=(8,),
    discriminator_layer_sizes=(8, 8),
    pac=2,
    max_epochs=2,
    pretrain_epochs=2,
)
_VAE_QUICK = dict(n_components=2, hidden_layer_sizes=(8,), max_epochs=3)

GENERATORS: dict[str, GeneratorEntry] = {
    entry.name: entry
    for entry in (
        GeneratorEntry("gan", "sklearn_ganae.gan:GANSampler", _GAN_QUICK, "CTGAN"),
        GeneratorEntry("vae", "sklearn_ganae.vae:VAETransformer", _VAE_QUICK, "TVAE"),
    )
}


def generator(name: str) -> GeneratorEntry:
    """The entry called ``name``, or a ``ValueError`` listing the known ones."""
    try:
        return GENERATORS[name]
    except KeyError:
        raise ValueError(
            f"Unknown generator {name!r}; the package's generators are {sorted(GENERATORS)}."
        ) from None
