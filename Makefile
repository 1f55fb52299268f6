# Two commands set everything up on a fresh machine with Python 3.11+ and make: `make serve`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PYTEST_WORKERS ?= 2

.PHONY: serve test check fmt validate fixtures bench bench-corpus clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

serve: $(STAMP)
	$(BIN)/mock-server serve

test: $(STAMP) check
	$(BIN)/mock-server validate --strict
	$(BIN)/pytest -n $(PYTEST_WORKERS)

check: $(STAMP)
	$(BIN)/ruff format --check mock_server tests bench
	$(BIN)/ruff check mock_server tests bench
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format mock_server tests bench
	$(BIN)/ruff check --fix mock_server tests bench

validate: $(STAMP)
	$(BIN)/mock-server validate

fixtures: $(STAMP)
	$(BIN)/mock-server fixtures generate

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scale.py  # issue 17: generation, 100,000 orders, cache, growth, workers

bench-corpus: $(STAMP)  # the ../shared/corpus specs, mock-server beside Prism (a few minutes)
	$(BIN)/python bench/corpus.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
