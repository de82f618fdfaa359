"""The `redis` section: the cache (ElastiCache, Memorystore, a local container)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import _Model


class RedisSettings(_Model):
    engine: Literal["valkey", "redis"] = "valkey"
    """ElastiCache engine on aws (Memorystore is always Redis on gcp)."""
    version: str = Field(default="7.2", pattern=r"^[7-9]\.[0-9]+$")
    """Engine version, `major.minor`, 7.0 or newer."""
    node_type: str | None = None
    """ElastiCache node type on aws. Default: `cache.t4g.micro` in dev, `cache.m7g.large` in prod."""
    memory_size_gib: int | None = Field(default=None, ge=1, le=300)
    """Memorystore capacity on gcp. Default: 1 in dev, 5 in prod."""
    replicas: int = Field(default=0, ge=0, le=5)
    """Read replicas; 1 or more turns on automatic failover across zones. Default: 0 in dev, 1 in prod."""
    key_prefix: str | None = None
    """`REDIS_KEY_PREFIX`: set it when several deployments share one Redis. Default: none (a dedicated Redis)."""
    rotation_days: int | None = Field(default=None, ge=1, le=3650)
    """Days after which the next `pulumi up` generates a new AUTH token (ElastiCache on aws, the password on local;
    Memorystore manages its own AUTH string on gcp). Default: never in dev, 90 in prod."""
