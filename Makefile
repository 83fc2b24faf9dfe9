# The two commands of the README: `make run` (the product) and `make test` (the whole suite).
# Both create .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test lint bench clean screenshots backup restore messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The product and the test tools in one pip run (one resolution, not two); the product's mark is set too.
$(VENV)/.installed-test: pyproject.toml package-lock.json | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	# axe-core for the browser tests' accessibility checks, from the npm registry (never a CDN).
	npm ci --no-audit --no-fund --silent
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The job worker (docs/jobs.md) runs beside the development server, on the same database, and stops with it.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py db_worker --queue-name='*' --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# One worker per core, each test module whole on one worker (so a module's fixtures, such as the
# demo loaded once per day it is checked on, are made once). The 20 slowest tests are listed so
# that a regression shows.
PYTEST_ARGS ?= -n auto --dist loadscope --durations=20

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The README's screenshots, from the real pages of the demo trust (docs/screenshots/take.py).
screenshots: install-test
	$(BIN)/python docs/screenshots/take.py

# A dated backup of the database in backups/ (docs/backup.md); `make restore FILE=…` asks first.
backup: install
	$(BIN)/python manage.py backup $(BACKUP_ARGS)

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/clt-....sqlite3|.dump"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)"

# The Spanish catalogue: every marked string extracted into locale/es (translate the new ones, then
# run it again to compile). The compiled .mo is committed, so a fresh clone needs no build step.
messages: install
	$(BIN)/python manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=docs --ignore=node_modules
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv --ignore=node_modules

lint: install-test
	$(BIN)/ruff check .

# Every benchmark in bench/, then one table: measure, ours, peer or limit, ratio, target (bench/README.md).
# pyrankvote is the counting benchmarks' peer, installed for them only (never a product dependency).
bench: install-test
	$(BIN)/pip install --quiet pyrankvote
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
