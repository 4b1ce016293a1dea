# Partner portal: developer and CI entry points.
#
#   make venv      create .venv and install requirements.txt (again only when it changed)
#   make setup     venv + gettext + WeasyPrint's Pango and fonts + compiled translations + migrations
#   make run       setup, then localstripe + Celery worker/beat + runserver (scripts/run-dev.sh)
#   make browsers  install Debian's chromium for the browser tests when it is missing
#   make lint      ruff (lint and format check), lint-imports (the layers contracts in .importlinter),
#                  the import-graph test (no cycle inside an app) and the same layers for URL names
#                  (tests/partnerportal/test_url_layers.py)
#   make test      setup + browsers + lint, then pytest (and the locking tests again on a local
#                  PostgreSQL when one answers, the page cache's tests again on a local Redis
#                  when one answers), then the browser journey on the production-like
#                  stack (when DATABASE_URL is PostgreSQL and the broker Redis, as in CI)
#   make bench     install Debian's wrk when it is missing, run bench/run_all.py when it exists
#   make renewal-day  bench/renewal_day.py: 10,000 renewals due (RENEWAL_DAY_DUE=n) on PostgreSQL, two
#                  Celery workers on Redis (one killed midway), localstripe behind a 25 requests/s limiter
#   make soak      bench/soak.py: ten minutes (SOAK_SECONDS=n) of mixed load at 80 % of capacity on the
#                  production-like stack, with purchases, requests, staff and the sweep; per minute
#   make mutation  mutation testing of the rule functions (mutmut; scripts/mutation.py), not in CI
#
# Works from a fresh clone with python3.11 (or python3) and make; apt-get
# needs root (sudo is used when not root).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.requirements-installed
BOOT_PY   := $(shell command -v python3.11 || command -v python3)
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET   := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
CHROMIUM  := /usr/bin/chromium
# WeasyPrint (PDF invoices) draws text with Pango and subsets fonts with HarfBuzz (the packages
# its docs name for Debian); DejaVu has the Cyrillic of the Russian invoices.
PDF_DEBS  := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# Folders compilemessages must not walk into (the venv holds Django's own catalogues).
I18N_SKIP := --ignore=$(VENV) --ignore=var --ignore=artifacts --ignore=node_modules

.PHONY: help venv setup run browsers lint test bench renewal-day soak mutation

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

venv: $(STAMP)

# The stamp is older than requirements.txt whenever the pins changed.
$(STAMP): requirements.txt
	@if [ ! -x $(PY) ]; then \
		echo "Creating $(VENV) with $(BOOT_PY)"; \
		$(BOOT_PY) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

setup: venv
	@if ! command -v msgfmt >/dev/null; then \
		echo "Installing gettext (msgfmt) for compilemessages"; \
		$(APT_GET) update && $(APT_GET) install -y gettext; \
	fi
	@missing=$$(for deb in $(PDF_DEBS); do \
		dpkg-query -W -f='$${Status}' $$deb 2>/dev/null | grep -q 'install ok installed' || echo $$deb; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing" $$missing "for WeasyPrint (PDF invoices)"; \
		$(APT_GET) update && $(APT_GET) install -y $$missing; \
	fi
	@if find . -path ./$(VENV) -prune -o -type d -name locale -print | grep -q .; then \
		echo "$(PY) manage.py compilemessages"; \
		$(PY) manage.py compilemessages $(I18N_SKIP); \
	else \
		echo "No locale/ folder yet: nothing to compile"; \
	fi
	$(PY) scripts/dev_db_check.py
	$(PY) manage.py migrate --noinput

run: setup
	scripts/run-dev.sh

browsers:
	@if [ -x $(CHROMIUM) ]; then \
		echo "Found $$($(CHROMIUM) --version 2>/dev/null || echo $(CHROMIUM))"; \
	else \
		echo "Installing Debian's chromium for the browser tests"; \
		$(APT_GET) update && $(APT_GET) install -y chromium; \
	fi

# Imports run one way (support -> offers -> billing -> membership -> partnerportal), and inside
# offers (tasks -> services -> emails -> selectors -> models); only billing/gateways imports stripe:
# lint-imports fails on any arrow upward. The import-graph test (grimp, a second or two) fails on a
# cycle inside an app and on the project's code imported inside a function. A URL name imports
# nothing, so test_url_layers.py (no database, a second or two) fails on a reverse() or {% url %}
# that names a view of a higher layer.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/partnerportal/test_import_graph.py tests/partnerportal/test_url_layers.py

# The locking tests run on the database configured (SQLite by default, where writers take turns);
# when that is not PostgreSQL but a local one answers, they run again on it, with real row locks,
# and so do the data migrations' tests over old rows (marker "migration").
LOCAL_PG := postgres://postgres@127.0.0.1:5432/postgres
# The page cache's tests run on the test settings' memory cache; when a local Redis answers, again
# on it (production's cache; its database 11 is emptied by these tests).
PAGE_CACHE_TESTS := tests/partnerportal/test_page_cache.py tests/partnerportal/test_nothing_stale.py tests/partnerportal/test_cache_fail_open.py

test: setup browsers lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)
	@if [ -z "$$DATABASE_URL" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
		echo "A local PostgreSQL answers: the locking and data migration tests again"; \
		DATABASE_URL=$(LOCAL_PG) $(VENV)/bin/pytest -m "locking or migration" -p no:cacheprovider -q; \
	fi
	@if command -v redis-cli >/dev/null && [ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; then \
		echo "A local Redis answers: the page cache's tests again, on it"; \
		CACHE_URL=redis://127.0.0.1:6379/11 $(VENV)/bin/pytest -p no:cacheprovider -q $(PAGE_CACHE_TESTS); \
	fi
	scripts/journey-on-prod-stack.sh

# wrk (Debian) is the load generator: a compiled client, so the client is not what is measured.
bench: setup
	@if ! command -v wrk >/dev/null; then \
		echo "Installing Debian's wrk for the benchmarks"; \
		$(APT_GET) update && $(APT_GET) install -y wrk; \
	fi
	@if [ -f bench/run_all.py ]; then \
		$(PY) bench/run_all.py; \
	else \
		echo "bench/run_all.py does not exist yet: nothing to run"; \
	fi

# Needs the local PostgreSQL and Redis (DATABASE_URL's and REDIS_URL's servers, or 127.0.0.1); makes and
# drops its own database (renewal_day_bench) and uses Redis database 14. About 8 minutes at 10,000 due.
renewal-day: setup
	$(PY) bench/renewal_day.py

# The production-like stack on its own ports and database (prodstack_soak, made afresh), Redis
# databases 5 and 6; about 12 minutes. A benchmark for a quiet machine, not in CI.
soak: setup
	@command -v wrk >/dev/null || { $(APT_GET) update && $(APT_GET) install -y wrk; }
	$(PY) bench/soak.py

# Every mutant of the rule functions is killed by the fast suite or listed, with its reason, in
# mutation-equivalents.txt; an unexplained survivor fails the target. Takes about ten minutes.
mutation: setup
	$(PY) -m pip install --quiet -r requirements-mutation.txt
	rm -rf mutants
	$(PY) scripts/mutation.py
