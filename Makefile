# One obvious command per chore. Each target creates .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-stop test test-postgres lint bench simulate bundle campaign clean system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(if $(SUITE),--suite $(SUITE))

demo-stop: $(STAMP)
	$(BIN)/python scripts/demo_stop.py

# Debian's chromium and fonts-noto-cjk for the browser tests: installed when missing as root,
# otherwise make stops here with the command to run (scripts/system_packages.sh).
test: system-packages $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow"

system-packages:
	sh scripts/system_packages.sh test

# The hub suite on PostgreSQL; HUB_TEST_DATABASE_URL names the server (.ci/run starts one).
test-postgres: $(STAMP)
	@test -n "$$HUB_TEST_DATABASE_URL" || { echo "set HUB_TEST_DATABASE_URL, e.g. postgresql+psycopg://postgres@/postgres?host=/tmp/pg&port=5432"; exit 2; }
	$(BIN)/python -m pytest -q -m "not slow" tests/central_hub

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# A prefecture in a box: 18 hubs, 304 townships, a simulated year (see docs/performance.md).
# Pass flags through: make simulate SIMULATE_ARGS="--townships 548 --scale 0.05"
simulate: $(STAMP)
	$(BIN)/python bench/simulate.py $(SIMULATE_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/sync_throughput.py
	$(BIN)/python bench/compression.py
	$(BIN)/python bench/suite_cost.py
	$(BIN)/python bench/casework_fold.py
	$(BIN)/python bench/tui_startup.py
	$(BIN)/python bench/compliance_query.py --cases 1000000
	$(BIN)/python bench/ingest_vs_sqlite.py --events 20000
	$(BIN)/python bench/end_to_end.py --events 5000
# On PostgreSQL too when HUB_TEST_DATABASE_URL names a server (otherwise they say skipped).
	$(BIN)/python bench/ingest_vs_sqlite.py --events 20000 --store postgresql
	$(BIN)/python bench/end_to_end.py --events 5000 --store postgresql
	$(BIN)/python bench/workers.py --events 20000 --nodes 4

# The offline installer for township PCs: dist/township-node-bundle-<version>/ (needs PyPI).
bundle: $(STAMP)
	$(BIN)/python scripts/build_bundle.py

campaign: $(STAMP)
	$(BIN)/python scripts/campaign.py --runs 1000

clean:
	rm -rf $(VENV) demo build dist
