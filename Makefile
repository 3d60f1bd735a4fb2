# The station platform. `make run` and `make test` work from a fresh clone with only
# python3 (3.11+) and make: the first call creates .venv and installs pinned packages.

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test test-pg test-e2e bench lint messages check-deploy clean-demo

$(STAMP): requirements.txt requirements-dev.txt
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite in var/, tasks in-process, signing key created on first start,
# served by uvicorn with DEBUG off (DJANGO_DEBUG=1 make run for Django's debug pages).
# The demo is a sandbox: procedure time runs 1440x (a day a minute) once a procedure's
# first period starts, and its ledger entries say so (docs/clock.md).
DEMO_SANDBOX ?= 1440
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ledger_keygen --if-missing
	SANDBOX_TIME_FACTOR=$(DEMO_SANDBOX) $(BIN)/python manage.py seed_demo --if-empty
	SANDBOX_TIME_FACTOR=$(DEMO_SANDBOX) $(BIN)/python manage.py run_embedded --port $(PORT)

# The suite on SQLite (what CI runs first).
test: $(STAMP)
	$(BIN)/python -m pytest -q

# The suite on PostgreSQL: DATABASE_URL must name a server where a test database can be
# created (pytest-django creates and drops test_<name>). .ci/run sets it.
test-pg: $(STAMP)
	@test -n "$(DATABASE_URL)" || (echo "set DATABASE_URL=postgres://user@host:5432/name" && exit 2)
	$(BIN)/python -m pytest -q

# Browser tests in headless Chromium (Debian's `chromium` package must be installed).
test-e2e: $(STAMP)
	$(BIN)/python -m pytest -q -m e2e tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/run.py

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --add-location file -i ".venv/*" -i "var/*" -i "bench/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans -i .venv -i var

check-deploy: $(STAMP)
	STATION_MODE=production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	DJANGO_ALLOWED_HOSTS=trading.example.gov.cn DATABASE_URL=postgres://localhost/x \
	CELERY_BROKER_URL=redis://localhost:6379/0 LEDGER_ORIGIN=trading.example.gov.cn/ledger \
	LEDGER_SIGNING_KEY_FILE=/run/secrets/ledger.key STATION_SITE_URL=https://trading.example.gov.cn \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean-demo:
	rm -rf var/db.sqlite3 var/media var/keys
