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
    if [[ -f "$file" ]]; then
        files+=("$file")
    fi
done
if [[ ${#files[@]} -eq 0 ]]; then
    echo "no preview to post"
    exit 0
fi
if [[ -z "${GITLAB_PREVIEW_NOTE_TOKEN:-}" ]]; then
    echo "GITLAB_PREVIEW_NOTE_TOKEN is not set: no note posted; the previews are in the preview jobs' logs and artifacts"
    exit 0
fi

# One note per merge request, edited by each new pipeline (as pulumi/actions edits its PR comment): found by the
# marker its body starts with.
marker="<!-- langgraph-infra: pulumi preview -->"
body="$marker"$'\n'"### pulumi preview (pipeline ${CI_PIPELINE_URL:?}, commit ${CI_COMMIT_SHORT_SHA:?})"
for file in "${files[@]}"; do
    stack="$(basename "$file" .txt)"
    body+=$'\n\n'"<details><summary><code>${stack}</code></summary>"$'\n\n```\n'"$(tail -c 60000 "$file")"$'\n```\n</details>'
done

notes="${CI_API_V4_URL:?}/projects/${CI_PROJECT_ID:?}/merge_requests/${CI_MERGE_REQUEST_IID:?}/notes"
api() {
    curl -fsS -H "PRIVATE-TOKEN: $GITLAB_PREVIEW_NOTE_TOKEN" -H "Content-Type: application/json" "$@"
}
note_id="$(api "$notes?sort=desc&order_by=updated_at&per_page=100" \
    | jq -r --arg marker "$marker" '[.[] | select(.body | startswith($marker))][0].id // empty')"
if [[ -n "$note_id" ]]; then
    jq -n --arg body "$body" '{body: $body}' | api -o /dev/null -X PUT --data @- "$notes/$note_id"
else
    jq -n --arg body "$body" '{body: $body}' | api -o /dev/null -X POST --data @- "$notes"
fi
echo "posted the previews of ${#files[@]} stack(s) on merge request !$CI_MERGE_REQUEST_IID"
