#!/usr/bin/env bash
# `make local`: deploy the `local` stack (Pulumi.local.yaml) onto this machine's Docker engine with
# `pulumi up --stack local`. Needs the Pulumi CLI and a running Docker engine; without them it says what to install
# and how to review the stack offline instead.
set -euo pipefail

cd "$(dirname "$0")/.."
missing=()
if ! command -v pulumi >/dev/null 2>&1; then
  missing+=("the Pulumi CLI (https://www.pulumi.com/docs/install/)")
fi
if ! command -v docker >/dev/null 2>&1; then
  missing+=("Docker (Docker Desktop, OrbStack, Colima or Docker Engine: https://docs.docker.com/get-docker/)")
elif ! docker info >/dev/null 2>&1; then
  missing+=("a running Docker engine: \`docker info\` does not answer (start Docker Desktop / the docker service, or set DOCKER_HOST)")
fi

if ((${#missing[@]})); then
  {
    echo "make local: cannot deploy the local stack, this machine lacks:"
    for item in "${missing[@]}"; do echo "  - install/start $item"; done
    echo "Without them you can still review the local stack offline: make plan STACK=local"
  } >&2
  exit 1
fi

# `--check`: only say whether this machine can deploy (make local asks before installing anything).
if [[ "${1:-}" == "--check" ]]; then
  exit 0
fi

# First run: create the stack (in whichever backend `pulumi login` chose, e.g. `pulumi login --local`).
pulumi stack select --create local >/dev/null
exec pulumi up --stack local "$@"
