"""The README's code runs: its Python blocks, its commands and its links."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from sklearn_ganae.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _blocks(lang: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each fenced block in ``lang``."""
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start("code")) + 1, m.group("code"))
        for m in _FENCE.finditer(text)
        if m.group("lang") == lang
    ]


def test_readme_has_python_and_bash_blocks():
    assert len(_blocks("python")) >= 3
    assert _blocks("bash")


def test_readme_python_blocks_run_in_order():
    """Every ```python block, in order, in one namespace, as a reader would run them."""
    namespace: dict = {"__name__": "__readme__"}
    for line, code in _blocks("python"):
        # pad so that a traceback points at the README's own line numbers
        exec(compile("\n" * (line - 1) + code, str(README), "exec"), namespace)
    # what the blocks say they make
    assert namespace["codes"].shape == (344, 2)
    synthetic = namespace["synthetic"]
    assert synthetic.shape == (1000, namespace["df"].shape[1])
    assert list(synthetic.dtypes) == list(namespace["df"].dtypes)
    assert (namespace["gentoo"]["species"] == "Gentoo").all()
    assert namespace["elbo"].shape == (344,)
    assert len(namespace["X_res"]) == len(namespace["y_res"]) > len(namespace["X"])
    assert namespace["clf"].predict(namespace["X"].head(3)).shape == (3,)


def _commands() -> list[list[str]]:
    """The shell commands of the README: its bash blocks and its inline code."""
    text = README.read_text(encoding="utf-8")
    lines = [
        line.split("#", 1)[0].strip() for _, code in _blocks("bash") for line in code.splitlines()
    ]
    lines += re.findall(r"`((?:make|python) [^`]+)`", text)
    return [shlex.split(line) for line in lines if line]


def test_readme_commands_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.MULTILINE))
    parser = build_parser()
    seen = set()
    for argv in _commands():
        if argv[0] == "make":
            for target in argv[1:]:
                assert target in targets, f"README: make {target} is not in the Makefile"
            seen.add("make")
        elif argv[:3] == ["python", "-m", "sklearn_ganae"] and len(argv) > 3:
            # parses with the real command line (options and subcommands that exist)
            try:
                parser.parse_args(argv[3:])
            except SystemExit:  # pragma: no cover - the message is on stderr
                pytest.fail(f"README: {shlex.join(argv)} is not a valid command line")
            seen.add("cli")
    assert seen == {"make", "cli"}


def test_readme_links_exist():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert links
    for link in links:
        if "://" not in link:
            assert (ROOT / link).exists(), f"README links to {link}, which does not exist"
