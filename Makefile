# Grade Passback Error Portal. `make run` serves it, `make test` tests it.
# Both set up everything they need on a fresh machine: see README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 3
export DJANGO_SETTINGS_MODULE := portal.settings
export PYTHONDONTWRITEBYTECODE := 1
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: run dev test lint bench stop setup db postgres-binaries chromium redis-server venv test-venv clean-db backup restore loadtest

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "Python 3.11 is required; set PYTHON=/path/to/python3.11"; exit 1; }
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed
test-venv: $(VENV)/.installed-test

postgres-binaries:
	@if [ -z "$$DATABASE_URL" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$(IS_ROOT)" = yes ]; then \
	    echo "Installing PostgreSQL from Debian's packages"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-contrib; \
	  else \
	    echo "PostgreSQL server binaries are missing. Install them: sudo apt-get install postgresql"; \
	    echo "or point the portal at an existing server with DATABASE_URL=postgresql://..."; exit 1; \
	  fi; \
	fi

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$(IS_ROOT)" = yes ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "Browser tests need Debian's chromium at /usr/bin/chromium: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

# The rate-limit tests start their own redis-server (tests/test_rate_limits.py).
redis-server:
	@if ! command -v redis-server >/dev/null; then \
	  if [ "$(IS_ROOT)" = yes ]; then \
	    echo "Installing Debian's redis-server for the rate-limit tests"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server; \
	  else \
	    echo "The rate-limit tests need Debian's redis-server: sudo apt-get install redis-server"; exit 1; \
	  fi; \
	fi

db: venv postgres-binaries
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m portal.localdb start; fi

setup: db
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable
	$(PY) manage.py load_dictionary
	$(PY) manage.py collectstatic --noinput -v0

run: setup
	@$(PY) -m portal.portcheck $(PORT)
	@echo "Serving the portal at http://127.0.0.1:$(PORT) (Ctrl-C stops it; 'make stop' stops the database)"
	PORT=$(PORT) WORKERS=$(WORKERS) exec $(VENV)/bin/gunicorn -c portal/gunicorn.conf.py portal.wsgi

dev: setup
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: test-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup test-venv chromium redis-server lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	RATE_LIMITS=off $(PY) manage.py bench $(BENCH_ARGS)

# pg_dump into BACKUP_DIR (default var/backups/); `make restore FILE=var/backups/portal-....dump`
# asks for the database's name first, YES=1 does not (scripts).
backup: db
	$(PY) manage.py backup $(BACKUP_ARGS)

restore: db
	@[ -n "$(FILE)" ] || { echo "usage: make restore FILE=var/backups/portal-YYYYMMDD-HHMMSS.dump [YES=1]"; exit 1; }
	$(PY) manage.py restore "$(FILE)" $(if $(YES),--yes)

# Pastes, browse pages and /healthz side by side against gunicorn on a free loopback port.
# LOADTEST_ARGS="--duration 10", "--quick" (CI-sized), "--concurrency 8 32".
loadtest: setup
	$(PY) -m portal.loadtest --workers $(WORKERS) $(LOADTEST_ARGS)

stop:
	@if [ -x $(PY) ]; then $(PY) -m portal.localdb stop; else echo "nothing to stop"; fi
