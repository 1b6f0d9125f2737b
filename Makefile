# The two commands of the README: `make serve` runs Docket, `make test` runs the whole suite.
# Each creates .venv and installs the project into it the first time (and again when
# pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test

$(BIN)/docket: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

serve: $(BIN)/docket
	$(BIN)/docket serve

test: $(BIN)/docket
	$(BIN)/pytest
