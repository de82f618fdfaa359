"""What a GCP plan must never do: print a secret, or load another cloud's SDK (and the reverse for AWS).

A canary value is planned as the licence key; it must not appear in the redacted plan, its text or JSON form, the
outputs, nor in any input that is not marked secret.
"""

from __future__ import annotations

import json

import pytest

from langgraph_infra.plan import SECRET, unwrap
from tests.conftest import CANARY, ROOT, plan_of, sdks_a_plan_loads

STACKS = ["gcp-dev", "gcp-prod"]


def canary_plan(stack: str):
    licence = "LANGSMITH_API_KEY" if stack == "gcp-dev" else "LANGGRAPH_CLOUD_LICENSE_KEY"
    return plan_of(stack, secrets=(f"{licence}={CANARY}", f"OPENAI_API_KEY={CANARY}-openai"))


@pytest.mark.parametrize("stack", STACKS)
def test_canary_is_stored_only_as_a_secret_version(stack):
    plan = canary_plan(stack)
    holders = [r.name for r in plan.resources if CANARY in json.dumps(r.inputs)]
    # The value does reach Secret Manager (wrapped), so the check below is not vacuous.
    assert holders and all(name.startswith("agent-secrets-") for name in holders)
    for r in plan.by_type("gcp:secretmanager/secretVersion:SecretVersion"):
        if CANARY in json.dumps(r.inputs):
            assert CANARY in unwrap(r.inputs["secretData"])
            assert r.as_dict()["inputs"]["secretData"] == SECRET


@pytest.mark.parametrize("stack", STACKS)
def test_canary_never_appears_in_a_non_secret_input(stack):
    plan = canary_plan(stack)
    for r in plan.resources:
        # Only values marked secret are redacted here: whatever is left is what a non-secret input holds.
        assert CANARY not in json.dumps(r.as_dict(redact=True)["inputs"]), r.name


@pytest.mark.parametrize("stack", STACKS)
def test_canary_never_appears_in_the_printed_plan_or_outputs(stack):
    plan = canary_plan(stack)
    assert CANARY not in plan.render()
    assert CANARY not in json.dumps(plan.to_json())
    assert CANARY not in json.dumps(plan.redacted_outputs())


@pytest.mark.parametrize("stack", STACKS)
def test_container_envs_hold_only_references_for_secrets(stack):
    plan = canary_plan(stack)
    for type_ in ("gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool"):
        # The server and its collector sidecar alike.
        containers = plan.one(type_).inputs["template"]["containers"]
        assert len(containers) == 2
        for c in containers:
            for env in c["envs"]:
                assert CANARY not in json.dumps(env)
                if env["name"] in ("POSTGRES_URI", "REDIS_URI", "OPENAI_API_KEY"):
                    assert set(env) == {"name", "valueSource"}


def loaded_cloud_sdks(stack: str) -> set[str]:
    return set(sdks_a_plan_loads(ROOT, stack) & {"pulumi_aws", "pulumi_gcp"})


@pytest.mark.slow
def test_a_gcp_plan_does_not_import_pulumi_aws():
    assert loaded_cloud_sdks("gcp-dev") == {"pulumi_gcp"}


@pytest.mark.slow
def test_an_aws_plan_does_not_import_pulumi_gcp():
    assert loaded_cloud_sdks("dev") == {"pulumi_aws"}
