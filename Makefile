# Backhaul: `make run` starts everything on a fresh machine; `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run install lock test lint test-sqlite test-postgres migrate demo clean bench

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -c requirements/lock.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Re-pin every dependency (runtime and dev) into requirements/lock.txt.
lock:
	$(BIN)/pip-compile -q --extra dev --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements/lock.txt pyproject.toml

run: install
	$(BIN)/python -m config.devenv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_dev_admin
	bin/dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.django.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy config integrations returns warehouses

# SQLite always; PostgreSQL too when DATABASE_URL is set. Redis tests run when REDIS_URL is set.
test: lint test-sqlite test-postgres

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -m "not postgres" -p no:cacheprovider

test-postgres: install
	@if [ -n "$$DATABASE_URL" ]; then \
		$(BIN)/pytest -p no:cacheprovider; \
	else echo "DATABASE_URL not set: skipping the PostgreSQL run"; fi

clean:
	rm -rf $(VENV) var staticfiles

# The platform as production runs it (gunicorn, Celery on Redis, PostgreSQL), measured on this
# machine: writes docs/benchmarks.md. Needs PostgreSQL and Redis on 127.0.0.1; installs wrk.
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench
