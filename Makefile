# The targets a newcomer needs. `make run` and `make test` are the README's two commands.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in emails follow the address `make run` serves (PORT), unless SITE_URL is
# set (behind a proxy or on a real host name).
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL

.PHONY: run serve test setup lint format bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-installs only when the lock files change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/build/main.css: node_modules/.package-lock.json scripts/build_assets.mjs static/scss/main.scss
	npm run --silent build

setup: $(VENV)/.installed static/build/main.css

# Without DATABASE_URL, `run` and `test` start an embedded PostgreSQL (data in
# var/postgres/), point DATABASE_URL at it and stop it afterwards (ADR 9).
WITH_DB := $(if $(DATABASE_URL),,$(BIN)/python scripts/embedded_db.py run --)

# Serve the portal on embedded defaults: PostgreSQL in var/postgres/ (unless
# DATABASE_URL is set), eager Celery, email written to var/email/.
run: setup
	mkdir -p var
	$(WITH_DB) $(MAKE) --no-print-directory serve

# The steps of `make run` after set-up, against DATABASE_URL.
serve:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_authorities
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_listings
	$(BIN)/python manage.py seed_arrangements
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite, in TEST_WORKERS pytest-xdist processes (one per core of CI's
# two). Uses DATABASE_URL / REDIS_URL when set (CI points them at PostgreSQL and
# Redis); the embedded PostgreSQL otherwise. Each worker has its own test
# database and Redis database (REDIS_URL's plus the worker's number); the
# real-worker Celery tests run in one worker (--dist loadgroup, tests/conftest.py).
TEST_WORKERS ?= 2
test: setup
	scripts/ensure_chromium.sh
	scripts/ensure_office_tools.sh
	$(WITH_DB) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(BIN)/djlint --lint templates

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs PostgreSQL and Redis on 127.0.0.1 (see bench/README.md); prints figures.
bench: setup
	$(BIN)/python bench/bench_matching.py
	$(BIN)/python bench/bench_browse.py
	$(BIN)/python bench/bench_digests.py
	$(BIN)/python bench/bench_groups_pack.py
	$(BIN)/python bench/bench_api.py

screenshots: setup
	$(BIN)/python scripts/screenshots.py

clean:
	if [ -x $(BIN)/python ]; then $(BIN)/python scripts/embedded_db.py stop; fi
	rm -rf $(VENV) node_modules static/build staticfiles var
