"""The capacity model: prod carries 500 requests/s by arithmetic, explicit sizes win, and sizes that cannot carry the
capacity are refused naming both keys."""

from __future__ import annotations

import math

import pytest

from langgraph_infra import ConfigError, build_config
from langgraph_infra.contract import connections_needed, peak_replicas
from langgraph_infra.derive import capacity
from langgraph_infra.derive.capacity import capacity_report
from langgraph_infra.derive.connections import max_connections

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
GCP = {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-prod"}
LICENSE = {"LANGSMITH_API_KEY": {}}


def stack(env: str = "prod", target=AWS, **overrides):
    raw = {"target": target, "environment": env, "secrets": LICENSE, **overrides}
    if env == "prod":
        raw.setdefault("alarms", {"notify": ["oncall@example.com"]})
    if env == "prod" and target is AWS:
        raw.setdefault("ingress", {"domain": "agents.example.com", "hosted_zone_id": "Z0123"})
    if env == "prod" and target is GCP:
        raw.setdefault("ingress", {"public": False})
    return raw


def problems(raw) -> list[str]:
    with pytest.raises(ConfigError) as err:
        build_config(raw)
    return err.value.problems


def carried_requests(replicas: int, cpu: float) -> float:
    return replicas * capacity.api_figure(cpu).value


def carried_runs(replicas: int, cpu: float, n_jobs: int, run_seconds: float) -> float:
    """Runs/s `replicas` workers sustain: each bounded by its slots (n_jobs per run length) and its run rate."""
    return replicas * min(capacity.queue_figure(cpu).value, n_jobs / run_seconds)


# The prod profiles carry 500 requests/s ----------------------------------------------------------------------------

@pytest.mark.parametrize("target", [AWS, GCP], ids=["aws", "gcp"])
def test_prod_profile_carries_500_requests_per_second_sustained_and_twice_that_at_peak(target):
    cfg = build_config(stack("prod", target))
    cap = cfg.capacity
    assert cap.requests_per_second == 500
    runs = cap.requests_per_second * cap.run_share
    assert carried_requests(cfg.api.min_replicas, cfg.api.cpu) >= cap.requests_per_second
    assert carried_requests(cfg.api.max_replicas, cfg.api.cpu) >= cap.requests_per_second * cap.peak_factor
    n_jobs, seconds = cfg.queue.n_jobs_per_worker, cap.average_run_seconds
    assert carried_runs(cfg.queue.min_replicas, cfg.queue.cpu, n_jobs, seconds) >= runs
    assert carried_runs(cfg.queue.max_replicas, cfg.queue.cpu, n_jobs, seconds) >= runs * cap.peak_factor
    # Runs at once fit the slots at the peak.
    assert cfg.queue.max_replicas * n_jobs >= runs * seconds * cap.peak_factor


def test_prod_on_aws_derives_these_sizes_from_the_arithmetic():
    cfg = build_config(stack("prod"))
    # API: 500 / 43.2 -> 12, 1000 / 43.2 -> 24. Queue: 250 runs/s / 15.5 -> 17, 500 / 15.5 -> 33.
    assert (cfg.api.min_replicas, cfg.api.max_replicas) == (12, 24)
    assert (cfg.queue.min_replicas, cfg.queue.max_replicas) == (17, 33)
    # 15.5 runs/s x 1 s per run -> 16 slots per worker; pools: max(10, 43.2 x 0.25) and 16 + 5.
    assert cfg.queue.n_jobs_per_worker == 16
    assert (cfg.api.postgres_pool_max_size, cfg.queue.postgres_pool_max_size) == (11, 21)
    # 8 vCPU (LangChain's Postgres for ~1000 requests/s) holding 48 x 11 + 66 x 21 + 10 = 1924 connections.
    assert cfg.postgres.instance_class == "db.m7g.2xlarge"
    assert cfg.redis.node_type == "cache.m7g.large"


def test_prod_connections_at_the_rolling_deploy_peak_fit_the_derived_database():
    for target in (AWS, GCP):
        cfg = build_config(stack("prod", target))
        needed = connections_needed(peak_replicas(cfg.api.max_replicas, 200), cfg.api.postgres_pool_max_size,
                                    peak_replicas(cfg.queue.max_replicas, 200), cfg.queue.postgres_pool_max_size,
                                    cfg.postgres.connection_reserve)
        assert needed == 1924
        assert needed <= max_connections(cfg)


def test_gcp_prod_runs_a_fixed_worker_pool_that_carries_the_peak():
    cfg = build_config(stack("prod", GCP))
    assert cfg.queue.min_replicas == cfg.queue.max_replicas == 33
    assert (cfg.postgres.instance_class, cfg.postgres.max_connections) == ("db-custom-8-32768", 3200)
    assert cfg.redis.memory_size_gib == 5


def test_dev_sets_no_capacity_and_keeps_its_hand_sizes():
    cfg = build_config(stack("dev"))
    assert cfg.capacity.requests_per_second is None
    assert (cfg.api.max_replicas, cfg.queue.max_replicas, cfg.postgres.instance_class) == (1, 1, "db.t4g.micro")
    assert capacity_report(cfg) is None


# Explicit sizes win; sizes that cannot carry the capacity are refused ---------------------------------------------

def test_explicit_sizes_win_over_the_derived_ones():
    cfg = build_config(stack("prod", postgres={"instance_class": "db.m7g.4xlarge"}, api={"max_replicas": 30},
                             queue={"n_jobs_per_worker": 50}))
    assert cfg.postgres.instance_class == "db.m7g.4xlarge"
    assert cfg.api.max_replicas == 30
    assert cfg.queue.n_jobs_per_worker == 50
    assert cfg.api.min_replicas == 12  # still derived


def test_lowering_max_replicas_below_the_capacity_is_refused_naming_both_keys():
    found = problems(stack("prod", api={"max_replicas": 20}, queue={"max_replicas": 30}))
    api = next(p for p in found if "api.max_replicas=20" in p)
    assert "capacity.requests_per_second=500" in api and "at least 24" in api
    queue = next(p for p in found if "queue.max_replicas=30" in p)
    assert "capacity.requests_per_second=500" in queue and "at least 33" in queue


def test_a_smaller_database_than_the_load_needs_is_refused_with_the_connection_budget():
    found = problems(stack("prod", postgres={"instance_class": "db.m7g.large"}))
    assert any(p.startswith("connection pools exceed the database") and "max_connections 901" in p for p in found)
    assert any("postgres.instance_class=db.m7g.large has 2" in p and "at least 8 vCPU" in p for p in found)


def test_redis_connections_beyond_the_client_limit_are_refused():
    found = problems(stack("prod", api={"redis_max_connections": 2000}))
    assert any("Redis connections exceed" in p and "> 65000" in p for p in found)


def test_lower_capacity_derives_fewer_replicas():
    cfg = build_config(stack("prod", capacity={"requests_per_second": 50}))
    assert (cfg.api.min_replicas, cfg.api.max_replicas) == (2, 3)  # prod's floor of 2; 100 / 43.2 -> 3
    assert cfg.postgres.instance_class == "db.m7g.xlarge"  # 4 vCPU for up to 100 requests/s


def test_long_runs_raise_the_jobs_per_worker_up_to_the_published_50():
    cfg = build_config(stack("prod", capacity={"requests_per_second": 40, "average_run_seconds": 30}))
    assert cfg.queue.n_jobs_per_worker == 50
    # 20 runs/s x 30 s = 600 at once: 12 workers of 50 slots, 24 at the peak.
    assert (cfg.queue.min_replicas, cfg.queue.max_replicas) == (12, 24)
    # 48 x 55 + 4 x 11 + 10 = 2694 connections at the rolling-deploy peak: the 32 GiB class (3604).
    assert cfg.postgres.instance_class == "db.m7g.2xlarge"


def test_bad_capacity_input_is_reported_in_one_run_by_key():
    found = problems(stack("prod", capacity={"requests_per_second": -5, "run_share": 1.5, "average_run_seconds": 0,
                                             "peak_factor": 0.5}))
    keys = sorted(p.split("=")[0] for p in found if p.startswith("capacity."))
    assert keys == ["capacity.average_run_seconds", "capacity.peak_factor", "capacity.requests_per_second",
                    "capacity.run_share"]


def test_queue_min_replicas_zero_is_refused_even_with_a_capacity():
    found = problems(stack("prod", queue={"min_replicas": 0}))
    assert any(p.startswith("queue.min_replicas=0") and "never scale to zero" in p for p in found)


# The figures and their sources ------------------------------------------------------------------------------------

def test_each_figure_is_the_lower_of_measured_and_published_with_its_source():
    api = capacity.api_figure(1)
    assert api.value == min(capacity.MEASURED_API_REQUESTS_PER_SECOND, capacity.PUBLISHED_API_REQUESTS_PER_SECOND)
    assert "measured 43.2" in api.source and "the lower" in api.source
    published_lower = capacity.Figure("x", "runs/s", measured=80, published=50, cpu_factor=1)
    assert published_lower.value == 50 and capacity.PUBLISHED_URL in published_lower.source


def test_a_replica_counts_its_vcpus_up_to_one():
    assert capacity.api_figure(0.5).value == pytest.approx(capacity.api_figure(1).value / 2)
    assert capacity.api_figure(4).value == capacity.api_figure(1).value


@pytest.mark.parametrize(("rps", "vcpu"), [(5, 2), (50, 4), (500, 8), (1000, 8), (5000, 16)])
def test_postgres_vcpus_follow_the_published_examples(rps, vcpu):
    assert capacity.postgres_vcpu_needed(rps) == vcpu


def test_backlog_target_is_one_workers_slots():
    cfg = build_config(stack("prod"))
    assert capacity.backlog_target(cfg.queue.n_jobs_per_worker) == 16
    assert math.isclose(capacity_report(cfg)["queue"]["backlog_target_per_worker"], 16)


def test_report_shows_connections_at_peak_against_the_budget_with_headroom():
    data = capacity_report(build_config(stack("prod")))
    assert data["connections"] == {"needed_at_peak": 1924, "max_connections": 3604, "surge_percent": 200,
                                   "headroom_percent": 87.3}
    assert data["api"]["peak_replicas_during_deploy"] == 48
    assert data["figures"]["api"]["source"].startswith("measured 43.2")


def test_redis_connections_per_replica_share_the_client_limit_at_the_peak():
    cfg = build_config(stack("prod", capacity={"requests_per_second": 1000}))
    peak = peak_replicas(cfg.api.max_replicas, 200) + peak_replicas(cfg.queue.max_replicas, 200)
    assert (cfg.api.redis_max_connections, cfg.queue.redis_max_connections) == (261, 261)  # 65000 x 0.9 // 224
    assert peak * 261 <= 65000 * capacity.REDIS_CLIENT_SHARE
    # At 500 requests/s the profile's 500 per replica already fits (114 x 500 = 57000).
    assert build_config(stack("prod")).api.redis_max_connections == 500
