"""A package only so that ``tests/augment/conftest.py`` imports as ``augment.conftest``.

With ``--doctest-modules`` (in ``pyproject.toml``'s ``addopts``) pytest 9 imports every
``conftest.py`` as a module too; without this file both ``tests/conftest.py`` and
``tests/augment/conftest.py`` would be the top-level module ``conftest``, and collecting
the whole suite fails with "import file mismatch".
"""
