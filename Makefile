# cmkg: `make run` (the main job) and `make test` (the whole suite) each set
# themselves up into .venv from a bare machine with python3 (>= 3.11) and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
APP_STAMP  := $(VENV)/.stamp-app
TEST_STAMP := $(VENV)/.stamp-test
BENCH_STAMP := $(VENV)/.stamp-bench
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench bench-quick build validate clean help

help:
	@echo "make run    - set up .venv, build and validate the graph, start the explorer at http://$(HOST):$(PORT)/"
	@echo "make test   - set up .venv with the test tools and run the whole test suite"
	@echo "make bench  - run the benchmarks: hours; stopped, the same command goes on (results in build/bench/)"
	@echo "make bench-quick - 10^4 and 10^5 triples, one timed run, under two minutes (results in build/bench-quick/)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cmkg needs Python >= 3.11; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	@touch $@ $(APP_STAMP)

$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	$(PIP) install --quiet -e '.[test,bench]'
	@touch $@

run: $(APP_STAMP)
	$(BIN)/cmkg build
	$(BIN)/cmkg serve --host $(HOST) --port $(PORT)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf build .pytest_cache
