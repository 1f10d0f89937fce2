# Shequ — two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.deps-stamp
RUNTIME_STAMP := $(VENV)/.runtime-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/shequ
SHEQU_DEMO_RESIDENTS ?= 50000
export SHEQU_DEMO_RESIDENTS

.PHONY: demo test test-postgres test-sqlite lint typecheck bench deps browser messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

deps: $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; no browser download).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; \
	  else echo "Chromium missing: install Debian's chromium package to run browser tests"; fi; \
	fi

# The demo needs only the runtime requirements (the test tools come with `make test`).
$(RUNTIME_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if [ $(STAMP) -nt requirements.txt ]; then echo "Dependencies already installed."; \
	else $(PIP) install -q --disable-pip-version-check -r requirements.txt; fi
	touch $(RUNTIME_STAMP)

# Migrate, build the demo city (skipped when the same demo is already there), list the logins, serve.
demo: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo_build --residents $(SHEQU_DEMO_RESIDENTS)
	$(PY) manage.py demo_logins
	@echo "Shequ: http://127.0.0.1:8000"
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

# Every test, on PostgreSQL when reachable and on SQLite.
test: deps browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shequ config
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.replace('/shequ','/postgres'), connect_timeout=3)" 2>/dev/null; then \
	  echo "== PostgreSQL =="; SHEQU_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -n 2 --dist loadfile || exit $$?; \
	else echo "== PostgreSQL not reachable: skipped =="; fi
	@echo "== SQLite =="
	SHEQU_DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(VENV)/bin/pytest -n 2 --dist loadfile

lint: deps
	$(VENV)/bin/ruff check .

typecheck: deps
	$(VENV)/bin/mypy shequ config

bench: deps
	$(PY) bench/run_all.py

clean:
	rm -rf var/*.sqlite3* var/staticfiles
