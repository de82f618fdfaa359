"""The CI/CD pipelines, checked by actionlint (with shellcheck on their `run:` steps), and the promotion rule:
prod deploys the digest dev runs, never a rebuild."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.binaries import find_binary

ACTIONLINT = str(Path(sys.executable).with_name("actionlint"))
WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def actionlint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    # actionlint silently skips the `run:` steps when it finds no shellcheck: give it the pinned one explicitly
    # (find_binary fails the test when it is missing).
    shellcheck = f"-shellcheck={find_binary('shellcheck')}"
    return subprocess.run([ACTIONLINT, "-no-color", "-oneline", shellcheck, *args], input=stdin, capture_output=True,
                          text=True, cwd=WORKFLOWS.parent.parent, timeout=120)


def test_workflows_pass_actionlint():
    result = actionlint()
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_flag_a_broken_workflow():
    broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.name }}\n"
    assert actionlint("-", stdin=broken).returncode == 1


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_prod_promotion_deploys_devs_digest_behind_a_protected_environment():
    workflow = load("promote-prod.yml")
    [job] = workflow["jobs"].values()
    assert job["environment"] == "prod"
    assert workflow["concurrency"]["cancel-in-progress"] is False
    script = "\n".join(step.get("run", "") for step in job["steps"])
    deploy = next(step for step in job["steps"] if "pulumi config set" in step.get("run", ""))
    assert deploy["env"]["DEV"].endswith("/${{ matrix.dev }}") and deploy["env"]["PROD"].endswith("/${{ matrix.prod }}")
    assert 'pulumi stack output image --stack "$DEV"' in script
    assert 'pulumi config set --path app.image "$image" --stack "$PROD"' in script
    # Each prod stack takes its own cloud's dev stack's digest.
    assert {(pair["dev"], pair["prod"]) for pair in job["strategy"]["matrix"]["include"]} == {
        ("dev", "prod"), ("gcp-dev", "gcp-prod"), ("gke-dev", "gke-prod")}
    assert "docker" not in script and "build" not in script.replace("buildx", "")


def test_deploys_use_oidc_not_stored_cloud_keys():
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text()
        assert "AWS_SECRET_ACCESS_KEY" not in text and "aws-secret-access-key" not in text, path.name
        assert "PULUMI_ACCESS_TOKEN" not in text, path.name


def test_every_deploy_is_serialised_per_stack():
    for name, group in [("deploy-dev.yml", "deploy-dev"), ("promote-prod.yml", "deploy-prod")]:
        assert load(name)["concurrency"]["group"] == group


def test_actionlint_runs_shellcheck_on_run_steps():
    unquoted = "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: rm -rf $DIR/*\n"
    result = actionlint("-", stdin=unquoted)
    assert result.returncode == 1 and "shellcheck reported issue" in result.stdout, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck(root):
    shellcheck = find_binary("shellcheck")
    scripts = [str(p) for p in (root / "scripts").glob("*.sh")] + [str(root / ".ci" / "run")]
    result = subprocess.run([shellcheck, "--severity=warning", *scripts], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def steps_script(name: str) -> str:
    [job] = load(name)["jobs"].values()
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_promotions_gate_on_the_scan_of_the_digest_and_attest_it_before_deploying():
    script = steps_script("promote-prod.yml")
    gate, attest, up = (script.index('scripts/image-scan-gate.sh "$CLOUD" "$image"'),
                        script.index("binauthz attestations sign-and-create"), script.index("pulumi up"))
    assert gate < attest < up
    assert '--artifact-url="$image"' in script and '[ "$CLOUD" = gcp ]' in script
    assert load("promote-prod.yml")["jobs"]["promote"]["environment"] == "prod"
    assert load("promote-prod.yml")["concurrency"] == {"group": "deploy-prod", "cancel-in-progress": False}


def test_scan_gate_refuses_an_image_not_pinned_by_digest(root):
    result = subprocess.run(["bash", str(root / "scripts" / "image-scan-gate.sh"), "aws", "repo:latest"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "not pinned by digest" in result.stderr
EVERY_STACK = {"dev", "prod", "gcp-dev", "gcp-prod", "gke-dev", "gke-prod"}


def stacks_of(name: str, key: str = "stack") -> set[str]:
    [job] = [job for job in load(name)["jobs"].values() if "strategy" in job]
    return {entry[key] for entry in job["strategy"]["matrix"]["include"]}


def test_previews_and_drift_checks_cover_every_clouds_stacks():
    assert stacks_of("pull-request.yml") == EVERY_STACK
    assert stacks_of("drift.yml") == EVERY_STACK


def test_every_dev_stack_is_deployed_and_every_prod_stack_promoted():
    assert stacks_of("deploy-dev.yml") == {"dev", "gcp-dev", "gke-dev"}
    assert stacks_of("promote-prod.yml", "prod") == {"prod", "gcp-prod", "gke-prod"}


def test_gcp_credentials_come_from_workload_identity_federation_not_a_key_file():
    for path in WORKFLOWS.glob("*.yml"):
        workflow = yaml.safe_load(path.read_text())
        assert "credentials_json" not in path.read_text() and "GOOGLE_APPLICATION_CREDENTIALS" not in path.read_text()
        for job in workflow["jobs"].values():
            clouds = {entry["cloud"] for entry in job.get("strategy", {}).get("matrix", {}).get("include", [])}
            if "gcp" not in clouds:
                continue
            [auth] = [step for step in job["steps"] if step.get("uses", "").startswith("google-github-actions/auth@")]
            assert auth["if"] == "matrix.cloud == 'gcp'", path.name
            assert set(auth["with"]) == {"workload_identity_provider", "service_account"}, path.name
            assert job["permissions"]["id-token"] == "write" if "permissions" in job else \
                workflow["permissions"]["id-token"] == "write", path.name


def test_aws_credentials_are_only_requested_for_aws_stacks():
    for path in WORKFLOWS.glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@"):
                    assert step["if"] == "matrix.cloud == 'aws'", path.name


def test_stacks_named_in_ci_exist(root):
    assert EVERY_STACK <= {p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml")}
