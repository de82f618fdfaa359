"""Observability, once for every runtime: the `observability` and `alarms` settings, LangSmith tracing per stack, and
the OpenTelemetry collector's configuration that carries the server's own signals to the cloud.

What the Agent Server exposes (langgraph-api's `metrics_otlp.py`, `metrics_collector.py`, `api/meta.py`; checked
on the real server by tests/app/test_metrics.py): Prometheus text on `/metrics` of the API port and of the queue
worker's health port (the same `PORT`). Every process serves `lg_api_http_requests_total`; a process that runs
jobs serves `lg_api_workers_{max,active,available}`; the API process of the licensed Postgres runtime serves the
queue depth `lg_api_num_pending_runs` / `lg_api_num_running_runs` (the runtime's Go core reads it from the run
table; the queue worker leaves it to the API so the one global value is not reported twice). Its OTLP metric
export goes only to LangChain's own backend, so metrics are scraped; traces leave by standard OTLP
(`OTEL_EXPORTER_OTLP_ENDPOINT`, which also turns the server's OTel support on).

So one collector per replica (a sidecar sharing the replica's network namespace) scrapes `localhost:PORT/metrics`,
keeps the few series an operator acts on, renames them to cloud metric names (`CLOUD_METRICS`), labels them with
the stack, and exports them with the runtime's exporter; it receives traces on `localhost` OTLP and forwards them.
`collector_config` renders that for any runtime: a target only supplies its exporters (`Backend`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import contract
from .capacity import backlog_target

if TYPE_CHECKING:
    from .config import StackConfig

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
# The collector's own liveness endpoint (health_check extension) on loopback: the ADOT image's /healthcheck asks
# 127.0.0.1:13133, and nothing outside the replica needs it.
COLLECTOR_HEALTH_PORT = 13133
SCRAPE_INTERVAL_SECONDS = 30
METRICS_PATH = "/metrics"
# The server's Prometheus series the collector keeps, and the name each gets as a cloud metric. The queue backlog
# is published under the contract's name, which queue scaling and the backlog alarm read.
CLOUD_METRICS: dict[str, str] = {
    "lg_api_num_pending_runs": contract.PENDING_RUNS_METRIC,
    "lg_api_num_running_runs": contract.RUNNING_RUNS_METRIC,
    "lg_api_workers_available": "WorkersAvailable",
    "lg_api_workers_active": "WorkersActive",
    "lg_api_workers_max": "WorkersMax",
    "lg_api_http_requests_total": "ServerHttpRequests",
}
ROLE_DIMENSION = "Role"

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$")
_HTTPS = re.compile(r"^https://[^\s/]+(/\S*)?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ObservabilitySettings(_Model):
    """Where the server's traces and metrics go."""

    langsmith_project: str | None = Field(default=None, min_length=1, max_length=100)
    """`LANGSMITH_PROJECT`: the LangSmith project the server's run traces land in, when `secrets` has
    `LANGSMITH_API_KEY` (tracing is then on: `LANGSMITH_TRACING=true`; without the key it is off). Default: the
    stack's resource prefix (`<name>-<stack>`, e.g. `langgraph-dev`), so dev and prod traces never mix."""
    collector: bool = True
    """An OpenTelemetry collector beside every replica (aws: the AWS Distro sidecar; gcp: Google's build, as a Cloud
    Run sidecar or, on GKE, a native sidecar of each pod): it scrapes the server's `/metrics` into the cloud's metrics (queue depth, workers, HTTP) and
    forwards its OTLP traces (X-Ray; Cloud Trace). `false` leaves only the platform's own metrics, and the queue
    backlog and worker alarms and panels go without data. Default: on (ignored on local)."""


class AlarmSettings(_Model):
    """Alarms on the stack's own resources, each with its threshold; thresholds come from the environment's profile
    (prod stricter than dev) and each can be set alone."""

    enabled: bool = True
    """Create the alarms and the notification target (a dashboard is created either way on the clouds). Default:
    on in dev and prod, off on local (no cloud monitoring)."""
    notify: list[str] = []
    """Who is told when an alarm fires or clears: e-mail addresses and `https://` endpoints (aws: SNS subscriptions,
    each e-mail confirmed by its owner; gcp: notification channels). Default: none, which prod refuses."""
    evaluation_minutes: int = Field(default=5, ge=1, le=60)
    """How many consecutive minutes a condition must hold before its alarm fires. Default: 15 in dev, 5 in prod."""
    http_5xx_percent: float = Field(default=5.0, gt=0, le=100)
    """Server errors (5xx from the API or the load balancer) as a percentage of requests. Default: 10 in dev, 2 in
    prod."""
    p95_latency_seconds: float = Field(default=10.0, gt=0, le=3600)
    """95th percentile time to the response headers at the load balancer. Streams answer at once; `/runs/wait`
    waits for the run, so keep it above your longest expected run. Default: 30 in dev, 10 in prod."""
    pending_runs: int = Field(default=50, ge=0)
    """Runs waiting in the queue (`PendingRuns`) above which the backlog alarm fires. Default: in a stack, the backlog
    the queue's autoscaling aims for at `queue.max_replicas` (N_JOBS_PER_WORKER waiting runs per worker): the alarm
    fires when the queue is at its largest and still behind, never while it scales out as designed; 50 for the
    component used alone."""
    postgres_cpu_percent: int = Field(default=80, ge=1, le=100)
    """Database CPU. Default: 90 in dev, 80 in prod."""
    postgres_free_storage_percent: int = Field(default=10, ge=1, le=99)
    """Free storage as a percentage of `postgres.storage_gib`, below which the alarm fires. Default: 10 in dev, 20
    in prod."""
    postgres_connections_percent: int = Field(default=80, ge=1, le=100)
    """Open database connections as a percentage of the stack's connection budget (`max_connections` minus
    `postgres.connection_reserve`, the same arithmetic that checks the pools). Default: 90 in dev, 80 in prod."""
    redis_memory_percent: int = Field(default=80, ge=1, le=100)
    """Redis memory used, as a percentage of what the node or instance has. Default: 90 in dev, 80 in prod."""
    redis_evictions: int = Field(default=0, ge=0)
    """Keys Redis may evict per 5 minutes before the alarm fires (the server's stream and lock keys must not be
    evicted). Default: 100 in dev, 0 in prod (any eviction)."""

    @field_validator("notify")
    @classmethod
    def _targets(cls, values: list[str]) -> list[str]:
        for value in values:
            if not (_EMAIL.match(value) or _HTTPS.match(value)):
                raise ValueError(f"{value!r} is neither an e-mail address nor an https:// URL")
        if len(set(values)) != len(values):
            raise ValueError("a notification target is listed twice")
        return values


def with_derived(cfg: StackConfig, user: dict[str, Any]) -> StackConfig:
    """`cfg` with the thresholds that follow from its other keys, unless the stack sets them: the backlog alarm's
    from the queue's scaling (a lower one would page on-call for a backlog the autoscaler is still absorbing)."""
    given = user.get("alarms")
    alarms: dict[str, Any] = given if isinstance(given, dict) else {}
    if "pending_runs" in alarms:
        return cfg
    threshold = backlog_target(cfg.queue.n_jobs_per_worker) * cfg.queue.max_replicas
    return cfg.model_copy(update={"alarms": cfg.alarms.model_copy(update={"pending_runs": threshold})})


def checks(cfg: StackConfig) -> list[str]:
    """Rules across keys for the observability settings; each names the key and the fix."""
    problems = []
    alarms = cfg.alarms
    if cfg.target.cloud.value == "local" and alarms.notify:
        problems.append("alarms.notify is a cloud setting (aws, gcp): remove it from a local stack")
    if cfg.environment.value == "prod" and alarms.enabled and not alarms.notify:
        problems.append(
            "alarms.notify is empty: prod alarms would tell no one. List who is told (e-mail addresses or https:// "
            "endpoints, e.g. `alarms: {notify: [oncall@example.com]}`), or set alarms.enabled=false on purpose")
    return problems


# LangSmith tracing ------------------------------------------------------------------------------------------------

LANGSMITH_KEY = "LANGSMITH_API_KEY"


def langsmith_project(cfg: StackConfig, stack: str) -> str:
    """The LangSmith project of a stack's traces: `observability.langsmith_project`, else `<name>-<stack>`."""
    return cfg.observability.langsmith_project or cfg.resource_prefix(stack)


def tracing_environment(cfg: StackConfig, stack: str) -> dict[str, str]:
    """`LANGSMITH_TRACING` on exactly when a LangSmith key reaches the server (as a secret), with the stack's
    project; off otherwise, so a server never tries to trace without a key."""
    if LANGSMITH_KEY not in cfg.secrets:
        return {"LANGSMITH_TRACING": "false"}
    return {"LANGSMITH_TRACING": "true", "LANGSMITH_PROJECT": langsmith_project(cfg, stack)}


def otlp_environment(service_name: str) -> dict[str, str]:
    """What points the server's OTLP traces at the collector beside it (OTLP over HTTP on loopback)."""
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{OTLP_HTTP_PORT}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": service_name,
    }


# The collector ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Backend:
    """A runtime's exporters: where the collector's metrics and traces go."""

    exporters: dict[str, dict[str, Any]]
    """Exporter name -> its settings, as in a collector config (`{"awsemf": {...}}`)."""
    metrics: list[str]
    """The exporters of the metrics pipeline."""
    traces: list[str]
    """The exporters of the traces pipeline."""
    processors: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Extra processors the runtime needs, appended to the metrics pipeline before `batch`. Default: none."""


def collector_config(backend: Backend, *, stack: str, role: contract.Role, scrape_port: int = contract.PORT,
                     scrape_interval_seconds: int = SCRAPE_INTERVAL_SECONDS) -> dict[str, Any]:
    """The collector configuration of one replica of `role`: scrape the server beside it, keep and rename the series
    of `CLOUD_METRICS` with `Stack` and `Role` labels, receive OTLP traces on loopback only, export with `backend`."""
    metric_processors: dict[str, dict[str, Any]] = {
        "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
        "filter/server": {"metrics": {"include": {"match_type": "strict", "metric_names": sorted(CLOUD_METRICS)}}},
        "metricstransform/names": {"transforms": [
            {"include": source, "action": "update", "new_name": target}
            for source, target in sorted(CLOUD_METRICS.items())]},
        **backend.processors,
        "batch": {"timeout": "10s"},
    }
    return {
        "extensions": {"health_check": {"endpoint": f"127.0.0.1:{COLLECTOR_HEALTH_PORT}"}},
        "receivers": {
            # Names as served (`..._total` kept): the filter and the renames below match them exactly.
            "prometheus": {"trim_metric_suffixes": False, "config": {"scrape_configs": [{
                "job_name": f"agent-server-{role.value}",
                "scrape_interval": f"{scrape_interval_seconds}s",
                "metrics_path": METRICS_PATH,
                # Target labels become labels of every series: the cloud metric's dimensions.
                "static_configs": [{"targets": [f"127.0.0.1:{scrape_port}"],
                                    "labels": {contract.STACK_DIMENSION: stack, ROLE_DIMENSION: role.value}}],
            }]}},
            # Loopback only: the replica's own server is the one sender; nothing outside the task can push here.
            "otlp": {"protocols": {"grpc": {"endpoint": f"127.0.0.1:{OTLP_GRPC_PORT}"},
                                   "http": {"endpoint": f"127.0.0.1:{OTLP_HTTP_PORT}"}}},
        },
        "processors": {**metric_processors, "batch/traces": {"timeout": "5s"}},
        "exporters": backend.exporters,
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "metrics": {"receivers": ["prometheus"], "processors": list(metric_processors),
                            "exporters": backend.metrics},
                "traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch/traces"],
                           "exporters": backend.traces},
            },
        },
    }


def collector_yaml(config: dict[str, Any]) -> str:
    """The collector configuration as the YAML a collector reads (keys in a stable order)."""
    return yaml.safe_dump(config, sort_keys=True, default_flow_style=False)
