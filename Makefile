# Everything a newcomer needs, from a fresh clone: `make plan` and `make test` install what they use themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

.PHONY: setup plan test bench lint dockerfile local preview up clean

$(STAMP): requirements/*.txt components/pyproject.toml policy/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	@if [ -f scripts/setup-runtime-pg.sh ]; then bash scripts/setup-runtime-pg.sh; fi
	test -x .venv-policy/bin/python || $(PYTHON) -m venv .venv-policy
	cd policy && ../.venv-policy/bin/pip install --quiet -r requirements.txt
	@if [ -f requirements/tools.txt ]; then test -x .venv-tools/bin/python || $(PYTHON) -m venv .venv-tools; \
		.venv-tools/bin/pip install --quiet -r requirements/tools.txt; fi
	touch $(STAMP)

## setup: create .venv (and the side venvs the tests need) and install everything, pinned
setup: $(STAMP)

## plan: offline plan of STACK (default dev) under Pulumi mocks: no CLI, credentials or network
plan: $(STAMP)
	$(BIN)/python -m infra.plan --stack $(STACK) $(ARGS)

## test: the whole suite (unit, plans, validators, the app served for real)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## bench: offline plan time, peak memory and resource count per stack (fresh process each)
bench: $(STAMP)
	$(BIN)/python scripts/bench_plan.py

lint: $(STAMP)
	$(BIN)/ruff check .

## dockerfile: regenerate app/Dockerfile from app/langgraph.json with the real langgraph CLI
dockerfile: $(STAMP)
	$(BIN)/python scripts/generate_dockerfile.py

## local: the local stack on this machine's Docker engine (needs the Pulumi CLI and Docker)
local:
	bash scripts/local-up.sh --check
	$(MAKE) setup
	bash scripts/local-up.sh

## preview / up: the real thing, with the Pulumi CLI and cloud credentials (STACK=dev|prod|gcp-dev|gcp-prod)
preview: $(STAMP)
	pulumi preview --stack $(STACK) --diff
up: $(STAMP)
	pulumi up --stack $(STACK)

clean:
	rm -rf $(VENV) .venv-runtime-pg .venv-tools .venv-policy .pytest_cache
