"""Machine-learning efficacy (:mod:`sklearn_ganae.metrics._efficacy`)."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ganae.metrics import ml_efficacy

# ----------------------------------------------------------------------------------
# ML efficacy
# ----------------------------------------------------------------------------------


def test_ml_efficacy_synthetic_equal_to_real_matches_real(mixed_frame):
    df = mixed_frame(500, 0)
    train, test = df.iloc[:350], df.iloc[350:]
    out = ml_efficacy(train, train, test, target="group", random_state=0)
    assert out["task"] == "classification" and out["scoring"] == "f1_macro"
    assert out["real"] > 0.8  # a strong signal: group is a function of x
    assert out["synthetic"] == pytest.approx(out["real"], abs=1e-12)
    assert out["relative"] == pytest.approx(1.0)
    reg = ml_efficacy(train, train, test, target="y", random_state=0)
    assert reg["task"] == "regression" and reg["scoring"] == "r2"
    assert reg["real"] > 0.8
    assert reg["synthetic"] == pytest.approx(reg["real"], abs=0.02)


def test_ml_efficacy_useless_synthetic_scores_lower(mixed_frame, shuffled_columns):
    df = mixed_frame(500, 0)
    train, test = df.iloc[:350], df.iloc[350:]
    out = ml_efficacy(train, shuffled_columns(train), test, target="y", random_state=0)
    assert out["synthetic"] < out["real"] - 0.5
    assert out["difference"] == pytest.approx(out["synthetic"] - out["real"])


def test_ml_efficacy_single_class_and_task_choice(mixed_frame):
    df = mixed_frame(300, 0)
    train, test = df.iloc[:200], df.iloc[200:]
    one_class = train.assign(flag=True)
    out = ml_efficacy(train, one_class, test, target="flag", random_state=0)
    assert out["synthetic"] < out["real"]
    # a numeric target with a few integer values is a classification
    small = df.assign(size=np.clip(df["size"], 3, 7))
    out = ml_efficacy(small.iloc[:200], small.iloc[:200], small.iloc[200:], target="size")
    assert out["task"] == "classification"
    out = ml_efficacy(train, train, test, target="size", task="regression", scoring="r2")
    assert out["task"] == "regression"
