"""The GitLab CI pipelines (.gitlab-ci.yml and the files it includes from .gitlab/ci/): GitLab's published CI schema
(vendored: schemas/README.md records its source and sha256) over every file and over every job as GitLab resolves
it, shellcheck over every job's script, and the guarantees of the GitHub workflows (test_workflows.py): prod deploys
the digest dev ran, never a rebuild, by hand, in the protected `prod` environment, one deploy per stack at a time;
the drift check is scheduled and only previews; credentials come from the jobs' ID tokens only."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.binaries import find_binary
from tests.unit.test_workflows import EVERY_STACK, load, stacks_of

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parent / "schemas"
SCHEMA = SCHEMAS / "gitlab-ci.json"
TOOLS_PYTHON = ROOT / ".venv-tools" / "bin" / "python"
# Top-level keys that are not jobs (GitLab's reserved keywords).
GLOBAL_KEYS = {"workflow", "stages", "include", "default", "variables", "image", "services", "before_script",
               "after_script", "cache", "spec"}
_VALIDATE = """
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft7Validator(schema)
errors = []
for name, doc in json.load(sys.stdin).items():
    for e in validator.iter_errors(doc):
        errors.append(name + ": " + ".".join(map(str, e.absolute_path)) + ": " + e.message[:300])
print(json.dumps(errors))
"""


def files() -> list[Path]:
    """.gitlab-ci.yml and the local files it includes, in include order."""
    main = ROOT / ".gitlab-ci.yml"
    return [main, *(ROOT / entry["local"].lstrip("/") for entry in yaml.safe_load(main.read_text())["include"])]


def config() -> dict:
    """The configuration GitLab assembles: the included files' keys, then the main file's."""
    merged: dict = {}
    for path in [*files()[1:], files()[0]]:
        doc = yaml.safe_load(path.read_text())
        assert not set(doc) & set(merged) - GLOBAL_KEYS, f"{path.name} redefines {set(doc) & set(merged)}"
        merged.update(doc)
    return merged


def deep_merge(base: dict, override: dict) -> dict:
    """GitLab's `extends` merge: hashes merge key by key, anything else (lists included) is replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else copy.deepcopy(value)
    return out


def resolve(cfg: dict, name: str) -> dict:
    job = cfg[name]
    parents = job.get("extends", [])
    resolved: dict = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        assert parent in cfg, f"{name} extends {parent}, which is not defined"
        resolved = deep_merge(resolved, resolve(cfg, parent))
    resolved = deep_merge(resolved, {k: v for k, v in job.items() if k != "extends"})
    return resolved


def jobs(cfg: dict | None = None) -> dict[str, dict]:
    """Every job GitLab would run, resolved (hidden `.templates` are not jobs)."""
    cfg = cfg or config()
    return {name: resolve(cfg, name) for name in cfg if name not in GLOBAL_KEYS and not name.startswith(".")}


def named(prefix: str) -> dict[str, dict]:
    return {name: job for name, job in jobs().items() if name.startswith(prefix + ":")}


def matrix(job: dict, key: str = "STACK") -> list[str]:
    values: list[str] = []
    for entry in job.get("parallel", {}).get("matrix", []):
        value = entry.get(key, [])
        values += value if isinstance(value, list) else [value]
    return values


def script_of(job: dict) -> str:
    return "\n".join([*job.get("before_script", []), *job.get("script", [])])


def schema_errors(documents: dict[str, object]) -> list[str]:
    if not TOOLS_PYTHON.exists():
        pytest.fail(f"{TOOLS_PYTHON} is missing: run `make setup-test` (jsonschema is pinned in requirements/tools.txt)")
    result = subprocess.run([str(TOOLS_PYTHON), "-c", _VALIDATE, str(SCHEMA)], input=json.dumps(documents),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def shellcheck(scripts: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    paths = []
    for name, text in scripts.items():
        path = tmp_path / (re.sub(r"[^\w-]", "_", name) + ".sh")
        # The runner's shell: bash with errexit and pipefail, the job's lines in order.
        path.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + text + "\n")
        paths.append(str(path))
    return subprocess.run([str(find_binary("shellcheck")), "--severity=warning", "--external-sources", *paths],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


# The schema, and what it is checked against.

def test_vendored_schema_is_the_published_file_its_readme_names():
    rows = re.findall(r"^\| `([^`]+\.json)` \|.*\| `([0-9a-f]{64})` \|$", (SCHEMAS / "README.md").read_text(), re.M)
    assert {name for name, _ in rows} == {p.name for p in SCHEMAS.glob("*.json")}
    for name, digest in rows:
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest, name


def test_every_gitlab_ci_file_passes_gitlabs_schema():
    errors = schema_errors({str(p.relative_to(ROOT)): yaml.safe_load(p.read_text()) for p in files()})
    assert not errors, "\n".join(errors)


def test_every_job_as_gitlab_resolves_it_passes_gitlabs_schema():
    """The schema accepts anything under a hidden key, so the templates are checked through the jobs built on them."""
    cfg = config()
    resolved = {key: cfg[key] for key in cfg if key in GLOBAL_KEYS and key != "include"} | jobs(cfg)
    errors = schema_errors({"resolved": resolved})
    assert not errors, "\n".join(errors)


def test_the_schema_refuses_a_broken_job():
    broken = {
        "when": {"x": {"script": ["true"], "when": "manul"}},
        "token": {"x": {"script": ["true"], "id_tokens": {"AWS_ID_TOKEN": {"audience": "sts.amazonaws.com"}}}},
        "typo": {"x": {"scirpt": ["true"]}},
        # `- echo "a: b"` unquoted: YAML reads the line as a mapping, the runner would never run it.
        "mapping": yaml.safe_load('x:\n  script:\n    - echo "image: $IMAGE"\n'),
    }
    errors = schema_errors(broken)
    assert [e for e in errors if e.startswith("when: x")], errors
    assert [e for e in errors if e.startswith("token: x.id_tokens.AWS_ID_TOKEN")], errors
    assert [e for e in errors if e.startswith("typo: x")], errors
    assert [e for e in errors if e.startswith("mapping: x.script")], errors


def test_every_file_under_gitlab_ci_is_included_and_every_extends_is_defined():
    assert sorted(files()[1:]) == sorted((ROOT / ".gitlab" / "ci").glob("*.yml"))
    assert all(p.is_file() for p in files())
    assert jobs()  # resolving fails on an `extends` that names nothing


def test_every_jobs_script_passes_shellcheck(tmp_path):
    scripts = {name: script_of(job) for name, job in jobs().items()}
    assert all(isinstance(line, str) for name, job in jobs().items() for line in
               [*job.get("before_script", []), *job.get("script", [])])
    result = shellcheck(scripts, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_flags_a_broken_job_script(tmp_path):
    result = shellcheck({"x": "rm -rf $DIR/*"}, tmp_path)
    assert result.returncode == 1 and "SC2115" in result.stdout, result.stdout


# The same pipelines as GitHub's.

def test_previews_and_drift_checks_cover_every_stack_the_github_workflows_do():
    assert sorted(s for job in named("preview").values() for s in matrix(job)) == sorted(stacks_of("pull-request.yml"))
    assert sorted(s for job in named("drift").values() for s in matrix(job)) == sorted(stacks_of("drift.yml"))
    assert set(stacks_of("drift.yml")) == EVERY_STACK


def test_every_stack_job_runs_on_its_github_cloud():
    github = {entry["stack"]: entry["cloud"] for entry in
              load("pull-request.yml")["jobs"]["preview"]["strategy"]["matrix"]["include"]}
    github |= {entry["prod"]: entry["cloud"] for entry in
               load("promote-prod.yml")["jobs"]["promote"]["strategy"]["matrix"]["include"]}
    for name, job in jobs().items():
        for stack in matrix(job) + matrix(job, "PROD_STACK"):
            assert job["variables"]["CLOUD"] == github[stack] == name.rsplit(":", 1)[1], (name, stack)


def test_merge_requests_run_the_tests_then_preview_with_the_policy_pack_and_post_one_note():
    assert "bash .ci/run" in jobs()["test"]["script"]
    for name, job in named("preview").items():
        assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}], name
        assert job["needs"] == ["test"] and job["interruptible"] is True, name
        preview = next(line for line in job["script"] if line.startswith("pulumi preview"))
        assert "--diff" in preview and "--policy-pack policy" in preview and '--stack "$PULUMI_ORG/$STACK"' in preview
        assert '| tee "previews/$STACK.txt"' in preview and job["artifacts"]["paths"] == ["previews/"], name
        assert "make setup-policy" in job["script"], name
    note = jobs()["preview-note"]
    assert {need["job"] for need in note["needs"]} == set(named("preview")) and all(n["artifacts"] for n in note["needs"])
    assert note["script"] == ["bash scripts/gitlab-preview-note.sh previews/*.txt"]
    assert note["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"', "when": "always"}]


def test_dev_deploys_build_once_on_main_deploy_and_smoke_test_each_dev_stack():
    deploys = named("deploy-dev")
    assert sorted(s for job in deploys.values() for s in matrix(job)) == sorted(stacks_of("deploy-dev.yml"))
    for name, job in deploys.items():
        assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'}]
        assert job["needs"] == ["test"] and job["interruptible"] is False, name
        assert job["environment"] == {"name": "dev", "deployment_tier": "development"}, name
        assert job["resource_group"] == "pulumi-$STACK", name
        script = script_of(job)
        up, smoke = script.index('pulumi up --yes'), script.index('bash scripts/ci-smoke.sh "$PULUMI_ORG/$STACK" "$CLOUD"')
        record = script.index('pulumi stack output image --stack "$PULUMI_ORG/$STACK" >"deployed/$STACK.image"')
        assert up < smoke < record, name
        assert job["artifacts"]["paths"] == ["deployed/"], name


def test_only_the_dev_deploys_have_a_docker_engine_to_build_with():
    for name, job in jobs().items():
        assert bool(job.get("services")) == name.startswith("deploy-dev:"), name


def promotions() -> dict[str, dict]:
    return named("promote-prod")


def test_prod_promotion_deploys_devs_digest_behind_a_protected_environment():
    pairs = [(dev, prod) for job in promotions().values()
             for dev, prod in zip(matrix(job, "DEV_STACK"), matrix(job, "PROD_STACK"), strict=True)]
    github = load("promote-prod.yml")["jobs"]["promote"]["strategy"]["matrix"]["include"]
    assert sorted(pairs) == sorted((entry["dev"], entry["prod"]) for entry in github)
    for name, job in promotions().items():
        assert job["environment"] == {"name": "prod", "deployment_tier": "production"}, name
        # By hand only, on main, and the pipeline waits for it (blocked, not passed) until someone promotes.
        assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH',
                                 "when": "manual"}], name
        assert job["allow_failure"] is False and job["interruptible"] is False, name
        assert job["resource_group"] == "pulumi-$PROD_STACK", name
        # After every dev deploy and smoke test of the pipeline, with their recorded digests.
        assert {need["job"] for need in job["needs"]} == set(named("deploy-dev")), name
        assert all(need["artifacts"] for need in job["needs"]), name
        script = script_of(job)
        assert 'export DEV="$PULUMI_ORG/$DEV_STACK" PROD="$PULUMI_ORG/$PROD_STACK"' in script
        assert script.index('pulumi stack output image --stack "$DEV"') \
            < script.index('pulumi config set --path app.image "$image" --stack "$PROD"') \
            < script.index('pulumi up --yes --diff --stack "$PROD"') < script.index('scripts/ci-smoke.sh "$PROD"')
        assert "docker" not in job["script"] and "build" not in "\n".join(job["script"]), name


def github_promotion_step() -> list[str]:
    [step] = [s for s in load("promote-prod.yml")["jobs"]["promote"]["steps"] if "pulumi config set" in s.get("run", "")]
    # GitHub's job summary is GitLab's job log.
    return commands(step["run"].replace(' >>"$GITHUB_STEP_SUMMARY"', ""))


def commands(script: str) -> list[str]:
    """A script's lines without blanks or comments (the comments name each CI's own log)."""
    return [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_the_promotion_step_is_githubs_line_for_line_plus_the_pipelines_own_digest_check():
    """Whoever changes how GitHub promotes finds here the GitLab step to change with it."""
    github = github_promotion_step()
    for name, job in promotions().items():
        [step] = [entry for entry in job["script"] if "pulumi config set" in entry]
        gitlab = commands(step)
        lines = iter(gitlab)
        assert all(line in lines for line in github), (name, github, gitlab)  # in the same order
        extra = Counter(gitlab) - Counter(github)
        assert extra == Counter(['deployed="$(cat "deployed/$DEV_STACK.image")"', 'if [ "$image" != "$deployed" ]; then',
                         'echo "$DEV runs $image, not $deployed that this pipeline deployed: promote from the newest '
                         'pipeline" >&2', "exit 1", "fi"]), name


def test_the_promoted_digest_is_checked_against_the_one_this_pipelines_dev_deploy_recorded(tmp_path):
    [job, *_] = promotions().values()
    [step] = [entry for entry in job["script"] if "pulumi config set" in entry]
    guard = step[step.index('deployed="$('):step.index("# Only a digest")]
    (tmp_path / "deployed").mkdir()
    (tmp_path / "deployed" / "dev.image").write_text("repo@sha256:" + "a" * 64 + "\n")

    def run(image: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "image": image, "DEV_STACK": "dev", "DEV": "org/dev"}
        return subprocess.run(["bash", "-euc", guard], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=30)

    assert run("repo@sha256:" + "a" * 64).returncode == 0
    moved_on = run("repo@sha256:" + "b" * 64)
    assert moved_on.returncode == 1 and "promote from the newest pipeline" in moved_on.stderr


def test_drift_is_scheduled_and_only_previews():
    for name, job in named("drift").items():
        assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'},
                                {"if": '$CI_PIPELINE_SOURCE == "web" && $DRIFT == "true"'}], name
        assert job["script"] == ['pulumi preview --refresh --expect-no-changes --diff --color never '
                                 '--suppress-progress --stack "$PULUMI_ORG/$STACK"'], name
        assert "environment" not in job and "resource_group" not in job, name
    workflow_rules = config()["workflow"]["rules"]
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'} in workflow_rules
    # Nothing else runs in the nightly pipeline: every other job names the events it runs on.
    for name, job in jobs().items():
        if not name.startswith("drift:"):
            assert all("schedule" not in rule["if"] for rule in job["rules"]), name


def test_only_the_deploys_apply_anything():
    for name, job in jobs().items():
        applies = "pulumi up" in script_of(job) or "pulumi config set" in script_of(job)
        assert applies == name.startswith(("deploy-dev:", "promote-prod:")), name
        assert ("environment" in job) == applies, name


def test_stack_jobs_run_the_pulumi_cli_of_the_pinned_sdk():
    [sdk] = re.findall(r"^pulumi==([\d.]+)$", (ROOT / "requirements" / "infra.txt").read_text(), re.M)
    for name, job in jobs().items():
        if "CLOUD" in job.get("variables", {}):
            assert job["image"] == f"pulumi/pulumi-python-3.11:{sdk}", name


# Credentials: ID tokens only.

IDENTITIES = {"preview": ("$AWS_PREVIEW_ROLE_ARN", "$GCP_PREVIEW_SERVICE_ACCOUNT"),
              "drift": ("$AWS_PREVIEW_ROLE_ARN", "$GCP_PREVIEW_SERVICE_ACCOUNT"),
              "deploy-dev": ("$AWS_DEPLOY_ROLE_ARN", "$GCP_DEPLOY_SERVICE_ACCOUNT"),
              "promote-prod": ("$AWS_PROD_DEPLOY_ROLE_ARN", "$GCP_PROD_DEPLOY_SERVICE_ACCOUNT")}


def test_no_stored_key_is_read_anywhere():
    for path in files():
        text = path.read_text()
        for name in ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "GOOGLE_CREDENTIALS", "credentials_json",
                     "PULUMI_ACCESS_TOKEN", "CI_JOB_JWT"):
            assert name not in text, (path.name, name)


def test_each_stack_job_acts_as_its_own_identity_from_its_own_clouds_id_token():
    stack_jobs = {name: job for name, job in jobs().items() if name.split(":")[0] in IDENTITIES}
    assert set(stack_jobs) == {f"{kind}:{cloud}" for kind in IDENTITIES for cloud in ("aws", "gcp")}
    for name, job in stack_jobs.items():
        kind, cloud = name.split(":")
        assert job["before_script"][-1] == '. scripts/gitlab-oidc.sh "$CLOUD" "$CLOUD_IDENTITY"', name
        assert job["variables"]["CLOUD_IDENTITY"] == IDENTITIES[kind][cloud == "gcp"], name
        tokens = job["id_tokens"]
        assert tokens["PULUMI_ID_TOKEN"] == {"aud": "urn:pulumi:org:$PULUMI_ORG"}, name
        if cloud == "aws":
            assert set(tokens) == {"PULUMI_ID_TOKEN", "AWS_ID_TOKEN"} and tokens["AWS_ID_TOKEN"]["aud"], name
        else:
            assert set(tokens) == {"PULUMI_ID_TOKEN", "GCP_ID_TOKEN"}, name
            assert tokens["GCP_ID_TOKEN"] == {"aud": "https://iam.googleapis.com/$GCP_WORKLOAD_IDENTITY_PROVIDER"}
    # The jobs that touch no stack get no token.
    assert all("id_tokens" not in job for name, job in jobs().items() if name not in stack_jobs)


STUB = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >>"$CALLS"
case "$(basename "$0") $1" in
  "curl "*) cat >/dev/null; echo '{"access_token": "pul-exchanged"}' ;;
  "aws sts") echo "arn:aws:sts::123456789012:assumed-role/preview/gitlab" ;;
  "aws secretsmanager") echo "ci:key-that-must-not-print" ;;
  "pulumi stack") [ "$3" = url ] && echo https://agent.example.com || echo '{"AGENT_API_KEYS": "arn:secret"}' ;;
  "gcloud auth") if [ "$2" = list ]; then echo preview@project.iam.gserviceaccount.com; fi ;;
esac
"""


def stubs(tmp_path: Path, *names: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in names:
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls")}


def test_oidc_turns_the_id_tokens_into_web_identity_credentials_and_prints_no_token(tmp_path):
    env = stubs(tmp_path, "curl", "aws", "gcloud") | {
        "PULUMI_ID_TOKEN": "pulumi-jwt", "AWS_ID_TOKEN": "aws-jwt", "GCP_ID_TOKEN": "gcp-jwt", "PULUMI_ORG": "acme",
        "AWS_REGION": "eu-west-1", "GCP_WORKLOAD_IDENTITY_PROVIDER": "projects/1/locations/global/"
        "workloadIdentityPools/gitlab/providers/gitlab"}
    show = ('. scripts/gitlab-oidc.sh "$0" "$1"; echo "TOKEN=$PULUMI_ACCESS_TOKEN ROLE=${AWS_ROLE_ARN:-} '
            'FILE=$(cat "${AWS_WEB_IDENTITY_TOKEN_FILE:-$GOOGLE_APPLICATION_CREDENTIALS}" 2>/dev/null || true)"')
    aws = subprocess.run(["bash", "-ec", show, "aws", "arn:aws:iam::123456789012:role/preview"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=30)
    assert aws.returncode == 0, aws.stderr
    printed, _, shown = aws.stdout.rpartition("TOKEN=")
    assert "jwt" not in printed and "pul-exchanged" not in printed and "jwt" not in aws.stderr
    assert shown.strip() == "pul-exchanged ROLE=arn:aws:iam::123456789012:role/preview FILE=aws-jwt"
    calls = (tmp_path / "calls").read_text()
    assert "audience=urn:pulumi:org:acme" in calls and "subject_token@-" in calls and "pulumi-jwt" not in calls

    gcp = subprocess.run(["bash", "-ec", show, "gcp", "preview@project.iam.gserviceaccount.com"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=30)
    assert gcp.returncode == 0, gcp.stderr
    calls = (tmp_path / "calls").read_text()
    assert ("gcloud iam workload-identity-pools create-cred-config projects/1/locations/global/workloadIdentityPools/"
            "gitlab/providers/gitlab --service-account=preview@project.iam.gserviceaccount.com "
            "--credential-source-file=") in calls and "gcp-jwt" not in calls + gcp.stdout


NOTE_CURL = """#!/usr/bin/env bash
echo "curl $*" >>"$CALLS"
case "$*" in
  *" -X "*) cat >>"$CALLS" ;;
  *) echo '[{"id": 5, "body": "an unrelated note"}, {"id": 7, "body": "<!-- langgraph-infra: pulumi preview -->old"}]' ;;
esac
"""


def test_the_preview_note_edits_the_merge_requests_one_note_with_every_stacks_preview(tmp_path):
    env = stubs(tmp_path, "curl") | {"CI_PIPELINE_URL": "https://gitlab.example.com/p/-/pipelines/9",
                                     "CI_COMMIT_SHORT_SHA": "abc1234", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
                                     "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "3"}
    (tmp_path / "bin" / "curl").write_text(NOTE_CURL)
    previews = tmp_path / "previews"
    previews.mkdir()
    (previews / "dev.txt").write_text("+ aws:ecs:Service api create\n")
    (previews / "gke-prod.txt").write_text("x" * 70_000 + "Resources: 3 to update\n")
    note = [str(ROOT / "scripts" / "gitlab-preview-note.sh"), str(previews / "dev.txt"), str(previews / "gke-prod.txt")]

    without_token = subprocess.run(note, env=env, capture_output=True, text=True, timeout=30)
    assert without_token.returncode == 0 and "no note posted" in without_token.stdout
    assert not (tmp_path / "calls").exists()

    posted = subprocess.run(note, env=env | {"GITLAB_PREVIEW_NOTE_TOKEN": "glpat-x"}, capture_output=True, text=True,
                            timeout=30)
    assert posted.returncode == 0, posted.stderr
    calls = (tmp_path / "calls").read_text()
    assert "-X PUT --data @- https://gitlab.example.com/api/v4/projects/42/merge_requests/3/notes/7" in calls
    body = json.loads(calls[calls.index("{"):])["body"]
    assert "<code>dev</code>" in body and "+ aws:ecs:Service api create" in body and "<code>gke-prod</code>" in body
    assert "Resources: 3 to update" in body and len(body) < 61_000  # the long preview cut to its end
    assert "glpat-x" not in posted.stdout + posted.stderr


def test_the_smoke_test_prints_the_key_nowhere_but_githubs_mask_command(tmp_path):
    env = stubs(tmp_path, "pulumi", "aws")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("#!/usr/bin/env bash\necho \"smoke $*\"\n")
    (tmp_path / ".venv" / "bin" / "python").chmod(0o755)
    smoke = [str(ROOT / "scripts" / "ci-smoke.sh"), "org/dev", "aws"]
    gitlab = subprocess.run(smoke, cwd=tmp_path, env=env | {"GITLAB_CI": "true"}, capture_output=True, text=True,
                            timeout=30)
    assert gitlab.returncode == 0 and "smoke scripts/smoke.py https://agent.example.com" in gitlab.stdout
    assert "key-that-must-not-print" not in gitlab.stdout + gitlab.stderr
    github = subprocess.run(smoke, cwd=tmp_path, env=env | {"GITHUB_ACTIONS": "true"}, capture_output=True,
                            text=True, timeout=30)
    assert github.stdout.splitlines()[0] == "::add-mask::ci:key-that-must-not-print"
