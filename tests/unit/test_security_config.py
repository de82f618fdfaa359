"""Closed by default: an internet-facing prod API must authenticate its callers, CORS is an allow-list, egress is
explicit. Given a stack config, when it is validated, then an open API is refused (prod) or named (dev)."""

from __future__ import annotations

import json

import pytest

from langgraph_infra import ConfigError, build_config
from langgraph_infra.exposure import check_exposure, internet_facing

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
GCP = {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"}
SECRETS = {"LANGSMITH_API_KEY": {}, "AGENT_API_KEYS": {}}
PROD_INGRESS = {"domain": "agents.example.com", "hosted_zone_id": "Z0123"}


def aws(env: str = "prod", **overrides):
    raw = {"target": AWS, "environment": env, "secrets": SECRETS, **overrides}
    if env == "prod":
        raw["ingress"] = {**PROD_INGRESS, **raw.get("ingress", {})}
        raw.setdefault("alarms", {"notify": ["oncall@example.com"]})
    return build_config(raw)


def app(tmp_path, auth: bool):
    folder = tmp_path / "app"
    folder.mkdir()
    config = {"dependencies": ["."], "graphs": {"agent": "./graph.py:graph"}}
    if auth:
        config["auth"] = {"path": "./auth.py:auth"}
    (folder / "langgraph.json").write_text(json.dumps(config))
    return tmp_path


def test_prod_refuses_an_internet_facing_api_whose_app_declares_no_auth(tmp_path):
    problems, warnings = check_exposure(aws(), app(tmp_path, auth=False))
    assert len(problems) == 1 and not warnings
    assert "the prod API is open to anyone" in problems[0] and "declares no `auth`" in problems[0]
    assert "ingress.unauthenticated_reason" in problems[0]


def test_prod_accepts_an_app_that_declares_auth(tmp_path):
    assert check_exposure(aws(), app(tmp_path, auth=True)) == ([], [])


def test_the_sample_app_declares_auth(root):
    assert check_exposure(aws(), root) == ([], [])


def test_prod_refuses_when_the_app_cannot_be_read_unless_the_stack_says_it_declares_auth(tmp_path):
    [problem], _ = check_exposure(aws(), tmp_path)
    assert "cannot be told" in problem
    assert check_exposure(aws(app={"declares_auth": True}), tmp_path) == ([], [])


def test_an_explicit_reason_opens_a_prod_api_on_purpose(tmp_path):
    cfg = aws(ingress={"unauthenticated_reason": "public demo, no user data"})
    assert check_exposure(cfg, app(tmp_path, auth=False)) == ([], [])


def test_dev_may_run_open_with_a_warning(tmp_path):
    problems, [warning] = check_exposure(aws("dev"), app(tmp_path, auth=False))
    assert problems == [] and "open to anyone who finds its URL" in warning


def test_an_ingress_narrowed_to_private_ranges_is_not_internet_facing_but_still_warned(tmp_path):
    cfg = aws(ingress={"allowed_cidrs": ["10.0.0.0/8"]})
    assert not internet_facing(cfg)
    problems, [warning] = check_exposure(cfg, app(tmp_path, auth=False))
    assert problems == [] and "answers every caller that can reach it" in warning


def test_a_local_stack_may_run_open_with_a_warning(tmp_path):
    cfg = build_config({"target": {"cloud": "local", "runtime": "docker"}, "environment": "local"})
    problems, [warning] = check_exposure(cfg, app(tmp_path, auth=False))
    assert problems == [] and "declares no `auth`" in warning


def test_gcp_prod_is_private_by_default_and_refuses_a_public_url():
    raw = {"target": GCP, "environment": "prod", "secrets": SECRETS, "alarms": {"notify": ["oncall@example.com"]}}
    assert build_config(raw).ingress.public is False
    with pytest.raises(ConfigError, match="ingress.public=true in prod"):
        build_config({**raw, "ingress": {"public": True}})


def test_cors_defaults_to_no_origin_and_refuses_a_wildcard_in_prod():
    assert aws().server.cors_allow_origins == []
    with pytest.raises(ConfigError, match=r"server.cors_allow_origins=\[\"\*\"\]"):
        aws(server={"cors_allow_origins": ["*"]})
    assert aws("dev", server={"cors_allow_origins": ["*"]}).server.cors_allow_origins == ["*"]


@pytest.mark.parametrize("origin", ["app.example.com", "https://app.example.com/", "https://app.example.com/path",
                                    "ftp://app.example.com"])
def test_an_origin_that_is_not_one_is_named(origin):
    with pytest.raises(ConfigError) as err:
        aws("dev", server={"cors_allow_origins": [origin]})
    assert err.value.problems[0].startswith("server.cors_allow_origins") and "not a web origin" in err.value.problems[0]


def test_egress_ports_default_to_https_and_are_checked():
    assert aws("dev").network.egress_ports == [443]
    with pytest.raises(ConfigError, match="70000 is not a TCP port"):
        aws("dev", network={"egress_ports": [443, 70000]})


def test_waf_is_on_in_aws_prod_and_an_aws_setting_only():
    assert aws().ingress.waf is True and aws("dev").ingress.waf is False
    raw = {"target": GCP, "environment": "dev", "secrets": SECRETS, "ingress": {"waf": True}}
    with pytest.raises(ConfigError, match="ingress.waf and ingress.rate_limit_per_ip are aws settings"):
        build_config(raw)


def test_a_whole_server_built_in_code_is_refused_open_too():
    """A platform team's program that builds its config in code gets the same refusal, before any resource."""
    from langgraph_infra.server import AgentServerArgs

    with pytest.raises(ConfigError, match="the prod API is open to anyone"):
        AgentServerArgs(config=aws(app={"declares_auth": False}), stack="prod")
    assert AgentServerArgs(config=aws(app={"declares_auth": True}), stack="prod").stack == "prod"
