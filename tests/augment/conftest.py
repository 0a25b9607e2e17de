"""Fixtures of the augmentation tests (the penguins tables are in ``tests/conftest.py``).

- ``tiny``: keyword arguments of a tiny, quick, seeded autoencoder.
- ``imbalanced_blobs``: the function that makes imbalanced, well-separated classes.
- ``blobs``: three such classes (120 / 30 / 15 rows in 4-D); ``blobs_ae``: an
  autoencoder fitted on them, once per test module.
- ``penguins_ae``: an autoencoder fitted on the penguins features, once per test module.
"""

from __future__ import annotations

import pytest
from sklearn.datasets import make_blobs

from sklearn_ganae import AutoencoderTransformer

TINY = dict(hidden_layer_sizes=(16,), max_epochs=5, batch_size=64, random_state=0)


def _imbalanced_blobs(n_major=120, n_minor=30, n_third=0, seed=0, spread=1.0):
    """Well-separated Gaussian classes in 4-D: 0 is the majority."""
    centers = [[0, 0, 0, 0], [6, 6, 0, 0], [0, 6, 6, 0]][: 2 + bool(n_third)]
    sizes = [n_major, n_minor] + ([n_third] if n_third else [])
    X, y = make_blobs(
        n_samples=sizes, centers=centers, cluster_std=spread, n_features=4, random_state=seed
    )
    return X, y


@pytest.fixture
def tiny():
    return dict(TINY)


@pytest.fixture(scope="session")
def imbalanced_blobs():
    return _imbalanced_blobs


@pytest.fixture(scope="module")
def blobs():
    return _imbalanced_blobs(n_third=15)


@pytest.fixture(scope="module")
def blobs_ae(blobs):
    X, _ = blobs
    return AutoencoderTransformer(n_components=3, **{**TINY, "max_epochs": 60}).fit(X)


@pytest.fixture(scope="module")
def penguins_ae(penguins_table):
    X = penguins_table.drop(columns="species")
    return AutoencoderTransformer(n_components=4, **{**TINY, "max_epochs": 40}).fit(X)
