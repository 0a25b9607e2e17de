"""The meta-estimator :class:`AugmentedClassifier`: augment the training rows with a
sampler, then fit the wrapped classifier on the result."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from sklearn_ganae._base import atomic_fit
from sklearn_ganae._saving import PersistenceMixin
from sklearn_ganae.augment._augmenter import AEAugmenter
from sklearn_ganae.tabular import TabularEncoder, check_table

# the messages of scikit-learn's and NumPy's failed conversions of strings to numbers
_CONVERSION_ERROR = re.compile(
    r"could not convert|must be (a string or )?a (real )?number|Cannot cast|"
    r"dtype='?(numeric|object)|Unable to convert|invalid literal",
    re.IGNORECASE,
)


def _non_numeric_columns(X) -> list[str]:
    """Names of the columns of a DataFrame that hold strings or other objects, or
    categories that are not numbers: what a numeric classifier cannot take."""
    if not isinstance(X, pd.DataFrame):
        return []
    out = []
    for name in X.columns:
        dtype = X[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            raw = not pd.api.types.is_numeric_dtype(dtype.categories.dtype)
        else:
            raw = pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
        if raw:
            out.append(str(name))
    return out


def _share(y, classes) -> np.ndarray:
    """Each class's share of the labels ``y``, in the order of ``classes``."""
    y = np.asarray(y)
    return np.array([np.mean(y == c) for c in classes], dtype=float)


def _estimator_has(attr):
    """Whether the fitted (else the unfitted) classifier has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class AugmentedClassifier(PersistenceMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A classifier trained on augmented data: augment, then fit the wrapped model.

    ``fit`` resamples the training rows with a clone of ``augmenter`` (an
    :class:`AEAugmenter` by default), then fits a clone of ``estimator`` on the
    result. Prediction delegates to the fitted classifier on the rows as given (no
    augmentation). It is the scikit-learn-only counterpart of putting the sampler in
    ``imblearn.pipeline.Pipeline``, and a classifier itself: it works in
    :class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.model_selection.GridSearchCV`
    (tune ``augmenter__*`` and ``estimator__*`` together) and cross-validation, where
    only the training folds are augmented.

    Parameters
    ----------
    estimator : classifier
        The classifier to fit on the augmented rows; it must accept the rows the
        augmenter returns (for mixed DataFrames, e.g. a pipeline with a
        :class:`~sklearn.compose.ColumnTransformer`).
    augmenter : object with ``fit_resample`` or None, default=None
        The sampler; ``None`` means ``AEAugmenter()``. Any imbalanced-learn
        over-sampler works too.
    preprocessor : {"auto"}, transformer or None, default=None
        What the classifier gets. ``None``: the augmented rows as they are, in the
        table's schema (categories, strings, missing values), for a classifier or
        pipeline that takes them (e.g. ``HistGradientBoostingClassifier(
        categorical_features="from_dtype")``). ``"auto"``: the rows encoded by a
        :class:`TabularEncoder` (categories one-hot, numbers standardised, dates as
        numbers, missing values filled and flagged), so that any classifier, a
        :class:`~sklearn.linear_model.LogisticRegression` too, works on a mixed
        table. A transformer: a clone of it. The preprocessor is fitted on the
        augmented rows and applied to the rows given to ``predict`` and the other
        methods.
    prior_correction : bool, default=False
        Give probabilities for the real class shares. A classifier fitted on
        balanced rows learns balanced class shares, so its probabilities overstate
        the small classes (the log loss rises). ``True``: :meth:`predict_proba` and
        :meth:`predict_log_proba` reweight the classifier's probabilities by the
        ratio of each class's share among the training rows to its share among the
        augmented rows, and renormalise them (Saerens, Latinne and Decaestecker,
        2002); :meth:`predict`, :meth:`decision_function` and :meth:`score` keep the
        balanced decision, as :class:`~sklearn.model_selection.TunedThresholdClassifierCV`
        keeps its threshold. For two classes the reweighting is monotone: the ROC AUC
        is unchanged.

    Attributes
    ----------
    augmenter_ : object
        The fitted clone of ``augmenter``.
    preprocessor_ : transformer or None
        The fitted preprocessor (``None`` when ``preprocessor=None``).
    estimator_ : classifier
        The classifier fitted on the augmented rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    prior_ratio_ : ndarray of shape (n_classes,)
        Each class's share among the training rows over its share among the
        augmented rows (in the order of ``classes_``): the factors
        ``prior_correction=True`` applies.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    AEAugmenter : The default augmenter.

    Notes
    -----
    Sample weights are not supported: the generated rows would have none.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_ganae import AEAugmenter, AugmentedClassifier, AutoencoderTransformer
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> ae = AutoencoderTransformer(n_components=4, max_epochs=5, random_state=0)
    >>> clf = AugmentedClassifier(
    ...     LogisticRegression(), augmenter=AEAugmenter(ae, random_state=0)
    ... ).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict(X[:3]).shape
    ([0, 1], (3,))
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "augmenter": [HasMethods(["fit_resample"]), None],
        "preprocessor": [StrOptions({"auto"}), HasMethods(["fit", "transform"]), None],
        "prior_correction": ["boolean"],
    }

    #: a model saved before ``preprocessor`` existed gave the classifier the rows as
    #: they were (see ``PersistenceMixin._params_before``)
    _params_before = {"preprocessor": None, "prior_correction": False}

    def __init__(self, estimator, *, augmenter=None, preprocessor=None, prior_correction=False):
        self.estimator = estimator
        self.augmenter = augmenter
        self.preprocessor = preprocessor
        self.prior_correction = prior_correction

    @_fit_context(prefer_skip_nested_validation=False)
    @atomic_fit
    def fit(self, X, y):
        """Augment ``(X, y)`` with the augmenter, then fit the classifier on the result.

        A fit that fails (an exception, Ctrl-C) leaves the classifier as it was before
        the call: fitted as before, or unfitted.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training rows. Not modified.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : AugmentedClassifier
            The fitted classifier.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X = check_table(self, X, reset=True)
        augmenter = AEAugmenter() if self.augmenter is None else clone(self.augmenter)
        X_res, y_res = augmenter.fit_resample(X, y)
        if self.preprocessor is None:
            preprocessor = None
        elif isinstance(self.preprocessor, str):  # "auto"
            preprocessor = TabularEncoder()
        else:
            preprocessor = clone(self.preprocessor)
        X_fit = X_res if preprocessor is None else preprocessor.fit(X_res).transform(X_res)
        estimator = clone(self.estimator)
        try:
            estimator.fit(X_fit, y_res)
        except (TypeError, ValueError) as error:
            raw = _non_numeric_columns(X_fit) if preprocessor is None else []
            if raw and _CONVERSION_ERROR.search(str(error)):
                # the classifier's own error, with the cause and the fix added
                error.add_note(
                    f"{type(estimator).__name__} got the augmented rows in the table's "
                    f"schema, whose columns {', '.join(raw[:5])}"
                    f"{', ...' if len(raw) > 5 else ''} are not numbers: pass "
                    "preprocessor='auto' to AugmentedClassifier to encode them "
                    "(categories one-hot, numbers standardised, missing values filled), "
                    "or a classifier or pipeline that takes them."
                )
            raise
        self.augmenter_ = augmenter
        self.preprocessor_ = preprocessor
        self.estimator_ = estimator
        self.classes_ = self.estimator_.classes_
        self.prior_ratio_ = _share(y, self.classes_) / _share(y_res, self.classes_)
        return self

    def _corrected(self, proba):
        if not getattr(self, "prior_correction", False):
            return proba
        weighted = proba * self.prior_ratio_
        return weighted / weighted.sum(axis=1, keepdims=True)

    def _check(self, X):
        check_is_fitted(self)
        X = check_table(self, X, reset=False)
        # a model fitted before ``preprocessor`` existed has no preprocessor_
        preprocessor = getattr(self, "preprocessor_", None)
        return X if preprocessor is None else preprocessor.transform(X)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict classes with the fitted classifier.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._check(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted classifier.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            With ``prior_correction=True``, reweighted to the training rows' class
            shares.
        """
        X = self._check(X)
        return self._corrected(self.estimator_.predict_proba(X))

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted classifier.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check(X)
        if getattr(self, "prior_correction", False):
            with np.errstate(divide="ignore"):
                return np.log(self._corrected(self.estimator_.predict_proba(X)))
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted classifier.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._check(X)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """The fitted classifier's score (accuracy for scikit-learn classifiers).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,) or None, default=None

        Returns
        -------
        score : float
        """
        X = self._check(X)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator).input_tags
        augmenter = self.augmenter if self.augmenter is not None else AEAugmenter()
        try:
            aug = get_tags(augmenter).input_tags
        except (AttributeError, TypeError):
            aug = inner
        if isinstance(self.preprocessor, str):
            # "auto": a TabularEncoder takes strings, categories and missing values
            # and gives the classifier complete numbers
            inner = get_tags(TabularEncoder()).input_tags
        tags.input_tags.allow_nan = inner.allow_nan and aug.allow_nan
        tags.input_tags.sparse = False
        tags.input_tags.categorical = inner.categorical and aug.categorical
        tags.input_tags.string = inner.string and aug.string
        return tags
