# dunflow — the two commands that matter are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: screenshots install demo test test-fast lint format bench clean lock browser-deps spark-deps

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --python $(BIN)/python -q requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	@touch $(STAMP)

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra batch --python-version 3.11 --generate-hashes -o requirements.lock -q

# Debian's chromium and poppler-utils for the browser and PDF tests (installed when missing).
browser-deps:
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || \
	  { echo "installing chromium and poppler-utils (apt)"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; } || \
	  echo "WARNING: could not install chromium/poppler-utils; browser and PDF tests will skip"

# Debian's Java 17 and PostgreSQL JDBC driver for the Spark tests (batch/; installed when missing).
# pyspark itself comes with the lock (the `batch` extra); `make demo` never needs any of this.
spark-deps:
	@command -v java >/dev/null && test -f /usr/share/java/postgresql.jar || \
	  { echo "installing openjdk-17-jre-headless and libpostgresql-jdbc-java (apt)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    openjdk-17-jre-headless libpostgresql-jdbc-java >/dev/null; } || \
	  echo "WARNING: could not install Java/the JDBC driver; the Spark tests will skip"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install browser-deps spark-deps lint
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -n 2 --dist loadgroup -m "not slow"

demo: install
	SERVE=$(SERVE) $(BIN)/python -m dunflow.demo

# a screenshot of every web-app page from the demo's ledger into docs/screenshots/ (after make demo)
screenshots: install browser-deps
	$(BIN)/python -m dunflow.screenshots

bench: install
	@benchmarks/run $(BIN)/python

clean:
	rm -rf $(VENV) data/dunflow.db data/demo mlruns .pytest_cache .mypy_cache .ruff_cache
