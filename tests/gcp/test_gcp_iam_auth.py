"""`postgres.auth: iam` on GCP (Cloud Run and GKE) as the real stack program registers it under Pulumi's mocks.

Given `postgres.auth=iam`, both roles run as one service account; Cloud SQL has IAM authentication on and an IAM user
for exactly that account, which may log in to exactly this instance; the bootstrap grants that user the server's
role; POSTGRES_URI names it with no password, and the containers sign in with `AGENT_POSTGRES_IAM_AUTH_PROVIDER=gcp`.
The server signing in for real needs Cloud SQL's IAM login and cannot run here (tests/app runs the bootstrap's SQL).
"""

from __future__ import annotations

import json

import pytest

from langgraph_infra import db_bootstrap
from langgraph_infra.gcp.database_bootstrap import execution_token
from langgraph_infra.plan import unwrap
from tests.conftest import plan_of

IAM = "postgres.auth=iam"
INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
SQL_USER = "gcp:sql/user:User"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
ACCOUNT = "gcp:serviceaccount/account:Account"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
JOB = "gcp:cloudrunv2/job:Job"
CLOUD_RUN = ("gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool")
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
KSA = "kubernetes:core/v1:ServiceAccount"
SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember"
PROJECTS = {"gcp-dev": "my-gcp-project-dev", "gcp-prod": "my-gcp-project-prod", "gke-dev": "my-gcp-project-dev",
            "gke-prod": "my-gcp-project-prod"}
STACKS = ["gcp-prod", "gke-prod"]


def iam(stack: str) -> tuple[str, ...]:
    """`postgres.auth=iam`; on GKE with the queue on CPU, since KEDA's PostgreSQL scaler needs a password
    (tests/kubernetes/test_kubernetes_config.py checks the refusal)."""
    return (IAM, "kubernetes.queue_scaling=cpu") if stack.startswith("gke") else (IAM,)
PROVIDER = "AGENT_POSTGRES_IAM_AUTH_PROVIDER"


def server_email(stack: str) -> str:
    return f"langgraph-{stack}-server@{PROJECTS[stack]}.iam.gserviceaccount.com"


def iam_user(stack: str) -> str:
    return f"langgraph-{stack}-server@{PROJECTS[stack]}.iam"


def postgres_uri(plan) -> str:
    return unwrap(plan.one("gcp:secretmanager/secretVersion:SecretVersion", "agent-secrets-postgres-uri")
                  .inputs["secretData"])


def server_containers(plan) -> list[dict]:
    """The Agent Server's containers, each with `env` as name -> plain value or secret reference."""
    found = []
    for r in [r for t in CLOUD_RUN for r in plan.by_type(t)]:
        for c in r.inputs["template"]["containers"]:
            if c["name"] == "agent-server":
                found.append({e["name"]: e.get("value", e.get("valueSource")) for e in c["envs"]})
    for r in plan.by_type(DEPLOYMENT):
        for c in r.inputs["spec"]["template"]["spec"]["containers"]:
            if c["name"] == "agent-server":
                found.append({e["name"]: e.get("value", e.get("valueFrom")) for e in c["env"]})
    return found


def flags(plan) -> dict[str, str]:
    return {f["name"]: f["value"] for f in plan.one(INSTANCE).inputs["settings"]["databaseFlags"]}


@pytest.mark.parametrize("stack", STACKS)
def test_the_instance_turns_on_iam_authentication_only_when_asked(stack):
    assert flags(plan_of(stack, *iam(stack)))["cloudsql.iam_authentication"] == "on"
    assert "cloudsql.iam_authentication" not in flags(plan_of(stack))


@pytest.mark.parametrize("stack", STACKS)
def test_the_iam_user_is_the_server_accounts_and_logs_in_to_exactly_this_instance(stack):
    plan = plan_of(stack, *iam(stack))
    [user] = [u for u in plan.by_type(SQL_USER) if u.inputs.get("type")]
    assert user.inputs["type"] == "CLOUD_IAM_SERVICE_ACCOUNT"
    assert user.inputs["name"] == iam_user(stack)
    instance = user.inputs["instance"]
    assert plan.one(INSTANCE)  # one instance: the user is on it
    # The collector's roles are project-wide too; the one Cloud SQL role is this.
    [grant] = [g for g in plan.by_type(PROJECT_IAM) if g.inputs["role"].startswith("roles/cloudsql")]
    project = PROJECTS[stack]
    assert grant.inputs["role"] == "roles/cloudsql.instanceUser"
    assert grant.inputs["project"] == project
    assert grant.inputs["member"] == f"serviceAccount:{server_email(stack)}"
    assert grant.inputs["condition"]["expression"] == (
        f"resource.name == 'projects/{project}/instances/{instance}' && "
        "resource.type == 'sqladmin.googleapis.com/Instance'")
    # Direct to the private IP with a token: no Cloud SQL connector, so no `roles/cloudsql.client`.
    assert "roles/cloudsql.client" not in json.dumps([r.inputs for r in plan.resources])


@pytest.mark.parametrize("stack", STACKS)
def test_the_server_uri_names_the_iam_user_with_no_password_and_requires_tls(stack):
    plan = plan_of(stack, *iam(stack))
    login = db_bootstrap.Login.from_uri(postgres_uri(plan))
    assert (login.user, login.password, login.database, login.sslmode) == (iam_user(stack), None, "langgraph",
                                                                           "require")
    assert [r.name for r in plan.by_type("random:index/randomPassword:RandomPassword")
            if r.name == "agent-db-server-password"] == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_server_container_signs_in_as_gcp_and_reads_the_uri_by_reference(stack):
    containers = server_containers(plan_of(stack, *iam(stack)))
    assert len(containers) == 2
    for env in containers:
        assert env[PROVIDER] == "gcp"
        assert isinstance(env["POSTGRES_URI"], dict)  # a secret reference, never a value
    assert all(PROVIDER not in env for env in server_containers(plan_of(stack)))


def test_both_cloud_run_roles_run_as_the_one_account_that_reads_the_secrets():
    plan = plan_of("gcp-prod", *iam("gcp-prod"))
    email = server_email("gcp-prod")
    for r in [r for t in CLOUD_RUN for r in plan.by_type(t)]:
        assert r.inputs["template"]["serviceAccount"] == email, r.name
    accounts = [a.inputs["accountId"] for a in plan.by_type(ACCOUNT) if "db-bootstrap" not in a.name]
    assert accounts == ["langgraph-gcp-prod-server"]
    readers = {g.inputs["member"] for g in plan.by_type(SECRET_IAM) if "db-bootstrap" not in g.name}
    assert readers == {f"serviceAccount:{email}"}


def test_the_gke_pods_act_as_the_account_whose_iam_user_it_is():
    plan = plan_of("gke-prod", *iam("gke-prod"))
    email = server_email("gke-prod")
    [ksa] = plan.by_type(KSA)
    assert ksa.inputs["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == email
    [binding] = plan.by_type(SA_IAM)
    assert binding.inputs["serviceAccountId"].endswith(f"/serviceAccounts/{email}")
    assert [a.inputs["accountId"] for a in plan.by_type(ACCOUNT) if "db-bootstrap" not in a.name] == \
        ["langgraph-gke-prod-server"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_bootstrap_grants_the_server_role_to_the_iam_user_after_it_exists_and_before_the_server(stack):
    plan = plan_of(stack, *iam(stack))
    job = plan.one(JOB)
    [container] = job.inputs["template"]["template"]["containers"]
    env = {e["name"]: e.get("value") for e in container["envs"]}
    assert env[db_bootstrap.IAM_GRANT_ENV] == "cloudsql_iam"
    assert env[db_bootstrap.OWNER_ROLE_ENV] == "langgraph_server"
    fingerprint = db_bootstrap.fingerprint("langgraph_server", "langgraph", iam_grant=db_bootstrap.IamGrant.CLOUD_SQL_IAM,
                                           login=iam_user(stack), password_mode=False)
    assert job.inputs["runExecutionToken"] == execution_token(fingerprint, "1", "1")
    assert {"agent-db-iam-user", "agent-db-iam-login"} <= set(job.depends_on)
    servers = [r for t in (*CLOUD_RUN, DEPLOYMENT) for r in plan.by_type(t)]
    assert servers and all(job.name in r.depends_on for r in servers)


@pytest.mark.parametrize("stack", ["gcp-dev", "gke-dev"])
def test_password_auth_keeps_the_password_role_and_no_iam_grant(stack):
    plan = plan_of(stack)
    assert db_bootstrap.Login.from_uri(postgres_uri(plan)).user == "langgraph_server"
    assert [u.name for u in plan.by_type(SQL_USER)] == ["agent-db-user"]
    env = {e["name"] for e in plan.one(JOB).inputs["template"]["template"]["containers"][0]["envs"]}
    assert db_bootstrap.IAM_GRANT_ENV not in env and db_bootstrap.OWNER_ROLE_ENV not in env


@pytest.mark.parametrize("stack", STACKS)
def test_an_iam_stack_passes_every_rule_and_its_iam_user_is_not_taken_for_the_master(stack):
    from langgraph_infra.rules import STACK_RULES, evaluate
    from langgraph_infra.wire import PlannedResource

    plan = plan_of(stack, *iam(stack))
    assert evaluate(plan.resources) == []
    # The rule that keeps the server off the master tells the IAM user from a built-in one of the same name.
    [rule] = [r for r in STACK_RULES if r.id == "server-not-master"]
    [user] = [u for u in plan.by_type(SQL_USER) if u.inputs.get("type")]
    builtin = PlannedResource(SQL_USER, "builtin", {"name": user.inputs["name"]})
    assert [r.name for r, _ in rule.evaluate_stack([*plan.resources, builtin])] == ["agent-secrets-postgres-uri"]


@pytest.mark.parametrize("auth, account", [("iam", None), ("password", "x@p.iam.gserviceaccount.com")])
def test_the_database_refuses_an_account_without_iam_auth_and_iam_auth_without_an_account(auth, account):
    from langgraph_infra.config import PostgresSettings
    from langgraph_infra.gcp.database import DatabaseArgs

    with pytest.raises(ValueError, match="iam_service_account is given exactly with settings.auth=iam"):
        DatabaseArgs(PostgresSettings(auth=auth, max_connections=100), "us-central1", "net", "range",
                     None, iam_service_account=account)
