"""ECS scaling from the capacity model: queue workers on their backlog (pending runs per running task), not CPU;
the API on CPU and on requests per task at the capacity figure."""

from __future__ import annotations

import json

from langgraph_infra import contract, observability
from langgraph_infra.aws import queue_scaling
from langgraph_infra.derive import capacity
from tests.conftest import plan_of

POLICY = "aws:appautoscaling/policy:Policy"
TARGET = "aws:appautoscaling/target:Target"


def policies(stack: str) -> dict[str, dict]:
    return {p.name: p.inputs for p in plan_of(stack).by_type(POLICY)}


def metrics_of(policy: dict) -> dict[str, dict]:
    spec = policy["targetTrackingScalingPolicyConfiguration"]["customizedMetricSpecification"]
    return {m["id"]: m for m in spec["metrics"]}


def test_prod_queue_tracks_runs_in_flight_per_running_task_published_for_this_stack():
    queue = policies("prod")["agent-service-queue-backlog"]
    m = metrics_of(queue)
    for metric_id, name in (("pending", contract.PENDING_RUNS_METRIC), ("running", contract.RUNNING_RUNS_METRIC)):
        runs = m[metric_id]["metricStat"]
        assert (runs["metric"]["namespace"], runs["metric"]["metricName"]) == (contract.METRIC_NAMESPACE, name)
        assert runs["metric"]["dimensions"] == [{"name": contract.STACK_DIMENSION, "value": "prod"}]
        # Every replica publishes the same global count: a sum would multiply it.
        assert runs["stat"] == "Maximum"
    # Both are series the collector publishes under the stack's dimension.
    assert {contract.PENDING_RUNS_METRIC, contract.RUNNING_RUNS_METRIC} <= set(observability.CLOUD_METRICS.values())
    tasks = m["tasks"]["metricStat"]["metric"]
    assert (tasks["namespace"], tasks["metricName"]) == ("ECS/ContainerInsights", "RunningTaskCount")
    assert {d["name"]: d["value"] for d in tasks["dimensions"]} == {
        "ClusterName": "langgraph-prod", "ServiceName": "langgraph-prod-queue"}
    assert m["in_flight_per_task"]["expression"] == "(pending + running) / tasks"
    assert [i for i, x in m.items() if x.get("returnData")] == ["in_flight_per_task"]


def test_the_backlog_target_is_one_workers_slots_from_the_capacity_model():
    plan = plan_of("prod")
    queue = {p.name: p.inputs for p in plan.by_type(POLICY)}["agent-service-queue-backlog"]
    [c] = [c for c in json.loads(plan.one("aws:ecs/taskDefinition:TaskDefinition", "agent-service-queue").inputs[
        "containerDefinitions"]) if c["name"] == "agent-server"]
    jobs = {e["name"]: e["value"] for e in c["environment"]}["N_JOBS_PER_WORKER"]
    assert queue["targetTrackingScalingPolicyConfiguration"]["targetValue"] == int(jobs) == 16


def test_scale_in_is_slow_and_never_below_the_minimum():
    plan = plan_of("prod")
    config = {p.name: p.inputs for p in plan.by_type(POLICY)}["agent-service-queue-backlog"][
        "targetTrackingScalingPolicyConfiguration"]
    assert config["scaleInCooldown"] == queue_scaling.SCALE_IN_COOLDOWN_SECONDS >= 300
    assert config["scaleOutCooldown"] == queue_scaling.SCALE_OUT_COOLDOWN_SECONDS
    assert not config.get("disableScaleIn")
    target = {t.name: t.inputs for t in plan.by_type(TARGET)}["agent-service-queue-scaling"]
    assert (target["minCapacity"], target["maxCapacity"]) == (17, 33)


def test_the_api_keeps_scaling_on_cpu_and_the_queue_no_longer_does():
    found = policies("prod")
    assert set(found) == {"agent-service-api-cpu", "agent-service-api-requests", "agent-service-queue-backlog"}
    api = found["agent-service-api-cpu"]["targetTrackingScalingPolicyConfiguration"]
    assert api["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def test_the_api_also_tracks_requests_per_task_at_the_capacity_figure():
    plan = plan_of("prod")
    config = {p.name: p.inputs for p in plan.by_type(POLICY)}["agent-service-api-requests"][
        "targetTrackingScalingPolicyConfiguration"]
    spec = config["predefinedMetricSpecification"]
    assert spec["predefinedMetricType"] == "ALBRequestCountPerTarget"
    # The ALB's and the target group's ARN suffixes (as the mocks name them: app/<name>/..., targetgroup/<name>/...).
    lb, tg = plan.one("aws:lb/loadBalancer:LoadBalancer").name, plan.one("aws:lb/targetGroup:TargetGroup").name
    assert spec["resourceLabel"] == f"app/{lb}/mock000000000000/targetgroup/{tg}/mock000000000000"
    # 43.2 requests/s per task (capacity.api_figure), counted per minute.
    assert config["targetValue"] == int(capacity.api_figure(1).value * 60) == 2592


def test_without_a_capacity_the_api_scales_on_cpu_only():
    plan = plan_of("prod", "capacity.requests_per_second=null", "api.max_replicas=4", "queue.max_replicas=4")
    assert {p.name for p in plan.by_type(POLICY)} == {"agent-service-api-cpu", "agent-service-queue-backlog"}


def test_the_dimension_follows_the_stack_name():
    plan = plan_of("dev", "queue.max_replicas=2", "queue.postgres_pool_max_size=10")
    queue = {p.name: p.inputs for p in plan.by_type(POLICY)}["agent-service-queue-backlog"]
    pending = metrics_of(queue)["pending"]["metricStat"]["metric"]
    assert pending["dimensions"] == [{"name": contract.STACK_DIMENSION, "value": "dev"}]
    # dev's default jobs per worker, since dev sets no capacity.
    assert queue["targetTrackingScalingPolicyConfiguration"]["targetValue"] == contract.DEFAULT_N_JOBS_PER_WORKER


def _pascal(value):
    """Pulumi's camelCase inputs as the AWS API's PascalCase request members."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def test_every_scaling_policy_validates_against_botocores_application_autoscaling_model():
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("application-autoscaling")
    shape = model.operation_model("PutScalingPolicy").input_shape
    found = policies("prod")
    for name, policy in found.items():
        request = {"PolicyName": name, "ServiceNamespace": "ecs", "ResourceId": "service/langgraph-prod/x",
                   "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
                   "TargetTrackingScalingPolicyConfiguration": _pascal(policy["targetTrackingScalingPolicyConfiguration"])}
        report = ParamValidator().validate(request, shape)
        assert not report.has_errors(), (name, report.generate_report())
    queue = found["agent-service-queue-backlog"]
    # The model does catch a malformed policy (a metric without its id).
    broken = _pascal(queue["targetTrackingScalingPolicyConfiguration"])
    del broken["CustomizedMetricSpecification"]["Metrics"][0]["Id"]
    assert ParamValidator().validate({**request, "TargetTrackingScalingPolicyConfiguration": broken}, shape).has_errors()
