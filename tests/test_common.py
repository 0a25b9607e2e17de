"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import (
    check_set_output_transform_pandas,
    parametrize_with_checks,
)

from sklearn_ganae import AutoencoderTransformer, TabularEncoder


def _estimators():
    return [
        TabularEncoder(),
        AutoencoderTransformer(hidden_layer_sizes=(8,), max_epochs=3, batch_size=32),
        AutoencoderTransformer(
            hidden_layer_sizes=(8,), max_epochs=2, batch_norm=True, early_stopping=True
        ),
    ]


EXPECTED_FAILED = {}


@parametrize_with_checks(
    _estimators(), expected_failed_checks=lambda est: EXPECTED_FAILED.get(type(est), {})
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_set_output_pandas():
    est = AutoencoderTransformer(hidden_layer_sizes=(8,), max_epochs=2)
    check_set_output_transform_pandas(type(est).__name__, est)
