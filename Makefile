# Backoffice: `make run` serves the demo, `make test` runs the suite.
# Needs only Python 3.11+ and make: uv is installed into .tools/ when it is not on the PATH.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --no-sync
MANAGE := $(RUN) python manage.py

.PHONY: help sync run test lint typecheck fmt worker beat bench migrate clean schema examples

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

sync: $(UV) ## install the locked dependencies into .venv
	$(UV) sync --locked

migrate: sync ## apply database migrations
	$(MANAGE) migrate --noinput

run: migrate ## serve the back office with demo data on http://127.0.0.1:$(PORT)/admin/
	$(MANAGE) seed_demo
	@echo
	@echo "  Backoffice is at http://127.0.0.1:$(PORT)/admin/  (health: /healthz)"
	@echo "  Log in as admin, merchant or accountant, password: demo"
	@echo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# A test run is not a deployment, even on PostgreSQL: it gets a throwaway secret key and
# development mode (pytest-django still turns DEBUG off while tests run). The production
# settings are tested explicitly, in fresh interpreters, by tests/backoffice/test_settings.py.
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-not-for-any-deployment-0123456789abcdef
test: export DJANGO_DEBUG ?= true
test: sync ## run the whole test suite (embedded, or PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(RUN) pytest $(PYTEST_ARGS)

lint: sync ## ruff check, format check and the type checker
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

typecheck: sync ## mypy with django-stubs on the apps (configured in pyproject.toml)
	$(RUN) mypy

fmt: sync ## fix what ruff can, and format
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

worker: sync ## a Celery worker on both queues (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: tasks run in-process, no worker is needed."; exit 1; }
	$(RUN) celery -A backoffice worker --queues=interactive,bulk --loglevel=INFO

beat: sync ## the Celery scheduler (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: scheduled tasks need Redis and a worker."; exit 1; }
	$(RUN) celery -A backoffice beat --loglevel=INFO --schedule=$${BEAT_SCHEDULE_FILE:-celerybeat-schedule}

bench: sync ## run the benchmarks in bench/ (or some: BENCH="api") and save their tables
	$(RUN) python -m bench $(BENCH)

schema: migrate ## write the API schema the example clients are typed from (examples/openapi.json)
	$(MANAGE) export_openapi_schema --api integrations.api.api --indent 2 --sorted \
		--output examples/openapi.json

examples: ## build the TypeScript example client: types generated from the schema, tsc --strict
	@command -v npm >/dev/null || { echo "The TypeScript example needs node 20+ and npm."; exit 1; }
	cd examples/typescript && npm ci --no-audit --no-fund && npm run build

clean: ## remove the local environments and the demo database
	rm -rf .venv .tools db.sqlite3 db.sqlite3-* media staticfiles \
		examples/typescript/node_modules examples/typescript/dist examples/typescript/src/api.d.ts
