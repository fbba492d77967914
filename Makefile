# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= $(or $(PASSERELLE_DATA_DIR),data)
PEOPLE ?= 20000

.PHONY: run test setup lint bench-seed bench-paths clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/passerelle --data-dir $(DATA_DIR) seed --if-empty --people $(PEOPLE)
	$(BIN)/passerelle --data-dir $(DATA_DIR) stats

test: setup
	$(BIN)/ruff check graph api dashboard seed tests bench
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check graph api dashboard seed tests bench

bench-seed: setup
	$(BIN)/python bench/seed_bench.py --people 100000 1000000

clean:
	rm -rf $(VENV) build *.egg-info
