"""Observability, once for every runtime: LangSmith tracing per stack, and the OpenTelemetry collector's
configuration that carries the server's own signals to the cloud (the `observability` and `alarms` settings are
`langgraph_infra.config.observability`).

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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from . import contract

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
