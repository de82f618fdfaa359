#!/usr/bin/env bash
# Create .venv-runtime-pg: langgraph-api on langgraph-runtime-pg (real Postgres + Redis), for tests/app/test_data_tier.py
# and scripts/serve-runtime-pg.sh. Separate from .venv because langgraph-runtime-pg pins an older langgraph-api.
# Idempotent: re-running brings an existing venv back to its lock.
#
#   scripts/setup-runtime-pg.sh         # .venv-runtime-pg from requirements/runtime-pg.txt (langgraph-api 0.11.1)
#   scripts/setup-runtime-pg.sh next    # .venv-runtime-pg-next from requirements/runtime-pg-next.txt: the next server
#                                       # version (the image's langgraph-api) on the same runtime, for the upgrade
#                                       # measurements (scripts/load_harness.py upgrade, tests/app/test_upgrade.py)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3.11}"
pip_flags=(--quiet --disable-pip-version-check)

case "${1:-current}" in
    current)
        venv="${RUNTIME_PG_VENV:-$repo_root/.venv-runtime-pg}"
        lock="$repo_root/requirements/runtime-pg.txt"
        ;;
    next)
        venv="${RUNTIME_PG_NEXT_VENV:-$repo_root/.venv-runtime-pg-next}"
        lock="$repo_root/requirements/runtime-pg-next.txt"
        # The lock is complete, and it overrides langgraph-runtime-pg's pin of langgraph-api on purpose, which pip's
        # resolver would refuse: install exactly the lock, nothing resolved.
        pip_flags+=(--no-deps)
        ;;
    *)
        echo "usage: $0 [current|next]" >&2
        exit 2
        ;;
esac

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install "${pip_flags[@]}" -r "$lock"
if [[ "${1:-current}" == next ]]; then
    # The one conflict the lock chooses; any other fails the set-up.
    api="$(grep -E '^langgraph-api==' "$lock" | cut -d= -f3)"
    expected="langgraph-runtime-pg 0.11.1.post1 has requirement langgraph-api==0.11.1, but you have langgraph-api $api."
    others="$("$venv/bin/python" -m pip check --disable-pip-version-check | grep -vxF "$expected" || true)"
    if [[ -n "$others" ]]; then
        echo "error: $venv has dependency conflicts beyond the chosen one:" >&2
        echo "$others" >&2
        exit 1
    fi
else
    "$venv/bin/python" -m pip check
fi
"$venv/bin/python" -c 'import langgraph_api, langgraph_runtime_pg
print("runtime-pg venv ready: langgraph-api", langgraph_api.__version__, "on langgraph-runtime-pg", langgraph_runtime_pg.__version__)'
