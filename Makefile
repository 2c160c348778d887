# PoCo Market: `make run` for the product, `make test` for the tests (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# The runtime (requirements.txt) for `make run`; with the tests' and tools' packages
# (requirements-dev.txt, which includes it) for `make test` and `make bench`.
STAMP_RUNTIME := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev
STAMP_NODE := node_modules/.installed

.PHONY: setup setup-dev browser run test lint format bench clean

define database_setup
	$(PY) manage.py database_create
	$(PY) manage.py migrate --noinput -v0
endef

define pip_install
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(1)
	touch $@
endef

setup: $(STAMP_RUNTIME) $(STAMP_NODE)
	$(database_setup)

setup-dev: $(STAMP_DEV) $(STAMP_NODE)
	$(database_setup)

$(STAMP_RUNTIME): requirements.txt
	$(call pip_install,requirements.txt)

$(STAMP_DEV): requirements.txt requirements-dev.txt
	$(call pip_install,requirements-dev.txt)

# @iexec/poco's GitHub-hosted build dependencies are replaced by npm-stub (see package.json).
$(STAMP_NODE): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The browser tests drive Debian's chromium; it is installed here when missing and we can
# (root with apt), else those tests are skipped with a message.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -q chromium >/dev/null || \
		  { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }; } || \
		echo "chromium is missing and cannot be installed here: the browser tests will be skipped"

# DEBUG is off unless asked for: the laptop setup asks (tracebacks, static files as they are).
run: setup
	$(PY) manage.py devchain --prepare-only
	DEBUG=true $(VENV)/bin/honcho start -f Procfile

test: setup-dev browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	# Its own var/: a `make run` on the same checkout keeps its broker and files to itself.
	DEBUG=true VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The read benchmark's load generator is Debian's wrk: installed only when missing.
bench: setup-dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var/*.sqlite3* var/devchain* var/celery-broker
