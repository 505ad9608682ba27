# headcount-planner: the two commands a new user runs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= data/sample
PORT   ?= 8501

.PHONY: setup demo test lint bench plan chromium libreoffice postgresql clean help

help:
	@echo "make demo   - install into .venv and start the app on $(DATA)"
	@echo "make test   - install test dependencies (incl. Debian chromium, libreoffice-calc, postgresql) and run the whole suite"
	@echo "make setup  - install the project into .venv only"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make plan   - headless plan of $(DATA) into plan_out/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,dask,ray]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	HEADCOUNT_DATA=$(DATA) $(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) \
		--browser.gatherUsageStats false --client.toolbarMode minimal

plan: setup
	$(BIN)/headcount plan $(DATA) --out plan_out

# Debian's chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# LibreOffice opens, prints and recalculates the Excel workbook in the export tests.
libreoffice:
	@if ! command -v soffice >/dev/null 2>&1; then \
		echo "installing Debian libreoffice-calc for the workbook tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libreoffice-calc >/dev/null; \
	fi

# The scenario-store tests start a throw-away PostgreSQL from Debian's binaries
# (or use HEADCOUNT_TEST_PG_URL when set).
postgresql:
	@if [ -z "$$HEADCOUNT_TEST_PG_URL" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing Debian postgresql for the scenario-store tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

test: $(VENV)/.installed-test chromium libreoffice postgresql
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e ".[test,dask,ray,bench]"
	touch $@

bench: $(VENV)/.installed-bench chromium
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache plan_out
