# Newsroom: `make run` serves the demo site, `make test` runs the test suite.
# Both set up what they need first (a virtualenv in .venv/, the packages, the database).
# The packages come from requirements/lock.txt (exact versions with their hashes);
# `make lock` refreshes it from pyproject.toml.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
# pip-compile writes the lock; it runs from its own virtualenv, not the project's.
PIP_TOOLS := pip-tools==7.6.2
LOCK_VENV := .cache/pip-tools

.DEFAULT_GOAL := help
.PHONY: help run dev test lint fmt check setup clean lock

help:
	@echo "make run    set up and serve the demo site with gunicorn at http://127.0.0.1:$(PORT)/"
	@echo "make dev    the same with Django's auto-reloading development server"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff, djLint, django-upgrade, Django's system checks, the migrations check"
	@echo "make fmt    format and auto-fix with ruff"
	@echo "make lock   refresh $(LOCK) from pyproject.toml (UPGRADE=1: newest allowed versions)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Newsroom needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Pick another with: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstalled whenever the lock or pyproject.toml changes: the locked packages first
# (pip checks every hash), then the project itself without resolving anything again.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Keeps every pin that still satisfies pyproject.toml; UPGRADE=1 moves each package to
# the newest version pyproject.toml allows. Run it with the Python CI uses (3.11).
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { \
	  $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_TOOLS); }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	  $(if $(UPGRADE),--upgrade) --extra dev --extra postgres --generate-hashes --allow-unsafe \
	  --strip-extras --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

# A task worker runs beside gunicorn (mail, purges: newsroom/settings.py "Background
# tasks"); it stops with it.
run: setup
	$(BIN)/python manage.py load_demo
	@echo "Serving http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@$(BIN)/python manage.py resume_sends --verbosity 0
	@$(BIN)/python manage.py db_worker --queue-name '*' --no-reload --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py newsroom.wsgi:application

dev: setup
	$(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

AXE := .cache/axe/node_modules/axe-core/axe.min.js

# axe-core checks accessibility in the browser tests; without npm those tests say so and skip.
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p .cache/axe && npm install --prefix .cache/axe --silent --no-audit --no-fund axe-core@4 >/dev/null; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

VNU := .cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar
LIGHTHOUSE := .cache/lighthouse/node_modules/lighthouse/cli/index.js
# Pinned: Lighthouse 13 needs Node 22, Debian's is 20.
LIGHTHOUSE_VERSION := 12.8.2
VNU_VERSION := 26.9.27

# The Nu Html Checker (run with Java) and Lighthouse check the reader pages served by
# gunicorn in tests/browser/test_validators.py; without npm those tests say so and skip.
$(VNU):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p .cache/vnu && npm install --prefix .cache/vnu --silent --no-audit --no-fund vnu-jar@$(VNU_VERSION) >/dev/null; \
	else echo "npm not found: the Nu Html Checker will be skipped"; fi
	@command -v java >/dev/null 2>&1 || echo "java not found: the Nu Html Checker will be skipped (apt-get install default-jre-headless)"

$(LIGHTHOUSE):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p .cache/lighthouse && npm install --prefix .cache/lighthouse --silent --no-audit --no-fund lighthouse@$(LIGHTHOUSE_VERSION) >/dev/null; \
	else echo "npm not found: the Lighthouse checks will be skipped"; fi

# The suite runs on SQLite; with TEST_POSTGRES_URL set (.ci/run sets it) it runs
# again on PostgreSQL, but for the tests that never touch the test database: the
# browser tests and those marked own_database serve or migrate a database of their own
# in either pass, so a second run would repeat the first exactly.
# TEST_WORKERS: pytest-xdist workers (auto: one per core; 0 runs in this process).
# Tests sharing a served site stay on one worker (tests/conftest.py, xdist_group).
# Tests marked alone (Lighthouse's performance score) run after that pass, serially:
# run beside other tests, a simulated phone's blocking time measures the load instead.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --dist loadgroup
# The demo sites served_site builds (tests/servers.py) are kept here for every pass of
# one `make test`, so the pass of the tests marked alone copies rather than builds again.
TEST_SITES = $(CURDIR)/.cache/test-sites
test: export NEWSROOM_TEST_BUILT_SITES = $(TEST_SITES)
test: $(STAMP) $(AXE) $(VNU) $(LIGHTHOUSE)
	@rm -rf $(TEST_SITES)
	@echo "== Test suite on SQLite =="
	$(BIN)/python -m pytest $(XDIST) --durations=30 $(PYTEST_ARGS) -m "not alone"
	@echo "== The tests marked alone, one at a time with nothing else running: they time the machine as well as the page =="
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m alone
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  echo "== Test suite on PostgreSQL: the tests that use the test database (tests/browser and own_database ran above, on databases of their own) =="; \
	  DATABASE_URL="$$TEST_POSTGRES_URL" SECRET_KEY=test-only-not-secret-$$$$-0123456789abcdefghijklmnopqrstuvwxyz \
	    $(BIN)/python -m pytest $(XDIST) --durations=30 $(PYTEST_ARGS) --ignore=tests/browser -m "not own_database" --database-tests-only; \
	else \
	  echo "SKIPPED: the PostgreSQL pass (set TEST_POSTGRES_URL=postgres://user:pass@host/db to run it; .ci/run does)"; \
	fi

# The same checks as .pre-commit-config.yaml, from the tools installed in .venv/.
PY_FILES = git ls-files -z --cached --others --exclude-standard '*.py'

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates/reader --lint --profile=jinja
	$(BIN)/djlint templates/reader --lint --profile=jinja --extension=xml
	$(BIN)/djlint templates/django --lint --profile=django
	$(PY_FILES) | xargs -0 $(BIN)/django-upgrade --target-version 5.2 --check
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/static *.egg-info
