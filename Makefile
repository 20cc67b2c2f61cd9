# ClientPulse: `make run` for the seeded demo, `make test` for every test (SQLite, then PostgreSQL + Redis).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STANDIN_PORT ?= 12111
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: help install lint format browser migrate seed run test test-sqlite test-postgres bench bench-sqlite \
	bench-postgres clean

help:
	@echo "make run    - install, migrate, seed the demo, start web + worker + local Stripe (http://$(HOST):$(PORT))"
	@echo "make test   - install, then run every test on SQLite and again on PostgreSQL + Redis"
	@echo "make lint   - ruff check and ruff format --check (make format fixes what it can)"
	@echo "make bench  - run the benchmarks on SQLite, then on PostgreSQL + Redis (figures in bench/results/)"

install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

# ruff's lint rules and formatter live in pyproject.toml; `make test` fails on any finding before a suite runs.
lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: install
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

# Playwright drives Debian's Chromium; its own browser download cannot work here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# The demo, and only the demo, runs in development mode (the published development key, the dev outbox, the
# local Stripe stand-in); anything started without APP_ENV is production and refuses to start unconfigured.
migrate seed run: export APP_ENV = development

migrate: install
	@$(PY) -m app migrate

seed: migrate
	@$(PY) -m app seed-demo

run: seed
	@echo ""
	@echo "  ClientPulse demo:  http://$(HOST):$(PORT)"
	@echo "  Log in as          owner@demo.test / demo-password"
	@echo "  Local Stripe:      http://$(HOST):$(STANDIN_PORT)   Outbox: http://$(HOST):$(PORT)/dev/outbox"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) -m stripe_standin serve --host $(HOST) --port $(STANDIN_PORT) --seed 42 --scale demo \
		--webhook-url http://$(HOST):$(PORT)/billing/stripe/webhook --webhook-secret whsec_standin_clientpulse \
		--platform-webhook-url http://$(HOST):$(PORT)/billing/stripe/webhook \
		--platform-webhook-secret whsec_standin_clientpulse_platform & \
	$(PY) -m app worker & \
	$(PY) -m app serve --host $(HOST) --port $(PORT)

# The two suites run side by side: each has its own throw-away database, Huey queue, Redis keys and artifacts
# folder, and on two cores both together take about as long as the slower one alone. Each suite's output is
# printed whole when it ends; either failing fails `make test`.
test: install lint browser
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	@echo "=== Test suite on SQLite + SqliteHuey ==="
	@env -u DATABASE_URL -u REDIS_URL -u TEST_DATABASE_URL -u TEST_REDIS_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres:
	@echo "=== Test suite on PostgreSQL + Redis ==="
	@env -u DATABASE_URL -u REDIS_URL TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Like the tests, on both engines: each run records its figures as bench/results/<benchmark>-<engine>.json.
# BENCH_SCALE shrinks the first sync's generated agency (default 25000 invoices) while developing.
bench: install bench-sqlite bench-postgres

bench-sqlite:
	@echo "=== Benchmarks on SQLite + SqliteHuey ==="
	@env -u DATABASE_URL -u REDIS_URL -u TEST_DATABASE_URL -u TEST_REDIS_URL \
		$(PY) -m pytest benchmarks --benchmark-only -q $(PYTEST_ARGS)

bench-postgres:
	@echo "=== Benchmarks on PostgreSQL + Redis ==="
	@env -u DATABASE_URL -u REDIS_URL TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(PY) -m pytest benchmarks --benchmark-only -q $(PYTEST_ARGS)

clean:
	rm -rf var test-artifacts .pytest_cache
