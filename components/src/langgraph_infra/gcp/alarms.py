"""Alarms: Cloud Monitoring alert policies on the stack's own API (its Cloud Run service, or on GKE its Gateway's
load balancer and Deployment), queue, Cloud SQL instance and Memorystore instance, and one notification channel per
`alarms.notify` target (e-mail, or a webhook for https).

The same alarms as on AWS, by the same keys, each a plain `AlarmSpec` first (`alarm_specs`) so what it watches is
testable; every policy's documentation says what it means and the first thing to check. Only the API's three
service signals differ between runtimes (`cloud_run_api_alarms`, `gke_api_alarms`); the server's own metrics (the
collector's, the same on both) and the data tier's are read alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from .. import contract
from ..config import AlarmSettings
from ..naming import child
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
    """The API's Cloud Run service (on GKE, its Kubernetes Service)."""
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
    gke: GkeApi | None = None
    """The API on GKE: its alarms then read the Gateway's load balancer and the Deployment's available replicas
    instead of Cloud Run's metrics (`api_service_name` is then the Kubernetes Service). Default: none, Cloud Run."""


@dataclass(frozen=True)
class GkeApi:
    """The API on GKE as Cloud Monitoring names it: the cluster, and the namespace, Service and Deployment in it."""

    cluster: str
    """The cluster's name."""
    location: str
    """The cluster's region or zone."""
    namespace: str
    """The namespace of the API's objects."""
    service: str
    """The API's Service: the load balancer's backend service is named after it."""
    deployment: str
    """The API's Deployment."""
    port: int = contract.PORT
    """The Service's port. Default: the server's."""


@dataclass(frozen=True)
class Names:
    api_service: str
    db_instance: str
    redis_instance: str


def cloud_run_filter(metric: str, service: str) -> str:
    return f'metric.type="{metric}" AND resource.type="cloud_run_revision" AND resource.label.service_name="{service}"'


# The GKE Gateway's (and GKE Ingress's) load balancer: its backend service for a Service port is named
# `gkegw1-<4>-<namespace>-<service>-<port>-<12>` (Gateway; Ingress: `k8s1-<8>-...-<8>`), the namespace and the
# service name each cut to fit 63 characters (seen: `gkegw1-jgyx-kalchem-access-advisor-middleware-8000-...` for
# namespace `kalchemy`). Metrics: loadbalancing.googleapis.com/https/* on the `https_lb_rule` resource, whose
# `backend_target_name` label is that backend service (https://cloud.google.com/load-balancing/docs/metrics).
LB_METRIC_PREFIX = "loadbalancing.googleapis.com/https/"
LB_PROMQL_PREFIX = "loadbalancing_googleapis_com:https_"
# GKE's kube-state-metrics package (cluster monitoring component DEPLOYMENT), written through Managed Service for
# Prometheus with the Deployment's `cluster`, `namespace` and `deployment` labels
# (https://cloud.google.com/kubernetes-engine/docs/how-to/kube-state-metrics).
AVAILABLE_REPLICAS = "kube_deployment_status_replicas_available"


def _prefixes(name: str) -> str:
    """A regular expression for every non-empty prefix of a DNS label (`ab` -> `a(?:b)?`)."""
    return name[0] + "".join(f"(?:{c}" for c in name[1:]) + ")?" * (len(name) - 1)


def backend_service_regex(g: GkeApi) -> str:
    """The backend service of the API's Service port, as the Gateway or Ingress controller names it (RE2, matched
    whole: both Cloud Monitoring's `monitoring.regex.full_match` and PromQL's `=~` anchor it)."""
    return (f"(?:gkegw1|k8s1)-[a-z0-9]+-{_prefixes(g.namespace)}-{_prefixes(g.service)}-{g.port}-[a-z0-9]+")


def lb_filter(metric: str, g: GkeApi) -> str:
    return (f'metric.type="{LB_METRIC_PREFIX}{metric}" AND resource.type="https_lb_rule" AND '
            f'resource.label.backend_target_name=monitoring.regex.full_match("{backend_service_regex(g)}")')


def lb_promql(metric: str, g: GkeApi, extra: str = "") -> str:
    return (f'{LB_PROMQL_PREFIX}{metric}{{monitored_resource="https_lb_rule",'
            f'backend_target_name=~"{backend_service_regex(g)}"{extra}}}')


def replicas_promql(g: GkeApi) -> str:
    return (f'{AVAILABLE_REPLICAS}{{cluster="{g.cluster}",location="{g.location}",namespace="{g.namespace}",'
            f'deployment="{g.deployment}"}}')


def server_filter(metric: str, stack: str) -> str:
    return f'metric.type="{collector.metric_type(metric)}" AND metric.label.{contract.STACK_DIMENSION}="{stack}"'


def sql_filter(metric: str, project: str, instance: str) -> str:
    return (f'metric.type="cloudsql.googleapis.com/database/{metric}" AND resource.type="cloudsql_database" AND '
            f'resource.label.database_id="{project}:{instance}"')


def redis_filter(metric: str, project: str, region: str, instance: str) -> str:
    return (f'metric.type="redis.googleapis.com/{metric}" AND resource.type="redis_instance" AND '
            f'resource.label.instance_id="projects/{project}/locations/{region}/instances/{instance}"')


def cloud_run_api_alarms(a: AlarmsArgs, service: str) -> list[AlarmSpec]:
    """The API's service signals on Cloud Run: the service's own request count, latencies and instance count."""
    s = a.settings
    minutes = s.evaluation_minutes * 60
    run = f'monitored_resource="cloud_run_revision",service_name="{service}"'
    return [
        AlarmSpec(
            key="api-5xx-rate", threshold=s.http_5xx_percent, duration_seconds=minutes,
            meaning=f"More than {s.http_5xx_percent:g}% of API requests failed with a 5xx for {s.evaluation_minutes} min.",
            first_check="the API service's logs for tracebacks, then the Postgres and Redis alerts.",
            promql=(f'100 * sum(rate(run_googleapis_com:request_count{{{run},response_code_class="5xx"}}[5m])) / '
                    f'sum(rate(run_googleapis_com:request_count{{{run}}}[5m])) > {s.http_5xx_percent:g}')),
        AlarmSpec(
            key="api-latency-p95", filter=cloud_run_filter("run.googleapis.com/request_latencies", service),
            aligner="ALIGN_PERCENTILE_95", threshold=s.p95_latency_seconds * 1000, duration_seconds=minutes,
            meaning=f"p95 request latency above {s.p95_latency_seconds:g} s for {s.evaluation_minutes} min.",
            first_check="the API instances' CPU and count, then Cloud SQL CPU and connections."),
        AlarmSpec(
            key="api-instances-missing",
            filter=cloud_run_filter("run.googleapis.com/container/instance_count", service),
            reducer="REDUCE_SUM", comparison="COMPARISON_LT", threshold=a.api_min_replicas, duration_seconds=minutes,
            absent_too=True,
            meaning=f"Fewer than {a.api_min_replicas} API instances running.",
            first_check="the service's revisions and their start-up probe failures (Cloud Run console)."),
    ]


def gke_api_alarms(a: AlarmsArgs, g: GkeApi) -> list[AlarmSpec]:
    """The API's service signals on GKE: the Gateway's load balancer (5xx, backend latency) in front of the API's
    Service, and kube-state-metrics' available replicas of its Deployment."""
    s = a.settings
    minutes = s.evaluation_minutes * 60
    kubectl = f"kubectl -n {g.namespace}"
    # The load balancer's `response_code_class` is the class as a number (500 for every 5xx).
    failed, every = lb_promql("request_count", g, ',response_code_class="500"'), lb_promql("request_count", g)
    return [
        AlarmSpec(
            key="api-5xx-rate", threshold=s.http_5xx_percent, duration_seconds=minutes,
            meaning=(f"More than {s.http_5xx_percent:g}% of API requests at the load balancer failed with a 5xx for "
                     f"{s.evaluation_minutes} min."),
            first_check=(f"`{kubectl} logs deploy/{g.deployment} -c agent-server` for tracebacks, then the Postgres "
                         "and Redis alerts; 502/503 alone: the pods' readiness (no healthy endpoint behind the "
                         "Gateway)."),
            promql=f"100 * sum(rate({failed}[5m])) / sum(rate({every}[5m])) > {s.http_5xx_percent:g}"),
        AlarmSpec(
            key="api-latency-p95", filter=lb_filter("backend_latencies", g), aligner="ALIGN_PERCENTILE_95",
            threshold=s.p95_latency_seconds * 1000, duration_seconds=minutes,
            meaning=(f"p95 backend latency at the load balancer above {s.p95_latency_seconds:g} s for "
                     f"{s.evaluation_minutes} min."),
            first_check="the API pods' CPU and count against the HPA's maximum, then Cloud SQL CPU and connections."),
        AlarmSpec(
            key="api-instances-missing", duration_seconds=minutes,
            meaning=f"Fewer than {a.api_min_replicas} API pods available, or none reported.",
            first_check=(f"`{kubectl} describe deploy/{g.deployment}` and its pods' events: image admission, "
                         "start-up probe failures, pods pending for capacity."),
            # `or vector(0)`: no series (the Deployment gone, or kube-state-metrics silent) counts as none available.
            promql=f"(sum({replicas_promql(g)}) or vector(0)) < {a.api_min_replicas}"),
    ]


def alarm_specs(a: AlarmsArgs, n: Names) -> list[AlarmSpec]:
    s = a.settings
    minutes = s.evaluation_minutes * 60
    api = gke_api_alarms(a, a.gke) if a.gke else cloud_run_api_alarms(a, n.api_service)
    workers = f"the queue's pods (`kubectl -n {a.gke.namespace} get pods`)" if a.gke else "the worker pool's instances"
    return [
        *api,
        AlarmSpec(
            key="queue-backlog", filter=server_filter(contract.PENDING_RUNS_METRIC, a.stack), threshold=s.pending_runs,
            duration_seconds=minutes,
            meaning=f"More than {s.pending_runs} runs waiting in the queue for {s.evaluation_minutes} min.",
            first_check=f"{workers} and WorkersAvailable; all busy: raise the queue's replicas."),
        AlarmSpec(
            key="queue-no-workers", filter=server_filter("WorkersAvailable", a.stack), comparison="COMPARISON_LT",
            threshold=1, duration_seconds=minutes, absent_too=True,
            meaning=f"No queue worker had a free slot for {s.evaluation_minutes} min, or none reported.",
            first_check=f"{workers} and their otel-collector logs, then runs that never finish."),
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
