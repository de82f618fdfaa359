"""The `observability` and `alarms` sections: where traces and metrics go, and when on-call is told."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .base import _Model

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$")
_HTTPS = re.compile(r"^https://[^\s/]+(/\S*)?$")


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
