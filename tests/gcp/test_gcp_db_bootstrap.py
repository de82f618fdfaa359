"""The database bootstrap on GCP (gcp.database_bootstrap) as the real stack program registers it under Pulumi's mocks.

Given a stack, the server's role is made by a Cloud Run job on the VPC that `pulumi up` runs to completion
(`run_execution_token`) before the service and the worker pool exist, from the master's secret that only the job's
account reads; the containers get the server role's URI.
"""

from __future__ import annotations

import json

import pytest

from langgraph_infra import db_bootstrap
from langgraph_infra.gcp.database_bootstrap import execution_token
from langgraph_infra.mocks import fake_digest, mock_id, mock_secret
from langgraph_infra.plan import unwrap
from langgraph_infra.server import BOOTSTRAP_RUNNER_DIR
from tests.conftest import ROOT, plan_of

JOB = "gcp:cloudrunv2/job:Job"
SECRET = "gcp:secretmanager/secret:Secret"
SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
STACKS = ["gcp-dev", "gcp-prod"]


def job_container(plan) -> dict:
    [container] = plan.one(JOB).inputs["template"]["template"]["containers"]
    return container


def uri_user(uri: str) -> str:
    return db_bootstrap.Login.from_uri(uri).user


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_get_the_server_roles_uri_and_the_job_the_masters(stack):
    plan = plan_of(stack)
    assert uri_user(unwrap(plan.one(SECRET_VERSION, "agent-secrets-postgres-uri").inputs["secretData"])) == \
        "langgraph_server"
    assert uri_user(unwrap(plan.one(SECRET_VERSION, "agent-db-bootstrap-master").inputs["secretData"])) == "langgraph"
    master = f"langgraph-{stack}-postgres-master"
    for resource in (plan.one("gcp:cloudrunv2/service:Service"), plan.one("gcp:cloudrunv2/workerPool:WorkerPool")):
        [container] = [c for c in resource.inputs["template"]["containers"] if c["name"] == "agent-server"]
        refs = {e["name"]: e["valueSource"]["secretKeyRef"]["secret"] for e in container["envs"] if "valueSource" in e}
        assert refs["POSTGRES_URI"] == f"langgraph-{stack}-POSTGRES_URI"
        assert master not in json.dumps(resource.inputs)
    refs = {e["name"]: e["valueSource"]["secretKeyRef"]["secret"] for e in job_container(plan)["envs"]
            if "valueSource" in e}
    assert refs == {"MASTER_URI": master, "POSTGRES_URI": f"langgraph-{stack}-POSTGRES_URI"}


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_jobs_account_reads_the_masters_secret(stack):
    plan = plan_of(stack)
    job_account = plan.one(JOB).inputs["template"]["template"]["serviceAccount"]
    master_id = mock_id("agent-db-bootstrap-master", SECRET)
    readers = {g.inputs["member"] for g in plan.by_type(SECRET_IAM) if g.inputs["secretId"] == master_id}
    assert readers == {f"serviceAccount:{job_account}"}
    readable = sorted(g.inputs["secretId"] for g in plan.by_type(SECRET_IAM)
                      if g.inputs["member"] == f"serviceAccount:{job_account}")
    assert readable == sorted([master_id, mock_id("agent-secrets-postgres-uri", SECRET)])


@pytest.mark.parametrize("stack", STACKS)
def test_the_generated_passwords_are_in_no_plain_input(stack):
    plan = plan_of(stack)
    passwords = [mock_secret("generated", n)[:40] for n in ("agent-db-password", "agent-db-server-password")]
    for r in plan.resources:
        plain = json.dumps(r.as_dict()["inputs"])
        assert not any(p in plain for p in passwords), f"{r.type} {r.name}"


@pytest.mark.parametrize("stack", STACKS)
def test_pulumi_up_runs_the_job_to_completion_after_the_database_and_before_the_server(stack):
    plan = plan_of(stack)
    job = plan.one(JOB)
    assert job.inputs["runExecutionToken"] == execution_token(
        db_bootstrap.fingerprint("langgraph_server", "langgraph"), "1", "1")
    assert {"agent-db-postgres", "agent-db-user", "agent-db-database"} <= set(job.depends_on)
    for server in (plan.one("gcp:cloudrunv2/service:Service"), plan.one("gcp:cloudrunv2/workerPool:WorkerPool")):
        assert job.name in server.depends_on, server.name


def test_a_new_sql_or_a_new_secret_version_makes_a_new_token():
    fp = db_bootstrap.fingerprint("langgraph_server", "langgraph")
    assert execution_token(fp, "1", "1") != execution_token(fp, "2", "1")
    assert execution_token(fp, "1", "1") != execution_token(db_bootstrap.fingerprint("x", "langgraph"), "1", "1")
    assert plan_of("gcp-dev", "postgres.server_username=agent_db").one(JOB).inputs["runExecutionToken"] != \
        plan_of("gcp-dev").one(JOB).inputs["runExecutionToken"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_job_runs_the_bootstrap_in_the_app_image_on_private_ranges_only(stack):
    plan = plan_of(stack)
    job = plan.one(JOB).inputs
    container = job_container(plan)
    assert container["commands"] == db_bootstrap.command()
    assert container["image"] == plan.outputs["image"]
    access = job["template"]["template"]["vpcAccess"]
    assert access["egress"] == "PRIVATE_RANGES_ONLY"
    assert access["networkInterfaces"] == [{"network": mock_id("agent-network-vpc", "gcp:compute/network:Network"),
                                            "subnetwork": mock_id("agent-network-subnet",
                                                                  "gcp:compute/subnetwork:Subnetwork")}]
    assert job["deletionProtection"] is False


def test_prod_rotates_both_database_passwords_and_a_new_one_is_a_new_revision_and_a_new_run():
    plan = plan_of("gcp-prod")
    timers = {r.name: r.inputs["rotationDays"] for r in plan.by_type("time:index/rotating:Rotating")}
    # Memorystore's AUTH string is Google's own: nothing of ours to rotate there.
    assert timers == {"agent-db-password-rotation": 90, "agent-db-server-password-rotation": 90}
    for name in ("agent-db-password", "agent-db-server-password"):
        assert plan.one("random:index/randomPassword:RandomPassword", name).inputs["keepers"] == {
            "rotation": "2026-04-01T00:00:00Z"}
    # A new value is a new secret version: the services pin it (a new revision) and the job's token changes.
    [container] = [c for c in plan.one("gcp:cloudrunv2/service:Service").inputs["template"]["containers"]
                   if c["name"] == "agent-server"]
    refs = {e["name"]: e["valueSource"]["secretKeyRef"] for e in container["envs"] if "valueSource" in e}
    assert refs["POSTGRES_URI"]["version"] == "1"
    fp = db_bootstrap.fingerprint("langgraph_server", "langgraph")
    assert plan.one(JOB).inputs["runExecutionToken"] == execution_token(fp, "1", "1") != execution_token(fp, "2", "1")
    assert plan_of("gcp-dev").by_type("time:index/rotating:Rotating") == []


# A JavaScript app: its image has no Python, so the bootstrap runs in the runner image built beside it -------------

JS_APP = ROOT / "tests" / "app" / "js_app"
BUILD = "docker-build:index:Image"


def ref(build) -> str:
    """The reference the image resource reports once pushed (the mocks' digest of its tag)."""
    [tag] = unwrap(build.inputs["tags"])
    return f"{tag}@{fake_digest(tag)}"


@pytest.mark.parametrize("stack", ["gcp-dev", "gke-dev"])
def test_a_javascript_apps_bootstrap_runs_in_the_runner_image_and_its_server_in_the_apps(stack):
    plan = plan_of(stack, f"app.path={JS_APP}")
    app, runner = plan.one(BUILD, "agent-image"), plan.one(BUILD, "agent-db-bootstrap-image")
    assert "langgraphjs-api" in app.inputs["dockerfile"]["inline"]
    assert runner.inputs["dockerfile"]["inline"] == (BOOTSTRAP_RUNNER_DIR / "Dockerfile").read_text()
    [app_tag], [runner_tag] = unwrap(app.inputs["tags"]), unwrap(runner.inputs["tags"])
    # Its own package in the stack's repository, pushed with the same short-lived login as the app's.
    assert runner_tag.startswith(app_tag.rsplit(":", 1)[0] + "-db-bootstrap:")
    assert unwrap(runner.inputs["registries"]) == unwrap(app.inputs["registries"])
    assert job_container(plan)["image"] == ref(runner)
    assert job_container(plan)["commands"] == db_bootstrap.command()
    assert ref(app) in json.dumps([r.inputs for r in plan.resources if r is not app])


def test_a_python_apps_bootstrap_runs_in_the_apps_own_image():
    plan = plan_of("gcp-dev")
    [build] = plan.by_type(BUILD)
    assert job_container(plan)["image"] == ref(build)


def test_an_adopted_javascript_image_still_gets_a_registry_for_the_runner():
    plan = plan_of("gcp-prod", f"app.image=europe-west1-docker.pkg.dev/p/r/agent-server@sha256:{'a' * 64}",
                   "app.runtime=js")
    [runner] = plan.by_type(BUILD)
    assert plan.by_type("gcp:artifactregistry/repository:Repository")
    assert job_container(plan)["image"] == ref(runner)
