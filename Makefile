# The two commands of the README. Both create or reuse .venv and install what they need.
#   make run   - install, migrate the SQLite database, deploy processes/, seed demo users, serve
#                on http://127.0.0.1:5000 (make run PORT=8080 HOST=0.0.0.0 for another)
#   make test  - install the test extras (and Debian's Chromium when missing, axe-core from npm),
#                lint, type-check, check the import contracts, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
MO := webui/translations/en/LC_MESSAGES/messages.mo
PO := webui/translations/en/LC_MESSAGES/messages.po

.PHONY: run test lint chromium axe bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

$(MO): $(PO) | $(RUN_STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d webui/translations

HOST ?= 127.0.0.1
PORT ?= 5000

run: $(RUN_STAMP) $(MO)
	$(BIN)/alur run --host $(HOST) --port $(PORT)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's Chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	fi

# axe-core, the accessibility checker the browser tests inject into every page (npm, pinned
# by tests/browser/vendor/package-lock.json); installed once, again when the lock changes.
AXE := tests/browser/vendor/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/vendor/package-lock.json
	@command -v npm >/dev/null || { echo "Installing Debian's npm for axe-core"; \
		apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	cd tests/browser/vendor && npm ci --no-audit --no-fund --loglevel=error
	touch $@

axe: $(AXE)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: $(TEST_STAMP) $(MO) chromium $(AXE) lint
	$(BIN)/pytest -n 2 --dist loadgroup

bench: $(TEST_STAMP)
	$(BIN)/python bench/engine_throughput.py
	$(BIN)/python bench/http_journey.py
	$(BIN)/python bench/report_scale.py
	$(BIN)/python bench/load.py
