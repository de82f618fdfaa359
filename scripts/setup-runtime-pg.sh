#!/usr/bin/env bash
# Create .venv-runtime-pg: langgraph-api on langgraph-runtime-pg (real Postgres + Redis), for tests/app/test_data_tier.py
# and scripts/serve-runtime-pg.sh. Separate from .venv because langgraph-runtime-pg pins an older langgraph-api.
# Idempotent: re-running brings an existing venv back to requirements/runtime-pg.txt.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RUNTIME_PG_VENV:-$repo_root/.venv-runtime-pg}"
python="${PYTHON:-python3.11}"

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo_root/requirements/runtime-pg.txt"
"$venv/bin/python" -m pip check
"$venv/bin/python" -c 'import langgraph_api, langgraph_runtime_pg; print("runtime-pg venv ready:", langgraph_runtime_pg.__version__)'
