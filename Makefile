# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test migrate install bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/contextfeed db upgrade

run: migrate
	$(BIN)/contextfeed serve

# pytest exits 5 when it collected nothing: fail loudly rather than pass silently.
test: migrate
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

bench: migrate
	$(BIN)/python -m bench

# The service on the bundled Boston 2013 scenario under a replay clock (its own database under data/replay/).
demo: migrate
	$(BIN)/contextfeed replay contextfeed/scenarios/boston-2013

clean:
	rm -rf $(VENV) data .pytest_cache
