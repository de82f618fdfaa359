#!/usr/bin/env bash
# The promotion workflows' scan gate: the image must be pinned by digest, its registry's vulnerability scan of that
# digest must have finished, and it must have found nothing CRITICAL. Prints (and adds to the job summary) which
# digest was scanned and the counts, so the run records what was admitted.
#
#   scripts/image-scan-gate.sh aws ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:DIGEST
#   scripts/image-scan-gate.sh gcp LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE@sha256:DIGEST
#
# aws: ECR basic scanning (scan on push, per repository). gcp: Artifact Analysis (Container Scanning API).
set -euo pipefail

cloud="${1:?usage: $0 aws|gcp IMAGE@sha256:DIGEST}"
image="${2:?usage: $0 aws|gcp IMAGE@sha256:DIGEST}"
case "$image" in
    *@sha256:*) ;;
    *) echo "error: $image is not pinned by digest" >&2; exit 1 ;;
esac
digest="${image#*@}"

case "$cloud" in
    aws)
        repository="${image%@*}"
        repository="${repository#*/}"
        aws ecr wait image-scan-complete --repository-name "$repository" --image-id "imageDigest=$digest"
        counts="$(aws ecr describe-image-scan-findings --repository-name "$repository" \
            --image-id "imageDigest=$digest" --query 'imageScanFindings.findingSeverityCounts' --output json)"
        critical="$(jq -r '.CRITICAL // 0' <<<"${counts:-null}")"
        ;;
    gcp)
        report="$(gcloud artifacts docker images describe "$image" --show-package-vulnerability \
            --show-all-metadata --format=json)"
        status="$(jq -r '[.discovery_summary.discovery[]?.discovery.analysisStatus][0] // "UNKNOWN"' <<<"$report")"
        if [[ "$status" != "FINISHED_SUCCESS" ]]; then
            echo "error: the vulnerability scan of $image is not finished ($status)" >&2
            exit 1
        fi
        counts="$(jq -c '.package_vulnerability_summary.vulnerabilities // {} | map_values(length)' <<<"$report")"
        critical="$(jq -r '.CRITICAL // 0' <<<"$counts")"
        ;;
    *)
        echo "usage: $0 aws|gcp IMAGE@sha256:DIGEST" >&2
        exit 2
        ;;
esac

line="scanned $image ($cloud): findings by severity ${counts:-{\}}"
echo "$line"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    echo "$line" >>"$GITHUB_STEP_SUMMARY"
fi
if [[ "$critical" != "0" ]]; then
    echo "error: $critical CRITICAL finding(s) in $digest: not promoted" >&2
    exit 1
fi
