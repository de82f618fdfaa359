"""The two figures every connection budget starts from: the database's `max_connections` and how far a rolling
deployment may go above `max_replicas`. The target supplies what the stack does not set."""

from __future__ import annotations

from .. import targets
from ..config import StackConfig


def max_connections(cfg: StackConfig) -> int | None:
    """The database's max_connections: explicit, else what the target derives (None when it cannot tell)."""
    if cfg.postgres.max_connections is not None:
        return cfg.postgres.max_connections
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.default_max_connections(cfg) if target is not None else None


def surge_percent(cfg: StackConfig) -> int:
    """How far above max_replicas a rolling deployment may go (new replicas start before old ones stop)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.surge_percent if target is not None else 200
