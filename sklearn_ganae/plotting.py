"""Figures of synthetic-data quality (matplotlib, the optional ``plot`` extra).

matplotlib is imported only when a figure is drawn; without it the functions raise an
``ImportError`` that says how to install it (``pip install "sklearn-ganae[plot]"``).
Figures are built with :class:`matplotlib.figure.Figure` directly, not through
``pyplot``: no global state, no window, and ``fig.savefig("report.png")`` works with
any backend.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["plot_quality_report"]

_REAL, _SYNTHETIC = "#1f77b4", "#ff7f0e"


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching
        raise ImportError(
            "Plotting needs matplotlib, which is not installed. Install the optional "
            'extra: pip install "sklearn-ganae[plot]" (or pip install matplotlib).'
        ) from exc
    return Figure


def _pick_columns(report, columns, max_columns):
    labels = list(report.columns)
    if columns is not None:
        unknown = [c for c in columns if c not in labels]
        if unknown:
            raise ValueError(
                f"columns {unknown} are not columns of the report; its columns are "
                f"{[str(c) for c in labels]}."
            )
        return [labels.index(c) for c in columns]
    order = np.argsort(report.column_shapes["score"].to_numpy(), kind="stable")
    return sorted(order[:max_columns].tolist())


def _draw_marginal(ax, entry, score):
    if entry["categorical"]:
        x = np.arange(len(entry["labels"]))
        ax.bar(x - 0.2, entry["real"], width=0.4, color=_REAL, label="real")
        ax.bar(x + 0.2, entry["synthetic"], width=0.4, color=_SYNTHETIC, label="synthetic")
        ax.set_xticks(x)
        ax.set_xticklabels(entry["labels"], rotation=45, ha="right", fontsize=7)
        ax.set_ylabel("share of rows", fontsize=8)
        metric = "1 - TVD"
    else:
        edges = entry["edges"]
        ax.stairs(entry["real"], edges, color=_REAL, fill=True, alpha=0.45, label="real")
        ax.stairs(entry["synthetic"], edges, color=_SYNTHETIC, linewidth=1.5, label="synthetic")
        ax.set_ylabel("share of rows", fontsize=8)
        ax.tick_params(labelsize=7)
        metric = "1 - KS"
        if entry["missing_real"] or entry["missing_synthetic"]:
            ax.text(
                0.98,
                0.95,
                f"missing: {entry['missing_real']:.1%} / {entry['missing_synthetic']:.1%}",
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
            )
    ax.set_title(f"{entry['column']}  ({metric} = {score:.3f})", fontsize=9)


def _pair_matrix(report):
    labels = [str(c) for c in report.columns]
    index = {c: i for i, c in enumerate(report.columns)}
    loss = np.full((len(labels), len(labels)), np.nan)
    pairs = report.column_pairs
    i = pairs["column_1"].map(index).to_numpy(dtype=int)
    j = pairs["column_2"].map(index).to_numpy(dtype=int)
    value = 1.0 - pairs["score"].to_numpy(dtype=float)
    loss[i, j] = value
    loss[j, i] = value
    return labels, loss


def plot_quality_report(report, *, columns=None, max_columns: int = 9, figsize=None):
    """Draw a :class:`~sklearn_ganae.metrics.QualityReport`: marginals and pair trends.

    The top panels overlay the real (filled) and synthetic (outline, or the second bar)
    distribution of each shown column: histograms on shared bins for continuous
    columns (with the missing shares written in the corner), category shares for
    categorical ones; the title carries the column's shape score (range [0, 1],
    ideal 1). The bottom panel is a heatmap of ``1 - score`` of every pair of columns
    (range [0, 1], ideal 0): for two continuous columns that is half the absolute
    difference of their real and synthetic correlations, otherwise the total variation
    distance of their contingency tables.

    Parameters
    ----------
    report : QualityReport
        A report from :func:`~sklearn_ganae.metrics.quality_report`.
    columns : list or None, default=None
        Columns whose marginals to draw. None: the ``max_columns`` columns with the
        lowest shape scores, in table order.
    max_columns : int, default=9
        At most this many marginal panels when ``columns`` is None.
    figsize : tuple of float or None, default=None
        Figure size in inches; None picks one from the number of panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure; save it with ``fig.savefig(path)``.

    Examples
    --------
    >>> from sklearn_ganae.datasets import load_penguins
    >>> from sklearn_ganae.metrics import quality_report
    >>> df = load_penguins()
    >>> report = quality_report(df.iloc[:150], df.iloc[150:], detection=False)
    >>> fig = report.plot(max_columns=4)
    >>> len(fig.axes)  # 4 marginals, the heatmap and its colour bar
    6
    """
    Figure = _figure_class()
    if not isinstance(max_columns, int) or max_columns < 1:
        raise ValueError(f"max_columns must be a positive integer, got {max_columns!r}.")
    shown = _pick_columns(report, columns, max_columns)
    n_cols = min(3, max(len(shown), 1))
    n_rows = math.ceil(len(shown) / n_cols)
    p = len(report.columns)
    heat_height = max(4.0, min(9.0, 0.45 * p + 2.0))
    if figsize is None:
        figsize = (4.2 * n_cols + 1.0, 2.8 * n_rows + heat_height + 0.8)
    fig = Figure(figsize=figsize, layout="constrained")
    grid = fig.add_gridspec(n_rows + 1, n_cols, height_ratios=[2.8] * n_rows + [heat_height])
    scores = report.column_shapes["score"].to_numpy()
    for k, j in enumerate(shown):
        ax = fig.add_subplot(grid[k // n_cols, k % n_cols])
        _draw_marginal(ax, report.marginals[j], scores[j])
        if k == 0:
            ax.legend(fontsize=7, loc="upper left")
    bottom = grid[n_rows, :].subgridspec(1, 3, width_ratios=[1, 3, 1])
    ax = fig.add_subplot(bottom[0, 1])
    labels, loss = _pair_matrix(report)
    image = ax.imshow(np.ma.masked_invalid(loss), cmap="Reds", vmin=0.0, vmax=1.0)
    ax.set_xticks(np.arange(p))
    ax.set_yticks(np.arange(p))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    if p <= 15:
        for (a, b), value in np.ndenumerate(loss):
            if not np.isnan(value):
                ax.text(b, a, f"{value:.2f}", ha="center", va="center", fontsize=6)
    ax.set_title(
        "Pair trend loss = 1 - score, range [0, 1], ideal 0\n"
        "(continuous pairs: |correlation difference| / 2; others: contingency TVD)",
        fontsize=9,
    )
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(
        f"Real vs synthetic: overall quality {report.overall_score:.3f} (ideal 1), column "
        f"shapes {report.column_shapes_score:.3f}, pair trends "
        f"{report.column_pair_trends_score:.3f}",
        fontsize=10,
    )
    return fig
