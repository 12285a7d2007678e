# Puente: `make run` (app with demo data on SQLite) and `make test` (the whole suite).
# Everything is installed into .venv from the pinned lock file.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run serve test lint browser lock bench-install messages clean

install: $(STAMP)
	$(BIN)/puente migrate --no-input

# The last step installs anything the test extra names that the lock does not have yet (a
# checker added since the last `make lock`); pip keeps every version the lock installed.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/puente demo
	$(BIN)/puente serve --dev --bind 127.0.0.1:8000  # the development server and the background worker

# Production (docs/deploy.md): migrations, static files, gunicorn and the background worker.
serve: install
	$(BIN)/puente serve

# Browser tests drive Debian's chromium; install it when we can (root with apt), else they skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium is missing (apt-get install chromium): browser tests will be skipped"; fi; }

# Style and bugs (ruff, including the security and blind-except rules), types (mypy with
# django-stubs) and the layers between apps (import-linter); configuration in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check puente tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite runs after lint: a failing check stops `make test` (and CI) before the tests.
test: $(STAMP) browser lint
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# What the benchmarks compare against (benchmarks/locate_link.py uses recordlinkage).
bench-install: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'

# Re-pin after editing pyproject.toml dependencies.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements.lock

# Extract and compile translations (needs gettext's msgfmt; .mo files are committed so that a
# fresh clone needs no gettext). Each app keeps its own catalogue; puente/locale holds the
# project-level templates (base.html, allauth overrides).
APPS := core network cases billing locate abuse visas
messages:
	for app in $(APPS); do (cd puente/$$app && ../../$(BIN)/puente makemessages -l es --no-obsolete && ../../$(BIN)/puente compilemessages) || exit 1; done
	cd puente && ../$(BIN)/puente makemessages -l es $(addprefix -i ,$(APPS)) -i static && ../$(BIN)/puente compilemessages -l es

clean:
	rm -rf $(VENV) data/puente.sqlite3
