# Everything a newcomer needs, from a fresh clone: every target installs what it uses itself, pinned in requirements/.
# Two set-ups, each with its own stamp file:
#   make setup       light: .venv with requirements/infra.txt (the components and their cloud SDKs), enough for
#                    plan, preview and up
#   make setup-test  heavy: the light set-up plus the test, lint and app requirements in .venv (with the pinned
#                    redis-server and shellcheck binaries), .venv-policy, .venv-tools (checkov), .venv-runtime-pg,
#                    .venv-runtime-pg-next, .pgvector (PostgreSQL with pgvector compiled here), then runs each native
#                    program once
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
APP ?= app
PIP_FLAGS := --quiet --disable-pip-version-check
# Two pytest workers (pytest-xdist), one per core of the 2-core machines the suite is sized for; a whole test file
# runs on one worker, so a file's servers and fixtures are started once. `make test XDIST=` runs in one process.
XDIST ?= -n 2 --dist loadfile

SETUP_STAMP := $(VENV)/.setup
SETUP_TEST_STAMP := $(VENV)/.setup-test
POLICY_STAMP := .venv-policy/.setup
TOOLS_STAMP := .venv-tools/.setup
RUNTIME_PG_STAMP := .venv-runtime-pg/.setup
RUNTIME_PG_NEXT_STAMP := .venv-runtime-pg-next/.setup
PGVECTOR_STAMP := .pgvector/.setup
JS_APP_STAMP := tests/app/js_app/node_modules/.setup

.PHONY: setup setup-test setup-policy plan test test-fast bench lint dockerfile docs local preview up clean

# Light: the Pulumi program and its library only. --no-compile: the cloud SDKs are 130 MB of Python source of which a
# plan imports a small part; byte-compiling all of it would add about 330 MB and 35 s on 2 cores. Python compiles what
# a plan imports as it imports it (a first plan takes 2-3 s longer) and caches it unless PYTHONDONTWRITEBYTECODE is set.
$(SETUP_STAMP): requirements/infra.txt components/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --no-compile -r requirements/infra.txt
	touch $@

# Heavy: reuses the light .venv and adds the rest of requirements.txt, then the side venvs the tests use. The tests
# and the bench import the SDKs throughout, in many processes: here everything is byte-compiled once (both cores).
# Last, every native program the tests start runs once (scripts/check_test_binaries.py): a build this CPU cannot
# execute stops here, by name, not deep in the suite.
$(SETUP_TEST_STAMP): $(SETUP_STAMP) requirements.txt requirements/test.txt requirements/app.txt \
		$(POLICY_STAMP) $(TOOLS_STAMP) $(RUNTIME_PG_STAMP) $(RUNTIME_PG_NEXT_STAMP) $(PGVECTOR_STAMP) $(JS_APP_STAMP) \
		scripts/check_test_binaries.py
	$(BIN)/pip install $(PIP_FLAGS) -r requirements.txt
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib
	$(BIN)/python scripts/check_test_binaries.py
	@# mypy's cache of the package and the cloud SDKs it reads (a minute or two to build, seconds to reuse), made here
	@# like the byte-code above, with tests/unit/test_types.py's exact command: that test reports what mypy finds.
	-env -u PYTHONPATH -u MYPYPATH $(BIN)/mypy --config-file $(CURDIR)/components/pyproject.toml \
		--cache-dir $(CURDIR)/.mypy_cache --show-error-codes $(CURDIR)/components/src/langgraph_infra > /dev/null
	touch $@

# The policy pack's own venv (pulumi-policy pins an older protobuf); PulumiPolicy.yaml points Pulumi at it.
$(POLICY_STAMP): policy/requirements.txt components/pyproject.toml
	test -x .venv-policy/bin/python || $(PYTHON) -m venv .venv-policy
	cd policy && ../.venv-policy/bin/pip install $(PIP_FLAGS) -r requirements.txt
	touch $@

# checkov, for the Dockerfile test, in its own venv (it pins many libraries).
$(TOOLS_STAMP): requirements/tools.txt
	test -x .venv-tools/bin/python || $(PYTHON) -m venv .venv-tools
	.venv-tools/bin/pip install $(PIP_FLAGS) -r requirements/tools.txt
	touch $@

# The Postgres + Redis Agent Server runtime for tests/app/test_data_tier.py (it pins an older langgraph-api).
$(RUNTIME_PG_STAMP): requirements/runtime-pg.txt scripts/setup-runtime-pg.sh
	bash scripts/setup-runtime-pg.sh
	touch $@

# The next Agent Server version (the image's langgraph-api) on the same runtime, for the upgrade measurements
# (tests/app/test_upgrade.py, scripts/load_harness.py upgrade): old and new served side by side on one database.
$(RUNTIME_PG_NEXT_STAMP): requirements/runtime-pg-next.txt scripts/setup-runtime-pg.sh
	bash scripts/setup-runtime-pg.sh next
	touch $@

# PostgreSQL 16 with pgvector compiled on this machine for its CPU (a prebuilt vector.so may use AVX-512 and die with
# SIGILL elsewhere): tests/app/test_pgvector.py, test_semantic_store.py and test_db_bootstrap.py serve it.
$(PGVECTOR_STAMP): requirements/pgvector.txt scripts/setup-pgvector.sh $(SETUP_STAMP)
	PYTHON=$(BIN)/python bash scripts/setup-pgvector.sh
	touch $@

# LangChain's JS Agent Server and the JS test app's libraries (tests/app/test_js_served.py), from its lock file.
# Node.js 20+ and npm come from the machine, like PostgreSQL.
$(JS_APP_STAMP): tests/app/js_app/package.json tests/app/js_app/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is missing: install Node.js 20 or later (apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --prefix tests/app/js_app --no-audit --no-fund --loglevel=error
	touch $@

## setup: light set-up, .venv with the components and their SDKs (requirements/infra.txt): plan, preview, up
setup: $(SETUP_STAMP)

## setup-test: heavy set-up, everything the tests, lint and bench use, tools and servers included
setup-test: $(SETUP_TEST_STAMP)

## setup-policy: the policy pack's venv alone, for `pulumi preview --policy-pack policy` (CI's PR previews)
setup-policy: $(POLICY_STAMP)

## plan: offline plan of STACK (default dev) under Pulumi mocks: no CLI, credentials or network
plan: $(SETUP_STAMP)
	$(BIN)/python -m infra.plan --stack $(STACK) $(ARGS)

## test: the whole suite (unit, plans, validators, the app served for real)
test: $(SETUP_TEST_STAMP)
	$(BIN)/python -m pytest -q $(XDIST)

## test-fast: the unit and plan-level tests (40-45 s on two workers): no served server, no outside
##            tool (mypy, checkov, kubernetes-validate, parliament, the policy pack), no new interpreter (-m "not slow")
test-fast: $(SETUP_TEST_STAMP)
	$(BIN)/python -m pytest -q $(XDIST) -m "not slow" tests/unit tests/aws tests/gcp tests/local tests/kubernetes

## bench: offline plan time, peak memory and resource count per stack (fresh process each)
bench: $(SETUP_TEST_STAMP)
	$(BIN)/python scripts/bench_plan.py

## lint: ruff over the Python, shellcheck over the shell scripts
lint: $(SETUP_TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/shellcheck --severity=warning scripts/*.sh .ci/run

## dockerfile: write APP/Dockerfile (default app/) from APP/langgraph.json with the real langgraph CLI, for reading
##             and scanning only: plan, preview and up generate their own at run time
dockerfile: $(SETUP_STAMP)
	$(BIN)/python -m langgraph_infra.dockerfile $(APP)

## docs: regenerate the configuration reference in docs/config.md from the config model
docs: $(SETUP_STAMP)
	$(BIN)/python scripts/generate_config_reference.py

## local: the local stack on this machine's Docker engine (needs the Pulumi CLI and Docker)
local:
	bash scripts/local-up.sh --check
	$(MAKE) setup
	bash scripts/local-up.sh

## preview / up: the real thing, with the Pulumi CLI and cloud credentials (STACK=dev|prod|gcp-dev|gcp-prod)
preview: $(SETUP_STAMP)
	pulumi preview --stack $(STACK) --diff
up: $(SETUP_STAMP)
	pulumi up --stack $(STACK)

clean:
	rm -rf $(VENV) .venv-runtime-pg .venv-runtime-pg-next .venv-tools .venv-policy .pgvector .pytest_cache
