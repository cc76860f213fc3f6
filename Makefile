# Two commands do all set-up on a fresh machine (Debian, Python 3.11):
#   make run   — start the app on the built-in demo database
#   make test  — run every test (installs Debian's chromium for the browser tests and Debian's
#                postgresql for the national store's tests)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test bench browser postgres national clean-db

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m loaders init --demo
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# Debian's chromium for the end-to-end tests (Playwright's own browser download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# Debian's PostgreSQL server for the tests of the national store (DuckLake's catalog): the tests start
# their own server on a free loopback port (tests/pg.py), nothing else is configured.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi; }

# Tests run in one worker per core (at most 4), a whole test file per worker (its fixtures built once):
# the browser and subprocess tests spend much of their time waiting, so two workers on a 2-core machine
# finish the suite in well under its serial time. TEST_WORKERS=0 runs them in this process, in order.
TEST_WORKERS ?= auto
test: $(VENV)/.installed browser postgres
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile

# The national deployment on one machine (README, "Triển khai toàn quốc"): a local PostgreSQL in
# data/db/pg for the DuckLake catalog, the national-scale bench store copied into the lake once, and
# two app instances on ports 8501 and 8502 serving it.
national: $(VENV)/.installed postgres
	$(PY) tools/national.py --ports $(PORT) $$(($(PORT) + 1))

bench: $(VENV)/.installed
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_metrics.py
	$(PY) bench/bench_pages.py
	$(PY) bench/bench_hostile.py
	$(PY) bench/bench_browser.py
	$(PY) bench/bench_briefing.py
	$(PY) bench/bench_growth.py
	$(PY) bench/bench_lake.py

clean-db:
	rm -rf data/db
