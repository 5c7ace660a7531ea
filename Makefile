# The targets are the commands CI runs. `make demo` and `make test` work on a fresh machine
# with Python 3.11: they create .venv, install the project and what it needs, then run.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DB := demo/demo.duckdb

.PHONY: setup setup-dev java chromium demo test lint typecheck clean

$(VENV)/.core: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[web]'
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.core
	$(BIN)/pip install --quiet -e '.[dev,spark,web]'
	touch $@

setup: $(VENV)/.core

setup-dev: $(VENV)/.dev java chromium

# Spark needs a Java runtime; install Debian's when the machine has none.
java:
	@command -v java >/dev/null 2>&1 || { echo "installing a Java runtime for Spark"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq default-jre-headless; }

# The wallboard's browser tests drive Debian's chromium (Playwright's own browser builds
# are never downloaded); install it when the machine has none.
chromium:
	@test -x /usr/bin/chromium || { echo "installing chromium for the wallboard's browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

demo: setup
	rm -f $(DEMO_DB) $(DEMO_DB).rejects.csv
	$(BIN)/contactcenter ingest --db $(DEMO_DB) --format technion data/sample/technion_1999-01-sample.txt
	$(BIN)/contactcenter report --db $(DEMO_DB) --by day --format table
	$(BIN)/contactcenter report --db $(DEMO_DB) --by interval --interval 30m --format html --output demo/report.html
	@echo "HTML report with service level per interval: demo/report.html"

lint: setup-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: setup-dev
	$(BIN)/mypy

test: setup-dev lint typecheck
	$(BIN)/pytest

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
