"""`gcp.AgentServer` used directly in a platform team's program, with a project and region other than the mocks'
defaults: every resource is placed by the component's own provider for `target.project` / `target.region`, with
the stack's labels, and the regional resources and URLs name that region and project."""

from __future__ import annotations

import json
import textwrap

import pytest

from langgraph_infra.plan import Plan, run_plan

PROJECT, REGION = "acme-agents-prod", "us-central1"
PROGRAM = textwrap.dedent(f"""\
    from pathlib import Path

    import pulumi

    import langgraph_infra as lgi
    from langgraph_infra.gcp import AgentServer, AgentServerArgs

    config = lgi.build_config({{
        "target": {{"cloud": "gcp", "runtime": "cloudrun", "region": "{REGION}", "project": "{PROJECT}"}},
        "environment": "dev",
        "secrets": {{"LANGSMITH_API_KEY": {{"existing": "projects/{PROJECT}/secrets/langsmith"}}}},
    }})
    server = AgentServer("agents", AgentServerArgs(config=config, stack=pulumi.get_stack(), app_dir=Path("app")))
    pulumi.export("url", server.url)
    pulumi.export("repository_url", server.repository_url)
    """)
# See tests/unit/test_examples.py: run_plan validates `langgraph-infra:*` stack keys before the program runs.


@pytest.fixture(scope="module")
def p(tmp_path_factory) -> Plan:
    tmp = tmp_path_factory.mktemp("gcp-placement")
    (tmp / "Pulumi.yaml").write_text("name: platform-agents\nruntime: python\n")
    (tmp / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp / "__main__.py").write_text(PROGRAM)
    (tmp / "app").mkdir()
    (tmp / "app" / "langgraph.json").write_text('{"dependencies": ["."], "graphs": {"agent": "./a.py:g"}}')
    (tmp / "app" / "a.py").write_text("g = None\n")
    return run_plan(tmp, "dev")


def test_every_gcp_resource_uses_the_components_provider_for_target_project_and_region(p):
    [provider] = p.by_type("pulumi:providers:gcp")
    assert provider.name == "agents-gcp"
    assert (provider.inputs["project"], provider.inputs["region"]) == (PROJECT, REGION)
    labels = json.loads(provider.inputs["defaultLabels"]) if isinstance(provider.inputs["defaultLabels"], str) \
        else provider.inputs["defaultLabels"]
    assert labels["environment"] == "dev" and labels["managed-by"] == "pulumi"
    gcp = [r for r in p.resources if r.custom and r.type.startswith("gcp:")]
    assert gcp
    for r in gcp:
        assert r.provider and r.provider.startswith(f"{provider.urn}::"), f"{r.type} {r.name}"


def test_regional_resources_and_urls_name_target_region_and_project(p):
    for r in p.resources:
        for key in ("region", "location"):
            if key in r.inputs and r.type.startswith("gcp:") and r.type != "pulumi:providers:gcp":
                assert r.inputs[key] == REGION, f"{r.type} {r.name}.{key}"
    repo = p.one("gcp:artifactregistry/repository:Repository").inputs
    assert repo["project"] == PROJECT
    assert p.outputs["repository_url"].startswith(f"{REGION}-docker.pkg.dev/{PROJECT}/")
