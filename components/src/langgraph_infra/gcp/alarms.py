"""Alarms: Cloud Monitoring alert policies on the stack's own Cloud Run service, queue, Cloud SQL instance and
Memorystore instance, and one notification channel per `alarms.notify` target (e-mail, or a webhook for https).

The same alarms as on AWS, by the same keys, each a plain `AlarmSpec` first (`alarm_specs`) so what it watches is
testable; every policy's documentation says what it means and the first thing to check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from .. import contract
from ..naming import child
from ..observability import AlarmSettings
from . import collector

TYPE = "langgraph-infra:gcp:Alarms"


@dataclass(frozen=True)
class AlarmSpec:
    """One alert policy: a threshold on a Cloud Monitoring filter (or a PromQL condition), optionally also firing
    when the metric is absent."""

    key: str
    meaning: str
    first_check: str
    threshold: float = 0
    comparison: str = "COMPARISON_GT"
    filter: str = ""
    aligner: str = "ALIGN_MAX"
    reducer: str = "REDUCE_MAX"
    period_seconds: int = 60
    duration_seconds: int = 300
    absent_too: bool = False
    """Also fire when no point arrives for `duration_seconds` (nothing reporting is as bad)."""
    promql: str = ""
    """A PromQL condition instead of `filter` (for ratios)."""

    @property
    def documentation(self) -> str:
        return f"{self.meaning}\n\nFirst check: {self.first_check}"


@dataclass
class AlarmsArgs:
    """What the alert policies watch (every name is one the stack creates) and who they tell."""

    prefix: str
    """Prefix of the policies' display names (e.g. `langgraph-gcp-prod`)."""
    stack: str
    """The `Stack` label of the server metrics the collector publishes."""
    project: str
    """The project of the monitored resources (and of the policies, through the provider)."""
    region: str
    """The region of the Memorystore instance."""
    settings: AlarmSettings
    """Thresholds and `notify` (e-mail addresses and https:// endpoints)."""
    api_service_name: pulumi.Input[str]
    """The API's Cloud Run service."""
    api_min_replicas: int
    """API instances that must always run."""
    db_connection_budget: int
    """Connections the stack may open (max_connections minus the reserve)."""
    db_instance_name: pulumi.Input[str]
    """The Cloud SQL instance (its `database_id` label is `<project>:<name>`)."""
    redis_instance_name: pulumi.Input[str]
    """The Memorystore instance (its `instance_id` label is `projects/<p>/locations/<region>/instances/<name>`)."""
    labels: dict[str, str] = field(default_factory=dict)
    """User labels on the policies and channels. Default: none beyond what the provider adds."""


@dataclass(frozen=True)
class Names:
    api_service: str
    db_instance: str
    redis_instance: str


def cloud_run_filter(metric: str, service: str) -> str:
    return f'metric.type="{metric}" AND resource.type="cloud_run_revision" AND resource.label.service_name="{service}"'


def server_filter(metric: str, stack: str) -> str:
    return f'metric.type="{collector.metric_type(metric)}" AND metric.label.{contract.STACK_DIMENSION}="{stack}"'


def sql_filter(metric: str, project: str, instance: str) -> str:
    return (f'metric.type="cloudsql.googleapis.com/database/{metric}" AND resource.type="cloudsql_database" AND '
            f'resource.label.database_id="{project}:{instance}"')


def redis_filter(metric: str, project: str, region: str, instance: str) -> str:
    return (f'metric.type="redis.googleapis.com/{metric}" AND resource.type="redis_instance" AND '
            f'resource.label.instance_id="projects/{project}/locations/{region}/instances/{instance}"')


def alarm_specs(a: AlarmsArgs, n: Names) -> list[AlarmSpec]:
    s = a.settings
    minutes = s.evaluation_minutes * 60
    run = f'monitored_resource="cloud_run_revision",service_name="{n.api_service}"'
    return [
        AlarmSpec(
            key="api-5xx-rate", threshold=s.http_5xx_percent, duration_seconds=minutes,
            meaning=f"More than {s.http_5xx_percent:g}% of API requests failed with a 5xx for {s.evaluation_minutes} min.",
            first_check="the API service's logs for tracebacks, then the Postgres and Redis alerts.",
            promql=(f'100 * sum(rate(run_googleapis_com:request_count{{{run},response_code_class="5xx"}}[5m])) / '
                    f'sum(rate(run_googleapis_com:request_count{{{run}}}[5m])) > {s.http_5xx_percent:g}')),
        AlarmSpec(
            key="api-latency-p95", filter=cloud_run_filter("run.googleapis.com/request_latencies", n.api_service),
            aligner="ALIGN_PERCENTILE_95", threshold=s.p95_latency_seconds * 1000, duration_seconds=minutes,
            meaning=f"p95 request latency above {s.p95_latency_seconds:g} s for {s.evaluation_minutes} min.",
            first_check="the API instances' CPU and count, then Cloud SQL CPU and connections."),
        AlarmSpec(
            key="api-instances-missing",
            filter=cloud_run_filter("run.googleapis.com/container/instance_count", n.api_service),
            reducer="REDUCE_SUM", comparison="COMPARISON_LT", threshold=a.api_min_replicas, duration_seconds=minutes,
            absent_too=True,
            meaning=f"Fewer than {a.api_min_replicas} API instances running.",
            first_check="the service's revisions and their start-up probe failures (Cloud Run console)."),
        AlarmSpec(
            key="queue-backlog", filter=server_filter(contract.PENDING_RUNS_METRIC, a.stack), threshold=s.pending_runs,
            duration_seconds=minutes,
            meaning=f"More than {s.pending_runs} runs waiting in the queue for {s.evaluation_minutes} min.",
            first_check="the worker pool's instances and WorkersAvailable; all busy: raise the queue's replicas."),
        AlarmSpec(
            key="queue-no-workers", filter=server_filter("WorkersAvailable", a.stack), comparison="COMPARISON_LT",
            threshold=1, duration_seconds=minutes, absent_too=True,
            meaning=f"No queue worker had a free slot for {s.evaluation_minutes} min, or none reported.",
            first_check="the worker pool's instances and their otel-collector logs, then runs that never finish."),
        AlarmSpec(
            key="postgres-cpu", filter=sql_filter("cpu/utilization", a.project, n.db_instance), aligner="ALIGN_MEAN",
            threshold=s.postgres_cpu_percent / 100, duration_seconds=minutes,
            meaning=f"Cloud SQL CPU above {s.postgres_cpu_percent}% for {s.evaluation_minutes} min.",
            first_check="Query Insights' top queries, then the run rate; then postgres.instance_class."),
        AlarmSpec(
            key="postgres-free-storage", filter=sql_filter("disk/utilization", a.project, n.db_instance),
            threshold=1 - s.postgres_free_storage_percent / 100, period_seconds=300,
            meaning=f"Less than {s.postgres_free_storage_percent}% of the Cloud SQL disk free.",
            first_check="the largest tables (checkpoints, runs) and thread TTLs; then postgres.storage_gib."),
        AlarmSpec(
            key="postgres-connections", filter=sql_filter("postgresql/num_backends", a.project, n.db_instance),
            reducer="REDUCE_SUM", threshold=a.db_connection_budget * s.postgres_connections_percent // 100,
            duration_seconds=minutes,
            meaning=(f"Postgres connections above {s.postgres_connections_percent}% of the stack's budget "
                     f"({a.db_connection_budget})."),
            first_check="instance counts against max_replicas, the pool sizes, then idle sessions."),
        AlarmSpec(
            key="redis-memory", filter=redis_filter("stats/memory/usage_ratio", a.project, a.region, n.redis_instance),
            threshold=s.redis_memory_percent / 100, duration_seconds=minutes,
            meaning=f"Memorystore memory above {s.redis_memory_percent}%.",
            first_check="stream sizes and the run rate; then redis.memory_size_gib, before evictions."),
        AlarmSpec(
            key="redis-evictions", filter=redis_filter("stats/evicted_keys", a.project, a.region, n.redis_instance),
            aligner="ALIGN_DELTA", reducer="REDUCE_SUM", threshold=s.redis_evictions, period_seconds=300,
            duration_seconds=0,
            meaning=f"Memorystore evicted over {s.redis_evictions} keys in 5 min: streams can be lost.",
            first_check="the instance's memory, then a larger redis.memory_size_gib."),
    ]


def conditions(spec: AlarmSpec) -> list[gcp.monitoring.AlertPolicyConditionArgsDict]:
    """The alert policy's conditions (as `gcp.monitoring.AlertPolicy` inputs)."""
    if spec.promql:
        return [{"display_name": spec.key, "condition_prometheus_query_language": {
            "query": spec.promql, "duration": f"{spec.duration_seconds}s", "evaluation_interval": "60s"}}]
    aggregation: gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgsDict = {
        "alignment_period": f"{spec.period_seconds}s", "per_series_aligner": spec.aligner,
        "cross_series_reducer": spec.reducer}
    found: list[gcp.monitoring.AlertPolicyConditionArgsDict] = [{"display_name": spec.key, "condition_threshold": {
        "filter": spec.filter, "comparison": spec.comparison, "threshold_value": spec.threshold,
        "duration": f"{spec.duration_seconds}s", "aggregations": [aggregation]}}]
    if spec.absent_too:
        absent: gcp.monitoring.AlertPolicyConditionConditionAbsentAggregationArgsDict = {
            "alignment_period": f"{spec.period_seconds}s", "per_series_aligner": spec.aligner,
            "cross_series_reducer": spec.reducer}
        found.append({"display_name": f"{spec.key} (no data)", "condition_absent": {
            "filter": spec.filter, "duration": f"{max(spec.duration_seconds, 120)}s", "aggregations": [absent]}})
    return found


def channel(target: str) -> tuple[str, dict[str, str]]:
    """(type, labels) of the notification channel for an e-mail address or an https endpoint."""
    if target.startswith("https://"):
        return "webhook_tokenauth", {"url": target}
    return "email", {"email_address": target}


def _spec(args: AlarmsArgs, index: int, names: Names) -> AlarmSpec:
    return alarm_specs(args, names)[index]


def _documentation(spec: AlarmSpec) -> str:
    return spec.documentation


class Alarms(pulumi.ComponentResource):
    """Outputs: `channel_ids`, `policy_names`."""

    channel_ids: list[pulumi.Output[str]]
    policy_names: list[pulumi.Output[str]]

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child_opts = pulumi.ResourceOptions(parent=self)
        channels = []
        for i, target in enumerate(args.settings.notify):
            kind, labels = channel(target)
            channels.append(gcp.monitoring.NotificationChannel(
                child(name, f"notify-{i}"), display_name=f"{args.prefix} on-call {i + 1}", type=kind, labels=labels,
                user_labels=args.labels, opts=child_opts))
        self.channel_ids = [c.id for c in channels]
        names = pulumi.Output.all(args.api_service_name, args.db_instance_name, args.redis_instance_name).apply(
            lambda v: Names(api_service=v[0], db_instance=v[1], redis_instance=v[2]))
        # The count of policies does not depend on the names: one placeholder Names gives the keys.
        keys = [spec.key for spec in alarm_specs(args, Names("", "", ""))]
        self.policies = []
        for index, key in enumerate(keys):
            spec = names.apply(functools.partial(_spec, args, index))
            self.policies.append(gcp.monitoring.AlertPolicy(
                child(name, key), display_name=f"{args.prefix} {key}", combiner="OR",
                conditions=spec.apply(conditions),
                documentation={"content": spec.apply(_documentation), "mime_type": "text/markdown"},
                notification_channels=self.channel_ids, user_labels=args.labels, opts=child_opts))
        self.policy_names = [p.name for p in self.policies]
        self.register_outputs({"channel_ids": self.channel_ids, "policy_names": self.policy_names})
