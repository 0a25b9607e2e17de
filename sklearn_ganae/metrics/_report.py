"""The quality report: every measure of synthetic rows in one object.

:func:`quality_report` validates the tables once, runs the measures of the other
modules on shared :class:`~sklearn_ganae.metrics._tables.Tables` and returns a
:class:`QualityReport` (tables, scores, a text summary and, through
:mod:`sklearn_ganae.plotting`, a figure).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from sklearn_ganae._progress import NoProgress, Progress, failure_status
from sklearn_ganae.metrics._defaults import (
    CORRELATION,
    DETECTION_CV,
    DETECTION_MAX_SAMPLES,
    EFFICACY_MAX_SAMPLES,
    PRIVACY_FLOOR,
    PRIVACY_MAX_SAMPLES,
)
from sklearn_ganae.metrics._detection import auc_score, compute_detection
from sklearn_ganae.metrics._efficacy import compute_efficacy
from sklearn_ganae.metrics._fidelity import (
    check_correlation,
    compute_column_pair_trends,
    compute_column_shapes,
    overall_score,
)
from sklearn_ganae.metrics._privacy import compute_privacy, disclosure_scores
from sklearn_ganae.metrics._tables import (
    Tables,
    check_int,
    check_target,
    check_target_compared,
    prepare,
)

#: categories of a categorical column shown in the figure (the others summed)
_MAX_PLOT_CATEGORIES = 12


def _marginals(data: Tables, max_categories: int = _MAX_PLOT_CATEGORIES) -> list[dict]:
    """Compact summaries of each column's real and synthetic distributions (for plots).

    Histograms share one set of bins per column: sqrt(n) of them (n the smaller table's
    size), between 10 and 30.
    """
    n_small = min(data.n_rows("real"), data.n_rows("synthetic"))
    n_bins = int(np.clip(np.sqrt(n_small), 10, 30))
    out = []
    for j, label in enumerate(data.columns):
        x, y = data.column("real", j), data.column("synthetic", j)
        entry = {"column": label, "categorical": bool(data.categorical[j])}
        if data.categorical[j]:
            k = data.n_categories(j)
            p = np.bincount(x, minlength=k) / len(x)
            q = np.bincount(y, minlength=k) / len(y)
            cats = data.categories[int(np.searchsorted(data.cat_idx, j))]
            order = np.argsort(-(p + q), kind="stable")
            labels = ["NaN" if pd.isna(c) else str(c) for c in cats[order]]
            p, q = p[order], q[order]
            if k > max_categories:
                keep = max_categories - 1
                labels = [*labels[:keep], f"other ({k - keep})"]
                p = np.r_[p[:keep], p[keep:].sum()]
                q = np.r_[q[:keep], q[keep:].sum()]
            entry.update(labels=labels, real=p, synthetic=q)
        else:
            xo, yo = x[~np.isnan(x)], y[~np.isnan(y)]
            both = np.concatenate([xo, yo])
            edges = np.histogram_bin_edges(both, bins=n_bins)
            hr = np.histogram(xo, bins=edges)[0] / max(len(x), 1)
            hs = np.histogram(yo, bins=edges)[0] / max(len(y), 1)
            entry.update(
                edges=edges,
                real=hr,
                synthetic=hs,
                missing_real=float(np.isnan(x).mean()),
                missing_synthetic=float(np.isnan(y).mean()),
            )
        out.append(entry)
    return out


class QualityReport:
    """Scores, tables and a summary of how well synthetic rows match real ones.

    Built by :func:`quality_report`; not meant to be created directly.

    Attributes
    ----------
    overall_score : float
        Mean of :attr:`column_shapes_score` and :attr:`column_pair_trends_score` (the
        average of those available), in [0, 1]; ideal 1. The same figure as SDMetrics'
        quality report's overall score.
    column_shapes_score : float
        Mean of the per-column shape scores, in [0, 1]; ideal 1.
    column_pair_trends_score : float
        Mean of the defined per-pair trend scores, in [0, 1]; ideal 1 (NaN with fewer
        than two columns).
    column_shapes : DataFrame
        The per-column table of :func:`column_shapes`.
    column_pairs : DataFrame
        The per-pair table of :func:`column_pair_trends`.
    detection : dict or None
        ``{"auc": ROC AUC in [0, 1], ideal 0.5; "score": 2 * (1 - max(auc, 0.5)) in
        [0, 1], ideal 1}`` from :func:`detection_score`, or None when not computed.
    privacy : dict
        With a holdout, the result of :func:`privacy_scores` (``real`` as the training
        rows); without one, only its parts that need no baseline:
        ``rare_value_leak_rate``, ``rare_value_leak_counts``, ``identifier_copy_rate``,
        ``identifier_copy_counts`` and ``privacy_floor``.
    efficacy : dict or None
        The result of :func:`ml_efficacy` (``real`` as training rows, ``holdout`` as
        test rows), when a target was given.
    n_rows : dict
        Rows per table (``real``, ``synthetic`` and ``holdout`` when given).
    columns : list
        The compared columns, in the real table's order (identifiers left out).
    categorical : ndarray of bool
        Which compared columns were treated as categorical.
    column_roles : dict
        The role of every column of the real table (compared or not), by name: as
        :class:`~sklearn_ganae.TabularEncoder` infers it, or as given in
        ``column_roles``.
    skipped_columns : dict
        The columns left out of the comparison (identifiers), by name, with the
        reason (``"identifier: 100 distinct consecutive integers 1..100 (a row
        number)"``). Their copies are measured by ``privacy["identifier_copy_rate"]``.
    timings : dict
        Seconds spent on each part.
    correlation : str
        The correlation coefficient of the continuous pairs.
    marginals : list of dict
        What :meth:`plot` draws: per compared column (in the order of ``columns``), a
        summary of its real and synthetic distributions. Every entry has ``column``
        (the label) and ``categorical`` (bool). A categorical entry has ``labels`` (the
        categories by decreasing frequency, ``"NaN"`` for missing values, the rarest
        ones summed as ``"other (k)"`` beyond 12) and ``real``, ``synthetic``: their
        shares of rows (ndarray). A continuous entry has ``edges`` (ndarray of
        histogram bin edges shared by both tables: sqrt(n) bins, between 10 and 30,
        n the smaller table's size), ``real``, ``synthetic`` (ndarray: the share of
        all rows in each bin) and ``missing_real``, ``missing_synthetic`` (float: the
        shares of missing values).
    """

    def __init__(
        self,
        *,
        column_shapes,
        column_pairs,
        detection,
        privacy,
        efficacy,
        n_rows,
        columns,
        categorical,
        timings,
        marginals,
        correlation,
        column_roles=None,
        skipped_columns=None,
    ):
        self.column_shapes = column_shapes
        self.column_pairs = column_pairs
        self.detection = detection
        self.privacy = privacy
        self.efficacy = efficacy
        self.n_rows = n_rows
        self.columns = columns
        self.categorical = categorical
        self.timings = timings
        self.correlation = correlation
        self.column_roles = dict(column_roles or {})
        self.skipped_columns = dict(skipped_columns or {})
        self.marginals = marginals
        self.column_shapes_score = float(column_shapes["score"].mean())
        pair_scores = column_pairs["score"].dropna()
        self.column_pair_trends_score = float(pair_scores.mean()) if len(pair_scores) else np.nan
        self.overall_score = overall_score(column_shapes, column_pairs)

    @property
    def scores(self) -> dict:
        """Every headline figure in one flat dict (NaN or absent where not computed)."""
        out = {
            "overall": self.overall_score,
            "column_shapes": self.column_shapes_score,
            "column_pair_trends": self.column_pair_trends_score,
        }
        if self.detection is not None:
            out["detection_auc"] = self.detection["auc"]
            out["detection"] = self.detection["score"]
        if self.privacy is not None:
            out.update(
                {
                    f"privacy_{k}": v
                    for k, v in self.privacy.items()
                    if isinstance(v, float)  # not the per-column counts or the floor
                }
            )
        if self.efficacy is not None:
            for key in ("real", "synthetic", "difference", "relative"):
                out[f"efficacy_{key}"] = self.efficacy[key]
        return out

    def summary(self, n_worst: int = 5) -> str:
        """A readable text summary with each figure's range and ideal value.

        Parameters
        ----------
        n_worst : int, default=5
            How many of the lowest-scoring columns and pairs to list.

        Returns
        -------
        text : str
            The summary, lines separated by newlines.
        """
        n_cat = int(self.categorical.sum())
        sizes = ", ".join(f"{k}: {v:,} rows" for k, v in self.n_rows.items())
        skipped = f"; {len(self.skipped_columns)} skipped" if self.skipped_columns else ""
        lines = [
            "Synthetic data quality report",
            "=============================",
            f"{sizes}; {len(self.columns)} columns ({len(self.columns) - n_cat} continuous, "
            f"{n_cat} categorical){skipped}",
        ]
        if self.skipped_columns:
            lines.append("Skipped columns (not compared; override with column_roles=...):")
            lines += [f"  {name}: {why}" for name, why in self.skipped_columns.items()]
        compared = {str(c) for c in self.columns}
        dates = [n for n, r in self.column_roles.items() if r == "datetime" and n in compared]
        if dates:
            lines.append(f"Dates compared as continuous values (seconds): {', '.join(dates)}")
        wide = [
            n for n, r in self.column_roles.items() if r == "high_cardinality" and n in compared
        ]
        if wide:
            lines.append(
                "High-cardinality columns (compared as categorical; left out of pair trends): "
                + ", ".join(wide)
            )
        lines += ["", f"{'Fidelity':<60}{'score':>8}  {'range':<9}{'ideal'}"]

        def row(label, value, rng="[0, 1]", ideal="1", fmt="{:8.3f}"):
            text = "     nan" if value is None or np.isnan(value) else fmt.format(value)
            lines.append(f"  {label:<58}{text}  {rng:<9}{ideal}".rstrip())

        row("Overall quality (mean of the next two)", self.overall_score)
        row("Column shapes (mean of 1 - KS / 1 - TVD)", self.column_shapes_score)
        row(
            f"Column pair trends ({self.correlation} correlation / contingency)",
            self.column_pair_trends_score,
        )
        if self.detection is not None:
            row(
                "Detection ROC AUC (classifier, real vs synthetic)",
                self.detection["auc"],
                ideal="0.5",
            )
            row("Detection score (2 * (1 - max(AUC, 0.5)))", self.detection["score"])
            if self.detection["auc"] < 0.45:
                lines += [
                    "    (an AUC well below 0.5: synthetic rows sit so close to real rows that",
                    "    the classifier takes them for their real neighbours; see privacy)",
                ]
        if self.privacy:
            self._privacy_lines(lines, row)
        if self.efficacy is not None:
            e = self.efficacy
            lines += [
                "",
                f"ML efficacy (target {str(e['target'])!r}, {e['task']}, {e['scoring']} on "
                "the holdout)",
            ]
            rng = "[0, 1]" if e["task"] == "classification" else "(-inf, 1]"
            row("Trained on real rows", e["real"], rng, "high")
            row("Trained on synthetic rows", e["synthetic"], rng, "= real")
            row("Relative (synthetic / real)", e["relative"], "[0, inf)", "1")
        worst = self.column_shapes.nsmallest(n_worst, "score")
        lines += ["", f"Lowest column shapes (of {len(self.column_shapes)}):"]
        for _, r in worst.iterrows():
            lines.append(f"  {str(r['column']):<40}{r['score']:8.3f}  {r['metric']}")
        pairs = self.column_pairs.dropna(subset=["score"]).nsmallest(n_worst, "score")
        if len(pairs):
            lines += ["", f"Lowest column pair trends (of {len(self.column_pairs)}):"]
            for _, r in pairs.iterrows():
                name = f"{r['column_1']} / {r['column_2']}"
                lines.append(f"  {name:<40}{r['score']:8.3f}  {r['metric']}")
        return "\n".join(lines)

    def _privacy_lines(self, lines: list, row) -> None:
        p = self.privacy
        with_holdout = "exact_copies" in p
        baseline = "; holdout = baseline" if with_holdout else ""
        lines += ["", f"Privacy (synthetic rows against the real rows{baseline})"]
        if with_holdout:
            lines.append(
                f"  {'Exact copies of real rows: synthetic / holdout':<58}"
                f"{p['exact_copies']:8.1%} / {p['exact_copies_holdout']:.1%}  "
                "ideal: no more than the holdout"
            )
            ratio_ideal = ">= 1 (near 0: copies)"
            row(
                "DCR median ratio (synthetic / holdout)",
                p["dcr_median_ratio"],
                "[0, inf)",
                ratio_ideal,
            )
            row("DCR 5th percentile ratio", p["dcr_p5_ratio"], "[0, inf)", ratio_ideal)
            row("NNDR median ratio", p["nndr_ratio"], "[0, inf)", ">= 1")
            lines.append(
                f"    (median DCR synthetic {p['dcr_synthetic_median']:.3g}, holdout "
                f"{p['dcr_holdout_median']:.3g}; 5th percentile {p['dcr_synthetic_p5']:.3g}, "
                f"{p['dcr_holdout_p5']:.3g})"
            )

        def per_column(counts):
            if counts:
                listed = ", ".join(f"{name} {n:,}" for name, n in counts.items())
                lines.append(f"    (synthetic rows per column: {listed})")

        if "rare_value_leak_rate" in p:
            row(
                f"Rows repeating a rare real value (seen < {p['privacy_floor']} times)",
                p["rare_value_leak_rate"],
                ideal="0",
                fmt="{:8.1%}",
            )
            per_column(p["rare_value_leak_counts"])
        if "identifier_copy_rate" in p and self.skipped_columns:
            row(
                "Rows copying a real identifier",
                p["identifier_copy_rate"],
                ideal="0",
                fmt="{:8.1%}",
            )
            per_column(p["identifier_copy_counts"])

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"QualityReport(overall_score={self.overall_score:.3f}, "
            f"column_shapes_score={self.column_shapes_score:.3f}, "
            f"column_pair_trends_score={self.column_pair_trends_score:.3f})"
        )

    def plot(self, *, columns=None, max_columns: int = 9, figsize=None):
        """A figure of real-versus-synthetic marginals and the pair-trend heatmap.

        Needs matplotlib (``pip install "sklearn-ganae[plot]"``). See
        :func:`sklearn_ganae.plotting.plot_quality_report` for the parameters.

        Returns
        -------
        fig : matplotlib.figure.Figure
        """
        from sklearn_ganae.plotting import plot_quality_report

        return plot_quality_report(self, columns=columns, max_columns=max_columns, figsize=figsize)


def quality_report(
    real,
    synthetic,
    *,
    holdout=None,
    target=None,
    correlation: str = CORRELATION,
    detection: bool = True,
    privacy_floor: int = PRIVACY_FLOOR,
    categorical_features="auto",
    column_roles=None,
    random_state=None,
    verbose: int = 0,
) -> QualityReport:
    """Evaluate synthetic rows against real ones: fidelity, and privacy and utility.

    Always computes :func:`column_shapes`, :func:`column_pair_trends`, (unless
    ``detection=False``) :func:`detection_score`, and the rare-value and
    identifier-copy rates of :func:`privacy_scores`; with a ``holdout`` all of
    :func:`privacy_scores` (``real`` as the training rows); with a ``target`` (which
    needs the holdout) also :func:`ml_efficacy` (trained on ``real`` and on
    ``synthetic``, tested on ``holdout``).

    Real exported tables work as they are: every column gets the role
    :class:`~sklearn_ganae.TabularEncoder` would give it (or the one in
    ``column_roles``). Identifier columns (row numbers, customer ids, e-mail
    addresses) are left out of every comparison, listed in the summary and in
    :attr:`QualityReport.skipped_columns`, and checked for copies; date columns
    (datetime64 of any unit or time zone, timedeltas, date objects, ISO 8601 strings)
    are compared as continuous values; high-cardinality columns (free text, more than
    100 levels) are compared as categorical columns in the shapes, left out of the
    pair trends, and one-hot encoded over their 49 most frequent values plus one
    shared column in detection, privacy distances and ML efficacy.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_columns)
        The real rows the generator was fitted on. Fixes columns and kinds.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_columns)
        The generated rows, with the same columns (matched by name).
    holdout : DataFrame, array-like or None, default=None
        Real rows the generator never saw (for privacy and ML efficacy).
    target : str, int or None, default=None
        Column to predict for ML efficacy. Needs ``holdout``.
    correlation : {"pearson", "spearman"}, default="pearson"
        Correlation coefficient of the continuous pairs.
    detection : bool, default=True
        Whether to run the (slowest) detection classifier.
    privacy_floor : int, default=5
        A categorical value seen fewer times than this in ``real`` is rare (see
        :func:`privacy_scores`).
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Which columns are categorical (see :func:`column_shapes`).
    column_roles : dict or None, default=None
        Column roles that override the inference, by column name or position, e.g.
        ``{"zip": "categorical", "order_no": "identifier"}`` (see
        :func:`column_shapes`). An unknown column or role raises a ``ValueError``.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, folds and models.
    verbose : int, default=0
        ``1``: a "report" progress line or bar on stderr, one step per part
        (shapes, pairs, marginals, detection, privacy, efficacy).

    Returns
    -------
    report : QualityReport
        ``print(report)`` shows the summary; ``report.column_shapes`` and
        ``report.column_pairs`` hold the tables, ``report.skipped_columns`` the
        columns left out and why, ``report.column_roles`` every column's role;
        ``report.plot()`` draws the figure.

    Examples
    --------
    >>> from sklearn_ganae.datasets import load_penguins
    >>> from sklearn_ganae.metrics import quality_report
    >>> df = load_penguins()
    >>> report = quality_report(df, df, detection=False)
    >>> round(report.overall_score, 3), report.column_pairs.shape
    (1.0, (21, 6))
    """
    check_correlation(correlation)
    check_int(privacy_floor, "privacy_floor", 1)
    if target is not None and holdout is None:
        raise ValueError(
            f"target={target!r} needs holdout=...: ML efficacy tests its models on real rows "
            "the generator never saw. Pass them as holdout, or leave target=None."
        )
    tables = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        tables["holdout"] = holdout
    if target is not None:
        check_target(target, tables)
    rng = check_random_state(random_state)
    timings = {}
    start = time.perf_counter()
    data = prepare(tables, categorical_features=categorical_features, column_roles=column_roles)
    if target is not None:
        check_target_compared(target, data)
    timings["validation"] = time.perf_counter() - start

    n_parts = 4 + int(bool(detection)) + int(target is not None)
    bar = Progress("report", n_parts, unit="part") if verbose else NoProgress()

    def timed(name, func, *args):
        t0 = time.perf_counter()
        value = func(*args)
        timings[name] = time.perf_counter() - t0
        bar.update(1, {"done": name})
        return value

    try:
        shapes = timed("column_shapes", compute_column_shapes, data)
        pairs = timed("column_pair_trends", compute_column_pair_trends, data, correlation)
        marginals = timed("marginals", _marginals, data)
        det = None
        if detection:
            view = data.view(["real", "synthetic"])
            auc = timed(
                "detection",
                compute_detection,
                view,
                None,
                DETECTION_CV,
                DETECTION_MAX_SAMPLES,
                rng,
            )
            det = {"auc": auc, "score": auc_score(auc)}
        efficacy = None
        if holdout is not None:
            view = data.view(["real", "synthetic", "holdout"], {"real": "train"})
            privacy = timed(
                "privacy", compute_privacy, view, PRIVACY_MAX_SAMPLES, rng, privacy_floor
            )
        else:
            privacy = timed("privacy", disclosure_scores, data, "real", "synthetic", privacy_floor)
        if target is not None:
            view = data.view(
                ["real", "synthetic", "holdout"], {"real": "train", "holdout": "test"}
            )
            efficacy = timed(
                "ml_efficacy",
                compute_efficacy,
                view,
                target,
                "auto",
                None,
                None,
                EFFICACY_MAX_SAMPLES,
                rng,
            )
    except BaseException as exc:
        bar.close(failure_status(exc))
        raise
    timings["total"] = time.perf_counter() - start
    bar.close()
    n_rows = {role: data.n_rows(role) for role in tables}
    return QualityReport(
        column_shapes=shapes,
        column_pairs=pairs,
        detection=det,
        privacy=privacy,
        efficacy=efficacy,
        n_rows=n_rows,
        columns=list(data.columns),
        categorical=data.categorical.copy(),
        timings=timings,
        marginals=marginals,
        correlation=correlation,
        column_roles=data.column_roles,
        skipped_columns=data.skipped,
    )
