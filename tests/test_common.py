"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import (
    check_set_output_transform_pandas,
    parametrize_with_checks,
)

from sklearn_ganae import (
    AEAugmenter,
    AugmentedClassifier,
    AutoencoderTransformer,
    TabularEncoder,
    VAETransformer,
)
from sklearn_ganae._registry import GENERATORS


def _estimators():
    return [
        TabularEncoder(),
        AutoencoderTransformer(hidden_layer_sizes=(8,), max_epochs=3, batch_size=32),
        AutoencoderTransformer(
            hidden_layer_sizes=(8,), max_epochs=2, batch_norm=True, early_stopping=True
        ),
        # every registered generator, as its tiny model
        *(GENERATORS[name].quick() for name in sorted(GENERATORS)),
        *_augmenters(),
    ]


def _augmenters():
    """AEAugmenter and AugmentedClassifier with a tiny autoencoder (seeded: the
    imbalanced-learn checks compare two fit_resample calls)."""
    ae = AutoencoderTransformer(hidden_layer_sizes=(8,), max_epochs=3, batch_size=32)
    sampler = AEAugmenter(ae, random_state=0)
    return [sampler, AugmentedClassifier(LogisticRegression(), augmenter=sampler)]


EXPECTED_FAILED = {
    VAETransformer: {
        # score_samples sums 16 float32 decoder passes per row; BLAS picks other kernels
        # for other batch sizes, so a row scored in a smaller batch can differ by one
        # float32 ulp (about 1e-7 relative), above the check's atol=1e-7 on values of
        # order 10 nats. test_vae.py checks subset invariance at float32 precision.
        "check_methods_subset_invariance": "float32 round-off across batch sizes",
    },
}


@parametrize_with_checks(
    _estimators(), expected_failed_checks=lambda est: EXPECTED_FAILED.get(type(est), {})
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "est",
    [
        AutoencoderTransformer(hidden_layer_sizes=(8,), max_epochs=2),
        VAETransformer(n_components=2, hidden_layer_sizes=(8,), max_epochs=2),
    ],
    ids=lambda e: type(e).__name__,
)
def test_set_output_pandas(est):
    check_set_output_transform_pandas(type(est).__name__, est)


try:  # imbalanced-learn's own sampler checks, where it is installed
    from imblearn.utils.estimator_checks import estimator_checks_generator
except ImportError:  # pragma: no cover - imbalanced-learn is an optional extra

    def test_imblearn_compatible():
        pytest.skip("imbalanced-learn is not installed")

else:
    # (a list, not imblearn's parametrize_with_checks: that passes pytest a generator)
    @pytest.mark.parametrize(
        "estimator, check",
        [c for est in _augmenters() for c in estimator_checks_generator(est, mark="xfail")],
        ids=lambda obj: getattr(obj, "func", type(obj)).__name__,
    )
    def test_imblearn_compatible(estimator, check):
        check(estimator)
