"""GCP configuration rules: what Cloud Run, Cloud SQL and Memorystore accept, checked before any resource exists.

Given a GCP stack's config with one bad value, when it is validated, then the error names the key and the value.
"""

from __future__ import annotations

import copy

import pytest

from langgraph_infra import ConfigError, build_config
from langgraph_infra.gcp import limits
from langgraph_infra.naming import bounded

BASE = {
    "target": {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"},
    "environment": "dev",
    "secrets": {"LANGSMITH_API_KEY": {}},
    # Prod refuses alarms that tell no one; a dev stack may name a target too.
    "alarms": {"notify": ["oncall@example.com"]},
}


def config(**overrides):
    raw = copy.deepcopy(BASE)
    for path, value in overrides.items():
        node = raw
        *parents, last = path.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return build_config(raw)


def problems(**overrides) -> str:
    with pytest.raises(ConfigError) as err:
        config(**overrides)
    return "\n".join(err.value.problems)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_profiles_are_valid_on_cloud_run(environment):
    assert config(environment=environment).target.runtime.value == "cloudrun"


def test_missing_project_is_named():
    raw = copy.deepcopy(BASE)
    del raw["target"]["project"]
    with pytest.raises(ConfigError) as err:
        build_config(raw)
    assert any("target.project" in p for p in err.value.problems)


def test_cloud_run_cpu_must_be_a_whole_allowed_size():
    text = problems(api__cpu=3)
    assert "api.cpu=3" in text and "1, 2, 4, 6, 8" in text


def test_memory_too_big_for_the_cpu_is_named():
    text = problems(queue__cpu=1, queue__memory_mib=8192)
    assert "queue.memory_mib=8192" in text and "queue.cpu of at least 2" in text


def test_four_cpus_need_two_gib():
    text = problems(api__cpu=4, api__memory_mib=1024)
    assert "api.memory_mib=1024" in text and "at least 2048" in text


def test_memory_above_cloud_runs_maximum_is_named():
    text = problems(api__cpu=8, api__memory_mib=40960)
    assert "api.memory_mib=40960" in text and "32768" in text


def test_queue_worker_pool_needs_a_fixed_count():
    text = problems(queue__min_replicas=1, queue__max_replicas=3)
    assert "queue.max_replicas=3" in text and "queue.min_replicas=1" in text


def test_explicit_shutdown_grace_does_not_fit_cloud_run():
    text = problems(server__shutdown_grace_seconds=60)
    assert "server.shutdown_grace_seconds=60" in text and "10 s" in text


def test_enterprise_plus_trap_is_avoided_for_custom_tiers():
    assert limits.edition("db-custom-2-8192") == "ENTERPRISE"
    assert limits.edition("db-f1-micro") == "ENTERPRISE"
    assert limits.edition("db-perf-optimized-N-8") == "ENTERPRISE_PLUS"


def test_an_rds_class_is_not_a_cloud_sql_tier():
    text = problems(postgres__instance_class="db.t4g.micro")
    assert "postgres.instance_class=db.t4g.micro" in text and "db-custom-" in text


@pytest.mark.parametrize(("tier", "fragment"), [
    ("db-custom-3-7680", "1 or an even number"),
    ("db-custom-2-2048", "between 3840 and 13312"),
    ("db-custom-1-4000", "multiple of 256"),
])
def test_custom_tier_shape_is_checked(tier, fragment):
    text = problems(postgres__instance_class=tier)
    assert f"postgres.instance_class={tier}" in text and fragment in text


def test_shared_core_tier_is_refused_in_prod():
    text = problems(environment="prod", postgres__instance_class="db-f1-micro", postgres__max_connections=25,
                    api__max_replicas=2, api__postgres_pool_max_size=1, queue__postgres_pool_max_size=1)
    assert "postgres.instance_class=db-f1-micro is shared-core" in text


def test_max_connections_is_required_on_gcp():
    text = problems(postgres__max_connections=None)
    assert "postgres.max_connections is required on gcp" in text


def test_pools_must_fit_max_connections():
    text = problems(postgres__max_connections=50)
    assert "connection pools exceed the database" in text and "max_connections 50" in text


def test_memorystore_needs_a_size_not_a_node_type():
    text = problems(redis__memory_size_gib=None, redis__node_type="cache.t4g.micro")
    assert "redis.memory_size_gib is required on gcp" in text
    assert "redis.node_type=cache.t4g.micro is an aws setting" in text


def test_memorystore_version_must_exist():
    text = problems(redis__version="7.4")
    assert "redis.version=7.4" in text and "7.0, 7.2" in text


def test_read_replicas_need_five_gib():
    text = problems(redis__replicas=2, redis__memory_size_gib=1)
    assert "redis.replicas=2" in text and "5 GiB" in text


def test_source_cidrs_cannot_be_enforced_by_cloud_run():
    text = problems(ingress__allowed_cidrs=["203.0.113.0/24"])
    assert "ingress.allowed_cidrs" in text and "ingress.public=false" in text


def test_vpc_cidr_must_hold_two_ranges():
    text = problems(network__vpc_cidr="10.40.0.0/24")
    assert "network.vpc_cidr=10.40.0.0/24" in text


def test_address_plan_splits_the_vpc_cidr_into_subnet_and_services_range():
    assert limits.address_plan("10.40.0.0/16") == ("10.40.0.0/20", "10.40.16.0", 20)


def test_bounded_names_keep_their_limit_and_stay_distinct():
    a, b = bounded("x" * 40 + "-api", 30), bounded("x" * 40 + "-queue", 30)
    assert len(a) <= 30 and len(b) <= 30 and a != b
    assert bounded("short-name", 30) == "short-name"


@pytest.mark.parametrize("key,value,expected", [
    ("target__region", "Europe West 1", "target.region=Europe West 1 is not a GCP region"),
    ("target__region", "us-east-1", "target.region=us-east-1 is not a GCP region"),
    ("target__project", "My Project", "target.project=My Project is not a GCP project id"),
    ("target__project", "123456789012", "target.project=123456789012 is not a GCP project id"),
    ("tags", {"CostCenter": "R&D"}, "tags.CostCenter=R&D is not a GCP label"),
])
def test_names_gcp_would_refuse_are_refused_before_any_call(key, value, expected):
    assert expected in problems(**{key: value})


def test_valid_gcp_names_pass():
    assert config(target__region="northamerica-northeast1", target__project="acme-agents-prod-42",
                  tags={"cost-center": "r_and_d"}).tags == {"cost-center": "r_and_d"}
