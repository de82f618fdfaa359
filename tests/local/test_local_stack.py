"""The `local` stack (Docker engine through pulumi-docker), checked on its offline plan: data stores private and
healthy, only the API published and only on 127.0.0.1, the same environment contract as the cloud stacks, no
secret in the output, and `make local` failing clearly on a machine without Pulumi or Docker."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from langgraph_infra import contract, db_bootstrap, observability
from langgraph_infra.plan import PlanError, unwrap
from tests.conftest import CANARY, ROOT, plan_of

CONTAINER = "docker:index/container:Container"
NETWORK = "docker:index/network:Network"
VOLUME = "docker:index/volume:Volume"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"


def plan():
    return plan_of("local")


def container(name: str, p=None):
    return (p or plan()).one(CONTAINER, name)


def env(resource) -> dict[str, str]:
    entries = unwrap(resource.inputs.get("envs") or [])
    return dict(e.split("=", 1) for e in entries)


def networks(resource) -> set[str]:
    return {n["name"] for n in resource.inputs.get("networksAdvanced") or []}


def private_network(p=None) -> str:
    internal = [n for n in (p or plan()).by_type(NETWORK) if n.inputs.get("internal") is True]
    assert len(internal) == 1, [n.name for n in internal]
    return internal[0].inputs["name"]


def image_of(resource, p=None) -> str:
    """The pulled image a container runs (containers get the RemoteImage's id)."""
    p = p or plan()
    pulled = [r for r in p.by_type(REMOTE_IMAGE) if r.parent == resource.parent]
    assert len(pulled) == 1
    return pulled[0].inputs["name"]


# Data tier ------------------------------------------------------------------------------------------------------

def test_postgres_keeps_its_data_in_a_named_volume_and_is_pinned_private_and_health_checked():
    pg = container("agent-db-postgres")
    volume = plan().one(VOLUME, "agent-db-data")
    mounts = pg.inputs["mounts"]
    assert mounts == [{"type": "volume", "source": volume.inputs["name"], "target": "/var/lib/postgresql/data"}]
    assert volume.inputs["name"] == "langgraph-local-postgres-data"
    assert re.fullmatch(r"pgvector/pgvector:[\d.]+-pg16@sha256:[0-9a-f]{64}", image_of(pg)), image_of(pg)
    assert not pg.inputs.get("ports")
    assert networks(pg) == {private_network()}
    assert pg.inputs["healthcheck"]["tests"][0] == "CMD-SHELL"
    assert "pg_isready" in pg.inputs["healthcheck"]["tests"][1]
    assert pg.inputs["wait"] is True
    assert "max_connections=200" in pg.inputs["command"]
    # The image's superuser is the master: only the database bootstrap logs in as it, never the server.
    password = env(pg)["POSTGRES_PASSWORD"]
    assert password and password in env(container("agent-db-bootstrap-run"))["MASTER_URI"]
    assert password not in env(container("agent-service-api"))["POSTGRES_URI"]


def test_redis_requires_a_generated_password_and_is_pinned_private_and_health_checked():
    redis = container("agent-cache-redis")
    password = env(redis)["REDIS_PASSWORD"]
    assert len(password) >= 32
    assert '--requirepass "$REDIS_PASSWORD"' in redis.inputs["command"][-1]
    assert "$REDIS_PASSWORD" not in json.dumps(redis.inputs["command"][:-1])
    assert re.fullmatch(r"redis:7\.\d+\.\d+@sha256:[0-9a-f]{64}", image_of(redis)), image_of(redis)
    assert not redis.inputs.get("ports")
    assert networks(redis) == {private_network()}
    assert "ping" in redis.inputs["healthcheck"]["tests"][1] and redis.inputs["wait"] is True
    uri = env(container("agent-service-api"))["REDIS_URI"]
    assert uri == f"redis://:{password}@langgraph-local-redis:{contract.REDIS_PORT}"


def test_secret_values_are_marked_secret_in_the_plan():
    for name in ("agent-db-postgres", "agent-cache-redis", "agent-service-api", "agent-service-queue"):
        rendered = json.dumps(plan().one(CONTAINER, name).as_dict()["inputs"]["envs"])
        assert "[secret]" in rendered and "plan-generated" not in rendered, name


# Exposure ---------------------------------------------------------------------------------------------------

def test_only_the_api_is_published_and_only_on_loopback():
    published = {r.name: r.inputs["ports"] for r in plan().by_type(CONTAINER) if r.inputs.get("ports")}
    assert published.pop("agent-service-api") == [{"internal": contract.PORT, "external": 8123, "ip": "127.0.0.1"}]
    # The local registry is how the engine pushes and pulls the image: also loopback only, and nothing else is.
    assert set(published) == {"agent-registry-registry"}
    assert all(port["ip"] == "127.0.0.1" for port in published["agent-registry-registry"])
    assert plan().outputs["url"] == "http://localhost:8123"


def test_the_api_port_follows_ingress_local_port():
    p = plan_of("local", "ingress.local_port=9123")
    assert container("agent-service-api", p).inputs["ports"][0]["external"] == 9123
    assert p.outputs["url"] == "http://localhost:9123"


def test_app_containers_share_the_private_network_with_the_data_stores_only_there():
    private = private_network()
    egress = [n.inputs["name"] for n in plan().by_type(NETWORK) if n.inputs.get("internal") is False]
    for name in ("agent-service-api", "agent-service-queue"):
        assert networks(container(name)) == {private, *egress}, name
        assert {"agent-db-postgres", "agent-cache-redis"} <= set(container(name).depends_on), name
        assert container(name).inputs["restart"] in ("unless-stopped", "always")


# The server's roles ---------------------------------------------------------------------------------------------

def test_api_and_queue_roles_health_checks_and_image_by_digest():
    api, queue = container("agent-service-api"), container("agent-service-queue")
    assert not api.inputs.get("command")
    assert queue.inputs["command"] == [contract.QUEUE_ENTRYPOINT]
    assert env(api)["N_JOBS_PER_WORKER"] == "0"
    assert int(env(queue)["N_JOBS_PER_WORKER"]) > 0
    for c in (api, queue):
        test = c.inputs["healthcheck"]["tests"]
        assert f"127.0.0.1:{contract.PORT}{contract.HEALTH_PATH}'" in test[-1]
        assert re.fullmatch(r"localhost:\d+/langgraph-local:app-[0-9a-f]{16}@sha256:[0-9a-f]{64}", image_of(c))
    # Every long-running container (the one-off database bootstrap exits once done).
    assert all(r.inputs.get("healthcheck") for r in plan().by_type(CONTAINER) if r.inputs.get("mustRun") is not False)


def test_same_environment_contract_as_the_aws_stack():
    """The local API container gets exactly the variables the AWS dev API task gets (plain + secrets), once the
    local stack declares the same app env and secrets as dev."""
    dev = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    sets = [f"secrets.{n}={{}}" for n in dev["langgraph-infra:secrets"]]
    sets += [f"app.env.{k}={v}" for k, v in dev.get("langgraph-infra:app", {}).get("env", {}).items()]
    local_names = set(env(container("agent-service-api", plan_of("local", *sets))))

    task = plan_of("dev").one("aws:ecs/taskDefinition:TaskDefinition", "agent-service-api")
    (definition,) = [c for c in json.loads(unwrap(task.inputs["containerDefinitions"])) if c["name"] == "agent-server"]
    aws_names = {e["name"] for e in definition["environment"]} | {s["name"] for s in definition["secrets"]}
    # Only ECS has a collector beside the server to send traces to; SECRETS_REVISION is how ECS learns of a new
    # secret value (a Docker container is replaced instead).
    assert local_names == aws_names - set(observability.otlp_environment("any")) - {"SECRETS_REVISION"}
    assert {"POSTGRES_URI", "REDIS_URI", "LANGSMITH_API_KEY", "N_JOBS_PER_WORKER"} <= local_names


def test_a_canary_secret_never_reaches_the_plan_output_but_reaches_the_containers():
    p = plan_of("local", secrets=(f"LANGSMITH_API_KEY={CANARY}",))
    assert CANARY not in p.render()
    assert CANARY not in json.dumps(p.to_json())
    assert CANARY not in json.dumps(p.redacted_outputs())
    for name in ("agent-service-api", "agent-service-queue"):
        assert env(container(name, p))["LANGSMITH_API_KEY"] == CANARY


def test_adopting_an_existing_secret_is_refused_locally():
    with pytest.raises(PlanError, match="no secret manager on the local target"):
        plan_of("local", "secrets.OPENAI_API_KEY.existing=prod/openai")


# make local ---------------------------------------------------------------------------------------------------

SCRIPT = ROOT / "scripts" / "local-up.sh"


def _run_script(bin_dir: Path) -> subprocess.CompletedProcess:
    os.symlink(shutil.which("dirname"), bin_dir / "dirname")
    return subprocess.run([shutil.which("bash"), str(SCRIPT)], env={"PATH": str(bin_dir), "HOME": str(bin_dir)},
                          capture_output=True, text=True, timeout=30)


def test_make_local_without_pulumi_or_docker_says_what_to_install(tmp_path):
    result = _run_script(tmp_path)
    assert result.returncode != 0
    assert "Pulumi CLI" in result.stderr and "Docker" in result.stderr
    assert "make plan STACK=local" in result.stderr


def test_make_local_with_pulumi_but_no_docker_engine_stops_before_pulumi_up(tmp_path):
    calls = tmp_path / "calls"
    for tool, rc in (("pulumi", 0), ("docker", 1)):
        (tmp_path / tool).write_text(f"#!/bin/sh\necho {tool} \"$@\" >> {calls}\nexit {rc}\n")
        (tmp_path / tool).chmod(0o755)
    result = _run_script(tmp_path)
    assert result.returncode != 0
    assert "docker info" in result.stderr and "Pulumi CLI" not in result.stderr
    assert "make plan STACK=local" in result.stderr
    assert "pulumi" not in (calls.read_text() if calls.exists() else "")


def test_egress_ports_are_refused_where_they_cannot_be_enforced():
    from langgraph_infra import ConfigError, build_config

    with pytest.raises(ConfigError, match="the local Docker target cannot limit outbound ports"):
        build_config({"target": {"cloud": "local", "runtime": "docker"}, "environment": "local",
                      "network": {"egress_ports": [443, 8443]}})


# The database bootstrap ------------------------------------------------------------------------------------------

def test_the_server_logs_in_as_its_own_role_made_by_a_one_off_bootstrap_container():
    p = plan()
    run = container("agent-db-bootstrap-run", p)
    server_uri = env(container("agent-service-api", p))["POSTGRES_URI"]
    assert db_bootstrap.Login.from_uri(server_uri).user == "langgraph_server"
    assert env(run)[db_bootstrap.SERVER_URI_ENV] == server_uri
    assert db_bootstrap.Login.from_uri(env(run)[db_bootstrap.MASTER_URI_ENV]).user == "langgraph"
    assert run.inputs["command"] == db_bootstrap.command()
    assert (run.inputs["attach"], run.inputs["mustRun"], run.inputs["restart"]) == (True, False, "no")
    assert networks(run) == {private_network(p)}
    assert image_of(run, p) == image_of(container("agent-service-api", p), p)
    assert "agent-db-postgres" in run.depends_on
    for role in ("api", "queue"):
        assert "agent-db-bootstrap-run" in container(f"agent-service-{role}", p).depends_on
    assert run.as_dict()["inputs"]["envs"][:2] == ["MASTER_URI=[secret]", "POSTGRES_URI=[secret]"]


def test_a_failed_bootstrap_fails_the_deployment():
    from langgraph_infra.local.database_bootstrap import BootstrapFailed, check_exit

    assert check_exit(0) == 0 and check_exit(None) is None
    with pytest.raises(BootstrapFailed, match="exited with 1"):
        check_exit(1)


def test_a_javascript_apps_bootstrap_container_runs_the_runner_image_built_into_the_local_registry():
    from langgraph_infra.mocks import fake_digest
    from langgraph_infra.server import BOOTSTRAP_RUNNER_DIR

    p = plan_of("local", f"app.path={ROOT / 'tests' / 'app' / 'js_app'}")
    runner = p.one("docker-build:index:Image", "agent-db-bootstrap-image")
    assert runner.inputs["dockerfile"]["inline"] == (BOOTSTRAP_RUNNER_DIR / "Dockerfile").read_text()
    [tag] = unwrap(runner.inputs["tags"])
    assert tag.startswith("localhost:") and "-db-bootstrap:" in tag
    run = container("agent-db-bootstrap-run", p)
    assert image_of(run, p) == f"{tag}@{fake_digest(tag)}"
    assert image_of(container("agent-service-api", p), p) != image_of(run, p)
    assert run.inputs["command"] == db_bootstrap.command()
