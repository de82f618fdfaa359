"""The connection pools of both roles, at the rolling-deploy peak, fit the database's `max_connections`."""

from __future__ import annotations

from .. import contract
from ..config import StackConfig
from ..derive.connections import max_connections, surge_percent
from ..errors import Problem

POOLS = "pools"
"""The concern of the problem that names the pools together (no single key is at fault)."""


def problems(cfg: StackConfig) -> list[Problem]:
    limit = max_connections(cfg)
    if limit is None:
        return [Problem(
            f"postgres.max_connections is needed to check the connection pools (no default is known for "
            f"instance_class={cfg.postgres.instance_class}): set it to the database's max_connections",
            ("postgres.max_connections", "postgres.instance_class"))]
    surge = surge_percent(cfg)
    api_peak = contract.peak_replicas(cfg.api.max_replicas, surge)
    queue_peak = contract.peak_replicas(cfg.queue.max_replicas, surge)
    needed = contract.connections_needed(
        api_peak, cfg.api.postgres_pool_max_size, queue_peak, cfg.queue.postgres_pool_max_size,
        cfg.postgres.connection_reserve,
    )
    if needed > limit:
        return [Problem(
            f"connection pools exceed the database: at peak {api_peak} api x {cfg.api.postgres_pool_max_size} + "
            f"{queue_peak} queue x {cfg.queue.postgres_pool_max_size} (max_replicas, doubled during a rolling "
            f"deploy) + {cfg.postgres.connection_reserve} reserved = {needed} > max_connections {limit}: lower "
            "api/queue.postgres_pool_max_size or max_replicas, or use a larger postgres.instance_class / "
            "postgres.max_connections",
            ("api.postgres_pool_max_size", "queue.postgres_pool_max_size", "api.max_replicas", "queue.max_replicas",
             "postgres.connection_reserve", "postgres.instance_class", "postgres.max_connections"),
            concern=POOLS)]
    return []
