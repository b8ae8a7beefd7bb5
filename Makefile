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

.PHONY: demo test install install-dev lint check migrate seed messages clean browser-deps bench-smoke

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

# Chromium for the browser tests, and a CJK font so screenshots show Chinese text instead of boxes.
# The font is installed when missing even if Chromium is already there (fc-list :lang=zh tells).
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  echo "chromium and a CJK font are installed"; \
	else \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fontconfig >/dev/null && fc-cache -f >/dev/null; \
	  fc-list :lang=zh | grep -q . || { echo "no CJK font after installing fonts-noto-cjk" >&2; exit 1; }; \
	fi

# Every benchmark at a tiny size (--smoke) on PostgreSQL, so a schema change that breaks one shows
# in CI. A script with a --database-url option gets its own scratch database, <DATABASE_URL>_bench_<script>
# (the scripts drop and recreate theirs). A new benchmarks/<name>.py must accept --smoke (and
# --database-url if it needs a database) and exit non-zero when its result is wrong. It uses the venv `make test` set up (CI runs it after `make test`).
bench-smoke:
	@test -x $(PY) || { echo "bench-smoke: no $(PY); run make install-dev first" >&2; exit 2; }
	@case "$(DATABASE_URL)" in postgres*) ;; *) echo "bench-smoke needs PostgreSQL: set DATABASE_URL=postgres://..." >&2; exit 2;; esac
	@for script in benchmarks/[!_]*.py; do \
	  name=$$(basename $$script .py); \
	  echo "== $$script --smoke"; \
	  db=""; grep -q -- '"--database-url"' $$script && db="--database-url $(DATABASE_URL)_bench_$$name"; \
	  $(PY) $$script --smoke $$db || { echo "bench-smoke: $$script failed" >&2; exit 1; }; \
	done

clean:
	rm -rf var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
