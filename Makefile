# One command per habit; CI and people call these verbatim.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

PG_URL ?= postgresql://127.0.0.1/test

.PHONY: install serve test lint typecheck unit postgres mosquitto unit-postgres chromium audit \
	bench bench-console bench-bulk clean

CHROMIUM ?= /usr/bin/chromium

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

chromium:  ## Debian's headless-capable Chromium for the console's browser tests, unless present
	@test -x $(CHROMIUM) || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

unit: install chromium
	$(BIN)/pytest

postgres:  ## start this machine's PostgreSQL server (Debian's cluster) unless it is running
	@pg_isready -q -h 127.0.0.1 -p 5432 || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
		echo "PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2; exit 1

mosquitto:  ## install Mosquitto, its clients and jq (Debian) unless present: the MQTT tests need them
	@if command -v mosquitto >/dev/null && command -v mosquitto_ctrl >/dev/null && \
		command -v jq >/dev/null && ls /usr/lib/*/mosquitto_dynamic_security.so >/dev/null 2>&1; \
	then :; else \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			mosquitto mosquitto-clients jq; \
	fi

unit-postgres: install postgres chromium  ## the store, HTTP, spec and console suites again, and the connection-loss test, on PostgreSQL
	THINGREG_TEST_DB=$(PG_URL) $(BIN)/pytest tests/store tests/http tests/spec tests/console tests/crash

test: lint typecheck postgres mosquitto unit unit-postgres  ## everything CI checks

audit: install  ## known vulnerabilities in the installed dependencies (needs PyPI's JSON API)
	$(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/pip-audit --skip-editable --strict

bench: install  ## the directory benchmark (100k things; see bench/README.md)
	$(BIN)/python -m bench.tdd

bench-console: install chromium  ## the console's pages in the browser at 100k things
	$(BIN)/python -m bench.console

bench-bulk: install postgres  ## bulk loading of 1,000,000 things on SQLite and PostgreSQL (long)
	$(BIN)/python -m bench.bulk

clean:
	rm -rf $(VENV) thingreg-data .mypy_cache .pytest_cache .ruff_cache
