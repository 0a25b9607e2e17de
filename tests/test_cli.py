"""The command line and the demo (the package's main job)."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

import sklearn_ganae.__main__ as cli
from sklearn_ganae import GANSampler, TabularEncoder, VAETransformer
from sklearn_ganae.__main__ import main
from sklearn_ganae._demo import run_demo

FAST = ["--epochs", "2", "--no-report"]


# --- the demo -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    """One run of the demo with its default budget, shared by the tests below."""
    out = io.StringIO()
    figures = run_demo(max_epochs=300, out=out)
    return figures, out.getvalue()


def test_demo_reports_reduction_against_pca(demo):
    figures, out = demo
    assert "AutoencoderTransformer" in out
    assert "PCA" in out
    assert figures["schema_preserved"] is True
    # the autoencoder starts at PCA's solution: training can only improve on it
    assert figures["ae_reconstruction_mse"] < figures["pca_reconstruction_mse"]
    assert "VAETransformer" in out and "Synthetic data quality report" in out
    assert figures["vae_schema_preserved"] is True
    # a score in [0, 1]; a VAE that learnt nothing scores far below 0.5 on penguins
    assert 0.5 < figures["vae_quality"] <= 1.0


def test_demo_gan_part(demo):
    figures, out = demo
    assert "GANSampler" in out
    assert figures["gan_schema_preserved"] is True
    assert 0.5 < figures["gan_quality"] <= 1.0
    # conditioning is exact: every row asked for as Gentoo (Adelie) is one
    assert figures["gan_n_gentoo_rows"] == 200
    assert figures["gan_gentoo_rows_all_gentoo"] is True
    assert figures["gan_adelie_rows_all_adelie"] is True
    # Gentoo are the heavy penguins (real means about 5080 g against 3700 g): the
    # conditioned rows of one model show it, compared within the run with a wide margin
    assert figures["gan_gentoo_body_mass"] > figures["gan_adelie_body_mass"] + 300


def test_main_runs_demo(capsys):
    assert main(["demo", "--epochs", "3", "--seed", "1"]) == 0
    assert "held-out reconstruction MSE" in capsys.readouterr().out


def test_module_entry_point_exit_statuses(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_ganae", "nonsense"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
    # a refusal: status 1 and one line on stderr
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_ganae", "synthesize", str(tmp_path / "none.csv"),
         "--rows", "5", "-o", str(tmp_path / "out.csv")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: input file not found")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_help_documents_exit_statuses(capsys):
    for argv in (["--help"], ["synthesize", "--help"], ["report", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        text = capsys.readouterr().out
        assert "exit status:" in text
        for code in ("0 ", "1 ", "2 ", "130 "):
            assert f"  {code}" in text
    with pytest.raises(SystemExit):
        main(["synthesize", "--help"])
    text = capsys.readouterr().out
    assert "--overwrite" in text and "--quiet" in text and "Parquet" in text


# --- synthesize ---------------------------------------------------------------------


@pytest.fixture
def penguins_csv(tmp_path) -> Path:
    """The shipped penguins CSV file, copied into the test's directory."""
    source = resources.files("sklearn_ganae.datasets").joinpath("data", "penguins.csv")
    target = tmp_path / "penguins.csv"
    with resources.as_file(source) as path:
        shutil.copyfile(path, target)
    return target


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the command reads a table (a refusal must come first)."""

    def read(*args, **kwargs):
        raise AssertionError("a table was read before the paths were checked")

    monkeypatch.setattr(cli, "_read_table", read)


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def _refused(capsys, argv, *words) -> str:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    for word in words:
        assert word in lines[0]
    return lines[0]


def test_synthesize_writes_rows_in_the_input_schema(penguins_csv, tmp_path, capsys):
    dst = tmp_path / "synthetic.csv"
    code = main(["synthesize", str(penguins_csv), "--rows", "50", "-o", str(dst),
                 "--epochs", "2"])  # fmt: skip
    assert code == 0
    real, synthetic = pd.read_csv(penguins_csv), pd.read_csv(dst)
    assert synthetic.shape == (50, real.shape[1])
    assert list(synthetic.columns) == list(real.columns)
    assert list(synthetic.dtypes) == list(real.dtypes)
    captured = capsys.readouterr()
    assert "Wrote 50 synthetic rows" in captured.out
    assert "quality report" in captured.out.lower()
    # what it did, and how long each phase took, on stderr
    assert "fitting GANSampler on 344 rows x 7 columns" in captured.err
    timings = captured.err.strip().splitlines()[-1]
    for phase in ("reading", "fitting", "sampling", "writing", "report"):
        assert f"{phase} " in timings
    assert _files(tmp_path) == {"penguins.csv", "synthetic.csv"}

    code = main(["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--model",
                 "vae", "--overwrite", *FAST])  # fmt: skip
    assert code == 0
    assert len(pd.read_csv(dst)) == 5
    assert "fitting VAETransformer" in capsys.readouterr().err


def test_synthesize_quiet_prints_nothing(penguins_csv, tmp_path, capsys, monkeypatch):
    seen = {}
    fit = GANSampler.fit

    def spy(self, *args, **kwargs):
        seen["verbose"] = self.verbose
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(GANSampler, "fit", spy)
    dst = tmp_path / "out.csv"
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--epochs", "2"]
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert len(pd.read_csv(dst)) == 5
    assert seen["verbose"] == 0
    assert main([*argv, "--overwrite"]) == 0
    assert seen["verbose"] == 1  # the progress bars by default
    assert "training: 2/2 epochs" in capsys.readouterr().err
    assert main([*argv, "--overwrite", "--verbose"]) == 0
    assert seen["verbose"] == 2
    capsys.readouterr()
    with pytest.raises(SystemExit):  # one or the other
        main([*argv, "--overwrite", "--verbose", "--quiet"])
    assert "not allowed with" in capsys.readouterr().err


def test_synthesize_threads_reach_the_model(penguins_csv, tmp_path, capsys, monkeypatch):
    seen = {}
    fit = GANSampler.fit

    def spy(self, *args, **kwargs):
        seen["n_jobs"] = self.n_jobs
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(GANSampler, "fit", spy)
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "--epochs", "2", "-q"]
    assert main([*argv, "-o", str(tmp_path / "a.csv"), "--threads", "1"]) == 0
    assert seen["n_jobs"] == 1
    assert main([*argv, "-o", str(tmp_path / "b.csv")]) == 0
    assert seen["n_jobs"] is None  # the estimators' default: follow the load


def test_synthesize_prints_the_encoders_column_summary(
    penguins_csv, tmp_path, capsys, monkeypatch
):
    summary = pd.DataFrame(
        {"column": ["species"], "role": ["categorical"], "reason": ["a sentinel reason"]}
    )
    monkeypatch.setattr(TabularEncoder, "describe", lambda self: summary, raising=False)
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(tmp_path / "o.csv")]
    assert main([*argv, *FAST]) == 0
    err = capsys.readouterr().err
    assert "a sentinel reason" in err and "column" in err
    assert main([*argv, *FAST, "--overwrite", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_synthesize_refuses_to_overwrite_its_input(penguins_csv, tmp_path, capsys, no_work):
    before = penguins_csv.read_bytes()
    spellings = [
        penguins_csv,
        tmp_path / "sub" / ".." / "penguins.csv",  # another spelling of the same file
        tmp_path / "link.csv",  # a symbolic link to it
    ]
    (tmp_path / "sub").mkdir()
    os.symlink(penguins_csv, tmp_path / "link.csv")
    for target in spellings:
        for extra in ([], ["--overwrite"]):
            argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(target)]
            _refused(capsys, [*argv, *extra], "is the input file", str(target))
    assert penguins_csv.read_bytes() == before


def test_synthesize_refuses_an_existing_output(penguins_csv, tmp_path, capsys, no_work):
    dst = tmp_path / "out.csv"
    dst.write_text("precious\n")
    line = _refused(
        capsys,
        ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst)],
        "already exists",
        str(dst),
    )
    assert "--overwrite" in line
    assert dst.read_text() == "precious\n"


def test_synthesize_refuses_bad_output_paths(penguins_csv, tmp_path, capsys, no_work):
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o"]
    _refused(capsys, [*argv, str(tmp_path)], "is a directory", str(tmp_path))
    missing = tmp_path / "no" / "such" / "dir" / "out.csv"
    _refused(capsys, [*argv, str(missing)], "does not exist", "create it")
    assert not (tmp_path / "no").exists()
    for name in ("out.txt", "out", "out.csv.gz", "out.xlsx"):
        line = _refused(capsys, [*argv, str(tmp_path / name)], str(tmp_path / name))
        assert ".csv, .parquet or .pq" in line
    assert _files(tmp_path) == {"penguins.csv"}


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_synthesize_refuses_a_read_only_directory(penguins_csv, tmp_path, capsys, no_work):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(locked / "o.csv")]
        _refused(capsys, argv, "not writable", str(locked))
    finally:
        locked.chmod(0o700)


def test_synthesize_refuses_bad_inputs(tmp_path, capsys, no_work):
    out = str(tmp_path / "o.csv")
    _refused(capsys, ["synthesize", str(tmp_path / "none.csv"), "--rows", "5", "-o", out],
             "not found", "none.csv")  # fmt: skip
    _refused(capsys, ["synthesize", str(tmp_path), "--rows", "5", "-o", out], "not a file")
    text = tmp_path / "data.txt"
    text.write_text("a,b\n1,2\n")
    _refused(capsys, ["synthesize", str(text), "--rows", "5", "-o", out], "'.txt'")
    _refused(capsys, ["synthesize", str(text), "--rows", "0", "-o", out], "--rows", "0")
    _refused(capsys, ["synthesize", str(text), "--rows", "5", "--epochs", "0", "-o", out],
             "--epochs")  # fmt: skip
    _refused(capsys, ["synthesize", str(text), "--rows", "5", "--threads", "0", "-o", out],
             "--threads 0")  # fmt: skip
    assert _files(tmp_path) == {"data.txt"}


def test_synthesize_unreadable_input(tmp_path, capsys):
    out = str(tmp_path / "o.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n")
    _refused(capsys, ["synthesize", str(empty), "--rows", "5", "-o", out], "no rows")
    blank = tmp_path / "blank.csv"
    blank.write_text("")
    _refused(capsys, ["synthesize", str(blank), "--rows", "5", "-o", out], "cannot read")
    fake = tmp_path / "fake.parquet"
    fake.write_text("not,parquet\n1,2\n")
    _refused(capsys, ["synthesize", str(fake), "--rows", "5", "-o", out],
             "cannot read", "as Parquet")  # fmt: skip
    assert not os.path.exists(out)


def test_synthesize_parquet_round_trip(tmp_path, capsys, penguins):
    pytest.importorskip("pyarrow")
    df = penguins
    src = tmp_path / "penguins.parquet"
    df.to_parquet(src, index=False)
    for name in ("synthetic.parquet", "synthetic.pq"):
        dst = tmp_path / name
        assert main(["synthesize", str(src), "--rows", "40", "-o", str(dst), *FAST]) == 0
        synthetic = pd.read_parquet(dst)
        # the schema travels: categories and nullable integers, not text and floats
        assert synthetic.shape == (40, df.shape[1])
        assert list(synthetic.columns) == list(df.columns)
        assert list(synthetic.dtypes) == list(df.dtypes)
        for column in ("species", "island", "sex"):
            assert list(synthetic[column].cat.categories) == list(df[column].cat.categories)
    # CSV in, Parquet out and back
    csv = tmp_path / "penguins.csv"
    df.to_csv(csv, index=False)
    dst = tmp_path / "from_csv.parquet"
    assert main(["synthesize", str(csv), "--rows", "10", "-o", str(dst), *FAST]) == 0
    assert pd.read_parquet(dst).shape == (10, df.shape[1])


def test_parquet_without_pyarrow(tmp_path, penguins_csv, capsys, monkeypatch, no_work):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
    fake = tmp_path / "in.parquet"
    fake.write_bytes(b"PAR1")
    for src, dst in ((fake, tmp_path / "o.csv"), (penguins_csv, tmp_path / "o.parquet")):
        _refused(capsys, ["synthesize", str(src), "--rows", "5", "-o", str(dst)],
                 "pip install sklearn-ganae[parquet]")  # fmt: skip


# --- nothing partial is ever left -----------------------------------------------------


def test_a_failure_while_sampling_leaves_no_file(penguins_csv, tmp_path, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(GANSampler, "sample", broken)
    dst = tmp_path / "out.csv"
    with pytest.raises(RuntimeError, match="boom"):
        main(["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), *FAST])
    assert _files(tmp_path) == {"penguins.csv"}


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt])
def test_a_failure_while_writing_leaves_the_old_file(
    penguins_csv, tmp_path, capsys, monkeypatch, error
):
    def half_written(frame, path, fmt):
        Path(path).write_text("species,island\nAdel")  # a partial file, then the failure
        raise error

    monkeypatch.setattr(cli, "_write_table", half_written)
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    old.write_text("precious\n")
    expected = 130 if error is KeyboardInterrupt else 1
    for dst, extra in ((new, []), (old, ["--overwrite"])):
        argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst)]
        assert main([*argv, *FAST, *extra]) == expected
        err = capsys.readouterr().err
        assert ("interrupted" if expected == 130 else "No space left") in err
    assert _files(tmp_path) == {"penguins.csv", "old.csv"}
    assert old.read_text() == "precious\n"


def test_overwrite_keeps_the_files_permissions(penguins_csv, tmp_path):
    dst = tmp_path / "out.csv"
    dst.write_text("old\n")
    dst.chmod(0o640)
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--overwrite"]
    assert main([*argv, *FAST, "--quiet"]) == 0
    assert len(pd.read_csv(dst)) == 5
    assert (dst.stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize("estimator, model", [(GANSampler, "gan"), (VAETransformer, "vae")])
def test_ctrl_c_during_fit_exits_130_and_writes_nothing(
    penguins_csv, tmp_path, capsys, monkeypatch, estimator, model
):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(estimator, "fit", interrupted)
    dst = tmp_path / "out.csv"
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--model", model]
    assert main([*argv, *FAST]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"
    assert _files(tmp_path) == {"penguins.csv"}


def test_ctrl_c_during_sampling_exits_130(penguins_csv, tmp_path, capsys, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(GANSampler, "sample", interrupted)
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(tmp_path / "o.csv")]
    assert main([*argv, *FAST, "--quiet"]) == 130
    assert capsys.readouterr() == ("", "interrupted\n")
    assert _files(tmp_path) == {"penguins.csv"}


def test_synthesize_vae_on_a_narrow_table(tmp_path, capsys):
    # the VAE's default n_components ("auto") fits a table narrower than 8 encoded columns
    src, dst = tmp_path / "narrow.csv", tmp_path / "out.csv"
    pd.DataFrame({"a": range(30), "b": [0.5 * i for i in range(30)]}).to_csv(src, index=False)
    argv = ["synthesize", str(src), "--rows", "4", "-o", str(dst), "--model", "vae"]
    assert main([*argv, *FAST, "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert pd.read_csv(dst).shape == (4, 2)


def test_a_failing_quality_report_is_a_one_line_error(penguins_csv, tmp_path, capsys, monkeypatch):
    import sklearn_ganae.metrics

    for error in (ValueError("a sentinel report error"), TypeError("a sentinel type error")):

        def broken(*args, error=error, **kwargs):
            raise error

        monkeypatch.setattr(sklearn_ganae.metrics, "quality_report", broken)
        dst = tmp_path / "out.csv"
        argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--epochs", "2"]
        assert main([*argv, "--overwrite"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("error: the quality report failed: ")
        assert str(error) in err[-1] and "--no-report" in err[-1]
        assert not any("Traceback" in line for line in err)
        assert "nothing was written" in err[-1]
        assert _files(tmp_path) == {"penguins.csv"}  # the report comes before the write


@pytest.mark.parametrize("estimator, model", [(GANSampler, "gan"), (VAETransformer, "vae")])
def test_a_diverging_training_is_a_one_line_error(
    penguins_csv, tmp_path, capsys, monkeypatch, estimator, model
):
    def diverged(self, *args, **kwargs):
        raise FloatingPointError("The train loss became nan in epoch 3.")

    monkeypatch.setattr(estimator, "fit", diverged)
    dst = tmp_path / "out.csv"
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--model", model]
    assert main([*argv, *FAST, "--quiet"]) == 1
    assert capsys.readouterr() == ("", "error: training diverged: The train loss became nan "
                                       "in epoch 3.\n")  # fmt: skip
    assert _files(tmp_path) == {"penguins.csv"}


def test_a_file_created_during_training_is_not_replaced(
    penguins_csv, tmp_path, capsys, monkeypatch
):
    dst = tmp_path / "out.csv"
    fit = GANSampler.fit

    def meanwhile(self, *args, **kwargs):
        dst.write_text("written by someone else\n")  # after the paths were checked
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(GANSampler, "fit", meanwhile)
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), *FAST, "-q"]
    _refused(capsys, argv, str(dst), "was created", "--overwrite", "nothing was written")
    assert dst.read_text() == "written by someone else\n"
    assert _files(tmp_path) == {"penguins.csv", "out.csv"}  # no temporary file left
    # with --overwrite it is replaced, as asked
    assert main([*argv, "--overwrite"]) == 0
    assert len(pd.read_csv(dst)) == 5
    assert _files(tmp_path) == {"penguins.csv", "out.csv"}


def test_write_atomically_without_hard_links(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(cli.os, "link", no_links)
    target = tmp_path / "out.txt"
    cli.write_atomically(str(target), lambda tmp: Path(tmp).write_text("new\n"))
    assert target.read_text() == "new\n" and _files(tmp_path) == {"out.txt"}
    # the target exists now: refused without overwrite, replaced with it
    with pytest.raises(cli.CLIError, match="was created"):
        cli.write_atomically(str(target), lambda tmp: Path(tmp).write_text("newer\n"))
    assert target.read_text() == "new\n" and _files(tmp_path) == {"out.txt"}
    cli.write_atomically(str(target), lambda tmp: Path(tmp).write_text("newer\n"), overwrite=True)
    assert target.read_text() == "newer\n" and _files(tmp_path) == {"out.txt"}

    # another failure of os.link is an error, not a silent fallback
    def broken(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(cli.os, "link", broken)
    with pytest.raises(cli.CLIError, match="Input/output error"):
        cli.write_atomically(str(tmp_path / "other.txt"), lambda tmp: Path(tmp).write_text("x"))
    assert _files(tmp_path) == {"out.txt"}


# --- report -------------------------------------------------------------------------


def test_report_prints_and_plots(penguins_csv, tmp_path, capsys, penguins):
    pytest.importorskip("matplotlib")
    synthetic = tmp_path / "synthetic.csv"
    penguins.sample(100, random_state=0).to_csv(synthetic, index=False)
    fig = tmp_path / "report.png"
    argv = ["report", str(penguins_csv), str(synthetic), "--no-detection", "--plot", str(fig)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "Synthetic data quality report" in captured.out
    assert f"Figure saved to {fig}" in captured.out
    assert "reading " in captured.err and "report " in captured.err
    assert fig.read_bytes().startswith(b"\x89PNG")
    assert _files(tmp_path) == {"penguins.csv", "synthetic.csv", "report.png"}
    # --quiet keeps the report (the command's output) and drops the rest
    assert main([*argv, "--overwrite", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "Synthetic data quality report" in captured.out and captured.err == ""


def test_report_refuses_bad_plot_paths(penguins_csv, tmp_path, capsys, no_work):
    pytest.importorskip("matplotlib")
    argv = ["report", str(penguins_csv), str(penguins_csv), "--plot"]
    missing = tmp_path / "figures" / "report.png"
    _refused(capsys, [*argv, str(missing)], "does not exist", str(missing))
    _refused(capsys, [*argv, str(tmp_path)], "is a directory")
    _refused(capsys, [*argv, str(tmp_path / "report.xyz")], "'.xyz'", ".png")
    _refused(capsys, [*argv, str(penguins_csv), "--overwrite"], "is the input file")
    existing = tmp_path / "report.png"
    existing.write_bytes(b"old figure")
    _refused(capsys, [*argv, str(existing)], "already exists", "--overwrite")
    assert existing.read_bytes() == b"old figure"
    _refused(capsys, ["report", str(penguins_csv), str(tmp_path / "none.csv")], "not found")
    assert _files(tmp_path) == {"penguins.csv", "report.png"}


def test_report_ctrl_c_exits_130(penguins_csv, tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_ganae.metrics.quality_report", interrupted)
    fig = tmp_path / "report.png"
    argv = ["report", str(penguins_csv), str(penguins_csv), "--plot", str(fig)]
    assert main(argv) == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert _files(tmp_path) == {"penguins.csv"}


def test_ctrl_c_during_the_synthesize_report_writes_nothing(
    penguins_csv, tmp_path, capsys, monkeypatch
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_ganae.metrics.quality_report", interrupted)
    dst = tmp_path / "out.csv"
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", str(dst), "--epochs", "2"]
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"
    assert _files(tmp_path) == {"penguins.csv"}


# --- synthesize --stream ------------------------------------------------------------


def test_synthesize_stream_reads_a_parquet_folder(tmp_path, capsys, penguins):
    folder = tmp_path / "in"
    folder.mkdir()
    for k, start in enumerate(range(0, len(penguins), 120)):
        penguins.iloc[start : start + 120].to_parquet(folder / f"p{k}.parquet", row_group_size=40)
    dst = tmp_path / "synthetic.parquet"
    code = main(["synthesize", str(folder), "--stream", "--rows", "30", "-o", str(dst),
                 "--epochs", "2"])  # fmt: skip
    assert code == 0
    synthetic = pd.read_parquet(dst)
    assert synthetic.shape == (30, penguins.shape[1])
    assert list(synthetic.dtypes) == list(penguins.dtypes)
    captured = capsys.readouterr()
    assert f"on {len(penguins)} rows x 7 columns of {folder} (streamed)" in captured.err
    assert "quality report against 344 random rows of IN" in captured.err
    assert "quality report" in captured.out.lower()
    # nothing written into the input folder
    assert _files(folder) == {"p0.parquet", "p1.parquet", "p2.parquet"}


def test_synthesize_stream_csv_and_bad_inputs(penguins_csv, tmp_path, capsys):
    dst = tmp_path / "s.csv"
    assert main(["synthesize", str(penguins_csv), "--stream", "--rows", "5", "-o", str(dst),
                 *FAST]) == 0  # fmt: skip
    assert pd.read_csv(dst).shape == (5, 7)
    assert _files(tmp_path) == {"penguins.csv", "s.csv"}
    capsys.readouterr()
    out = str(tmp_path / "o.csv")
    empty = tmp_path / "empty"
    empty.mkdir()
    _refused(capsys, ["synthesize", str(empty), "--stream", "--rows", "5", "-o", out],
             "no Parquet")  # fmt: skip
    other = tmp_path / "mixed"
    other.mkdir()
    pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(other / "a.parquet")
    pd.DataFrame({"b": [1.0, 2.0]}).to_parquet(other / "b.parquet")
    _refused(capsys, ["synthesize", str(other), "--stream", "--rows", "5", "-o", out],
             "b.parquet")  # fmt: skip
    # without --stream a folder is refused as before
    _refused(capsys, ["synthesize", str(other), "--rows", "5", "-o", out], "not a file")
    assert not os.path.exists(out)


def test_synthesize_checkpoint_dir(penguins_csv, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "ckpt"
    out = str(tmp_path / "o.csv")
    argv = ["synthesize", str(penguins_csv), "--rows", "5", "-o", out,
            "--checkpoint-dir", str(folder), *FAST]  # fmt: skip
    _refused(capsys, argv, "--checkpoint-dir", "not an existing folder")
    folder.mkdir()
    seen = {}
    original = GANSampler.fit

    def fit(self, X, y=None):
        seen["checkpoint_dir"] = self.checkpoint_dir
        return original(self, X, y)

    monkeypatch.setattr(GANSampler, "fit", fit)
    assert main(["synthesize", str(penguins_csv), "--rows", "5", "-o", out,
                 "--checkpoint-dir", str(folder), *FAST]) == 0  # fmt: skip
    assert seen["checkpoint_dir"] == str(folder)
    assert list(folder.iterdir()) == []  # a completed fit removes its checkpoint
