# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate install bench bench-postgres demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/contextfeed db upgrade

# -v: every crawl's summary, a source's recovery and the scheduler's hand-overs (INFO) are shown too.
run: migrate
	$(BIN)/contextfeed -v serve

# pytest exits 5 when it collected nothing: fail loudly rather than pass silently.
test: migrate
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

# ruff (lint and format) over the tree, mypy over the pure core (its files are listed in pyproject.toml).
lint: install
	$(BIN)/ruff check contextfeed tests bench
	$(BIN)/ruff format --check contextfeed tests bench
	$(BIN)/mypy

# All benchmarks at full size on SQLite; the table also goes to bench/results/latest.md.
bench: migrate
	$(BIN)/python -m bench

# The API benchmarks (check, load, feed, memory) at full size on PostgreSQL; the table also goes to
# bench/results/latest-postgres.md. By default on a throwaway cluster (tests/support/pg_cluster.sh, as CI),
# so the 1M accounts are imported anew each time; BENCH_DATABASE_URL=postgresql+psycopg://... uses that
# server instead, where the imported world is kept and reused by the next run. BENCH_ARGS adds arguments
# of `python -m bench` (--only check,feed; --scale 0.01).
bench-postgres: migrate
	@set -e; url="$(BENCH_DATABASE_URL)"; \
	if [ -z "$$url" ]; then \
		cluster=$$(mktemp -d /tmp/contextfeed-bench-pg.XXXXXX); \
		trap 'tests/support/pg_cluster.sh stop "$$cluster"' EXIT; \
		port=$$($(BIN)/python -c 'from bench.common import free_port; print(free_port())'); \
		url=$$(tests/support/pg_cluster.sh start "$$cluster" "$$port"); \
		echo "throwaway PostgreSQL cluster for this run: $$url"; \
	fi; \
	$(BIN)/python -m bench --database-url "$$url" $(BENCH_ARGS)

# The service on the bundled Boston 2013 scenario under a replay clock (its own database under data/replay/).
demo: migrate
	$(BIN)/contextfeed replay contextfeed/training/scenarios/boston-2013

clean:
	rm -rf $(VENV) data .pytest_cache
