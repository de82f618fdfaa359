#!/usr/bin/env bash
# Serve app/ with the Agent Server on a real Postgres + Redis, configured through the same environment as the
# production container: POSTGRES_URI, REDIS_URI, PORT, N_JOBS_PER_WORKER, ... The runtime is langgraph-runtime-pg
# (edition "pg") from .venv-runtime-pg (scripts/setup-runtime-pg.sh); the image uses LangChain's licensed runtime.
#
#   scripts/serve-runtime-pg.sh api     # HTTP API (+ queue workers in-process unless N_JOBS_PER_WORKER=0)
#   scripts/serve-runtime-pg.sh queue   # queue worker only; health and metrics on PORT (/ok, /metrics)
#
# Required: POSTGRES_URI (or DATABASE_URI), REDIS_URI. Optional: PORT (8000), HOST (127.0.0.1), the app's LLM_*,
# APP_DIR (default app/; a directory with its own langgraph.json, e.g. tests/app/load_graph for the load harness).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RUNTIME_PG_VENV:-$repo_root/.venv-runtime-pg}"
role="${1:-api}"
app_dir="${APP_DIR:-$repo_root/app}"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "error: $venv is missing; run scripts/setup-runtime-pg.sh" >&2
    exit 2
fi
# The image's langgraph-api reads DATABASE_URI and falls back to POSTGRES_URI; langgraph-runtime-pg reads only
# DATABASE_URI, so bridge the name the stacks set.
export DATABASE_URI="${DATABASE_URI:-${POSTGRES_URI:?POSTGRES_URI (or DATABASE_URI) is required}}"
: "${REDIS_URI:?REDIS_URI is required}"
export LANGGRAPH_RUNTIME_EDITION=pg
# What the generated Dockerfile bakes in as ENV, with paths relative to app/ (the working directory below).
LANGSERVE_GRAPHS="$("$venv/bin/python" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["graphs"]))' \
    "$app_dir/langgraph.json")"
export LANGSERVE_GRAPHS
export PORT="${PORT:-8000}"
host="${HOST:-127.0.0.1}"

cd "$app_dir"
case "$role" in
    api)
        exec "$venv/bin/python" -m uvicorn langgraph_api.server:app --host "$host" --port "$PORT" --no-access-log
        ;;
    queue)
        export LANGGRAPH_SERVER_HOST="$host"
        exec "$venv/bin/python" -m langgraph_api.queue_entrypoint
        ;;
    *)
        echo "usage: $0 [api|queue]" >&2
        exit 2
        ;;
esac
