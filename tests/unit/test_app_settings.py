"""Any app's langgraph.json: each setting that reaches the platform is honoured, or refused naming it with the fix.
Every app here is generated in tmp_path (outside the repository) and checked with the real langgraph-cli code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langgraph_infra import build_config, contract
from langgraph_infra.app_folder import check_app, settle_app
from langgraph_infra.aws.container import container_definition
from langgraph_infra.dockerfile import generate

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
LICENSE = {"LANGSMITH_API_KEY": {}}
INDEX = {"dims": 1536, "embed": "openai:text-embedding-3-small", "fields": ["$"]}


def stack(folder: Path, env: str = "dev", secrets: dict | None = None, **overrides):
    raw = {"target": AWS, "environment": env, "secrets": {**LICENSE, **(secrets or {})},
           "app": {"path": str(folder), **overrides.pop("app", {})}, **overrides}
    if env == "prod":
        raw["ingress"] = {"domain": "agents.example.com", "hosted_zone_id": "Z0123"}
        raw["alarms"] = {"notify": ["oncall@example.com"]}
    return build_config(raw)


def python_app(folder: Path, **settings: object) -> Path:
    (folder / "my_agent").mkdir(parents=True)
    (folder / "my_agent" / "graph.py").write_text("graph = None\n")
    (folder / "pyproject.toml").write_text('[project]\nname = "my-agent"\nversion = "0.1.0"\n')
    (folder / "langgraph.json").write_text(json.dumps(
        {"dependencies": ["."], "graphs": {"bot": "./my_agent/graph.py:graph"}, **settings}))
    return folder


def js_app(folder: Path) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "graph.ts").write_text("export const graph = undefined;\n")
    (folder / "package.json").write_text(json.dumps({"name": "my-js-agent", "version": "0.1.0",
                                                     "dependencies": {"@langchain/langgraph": "^0.2.0"}}))
    (folder / "langgraph.json").write_text(json.dumps(
        {"node_version": "20", "dependencies": ["."], "graphs": {"bot": "./src/graph.ts:graph"}}))
    return folder


def test_an_app_outside_the_repository_passes_as_it_is(tmp_path):
    app = python_app(tmp_path / "elsewhere")
    assert check_app(stack(app), Path("/nonexistent-project")) == []


def test_a_semantic_index_needs_its_providers_key_under_secrets(tmp_path):
    app = python_app(tmp_path, store={"index": INDEX})
    [msg] = check_app(stack(app), tmp_path)
    assert "store.index.embed=openai:text-embedding-3-small needs OPENAI_API_KEY" in msg
    assert "pulumi config set --secret OPENAI_API_KEY" in msg


def test_a_semantic_index_with_its_key_declared_passes(tmp_path):
    app = python_app(tmp_path, store={"index": INDEX, "ttl": {"default_ttl": 60}})
    assert check_app(stack(app, secrets={"OPENAI_API_KEY": {}}), tmp_path) == []


def test_an_index_embedded_by_the_apps_own_function_needs_no_key(tmp_path):
    app = python_app(tmp_path, store={"index": {"dims": 8, "embed": "./my_agent/graph.py:embed"}})
    assert check_app(stack(app), tmp_path) == []


def test_an_index_on_a_cloud_identity_provider_is_refused(tmp_path):
    app = python_app(tmp_path, store={"index": {**INDEX, "embed": "bedrock:amazon.titan-embed-text-v2:0"}})
    [msg] = check_app(stack(app), tmp_path)
    assert "store.index.embed=bedrock:" in msg and "cloud identity" in msg


def test_app_cors_and_stack_cors_together_are_refused(tmp_path):
    app = python_app(tmp_path, http={"cors": {"allow_origins": ["https://a.example.com"]}})
    [msg] = check_app(stack(app, server={"cors_allow_origins": ["https://b.example.com"]}), tmp_path)
    assert "http.cors and the stack's server.cors_allow_origins are both set" in msg


def test_app_cors_open_to_any_origin_is_refused_in_prod(tmp_path):
    app = python_app(tmp_path, http={"cors": {"allow_origins": ["*"]}}, auth={"path": "./my_agent/graph.py:auth"})
    msgs = check_app(stack(app, "prod"), tmp_path)
    assert any('http.cors.allow_origins=["*"]' in m for m in msgs)


def test_app_routes_and_cors_alone_pass_and_reach_the_image(tmp_path):
    app = python_app(tmp_path, http={"app": "./my_agent/graph.py:app", "cors": {"allow_origins": ["https://a.io"]}})
    assert check_app(stack(app), tmp_path) == []
    assert "ENV LANGGRAPH_HTTP=" in generate(app / "langgraph.json").text


def test_credentials_in_an_env_object_are_refused_with_the_fix(tmp_path):
    app = python_app(tmp_path, env={"OPENAI_API_KEY": "sk-123", "MODEL": "gpt"})
    [msg] = check_app(stack(app), tmp_path)
    assert msg.endswith("add `secrets: {OPENAI_API_KEY: {}}` to the stack config") and "env.OPENAI_API_KEY" in msg


def test_plain_env_object_joins_app_env(tmp_path):
    app = python_app(tmp_path, env={"MODEL": "gpt", "TEMPERATURE": "0"})
    cfg = stack(app, app={"env": {"TEMPERATURE": "0"}})
    assert check_app(cfg, tmp_path) == []
    assert settle_app(cfg, tmp_path).app.env == {"MODEL": "gpt", "TEMPERATURE": "0"}


def test_an_env_object_clashing_with_app_env_is_refused(tmp_path):
    app = python_app(tmp_path, env={"MODEL": "gpt"})
    [msg] = check_app(stack(app, app={"env": {"MODEL": "claude"}}), tmp_path)
    assert "env.MODEL=gpt and the stack's app.env.MODEL=claude differ" in msg


@pytest.mark.parametrize("env_file", [".env", "config/prod.env"])
def test_an_env_file_that_would_enter_the_image_is_refused(tmp_path, env_file):
    app = python_app(tmp_path, env=env_file)
    (app / env_file).parent.mkdir(parents=True, exist_ok=True)
    (app / env_file).write_text("OPENAI_API_KEY=sk-123\n")
    [msg] = check_app(stack(app), tmp_path)
    assert "would be copied into the image" in msg and ".dockerignore" in msg


def test_an_env_file_kept_out_by_dockerignore_passes_and_is_not_read(tmp_path):
    app = python_app(tmp_path, env=".env")
    (app / ".env").write_text("MODEL=gpt\n")
    (app / ".dockerignore").write_text(".env\n")
    cfg = stack(app)
    assert check_app(cfg, tmp_path) == []
    assert settle_app(cfg, tmp_path).app.env == {}


def test_python_version_and_dockerfile_lines_reach_the_image(tmp_path):
    app = python_app(tmp_path, python_version="3.12", dockerfile_lines=["RUN echo extra"])
    assert check_app(stack(app), tmp_path) == []
    text = generate(app / "langgraph.json").text
    assert text.startswith("FROM langchain/langgraph-api:3.12") and "RUN echo extra" in text


def test_a_js_app_builds_on_the_js_image(tmp_path):
    app = js_app(tmp_path)
    assert check_app(stack(app), tmp_path) == []
    text = generate(app / "langgraph.json").text
    assert text.startswith("FROM langchain/langgraphjs-api:20")
    assert "LANGSERVE_GRAPHS" in text and text.rstrip().endswith("USER 1000:1000")
    assert settle_app(stack(app), tmp_path).runtime() is contract.Runtime.JS


def test_a_python_app_settles_to_the_python_runtime(tmp_path):
    app = python_app(tmp_path)
    assert settle_app(stack(app), tmp_path).runtime() is contract.Runtime.PYTHON


@pytest.mark.parametrize("role", list(contract.Role))
def test_js_containers_use_commands_the_js_image_has(role):
    definition = container_definition(role=role, image="repo@sha256:" + "0" * 64, environment={}, secrets=[],
                                      log_group="g", region="us-east-1", stop_timeout_seconds=105,
                                      runtime=contract.Runtime.JS)
    assert definition["healthCheck"]["command"][:3] == ["CMD", "node", "-e"]
    assert "http://127.0.0.1:8000/ok" in definition["healthCheck"]["command"][3]
    assert "command" not in definition  # the image's own entrypoint; N_JOBS_PER_WORKER makes the queue a worker
