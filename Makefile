# headcount-planner: the two commands a new user runs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= data/sample
PORT   ?= 8501

.PHONY: setup demo test lint bench plan chromium clean help

help:
	@echo "make demo   - install into .venv and start the app on $(DATA)"
	@echo "make test   - install test dependencies (incl. Debian chromium) and run the whole suite"
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
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	HEADCOUNT_DATA=$(DATA) $(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) \
		--browser.gatherUsageStats false

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

test: $(VENV)/.installed-test chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache plan_out
