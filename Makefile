# Quick start: `make demo` (install + demo reports), `make test` (the test suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo test bench clean

$(BIN)/aligndx: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(BIN)/aligndx

install: $(BIN)/aligndx

demo: install
	$(BIN)/aligndx demo -o reports

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-cell-timeout=600 notebooks tests

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf reports .pytest_cache
