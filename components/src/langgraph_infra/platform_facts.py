"""What a target tells the capacity derivation about its platform: the Postgres and Redis sizes it offers and its
limits. Plain data, so the targets interface and the derivations share it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatabaseSize:
    """A Postgres size a target offers: its name (`postgres.instance_class`), vCPUs, memory and connection budget."""

    name: str
    vcpu: int
    memory_gib: float
    max_connections: int

    @property
    def key(self) -> str | int:
        return self.name


@dataclass(frozen=True)
class CacheSize:
    """A Redis size a target offers: the value of its size key, its memory and its client limit."""

    value: str | int
    memory_gib: float
    max_clients: int

    @property
    def key(self) -> str | int:
        return self.value


@dataclass(frozen=True)
class PlatformFacts:
    """What a target tells the capacity model: its sizes (smallest first) and limits."""

    database_sizes: tuple[DatabaseSize, ...]
    """Postgres sizes, smallest first."""
    cache_sizes: tuple[CacheSize, ...]
    """Redis sizes, smallest first."""
    cache_size_key: str
    """The `redis.*` key that holds a cache size (`node_type`, `memory_size_gib`)."""
    sets_max_connections: bool = False
    """The stack sets `postgres.max_connections` (a database flag) to the size's budget; else the engine derives it."""
    queue_autoscales: bool = True
    """Whether the queue's replica count can follow the load; if not, it runs the peak count all the time."""
    queue_scaled_by: str = "its backlog"
    """What the queue's autoscaler follows, as `plan --capacity` says it (the backlog target is unused when it is not
    the backlog)."""
    max_replicas_per_role: int = 1000
    """Replicas one role may run (the platform's quota per service)."""
    replica_limit_source: str = ""
    """Where `max_replicas_per_role` comes from."""
