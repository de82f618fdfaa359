"""AWS's rows of the environment profiles (langgraph_infra.profiles holds the values every cloud shares): instance
sizes per environment. Each Fargate cpu/memory pair is one `limits.check_fargate_size` accepts."""

from __future__ import annotations

from typing import Any

ROWS: dict[str, dict[str, Any]] = {
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
}
