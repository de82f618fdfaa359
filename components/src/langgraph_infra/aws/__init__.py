"""AWS target: RDS, ElastiCache, ECR, Secrets Manager and ECS Fargate behind an ALB.

Components are imported lazily so that importing `langgraph_infra.aws.sizing` (config validation) does not load
pulumi_aws.
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
