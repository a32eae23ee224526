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

# The package's bytecode, compiled once here as a wheel install does: an editable install
# leaves it to the first import, and where PYTHONDONTWRITEBYTECODE is set (as on some CI and
# container images) every process would compile the toolkit's modules again (~0.5 s of CPU
# per process, several processes per report; docs/benchmarks.md, issue 18).
install: $(BIN)/aligndx
	$(BIN)/python -m compileall -q toolkit

demo: install
	$(BIN)/aligndx demo -o reports

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-cell-timeout=600 notebooks tests

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf reports .pytest_cache
