# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# what running needs (`pip install -e .`), and that plus the test tools (the `dev` extra)
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
DATA_DIR ?= $(or $(PASSERELLE_DATA_DIR),data)
PEOPLE ?= 20000
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: run test neo4j neo4j-stop setup browser axe screenshots bench-dashboard lint bench-seed bench-paths bench-api clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP) $(RUN_STAMP)

setup: $(DEV_STAMP)

# Headless Chromium and its driver (Debian packages) for the dashboard's browser tests,
# installed only when missing. Root installs directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing chromium and chromium-driver"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi

# axe-core, the accessibility engine the browser tests inject in Chromium: the version
# pinned by tools/axe/package-lock.json, installed by `npm ci` into tools/axe/node_modules.
AXE := tools/axe/node_modules/axe-core/axe.min.js
$(AXE): tools/axe/package.json tools/axe/package-lock.json
	cd tools/axe && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: $(AXE)

# Seed the demo network when the store is empty, then serve the API (docs at /docs).
run: $(RUN_STAMP)
	$(BIN)/passerelle --data-dir $(DATA_DIR) seed --if-empty --people $(PEOPLE)
	$(BIN)/passerelle --data-dir $(DATA_DIR) user ensure-demo-admin
	$(BIN)/passerelle --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# The whole suite, the Neo4j tests included: a throw-away Neo4j 5.26 Community server
# (tools/neo4j) starts first and stops afterwards whatever the outcome; without java/mvn
# this fails with one line. `make test NEO4J=off` runs without it (the Neo4j tests skip).
# pytest runs in TEST_WORKERS pytest-xdist workers (2, for a 2-core machine), each given
# whole test files, the Neo4j tests (which share one database) all in one worker: see
# tests/conftest.py. `make test TEST_WORKERS=0` runs them in one process.
NEO4J ?= on
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)
test: setup browser axe
	$(BIN)/ruff check graph api dashboard seed cli tests bench tools
	$(BIN)/lint-imports
	$(BIN)/mypy
ifeq ($(NEO4J),off)
	$(PYTEST)
else
	$(BIN)/python tools/neo4j/server.py run -- $(PYTEST)
endif

# Neo4j 5.26 Community on loopback in the background (jars fetched once from Maven Central,
# no auth, -Xmx1g, fresh data); prints its NEO4J_URI. NEO4J_PORT=7687 fixes the port.
neo4j:
	$(PYTHON) tools/neo4j/server.py start

neo4j-stop:
	$(PYTHON) tools/neo4j/server.py stop

lint: setup
	$(BIN)/ruff check graph api dashboard seed cli tests bench tools
	$(BIN)/lint-imports
	$(BIN)/mypy

bench-seed: setup
	$(BIN)/python bench/seed_bench.py --people 100000 1000000

bench-paths: setup
	$(BIN)/python bench/paths_bench.py --people 100000 --seed 7 --pairs 200 --k 3

# HTTP load test on loopback: 100,000-person seed, 32 clients for 60 s (see docs/benchmarks.md).
bench-api: setup
	$(BIN)/python bench/api_load.py --people 100000 --clients 32 --seconds 60

# The dashboard's screenshots in docs/screenshots (browser tests on the demo seed).
screenshots: setup browser axe
	PASSERELLE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/dashboard/test_browser.py \
	  tests/dashboard/test_members_browser.py tests/dashboard/test_browser_import.py \
	  tests/dashboard/test_introductions_browser.py

# Time to first full render of the home page in Chromium, 100,000-person seed.
bench-dashboard: setup browser
	$(BIN)/python bench/dashboard_render.py --people 100000 --loads 5

clean:
	rm -rf $(VENV) build *.egg-info
