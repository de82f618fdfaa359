"""The stack configuration model: profiles, overrides and every class of bad input, named with its fix."""

from __future__ import annotations

import pytest

from langgraph_infra import ConfigError, build_config
from langgraph_infra.app_folder import check_app

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
LICENSE = {"LANGSMITH_API_KEY": {}}
PROD_INGRESS = {"domain": "agents.example.com", "hosted_zone_id": "Z0123"}


def aws(env: str = "dev", **overrides):
    raw = {"target": AWS, "environment": env, "secrets": LICENSE, **overrides}
    if env == "prod":
        raw.setdefault("ingress", PROD_INGRESS)
        raw.setdefault("alarms", {"notify": ["oncall@example.com"]})
    return raw


def problems(raw) -> list[str]:
    with pytest.raises(ConfigError) as err:
        build_config(raw)
    return err.value.problems


def test_dev_profile_is_cheap():
    cfg = build_config(aws("dev"))
    assert (cfg.postgres.high_availability, cfg.postgres.deletion_protection) == (False, False)
    assert cfg.postgres.instance_class == "db.t4g.micro"
    assert cfg.redis.replicas == 0
    assert (cfg.api.min_replicas, cfg.api.max_replicas, cfg.queue.min_replicas, cfg.queue.max_replicas) == (1, 1, 1, 1)


def test_prod_profile_is_highly_available_and_protected():
    cfg = build_config(aws("prod"))
    assert cfg.postgres.high_availability and cfg.postgres.deletion_protection
    assert cfg.postgres.backup_retention_days >= 7 and cfg.postgres.point_in_time_recovery
    assert cfg.redis.replicas >= 1
    assert cfg.api.min_replicas >= 2 and cfg.queue.min_replicas >= 2
    assert cfg.api.max_replicas > cfg.api.min_replicas and cfg.queue.max_replicas > cfg.queue.min_replicas
    assert cfg.ingress.require_https


def test_explicit_key_overrides_one_profile_value_and_keeps_the_rest():
    cfg = build_config(aws("dev", postgres={"instance_class": "db.t4g.small"}))
    assert cfg.postgres.instance_class == "db.t4g.small"
    assert cfg.postgres.backup_retention_days == 1


def test_unknown_key_is_named_with_the_allowed_ones():
    [msg] = problems(aws("dev", postgres={"instance_clas": "db.t4g.small"}))
    assert "postgres.instance_clas: unknown key" in msg and "instance_class" in msg


def test_unknown_top_level_section_is_named():
    [msg] = problems(aws("dev", databse={}))
    assert msg.startswith("databse: unknown key")


def test_bad_enum_names_key_value_and_choices():
    [msg] = problems({**aws("dev"), "target": {**AWS, "runtime": "lambda"}})
    assert "target.runtime=lambda" in msg and "ecs" in msg and "cloudrun" in msg


def test_runtime_of_another_cloud_is_refused():
    [msg] = problems({**aws("dev"), "target": {**AWS, "runtime": "cloudrun"}})
    assert "target.runtime=cloudrun does not run on target.cloud=aws" in msg


@pytest.mark.parametrize("cpu,memory", [(0.25, 4096), (1, 1024), (0.75, 2048), (4, 40000)])
def test_fargate_rejects_pairs_aws_rejects(cpu, memory):
    msgs = problems(aws("dev", api={"cpu": cpu, "memory_mib": memory}))
    assert any(m.startswith("api.") and "Fargate" in m for m in msgs), msgs


@pytest.mark.parametrize("cpu,memory", [(0.25, 512), (0.5, 4096), (1, 8192), (2, 16384), (4, 30720), (16, 122880)])
def test_fargate_accepts_valid_pairs(cpu, memory):
    cfg = build_config(aws("dev", api={"cpu": cpu, "memory_mib": memory, "postgres_pool_max_size": 5},
                           postgres={"instance_class": "db.t4g.micro"}))
    assert cfg.api.memory_mib == memory


def test_min_above_max_is_refused():
    msg = problems(aws("dev", api={"min_replicas": 3, "max_replicas": 2}))[0]
    assert msg.startswith("api.min_replicas=3 is greater than api.max_replicas=2")


def test_every_problem_is_reported_in_one_run():
    """A value that fails its own check must not hide the checks across keys (one run, not one fix per run)."""
    found = problems(aws("prod", ingress={}, network={"vpc_cidr": "10.40.0.0/33"},
                         api={"cpu": 0.25, "memory_mib": 4096, "min_replicas": 3, "max_replicas": 2},
                         queue={"min_replicas": 0}, capacity={"requests_per_second": None}))
    keys = [p.split("=")[0].split(":")[0] for p in found]
    assert keys == ["network.vpc_cidr", "queue.min_replicas", "api.min_replicas", "ingress.require_https",
                    "api.memory_mib"], found


def test_a_value_set_aside_does_not_produce_a_second_message_about_itself():
    found = problems(aws("dev", target={**AWS, "runtime": "lambda"}))
    assert len(found) == 1 and found[0].startswith("target.runtime=lambda")


@pytest.mark.parametrize("key,value", [
    ("network", {"vpc_cidr": "not-a-cidr"}), ("network", {"vpc_cidr": "10.40.0.1/16"}),
    ("network", {"vpc_cidr": "8.8.0.0/16"}), ("ingress", {"allowed_cidrs": ["10.0.0.0/33"]}),
    ("ingress", {"allowed_cidrs": []}),
])
def test_malformed_network_values_are_refused_by_name(key, value):
    [msg] = problems(aws("dev", **{key: value}))
    field = next(iter(value))
    assert msg.startswith(f"{key}.{field}"), msg


def test_queue_that_could_scale_to_zero_is_refused():
    [msg] = problems(aws("dev", queue={"min_replicas": 0}))
    assert msg.startswith("queue.min_replicas=0") and "never scale to zero" in msg


def test_pools_above_max_connections_are_refused_with_the_arithmetic():
    # db.t4g.micro: RDS derives max_connections 112; 2 api + 2 queue (doubled in a deploy) x 30 + 10 > 112
    [msg] = problems(aws("dev", api={"postgres_pool_max_size": 30}, queue={"postgres_pool_max_size": 30}))
    assert "connection pools exceed the database" in msg and "= 130 > max_connections 112" in msg


def test_explicit_max_connections_is_used_for_the_pool_check():
    cfg = build_config(aws("dev", postgres={"max_connections": 500},
                           api={"postgres_pool_max_size": 100}, queue={"postgres_pool_max_size": 100}))
    assert cfg.postgres.max_connections == 500


def test_prod_floors_cannot_be_lowered():
    msgs = problems(aws("prod", postgres={"high_availability": False, "backup_retention_days": 3},
                        redis={"replicas": 0}, queue={"min_replicas": 1}))
    joined = "\n".join(msgs)
    assert "postgres.high_availability must be true in prod" in joined
    assert "postgres.backup_retention_days=3 is below prod's minimum of 7" in joined
    assert "redis.replicas must be at least 1 in prod" in joined
    assert "queue.min_replicas=1 is below prod's minimum of 2" in joined


def test_prod_without_https_is_refused():
    raw = aws("prod")
    raw["ingress"] = {}
    [msg] = problems(raw)
    assert "ingress.require_https=true" in msg and "ingress.certificate_arn" in msg


def test_certificate_from_another_region_is_refused():
    raw = aws("prod")
    raw["ingress"] = {"certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"}
    [msg] = problems(raw)
    assert "another region" in msg


def test_licence_secret_is_required():
    raw = aws("dev")
    raw["secrets"] = {"OPENAI_API_KEY": {}}
    [msg] = problems(raw)
    assert "LANGGRAPH_CLOUD_LICENSE_KEY or LANGSMITH_API_KEY" in msg


def test_credential_in_plain_env_is_refused():
    [msg] = problems(aws("dev", app={"env": {"OPENAI_API_KEY": "sk-123"}}))
    assert "app.env" in msg and "move it to `secrets`" in msg


def test_image_must_be_pinned_by_digest():
    [msg] = problems(aws("dev", app={"image": "example.com/agent:latest"}))
    assert msg.startswith("app.image=example.com/agent:latest")


def test_shutdown_grace_must_fit_fargate_stop_timeout():
    [msg] = problems(aws("dev", server={"shutdown_grace_seconds": 180}))
    assert "server.shutdown_grace_seconds=180" in msg and "at most 105" in msg


def test_log_retention_must_be_a_cloudwatch_value():
    [msg] = problems(aws("dev", logs={"retention_days": 10}))
    assert "logs.retention_days=10" in msg and "e.g. 7" in msg


def test_missing_target_and_environment_are_named():
    msgs = problems({})
    assert any(m.startswith("target is required") for m in msgs)
    assert any(m.startswith("environment is required") for m in msgs)


def test_app_folder_without_langgraph_json_is_named(tmp_path):
    cfg = build_config(aws("dev", app={"path": "missing"}))
    [msg] = check_app(cfg, tmp_path)
    assert msg.startswith("app.path=missing") and "langgraph.json" in msg


def test_langgraph_json_without_graphs_is_named(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "langgraph.json").write_text('{"dependencies": ["."], "graphs": {}}')
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    [msg] = check_app(build_config(aws("dev")), tmp_path)
    assert "`graphs` must map at least one graph id" in msg


def test_an_app_needs_no_dockerfile_of_its_own(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "langgraph.json").write_text('{"dependencies": ["."], "graphs": {"agent": "./a.py:g"}}')
    (tmp_path / "app" / "a.py").write_text("g = None\n")
    assert check_app(build_config(aws("dev")), tmp_path) == []


def test_dependencies_are_required_of_a_python_app_only(tmp_path):
    """The CLI installs a JavaScript app from its package.json and ignores `dependencies` there."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "a.js").write_text("export const g = null;\n")
    (tmp_path / "app" / "langgraph.json").write_text('{"node_version": "20", "graphs": {"agent": "./a.js:g"}}')
    assert check_app(build_config(aws("dev")), tmp_path) == []
    (tmp_path / "app" / "a.py").write_text("g = None\n")
    (tmp_path / "app" / "langgraph.json").write_text('{"graphs": {"agent": "./a.py:g"}}')
    [msg] = check_app(build_config(aws("dev")), tmp_path)
    assert "`dependencies` must list at least one package or folder" in msg


def test_what_langgraph_dockerfile_refuses_is_refused(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "langgraph.json").write_text(
        '{"dependencies": ["."], "graphs": {"agent": "./a.py:g"}, "python_version": "3.9"}')
    (tmp_path / "app" / "a.py").write_text("g = None\n")
    [msg] = check_app(build_config(aws("dev")), tmp_path)
    assert "`langgraph dockerfile` refuses it" in msg and "3.9" in msg


@pytest.mark.parametrize("spec,expected", [
    ("./agent/missing.py:graph", "agent/missing.py does not exist"),
    ("./agent/graph.py", "name the graph variable after a colon"),
    ({"path": "./agent/gone.py:graph", "description": "d"}, "agent/gone.py does not exist"),
])
def test_a_graph_file_that_is_not_there_is_named(tmp_path, spec, expected):
    import json

    app = tmp_path / "app"
    (app / "agent").mkdir(parents=True)
    (app / "agent" / "graph.py").write_text("graph = None\n")
    (app / "Dockerfile").write_text("FROM scratch\n")
    (app / "langgraph.json").write_text(json.dumps({"dependencies": ["."], "graphs": {"agent": spec}}))
    [msg] = check_app(build_config(aws("dev")), tmp_path)
    assert "graphs.agent=" in msg and expected in msg


def test_the_sample_app_passes_its_own_checks(root):
    assert check_app(build_config(aws("dev")), root) == []


def test_local_versions_must_have_a_pinned_image():
    raw = {"target": {"cloud": "local", "runtime": "docker"}, "environment": "local", "redis": {"version": "7.0"}}
    [msg] = problems(raw)
    assert msg.startswith("redis.version=7.0 has no pinned local image")


def test_kms_key_goes_with_an_adopted_secret_only():
    raw = aws("dev")
    raw["secrets"] = {**LICENSE, "OPENAI_API_KEY": {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abc-1"}}
    [msg] = problems(raw)
    assert "secrets.OPENAI_API_KEY.kms_key_arn goes with secrets.OPENAI_API_KEY.existing" in msg


def test_local_target_refuses_adopted_secrets_before_any_resource():
    raw = {"target": {"cloud": "local", "runtime": "docker"}, "environment": "local",
           "secrets": {"OPENAI_API_KEY": {"existing": "shared/openai"}}}
    [msg] = problems(raw)
    assert msg.startswith("secrets.OPENAI_API_KEY.existing: there is no secret manager on the local target")


@pytest.mark.parametrize("overrides,expected", [
    ({"target": {**AWS, "region": "eu-west"}}, "target.region=eu-west is not an AWS region"),
    ({"target": {**AWS, "region": "europe-west1"}}, "target.region=europe-west1 is not an AWS region"),
    ({"postgres": {"instance_class": "db.t4g"}}, "postgres.instance_class=db.t4g is not an RDS class"),
    ({"redis": {"node_type": "cache.t4g micro"}}, "redis.node_type=cache.t4g micro is not an ElastiCache node type"),
    ({"redis": {"version": "7.0"}}, "redis.version=7.0 is not an ElastiCache valkey version"),
    ({"redis": {"engine": "redis", "version": "7.2"}}, "redis.version=7.2 is not an ElastiCache redis version"),
    ({"tags": {"aws:owner": "me"}}, "tags.aws:owner=me: AWS tag keys"),
])
def test_names_aws_would_refuse_are_refused_before_any_call(overrides, expected):
    assert any(expected in p for p in problems(aws("dev", **overrides)))


def test_valid_aws_names_pass():
    cfg = build_config(aws("dev", target={**AWS, "region": "us-gov-west-1"}, redis={"engine": "redis", "version": "7.1"},
                           postgres={"instance_class": "db.r7g.2xlarge"}, tags={"CostCenter": "R&D"}))
    assert cfg.target.region == "us-gov-west-1"
