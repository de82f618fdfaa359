"""The `observability` and `alarms` settings: profile thresholds (prod stricter), one key overridden alone, and the
refusals (prod alarms that tell no one, a target that is neither an address nor an https URL, alarms on local)."""

from __future__ import annotations

import pytest

from langgraph_infra import ConfigError, build_config

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
PROD = {"ingress": {"require_https": False}}
NOTIFY = {"notify": ["oncall@example.com"]}


def raw(env: str, **overrides):
    return {"target": AWS, "environment": env, "secrets": {"LANGSMITH_API_KEY": {}}, **(PROD if env == "prod" else {}),
            **overrides}


def problems(config) -> list[str]:
    with pytest.raises(ConfigError) as err:
        build_config(config)
    return err.value.problems


def test_prod_alarms_that_tell_no_one_are_refused_naming_the_key_and_the_fix():
    [msg] = problems(raw("prod"))
    assert msg.startswith("alarms.notify is empty") and "alarms: {notify: [oncall@example.com]}" in msg
    assert "alarms.enabled=false" in msg


def test_prod_may_turn_alarms_off_on_purpose_and_dev_needs_no_target():
    assert build_config(raw("prod", alarms={"enabled": False})).alarms.enabled is False
    assert build_config(raw("dev")).alarms.notify == []


@pytest.mark.parametrize("target", ["oncall", "http://hooks.example.com/x", "mailto:a@example.com"])
def test_a_target_that_is_neither_an_address_nor_an_https_url_is_named(target):
    [msg] = problems(raw("dev", alarms={"notify": [target]}))
    assert msg.startswith("alarms.notify") and target in msg and "https://" in msg


def test_the_same_target_twice_is_refused():
    [msg] = problems(raw("dev", alarms={"notify": ["a@example.com", "a@example.com"]}))
    assert "listed twice" in msg


def test_local_has_no_alarms_and_refuses_a_target():
    local = {"target": {"cloud": "local", "runtime": "docker"}, "environment": "local"}
    assert build_config(local).alarms.enabled is False
    [msg] = problems({**local, "alarms": NOTIFY})
    assert msg.startswith("alarms.notify is a cloud setting")


def test_prod_thresholds_are_stricter_than_devs():
    dev, prod = build_config(raw("dev")).alarms, build_config(raw("prod", alarms=NOTIFY)).alarms
    assert prod.evaluation_minutes < dev.evaluation_minutes
    assert prod.http_5xx_percent < dev.http_5xx_percent and prod.p95_latency_seconds < dev.p95_latency_seconds
    assert prod.redis_evictions < dev.redis_evictions
    assert prod.postgres_cpu_percent < dev.postgres_cpu_percent
    assert prod.postgres_connections_percent < dev.postgres_connections_percent
    assert prod.redis_memory_percent < dev.redis_memory_percent
    assert prod.postgres_free_storage_percent > dev.postgres_free_storage_percent


def test_the_backlog_alarm_fires_only_beyond_what_queue_scaling_absorbs():
    # The queue scales out at N_JOBS_PER_WORKER waiting runs per worker (capacity.backlog_target): the alarm's
    # default is that backlog at queue.max_replicas, so it pages only when the queue is at its largest and behind.
    for cfg in (build_config(raw("dev")), build_config(raw("prod", alarms=NOTIFY)),
                build_config(raw("prod", alarms=NOTIFY, queue={"max_replicas": 40, "n_jobs_per_worker": 20}))):
        assert cfg.alarms.pending_runs == cfg.queue.n_jobs_per_worker * cfg.queue.max_replicas, cfg.queue
    assert build_config(raw("prod", alarms=NOTIFY)).alarms.pending_runs > 16 * 17


def test_one_threshold_overrides_the_profile_and_keeps_the_rest():
    cfg = build_config(raw("prod", alarms={**NOTIFY, "pending_runs": 5}))
    assert cfg.alarms.pending_runs == 5 and cfg.alarms.postgres_cpu_percent == 80


def test_a_negative_threshold_is_named_with_its_key():
    [msg] = problems(raw("dev", alarms={"pending_runs": -1}))
    assert msg.startswith("alarms.pending_runs=-1")


def test_the_langsmith_project_and_the_collector_are_settings():
    cfg = build_config(raw("dev", observability={"langsmith_project": "agents-dev", "collector": False}))
    assert (cfg.observability.langsmith_project, cfg.observability.collector) == ("agents-dev", False)
