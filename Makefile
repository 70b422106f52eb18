# The README's commands. Every target sets itself up first, so a fresh clone needs nothing else.
.PHONY: setup demo demo-record test test-fast lint fmt screenshot bench clean

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

setup: $(VENV)/.installed $(VENV)/.browser

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python 3.10 or newer is needed; run make PYTHON=python3.11 (or another)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.browser: $(VENV)/.installed scripts/ensure_browser.py
	$(PY) scripts/ensure_browser.py --write $@

# PRESENTER=1: the flow inspector pauses before each hop, in large type, tokens masked (0 = off).
demo: setup
	$(PY) -m portal_sim demo $(if $(filter-out 0 no false,$(PRESENTER)),--presenter)

# The whole flow, headless, as a screenshot per step and a video in recordings/.
demo-record: setup
	$(PY) -m portal_sim.record --out recordings

test: setup lint
	$(PY) -m pytest

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not e2e"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The README's picture of the quote page, taken from a real run of the flow.
screenshot: setup
	$(PY) scripts/take_screenshot.py

# Speed side by side with oauth2-mock-server, raw signing and a browser floor (docs/performance.md).
bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .data test-results recordings .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
