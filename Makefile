# Two commands work on a fresh machine with only Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast conformance bench ui clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,lightgbm,distributed]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/jesse-dag demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# Jesse's own test suite (../shared/jesse-tests) against jesse-dag; Jesse 3.5.3's venv is $(JESSE_VENV), built
# when absent (outside the clone, so `make clean` keeps it). ARGS: --update-ratchet, --refresh-jesse, -v, -- -k EXPR
JESSE_VENV ?= $(abspath ..)/.jesse-venv
conformance: $(STAMP)
	JESSE_VENV=$(JESSE_VENV) $(BIN)/python conformance/run.py $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

ui: $(STAMP)
	$(BIN)/jesse-dag ui

clean:
	rm -rf $(VENV) storage .pytest_cache
