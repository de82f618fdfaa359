"""The rules and the policy pack cover the Kubernetes objects: every planned scenario passes them, in the plan and
through the real pulumi_policy classes, and a Deployment scaled to zero is caught."""

from __future__ import annotations

import pytest

from langgraph_infra.kubernetes.autoscaling import QUEUE_SCALING_ANNOTATION
from langgraph_infra.rules import RULES, STACK_RULES, evaluate
from langgraph_infra.wire import PlannedResource
from tests.kubernetes.conftest import SCENARIOS, plan_example, plan_scenario
from tests.unit.test_policy_pack import run_pack

KUBERNETES_RULES = {"k8s-non-root", "k8s-limits-set", "k8s-image-by-digest", "k8s-never-zero"}
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"


def test_the_kubernetes_rules_exist():
    assert KUBERNETES_RULES <= {r.id for r in RULES}
    assert "k8s-queue-on-backlog" in {r.id for r in STACK_RULES}


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


def test_a_scaled_object_that_reaches_zero_is_a_violation():
    [rule] = [r for r in RULES if r.id == "k8s-never-zero"]
    spec = {"scaleTargetRef": {"name": "q"}, "triggers": [], "minReplicaCount": 1}
    assert rule.evaluate(SCALED_OBJECT, {"kind": "ScaledObject", "spec": spec}) is None
    # KEDA's own default minimum is zero, and an idle count scales there without a backlog.
    assert rule.evaluate(SCALED_OBJECT, {"kind": "ScaledObject", "spec": {**spec, "minReplicaCount": 0}})
    assert rule.evaluate(SCALED_OBJECT, {"kind": "ScaledObject", "spec": {"scaleTargetRef": {"name": "q"}}})
    assert rule.evaluate(SCALED_OBJECT, {"kind": "ScaledObject", "spec": {**spec, "idleReplicaCount": 0}})


def queue_on_backlog():
    [rule] = [r for r in STACK_RULES if r.id == "k8s-queue-on-backlog"]
    return rule


def without(plan, kind: str, component: str = "queue"):
    return [r for r in plan.resources if not (r.type == kind and (r.inputs.get("metadata") or {}).get(
        "labels", {}).get("app.kubernetes.io/component") == component)]


@pytest.mark.parametrize("stack", ["prod", "nginx"])
def test_a_queue_on_its_backlog_or_on_cpu_by_choice_passes_the_backlog_rule(stack):
    plan = plan_scenario(stack)
    planned = [PlannedResource(r.type, r.name, r.inputs) for r in plan.resources]
    assert queue_on_backlog().evaluate_stack(planned) == []


def test_a_queue_without_its_scaled_object_or_with_an_unmarked_cpu_hpa_is_a_violation():
    plan = plan_scenario("prod")
    bare = [PlannedResource(r.type, r.name, r.inputs) for r in without(plan, SCALED_OBJECT)]
    [(found, message)] = queue_on_backlog().evaluate_stack(bare)
    assert found.name == "agent-queue" and "kubernetes.queue_scaling" in message
    # An HPA on CPU that does not record the choice does not pass either.
    cpu_plan = plan_scenario("nginx")
    unmarked = []
    for r in cpu_plan.resources:
        inputs = r.inputs
        if r.type == HPA and QUEUE_SCALING_ANNOTATION in (inputs["metadata"].get("annotations") or {}):
            inputs = {**inputs, "metadata": {k: v for k, v in inputs["metadata"].items() if k != "annotations"}}
        unmarked.append(PlannedResource(r.type, r.name, inputs))
    assert [r.name for r, _ in queue_on_backlog().evaluate_stack(unmarked)] == ["agent-queue"]
