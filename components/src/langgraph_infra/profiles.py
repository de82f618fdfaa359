"""The environment profiles: every difference between dev, prod and local, in one table per cloud-neutral value and
one per target for its sizes.

A stack's explicit config is merged over the profile of its environment (and cloud), then validated as a whole, so
an override changes one value and keeps the rest of the profile. Linked protections move together: prod turns on
high availability, deletion protection (which also means Pulumi `protect` and a final snapshot) and long backups at
once.
"""

from __future__ import annotations

import copy
from typing import Any

from . import targets

# Values shared by every cloud; each target adds the sizes that only make sense on it (`Target.profile_rows`, e.g.
# langgraph_infra/aws/profile.py).
_COMMON: dict[str, dict[str, Any]] = {
    "dev": {
        "postgres": {
            "high_availability": False,
            "backup_retention_days": 1,
            "point_in_time_recovery": False,
            "deletion_protection": False,
        },
        "redis": {"replicas": 0},
        "api": {"min_replicas": 1, "max_replicas": 1, "postgres_pool_max_size": 20, "redis_max_connections": 200},
        "queue": {"min_replicas": 1, "max_replicas": 1, "postgres_pool_max_size": 20, "redis_max_connections": 200},
        "ingress": {"require_https": False},
        "logs": {"retention_days": 7, "level": "INFO"},
        "network": {"nat_gateways": "single", "flow_logs": False},
        "alarms": {"evaluation_minutes": 15, "http_5xx_percent": 10.0, "p95_latency_seconds": 30.0,
                   "postgres_cpu_percent": 90, "postgres_free_storage_percent": 10,
                   "postgres_connections_percent": 90, "redis_memory_percent": 90, "redis_evictions": 100},
        "audit": {"access_log_retention_days": 30},
        "kubernetes": {"zone_spread": "preferred"},
    },
    "prod": {
        "postgres": {
            "high_availability": True,
            "backup_retention_days": 14,
            "point_in_time_recovery": True,
            "deletion_protection": True,
            # Generated credentials rotate in prod; a dev stack keeps its own until it is rebuilt.
            "rotation_days": 90,
        },
        "redis": {"replicas": 1, "rotation_days": 90},
        "api": {"min_replicas": 2, "max_replicas": 6, "postgres_pool_max_size": 30, "redis_max_connections": 500},
        "queue": {"min_replicas": 2, "max_replicas": 6, "postgres_pool_max_size": 30, "redis_max_connections": 500},
        "ingress": {"require_https": True},
        "logs": {"retention_days": 30, "level": "INFO"},
        "network": {"nat_gateways": "per_az", "flow_logs": True},
        # The load a production LangSmith deployment serves, with LangChain's published ratios (half the requests
        # create runs of 1 s; peak twice the sustained load): replicas, pools, Postgres and Redis follow from it
        # (capacity.py, docs/capacity.md) unless the stack sets them.
        "capacity": {"requests_per_second": 500, "run_share": 0.5, "average_run_seconds": 1, "peak_factor": 2},
        # Stricter and sooner: an on-call engineer is told within minutes (prod refuses alarms that notify no one).
        "alarms": {"evaluation_minutes": 5, "http_5xx_percent": 2.0, "p95_latency_seconds": 10.0,
                   "postgres_cpu_percent": 80, "postgres_free_storage_percent": 20,
                   "postgres_connections_percent": 80, "redis_memory_percent": 80, "redis_evictions": 0},
        "audit": {"access_log_retention_days": 365},
        # A zone outage must leave replicas serving: pods that would crowd one zone wait instead.
        "kubernetes": {"zone_spread": "required"},
    },
    "local": {
        "postgres": {
            "high_availability": False,
            "backup_retention_days": 0,
            "point_in_time_recovery": False,
            "deletion_protection": False,
        },
        "redis": {"replicas": 0},
        "api": {"min_replicas": 1, "max_replicas": 1, "postgres_pool_max_size": 20, "redis_max_connections": 200},
        "queue": {"min_replicas": 1, "max_replicas": 1, "postgres_pool_max_size": 20, "redis_max_connections": 200},
        "ingress": {"require_https": False},
        "logs": {"retention_days": 1, "level": "INFO"},
        "network": {"nat_gateways": "none"},
        # No cloud monitoring on a developer's Docker engine.
        "alarms": {"enabled": False},
        # No load balancer and no managed database on the local engine: nothing to send access or audit logs from.
        "audit": {"access_logs": False, "database_logs": False},
    },
}

def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`, recursing into mappings; lists and scalars are replaced whole."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def profile(environment: str, cloud: str) -> dict[str, Any]:
    """The defaults for one environment on one cloud: the values shared by every cloud, and over them the target's
    own rows (its instance sizes; `Target.profile_rows`). Empty for an environment with no table, and only the shared
    values for a cloud with no installed target: validation names either."""
    target = targets.for_cloud(cloud)
    rows = target.profile_rows.get(environment, {}) if target is not None else {}
    return deep_merge(_COMMON.get(environment, {}), dict(rows))


def shared(environment: str) -> dict[str, Any]:
    """The defaults every cloud shares for one environment (what a runtime on its own adds its sizes to)."""
    return copy.deepcopy(_COMMON.get(environment, {}))


def environments() -> list[str]:
    return sorted(_COMMON)
