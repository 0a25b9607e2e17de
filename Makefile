# The two commands of the README. Each creates .venv (once) and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench clean

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

bench: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[benchmarks]"
	cd benchmarks && for s in bench_iterator bench_reduction bench_encoding bench_metrics bench_generators; do ../$(PY) $$s.py || exit 1; done
