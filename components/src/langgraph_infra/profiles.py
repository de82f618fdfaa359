"""The environment profiles: every difference between dev, prod and local, in one table.

A stack's explicit config is merged over the profile of its environment (and cloud), then validated as a whole, so
an override changes one value and keeps the rest of the profile. Linked protections move together: prod turns on
high availability, deletion protection (which also means Pulumi `protect` and a final snapshot) and long backups at
once.
"""

from __future__ import annotations

import copy
from typing import Any

# Values shared by every cloud; the per-cloud tables below add the sizes that only make sense on one cloud.
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

# runtime gke: the Gateway the gcp target creates (a global external Application Load Balancer), which reaches the
# pods from Google's front ends (these source ranges, admitted by the API's NetworkPolicy), with the stream timeout
# set on its backend service (GKE's Gateway controller does not read an HTTPRoute's timeouts).
_GKE_EXPOSURE: dict[str, Any] = {
    "gateway_name": "langgraph",
    "ingress_from_cidrs": ["35.191.0.0/16", "130.211.0.0/22"],
    "gke_backend_timeout": True,
}

# Instance sizes per cloud. On AWS the Fargate cpu/memory pair must be one AWS accepts (see aws/fargate.py); on GCP
# the Cloud Run cpu/memory rules apply.
_SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "aws": {
        "dev": {
            "postgres": {"instance_class": "db.t4g.micro", "storage_gib": 20},
            "redis": {"node_type": "cache.t4g.micro"},
            "api": {"cpu": 0.5, "memory_mib": 1024},
            "queue": {"cpu": 0.5, "memory_mib": 1024},
        },
        "prod": {
            "postgres": {"instance_class": "db.m7g.large", "storage_gib": 100},
            "redis": {"node_type": "cache.m7g.large"},
            "ingress": {"waf": True},
            "api": {"cpu": 1, "memory_mib": 2048},
            "queue": {"cpu": 1, "memory_mib": 2048},
        },
    },
    "gcp": {
        "dev": {
            "postgres": {"instance_class": "db-custom-1-3840", "storage_gib": 20, "max_connections": 100},
            "redis": {"memory_size_gib": 1},
            "api": {"cpu": 1, "memory_mib": 1024},
            "queue": {"cpu": 1, "memory_mib": 1024},
            "kubernetes": _GKE_EXPOSURE,
        },
        "prod": {
            "postgres": {"instance_class": "db-custom-2-8192", "storage_gib": 100, "max_connections": 800},
            # Cloud Run's own URL has no WAF or rate limit to put in front of it: prod admits IAM callers only.
            "ingress": {"public": False},
            # Only images the promotion workflow scanned and attested run in prod (Binary Authorization).
            "admission": {"require_attestation": True},
            "redis": {"memory_size_gib": 5},
            "api": {"cpu": 2, "memory_mib": 2048},
            # A Cloud Run worker pool runs a fixed number of instances (it does not autoscale): min = max.
            "queue": {"cpu": 2, "memory_mib": 2048, "max_replicas": 2},
            # gke: prod takes Kubernetes versions once they have proven themselves in the other channels, and puts
            # a Cloud Armor rate limit per client IP in front of its public Gateway.
            "gke": {"release_channel": "STABLE", "cloud_armor": True},
            "kubernetes": _GKE_EXPOSURE,
        },
    },
    # The Kubernetes runtime on a cluster of its own (langgraph_infra.kubernetes without a stack config): pod sizes
    # only; the data tier is the platform's.
    "kubernetes": {
        "dev": {"api": {"cpu": 0.5, "memory_mib": 1024}, "queue": {"cpu": 0.5, "memory_mib": 1024}},
        "prod": {"api": {"cpu": 1, "memory_mib": 2048}, "queue": {"cpu": 1, "memory_mib": 2048}},
    },
    "local": {
        "local": {
            "postgres": {"max_connections": 200},
            "api": {"cpu": 1, "memory_mib": 1024},
            "queue": {"cpu": 1, "memory_mib": 1024},
        },
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
    """The defaults for one environment on one cloud (empty for a combination with no table: validation names it)."""
    common = _COMMON.get(environment, {})
    sizes = _SIZES.get(cloud, {}).get(environment, {})
    return deep_merge(common, sizes)


def environments() -> list[str]:
    return sorted(_COMMON)
