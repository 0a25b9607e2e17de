"""The package imports what it needs only, and its modules share public names only.

- The metrics, the encoder and the ``report`` command import no torch; the torch
  modules (``sklearn_ganae.nn``) import neither pandas nor scikit-learn.
- No module of the package takes a private name (``_name``) from another one: what
  crosses modules is public (private *modules* such as ``_base`` are fine).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


# --- import rules ----------------------------------------------------------------------------

PACKAGE = "sklearn_ganae"
PACKAGE_DIR = Path(sklearn_ganae.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_modules() -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its ``__init__``)."""
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute name of ``from <level dots><module> import ...`` in ``importer``."""
    if not level:
        return module or ""
    base = importer.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join([*base, module] if module else base)


def _private_reach_ins(modules: dict[str, Path], root: Path = PACKAGE_DIR.parent) -> list[str]:
    """``file:line`` of every private name one module of the package takes from another.

    ``from sklearn_ganae.x import _name`` (or a relative ``from ._x import _name``) with
    ``_name`` not a submodule, and ``alias._name`` where ``alias`` is bound to a module
    of the package (``import sklearn_ganae.x as alias``, ``from sklearn_ganae import x``,
    or ``sklearn_ganae.x._name`` after ``import sklearn_ganae.x``). Private modules
    themselves (``sklearn_ganae._base``) are fine to import: their public names are
    what crosses modules; dunder names are not private.
    """
    found = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root).as_posix()
        is_package = path.name == "__init__.py"
        aliases: dict[str, str] = {}  # local name -> the package module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _absolute(node.module, node.level, importer, is_package)
                if source != PACKAGE and not source.startswith(PACKAGE + "."):
                    continue
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in modules:  # a submodule, not an attribute
                        aliases[alias.asname or alias.name] = full
                    elif _is_private(alias.name) and source != importer:
                        found.append(f"{where}:{node.lineno}: from {source} import {alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                        if alias.asname:
                            aliases[alias.asname] = alias.name
                        else:
                            aliases[PACKAGE] = PACKAGE
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            chain, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                chain.insert(0, value.attr)
                value = value.value
            if not isinstance(value, ast.Name) or value.id not in aliases:
                continue
            current = aliases[value.id]
            for i, attr in enumerate(chain):
                if f"{current}.{attr}" in modules:
                    current = f"{current}.{attr}"
                    continue
                if _is_private(attr) and current != importer:
                    reach = ".".join([value.id, *chain[: i + 1]])
                    found.append(f"{where}:{node.lineno}: {reach}")
                break
    return sorted(set(found))


def test_no_private_names_cross_modules():
    """A module uses another module's public names only (private modules are fine)."""
    modules = _package_modules()
    assert len(modules) > 10 and f"{PACKAGE}.nn" in modules
    reach_ins = _private_reach_ins(modules)
    assert not reach_ins, "private names imported from other modules:\n" + "\n".join(reach_ins)


def test_the_private_import_check_finds_reach_ins(tmp_path):
    """The check above flags what it should and nothing else (on a fake package)."""
    fake = {
        f"{PACKAGE}.a": "from sklearn_ganae.b import public, _private, __version__\n",
        f"{PACKAGE}.b": "import sklearn_ganae.c as c\nx = c._hidden + c.shown\n",
        f"{PACKAGE}.c": "from . import b\nfrom .b import _also\nfrom sklearn_ganae import _d\n",
        f"{PACKAGE}._d": "import sklearn_ganae.c\ny = sklearn_ganae.c._deep\n_own = 1\n",
    }
    modules = {}
    for name, source in fake.items():
        path = tmp_path / PACKAGE / (name.split(".")[1] + ".py")
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
        modules[name] = path
    found = _private_reach_ins(modules, root=tmp_path)
    assert found == [
        f"{PACKAGE}/_d.py:2: sklearn_ganae.c._deep",
        f"{PACKAGE}/a.py:1: from sklearn_ganae.b import _private",
        f"{PACKAGE}/b.py:2: c._hidden",
        f"{PACKAGE}/c.py:2: from sklearn_ganae.b import _also",
    ]


def test_torch_modules_import_neither_pandas_nor_sklearn():
    modules = _modules_after("import sklearn_ganae.nn")
    assert "torch" in modules  # (the check ran)
    assert "pandas" not in modules and "sklearn" not in modules
