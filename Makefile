# One-line verbs. `make run` and `make test` need nothing but Python 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python
export DJANGO_DEBUG ?= 1

.PHONY: run test lint format seed migrations-check bench bench-pages load backup restore
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# Hashed, gzip and brotli copies of the static files, collected again only when one changed.
staticfiles/staticfiles.json: $(VENV)/.installed $(shell find static -type f)
	DJANGO_STATIC_COLLECTED=1 $(PY) manage.py collectstatic --noinput --clear -v0

run: $(VENV)/.installed staticfiles/staticfiles.json
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed
	@echo "Static files are served collected (hashed, compressed, cached a year): after editing static/, make run again."
	@echo "Site:  http://127.0.0.1:8000/"
	@echo "API:   http://127.0.0.1:8000/api/v1/  (docs: /api/docs/)"
	@echo "Admin: http://127.0.0.1:8000/admin/  (create a user: $(PY) manage.py createsuperuser)"
	DJANGO_STATIC_COLLECTED=1 $(PY) manage.py runserver --nostatic 127.0.0.1:8000

# The suite on every core (pytest-xdist); tests sharing a module's or a package's
# fixture run on one worker (tests/conftest.py). TEST_WORKERS=0: in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

seed: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

# Summitry beside Datasette on N synthetic visits (PostgreSQL from DATABASE_URL's server,
# database summitry_bench); the table goes to bench/latest.md. bench/README.md says more.
N ?= 100000
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[bench]"
	touch $@

bench: $(VENV)/.bench-installed staticfiles/staticfiles.json
	$(PY) bench/run.py $(N)

bench-pages: $(VENV)/.installed
	$(PY) bench/page_weight.py

# 50 readers for 60 s on the seed under the shipped gunicorn, on PostgreSQL and Redis as
# docker-compose.yml runs them (bench/readers.py --help; without DATABASE_URL: SQLite).
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/summitry_load
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/3
load: $(VENV)/.installed staticfiles/staticfiles.json
	DATABASE_URL=$(LOAD_DATABASE_URL) REDIS_URL=$(LOAD_REDIS_URL) $(PY) bench/readers.py --fresh $(LOAD_ARGS)

# PostgreSQL backups in pg_dump's custom format: `make backup` writes $(BACKUP) from
# DATABASE_URL; `make restore` loads it into the (empty) database DATABASE_URL names.
BACKUP ?= summitry.dump
backup:
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL=postgres://…"; exit 1; }
	pg_dump --format=custom --no-owner --file="$(BACKUP)" "$$DATABASE_URL"
	@echo "wrote $(BACKUP)"

restore:
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL=postgres://… (an empty database)"; exit 1; }
	pg_restore --no-owner --exit-on-error --single-transaction --dbname="$$DATABASE_URL" "$(BACKUP)"
	@echo "restored $(BACKUP)"
