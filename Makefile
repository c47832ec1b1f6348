# `make serve` and `make test` create the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: serve test test-fast lint verify bench clean

$(BIN)/events-mock: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

serve: $(BIN)/events-mock
	$(BIN)/events-mock serve $(ARGS)

# Everything (what .ci/run runs): lint, type check, then every test on every core (pytest-xdist;
# PYTEST_XDIST_AUTO_NUM_WORKERS=N overrides the count), about 5 minutes on 2 cores.
# A subset: make test ARGS="tests/test_app.py -k tenants".
test: $(BIN)/events-mock
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto $(ARGS)

# The fast tier for development: everything but the tests marked `slow` (fuzzing, verify runs,
# server processes, concurrency and durability), about 100 s.
test-fast: $(BIN)/events-mock
	$(BIN)/python -m pytest -n auto -m "not slow" $(ARGS)

lint: $(BIN)/events-mock
	$(BIN)/ruff check .
	$(BIN)/mypy

# The contract suite; against a deployment: make verify ARGS="--base-url URL --auth NAME:PASSWORD"
verify: $(BIN)/events-mock
	$(BIN)/events-mock verify $(ARGS)

# The mock against a bare Starlette baseline, about 4 minutes (ARGS="--quick" for a smoke run).
# Load comes from wrk when installed (apt-get install wrk), else from a slower Python client.
bench: $(BIN)/events-mock
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
