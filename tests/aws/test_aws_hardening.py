"""Defense in depth on AWS (issue 14): hardened containers, the audit trail, scanned images, customer keys."""

from __future__ import annotations

import json

import pytest

from langgraph_infra import contract
from tests.conftest import plan_of

TASK = "aws:ecs/taskDefinition:TaskDefinition"


def containers(plan) -> list[tuple[dict, dict]]:
    """(task inputs, container definition) of every task definition."""
    return [(t.inputs, c) for t in plan.by_type(TASK) for c in json.loads(t.inputs["containerDefinitions"])]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_containers_run_read_only_as_the_image_user_with_no_capability(stack):
    found = containers(plan_of(stack))
    assert len(found) == 2
    for _, c in found:
        assert c["readonlyRootFilesystem"] is True
        assert c["user"] == "1000:1000"
        assert c["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
        assert "privileged" not in c


def test_only_the_contract_writable_paths_are_scratch_volumes_of_the_task():
    for task, c in containers(plan_of("prod")):
        assert [m["containerPath"] for m in c["mountPoints"]] == list(contract.WRITABLE_PATHS)
        assert all(m["readOnly"] is False for m in c["mountPoints"])
        # Task volumes with no host path: Fargate's ephemeral storage, empty at start.
        assert task["volumes"] == [{"name": m["sourceVolume"]} for m in c["mountPoints"]]


def test_ecs_exec_adds_the_ssm_agent_paths_it_needs_on_a_read_only_root():
    for task, c in containers(plan_of("dev", "server.enable_exec=true")):
        paths = {m["containerPath"] for m in c["mountPoints"]}
        assert paths == {*contract.WRITABLE_PATHS, "/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}
        assert {v["name"] for v in task["volumes"]} == {m["sourceVolume"] for m in c["mountPoints"]}
        assert c["readonlyRootFilesystem"] is True


def test_the_image_user_is_the_dockerfile_user():
    from langgraph_infra.dockerfile import EPILOGUE

    assert f"USER {contract.RUNTIME_UID}:{contract.RUNTIME_GID}" in EPILOGUE
