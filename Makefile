# One command per habit; CI and people call these verbatim.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install serve test lint typecheck unit bench clean

$(BIN)/thingreg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/thingreg

install: $(BIN)/thingreg  ## create .venv and install thingreg with its dev tools

serve: install  ## run the directory on http://127.0.0.1:8080 with SQLite in ./thingreg-data
	$(BIN)/thingreg serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

test: lint typecheck unit  ## everything CI checks

bench: install  ## the directory benchmark (100k things; see bench/README.md)
	$(BIN)/python -m bench.tdd

clean:
	rm -rf $(VENV) thingreg-data .mypy_cache .pytest_cache .ruff_cache
