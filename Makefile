# Two commands: `make run` (install, migrate SQLite, load the demo, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install check-deploy clean bench bench-10x lint mutate backup restore

run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	@echo
	@echo "Serving the demo on http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest

install: $(VENV)/.installed node_modules/.installed static_build/app.css

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static_build/app.css: static_src/app.scss node_modules/.installed
	npm run --silent build

# Production settings must pass Django's deployment checks.
check-deploy: install
	DJANGO_SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	DJANGO_ALLOWED_HOSTS=cdi.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static_build staticfiles db.sqlite3

# Report benchmark on PostgreSQL (creates and fills the database on first run), then the HTTP benchmark
# (gunicorn, DEBUG off: every report page, export, API list and admin list; writes its table into
# bench/README.md). BENCH_SCALE=10 (or `make bench-10x`) benchmarks ten times the cases in its own database,
# cdi_bench_10x.
BENCH_SCALE ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cdi_bench$(if $(filter-out 1,$(BENCH_SCALE)),_$(BENCH_SCALE)x)
BENCH_DB = $(notdir $(BENCH_DATABASE_URL))
bench: install
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 \
	  || psql "$(dir $(BENCH_DATABASE_URL))postgres" -c "CREATE DATABASE $(BENCH_DB)"
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python bench/run.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/import_run.py
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python bench/http_run.py

bench-10x:
	$(MAKE) bench BENCH_SCALE=10

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Break each critical line in turn (tools/mutate.py) and check its tests fail; prints any survivor. Not part of
# `make test`. The publication-lock mutant runs only with DATABASE_URL=postgres://… (skipped otherwise).
mutate: install
	$(BIN)/python tools/mutate.py

# Back up the PostgreSQL database of DATABASE_URL (pg_dump -Fc) and the local media folder (tar) into
# $(BACKUP_DIR)/cdi-<UTC time>/; `make restore` puts back the newest (or BACKUP=<folder>). See tools/backup.sh and
# "Operations" in the README.
BACKUP_DIR ?= backups
backup:
	BACKUP_DIR=$(BACKUP_DIR) tools/backup.sh backup

restore:
	BACKUP_DIR=$(BACKUP_DIR) tools/backup.sh restore $(BACKUP)
