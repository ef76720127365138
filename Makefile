# The front door: everything a person or CI does starts here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: setup run test test-pg test-browser lint bench clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The demo as users see production: no DEBUG (Chinese error pages, no debug pages), static files served by the system
# (WhiteNoise, after collectstatic), a secret key of its own made once in var/secret_key unless DJANGO_SECRET_KEY is
# set; on the loopback only, so without DJANGO_ENV=production's HTTPS. Migrates, loads the demo province once, starts
# the background worker beside the server.
RUN_ENV = DJANGO_DEBUG= DJANGO_ENV= DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/secret_key)}"

run: setup
	mkdir -p var
	test -s var/secret_key || (umask 077; $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(RUN_ENV) $(BIN)/python manage.py load_demo --if-empty --reviewed
	$(RUN_ENV) bash -c '$(BIN)/python manage.py db_worker --no-startup-delay --no-reload & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)'

lint: setup
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# The suite on two processes (pytest-xdist), a test module each at a time: module fixtures such as the demo
# province load once per module, and the browser tests, sorted last, run last in each process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile

test: lint
	$(BIN)/pytest $(PYTEST_PARALLEL)

# every test on a throwaway PostgreSQL server (needs Debian's postgresql package; see scripts/with-postgres)
test-pg: setup
	scripts/with-postgres $(BIN)/pytest $(PYTEST_PARALLEL)

# the browser tests alone, failing (not skipping) without /usr/bin/chromium
test-browser: setup
	VBP_REQUIRE_BROWSER=1 $(BIN)/pytest tests/browser

bench: setup
	$(BIN)/python -m bench.bench_calc
	$(BIN)/python -m bench.bench_import
	$(BIN)/python -m bench.bench_demo
	$(BIN)/python -m bench.bench_export
	$(BIN)/python -m bench.bench_workbook
	$(BIN)/python -m bench.bench_recalc
	$(BIN)/python -m bench.bench_monitor
	$(BIN)/python -m bench.bench_monitor_pages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
