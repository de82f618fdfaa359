"""Capacity: from a target load (the stack's `capacity` block) to the sizes that carry it, by arithmetic a reviewer
can check.

The model, in the order it is computed (docs/capacity.md walks through it with the prod figures):

1. Load. `requests_per_second` (sustained) x `run_share` = runs created per second; runs executing at once =
   `concurrent_runs`, else runs/s x `average_run_seconds` (Little's law). The peak the autoscalers go to is the
   sustained load x `peak_factor`.
2. Per-replica figures, each with its source: the load harness's measurement on the development host
   (docs/reliability.md, "Load figures") scaled by `HARNESS_CPU_FACTOR`, or LangChain's published figure
   (`PUBLISHED_URL`), whichever is lower. A replica's figure scales with its vCPUs up to 1 and not beyond: the server
   is one Python process per replica, so extra vCPUs are not counted.
3. Replicas: API = requests/s / the API figure; queue = the larger of runs at once / `N_JOBS_PER_WORKER` and runs/s
   / the worker's run rate; at least the environment's floor. Min carries the sustained load, max the peak. A queue
   that does not autoscale (a Cloud Run worker pool) runs the peak count all the time.
4. `N_JOBS_PER_WORKER` = the runs one worker holds at its run rate (rate x run seconds), at most the largest
   published value (50); pools from the per-replica figures (`api_pool`, `queue_pool`).
5. Postgres: the smallest size of the target's list, not below the current one, whose connection budget holds every
   pool at the rolling-deploy peak (`contract.connections_needed`) and with at least the vCPUs LangChain publishes for
   the load. Redis: at least the published 2 GiB; `redis_max_connections` per replica at most an even share of
   `REDIS_CLIENT_SHARE` of its client limit among the replicas at the rolling-deploy peak.

Explicit keys win over what is derived (`langgraph_infra.loading` applies the derivation under the user's keys);
`langgraph_infra.checks.capacity_fit` then names each explicit size that cannot carry the capacity, with both keys
and values.

The core never imports a target: a target describes its sizes and limits with `PlatformFacts`
(`targets.Target.capacity_facts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .. import contract, profiles, targets
from ..config import Environment, StackConfig
from ..platform_facts import CacheSize, DatabaseSize, PlatformFacts
from .connections import max_connections, surge_percent

PUBLISHED_URL = "https://docs.langchain.com/langsmith/agent-server-scale"
HARNESS_SOURCE = "load harness, docs/reliability.md"

# Measured on the development host (docs/reliability.md, "Load figures", 1 + 1 replicas): every request type of the
# harness's mix together, and runs created -> done for one queue worker with N_JOBS_PER_WORKER=10. Closed-loop
# clients on 2 cores shared with Postgres, Redis and the clients: a floor, not the server's ceiling.
MEASURED_API_REQUESTS_PER_SECOND = 43.2
MEASURED_QUEUE_RUNS_PER_SECOND = 15.5
# The measured process had at most one of the host's 2 cores (load average ~2.7): one cloud vCPU is counted as equal
# to it, not more.
HARNESS_CPU_FACTOR = 1.0

# LangChain's "High reads, high writes" example (PUBLISHED_URL): 500 read + 500 write requests/s on 15 API servers
# of 1 CPU; 500 runs/s of 1 s on 10 queue workers of 1 CPU with N_JOBS_PER_WORKER=50; Redis 2 Gi; Postgres 8 CPU.
PUBLISHED_API_REQUESTS_PER_SECOND = 1000 / 15
PUBLISHED_QUEUE_RUNS_PER_SECOND = 500 / 10
PUBLISHED_MAX_JOBS_PER_WORKER = 50
PUBLISHED_REDIS_GIB = 2.0
# Postgres vCPUs of the published examples by total requests/s (low 10, medium 100, high 1000); above the table the
# vCPUs double (an extrapolation, said so in the derivation).
PUBLISHED_POSTGRES_VCPU = ((10.0, 2), (100.0, 4), (1000.0, 8))

# How long an API request holds a Postgres connection (the harness's non-streamed p95 is 106-161 ms): the API's pool
# is its requests/s x this, so a replica at its figure never waits for a connection.
API_CONNECTION_SECONDS = 0.25
API_POOL_MIN = 10
# A queue worker's pool: one connection per job (each may write a checkpoint at once) plus these for the worker's own
# polling, sweeping and heartbeats.
QUEUE_POOL_SPARE = 5
# Redis: the replicas at the rolling-deploy peak share this part of the cache's client limit (the rest is kept for
# administrators and monitoring); a role keeps its own `redis_max_connections` when that is lower.
REDIS_CLIENT_SHARE = 0.9


@dataclass(frozen=True)
class Figure:
    """One per-replica figure with its candidates and the one used."""

    name: str
    unit: str
    measured: float
    published: float
    cpu_factor: float

    @property
    def value(self) -> float:
        return min(self.measured, self.published) * self.cpu_factor

    @property
    def source(self) -> str:
        measured = f"measured {self.measured:g} x CPU factor {HARNESS_CPU_FACTOR:g} ({HARNESS_SOURCE})"
        published = f"published {self.published:.1f} ({PUBLISHED_URL})"
        used, other = (measured, published) if self.measured <= self.published else (published, measured)
        return f"{used}, the lower; not {other.split(' (')[0]}; x {self.cpu_factor:g} for the replica's vCPUs"


@dataclass(frozen=True)
class Sizing:
    """The whole derivation for one stack: inputs, figures, replicas, pools, data stores and the budget."""

    inputs: dict[str, float | int]
    runs_per_second: float
    concurrent_runs: float
    figures: dict[str, Figure]
    n_jobs_per_worker: int
    api_replicas: tuple[int, int]
    queue_replicas: tuple[int, int]
    api_pool: int
    queue_pool: int
    postgres: DatabaseSize | None
    postgres_vcpu_needed: int
    redis: CacheSize | None
    redis_connections: tuple[int, int] | None = None
    """(api, queue) `redis_max_connections` per replica, when the cache's client limit is known."""
    notes: list[str] = field(default_factory=list)

    def overlay(self, facts: PlatformFacts | None) -> dict[str, Any]:
        """The derived values as stack config keys (`loading.build` puts them under the user's own keys); without the
        target's facts, replicas and pools only."""
        raw: dict[str, Any] = {
            "api": {"min_replicas": self.api_replicas[0], "max_replicas": self.api_replicas[1],
                    "postgres_pool_max_size": self.api_pool},
            "queue": {"min_replicas": self.queue_replicas[0], "max_replicas": self.queue_replicas[1],
                      "postgres_pool_max_size": self.queue_pool, "n_jobs_per_worker": self.n_jobs_per_worker},
        }
        if facts is None:
            return raw
        if self.postgres is not None:
            raw["postgres"] = {"instance_class": self.postgres.name}
            if facts.sets_max_connections:
                raw["postgres"]["max_connections"] = self.postgres.max_connections
        if self.redis is not None:
            raw["redis"] = {facts.cache_size_key: self.redis.value}
        if self.redis_connections is not None:
            raw["api"]["redis_max_connections"], raw["queue"]["redis_max_connections"] = self.redis_connections
        return raw


def cpu_factor(vcpu: float) -> float:
    """A replica's share of the per-replica figure: its vCPUs, counted up to 1 (one server process per replica)."""
    return min(vcpu, 1.0)


def postgres_vcpu_needed(requests_per_second: float) -> int:
    """The vCPUs LangChain's examples give Postgres for a total load; doubled per tenfold beyond the table."""
    for limit, vcpu in PUBLISHED_POSTGRES_VCPU:
        if requests_per_second <= limit:
            return vcpu
    top_limit, vcpu = PUBLISHED_POSTGRES_VCPU[-1]
    return vcpu * (1 << math.ceil(math.log10(requests_per_second / top_limit)))


def api_figure(api_cpu: float) -> Figure:
    return Figure("api requests/s per replica", "requests/s", MEASURED_API_REQUESTS_PER_SECOND * HARNESS_CPU_FACTOR,
                  PUBLISHED_API_REQUESTS_PER_SECOND, cpu_factor(api_cpu))


def queue_figure(queue_cpu: float) -> Figure:
    return Figure("queue runs/s per worker", "runs/s", MEASURED_QUEUE_RUNS_PER_SECOND * HARNESS_CPU_FACTOR,
                  PUBLISHED_QUEUE_RUNS_PER_SECOND, cpu_factor(queue_cpu))


def jobs_per_worker(run_rate: float, average_run_seconds: float) -> int:
    """The runs a worker holds at once at its run rate (Little's law for one worker), 1 to the published 50: more
    slots than that wait for the worker's CPU, fewer leave it idle while runs wait on models."""
    return max(1, min(PUBLISHED_MAX_JOBS_PER_WORKER, math.ceil(run_rate * average_run_seconds)))


def workers_for(runs_per_second: float, concurrent: float, n_jobs: int, run_rate: float) -> int:
    """Queue workers that hold `concurrent` runs in slots of `n_jobs` and start `runs_per_second` at `run_rate`."""
    return max(math.ceil(concurrent / n_jobs - 1e-9), math.ceil(runs_per_second / run_rate - 1e-9))


def api_pool_size(api_rate: float) -> int:
    return max(API_POOL_MIN, math.ceil(api_rate * API_CONNECTION_SECONDS))


def queue_pool_size(n_jobs: int) -> int:
    return n_jobs + QUEUE_POOL_SPARE


def backlog_target(n_jobs_per_worker: int) -> int:
    """Runs in flight (pending plus running) per queue worker the autoscaler aims for: one worker's slots. The
    autoscaler then keeps as many workers as the runs in flight fill, the count the model sizes the queue by
    (concurrent runs / N_JOBS_PER_WORKER): a new run finds a free slot instead of waiting, and the queue scales in
    only when the runs in flight fit in fewer workers. (Pending runs alone would fall to zero while every worker is
    busy and scale a full queue in.) ECS tracks it per running task, KEDA's PostgreSQL trigger per pod
    (kubernetes/autoscaling.py)."""
    return n_jobs_per_worker


def derive(cfg: StackConfig, facts: PlatformFacts | None, surge_percent: int, floor: int,
           n_jobs_per_worker: int | None = None) -> Sizing | None:
    """The sizes `cfg.capacity` needs with `cfg`'s per-replica CPUs (None when the stack sets no capacity); the
    queue's replicas are counted with `n_jobs_per_worker` when the stack sets it, else with the derived value."""
    cap = cfg.capacity
    if cap.requests_per_second is None:
        return None
    rps = cap.requests_per_second
    runs = rps * cap.run_share
    concurrent = max(cap.concurrent_runs or 0, runs * cap.average_run_seconds)
    api, queue = api_figure(cfg.api.cpu), queue_figure(cfg.queue.cpu)
    n_jobs = n_jobs_per_worker or jobs_per_worker(queue.value, cap.average_run_seconds)
    api_min = max(floor, math.ceil(rps / api.value - 1e-9))
    api_max = max(api_min, math.ceil(rps * cap.peak_factor / api.value - 1e-9))
    queue_min = max(floor, workers_for(runs, concurrent, n_jobs, queue.value))
    queue_max = max(queue_min, workers_for(runs * cap.peak_factor, concurrent * cap.peak_factor, n_jobs, queue.value))
    notes = []
    if facts is not None and not facts.queue_autoscales:
        queue_min = queue_max
        notes.append(f"the queue does not autoscale on this platform: it runs the peak count, {queue_max}, always")
    api_pool, queue_pool = api_pool_size(api.value), queue_pool_size(n_jobs)
    vcpu = postgres_vcpu_needed(rps)
    if rps > PUBLISHED_POSTGRES_VCPU[-1][0]:
        notes.append(f"Postgres vCPUs above {PUBLISHED_POSTGRES_VCPU[-1][0]:g} requests/s are extrapolated (doubled per "
                     "tenfold): LangChain publishes no larger example")
    postgres = redis = None
    redis_connections = None
    if facts is not None:
        needed = contract.connections_needed(
            contract.peak_replicas(api_max, surge_percent), api_pool,
            contract.peak_replicas(queue_max, surge_percent), queue_pool, cfg.postgres.connection_reserve)
        postgres = _smallest(facts.database_sizes, cfg.postgres.instance_class,
                             lambda s: s.vcpu >= vcpu and s.max_connections >= needed)
        if postgres is not None and (postgres.vcpu < vcpu or postgres.max_connections < needed):
            notes.append(f"no Postgres size this target lists holds {needed} connections with {vcpu} vCPU: the "
                         f"largest, {postgres.name}, is used and the connection check says what to change")
        current = getattr(cfg.redis, facts.cache_size_key)
        redis = _smallest(facts.cache_sizes, current, lambda s: s.memory_gib >= PUBLISHED_REDIS_GIB)
        if redis is not None:
            peak_total = contract.peak_replicas(api_max, surge_percent) + contract.peak_replicas(queue_max, surge_percent)
            share = int(redis.max_clients * REDIS_CLIENT_SHARE // peak_total)
            redis_connections = (min(cfg.api.redis_max_connections, share), min(cfg.queue.redis_max_connections, share))
    inputs: dict[str, float | int] = {
        "requests_per_second": rps, "run_share": cap.run_share, "average_run_seconds": cap.average_run_seconds,
        "concurrent_runs": cap.concurrent_runs or math.ceil(concurrent), "peak_factor": cap.peak_factor}
    return Sizing(inputs=inputs, runs_per_second=runs, concurrent_runs=concurrent,
                  figures={"api": api, "queue": queue}, n_jobs_per_worker=n_jobs,
                  api_replicas=(api_min, api_max), queue_replicas=(queue_min, queue_max),
                  api_pool=api_pool, queue_pool=queue_pool, postgres=postgres, postgres_vcpu_needed=vcpu,
                  redis=redis, redis_connections=redis_connections, notes=notes)


def _smallest(sizes: tuple[Any, ...], current: Any, fits: Any) -> Any:
    """The current size when it fits, else the smallest that fits and is not below the current one (a prod class is
    never swapped for a cheaper burstable one), else the largest."""
    names = [s.key for s in sizes]
    start = names.index(current) if current in names else 0
    for size in sizes[start:]:
        if fits(size):
            return size
    return sizes[-1] if sizes else None


def size_of(sizes: tuple[Any, ...], value: Any) -> Any:
    return next((s for s in sizes if s.key == value), None)


def report(cfg: StackConfig, facts: PlatformFacts | None, surge_percent: int, floor: int,
           max_connections: int | None) -> dict[str, Any] | None:
    """The derivation as data (what `python -m infra.plan --capacity --json` prints), with the sizes in `cfg`: the
    derived ones, or the explicit ones that won."""
    sizing = derive(cfg, facts, surge_percent, floor)
    if sizing is None:
        return None
    api, queue = sizing.figures["api"], sizing.figures["queue"]
    api_rate, queue_rate = api.value, queue.value
    n_jobs = cfg.queue.n_jobs_per_worker

    def role(settings: Any, per_replica: Any, load: float, peak: float) -> dict[str, Any]:
        return {"min_replicas": settings.min_replicas, "max_replicas": settings.max_replicas,
                "peak_replicas_during_deploy": contract.peak_replicas(settings.max_replicas, surge_percent),
                "carries_at_min": per_replica(settings.min_replicas), "carries_at_max": per_replica(settings.max_replicas),
                "sustained_load": load, "peak_load": peak,
                "headroom_at_min_percent": _headroom(per_replica(settings.min_replicas), load),
                "headroom_at_max_percent": _headroom(per_replica(settings.max_replicas), peak)}

    rps = cfg.capacity.requests_per_second or 0.0
    pf = cfg.capacity.peak_factor
    # A worker's runs/s is bounded by its slots (n_jobs per average run) and by its run rate.
    per_worker = min(queue_rate, n_jobs / cfg.capacity.average_run_seconds)
    needed = contract.connections_needed(
        contract.peak_replicas(cfg.api.max_replicas, surge_percent), cfg.api.postgres_pool_max_size,
        contract.peak_replicas(cfg.queue.max_replicas, surge_percent), cfg.queue.postgres_pool_max_size,
        cfg.postgres.connection_reserve)
    pg = size_of(facts.database_sizes, cfg.postgres.instance_class) if facts else None
    cache = size_of(facts.cache_sizes, getattr(cfg.redis, facts.cache_size_key)) if facts else None
    return {
        "inputs": sizing.inputs,
        "load": {"runs_per_second": sizing.runs_per_second, "concurrent_runs": math.ceil(sizing.concurrent_runs),
                 "peak_requests_per_second": rps * pf, "peak_runs_per_second": sizing.runs_per_second * pf},
        "figures": {name: {"value": round(f.value, 2), "unit": f.unit, "measured": f.measured,
                           "published": round(f.published, 2), "cpu_factor": f.cpu_factor, "source": f.source}
                    for name, f in sizing.figures.items()},
        "n_jobs_per_worker": {"value": n_jobs, "derived": sizing.n_jobs_per_worker,
                              "rule": f"ceil({queue_rate:g} runs/s x {cfg.capacity.average_run_seconds:g} s), "
                                      f"1-{PUBLISHED_MAX_JOBS_PER_WORKER}"},
        "api": role(cfg.api, lambda n: round(n * api_rate, 1), rps, rps * pf),
        "queue": {**role(cfg.queue, lambda n: round(n * per_worker, 1), sizing.runs_per_second,
                         sizing.runs_per_second * pf),
                  "slots_at_min": cfg.queue.min_replicas * n_jobs, "slots_at_max": cfg.queue.max_replicas * n_jobs,
                  "backlog_target_per_worker": backlog_target(n_jobs),
                  "autoscales": facts.queue_autoscales if facts else True,
                  "scaled_by": facts.queue_scaled_by if facts else "its backlog"},
        "pools": {"api.postgres_pool_max_size": cfg.api.postgres_pool_max_size,
                  "queue.postgres_pool_max_size": cfg.queue.postgres_pool_max_size,
                  "rule": f"api: max({API_POOL_MIN}, {api_rate:.1f} requests/s x {API_CONNECTION_SECONDS:g} s); "
                          f"queue: N_JOBS_PER_WORKER + {QUEUE_POOL_SPARE}",
                  "api.redis_max_connections": cfg.api.redis_max_connections,
                  "queue.redis_max_connections": cfg.queue.redis_max_connections,
                  "redis_rule": f"the profile's, at most {REDIS_CLIENT_SHARE:.0%} of the cache's client limit shared "
                                "by the replicas at the rolling-deploy peak"},
        "connections": {"needed_at_peak": needed, "max_connections": max_connections,
                        "surge_percent": surge_percent,
                        "headroom_percent": _headroom(max_connections, needed) if max_connections else None},
        "postgres": {"instance_class": cfg.postgres.instance_class, "vcpu": pg.vcpu if pg else None,
                     "vcpu_needed": sizing.postgres_vcpu_needed,
                     "memory_gib": pg.memory_gib if pg else None},
        "redis": {"size": getattr(cfg.redis, facts.cache_size_key) if facts else None,
                  "memory_gib": cache.memory_gib if cache else None, "memory_gib_needed": PUBLISHED_REDIS_GIB,
                  "max_clients": cache.max_clients if cache else None,
                  "clients_at_peak": contract.peak_replicas(cfg.api.max_replicas, surge_percent)
                  * cfg.api.redis_max_connections + contract.peak_replicas(cfg.queue.max_replicas, surge_percent)
                  * cfg.queue.redis_max_connections},
        "notes": sizing.notes,
    }


def _headroom(capacity: float | int | None, load: float) -> float | None:
    if capacity is None or load <= 0:
        return None
    return round((capacity / load - 1) * 100, 1)


def render(stack: str, data: dict[str, Any]) -> str:
    """The derivation as a table a reviewer checks line by line."""
    i, load, f = data["inputs"], data["load"], data["figures"]
    rows: list[tuple[str, str, str]] = [
        ("capacity.requests_per_second", f"{i['requests_per_second']:g}", "sustained, input"),
        ("capacity.run_share", f"{i['run_share']:g}", "input"),
        ("capacity.average_run_seconds", f"{i['average_run_seconds']:g}", "input"),
        ("capacity.peak_factor", f"{i['peak_factor']:g}", "input"),
        ("runs/s", f"{load['runs_per_second']:g}", "requests/s x run_share"),
        ("runs at once", f"{load['concurrent_runs']}", "capacity.concurrent_runs, else runs/s x run seconds"),
    ]
    for name in ("api", "queue"):
        fig = f[name]
        rows.append((f"{name} per replica", f"{fig['value']:g} {fig['unit']}", fig["source"]))
    n = data["n_jobs_per_worker"]
    rows.append(("queue.n_jobs_per_worker", str(n["value"]), f"derived {n['derived']}: {n['rule']}"))
    for name in ("api", "queue"):
        r = data[name]
        unit = "requests/s" if name == "api" else "runs/s"
        rows.append((f"{name}.min_replicas", str(r["min_replicas"]),
                     f"carries {r['carries_at_min']:g} {unit} vs {r['sustained_load']:g} sustained "
                     f"(headroom {r['headroom_at_min_percent']:g} %)"))
        rows.append((f"{name}.max_replicas", str(r["max_replicas"]),
                     f"carries {r['carries_at_max']:g} {unit} vs {r['peak_load']:g} peak "
                     f"(headroom {r['headroom_at_max_percent']:g} %); {r['peak_replicas_during_deploy']} during a "
                     "rolling deploy"))
    q = data["queue"]
    how = "fixed count: the platform does not autoscale it" if not q["autoscales"] else \
        "scale out above it" if q["scaled_by"] == "its backlog" else f"unused: the queue scales on {q['scaled_by']}"
    rows.append(("queue backlog target", f"{q['backlog_target_per_worker']} runs in flight/worker", how))
    p = data["pools"]
    rows.append(("api.postgres_pool_max_size", str(p["api.postgres_pool_max_size"]), p["rule"].split(";")[0]))
    rows.append(("queue.postgres_pool_max_size", str(p["queue.postgres_pool_max_size"]), p["rule"].split("; ")[1]))
    for role in ("api", "queue"):
        rows.append((f"{role}.redis_max_connections", str(p[f"{role}.redis_max_connections"]), p["redis_rule"]))
    c = data["connections"]
    budget = c["max_connections"]
    rows.append(("Postgres connections at peak", f"{c['needed_at_peak']} / {budget if budget else '?'}",
                 f"max replicas x {c['surge_percent']} % surge x pools + reserve; headroom "
                 f"{c['headroom_percent'] if c['headroom_percent'] is not None else '?'} %"))
    pg = data["postgres"]
    rows.append(("postgres.instance_class", str(pg["instance_class"]),
                 f"{pg['vcpu'] if pg['vcpu'] is not None else '?'} vCPU vs {pg['vcpu_needed']} published for the load"))
    rd = data["redis"]
    rows.append(("redis size", str(rd["size"]),
                 f"{rd['memory_gib'] if rd['memory_gib'] is not None else '?'} GiB vs {rd['memory_gib_needed']:g} "
                 f"published; clients at peak {rd['clients_at_peak']} / {rd['max_clients'] or '?'}"))
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    lines = [f"Capacity of stack {stack}:", f"{'key'.ljust(width)}  {'value'.ljust(value_width)}  how",
             f"{'-' * width}  {'-' * value_width}  {'-' * 3}"]
    lines += [f"{k.ljust(width)}  {v.ljust(value_width)}  {how}" for k, v, how in rows]
    lines += [f"note: {note}" for note in data["notes"]]
    lines.append(f"sources: measured = scripts/load_harness.py on the development host (docs/reliability.md, "
                 f"\"Load figures\"); published = LangChain, {PUBLISHED_URL}")
    return "\n".join(lines)


def context(cfg: StackConfig) -> tuple[PlatformFacts | None, int, int]:
    """What the capacity model needs from the target and the environment: the platform's facts, the rolling-deploy
    surge, and the replica floor (prod's 2)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    facts = target.capacity_facts(cfg) if target is not None else None
    return facts, surge_percent(cfg), 2 if cfg.environment is Environment.PROD else 1


def capacity_report(cfg: StackConfig) -> dict[str, Any] | None:
    """The capacity derivation of a validated stack as data (None when it sets no `capacity`)."""
    return report(cfg, *context(cfg), max_connections(cfg))


def with_capacity(cfg: StackConfig, defaults: dict[str, Any], user: dict[str, Any]) -> StackConfig:
    """`cfg` with the sizes its `capacity` derives put between the profile and the user's own keys (explicit keys
    win; `checks.capacity_fit` then refuses those that cannot carry the load)."""
    queue = user.get("queue")
    explicit_jobs = isinstance(queue, dict) and "n_jobs_per_worker" in queue
    facts, surge, floor = context(cfg)
    sizing = derive(cfg, facts, surge, floor, cfg.queue.n_jobs_per_worker if explicit_jobs else None)
    if sizing is None:
        return cfg
    try:
        return type(cfg).model_validate(profiles.deep_merge(profiles.deep_merge(defaults, sizing.overlay(facts)),
                                                            user))
    except ValidationError:
        # A derived value outside a field's range (e.g. more replicas than allowed): the check names it.
        return cfg
