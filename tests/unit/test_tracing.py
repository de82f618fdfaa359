"""LangSmith tracing per environment: on exactly when a LangSmith key reaches the server, into a project named after
the stack (overridable), on every target. Given a stack, when it is planned, then each replica's environment says so.
"""

from __future__ import annotations

import json

import pytest

from langgraph_infra import build_config
from langgraph_infra.plan import unwrap
from langgraph_infra.server import role_specs
from tests.conftest import plan_of

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}


def aws_env(plan, role: str) -> dict[str, str]:
    task = plan.one("aws:ecs/taskDefinition:TaskDefinition", f"agent-service-{role}")
    [server] = [c for c in json.loads(task.inputs["containerDefinitions"]) if c["name"] == "agent-server"]
    return {e["name"]: e["value"] for e in server["environment"]}


def gcp_env(plan, role: str) -> dict[str, str]:
    kind = "gcp:cloudrunv2/service:Service" if role == "api" else "gcp:cloudrunv2/workerPool:WorkerPool"
    [server] = [c for c in plan.one(kind).inputs["template"]["containers"] if c.get("name", "agent-server") ==
                "agent-server"]
    return {e["name"]: e.get("value") for e in server["envs"] if "value" in e}


def local_env(plan, role: str) -> dict[str, str]:
    entries = unwrap(plan.one("docker:index/container:Container", f"agent-service-{role}").inputs.get("envs") or [])
    return dict(e.split("=", 1) for e in entries)


@pytest.mark.parametrize("stack,env_of,project", [
    ("dev", aws_env, "langgraph-dev"), ("gcp-dev", gcp_env, "langgraph-gcp-dev"), ("local", local_env,
                                                                                     "langgraph-local")])
@pytest.mark.parametrize("role", ["api", "queue"])
def test_a_langsmith_key_turns_tracing_on_into_the_stacks_own_project(stack, env_of, project, role):
    env = env_of(plan_of(stack), role)
    assert env["LANGSMITH_TRACING"] == "true"
    assert env["LANGSMITH_PROJECT"] == project


@pytest.mark.parametrize("stack,env_of", [("prod", aws_env), ("gcp-prod", gcp_env)])
@pytest.mark.parametrize("role", ["api", "queue"])
def test_without_a_langsmith_key_tracing_is_off_and_names_no_project(stack, env_of, role):
    # The prod stacks carry the licence key only: the server must not turn tracing on by itself.
    env = env_of(plan_of(stack), role)
    assert env["LANGSMITH_TRACING"] == "false"
    assert "LANGSMITH_PROJECT" not in env


def test_the_project_can_be_named_in_config():
    env = aws_env(plan_of("dev", "observability.langsmith_project=agents-dev-traces"), "api")
    assert env["LANGSMITH_PROJECT"] == "agents-dev-traces"


def test_dev_and_prod_of_one_app_trace_into_different_projects():
    def project(env: str) -> str:
        raw = {"target": AWS, "environment": env, "secrets": {"LANGSMITH_API_KEY": {}},
               "ingress": {"require_https": False}, "alarms": {"notify": ["oncall@example.com"]}}
        return str(role_specs(build_config(raw), 100, stack=env)["api"].environment["LANGSMITH_PROJECT"])

    assert (project("dev"), project("prod")) == ("langgraph-dev", "langgraph-prod")


def test_the_key_itself_is_passed_by_reference_only():
    task = plan_of("dev").one("aws:ecs/taskDefinition:TaskDefinition", "agent-service-api")
    [server] = [c for c in json.loads(task.inputs["containerDefinitions"]) if c["name"] == "agent-server"]
    assert "LANGSMITH_API_KEY" in {s["name"] for s in server["secrets"]}
    assert "LANGSMITH_API_KEY" not in {e["name"] for e in server["environment"]}
