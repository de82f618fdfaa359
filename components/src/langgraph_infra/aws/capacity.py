"""The AWS sizes and limits the capacity model chooses from (langgraph_infra.derive.capacity), as plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..platform_facts import CacheSize, DatabaseSize, PlatformFacts
from . import limits

if TYPE_CHECKING:
    from ..config import StackConfig

# RDS classes, smallest first: (class, vCPU). Memory and the default max_connections come from limits.py's table, so the
# budget here is the one the connection check uses.
_RDS_VCPU = (("db.t4g.micro", 2), ("db.t4g.small", 2), ("db.t4g.medium", 2), ("db.t4g.large", 2),
             ("db.m7g.large", 2), ("db.m7g.xlarge", 4), ("db.m7g.2xlarge", 8), ("db.m7g.4xlarge", 16))
# ElastiCache node types, smallest first, with their memory (GiB, AWS's node-type table). ElastiCache's maxclients
# is 65000 on every node type and cannot be changed.
_NODES = (("cache.t4g.micro", 0.5), ("cache.t4g.small", 1.37), ("cache.t4g.medium", 3.09), ("cache.m7g.large", 6.38),
          ("cache.m7g.xlarge", 12.93), ("cache.m7g.2xlarge", 26.32), ("cache.m7g.4xlarge", 52.82))
ELASTICACHE_MAX_CLIENTS = 65000
# The config model's bound on a role's replicas; Fargate's regional On-Demand vCPU quota (Service Quotas) also
# applies and is account-specific.
MAX_TASKS_PER_SERVICE = 1000

FACTS = PlatformFacts(
    database_sizes=tuple(
        DatabaseSize(name, vcpu, limits._RDS_MEMORY_GIB[name], limits.rds_default_max_connections(name) or 0)
        for name, vcpu in _RDS_VCPU),
    cache_sizes=tuple(CacheSize(name, memory, ELASTICACHE_MAX_CLIENTS) for name, memory in _NODES),
    cache_size_key="node_type",
    sets_max_connections=False,
    queue_autoscales=True,
    max_replicas_per_role=MAX_TASKS_PER_SERVICE,
    replica_limit_source="api/queue.max_replicas' bound; Fargate's regional vCPU quota applies too",
)


def capacity_facts(cfg: StackConfig) -> PlatformFacts:
    return FACTS
