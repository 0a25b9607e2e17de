"""Fixtures shared by the test files (the thread settings are in the root conftest).

- ``penguins``: the shipped penguins table (344 rows, numeric, categorical, NaN), a
  fresh copy for each test.
- ``penguins_table``: the same table, loaded once per session, for module-scoped
  fixtures (a model fitted once per file); never modify it.
- ``penguins_xy``: its features and the ``species`` labels.
- ``small_penguins``: every third row (115 rows), for fits that must be quick.
- ``generator_entry``: parametrised over the package's generator registry, so a test
  that takes it runs once for every generator (see ``sklearn_ganae._registry``).

Tiny-model parameters shared by several files are constants in ``tests/_params.py``
(``from _params import AE, VAE, GAN, TINY``).
"""

from __future__ import annotations

import pytest

from sklearn_ganae._registry import GENERATORS
from sklearn_ganae.datasets import load_penguins


@pytest.fixture(scope="session")
def penguins_table():
    """The penguins table, loaded once; tests get a copy through ``penguins``."""
    return load_penguins()


@pytest.fixture
def penguins(penguins_table):
    return penguins_table.copy()


@pytest.fixture
def penguins_xy(penguins_table):
    return penguins_table.drop(columns="species"), penguins_table["species"].copy()


@pytest.fixture
def small_penguins(penguins_table):
    return penguins_table.iloc[::3].reset_index(drop=True).copy()


@pytest.fixture(params=sorted(GENERATORS), ids=str)
def generator_entry(request):
    return GENERATORS[request.param]
