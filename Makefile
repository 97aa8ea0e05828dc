# Two commands on a fresh machine with Python 3.11+:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
ARGS   ?=

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# The main job: the live dashboard on the simulated runner (no sensor needed).
demo: $(VENV)/.installed
	$(VENV)/bin/stridemon demo $(ARGS)

# Lint, then the whole test suite (UI tests run offscreen; BLE tests use a private D-Bus).
test: $(VENV)/.installed
	$(VENV)/bin/ruff check stridemon tests benchmarks
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check stridemon tests benchmarks
	$(VENV)/bin/ruff format --check stridemon tests benchmarks

# Accuracy and speed benchmarks: prints tables (see README, "Benchmarks").
bench: $(VENV)/.installed
	$(PY) -m benchmarks.run $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
