"""Synthetic-data evaluation: how good, how useful and how private are generated rows.

The measures compare a table of real rows with a table of synthetic rows in the same
schema (pandas DataFrames with continuous, integer, boolean and categorical columns and
missing values, or 2-D arrays of numbers):

- **Fidelity**: :func:`column_shapes` (per column: 1 - Kolmogorov-Smirnov statistic or
  1 - total variation distance), :func:`column_pair_trends` (per pair of columns:
  correlation similarity or contingency-table similarity) and :func:`detection_score`
  (how well a classifier tells real rows from synthetic ones),
  :func:`detection_importances` (which columns give the synthetic rows away) and
  :func:`alpha_precision_beta_recall` (whether synthetic rows fall where real rows
  are typical, cover all of them, and are new).
- **Utility**: :func:`ml_efficacy` (train on synthetic rows, test on held-out real rows,
  next to training on the real rows).
- **Privacy**: :func:`privacy_scores` (distance to the closest training record against
  held-out real rows, exact copies, nearest-neighbour distance ratio, rare training
  values repeated, identifiers copied).
- :func:`quality_report` gathers them in one :class:`QualityReport` with tables, a text
  summary and a figure (:meth:`QualityReport.plot`, through the ``plot`` extra).
- :func:`make_quality_scorer` turns them into scikit-learn scorers, so that
  :class:`~sklearn.model_selection.GridSearchCV` can tune a generator on synthetic-data
  quality.

Columns take the roles :class:`~sklearn_ganae.TabularEncoder` gives them (or those in
``column_roles``), so that tables exported from a database work as they are:
identifier columns (row numbers, customer ids, e-mail addresses) are left out of the
comparison and checked for copies instead; date columns (datetime64 of any unit or
time zone, timedeltas, date objects, ISO 8601 strings) are continuous, read as
seconds; high-cardinality columns (free text, more than 100 levels) are categorical
in the column shapes and left out of the pair trends. The other kinds follow the
encoder's ``"auto"`` rule (``category``, ``object``, ``string`` and ``bool`` dtypes are
categorical). The synthetic table's columns are matched to the real one's by name,
and no input is ever modified. Column shapes and pair trends are the measures of
SDMetrics' ``QualityReport`` (``ColumnShapes``, ``ColumnPairTrends``); where the two
differ on purpose, the function says so in its Notes.

The defaults that a function, the report and the scorers share (folds, row caps, the
privacy floor, the bins, the correlation) are defined once, in
``sklearn_ganae.metrics._defaults``. The measures live in private modules of one
concept each (``_tables``: validation and encoding, ``_fidelity``, ``_detection``,
``_efficacy``, ``_privacy``, ``_support``, ``_report``, ``_scorer``), whose public
names this package re-exports.
"""

from sklearn_ganae.metrics._detection import detection_importances, detection_score
from sklearn_ganae.metrics._efficacy import ml_efficacy
from sklearn_ganae.metrics._fidelity import column_pair_trends, column_shapes
from sklearn_ganae.metrics._privacy import privacy_scores
from sklearn_ganae.metrics._report import QualityReport, quality_report
from sklearn_ganae.metrics._scorer import make_quality_scorer
from sklearn_ganae.metrics._support import alpha_precision_beta_recall

__all__ = [
    "QualityReport",
    "alpha_precision_beta_recall",
    "column_pair_trends",
    "column_shapes",
    "detection_importances",
    "detection_score",
    "make_quality_scorer",
    "ml_efficacy",
    "privacy_scores",
    "quality_report",
]
