"""Alarms: CloudWatch alarms on the stack's own load balancer, services, queue, database and cache, and the SNS topic
(encrypted with a key of the stack's own) that tells the people in `alarms.notify`.

Each alarm is a plain `AlarmSpec` first (`alarm_specs`), so what it watches, its threshold and its advice to the
person paged are testable without a cloud; the component only registers them. Every description says what the alarm
means and the first thing to check: it is the text of the notification.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .. import contract
from ..config import AlarmSettings
from ..naming import child

TYPE = "langgraph-infra:aws:Alarms"
GIB = 1024 ** 3
ALB = "AWS/ApplicationELB"
ECS_INSIGHTS = "ECS/ContainerInsights"


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch alarm on one metric (or a metric-math expression over `queries`)."""

    key: str
    """Short id, part of the alarm's name (`<prefix>-<key>`)."""
    meaning: str
    """What it means when it fires."""
    first_check: str
    """The first thing the person paged should look at."""
    threshold: float
    comparison: str
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    statistic: str | None = None
    extended_statistic: str | None = None
    period_seconds: int = 60
    evaluation_periods: int = 5
    treat_missing_data: str = "notBreaching"
    queries: list[dict[str, Any]] = field(default_factory=list)
    """Metric math: each `{"id", "expression"}` or `{"id", "namespace", "metric_name", "dimensions", "stat"}`; the
    one with `return_data` is compared."""

    @property
    def description(self) -> str:
        """The alarm's description, the text of its notification: the meaning, then the first check."""
        return f"{self.meaning}\nFirst check: {self.first_check}"


@dataclass
class WatchedResources:
    """The stack's own resources the alarms and the dashboard watch, by the names CloudWatch's dimensions use."""

    load_balancer_arn_suffix: pulumi.Input[str]
    """The API load balancer (`app/<name>/<id>`), the `LoadBalancer` dimension."""
    target_group_arn_suffix: pulumi.Input[str]
    """The API target group (`targetgroup/<name>/<id>`), the `TargetGroup` dimension."""
    cluster_name: pulumi.Input[str]
    """The ECS cluster (Container Insights on)."""
    api_service_name: pulumi.Input[str]
    """The API's ECS service."""
    queue_service_name: pulumi.Input[str]
    """The queue's ECS service."""
    db_instance_id: pulumi.Input[str]
    """The RDS instance identifier."""
    cache_node_ids: Sequence[pulumi.Input[str]]
    """The ElastiCache nodes (member clusters `<group>-001`, ...)."""
    db_connection_budget: int
    """Connections the stack may open (max_connections minus the reserve)."""


@dataclass
class AlarmsArgs:
    """What the alarms watch (every name and id is one the stack creates) and who they tell."""

    prefix: str
    """Prefix of the alarms' and the topic's names (e.g. `langgraph-prod`)."""
    stack: str
    """The stack's name: the `Stack` dimension of the server metrics the collector publishes."""
    settings: AlarmSettings
    """Thresholds and `notify` (e-mail addresses and https:// endpoints)."""
    watched: WatchedResources
    """The load balancer, services, database and cache the alarms' dimensions name."""
    api_min_replicas: int
    """API tasks that must always run and be healthy."""
    queue_min_replicas: int
    """Queue tasks that must always run."""
    db_storage_gib: int
    """The database's allocated storage, of which `postgres_free_storage_percent` must stay free."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the topic, key and alarms. Default: none beyond the provider's default tags."""


def _minutes(settings: AlarmSettings, period_seconds: int = 60) -> int:
    return max(1, settings.evaluation_minutes * 60 // period_seconds)


def alarm_specs(a: AlarmsArgs) -> list[AlarmSpec]:
    """Every alarm of the stack, from its settings and the names of what it watches."""
    s = a.settings
    n = _minutes(s)
    lb = {"LoadBalancer": a.watched.load_balancer_arn_suffix}
    lb_tg = {"LoadBalancer": a.watched.load_balancer_arn_suffix, "TargetGroup": a.watched.target_group_arn_suffix}
    stack = {contract.STACK_DIMENSION: a.stack}
    db = {"DBInstanceIdentifier": a.watched.db_instance_id}

    def alb(id_: str, metric: str) -> dict[str, Any]:
        return {"id": id_, "namespace": ALB, "metric_name": metric, "dimensions": lb, "stat": "Sum"}

    specs = [
        AlarmSpec(
            key="api-5xx-rate", threshold=s.http_5xx_percent, comparison="GreaterThanThreshold", evaluation_periods=n,
            meaning=f"More than {s.http_5xx_percent:g}% of API requests failed with a 5xx for {s.evaluation_minutes} min.",
            first_check="the API log group for tracebacks, then the Postgres and Redis alarms.",
            queries=[alb("target5xx", "HTTPCode_Target_5XX_Count"), alb("lb5xx", "HTTPCode_ELB_5XX_Count"),
                     alb("requests", "RequestCount"),
                     {"id": "rate", "expression": "100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / requests",
                      "label": "5xx % of requests", "return_data": True}]),
        AlarmSpec(
            key="api-latency-p95", namespace=ALB, metric_name="TargetResponseTime", dimensions=lb_tg,
            extended_statistic="p95", threshold=s.p95_latency_seconds, comparison="GreaterThanThreshold",
            evaluation_periods=n,
            meaning=f"p95 time to response headers above {s.p95_latency_seconds:g} s for {s.evaluation_minutes} min.",
            first_check="the API tasks' CPU and count, then Postgres CPU and connections.",
        ),
        AlarmSpec(
            key="api-unhealthy", namespace=ALB, metric_name="HealthyHostCount", dimensions=lb_tg,
            statistic="Minimum", threshold=a.api_min_replicas, comparison="LessThanThreshold", evaluation_periods=n,
            treat_missing_data="breaching",
            meaning=f"Fewer than {a.api_min_replicas} API tasks pass the load balancer's health check (GET /ok).",
            first_check="the API service's events and the stopped tasks' reasons (ECS console).",
        ),
        *(AlarmSpec(
            key=f"{role}-tasks-missing", namespace=ECS_INSIGHTS, metric_name="RunningTaskCount",
            dimensions={"ClusterName": a.watched.cluster_name, "ServiceName": service}, statistic="Minimum",
            threshold=minimum, comparison="LessThanThreshold", evaluation_periods=n, treat_missing_data="breaching",
            meaning=f"Fewer than {minimum} {role} tasks running.",
            first_check=f"the {role} service's events (image pull, secrets, health check), stopped tasks' reasons.",
        ) for role, service, minimum in (("api", a.watched.api_service_name, a.api_min_replicas),
                                          ("queue", a.watched.queue_service_name, a.queue_min_replicas))),
        AlarmSpec(
            key="queue-backlog", namespace=contract.METRIC_NAMESPACE, metric_name=contract.PENDING_RUNS_METRIC,
            dimensions=stack, statistic="Maximum", threshold=s.pending_runs, comparison="GreaterThanThreshold",
            evaluation_periods=n,
            meaning=f"More than {s.pending_runs} runs waiting in the queue for {s.evaluation_minutes} min.",
            first_check="the queue tasks and WorkersAvailable; all busy: raise queue.max_replicas.",
        ),
        AlarmSpec(
            key="queue-no-workers", namespace=contract.METRIC_NAMESPACE, metric_name="WorkersAvailable",
            dimensions=stack, statistic="Maximum", threshold=1, comparison="LessThanThreshold", evaluation_periods=n,
            # No figure at all means no queue worker (or no collector) reporting: as bad as none available.
            treat_missing_data="breaching",
            meaning=f"No queue worker had a free slot for {s.evaluation_minutes} min, or none reported.",
            first_check="the queue tasks and their otel-collector logs, then runs that never finish.",
        ),
        AlarmSpec(
            key="postgres-cpu", namespace="AWS/RDS", metric_name="CPUUtilization", dimensions=db,
            statistic="Average", threshold=s.postgres_cpu_percent, comparison="GreaterThanThreshold",
            evaluation_periods=n,
            meaning=f"Postgres CPU above {s.postgres_cpu_percent}% for {s.evaluation_minutes} min.",
            first_check="Performance Insights' top SQL, then the run rate; then postgres.instance_class.",
        ),
        AlarmSpec(
            key="postgres-free-storage", namespace="AWS/RDS", metric_name="FreeStorageSpace", dimensions=db,
            statistic="Minimum", threshold=a.db_storage_gib * GIB * s.postgres_free_storage_percent // 100,
            comparison="LessThanThreshold", period_seconds=300, evaluation_periods=1,
            meaning=f"Less than {s.postgres_free_storage_percent}% of {a.db_storage_gib} GiB free on Postgres.",
            first_check="the largest tables (checkpoints, runs) and thread TTLs; then postgres.storage_gib.",
        ),
        AlarmSpec(
            key="postgres-connections", namespace="AWS/RDS", metric_name="DatabaseConnections", dimensions=db,
            statistic="Maximum", threshold=a.watched.db_connection_budget * s.postgres_connections_percent // 100,
            comparison="GreaterThanThreshold", evaluation_periods=n,
            meaning=(f"Postgres connections above {s.postgres_connections_percent}% of the stack's budget "
                     f"({a.watched.db_connection_budget})."),
            first_check="task counts against max_replicas, the pool sizes, then idle sessions.",
        ),
    ]
    for i, node in enumerate(a.watched.cache_node_ids):
        node_dims = {"CacheClusterId": node}
        specs += [
            AlarmSpec(
                key=f"redis-memory-{i + 1}", namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage",
                dimensions=node_dims, statistic="Maximum", threshold=s.redis_memory_percent,
                comparison="GreaterThanThreshold", evaluation_periods=n,
                meaning=f"Redis node {i + 1} memory above {s.redis_memory_percent}%.",
                first_check="stream sizes and the run rate; then a larger redis.node_type, before evictions.",
            ),
            AlarmSpec(
                key=f"redis-evictions-{i + 1}", namespace="AWS/ElastiCache", metric_name="Evictions",
                dimensions=node_dims, statistic="Sum", threshold=s.redis_evictions,
                comparison="GreaterThanThreshold", period_seconds=300, evaluation_periods=1,
                meaning=f"Redis node {i + 1} evicted over {s.redis_evictions} keys in 5 min: streams can be lost.",
                first_check="the node's memory, then a larger redis.node_type.",
            ),
        ]
    return specs


def topic_key_policy(account_id: str) -> str:
    """The topic key's policy: the account administers it; CloudWatch may encrypt the alarm messages it publishes
    (an AWS-managed SNS key would refuse CloudWatch), and SNS decrypts them for delivery on the account's behalf."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudWatchPublishesAlarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
    ]}, sort_keys=True)


def protocol(target: str) -> str:
    return "https" if target.startswith("https://") else "email"


class Alarms(pulumi.ComponentResource):
    """Outputs: `topic_arn`, `alarm_names` (and `alarm_arns`)."""

    topic_arn: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]
    alarm_arns: list[pulumi.Output[str]]

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child_opts = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        key = aws.kms.Key(child(name, "key"), description=f"{args.prefix} alarm notifications",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          policy=account.apply(topic_key_policy), tags=args.tags, opts=child_opts)
        topic = aws.sns.Topic(child(name, "topic"), name=f"{args.prefix}-alarms", kms_master_key_id=key.arn,
                              tags=args.tags, opts=child_opts)
        for i, target in enumerate(args.settings.notify):
            aws.sns.TopicSubscription(child(name, f"notify-{i}"), topic=topic.arn, protocol=protocol(target),
                                      endpoint=target, opts=child_opts)
        self.alarms = [self._alarm(name, args, spec, topic.arn) for spec in alarm_specs(args)]
        self.topic_arn = topic.arn
        self.alarm_names = [alarm.name for alarm in self.alarms]
        self.alarm_arns = [alarm.arn for alarm in self.alarms]
        self.register_outputs({"topic_arn": self.topic_arn, "alarm_names": self.alarm_names})

    def _alarm(self, name: str, args: AlarmsArgs, spec: AlarmSpec, topic_arn: pulumi.Output[str]
               ) -> aws.cloudwatch.MetricAlarm:
        queries = [aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=q["id"], expression=q.get("expression"), label=q.get("label"), return_data=q.get("return_data"),
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=q["namespace"], metric_name=q["metric_name"], dimensions=q["dimensions"],
                stat=q["stat"], period=spec.period_seconds) if "metric_name" in q else None,
        ) for q in spec.queries]
        single = not queries
        return aws.cloudwatch.MetricAlarm(
            child(name, spec.key), name=f"{args.prefix}-{spec.key}", alarm_description=spec.description,
            namespace=spec.namespace if single else None, metric_name=spec.metric_name if single else None,
            dimensions=spec.dimensions if single else None, statistic=spec.statistic,
            extended_statistic=spec.extended_statistic, period=spec.period_seconds if single else None,
            metric_queries=queries or None, threshold=spec.threshold, comparison_operator=spec.comparison,
            evaluation_periods=spec.evaluation_periods, datapoints_to_alarm=spec.evaluation_periods,
            treat_missing_data=spec.treat_missing_data, alarm_actions=[topic_arn], ok_actions=[topic_arn],
            tags=args.tags, opts=pulumi.ResourceOptions(parent=self))
