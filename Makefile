# Two entry points, each doing all set-up from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3.11
UV_VERSION := 0.9.30
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(VENV)/bin

.PHONY: demo test lint typecheck unit setup clean bench

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --all-extras --python $(PYTHON) --quiet
	touch $@

setup: $(VENV)/.synced

demo: setup
	$(RUN)/counterspy demo --home demo-home

lint: setup
	$(RUN)/ruff check src tests benchmarks docs/screenshots.py
	$(RUN)/ruff format --check src tests benchmarks docs/screenshots.py

typecheck: setup
	$(RUN)/mypy

unit: setup
	$(RUN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck unit

bench: setup
	$(RUN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) $(TOOLS) demo-home .pytest_cache .mypy_cache .ruff_cache
