"""The policy pack in policy/, run with the real pulumi_policy classes in its own virtualenv (.venv-policy): each
planned resource, deserialised as the engine hands it over, goes through every policy's `validate`."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT, plan_of

# Every test runs the pack in its own virtualenv's interpreter (pulumi_policy), a process each: not in `make test-fast`.
pytestmark = pytest.mark.slow
POLICY_PYTHON = ROOT / ".venv-policy" / "bin" / "python"
_RUNNER = """
import json, sys
sys.path.insert(0, "policy")
from policies import policies
from pulumi_policy import ResourceValidationArgs, StackValidationArgs, StackValidationPolicy
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import PolicyResource

violations = []
resources = json.load(sys.stdin)
stack = [PolicyResource(r["type"], deserialize_properties(r["inputs"]), r["urn"], r["name"], None, None, None, [], {})
         for r in resources]
by_name = {p.name: p for p in stack}
for p, r in zip(stack, resources):
    p.dependencies = [by_name[d] for d in r["depends_on"] if d in by_name]
by_urn = {p.urn: p.name for p in stack}
for policy in policies():
    if isinstance(policy, StackValidationPolicy):
        policy.validate(StackValidationArgs(stack), lambda message, urn=None: violations.append(
            [policy.name, by_urn.get(urn), message]))
        continue
    for r in resources:
        args = ResourceValidationArgs(r["type"], deserialize_properties(r["inputs"]), r["urn"], r["name"],
                                      opts=None, provider=None)
        policy.validate(args, lambda message, urn=None: violations.append([policy.name, r["name"], message]))
print(json.dumps({"policies": len(policies()), "violations": violations}))
"""


def run_pack(plan) -> dict:
    if not POLICY_PYTHON.exists():
        pytest.fail(f"{POLICY_PYTHON} is missing: run `make setup-test` (or just `make setup-policy`)")
    resources = [{"type": r.type, "name": r.name, "urn": r.urn, "inputs": r.inputs, "depends_on": r.depends_on}
                 for r in plan.resources]
    result = subprocess.run([str(POLICY_PYTHON), "-c", _RUNNER], input=json.dumps(resources), capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("stack", ["dev", "prod", "gcp-prod", "gke-prod", "local"])
def test_stacks_pass_the_policy_pack(stack):
    report = run_pack(plan_of(stack))
    assert report["policies"] >= 16
    assert report["violations"] == []


def test_policy_pack_reports_a_violation():
    report = run_pack(plan_of("dev", "app.env.LEGACY_DSN=postgres://app:hunter2@db:5432/x"))
    names = {(policy, resource) for policy, resource, _ in report["violations"]}
    assert names == {("ecs-secrets-by-reference", "agent-service-api"),
                     ("ecs-secrets-by-reference", "agent-service-queue")}


def test_policy_pack_stack_rules_see_a_prod_load_balancer_without_waf():
    report = run_pack(plan_of("prod", "ingress.waf=false"))
    assert [(p, r) for p, r, _ in report["violations"]] == [("prod-edge-protection", "agent-service-alb")]


def test_policy_pack_stack_rules_see_a_prod_gke_gateway_without_cloud_armor():
    report = run_pack(plan_of("gke-prod", "gke.cloud_armor=false"))
    assert [(p, r) for p, r, _ in report["violations"]] == [("prod-edge-protection", "agent-gke-gateway-gateway")]


def test_policy_pack_refuses_a_cors_wildcard_in_prod_containers():
    """Validation already refuses it; the pack is the second line, for programs that build containers themselves."""
    from langgraph_infra.rules import STACK_RULES
    from langgraph_infra.wire import PlannedResource

    [rule] = [r for r in STACK_RULES if r.id == "prod-no-cors-wildcard"]
    env = [{"name": "CORS_ALLOW_ORIGINS", "value": "*"}]
    task = PlannedResource("aws:ecs/taskDefinition:TaskDefinition", "api",
                           {"containerDefinitions": json.dumps([{"environment": env}]),
                            "tags": {"environment": "prod"}})
    assert [r.name for r, _ in rule.evaluate_stack([task])] == ["api"]
    dev_task = PlannedResource(task.type, "api", {**task.inputs, "tags": {"environment": "dev"}})
    assert rule.evaluate_stack([dev_task]) == []


def test_policy_pack_wants_rotation_in_prod():
    report = run_pack(plan_of("prod", "postgres.rotation_days=null"))
    assert sorted((p, r) for p, r, _ in report["violations"]) == [
        ("prod-credentials-rotate", "agent-db-password"), ("prod-credentials-rotate", "agent-db-server-password")]
