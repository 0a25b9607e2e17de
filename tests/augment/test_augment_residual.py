"""AEAugmenter's new rows in the table's schema and container: dtypes, categories,
missing values, indexes, arrays and lists, and residual decoding."""

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from sklearn_ganae import (
    AEAugmenter,
    AutoencoderTransformer,
)


def test_mixed_dataframe_keeps_its_schema(penguins_xy, penguins_ae):
    X, y = penguins_xy
    X_res, y_res = AEAugmenter(penguins_ae, prefit=True, random_state=0).fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(X.columns)
    assert list(X_res.dtypes) == list(X.dtypes)  # category, float64, Int64
    for col in ["island", "sex"]:
        assert list(X_res[col].cat.categories) == list(X[col].cat.categories)
    assert y_res.name == "species" and y_res.dtype == y.dtype
    assert y_res.value_counts().to_dict() == {"Adelie": 152, "Gentoo": 152, "Chinstrap": 152}
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)  # NaN and all, untouched
    pd.testing.assert_series_equal(y_res.iloc[: len(y)], y)
    assert X_res.index.equals(pd.RangeIndex(len(X_res)))
    new = X_res.iloc[len(X) :]
    assert new["island"].notna().all()
    for col in ["bill_length_mm", "body_mass_g"]:  # the encoder clips to the training range
        assert X[col].min() <= new[col].min() and new[col].max() <= X[col].max()
    assert (new["body_mass_g"].dropna() % 1 == 0).all()


@pytest.mark.parametrize("decode", ["residual", "direct"])
def test_boolean_object_string_and_integer_columns_round_trip(decode, tiny):
    rng = np.random.RandomState(0)
    n = 90
    X = pd.DataFrame(
        {
            "flag": rng.rand(n) > 0.5,
            "name": rng.choice(["a", "b", "c"], n).astype(object),
            "code": pd.array(rng.choice(["x", "y"], n), dtype="string"),
            "count": rng.randint(0, 10, n),
            "value": rng.randn(n).astype(np.float32),
            "level": pd.array(np.where(rng.rand(n) < 0.2, None, rng.randint(0, 5, n)), "Int64"),
        }
    )
    y = np.repeat(["no", "yes"], [70, 20])
    ae = AutoencoderTransformer(n_components=3, **tiny)
    X_res, y_res = AEAugmenter(ae, decode=decode, random_state=0).fit_resample(X, y)
    new = X_res.iloc[n:]
    assert len(new) == 50 and list(X_res.dtypes) == list(X.dtypes)
    assert set(new["name"]) <= {"a", "b", "c"} and set(new["code"]) <= {"x", "y"}
    assert new["count"].between(0, 9).all()
    assert new["level"].dropna().between(0, 4).all()
    # a linear "autoencoder" fitted on a DataFrame returns arrays; rows still fit X
    Xn = X[["count", "value"]].astype(float)
    X_pca, _ = AEAugmenter(PCA(1), decode=decode, random_state=0).fit_resample(Xn, y)
    assert list(X_pca.columns) == ["count", "value"] and X_pca.shape == (140, 2)


def test_dataframe_with_a_custom_index_and_unchanged_inputs(penguins_xy, penguins_ae):
    X, y = penguins_xy
    X, y = X.iloc[::-1], y.iloc[::-1]  # a non-default index, shared by X and y
    X0, y0 = X.copy(deep=True), y.copy(deep=True)
    X_res, y_res = AEAugmenter(penguins_ae, prefit=True, random_state=0).fit_resample(X, y)
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_series_equal(y, y0)
    assert X_res.index.equals(y_res.index)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X.reset_index(drop=True))


def test_arrays_and_lists_keep_their_container_and_dtype(blobs_ae, imbalanced_blobs, tiny):
    X, y = imbalanced_blobs()
    X32, y32 = X.astype(np.float32), y.astype(np.int32)
    X_res, y_res = AEAugmenter(blobs_ae, prefit=True, random_state=0).fit_resample(X32, y32)
    assert X_res.dtype == np.float32 and y_res.dtype == np.int32
    X_res, y_res = AEAugmenter(blobs_ae, prefit=True, random_state=0).fit_resample(
        X.tolist(), y.tolist()
    )
    assert isinstance(X_res, list) and isinstance(y_res, list) and len(X_res) == 240
    # integer features come back as (rounded) integers
    ae = AutoencoderTransformer(n_components=2, **tiny)
    Xi = np.round(X * 10).astype(np.int64)
    X_res, _ = AEAugmenter(ae, random_state=0).fit_resample(Xi, y)
    assert X_res.dtype == np.int64 and X_res.shape == (240, 4)
    X0 = X.copy()
    AEAugmenter(blobs_ae, prefit=True).fit_resample(X, y)
    np.testing.assert_array_equal(X, X0)


def test_residual_decoding_moves_the_real_row_by_the_decoded_change(penguins_xy, penguins_ae):
    X, y = penguins_xy
    # no perturbation: the residual rows are copies of real rows of their class (NaN,
    # categories and all), the direct rows are the autoencoder's reconstructions
    zero = dict(
        estimator=penguins_ae,
        prefit=True,
        strategy="noise",
        noise_scale=0.0,
        sampling_strategy={},
        augmentation_factor=1.0,
    )
    X_res, y_res = AEAugmenter(**zero, random_state=0).fit_resample(X, y)
    new = X_res.iloc[len(X) :].assign(species=y_res.iloc[len(X) :].to_numpy())
    real = X.assign(species=y.to_numpy())
    merged = new.merge(real.drop_duplicates(), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert new["sex"].isna().any()  # missing values of the sources are kept
    X_dir, _ = AEAugmenter(**zero, decode="direct", random_state=0).fit_resample(X, y)
    direct = X_dir.iloc[len(X) :].reset_index(drop=True)
    assert direct.merge(real.drop(columns="species").drop_duplicates()).shape[0] < 10
    # a perturbation: numeric values move, within the training range
    X_res, _ = AEAugmenter(penguins_ae, prefit=True, random_state=0).fit_resample(X, y)
    moved = X_res.iloc[len(X) :]
    assert moved.merge(X.drop_duplicates()).shape[0] < 5
    assert moved["bill_depth_mm"].between(X["bill_depth_mm"].min(), X["bill_depth_mm"].max()).all()
