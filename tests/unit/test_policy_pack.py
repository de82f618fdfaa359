"""The policy pack in policy/, run with the real pulumi_policy classes in its own virtualenv (.venv-policy): each
planned resource, deserialised as the engine hands it over, goes through every policy's `validate`."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT, plan_of

POLICY_PYTHON = ROOT / ".venv-policy" / "bin" / "python"
_RUNNER = """
import json, sys
sys.path.insert(0, "policy")
from policies import policies
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.deserialize import deserialize_properties

violations = []
resources = json.load(sys.stdin)
for policy in policies():
    for r in resources:
        args = ResourceValidationArgs(r["type"], deserialize_properties(r["inputs"]), r["urn"], r["name"],
                                      opts=None, provider=None)
        policy.validate(args, lambda message, urn=None: violations.append([policy.name, r["name"], message]))
print(json.dumps({"policies": len(policies()), "violations": violations}))
"""


def run_pack(plan) -> dict:
    if not POLICY_PYTHON.exists():
        pytest.fail(f"{POLICY_PYTHON} is missing: run `make setup-test` (or just `make setup-policy`)")
    resources = [{"type": r.type, "name": r.name, "urn": r.urn, "inputs": r.inputs} for r in plan.resources]
    result = subprocess.run([str(POLICY_PYTHON), "-c", _RUNNER], input=json.dumps(resources), capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("stack", ["dev", "prod", "gcp-prod", "local"])
def test_stacks_pass_the_policy_pack(stack):
    report = run_pack(plan_of(stack))
    assert report["policies"] >= 14
    assert report["violations"] == []


def test_policy_pack_reports_a_violation():
    report = run_pack(plan_of("dev", "app.env.LEGACY_DSN=postgres://app:hunter2@db:5432/x"))
    names = {(policy, resource) for policy, resource, _ in report["violations"]}
    assert names == {("ecs-secrets-by-reference", "agent-service-api"),
                     ("ecs-secrets-by-reference", "agent-service-queue")}
