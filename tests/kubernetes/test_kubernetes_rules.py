"""The rules and the policy pack cover the Kubernetes objects: every planned scenario passes them, in the plan and
through the real pulumi_policy classes, and a Deployment scaled to zero is caught."""

from __future__ import annotations

import pytest

from langgraph_infra.rules import RULES, evaluate
from tests.kubernetes.conftest import SCENARIOS, plan_example, plan_scenario
from tests.unit.test_policy_pack import run_pack

KUBERNETES_RULES = {"k8s-non-root", "k8s-limits-set", "k8s-image-by-digest", "k8s-never-zero"}


def test_the_kubernetes_rules_exist():
    assert KUBERNETES_RULES <= {r.id for r in RULES}


@pytest.mark.parametrize("stack", SCENARIOS)
def test_every_scenario_passes_every_rule(stack):
    plan = plan_scenario(stack)
    assert [r for r in plan.resources if r.type == "kubernetes:apps/v1:Deployment"]
    assert evaluate(plan.resources) == []


def test_the_example_passes_the_policy_pack():
    report = run_pack(plan_example())
    assert report["violations"] == []


def test_a_deployment_scaled_to_zero_is_a_violation():
    [rule] = [r for r in RULES if r.id == "k8s-never-zero"]
    assert rule.evaluate("kubernetes:apps/v1:Deployment", {"kind": "Deployment", "spec": {"replicas": 0}})
    assert rule.evaluate("kubernetes:apps/v1:Deployment", {"kind": "Deployment", "spec": {}}) is None


def test_the_policy_pack_flags_an_image_by_tag():
    plan = plan_example()
    [deployment] = [r for r in plan.resources if r.name == "support-queue" and r.type.endswith(":Deployment")]
    container = deployment.inputs["spec"]["template"]["spec"]["containers"][0]
    original = container["image"]
    container["image"] = "registry.example.com/agents/support:latest"
    try:
        report = run_pack(plan)
    finally:
        container["image"] = original
    assert [v[:2] for v in report["violations"]] == [["k8s-image-by-digest", "support-queue"]]
