"""`aws.AgentServer` used directly: with no provider in `opts` it creates its own for `target.region`; with one, it
uses that one and creates none. Either way no resource falls to the program's default provider."""

from __future__ import annotations

import textwrap

import pytest

from langgraph_infra.plan import Plan, run_plan

# See tests/unit/test_examples.py: run_plan validates `langgraph-infra:*` stack keys before the program runs.
PROGRAM = textwrap.dedent("""\
    import pulumi
    import pulumi_aws as aws

    import langgraph_infra as lgi
    from langgraph_infra.aws import AgentServer, AgentServerArgs

    config = lgi.build_config({
        "target": {"cloud": "aws", "runtime": "ecs", "region": "eu-central-1"},
        "environment": "dev",
        "app": {"image": "registry.example.com/agents@sha256:" + "b" * 64},
        "secrets": {"LANGSMITH_API_KEY": {"existing": "platform/langsmith"}},
    })
    %s
    server = AgentServer("agents", AgentServerArgs(config=config, stack=pulumi.get_stack()), opts)
    """)
GIVEN = {
    "none": "opts = None",
    "providers": 'opts = pulumi.ResourceOptions(providers={"aws": aws.Provider("platform", region="eu-central-1")})',
    "parent": textwrap.dedent("""\
        class Platform(pulumi.ComponentResource):
            def __init__(self):
                super().__init__("acme:index:Platform", "platform", None, pulumi.ResourceOptions(
                    providers=[aws.Provider("platform", region="eu-central-1")]))
        opts = pulumi.ResourceOptions(parent=Platform())"""),
}


def plan(tmp_path, given: str) -> Plan:
    (tmp_path / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(PROGRAM % GIVEN[given])
    return run_plan(tmp_path, "dev")


def aws_resources(p: Plan):
    found = [r for r in p.resources if r.custom and r.type.startswith("aws:")]
    assert found
    return found


def test_without_a_provider_it_creates_one_for_target_region(tmp_path):
    p = plan(tmp_path, "none")
    [provider] = p.by_type("pulumi:providers:aws")
    assert (provider.name, provider.inputs["region"]) == ("agents-aws", "eu-central-1")
    assert all(r.provider.startswith(f"{provider.urn}::") for r in aws_resources(p))


@pytest.mark.parametrize("given", ["providers", "parent"])
def test_with_a_provider_it_uses_that_one_and_creates_none(tmp_path, given):
    p = plan(tmp_path, given)
    [provider] = p.by_type("pulumi:providers:aws")
    assert provider.name == "platform"
    assert all(r.provider.startswith(f"{provider.urn}::") for r in aws_resources(p))
