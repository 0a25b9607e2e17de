"""Synthetic-data scorers (:mod:`sklearn_ganae.metrics._scorer`)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklearn_ganae.metrics import make_quality_scorer

# ----------------------------------------------------------------------------------
# scorers
# ----------------------------------------------------------------------------------


def test_quality_scorer_prefers_less_noise_in_grid_search(mixed_frame, noisy_bootstrap):
    df = mixed_frame(300, 0)
    search = GridSearchCV(
        noisy_bootstrap(),
        {"noise": [2.0, 0.0, 0.5]},
        scoring=make_quality_scorer("overall", random_state=0),
        cv=3,
    )
    search.fit(df)
    assert search.best_params_ == {"noise": 0.0}
    means = search.cv_results_["mean_test_score"]
    assert means[1] > means[2] > means[0]


@pytest.mark.parametrize(
    "metric, kwargs",
    [
        ("column_shapes", {}),
        ("column_pair_trends", {"correlation": "spearman"}),
        ("detection", {}),
        ("efficacy", {"target": "group"}),
    ],
)
def test_quality_scorers_rank_noise(metric, kwargs, mixed_frame, noisy_bootstrap):
    df = mixed_frame(240, 0)
    scorer = make_quality_scorer(metric, random_state=0, **kwargs)
    clean = cross_val_score(noisy_bootstrap(noise=0.0), df, cv=2, scoring=scorer)
    noisy = cross_val_score(noisy_bootstrap(noise=3.0), df, cv=2, scoring=scorer)
    assert clean.mean() > noisy.mean()
    assert np.all((clean <= 1.0) & (noisy <= 1.0))


def test_quality_scorer_tunes_the_package_vae(penguins):
    """The scorer with a real generator of the package: more training, better rows."""
    from sklearn_ganae.vae import VAETransformer

    df = penguins
    search = GridSearchCV(
        VAETransformer(random_state=0),
        {"max_epochs": [2, 60]},
        scoring=make_quality_scorer(random_state=0),
        cv=2,
    ).fit(df)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores > 0.0) & (scores < 1.0))
    assert search.best_params_ == {"max_epochs": 60}


def test_quality_scorer_bad_input():
    with pytest.raises(ValueError, match="metric must be one of"):
        make_quality_scorer("accuracy")
    with pytest.raises(ValueError, match="metric='efficacy' needs target"):
        make_quality_scorer("efficacy")
    with pytest.raises(ValueError, match="random_state must be an int or None"):
        make_quality_scorer(random_state=np.random.RandomState(0))
    scorer = make_quality_scorer(n_samples=10)
    assert repr(scorer) == "make_quality_scorer(metric='overall', n_samples=10)"
    with pytest.raises(TypeError, match="LogisticRegression has no sample method"):
        scorer(LogisticRegression(), np.zeros((5, 2)))
