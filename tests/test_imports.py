"""The package imports what it needs only: the metrics and the encoder without torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sklearn_ganae


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "code",
    [
        "import sklearn_ganae.metrics",
        "from sklearn_ganae import TabularEncoder",
        "import sklearn_ganae",
        "from sklearn_ganae.__main__ import main; main(['report', '--help'])",
    ],
)
def test_no_torch_for_metrics_encoder_and_report(code):
    if "main(" in code:
        code = f"try:\n    {code}\nexcept SystemExit:\n    pass"
    modules = _modules_after(code)
    assert "torch" not in modules and "skorch" not in modules


def test_public_names_resolve_and_are_listed():
    for name in sklearn_ganae.__all__:
        assert getattr(sklearn_ganae, name) is not None
    assert set(sklearn_ganae.__all__) <= set(dir(sklearn_ganae))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        sklearn_ganae.Nope  # noqa: B018
