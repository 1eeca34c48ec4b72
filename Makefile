# One obvious command per chore. Each target creates .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-stop test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

demo-stop: $(STAMP)
	$(BIN)/python scripts/demo_stop.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/sync_throughput.py
	$(BIN)/python bench/compression.py
	$(BIN)/python bench/suite_cost.py
	$(BIN)/python bench/casework_fold.py
	$(BIN)/python bench/tui_startup.py
	$(BIN)/python bench/compliance_query.py --cases 1000000

clean:
	rm -rf $(VENV) demo build dist
