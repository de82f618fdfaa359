"""The GCP sizes and limits the capacity model chooses from (langgraph_infra.derive.capacity), as plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Runtime
from ..platform_facts import CacheSize, DatabaseSize, PlatformFacts

if TYPE_CHECKING:
    from ..config import StackConfig

# Cloud SQL custom tiers, smallest first: (tier, vCPU, GiB, max_connections set as a flag). The budget is the prod
# profile's 100 connections per GiB (800 on db-custom-2-8192); 100 on the 3.75 GiB dev tier.
_TIERS = (("db-custom-1-3840", 1, 3.75, 100), ("db-custom-2-8192", 2, 8, 800), ("db-custom-4-16384", 4, 16, 1600),
          ("db-custom-8-32768", 8, 32, 3200), ("db-custom-16-65536", 16, 64, 6400))
# Memorystore for Redis capacities (GiB) the model steps through (any whole number 1-300 is valid); 65,000 connected
# clients per instance on every tier (https://cloud.google.com/memorystore/docs/redis/quotas).
_MEMORYSTORE_GIB = (1, 2, 5, 10, 20, 50, 100)
MEMORYSTORE_MAX_CLIENTS = 65000
# Cloud Run's maximum instances per service follow the regional quota (https://cloud.google.com/run/docs/configuring/
# max-instances-limits): 1000 instances of 1 vCPU with the baseline quota.
MAX_INSTANCES_PER_SERVICE = 1000


def capacity_facts(cfg: StackConfig) -> PlatformFacts:
    return PlatformFacts(
        database_sizes=tuple(DatabaseSize(*tier) for tier in _TIERS),
        cache_sizes=tuple(CacheSize(gib, gib, MEMORYSTORE_MAX_CLIENTS) for gib in _MEMORYSTORE_GIB),
        cache_size_key="memory_size_gib",
        sets_max_connections=True,
        # A Cloud Run worker pool runs a fixed (manual) instance count: docs/capacity.md says what the platform offers.
        queue_autoscales=cfg.target.runtime is not Runtime.CLOUDRUN,
        # GKE: KEDA's PostgreSQL scaler on the backlog, unless the stack chose an HPA on CPU.
        queue_scaled_by="CPU (kubernetes.queue_scaling=cpu)" if cfg.target.runtime is Runtime.GKE
        and cfg.kubernetes.queue_scaling == "cpu" else "its backlog",
        max_replicas_per_role=MAX_INSTANCES_PER_SERVICE,
        replica_limit_source="Cloud Run's baseline regional quota",
    )
