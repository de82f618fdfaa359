"""The AWS alarms and their notification topic, as the real stack program registers them under Pulumi's mocks.

Given the dev and prod stacks, when planned, then each alarm watches the metric, namespace and dimensions of a
resource the stack itself creates (a dimension naming anything else would never fire), with the profile's threshold,
and tells the stack's own encrypted topic, to which `alarms.notify` is subscribed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from langgraph_infra import contract
from langgraph_infra.aws import mocks as aws_mocks
from langgraph_infra.derive.connections import max_connections
from langgraph_infra.loading import build
from langgraph_infra.mocks import Where, mock_id
from tests.conftest import ROOT, plan_of

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
RDS = "aws:rds/instance:Instance"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
GIB = 1024 ** 3


def outputs(plan, type_: str, name: str | None = None) -> dict:
    """What the cloud returns for a resource the stack creates (the plan's mock of it)."""
    resource = plan.one(type_, name) if name else plan.one(type_)
    return aws_mocks.OUTPUTS[type_](resource.name, resource.inputs, Where("us-east-1"))


def alarms(plan) -> dict[str, dict]:
    return {r.inputs["name"].split("-", 2)[2]: r.inputs for r in plan.by_type(ALARM)}


def stack_config(stack: str):
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return build({key.split(":", 1)[1]: value for key, value in raw.items()})


def created_dimension_values(plan, stack: str) -> set[str]:
    """Every name or id of a resource this stack creates that a CloudWatch dimension may carry."""
    replicas = plan.one(REDIS).inputs["numCacheClusters"]
    group = mock_id(plan.one(REDIS).name, REDIS)
    return {
        outputs(plan, LB)["arnSuffix"], outputs(plan, TG)["arnSuffix"],
        plan.one("aws:ecs/cluster:Cluster").inputs["name"],
        *(s.inputs["name"] for s in plan.by_type("aws:ecs/service:Service")),
        mock_id(plan.one(RDS).name, RDS),
        *(f"{group}-{i:03d}" for i in range(1, replicas + 1)),
        stack,
    }


def dimensions_of(alarm: dict) -> list[dict]:
    if "metricQueries" in alarm:
        return [q["metric"]["dimensions"] for q in alarm["metricQueries"] if "metric" in q]
    return [alarm["dimensions"]]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_dimension_names_a_resource_the_stack_creates(stack):
    plan = plan_of(stack)
    known = created_dimension_values(plan, stack)
    found = alarms(plan)
    assert len(found) >= 12
    for key, alarm in found.items():
        for dims in dimensions_of(alarm):
            assert dims and set(dims.values()) <= known, f"{key}: {dims}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_alarm_tells_the_stacks_topic_when_it_fires_and_clears(stack):
    plan = plan_of(stack)
    topic = outputs(plan, "aws:sns/topic:Topic")["arn"]
    assert topic.endswith(f":langgraph-{stack}-alarms")
    for key, alarm in alarms(plan).items():
        assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic], key
        assert "\nFirst check: " in alarm["alarmDescription"], key


def test_the_topic_is_encrypted_with_a_key_cloudwatch_may_use():
    plan = plan_of("prod")
    key = plan.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert plan.one("aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == outputs(plan, "aws:kms/key:Key")["arn"]
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    publish = statements["CloudWatchPublishesAlarms"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(publish["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_prod_notifies_the_configured_address_by_email():
    [sub] = plan_of("prod").by_type("aws:sns/topicSubscription:TopicSubscription")
    assert (sub.inputs["protocol"], sub.inputs["endpoint"]) == ("email", "oncall@example.com")


def test_https_endpoints_and_addresses_get_one_subscription_each():
    plan = plan_of("dev", 'alarms.notify=["https://hooks.example.com/oncall", "team@example.com"]')
    subs = {s.inputs["endpoint"]: s.inputs["protocol"] for s in plan.by_type("aws:sns/topicSubscription:TopicSubscription")}
    assert subs == {"https://hooks.example.com/oncall": "https", "team@example.com": "email"}


def test_load_balancer_alarms_watch_the_stacks_alb_and_target_group():
    plan = plan_of("prod")
    lb, tg = outputs(plan, LB)["arnSuffix"], outputs(plan, TG)["arnSuffix"]
    found = alarms(plan)
    rate = found["api-5xx-rate"]
    metrics = {q["metric"]["metricName"]: q["metric"] for q in rate["metricQueries"] if "metric" in q}
    assert set(metrics) == {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"}
    assert all(m["namespace"] == "AWS/ApplicationELB" and m["dimensions"] == {"LoadBalancer": lb} and m["stat"] == "Sum"
               for m in metrics.values())
    [result] = [q for q in rate["metricQueries"] if q.get("returnData")]
    assert "target5xx" in result["expression"] and "/ requests" in result["expression"]
    assert rate["threshold"] == 2.0
    latency = found["api-latency-p95"]
    assert (latency["namespace"], latency["metricName"], latency["extendedStatistic"]) == (
        "AWS/ApplicationELB", "TargetResponseTime", "p95")
    assert latency["dimensions"] == {"LoadBalancer": lb, "TargetGroup": tg} and latency["threshold"] == 10.0
    healthy = found["api-unhealthy"]
    assert (healthy["metricName"], healthy["comparisonOperator"], healthy["threshold"]) == (
        "HealthyHostCount", "LessThanThreshold", stack_config("prod").api.min_replicas)
    assert healthy["treatMissingData"] == "breaching"


@pytest.mark.parametrize("role", ["api", "queue"])
def test_missing_tasks_are_counted_by_container_insights_on_the_stacks_service(role):
    plan = plan_of("prod")
    alarm = alarms(plan)[f"{role}-tasks-missing"]
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "ECS/ContainerInsights", "RunningTaskCount", "Minimum")
    assert alarm["dimensions"] == {"ClusterName": "langgraph-prod", "ServiceName": f"langgraph-prod-{role}"}
    assert plan.one("aws:ecs/service:Service", f"agent-service-{role}").inputs["name"] == f"langgraph-prod-{role}"
    assert alarm["threshold"] == getattr(stack_config("prod"), role).min_replicas
    assert alarm["comparisonOperator"] == "LessThanThreshold"
    assert alarm["treatMissingData"] == "breaching"


def test_queue_alarms_read_what_the_collector_publishes():
    plan = plan_of("prod")
    found = alarms(plan)
    backlog, workers = found["queue-backlog"], found["queue-no-workers"]
    assert (backlog["namespace"], backlog["metricName"], backlog["dimensions"]) == (
        contract.METRIC_NAMESPACE, contract.PENDING_RUNS_METRIC, {contract.STACK_DIMENSION: "prod"})
    # Beyond what queue scaling absorbs: one worker's slots waiting per worker, at the queue's largest.
    queue = stack_config("prod").queue
    assert backlog["threshold"] == queue.n_jobs_per_worker * queue.max_replicas
    assert backlog["evaluationPeriods"] == backlog["datapointsToAlarm"] == 5
    assert (workers["metricName"], workers["comparisonOperator"], workers["threshold"]) == (
        "WorkersAvailable", "LessThanThreshold", 1)
    assert workers["treatMissingData"] == "breaching"
    # The same namespace and dimension the sidecar's EMF exporter declares for these metrics.
    task = plan.one("aws:ecs/taskDefinition:TaskDefinition", "agent-service-api")
    [sidecar] = [c for c in json.loads(task.inputs["containerDefinitions"]) if c["name"] == "otel-collector"]
    emf = yaml.safe_load(sidecar["environment"][0]["value"])["exporters"]["awsemf"]
    assert emf["namespace"] == backlog["namespace"]
    declared = {m for d in emf["metric_declarations"] if d["dimensions"] == [list(backlog["dimensions"])]
                for m in d["metric_name_selectors"]}
    assert {"PendingRuns", "WorkersAvailable"} <= declared


def test_postgres_alarms_watch_the_stacks_instance_against_its_own_budget():
    plan = plan_of("prod")
    cfg = stack_config("prod")
    instance = {"DBInstanceIdentifier": mock_id(plan.one(RDS).name, RDS)}
    found = alarms(plan)
    for key, metric in [("postgres-cpu", "CPUUtilization"), ("postgres-free-storage", "FreeStorageSpace"),
                        ("postgres-connections", "DatabaseConnections")]:
        assert (found[key]["namespace"], found[key]["metricName"], found[key]["dimensions"]) == (
            "AWS/RDS", metric, instance), key
    assert found["postgres-cpu"]["threshold"] == 80
    storage_gib = plan.one(RDS).inputs["allocatedStorage"]
    assert found["postgres-free-storage"]["threshold"] == storage_gib * GIB * 20 // 100
    assert found["postgres-free-storage"]["comparisonOperator"] == "LessThanThreshold"
    budget = max_connections(cfg) - cfg.postgres.connection_reserve
    assert budget > 0
    assert found["postgres-connections"]["threshold"] == budget * 80 // 100


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_redis_alarms_watch_every_node_of_the_stacks_group(stack):
    plan = plan_of(stack)
    group = plan.one(REDIS)
    nodes = [f"{mock_id(group.name, REDIS)}-{i:03d}" for i in range(1, group.inputs["numCacheClusters"] + 1)]
    found = alarms(plan)
    memory = [a for k, a in sorted(found.items()) if k.startswith("redis-memory-")]
    evictions = [a for k, a in sorted(found.items()) if k.startswith("redis-evictions-")]
    assert [a["dimensions"]["CacheClusterId"] for a in memory] == nodes
    assert [a["dimensions"]["CacheClusterId"] for a in evictions] == nodes
    assert all(a["metricName"] == "DatabaseMemoryUsagePercentage" and a["namespace"] == "AWS/ElastiCache"
               for a in memory)
    assert all(a["metricName"] == "Evictions" and a["statistic"] == "Sum" for a in evictions)


def test_prod_thresholds_are_stricter_and_sooner_than_devs():
    dev, prod = alarms(plan_of("dev")), alarms(plan_of("prod"))
    for key in ("api-5xx-rate", "api-latency-p95", "postgres-cpu", "redis-memory-1",
                "redis-evictions-1"):
        assert prod[key]["threshold"] < dev[key]["threshold"], key
    def free_share(stack: str, found: dict) -> float:
        return found["postgres-free-storage"]["threshold"] / (plan_of(stack).one(RDS).inputs["allocatedStorage"] * GIB)

    assert free_share("prod", prod) > free_share("dev", dev)
    assert prod["queue-backlog"]["evaluationPeriods"] < dev["queue-backlog"]["evaluationPeriods"]


def test_one_threshold_is_overridden_and_the_rest_keep_the_profile():
    base, tuned = alarms(plan_of("prod")), alarms(plan_of("prod", "alarms.pending_runs=5"))
    assert tuned["queue-backlog"]["threshold"] == 5
    assert tuned["postgres-cpu"]["threshold"] == base["postgres-cpu"]["threshold"]


def test_alarms_can_be_turned_off_in_dev():
    plan = plan_of("dev", "alarms.enabled=false")
    assert not plan.by_type(ALARM) and not plan.by_type("aws:sns/topic:Topic")


def test_the_topic_arn_is_exported():
    plan = plan_of("prod")
    assert plan.redacted_outputs()["alarm_topic_arn"] == outputs(plan, "aws:sns/topic:Topic")["arn"]


def test_the_readme_documents_every_alarm():
    text = (ROOT / "docs" / "operations.md").read_text()
    for key in alarms(plan_of("prod")):
        generic = key.rsplit("-", 1)[0] if key[-1].isdigit() else key
        assert f"`{generic}" in text, key
    assert Path(ROOT / "README.md").read_text().count("docs/operations.md") >= 1
