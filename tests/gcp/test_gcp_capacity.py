"""What GCP tells the capacity model: Cloud Run's worker pool does not autoscale, sizes smallest first."""

from __future__ import annotations

from langgraph_infra import build_config
from langgraph_infra.gcp import capacity, limits

GCP = {"cloud": "gcp", "region": "europe-west1", "project": "acme-agents-prod"}


def cfg(runtime: str):
    # A GKE stack names the ingress path its NetworkPolicy admits (checks.kubernetes refuses it otherwise).
    gke = {"kubernetes": {"gateway_name": "external", "ingress_from_namespace": "gateway"}} if runtime == "gke" else {}
    return build_config({"target": {**GCP, "runtime": runtime}, "environment": "dev",
                         "secrets": {"LANGSMITH_API_KEY": {}}, **gke})


def test_a_cloud_run_worker_pool_does_not_autoscale_and_gke_does():
    assert capacity.capacity_facts(cfg("cloudrun")).queue_autoscales is False
    assert capacity.capacity_facts(cfg("gke")).queue_autoscales is True


def test_the_sizes_are_smallest_first_and_valid_cloud_sql_tiers():
    facts = capacity.capacity_facts(cfg("cloudrun"))
    tiers = facts.database_sizes
    assert [t.vcpu for t in tiers] == sorted(t.vcpu for t in tiers)
    assert [t.max_connections for t in tiers] == sorted(t.max_connections for t in tiers)
    for tier in tiers:
        assert limits.check_cloud_sql_tier(tier.name, prod=True) == [], tier.name
    assert facts.sets_max_connections and facts.cache_size_key == "memory_size_gib"
    assert all(c.max_clients == 65000 for c in facts.cache_sizes)


def test_gke_scales_the_queue_on_its_backlog_unless_the_stack_chose_cpu():
    assert capacity.capacity_facts(cfg("gke")).queue_scaled_by == "its backlog"
    on_cpu = cfg("gke").model_copy(update={"kubernetes": cfg("gke").kubernetes.model_copy(
        update={"queue_scaling": "cpu"})})
    assert capacity.capacity_facts(on_cpu).queue_scaled_by == "CPU (kubernetes.queue_scaling=cpu)"


def test_plan_capacity_says_whether_the_gke_queue_follows_the_backlog_target():
    import json

    from tests.conftest import cli

    backlog = cli("--stack", "gke-prod", "--capacity")
    assert backlog.returncode == 0, backlog.stderr
    [row] = [line for line in backlog.stdout.splitlines() if line.startswith("queue backlog target")]
    assert row.endswith("runs in flight/worker  scale out above it")
    on_cpu = cli("--stack", "gke-prod", "--capacity", "--json", "--set", "kubernetes.queue_scaling=cpu")
    assert on_cpu.returncode == 0, on_cpu.stderr
    assert json.loads(on_cpu.stdout)["queue"]["scaled_by"] == "CPU (kubernetes.queue_scaling=cpu)"
