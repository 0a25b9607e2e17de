"""The documentation's generator-choice tables (``docs/sphinxext/ganae_docs.py``):
the ranking and the default's checks follow the results they are rendered from."""

import sys
from pathlib import Path

import pytest

DOCS_EXT = Path(__file__).resolve().parents[1] / "docs" / "sphinxext"


@pytest.fixture(scope="module")
def ganae_docs():
    sys.path.insert(0, str(DOCS_EXT))
    try:
        import ganae_docs
    finally:
        sys.path.remove(str(DOCS_EXT))
    return ganae_docs


def _row(table, model, seed, auc, **extra):
    row = {
        "table": table,
        "rows": 1000,
        "columns": 5,
        "model": model,
        "seed": seed,
        "fit_s": 10.0,
        "column_shapes": 0.9,
        "column_pair_trends": 0.9,
        "efficacy_synthetic": 0.7,
        "privacy_dcr_median_ratio": 1.0,
        "privacy_exact_copies": 0.0,
        "detection_boosted": auc,
    }
    row.update(extra)
    return row


def _results():
    rows = [
        # table a: B wins on the mean over seeds though A wins seed 0
        _row("a", "A", 0, 0.60, fit_s=5.0),
        _row("a", "A", 1, 0.90, fit_s=5.0),
        _row("a", "B", 0, 0.70, column_shapes=0.95),
        _row("a", "B", 1, 0.70, column_shapes=0.95),
        _row("a", "marginals", 0, 0.50),
        # table b: A wins, but its DCR ratio misses the target
        _row("b", "A", 0, 0.80, privacy_dcr_median_ratio=0.5, fit_s=2.0),
        _row("b", "B", 0, 0.95),
    ]
    return {"meta": {}, "rows": rows}


def test_ranking_by_mean_boosted_auc_without_the_floor(ganae_docs):
    ranking = ganae_docs.generator_ranking(_results())
    assert [m for m, _ in ranking["a"]] == ["B", "A"]
    assert ranking["a"][1][1] == pytest.approx(0.75)
    assert [m for m, _ in ranking["b"]] == ["A", "B"]


def test_default_checks_against_the_best_reference(ganae_docs):
    checks = ganae_docs.default_checks(_results(), "A", ["B"])
    a, b = checks["a"], checks["b"]
    assert a["detection"][0] is True  # 0.75 <= 0.85
    assert a["shapes"][0] is False  # 0.90 < B's 0.95
    assert a["pairs"][0] is True
    assert a["speed"]["B"] == pytest.approx(2.0)  # B fits in 10 s, A in 5 s
    assert b["dcr"][0] is False
    assert b["speed"]["B"] == pytest.approx(5.0)
    assert ganae_docs.default_checks(_results(), "C", ["B"]) == {"a": None, "b": None}

    # fit times are compared within one run only: a reference kept from an earlier run
    # (bench_generators --keep) gets no ratio, and the page says so
    kept = {**_results(), "meta": {"kept_from": {"models": ["B"]}}}
    assert ganae_docs.default_checks(kept, "A", ["B"])["a"]["speed"] == {"B": None}
    both = {**_results(), "meta": {"kept_from": {"models": ["A", "B"], "date": "d1"}}}
    assert ganae_docs.default_checks(both, "A", ["B"])["a"]["speed"]["B"] == pytest.approx(2.0)
    # kept twice over: each model's own run decides
    runs = {"models": ["A", "B"], "date": "d2", "runs": {"A": "d2", "B": "d1"}}
    nested = {**_results(), "meta": {"kept_from": runs}}
    assert ganae_docs.default_checks(nested, "A", ["B"])["a"]["speed"] == {"B": None}
    text = "\n".join(
        ganae_docs._generators(kept, {"view": "choice", "default": "A", "reference": "B"})
    )
    assert "other run" in text


def test_model_table_gives_fit_ratios_within_one_run_only(ganae_docs):
    rows = [{**r, "overall": 0.9, "detection_auc": 0.8} for r in _results()["rows"]]
    same = {"meta": {}, "rows": rows}
    text = "\n".join(ganae_docs._generator_table(same, {"models": "A, B", "reference": "B"}))
    assert "0.50" in text and "other run" not in text  # A fits in 5 s, B in 10 s
    kept = {"meta": {"kept_from": {"models": ["B"]}}, "rows": rows}
    text = "\n".join(ganae_docs._generator_table(kept, {"models": "A, B", "reference": "B"}))
    assert "other run" in text and "0.50" not in text


def test_choice_view_renders_both_tables(ganae_docs):
    lines = ganae_docs._generators(
        _results(), {"view": "choice", "default": "A", "reference": "B"}
    )
    text = "\n".join(lines)
    assert "Lowest boosted detection AUC:" in text
    assert "B (0.700)" in text and "marginals" not in text
    assert "0.50 ✗" in text  # table b's DCR ratio fails its target
    empty = {"meta": {}, "rows": [_row("a", "A", 0, None)]}
    with pytest.raises(ganae_docs.BenchmarkNotRun):
        ganae_docs._generators(empty, {"view": "choice"})


def test_a_view_of_another_benchmark_is_refused(ganae_docs, tmp_path):
    (tmp_path / "augment.json").write_text('{"meta": {}, "rows": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown :view: 'choice'; augment has"):
        ganae_docs.benchmark_table_lines("augment", {"view": "choice"}, tmp_path)


def test_gan_training_summary_times_each_variant_to_the_plain_gans_level(ganae_docs):
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        from bench_gan_training import REFERENCE_VARIANT, summary
    finally:
        sys.path.remove(str(bench))
    quality = {  # (variant, epochs) -> quality; seeds 0 and 1 spread by +-0.01
        (REFERENCE_VARIANT, 100): 0.80,
        (REFERENCE_VARIANT, 300): 0.85,
        (REFERENCE_VARIANT, 600): 0.86,
        ("pretrained", 100): 0.855,
        ("pretrained", 300): 0.87,
        ("pretrained", 600): 0.88,
        ("worse", 100): 0.70,
        ("worse", 300): 0.75,
        ("worse", 600): 0.80,
    }
    rows = [
        {
            "table": "t",
            "variant": variant,
            "seed": seed,
            "epochs": epochs,
            "train_s": epochs / 10 + (5.0 if variant == "pretrained" else 0.0),
            "overall": q + (0.01 if seed else -0.01),
            "detection_boosted": 0.9,
        }
        for (variant, epochs), q in quality.items()
        for seed in (0, 1)
    ]
    import pandas as pd

    result = {r["variant"]: r for r in summary(pd.DataFrame(rows))}
    assert result[REFERENCE_VARIANT]["level"] == pytest.approx(0.85)
    assert result[REFERENCE_VARIANT]["epochs_to_level"] == 300
    assert result["pretrained"]["epochs_to_level"] == 100
    assert result["pretrained"]["seconds_to_level"] == pytest.approx(15.0)
    assert result["worse"]["epochs_to_level"] is None
    lines = ganae_docs._training_table(
        {"meta": {}, "rows": rows, "summary": list(result.values())}, {}
    )
    text = "\n".join(lines)
    assert "not reached" in text and "boosted AUC at 600" in text and "15.0" in text


def _heldout_results():
    def verdict(table, clf, ba, best, auc_diff, ba_target):
        return {
            "table": table,
            "classifier": clf,
            "ba": ba,
            "best_oversampler": "ADASYN",
            "best_ba": best,
            "diff_best": ba - best,
            "auc_diff": auc_diff,
            "log_loss_diff": 0.1,
            "ba_target": ba_target,
            "auc_target": abs(auc_diff) <= 0.005,
            "log_loss_target": False,
        }

    rows = [
        verdict("t1", "LogReg", 0.70, 0.69, 0.0, True),
        verdict("t2", "LogReg", 0.6, 0.7, -0.02, False),
    ]
    return {
        "meta": {"date": "2026-12-02", "machine": {"other_cpu_max": 0.0}},
        "rows": [{"seed": 0}, {"seed": 1}],
        "verdicts": {"default": {"method": "AEAugmenter (default)", "rows": rows}},
        "speed": [
            {
                "table": "t1",
                "train_rows": 900,
                "default_s": 0.5,
                "smote_s": 0.05,
                "ros_s": 0.01,
                "ratio": 10.0,
            }
        ],
    }


def test_heldout_augmentation_tables_count_the_targets(ganae_docs):
    text = "\n".join(ganae_docs._heldout_table(_heldout_results(), {"group": "default"}))
    assert "0.690 (ADASYN)" in text and "-0.100" in text
    assert "LogReg: at least the best over-sampler's balanced accuracy on 1 of 2" in text
    assert "ROC AUC within 0.005 of no augmentation on 1, log loss on 0" in text
    speed = "\n".join(ganae_docs._heldout_table(_heldout_results(), {"view": "speed"}))
    assert "10.0x" in speed and "0.050" in speed
    with pytest.raises(ValueError, match="unknown :group: 'best'"):
        ganae_docs._heldout_table(_heldout_results(), {"group": "best"})
    with pytest.raises(ganae_docs.BenchmarkNotRun, match="no verdicts for 'taei'"):
        ganae_docs._heldout_table(_heldout_results(), {"group": "taei"})
