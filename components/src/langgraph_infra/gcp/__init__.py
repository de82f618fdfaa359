"""GCP target: Cloud SQL, Memorystore, Artifact Registry, Secret Manager and Cloud Run (a service for the API, a
worker pool for the queue), in a VPC with private services access and Cloud NAT.

The same component names as `langgraph_infra.aws`. Components are imported lazily so that importing
`langgraph_infra.gcp.sizing` (config validation) does not load pulumi_gcp.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AgentServer": "agent_server",
    "AgentServerArgs": "agent_server",
    "Network": "network",
    "NetworkArgs": "network",
    "Database": "database",
    "DatabaseArgs": "database",
    "Cache": "cache",
    "CacheArgs": "cache",
    "Registry": "registry",
    "RegistryArgs": "registry",
    "Secrets": "secrets",
    "SecretsArgs": "secrets",
    "Service": "service",
    "ServiceArgs": "service",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
