"""The local target's rows of the environment profiles (langgraph_infra.profiles holds the values every cloud
shares): the database's connection limit and the containers' sizes."""

from __future__ import annotations

from typing import Any

ROWS: dict[str, dict[str, Any]] = {
    "local": {
        "postgres": {"max_connections": 200},
        "api": {"cpu": 1, "memory_mib": 1024},
        "queue": {"cpu": 1, "memory_mib": 1024},
    },
}
