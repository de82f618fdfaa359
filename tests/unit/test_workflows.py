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
    assert 'pulumi stack output image --stack "$ORG/dev"' in script
    assert "pulumi config set --path app.image" in script
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


def test_promotions_gate_on_the_scan_of_the_digest_before_deploying():
    aws = steps_script("promote-prod.yml")
    assert aws.index('scripts/image-scan-gate.sh aws "$image"') < aws.index("pulumi up")
    gcp = steps_script("promote-gcp-prod.yml")
    gate, attest, up = (gcp.index('scripts/image-scan-gate.sh gcp "$image"'),
                        gcp.index("binauthz attestations sign-and-create"), gcp.index("pulumi up"))
    assert gate < attest < up
    assert '--artifact-url="$image"' in gcp
    assert load("promote-gcp-prod.yml")["jobs"]["promote"]["environment"] == "prod"
    assert load("promote-gcp-prod.yml")["concurrency"] == {"group": "deploy-gcp-prod", "cancel-in-progress": False}


def test_scan_gate_refuses_an_image_not_pinned_by_digest(root):
    result = subprocess.run(["bash", str(root / "scripts" / "image-scan-gate.sh"), "aws", "repo:latest"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "not pinned by digest" in result.stderr
