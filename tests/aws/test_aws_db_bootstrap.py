"""The database bootstrap on AWS (aws.database_bootstrap) as the real stack program registers it under Pulumi's mocks.

Given a stack, the server's role is made by a Lambda function in the private subnets, invoked by `pulumi up` before
any ECS service exists, from the master's secret that only it reads; the containers get the server role's URI.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from langgraph_infra import db_bootstrap
from langgraph_infra.aws import database_bootstrap as aws_bootstrap
from langgraph_infra.mocks import mock_id, mock_secret
from langgraph_infra.plan import unwrap
from tests.conftest import plan_of

FUNCTION = "aws:lambda/function:Function"
INVOCATION = "aws:lambda/invocation:Invocation"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
TASKDEF = "aws:ecs/taskDefinition:TaskDefinition"
STACKS = ["dev", "prod"]


def secret_value(plan, name: str) -> str:
    return unwrap(plan.one(VERSION, name).inputs["secretString"])


def uri_user(uri: str) -> str:
    return db_bootstrap.Login.from_uri(uri).user


@pytest.mark.parametrize("stack", STACKS)
def test_the_containers_get_the_server_roles_uri_never_the_masters(stack):
    plan = plan_of(stack)
    assert uri_user(secret_value(plan, "agent-secrets-postgres-uri")) == "langgraph_server"
    assert uri_user(secret_value(plan, "agent-db-bootstrap-master")) == "langgraph"
    master_arn = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:langgraph-{stack}/postgres-master-mock00"
    for taskdef in plan.by_type(TASKDEF):
        [container] = [c for c in json.loads(taskdef.inputs["containerDefinitions"]) if c["name"] == "agent-server"]
        refs = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert refs["POSTGRES_URI"].endswith(f":secret:langgraph-{stack}/POSTGRES_URI-mock00")
        assert master_arn not in json.dumps(taskdef.inputs)
    for policy in plan.by_type("aws:iam/rolePolicy:RolePolicy"):
        reads_master = master_arn in policy.inputs["policy"]
        assert reads_master == (policy.name == "agent-db-bootstrap-role"), policy.name


@pytest.mark.parametrize("stack", STACKS)
def test_the_generated_passwords_are_in_no_plain_input(stack):
    plan = plan_of(stack)
    master = mock_secret("generated", "agent-db-password")[:40]
    server = mock_secret("generated", "agent-db-server-password")[:40]
    for r in plan.resources:
        plain = json.dumps(r.as_dict()["inputs"])
        assert master not in plain and server not in plain, f"{r.type} {r.name}"
    assert server in secret_value(plan, "agent-secrets-postgres-uri")
    assert master not in secret_value(plan, "agent-secrets-postgres-uri")


@pytest.mark.parametrize("stack", STACKS)
def test_pulumi_up_invokes_the_bootstrap_after_the_database_and_before_the_services(stack):
    plan = plan_of(stack)
    run = plan.one(INVOCATION)
    assert run.inputs["functionName"] == f"langgraph-{stack}-db-bootstrap"
    assert {"agent-db-postgres", "agent-db-bootstrap-db-from-bootstrap", "agent-db-bootstrap-to-db"} <= set(
        run.depends_on)
    services = plan.by_type("aws:ecs/service:Service")
    assert len(services) == 2
    for service in services:
        assert run.name in service.depends_on, service.name


@pytest.mark.parametrize("stack", STACKS)
def test_a_new_password_or_new_sql_runs_the_bootstrap_again(stack):
    triggers = plan_of(stack).one(INVOCATION).inputs["triggers"]
    assert triggers["server_secret_version"] == "agent-secrets-postgres-uri-mock-version"
    assert triggers["sql"] == db_bootstrap.fingerprint("langgraph_server", "langgraph")
    assert plan_of(stack, "postgres.server_username=agent_db").one(INVOCATION).inputs["triggers"]["sql"] != \
        triggers["sql"]


def test_the_event_names_the_secrets_not_their_values():
    plan = plan_of("prod")
    event = json.loads(plan.one(INVOCATION).inputs["input"])
    assert event == {
        "master_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:langgraph-prod/postgres-master-mock00",
        "server_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:langgraph-prod/POSTGRES_URI-mock00",
        "extensions": [], "iam_grant": "none"}


def test_an_app_with_a_semantic_store_gets_pgvector(tmp_path):
    app = Path(__file__).resolve().parents[2] / "app"
    data = json.loads((app / "langgraph.json").read_text())
    assert "index" not in (data.get("store") or {})
    data["store"] = {"index": {"embed": "openai:text-embedding-3-small", "dims": 1536}}
    from langgraph_infra import langgraph_json

    assert langgraph_json.postgres_extensions(data) == ["vector"]
    assert langgraph_json.postgres_extensions(json.loads((app / "langgraph.json").read_text())) == []
    assert db_bootstrap.fingerprint("r", "d", extensions=["vector"]) != db_bootstrap.fingerprint("r", "d")
    vector = [s.sql for s in db_bootstrap.statements("r", "d", password=None, extensions=["vector"])]
    assert 'CREATE EXTENSION IF NOT EXISTS "vector" WITH SCHEMA public' in vector


@pytest.mark.parametrize("stack", STACKS)
def test_the_function_runs_in_the_private_subnets_and_reaches_only_postgres_and_https(stack):
    plan = plan_of(stack)
    fn = plan.one(FUNCTION).inputs
    assert fn["vpcConfig"]["subnetIds"] == [mock_id(f"agent-network-private-{i}", "aws:ec2/subnet:Subnet")
                                            for i in range(2)]
    sg = mock_id("agent-db-bootstrap-sg", "aws:ec2/securityGroup:SecurityGroup")
    assert fn["vpcConfig"]["securityGroupIds"] == [sg]
    egress = sorted((r.inputs["fromPort"], r.inputs.get("cidrIpv4") or r.inputs["referencedSecurityGroupId"])
                    for r in plan.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                    if r.inputs["securityGroupId"] == sg)
    assert egress == [(443, "0.0.0.0/0"), (5432, mock_id("agent-db-sg", "aws:ec2/securityGroup:SecurityGroup"))]
    [ingress] = [r.inputs for r in plan.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                 if r.inputs.get("referencedSecurityGroupId") == sg]
    assert ingress["securityGroupId"] == mock_id("agent-db-sg", "aws:ec2/securityGroup:SecurityGroup")
    assert ingress["fromPort"] == ingress["toPort"] == 5432


@pytest.mark.parametrize("stack,days", [("dev", None), ("prod", None)])
def test_the_functions_log_group_is_the_stacks_with_its_retention(stack, days):
    plan = plan_of(stack)
    logs = plan.one("aws:cloudwatch/logGroup:LogGroup", "agent-db-bootstrap-logs").inputs
    assert logs["name"] == f"/aws/lambda/langgraph-{stack}-db-bootstrap"
    api_logs = plan.one("aws:cloudwatch/logGroup:LogGroup", "agent-service-api").inputs
    assert logs["retentionInDays"] == api_logs["retentionInDays"]
    assert plan.one(FUNCTION).inputs["loggingConfig"]["logGroup"] == logs["name"]


def test_the_function_reads_exactly_its_two_secrets_and_writes_only_its_logs():
    policy = json.loads(plan_of("prod").one("aws:iam/rolePolicy:RolePolicy", "agent-db-bootstrap-role").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert sorted(by_sid["ReadOwnSecrets"]["Resource"]) == [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:langgraph-prod/POSTGRES_URI-mock00",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:langgraph-prod/postgres-master-mock00"]
    assert by_sid["WriteOwnLogs"]["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/langgraph-prod-db-bootstrap:*"]
    assert set(by_sid) == {"ReadOwnSecrets", "WriteOwnLogs", "AttachToVpc", "ManageOwnInterfaces", "SeeVpc"}


@pytest.mark.slow
def test_the_package_holds_the_bootstrap_and_a_driver_that_imports(tmp_path):
    files = aws_bootstrap.package_files()
    assert files["db_bootstrap.py"].resolve() == Path(db_bootstrap.__file__).resolve()
    assert {"pg8000/native.py", "scramp/core.py", "dateutil/parser/_parser.py", "six.py"} <= set(files)
    # The zip as Lambda unpacks it: the handler's module and its driver import from it alone.
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, path in files.items():
            z.write(path, name)
    import subprocess
    import sys

    probe = ("import sys; sys.path[:] = [sys.argv[1]] + [p for p in sys.path if 'site-packages' not in p]; "
             "import db_bootstrap, pg8000.native, importlib.metadata; print(importlib.metadata.version('pg8000')); "
             "assert callable(db_bootstrap.handler)")
    result = subprocess.run([sys.executable, "-S", "-c", probe, str(archive)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1.31.6"
    plan = plan_of("dev")
    assert plan.one(FUNCTION).inputs["handler"] == "db_bootstrap.handler"
    assert plan.one(FUNCTION).inputs["runtime"] == aws_bootstrap.RUNTIME


# postgres.auth=iam ------------------------------------------------------------------------------------------------

IAM = "postgres.auth=iam"


def test_iam_auth_puts_no_password_anywhere_and_tells_the_server_to_sign_in_as_its_task_role():
    plan = plan_of("prod", IAM)
    uri = secret_value(plan, "agent-secrets-postgres-uri")
    assert uri == ("postgres://langgraph_server@agent-db-postgres.mock.us-east-1.rds.amazonaws.com:5432/langgraph"
                   "?sslmode=require")
    assert [r.name for r in plan.by_type("random:index/randomPassword:RandomPassword")
            if r.name == "agent-db-server-password"] == []
    for taskdef in plan.by_type(TASKDEF):
        [container] = [c for c in json.loads(taskdef.inputs["containerDefinitions"]) if c["name"] == "agent-server"]
        env = {e["name"]: e["value"] for e in container["environment"]}
        assert env["AGENT_POSTGRES_IAM_AUTH_PROVIDER"] == "aws"


def test_iam_auth_lets_both_task_roles_connect_as_exactly_the_server_role():
    plan = plan_of("prod", IAM)
    arn = "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-MOCK0000000000000000000000/langgraph_server"
    for role in ("api", "queue"):
        policy = plan.one("aws:iam/rolePolicy:RolePolicy", f"agent-service-{role}-db-connect").inputs
        assert policy["role"] == mock_id(f"agent-service-{role}-task", "aws:iam/role:Role")
        assert json.loads(policy["policy"])["Statement"] == [
            {"Sid": "ConnectAsServerRole", "Effect": "Allow", "Action": ["rds-db:connect"], "Resource": [arn]}]


def test_iam_auth_bootstrap_grants_rds_iam_and_removes_the_password():
    plan = plan_of("prod", IAM)
    run = plan.one(INVOCATION).inputs
    assert json.loads(run["input"])["iam_grant"] == "rds_iam"
    assert run["triggers"]["sql"] == db_bootstrap.fingerprint(
        "langgraph_server", "langgraph", iam_grant=db_bootstrap.IamGrant.RDS_IAM, password_mode=False)
    assert run["triggers"]["sql"] != plan_of("prod").one(INVOCATION).inputs["triggers"]["sql"]


def test_password_auth_has_no_iam_grant_nor_provider():
    plan = plan_of("prod")
    assert [r.name for r in plan.by_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("db-connect")] == []
    for taskdef in plan.by_type(TASKDEF):
        [container] = [c for c in json.loads(taskdef.inputs["containerDefinitions"]) if c["name"] == "agent-server"]
        assert "AGENT_POSTGRES_IAM_AUTH_PROVIDER" not in {e["name"] for e in container["environment"]}


def test_iam_auth_is_refused_on_local_which_has_no_cloud_identity():
    from langgraph_infra.plan import PlanError

    with pytest.raises(PlanError, match="postgres.auth=iam: the local Postgres has no cloud identity"):
        plan_of("local", IAM)


def test_a_semantic_store_app_gets_pgvector_from_the_deployed_bootstrap(tmp_path):
    import shutil

    app = tmp_path / "semantic-app"
    shutil.copytree(Path(__file__).resolve().parents[2] / "app", app,
                    ignore=shutil.ignore_patterns(".venv*", "__pycache__"))
    data = json.loads((app / "langgraph.json").read_text())
    data["store"] = {"index": {"embed": "openai:text-embedding-3-small", "dims": 1536, "fields": ["$"]}}
    (app / "langgraph.json").write_text(json.dumps(data))
    plan = plan_of("dev", f"app.path={app}")
    run = plan.one(INVOCATION).inputs
    assert json.loads(run["input"])["extensions"] == ["vector"]
    assert run["triggers"]["sql"] == db_bootstrap.fingerprint("langgraph_server", "langgraph", extensions=["vector"])
