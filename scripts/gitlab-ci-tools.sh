#!/usr/bin/env bash
# The tools GitLab CI's stack jobs need beside the Pulumi CLI and Python 3.11 of their image
# (pulumi/pulumi-python-3.11, Debian): make, curl and jq, then one cloud's CLI. On GitHub the runner image and
# google-github-actions/setup-gcloud provide the same.
#
#   scripts/gitlab-ci-tools.sh aws   # the AWS CLI (pinned, from PyPI, in its own virtualenv)
#   scripts/gitlab-ci-tools.sh gcp   # gcloud with its beta commands and gke-gcloud-auth-plugin, from Google's signed
#                                    # Debian repository (the GKE stacks' Kubernetes provider calls the plugin)
set -euo pipefail

AWSCLI_VERSION=1.46.2
cloud="${1:?usage: $0 aws|gcp}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends make curl jq ca-certificates gnupg >/dev/null

case "$cloud" in
    aws)
        python3 -m venv /opt/awscli
        /opt/awscli/bin/pip install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION"
        ln -sf /opt/awscli/bin/aws /usr/local/bin/aws
        aws --version
        ;;
    gcp)
        curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg \
            | gpg --dearmor --yes -o /usr/share/keyrings/cloud.google.gpg
        echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" \
            >/etc/apt/sources.list.d/google-cloud-sdk.list
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends google-cloud-cli google-cloud-cli-gke-gcloud-auth-plugin >/dev/null
        gcloud --version
        ;;
    *)
        echo "usage: $0 aws|gcp" >&2
        exit 2
        ;;
esac
