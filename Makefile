# The two commands of the README: `make serve` runs Docket, `make test` runs the whole suite.
# Each creates .venv and installs the project into it the first time (and again when
# pyproject.toml changes). `make test-fast` is the inner loop: the domain, projection and API
# levels on SQLite only.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test test-fast

$(BIN)/docket: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

serve: $(BIN)/docket
	$(BIN)/docket serve

test: $(BIN)/docket
	$(BIN)/pytest

test-fast: $(BIN)/docket
	$(BIN)/pytest -m "not postgres" tests/domain tests/projections tests/api
