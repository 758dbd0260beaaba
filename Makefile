# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Exact versions, each with the hashes of its files: the runtime lock is what the Docker
# image installs, the dev lock is it plus the `dev` extra (the same versions).
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
# How `make upgrade` makes them: uv, for every platform, for Python 3.11 and later; the
# runtime lock takes its versions from the dev lock.
UV_VERSION := 0.13.9
COMPILE := uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes
COMPILE_DEV := $(COMPILE) --extra dev --upgrade -o $(DEV_LOCK)
COMPILE_RUNTIME := $(COMPILE) --constraint $(DEV_LOCK) --upgrade -o $(RUNTIME_LOCK)

.PHONY: run check test browser lint format typecheck clean upgrade

# The dev lock, with the venv's own pip: every file checked against its hash, and wheels
# only, so nothing is built and no build tool comes from PyPI unpinned. The project itself
# is not installed: pytest imports it from the checkout (pythonpath in pyproject.toml), and
# `make run` and the systemd unit run `python -m bot` from the checkout's root. Installing
# it would only bring in its build backend, another thing to pin.
$(STAMP): $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary :all: -r $(DEV_LOCK)
	touch $(STAMP)

## Run the bot with .env; with no BOT_TOKEN, run the local sandbox demo instead.
run: $(STAMP)
	$(BIN)/python -m sandbox --or-bot

## Check the set-up in .env: one line per item, ✅ or ❌ with what to do.
check: $(STAMP)
	$(BIN)/python -m bot check

## Install everything, lint, and run the whole test suite.
## Most end-to-end tests wait on the clock (a 35 s retry_after, a lock held past SQLite's
## timeout), so the suite runs in one worker per core, at most four.
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --maxprocesses 4

## Debian's chromium for the browser tests (Playwright drives it; it downloads no browser):
## installed when missing and make runs as root, else those tests are skipped with one line
## (with CI=true a missing browser fails them instead).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  echo "Could not install chromium: the browser tests will be skipped"; \
	else \
	  echo "Browser tests skipped: chromium is not installed (as root: apt-get install chromium)"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

## Lock the newest versions within pyproject.toml's ranges, install them and run the tests.
## (To lock a new dependency and move nothing else, run the two commands without --upgrade.)
upgrade: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/$(COMPILE_DEV) --quiet --custom-compile-command "make upgrade: $(COMPILE_DEV)"
	$(BIN)/$(COMPILE_RUNTIME) --quiet --custom-compile-command "make upgrade: $(COMPILE_RUNTIME)"
	$(MAKE) test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
