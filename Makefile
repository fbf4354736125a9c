# Everything runs in .venv; `make test` and `make run` create it on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sysdeps venv run test format lint typecheck bench clean package package-smoke

sysdeps:
	@bash .ci/sysdeps

$(BIN)/headcount: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m models3d.build  # the office's 3D models, made by code (the app also builds missing ones)
	@touch $@

# The reference MCP filesystem server, from the npm registry, that the engine tests run with node. Without
# npm this says so and the one test that needs it is skipped (with the reason).
NODE_FAKES := tests/fakes/node
$(NODE_FAKES)/node_modules/.package-lock.json: $(NODE_FAKES)/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix $(NODE_FAKES) --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the MCP filesystem-server test will be skipped" >&2; fi

venv: sysdeps $(BIN)/headcount $(NODE_FAKES)/node_modules/.package-lock.json

run: venv
	$(BIN)/headcount

# pytest exits 5 when it collects nothing: that is a failure, not a pass. Each suite runs in its own
# process: the Qt tests open and close many qasync loops, and Qt events left from one loop must not
# be processed under another suite's tests (the app itself has exactly one loop for its lifetime).
SUITES := $(sort $(dir $(wildcard tests/*/test_*.py)))  # every folder of tests, each its own run

# The live window suites go further: each test in its own process. A window torn down under one
# qasync loop can still crash Qt under the next one in the same process (seen: a segfault in a later
# test, about one run in three on a busy machine); the app itself never has a second loop.
ONE_BY_ONE := tests/app_live/ tests/app_watch/

test: venv
	@for suite in $(SUITES); do \
		if echo " $(ONE_BY_ONE) " | grep -q " $$suite "; then \
			ids=$$(QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q --collect-only $$suite | grep '::'); \
			[ -n "$$ids" ] || { echo "no tests were collected in $$suite" >&2; exit 1; }; \
			for id in $$ids; do QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q "$$id" || exit $$?; done; \
			continue; \
		fi; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $$suite; rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "no tests were collected in $$suite" >&2; exit 1; fi; \
		if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	done

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
	$(BIN)/python tests/bench/bench_memory.py --litellm --json bench-results/memory.json
	$(BIN)/python tests/bench/bench_cli.py --json bench-results/cli.json
	$(BIN)/python tests/bench/bench_requests.py --json bench-results/requests.json
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_office.py --json bench-results/office.json
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_shell.py --json bench-results/shell.json
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_shell.py --idle --employees 4 --json bench-results/shell-idle.json
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_shell.py --idle --employees 4 --every-frame \
		--json bench-results/shell-idle-every-frame.json  # the reference: drawn whether anything moves or not

# The downloads (packaging/README.md): the one-folder bundle, its .tar.gz and a .deb in dist/.
PKG := build/package
package: venv
	LITELLM_LOCAL_MODEL_COST_MAP=True $(BIN)/pyinstaller --noconfirm --log-level WARN \
		--distpath $(PKG)/dist --workpath $(PKG)/work packaging/headcount.spec
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/icon.py $(PKG)/icon
	$(BIN)/python packaging/build_linux.py --bundle $(PKG)/dist/headcount --icons $(PKG)/icon --out dist

# Build the bundle and start it headless (CI); numbers in build/package/smoke.json. `make test` skips these.
package-smoke: venv
	HEADCOUNT_PACKAGE_TESTS=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/packaging

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
