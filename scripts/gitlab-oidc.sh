# shellcheck shell=bash
# GitLab CI's credentials for one stack job, from the job's ID tokens (`id_tokens` in .gitlab/ci/templates.yml) and
# nothing stored: no Pulumi access token, cloud access key or service-account key is kept in any CI/CD variable.
# Sourced by the job, so that what it exports reaches the commands after it:
#
#   . scripts/gitlab-oidc.sh aws ROLE_ARN          # AWS_ID_TOKEN, audience $CI_SERVER_URL
#   . scripts/gitlab-oidc.sh gcp SERVICE_ACCOUNT   # GCP_ID_TOKEN, audience the workload identity provider
#
# Pulumi Cloud: PULUMI_ID_TOKEN (audience urn:pulumi:org:$PULUMI_ORG) is exchanged (RFC 8693) for a short-lived
# organisation token. AWS: the token goes to a file that the AWS CLI and the Pulumi AWS provider exchange themselves
# through sts:AssumeRoleWithWebIdentity for ROLE_ARN, renewed as it expires. GCP: `gcloud iam workload-identity-pools
# create-cred-config` writes an external-account configuration (no key: it names the token file and the service
# account to impersonate), used by gcloud and, as Application Default Credentials, by the Pulumi Google provider.
# No token is ever printed. Needs curl, jq and the cloud's CLI (scripts/gitlab-ci-tools.sh).

gitlab_oidc_cloud="${1:?usage: . scripts/gitlab-oidc.sh aws ROLE_ARN | gcp SERVICE_ACCOUNT}"
gitlab_oidc_identity="${2:?usage: . scripts/gitlab-oidc.sh aws ROLE_ARN | gcp SERVICE_ACCOUNT}"
gitlab_oidc_dir="$(mktemp -d)"

gitlab_oidc_response="$(printf '%s' "${PULUMI_ID_TOKEN:?the job has no PULUMI_ID_TOKEN (id_tokens)}" | curl -fsS \
    -X POST "${PULUMI_BACKEND_URL:-https://api.pulumi.com}/api/oauth/token" \
    --data-urlencode "audience=urn:pulumi:org:${PULUMI_ORG:?PULUMI_ORG is not set}" \
    --data-urlencode "grant_type=urn:ietf:params:oauth:grant-type:token-exchange" \
    --data-urlencode "subject_token_type=urn:ietf:params:oauth:token-type:id_token" \
    --data-urlencode "requested_token_type=urn:pulumi:token-type:access_token:organization" \
    --data-urlencode "subject_token@-")"
PULUMI_ACCESS_TOKEN="$(jq -r '.access_token // empty' <<<"$gitlab_oidc_response")"
if [[ -z "$PULUMI_ACCESS_TOKEN" ]]; then
    echo "error: Pulumi Cloud did not exchange this job's ID token for an access token of $PULUMI_ORG" >&2
    return 1
fi
export PULUMI_ACCESS_TOKEN
unset gitlab_oidc_response

case "$gitlab_oidc_cloud" in
    aws)
        printf '%s' "${AWS_ID_TOKEN:?the job has no AWS_ID_TOKEN (id_tokens)}" >"$gitlab_oidc_dir/aws-token"
        export AWS_ROLE_ARN="$gitlab_oidc_identity"
        export AWS_WEB_IDENTITY_TOKEN_FILE="$gitlab_oidc_dir/aws-token"
        export AWS_ROLE_SESSION_NAME="gitlab-${CI_PROJECT_ID:-local}-${CI_JOB_ID:-0}"
        export AWS_DEFAULT_REGION="${AWS_REGION:?AWS_REGION is not set}"
        echo "AWS: $(aws sts get-caller-identity --query Arn --output text)"
        ;;
    gcp)
        printf '%s' "${GCP_ID_TOKEN:?the job has no GCP_ID_TOKEN (id_tokens)}" >"$gitlab_oidc_dir/gcp-token"
        gcloud iam workload-identity-pools create-cred-config \
            "${GCP_WORKLOAD_IDENTITY_PROVIDER:?GCP_WORKLOAD_IDENTITY_PROVIDER is not set}" \
            --service-account="$gitlab_oidc_identity" --credential-source-file="$gitlab_oidc_dir/gcp-token" \
            --credential-source-type=text --output-file="$gitlab_oidc_dir/gcp-external-account.json"
        gcloud auth login --cred-file="$gitlab_oidc_dir/gcp-external-account.json" --quiet
        export GOOGLE_APPLICATION_CREDENTIALS="$gitlab_oidc_dir/gcp-external-account.json"
        echo "GCP: $(gcloud auth list --filter=status:ACTIVE --format='value(account)')"
        ;;
    *)
        echo "error: unknown cloud $gitlab_oidc_cloud (aws or gcp)" >&2
        return 2
        ;;
esac
unset gitlab_oidc_cloud gitlab_oidc_identity gitlab_oidc_dir
