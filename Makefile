# Everything runs in .venv; `make test` and `make run` create it on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sysdeps venv run test format lint typecheck bench clean

sysdeps:
	@bash .ci/sysdeps

$(BIN)/headcount: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m models3d.build  # the office's 3D models, made by code (the app also builds missing ones)
	@touch $@

venv: sysdeps $(BIN)/headcount

run: venv
	$(BIN)/headcount

# pytest exits 5 when it collects nothing: that is a failure, not a pass.
test: venv
	@QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$rc

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

bench: venv
	mkdir -p bench-results
	$(BIN)/python tests/bench/bench_orchestrator.py --json bench-results/orchestrator.json
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_office.py --json bench-results/office.json
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_shell.py --json bench-results/shell.json

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
