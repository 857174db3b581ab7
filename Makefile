# Archipel — everything installs into .venv on first use; nothing is downloaded at run time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench reset install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[demo,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m deploy.launcher

test: $(STAMP)
	$(BIN)/python -m pytest

# Every check runs and reports; the target fails if any failed.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/lint-imports --no-cache || status=1; \
	$(BIN)/python -m deploy.lint_contracts || status=1; \
	exit $$status

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.recovery
	$(BIN)/python -m bench.footprint
	$(BIN)/python -m bench.search

reset:
	rm -rf var/demo

clean: reset
	rm -rf $(VENV)
