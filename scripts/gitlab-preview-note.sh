#!/usr/bin/env bash
# GitLab CI's merge request note: every stack's `pulumi preview --diff` in one note, as pulumi/actions'
# comment-on-pr does on GitHub. `scripts/gitlab-preview-note.sh previews/*.txt` (one file per stack, named after it).
#
# CI_JOB_TOKEN cannot write notes, so the note is posted with GITLAB_PREVIEW_NOTE_TOKEN: a project access token with
# the Reporter role and the `api` scope, masked and given an expiry date (docs/ci-cd.md). Without it, nothing is
# posted and the previews stay where they always are: each preview job's log and its `previews/` artifact.
# Pulumi prints secret values as [secret], so a preview holds none; each one is cut to its last 60,000 characters
# (a note holds at most 1,000,000), the whole file staying in the artifact.
set -euo pipefail

# When `test` failed no preview ran: the glob matches nothing and there is nothing to post.
files=()
for file in "$@"; do
    [[ -f "$file" ]] && files+=("$file")
done
if [[ ${#files[@]} -eq 0 ]]; then
    echo "no preview to post"
    exit 0
fi
if [[ -z "${GITLAB_PREVIEW_NOTE_TOKEN:-}" ]]; then
    echo "GITLAB_PREVIEW_NOTE_TOKEN is not set: no note posted; the previews are in the preview jobs' logs and artifacts"
    exit 0
fi

body="### pulumi preview (pipeline ${CI_PIPELINE_URL:?}, commit ${CI_COMMIT_SHORT_SHA:?})"
for file in "${files[@]}"; do
    stack="$(basename "$file" .txt)"
    body+=$'\n\n'"<details><summary><code>${stack}</code></summary>"$'\n\n```\n'"$(tail -c 60000 "$file")"$'\n```\n</details>'
done

jq -n --arg body "$body" '{body: $body}' | curl -fsS -o /dev/null -X POST \
    -H "PRIVATE-TOKEN: $GITLAB_PREVIEW_NOTE_TOKEN" -H "Content-Type: application/json" --data @- \
    "${CI_API_V4_URL:?}/projects/${CI_PROJECT_ID:?}/merge_requests/${CI_MERGE_REQUEST_IID:?}/notes"
echo "posted the previews of ${#files[@]} stack(s) on merge request !$CI_MERGE_REQUEST_IID"
