# One command per habit; CI and people call these verbatim.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

PG_URL ?= postgresql://127.0.0.1/test

.PHONY: install serve test lint typecheck unit postgres unit-postgres bench clean

$(BIN)/thingreg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/thingreg

install: $(BIN)/thingreg  ## create .venv and install thingreg with its dev tools

serve: install  ## run the directory on http://127.0.0.1:8080 with SQLite in ./thingreg-data
	$(BIN)/thingreg serve

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

postgres:  ## start this machine's PostgreSQL server (Debian's cluster) unless it is running
	@pg_isready -q -h 127.0.0.1 -p 5432 || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
		echo "PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2; exit 1

unit-postgres: install postgres  ## the store contract and HTTP suites again, on PostgreSQL
	THINGREG_TEST_DB=$(PG_URL) $(BIN)/pytest tests/store tests/http tests/spec

test: lint typecheck postgres unit unit-postgres  ## everything CI checks

bench: install  ## the directory benchmark (100k things; see bench/README.md)
	$(BIN)/python -m bench.tdd

clean:
	rm -rf $(VENV) thingreg-data .mypy_cache .pytest_cache .ruff_cache
