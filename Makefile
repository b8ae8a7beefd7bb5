# 4A+1C — the two commands of the README, and a few helpers.
# `make demo`: embedded default (SQLite + kombu filesystem broker), web + real Celery worker and beat.
# `make test`: the whole suite; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

.PHONY: demo test install install-dev lint check migrate seed messages clean browser-deps

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

demo: seed
	$(PY) scripts/demo.py --host $(HOST) --port $(PORT)

test: install-dev
	$(PY) -m pytest -n $(TEST_WORKERS) -p no:cacheprovider $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

check: install-dev
	DJANGO_SETTINGS_MODULE=platform4a1c.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=platform4a1c.settings.test $(PY) manage.py makemigrations --check --dry-run

messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=test-artifacts --ignore=benchmarks
	$(PY) scripts/translate.py
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
