"""Small real datasets shipped inside the package (no downloads).

- :func:`load_penguins`: the Palmer penguins table (344 rows; numeric, integer and
  categorical columns with missing values), the package's demo dataset.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_penguins"]


def load_penguins() -> pd.DataFrame:
    """Load the Palmer penguins table.

    Size measurements of 344 penguins of three species from three islands of the
    Palmer Archipelago, Antarctica: a small real mixed-type table with categorical
    columns (``species``, ``island``, ``sex``), float columns (bill length and
    depth), nullable integer columns (flipper length, body mass) and missing values.

    Returns
    -------
    frame : DataFrame of shape (344, 7)
        ``species``, ``island`` and ``sex`` as ``category`` dtype; ``bill_length_mm``
        and ``bill_depth_mm`` as float64; ``flipper_length_mm`` and ``body_mass_g``
        as nullable ``Int64``.

    Notes
    -----
    Data by K. B. Gorman, T. D. Williams and W. R. Fraser (2014), collected at
    Palmer Station LTER and released under CC0 1.0 through the palmerpenguins
    package by A. M. Horst, A. P. Hill and K. B. Gorman.

    Examples
    --------
    >>> from sklearn_ganae.datasets import load_penguins
    >>> df = load_penguins()
    >>> df.shape
    (344, 7)
    >>> str(df["species"].dtype), str(df["body_mass_g"].dtype)
    ('category', 'Int64')
    """
    path = resources.files(__package__).joinpath("data", "penguins.csv")
    with resources.as_file(path) as file:
        frame = pd.read_csv(
            file,
            dtype={
                "species": "category",
                "island": "category",
                "sex": "category",
                "bill_length_mm": "float64",
                "bill_depth_mm": "float64",
                "flipper_length_mm": "Int64",
                "body_mass_g": "Int64",
            },
        )
    return frame
