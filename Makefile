# stratbook: `make demo` runs the kit on the sample client, `make test` runs every test.
# Each target creates and fills .venv by itself on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   ?= demo/maison-durand
BENCH_PYTHON ?= $(PYTHON)
BENCH_VENV   ?= .bench-venv
BENCH_STAMP  := $(BENCH_VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo test test-fast nbval-update bench bench-venv lint clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the kit with its test tools

demo: install ## Generate the demo engagement on the sample client and run all notebooks
	@test -d $(DEMO) || $(BIN)/stratbook new --no-input -o $(dir $(DEMO)) \
		client_name="Maison Durand" engagement_slug=$(notdir $(DEMO)) sample_data=yes
	$(BIN)/stratbook run -e $(DEMO)

test: install ## Run the whole test suite: helpers, template, runner, notebooks (nbval)
	$(BIN)/pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

test-fast: install ## Unit tests only (no notebook execution)
	$(BIN)/pytest tests -m "not slow" -p no:cacheprovider

nbval-update: install ## Record the key numbers checked by nbval after a deliberate change
	$(BIN)/python tools/record_notebook_outputs.py

$(BENCH_STAMP): benchmarks/requirements-lifetimes.txt
	$(BENCH_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-lifetimes.txt
	@touch $(BENCH_STAMP)

bench-venv: $(BENCH_STAMP) ## Create .bench-venv: lifetimes 0.11.3, the benchmarks' baseline

bench: install $(BENCH_STAMP) ## Benchmarks vs lifetimes, memory, demo run -> benchmarks/RESULTS.md (~20 min; BENCH_QUICK=1: small)
	$(BIN)/python -m pip install --quiet -e '.[scale]'
	BENCH_LIFETIMES_PYTHON=$(BENCH_VENV)/bin/python $(BIN)/python benchmarks/run.py

lint: install ## ruff over the package and tests
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check src tests

clean: ## Remove the demo engagement and caches (not .venv)
	rm -rf demo .pytest_cache .hypothesis benchmarks/data artifacts
