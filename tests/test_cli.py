"""The command line and the demo (the package's main job)."""

import subprocess
import sys

from sklearn_ganae.__main__ import main
from sklearn_ganae._demo import run_demo


def test_demo_reports_reduction_against_pca(capsys):
    figures = run_demo(max_epochs=150)
    out = capsys.readouterr().out
    assert "AutoencoderTransformer" in out
    assert "PCA" in out
    assert figures["schema_preserved"] is True
    assert figures["ae_reconstruction_mse"] < figures["pca_reconstruction_mse"]
    assert "VAETransformer" in out and "Synthetic data quality report" in out
    assert figures["vae_schema_preserved"] is True
    assert 0.6 < figures["vae_quality"] <= 1.0


def test_main_runs_demo(capsys):
    assert main(["demo", "--epochs", "3", "--seed", "1"]) == 0
    assert "held-out reconstruction MSE" in capsys.readouterr().out


def test_module_entry_point_rejects_unknown_command():
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_ganae", "nonsense"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
