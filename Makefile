# The two commands of the README: `make serve` runs Docket, `make test` runs `make check` (mypy,
# ruff, import-linter) and then the whole suite. Each creates .venv and installs the project into
# it the first time (and again when pyproject.toml changes). `make test-fast` is the inner loop:
# the domain, projection and API levels on SQLite only.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve check test test-fast

$(BIN)/docket: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

serve: $(BIN)/docket
	$(BIN)/docket serve

check: $(BIN)/docket
	$(BIN)/mypy
	$(BIN)/ruff check
	$(BIN)/lint-imports

test: check
	$(BIN)/pytest

test-fast: $(BIN)/docket
	$(BIN)/pytest -n auto -m "not postgres" tests/domain tests/projections tests/api
