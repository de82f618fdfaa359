"""Outside tools judge what the AWS plans contain: parliament every IAM policy, botocore's ECS service model every
task definition; and a canary secret proves no secret value is ever in plain text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator

from langgraph_infra.plan import SECRET, unwrap
from langgraph_infra.wire import SECRET_SIG_KEY
from tests.conftest import CANARY, plan_of, run_cli

PARLIAMENT = str(Path(sys.executable).with_name("parliament"))
STACKS = ["dev", "prod"]


def canary_plan(stack: str):
    licence = "LANGSMITH_API_KEY" if stack == "dev" else "LANGGRAPH_CLOUD_LICENSE_KEY"
    return plan_of(stack, secrets=(f"{licence}={CANARY}", f"OPENAI_API_KEY={CANARY}-openai"))


def identity_policies(plan) -> list[tuple[str, str]]:
    return [(r.name, r.inputs["policy"]) for r in plan.by_type("aws:iam/rolePolicy:RolePolicy")]


VARIANTS = [("dev",), ("prod",), ("dev", "server.enable_exec=true",
                                     'secrets.OPENAI_API_KEY={"existing": "arn:aws:secretsmanager:us-east-1:'
                                     '123456789012:secret:x-Ab12Cd", "kms_key_arn": "arn:aws:kms:us-east-1:'
                                     '123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}'),
            ("prod", "postgres.auth=iam")]


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=["dev", "prod", "dev-exec-kms", "prod-iam-auth"])
def test_every_iam_policy_passes_parliament(variant):
    policies = identity_policies(plan_of(*variant))
    assert len(policies) >= 2
    for name, document in policies:
        result = subprocess.run([PARLIAMENT, "--json"], input=document, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stdout.strip() == "", f"{name}: {result.stdout}{result.stderr}"


@pytest.mark.slow
def test_parliament_does_flag_a_bad_policy():
    bad = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValu", "Resource": "*"}]})
    result = subprocess.run([PARLIAMENT, "--json"], input=bad, capture_output=True, text=True, timeout=60)
    assert "UNKNOWN_ACTION" in result.stdout


@pytest.mark.parametrize("variant", VARIANTS, ids=["dev", "prod", "dev-exec-kms", "prod-iam-auth"])
def test_roles_trust_only_their_one_service_for_this_account(variant):
    # Trust policies have no Resource, which parliament (identity policies only) cannot read: checked here. The
    # source conditions stop another account from having the service assume the role for it (confused deputy).
    roles = plan_of(*variant).by_type("aws:iam/role:Role")
    assert len(roles) >= 4
    for role in roles:
        condition: dict = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        if role.name.endswith("flow-logs"):
            service = "vpc-flow-logs.amazonaws.com"
            condition["ArnLike"] = {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"}
        elif role.name.endswith("db-bootstrap-role"):
            # Lambda names no source ARN when it assumes an execution role: the account alone.
            service = "lambda.amazonaws.com"
        else:
            service = "ecs-tasks.amazonaws.com"
            condition["ArnLike"] = {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}
        doc = json.loads(role.inputs["assumeRolePolicy"])
        assert doc["Statement"] == [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                                     "Condition": condition}], role.name


def test_trust_conditions_follow_the_region():
    roles = plan_of("dev", "target.region=eu-west-3", "network.flow_logs=true").by_type("aws:iam/role:Role")
    sources = {json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]["Condition"].get("ArnLike", {}).get(
        "aws:SourceArn") for r in roles}
    assert sources - {None} == {"arn:aws:ecs:eu-west-3:123456789012:*", "arn:aws:ec2:eu-west-3:123456789012:vpc-flow-log/*"}


def register_task_definition_request(task: dict) -> dict:
    """What `pulumi up` sends as ecs:RegisterTaskDefinition, from the registered inputs."""
    return {
        "family": task["family"],
        "containerDefinitions": json.loads(task["containerDefinitions"]),
        "cpu": task["cpu"],
        "memory": task["memory"],
        "networkMode": task["networkMode"],
        "requiresCompatibilities": task["requiresCompatibilities"],
        "executionRoleArn": task["executionRoleArn"],
        "taskRoleArn": task["taskRoleArn"],
        "runtimePlatform": task["runtimePlatform"],
        "volumes": task["volumes"],
    }


@pytest.fixture(scope="module")
def ecs_model():
    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


@pytest.mark.parametrize("variant", VARIANTS, ids=["dev", "prod", "dev-exec-kms", "prod-iam-auth"])
def test_task_definitions_validate_against_botocore_ecs_model(variant, ecs_model):
    tasks = plan_of(*variant).by_type("aws:ecs/taskDefinition:TaskDefinition")
    assert len(tasks) == 2
    for task in tasks:
        report = ParamValidator().validate(register_task_definition_request(task.inputs), ecs_model)
        assert not report.has_errors(), f"{task.name}: {report.generate_report()}"


def test_botocore_model_does_catch_a_malformed_definition(ecs_model):
    task = plan_of("dev").by_type("aws:ecs/taskDefinition:TaskDefinition")[0].inputs
    request = register_task_definition_request(task)
    request["containerDefinitions"][0]["portMappings"][0]["containerPort"] = "8000"
    assert ParamValidator().validate(request, ecs_model).has_errors()


@pytest.mark.parametrize("stack", STACKS)
def test_container_definitions_are_canonical(stack):
    for task in plan_of(stack).by_type("aws:ecs/taskDefinition:TaskDefinition"):
        raw = task.inputs["containerDefinitions"]
        data = json.loads(raw)
        assert raw == json.dumps(data, sort_keys=True, separators=(",", ":"))
        # The server is essential; a collector that stops loses metrics, never the replica.
        assert [c["essential"] for c in data] == [True, False]
        for c in data:
            assert all(p["hostPort"] == p["containerPort"] for p in c["portMappings"])
            assert c["environment"] == sorted(c["environment"], key=lambda e: e["name"])
            assert c["secrets"] == sorted(c["secrets"], key=lambda e: e["name"])
            assert "null" not in raw
            for key in ("volumesFrom", "systemControls"):
                assert c[key] == []
            assert c["mountPoints"] == sorted(c["mountPoints"], key=lambda m: m["sourceVolume"])


@pytest.mark.parametrize("stack", STACKS)
def test_canary_secret_is_in_no_plain_input(stack):
    plan = canary_plan(stack)
    for r in plan.resources:
        # Secret-marked values are allowed to hold it (they are stored encrypted); nothing else may.
        plain = json.dumps(_strip_secrets(r.inputs))
        assert CANARY not in plain, f"{r.type} {r.name} holds the canary in plain text"


@pytest.mark.parametrize("stack", STACKS)
def test_canary_reaches_the_secret_manager_as_a_secret(stack):
    plan = canary_plan(stack)
    values = [unwrap(v.inputs["secretString"]) for v in plan.by_type("aws:secretsmanager/secretVersion:SecretVersion")]
    assert CANARY in values
    assert all(v.as_dict()["inputs"]["secretString"] == SECRET
               for v in plan.by_type("aws:secretsmanager/secretVersion:SecretVersion"))


@pytest.mark.parametrize("stack", STACKS)
def test_canary_is_in_no_export_nor_plan_output(stack):
    plan = canary_plan(stack)
    assert CANARY not in json.dumps(plan.redacted_outputs())
    assert CANARY not in json.dumps(plan.to_json())
    assert CANARY not in plan.render()
    # the generated connection passwords are secrets too
    for pw in plan.by_type("random:index/randomPassword:RandomPassword"):
        assert pw.name  # registered
    assert "plan-generated-" not in plan.render()


@pytest.mark.slow
def test_plan_cli_never_prints_a_secret_given_on_the_command_line():
    result = run_cli("--stack", "dev", "--json", "--secret", f"LANGSMITH_API_KEY={CANARY}")
    assert result.returncode == 0, result.stderr
    assert CANARY not in result.stdout + result.stderr
    resources = json.loads(result.stdout)["resources"]
    assert {"type", "name", "parent", "inputs"} <= set(resources[0])


def _strip_secrets(value):
    if isinstance(value, dict):
        if SECRET_SIG_KEY in value:
            return SECRET
        return {k: _strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secrets(v) for v in value]
    return value
