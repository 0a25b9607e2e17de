"""The quality report, its figure and the ``report`` command.

See :mod:`sklearn_ganae.metrics._report` and :mod:`sklearn_ganae.plotting`.
"""

from __future__ import annotations

import inspect
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_ganae.__main__ import main
from sklearn_ganae.metrics import (
    QualityReport,
    column_pair_trends,
    column_shapes,
    detection_score,
    make_quality_scorer,
    ml_efficacy,
    privacy_scores,
    quality_report,
)
from sklearn_ganae.metrics._defaults import (
    CORRELATION,
    DETECTION_CV,
    DETECTION_MAX_SAMPLES,
    EFFICACY_MAX_SAMPLES,
    N_BINS,
    PRIVACY_FLOOR,
    PRIVACY_MAX_SAMPLES,
)
from sklearn_ganae.metrics._detection import detection_auc

# ----------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------


def test_identical_data_scores_perfectly(mixed_frame):
    df = mixed_frame(300, 0)
    permuted = df.sample(frac=1.0, random_state=0)  # same rows, other order and index
    report = quality_report(df, permuted, random_state=0)
    assert report.overall_score == pytest.approx(1.0)
    assert report.column_shapes_score == pytest.approx(1.0)
    assert report.column_pair_trends_score == pytest.approx(1.0)
    # identical multisets of rows in every test fold: the AUC is exactly 0.5
    assert report.detection["auc"] == pytest.approx(0.5, abs=1e-9)
    assert report.detection["score"] == pytest.approx(1.0)


def test_quality_report_contents_and_summary(penguins, noisy_resample):
    df = penguins
    train, holdout = df.iloc[::2], df.iloc[1::2]
    synthetic = noisy_resample(train, seed=0)
    report = quality_report(train, synthetic, holdout=holdout, target="species", random_state=0)
    assert isinstance(report, QualityReport)
    assert report.column_shapes.shape == (7, 6)
    assert report.column_pairs.shape == (21, 6)
    assert 0.7 < report.overall_score < 1.0
    assert report.overall_score == pytest.approx(
        (report.column_shapes_score + report.column_pair_trends_score) / 2
    )
    assert set(report.detection) == {"auc", "score"}
    assert report.privacy["exact_copies"] < 0.5
    assert report.efficacy["target"] == "species"
    assert report.n_rows == {"real": 172, "synthetic": 172, "holdout": 172}
    assert set(report.timings) >= {"column_shapes", "detection", "privacy", "ml_efficacy"}
    scores = report.scores
    assert scores["overall"] == report.overall_score
    assert "privacy_dcr_median_ratio" in scores and "efficacy_relative" in scores
    text = str(report)
    assert text == report.summary()
    for needle in [
        "Overall quality",
        "Column shapes",
        "Column pair trends",
        "Detection ROC AUC",
        "DCR median ratio",
        "NNDR",
        "Exact copies",
        "ML efficacy (target 'species'",
        "Lowest column shapes",
        "[0, 1]",
        "0.5",
    ]:
        assert needle in text, needle
    assert repr(report).startswith("QualityReport(overall_score=")


def test_quality_report_on_arrays():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    report = quality_report(X, X[::-1].copy(), detection=False)
    assert report.column_shapes["column"].tolist() == ["x0", "x1", "x2"]
    assert report.overall_score == pytest.approx(1.0)
    # an array takes the DataFrame's names when the widths agree
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    assert column_shapes(frame, X)["column"].tolist() == ["a", "b", "c"]


def test_single_column_report_has_no_pairs():
    report = quality_report(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), [[1.0], [2.0]], detection=False)
    assert report.column_pairs.empty
    assert np.isnan(report.column_pair_trends_score)
    assert report.overall_score == report.column_shapes_score


def test_real_table_report_skips_identifiers_and_handles_dates(clean_synthetic, real_table):
    real = real_table()
    holdout = real_table(200, seed=1)
    synthetic = clean_synthetic(real)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no ColumnRoleWarning, no parse warning
        report = quality_report(real, synthetic, holdout=holdout, target="group", random_state=0)
    assert report.skipped_columns.keys() == {"row", "email"}
    assert report.skipped_columns["row"].startswith("identifier: ")
    assert report.column_roles == {
        "row": "identifier",
        "email": "identifier",
        "day": "datetime",
        "stamp": "datetime",
        "wait": "datetime",
        "city": "high_cardinality",
        "x": "continuous",
        "y": "continuous",
        "items": "integer",
        "group": "categorical",
    }
    assert report.columns == ["day", "stamp", "wait", "city", "x", "y", "items", "group"]
    shapes = report.column_shapes.set_index("column")
    assert "row" not in shapes.index and "email" not in shapes.index
    for c in ("day", "stamp", "wait"):
        assert shapes.loc[c, "metric"] == "KSComplement"
        assert 0.0 < shapes.loc[c, "score"] <= 1.0
    assert shapes.loc["city", "metric"] == "TVComplement"
    # high-cardinality columns are left out of the pair trends; 7 other columns remain
    pairs = report.column_pairs
    assert "city" not in set(pairs["column_1"]) | set(pairs["column_2"])
    assert len(pairs) == 7 * 6 // 2
    assert pairs.set_index(["column_1", "column_2"]).loc[("day", "stamp"), "metric"] == (
        "correlation"
    )
    p = report.privacy
    assert p["rare_value_leak_rate"] == 0.0 and p["rare_value_leak_counts"] == {}
    assert p["identifier_copy_rate"] == 0.0 and p["identifier_copy_counts"] == {}
    assert p["privacy_floor"] == 5
    assert 0.0 <= report.detection["auc"] <= 1.0
    assert report.efficacy["task"] == "classification"
    scores = report.scores
    assert scores["privacy_rare_value_leak_rate"] == 0.0
    assert "privacy_rare_value_leak_counts" not in scores  # dicts stay in report.privacy
    text = report.summary()
    for needle in [
        "8 columns (6 continuous, 2 categorical); 2 skipped",
        "Skipped columns",
        "row: identifier: 400 distinct",  # and the encoder's reason
        "email: identifier",
        "Dates compared as continuous values (seconds): day, stamp, wait",
        "High-cardinality columns",
        "Rows repeating a rare real value (seen < 5 times)",
        "Rows copying a real identifier",
    ]:
        assert needle in text, needle


def test_quality_report_progress_on_stderr(capsys):
    rng = np.random.RandomState(0)
    real = pd.DataFrame({"a": rng.normal(size=200), "c": rng.choice(["x", "y"], 200)})
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    quality_report(real, synthetic, random_state=0)
    assert capsys.readouterr().err == ""  # silent by default
    quality_report(real, synthetic, random_state=0, verbose=1)
    err = capsys.readouterr().err
    assert "report: 5/5 parts" in err and "\x1b[" not in err and "\r" not in err


# ----------------------------------------------------------------------------------
# the figure
# ----------------------------------------------------------------------------------


def test_plot_returns_figure_and_saves(tmp_path, mixed_frame, noisy_resample):
    matplotlib = pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    df = mixed_frame(150, 0)
    report = quality_report(df, noisy_resample(df, 1), detection=False)
    fig = report.plot()
    assert isinstance(fig, Figure)
    # 7 marginals, the heatmap and its colour bar
    assert len(fig.axes) == 9
    assert "ideal" in fig.axes[7].get_title()
    fig = report.plot(columns=["x", "group"])
    assert len(fig.axes) == 4
    path = tmp_path / "report.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000
    assert matplotlib.__name__ == "matplotlib"
    with pytest.raises(ValueError, match=r"columns \['nope'\] are not columns"):
        report.plot(columns=["nope"])


def test_plot_without_matplotlib_names_the_extra(monkeypatch, mixed_frame):
    report = quality_report(mixed_frame(50, 0), mixed_frame(50, 1), detection=False)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=re.escape('pip install "sklearn-ganae[plot]"')):
        report.plot()


# ----------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------


def test_cli_report_prints_and_plots(tmp_path, capsys, penguins, noisy_resample):
    df = penguins
    real, holdout = df.iloc[::2], df.iloc[1::2]
    paths = {}
    for name, table in [("real", real), ("syn", noisy_resample(real, 0)), ("hold", holdout)]:
        paths[name] = tmp_path / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    argv = ["report", str(paths["real"]), str(paths["syn"]), "--holdout", str(paths["hold"])]
    argv += ["--target", "species"]
    if pytest.importorskip("matplotlib"):
        argv += ["--plot", str(tmp_path / "fig.png")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Synthetic data quality report" in out
    assert "ML efficacy (target 'species'" in out
    assert "DCR median ratio" in out
    assert f"Figure saved to {tmp_path / 'fig.png'}" in out
    assert (tmp_path / "fig.png").stat().st_size > 1000


def test_cli_report_errors(tmp_path, capsys):
    real = tmp_path / "real.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]}).to_csv(real, index=False)
    other = tmp_path / "other.csv"
    pd.DataFrame({"a": [1, 2, 3]}).to_csv(other, index=False)
    # an error is printed to stderr as "error: ..." and main returns 1
    cases = [
        (["report", str(real), str(other), "--no-detection"], r"synthetic lacks the columns"),
        (["report", str(real), str(tmp_path / "missing.csv")], "synthetic file not found"),
        (["report", str(real), str(real), "--target", "a"], "needs holdout"),
    ]
    for argv, match in cases:
        assert main(argv) == 1
        assert re.search(f"error: .*{match}", capsys.readouterr().err)


# ----------------------------------------------------------------------------------
# shared defaults
# ----------------------------------------------------------------------------------


def test_report_figures_are_those_of_the_functions_with_their_defaults(mixed_frame):
    real, synthetic, holdout = mixed_frame(200, 0), mixed_frame(150, 1), mixed_frame(100, 2)
    # detection is the first part that draws from the random state
    report = quality_report(real, synthetic, random_state=0)
    assert report.detection["auc"] == detection_score(real, synthetic, random_state=0)
    pd.testing.assert_frame_equal(report.column_shapes, column_shapes(real, synthetic))
    pd.testing.assert_frame_equal(report.column_pairs, column_pair_trends(real, synthetic))
    # without detection, privacy comes first, then efficacy (small tables: privacy
    # keeps every row and draws nothing)
    report = quality_report(
        real, synthetic, holdout=holdout, target="group", detection=False, random_state=0
    )
    assert report.privacy == privacy_scores(real, synthetic, holdout, random_state=0)
    efficacy = ml_efficacy(real, synthetic, holdout, target="group", random_state=1)
    assert report.efficacy.keys() == efficacy.keys()
    report = quality_report(
        real, synthetic, holdout=holdout, target="group", detection=False, random_state=1
    )
    assert report.efficacy == efficacy


def test_defaults_are_defined_once():
    def default(func, name):
        return inspect.signature(func).parameters[name].default

    assert default(detection_score, "cv") == DETECTION_CV
    assert default(detection_auc, "cv") == DETECTION_CV
    assert default(detection_score, "max_samples") == DETECTION_MAX_SAMPLES
    assert default(ml_efficacy, "max_samples") == EFFICACY_MAX_SAMPLES
    assert default(privacy_scores, "max_samples") == PRIVACY_MAX_SAMPLES
    for func in (privacy_scores, quality_report):
        assert default(func, "privacy_floor") == PRIVACY_FLOOR
    assert default(column_pair_trends, "n_bins") == N_BINS
    for func in (column_pair_trends, quality_report, make_quality_scorer):
        assert default(func, "correlation") == CORRELATION


def test_report_marginals_are_public(mixed_frame):
    df = mixed_frame(120, 0)
    report = quality_report(df, df.iloc[::-1], detection=False)
    assert [m["column"] for m in report.marginals] == report.columns
    for entry, categorical in zip(report.marginals, report.categorical):
        assert entry["categorical"] == categorical
        keys = {"labels"} if categorical else {"edges", "missing_real", "missing_synthetic"}
        assert keys | {"column", "categorical", "real", "synthetic"} == set(entry)
        np.testing.assert_allclose(entry["real"], entry["synthetic"])
