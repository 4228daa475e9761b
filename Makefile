# The quick start is `make run` and `make test`; both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint format bench bench-instructions validate clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/sim run scenarios/iot_value.yaml

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

validate: $(STAMP)
	$(BIN)/python tests/validation/cases.py

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff format --check sim tests benchmarks
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy sim

format: $(STAMP)
	$(BIN)/ruff format sim tests benchmarks
	$(BIN)/ruff check --fix sim tests benchmarks

# the specification's benchmark (the default scenario's sensors), then with hourly shelf reads
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py --no-shelf-reads
	$(BIN)/python benchmarks/bench_model.py

# instructions per store-day, counted under valgrind: compares versions whatever the host's load
bench-instructions: $(STAMP)
	$(BIN)/python benchmarks/bench_instructions.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
