"""Generated credentials rotate (langgraph_infra.credentials) and a rotation reaches the running tasks, on AWS.

Given prod (rotation_days 90 by its profile), every generated password has a `time.Rotating` keeper; dev has none.
A new value of any created secret changes the task definitions (SECRETS_REVISION), which ECS rolls out, and reruns
the database bootstrap first.
"""

from __future__ import annotations

import json

import pytest

from langgraph_infra.aws.secrets import REVISION_ENV, revision_of
from langgraph_infra.mocks import PLAN_INSTANT
from tests.conftest import plan_of

PASSWORD = "random:index/randomPassword:RandomPassword"
ROTATING = "time:index/rotating:Rotating"
GENERATED = ["agent-cache-auth-token", "agent-db-password", "agent-db-server-password"]


def test_prod_rotates_every_generated_password_every_90_days():
    plan = plan_of("prod")
    timers = {r.name: r.inputs["rotationDays"] for r in plan.by_type(ROTATING)}
    assert timers == {f"{n}-rotation": 90 for n in GENERATED}
    for name in GENERATED:
        # The keeper is the timer's next rotation (the mocks' timer was created at PLAN_INSTANT).
        assert plan.one(PASSWORD, name).inputs["keepers"] == {"rotation": "2026-04-01T00:00:00Z"}
    assert PLAN_INSTANT == "2026-01-01T00:00:00Z"


def test_dev_keeps_its_passwords_until_told():
    plan = plan_of("dev")
    assert plan.by_type(ROTATING) == []
    assert all(not p.inputs.get("keepers") for p in plan.by_type(PASSWORD))
    assert {r.inputs["rotationDays"] for r in plan_of("dev", "postgres.rotation_days=30").by_type(ROTATING)} == {30}


def test_elasticache_adds_a_new_token_beside_the_old_one():
    group = plan_of("prod").one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert group["authTokenUpdateStrategy"] == "ROTATE"


@pytest.mark.parametrize("role", ["api", "queue"])
def test_both_task_definitions_name_the_secrets_current_versions(role):
    plan = plan_of("prod")
    [container] = [c for c in json.loads(plan.one("aws:ecs/taskDefinition:TaskDefinition", f"agent-service-{role}")
                                         .inputs["containerDefinitions"]) if c["name"] == "agent-server"]
    versions = {r.name.removeprefix("agent-secrets-").upper().replace("-", "_"): f"{r.name}-mock-version"
                for r in plan.by_type("aws:secretsmanager/secretVersion:SecretVersion") if r.parent == "agent-secrets"}
    assert {e["name"]: e["value"] for e in container["environment"]}[REVISION_ENV] == revision_of(versions)


def test_a_new_version_of_any_secret_is_a_new_revision():
    versions = {"POSTGRES_URI": "a", "REDIS_URI": "b"}
    assert revision_of(versions) == revision_of(dict(reversed(versions.items())))
    assert revision_of(versions) != revision_of({**versions, "POSTGRES_URI": "c"})
    assert revision_of(versions) != revision_of({**versions, "REDIS_URI": "c"})


def test_the_bootstrap_sets_a_new_password_before_the_services_roll():
    plan = plan_of("prod")
    run = plan.one("aws:lambda/invocation:Invocation")
    assert run.inputs["triggers"]["server_secret_version"] == "agent-secrets-postgres-uri-mock-version"
    for service in plan.by_type("aws:ecs/service:Service"):
        assert run.name in service.depends_on
