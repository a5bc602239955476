# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx

.PHONY: run test check bench chaos example-db browser proxy postgres clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Installed again only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[bench]'
	@touch $@

run: $(VENV)/.installed
	$(PY) -m server serve

check: $(VENV)/.installed
	$(PY) -m server check

test: $(VENV)/.installed-test browser proxy postgres
	$(PY) -m pytest

# Browser tests use Debian's Chromium (SURVEY_CHROMIUM overrides the path); where apt-get is
# missing, Playwright's own download is the fallback.
browser: $(VENV)/.installed-test
	@if [ -x "$${SURVEY_CHROMIUM:-$(CHROMIUM)}" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	else $(PY) -m playwright install chromium; fi

# The PostgreSQL tests use SURVEY_TEST_POSTGRES, else a server on 127.0.0.1:5432, else a
# throwaway cluster they start from the installed binaries: install those where missing.
postgres:
	@if [ -n "$$SURVEY_TEST_POSTGRES" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || command -v initdb >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql; \
	else echo "install PostgreSQL (initdb, pg_ctl) or set SURVEY_TEST_POSTGRES" >&2; exit 1; fi

# Proxy tests run Debian's nginx in front of the server (SURVEY_NGINX overrides the path).
# Where it cannot be installed they are skipped, and pytest prints why.
proxy:
	@if [ -x "$${SURVEY_NGINX:-$(NGINX)}" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx-light; } \
	  || echo "could not install nginx: the proxy tests will be skipped"; \
	else echo "no apt-get to install nginx with: the proxy tests will be skipped"; fi

# The load benchmark (about four minutes): the server against a bare echo endpoint and the
# ideal durable server (bench/ideal_app.py).
# Options: make bench BENCH_ARGS="--rounds 5 --profile bench/results" (py-spy: where the CPU goes)
bench: $(VENV)/.installed-bench
	$(PY) -m bench --json bench/results/latest.json $(BENCH_ARGS)

# The chaos suite at full size (a few minutes), printing its figures; `make test` runs a
# short version of it (tests/chaos/, CHAOS_SCALE unset).
chaos: $(VENV)/.installed-test
	CHAOS_SCALE=full $(PY) -m pytest -s -q tests/chaos

example-db: $(VENV)/.installed
	$(PY) -m server.example_db survey_sessions.db.example

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
