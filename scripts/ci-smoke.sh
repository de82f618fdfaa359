#!/usr/bin/env bash
# CI's smoke test of one deployed stack (GitHub Actions and GitLab CI): `scripts/ci-smoke.sh ORG/STACK CLOUD`
# (CLOUD: aws or gcp).
# The API is closed: the smoke test authenticates as identity `ci` with its key from the stack's AGENT_API_KEYS
# secret, read from the cloud's secret manager with the job's own (OIDC / Workload Identity Federation) credentials,
# masked in the log on GitHub, passed to scripts/smoke.py through the environment only and never printed.
set -euo pipefail
stack="$1"
cloud="$2"

case "$cloud" in
  aws)
    arn="$(pulumi stack output secret_arns --stack "$stack" --json | jq -r .AGENT_API_KEYS)"
    AGENT_API_KEYS="$(aws secretsmanager get-secret-value --secret-id "$arn" --query SecretString --output text)"
    ;;
  gcp)
    # secret_ids holds full resource names (projects/P/secrets/ID): read the newest version.
    id="$(pulumi stack output secret_ids --stack "$stack" --json | jq -r .AGENT_API_KEYS)"
    AGENT_API_KEYS="$(gcloud secrets versions access "$id/versions/latest")"
    ;;
  *)
    echo "unknown cloud: $cloud (aws or gcp)" >&2
    exit 2
    ;;
esac
# GitHub's runner masks the value in the rest of the log once it reads this command; anywhere else (GitLab) the
# line would print the keys themselves, and nothing here echoes them, so there is nothing to mask.
if [[ "${GITHUB_ACTIONS:-}" == true ]]; then
  echo "::add-mask::$AGENT_API_KEYS"
fi
export AGENT_API_KEYS
.venv/bin/python scripts/smoke.py "$(pulumi stack output url --stack "$stack")"
