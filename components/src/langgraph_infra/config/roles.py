"""The `api` and `queue` sections: the two roles of the Agent Server, their sizes, replicas and pools."""

from __future__ import annotations

from pydantic import Field, field_validator

from .. import contract
from .base import _Model


class RoleSettings(_Model):
    cpu: float = Field(default=0.5, gt=0, le=16)
    """vCPUs per replica (0.25, 0.5, 1, 2, 4, 8, 16 on Fargate; 1, 2, 4, 6, 8 on Cloud Run)."""
    memory_mib: int = Field(default=1024, ge=512, le=122880)
    """Memory per replica in MiB; must be a size the platform accepts for `cpu`."""
    min_replicas: int = Field(default=1, ge=0, le=1000)
    """Replicas always running. Default: 1 in dev; in prod what `capacity` derives (at least 2)."""
    max_replicas: int = Field(default=1, ge=1, le=1000)
    """Upper bound for autoscaling (autoscaling is on when it exceeds `min_replicas`). Default: 1 in dev; in prod
    what `capacity` derives for its peak."""
    target_cpu_percent: int = Field(default=60, ge=10, le=90)
    """Average CPU that autoscaling aims for."""
    postgres_pool_max_size: int = Field(default=20, ge=1, le=1000)
    """`LANGGRAPH_POSTGRES_POOL_MAX_SIZE` per replica (the server's own default, 150, is too large for small
    databases). Checked: peak replicas x pool must fit the database's max_connections. Default: 20 in dev; in prod
    what `capacity` derives."""
    redis_max_connections: int = Field(default=200, ge=10, le=10000)
    """`REDIS_MAX_CONNECTIONS` per replica."""


class ApiSettings(RoleSettings):
    """The HTTP API servers (`N_JOBS_PER_WORKER=0`: they run no background jobs)."""


class QueueSettings(RoleSettings):
    """The queue workers, which execute runs. At least one always runs."""

    n_jobs_per_worker: int = Field(default=contract.DEFAULT_N_JOBS_PER_WORKER, ge=1, le=500)
    """Runs one queue replica executes at once (`N_JOBS_PER_WORKER`). Default: the server's 10; in prod what
    `capacity` derives (the runs a worker holds at its run rate, at most 50)."""

    @field_validator("min_replicas")
    @classmethod
    def _never_zero(cls, value: int) -> int:
        if value < 1:
            raise ValueError(
                "the queue must never scale to zero (queued runs would wait forever): set min_replicas to 1 or more"
            )
        return value
