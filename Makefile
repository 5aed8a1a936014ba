# POM: `make run` serves the demo on SQLite with inline Celery; `make test` runs the whole suite
# (on PostgreSQL when DATABASE_URL is set).
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
PYTEST_WORKERS ?= 3

.PHONY: run test install migrate seed worker beat lint format schema bench load browser-deps clean lock audit restore-drill messages

# Installs exactly the locked versions (hashes checked), then POM itself without resolving anything.
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation .
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0

seed: migrate
	$(BIN)/python manage.py seed_demo --url http://$(HOST)

run: seed
	$(BIN)/python manage.py runserver $(HOST)

# Browser tests drive Debian's Chromium; install it when missing and we may.
browser-deps:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "Install Debian's chromium (apt-get install chromium) for the browser tests"; }

test: install browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -q

worker: install
	$(BIN)/celery -A pom worker -Q default,heavy -l info

beat: install
	$(BIN)/celery -A pom beat -l info

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

bench: install
	$(BIN)/python -m bench.attribution_run
	$(BIN)/python -m bench.account_mapping

# Five minutes of the realistic mix against gunicorn (3 workers) at 10,000 partners (needs a PostgreSQL DATABASE_URL).
load: install
	$(BIN)/python -m bench.load.run

# Languages (docs/i18n.md): re-extract every translatable string into locale/<language>/LC_MESSAGES/django.po,
# compile the .mo files (committed with the .po), then list per language what is left to translate.
MESSAGES_IGNORE := --ignore '.venv/*' --ignore 'venv/*' --ignore 'tests/*' --ignore 'bench/*' \
	--ignore 'staticfiles/*' --ignore 'build/*' --ignore 'node_modules/*'
messages: install
	$(BIN)/python manage.py makemessages -l nl -l fr -l de --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages --ignore '.venv' --ignore 'venv'
	$(BIN)/python manage.py i18n_check

# Re-pin every dependency (with hashes) after changing pyproject.toml; commit requirements.lock.
lock:
	$(BIN)/pip-compile --quiet --generate-hashes --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# Known vulnerabilities in the locked dependencies (.ci/audit.py says what it could check).
audit: install
	$(BIN)/python .ci/audit.py requirements.lock

# pg_dump / pg_restore and org_export / org_import of the demo, checked table by table (needs DATABASE_URL).
restore-drill: install
	$(BIN)/python -m bench.restore_drill

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
