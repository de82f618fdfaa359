"""Each size the stack sets explicitly (the derivation fills the rest) can carry its `capacity`. The connection budget
is `checks.pools`'."""

from __future__ import annotations

import math

from .. import contract
from ..config import StackConfig
from ..derive.capacity import PUBLISHED_REDIS_GIB, PUBLISHED_URL, context, derive, size_of, workers_for
from ..errors import Problem

REDIS_CLIENTS = "redis clients"
"""The concern of the problem that names both roles' Redis connections together (no single key is at fault)."""


def problems(cfg: StackConfig) -> list[Problem]:
    """Each names the capacity key, the size key, both values and the fix."""
    facts, surge_percent, floor = context(cfg)
    sizing = derive(cfg, facts, surge_percent, floor, cfg.queue.n_jobs_per_worker)
    if sizing is None:
        return []
    cap, found = cfg.capacity, []
    rps = cap.requests_per_second
    api, queue = sizing.figures["api"], sizing.figures["queue"]
    for key, have, need, load in (("api.min_replicas", cfg.api.min_replicas, sizing.api_replicas[0], "sustained"),
                                  ("api.max_replicas", cfg.api.max_replicas, sizing.api_replicas[1], "peak")):
        if have < need:
            carried = have * api.value
            found.append(Problem(
                f"capacity.requests_per_second={rps:g} needs {key} of at least {need} at the {load} load "
                f"({api.value:.1f} requests/s per replica of api.cpu={cfg.api.cpu:g}): {key}={have} carries "
                f"{carried:.0f}; raise {key} or lower capacity.requests_per_second",
                ("capacity.requests_per_second", key, "api.cpu")))
    n_jobs = cfg.queue.n_jobs_per_worker
    for key, have, factor, load in (("queue.min_replicas", cfg.queue.min_replicas, 1.0, "sustained"),
                                    ("queue.max_replicas", cfg.queue.max_replicas, cap.peak_factor, "peak")):
        need = workers_for(sizing.runs_per_second * factor, sizing.concurrent_runs * factor, n_jobs, queue.value)
        if have < need:
            found.append(Problem(
                f"capacity.requests_per_second={rps:g} (runs: {sizing.runs_per_second * factor:g}/s, "
                f"{math.ceil(sizing.concurrent_runs * factor)} at once at the {load} load) needs {key} of at least "
                f"{need} with queue.n_jobs_per_worker={n_jobs} ({queue.value:.1f} runs/s per worker): {key}={have}; "
                f"raise {key} or queue.n_jobs_per_worker, or lower the capacity",
                ("capacity.requests_per_second", key, "queue.n_jobs_per_worker")))
    if facts is None:
        return found
    for role in ("api", "queue"):
        settings = getattr(cfg, role)
        if settings.max_replicas > facts.max_replicas_per_role:
            found.append(Problem(f"{role}.max_replicas={settings.max_replicas} is above the platform's "
                                 f"{facts.max_replicas_per_role} per service ({facts.replica_limit_source}): request "
                                 "a higher quota, or lower the capacity", (f"{role}.max_replicas",)))
    pg = size_of(facts.database_sizes, cfg.postgres.instance_class)
    if pg is not None and pg.vcpu < sizing.postgres_vcpu_needed:
        found.append(Problem(
            f"capacity.requests_per_second={rps:g} needs a Postgres of at least {sizing.postgres_vcpu_needed} vCPU "
            f"(LangChain's examples, {PUBLISHED_URL}): postgres.instance_class={cfg.postgres.instance_class} has "
            f"{pg.vcpu}; use a larger class or lower the capacity",
            ("capacity.requests_per_second", "postgres.instance_class")))
    cache = size_of(facts.cache_sizes, getattr(cfg.redis, facts.cache_size_key))
    if cache is not None:
        clients = (contract.peak_replicas(cfg.api.max_replicas, surge_percent) * cfg.api.redis_max_connections
                   + contract.peak_replicas(cfg.queue.max_replicas, surge_percent) * cfg.queue.redis_max_connections)
        key = f"redis.{facts.cache_size_key}"
        if cache.memory_gib < PUBLISHED_REDIS_GIB:
            found.append(Problem(
                f"capacity.requests_per_second={rps:g} needs a Redis of at least {PUBLISHED_REDIS_GIB:g} GiB "
                f"(LangChain's examples): {key}={cache.value} has {cache.memory_gib:g}; use a larger size",
                ("capacity.requests_per_second", key)))
        if clients > cache.max_clients:
            found.append(Problem(
                f"Redis connections exceed the cache's client limit at the peak: api/queue.redis_max_connections x "
                f"peak replicas = {clients} > {cache.max_clients} ({key}={cache.value}): lower "
                "api/queue.redis_max_connections or max_replicas",
                ("api.redis_max_connections", "queue.redis_max_connections", key), concern=REDIS_CLIENTS))
    return found
