"""The `capacity` section: the load the stack must carry. The sizes it derives are computed in
`langgraph_infra.derive.capacity`; the sizes that cannot carry it are refused by `langgraph_infra.checks.capacity_fit`."""

from __future__ import annotations

from pydantic import Field

from .base import _Model


class CapacitySettings(_Model):
    """The load the stack must carry. Unset `requests_per_second`: no capacity model, sizes as given."""

    requests_per_second: float | None = Field(default=None, gt=0, le=100_000)
    """Sustained requests/s the API must answer (every HTTP call: thread and run creation, state reads, streams).
    Sets the API and queue replica ranges, `N_JOBS_PER_WORKER`, pools, and the Postgres and Redis sizes, under any
    size set explicitly. Default: none in dev (sizes as given), 500 in prod."""
    run_share: float = Field(default=0.5, ge=0, le=1)
    """Share of the requests that create a run (the rest read). Default: 0.5, LangChain's published high-read,
    high-write example (500 reads + 500 writes)."""
    average_run_seconds: float = Field(default=1.0, gt=0, le=86_400)
    """How long a run executes on a queue worker, on average (model calls included). Default: 1, the published
    examples' assumption; agent runs that call models often take 10-60 s: measure yours."""
    concurrent_runs: int | None = Field(default=None, ge=1, le=10_000_000)
    """Runs executing at once at the sustained load. Default: runs/s x average_run_seconds (Little's law); set it
    higher when runs arrive in bursts."""
    peak_factor: float = Field(default=2.0, ge=1, le=20)
    """The peak the autoscalers must reach, as a multiple of the sustained load (max replicas carry it). Default: 2,
    the published example's queue range (10 to 20 workers)."""
