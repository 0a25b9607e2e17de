"""The defaults of :mod:`sklearn_ganae.metrics`, each defined once.

A measure's function, :func:`~sklearn_ganae.metrics.quality_report` and
:func:`~sklearn_ganae.metrics.make_quality_scorer` all read their settings from here,
so that a report, a scorer and a direct call with default arguments compute the same
figure.
"""

from __future__ import annotations

#: correlation coefficients of continuous pairs in the column pair trends
CORRELATIONS = ("pearson", "spearman")
#: the default one (SDMetrics uses Pearson)
CORRELATION = "pearson"
#: equal-width bins of a continuous column in a mixed (contingency) pair
N_BINS = 10

#: one-hot columns kept per categorical column in distance and classifier features (the
#: ``MAX_ONEHOT - 1`` most frequent categories of the fitted table, plus one shared column)
MAX_ONEHOT = 50

#: cross-validation folds of the detection classifier
DETECTION_CV = 5
#: boosting iterations of the default detection classifier
#: (:class:`~sklearn.ensemble.HistGradientBoostingClassifier`'s own default)
DETECTION_MAX_ITER = 100
#: rows of each table that take part in detection (None: all)
DETECTION_MAX_SAMPLES = 10_000

#: training rows per model in ML efficacy
EFFICACY_MAX_SAMPLES = 50_000
#: a numeric target with at most this many distinct integer values is a classification
EFFICACY_MAX_CLASSES = 10
#: scorers of ML efficacy, by task
CLASSIFICATION_SCORING = "f1_macro"
REGRESSION_SCORING = "r2"

#: synthetic and held-out rows measured by the privacy distances
PRIVACY_MAX_SAMPLES = 5_000
#: a categorical value seen fewer times than this in the training rows is rare (as
#: :class:`~sklearn_ganae.TabularEncoder`'s ``privacy_floor``)
PRIVACY_FLOOR = 5

#: exclusive upper bound of the integer seeds drawn for models and folds
SEED_MAX = 2**31 - 1

#: levels alpha (and beta) of the alpha-precision and beta-recall curves
SUPPORT_ALPHAS = 30
#: rows of each table measured by alpha-precision and beta-recall
SUPPORT_MAX_SAMPLES = 5_000
