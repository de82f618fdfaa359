"""The plan's API as a platform team uses it to test its own program, and the placeholders the mocks invent."""

from __future__ import annotations

import asyncio
import gc
import json
import re
import textwrap
import warnings

import pytest

from langgraph_infra.mocks import mock_id
from langgraph_infra.plan import Plan, PlanError, main, run_plan, unwrap
from tests.conftest import ROOT, plan_of

DIGEST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agents@sha256:" + "a" * 64
LICENCE_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/langsmith-Ab12Cd"
PROGRAM = f"""
import langgraph_infra as lgi

config = lgi.build_config({{
    "target": {{"cloud": "aws", "runtime": "ecs", "region": "eu-west-1"}},
    "environment": "dev",
    "app": {{"image": "{DIGEST}"}},
    "secrets": {{"LANGSMITH_API_KEY": {{"existing": "{LICENCE_ARN}"}}}},
}})
lgi.export_all(lgi.agent_server(config))
"""


def everything(plan: Plan) -> str:
    """Every input and output of a plan, secrets revealed: what must be consistent with the stack."""
    return json.dumps([unwrap(r.inputs) for r in plan.resources] + [unwrap(plan.outputs)])


@pytest.fixture
def platform_project(tmp_path):
    """A platform team's own project: config built in code, a stack file without `langgraph-infra:` keys."""
    (tmp_path / "Pulumi.yaml").write_text("name: platform-agents\nruntime: python\nmain: deploy/\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "agents.py").write_text(textwrap.dedent(PROGRAM))
    return tmp_path


# Your own program -------------------------------------------------------------------------------------------------

def test_run_plan_plans_a_program_that_builds_its_config_in_code(platform_project, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))  # the relative program path is the project's
    plan = run_plan(platform_project, "dev", "deploy/agents.py")
    assert plan.one("aws:rds/instance:Instance").inputs["storageEncrypted"] is True
    assert len(plan.by_type("aws:ecs/service:Service")) == 2
    assert plan.by_type("docker-build:index:Image") == []  # deployed by digest: nothing built
    assert plan.outputs["image"] == DIGEST
    assert plan.notes == []  # no placeholder secrets: the stack file declares no target


def test_the_module_docstring_example_runs(monkeypatch):
    import langgraph_infra.plan

    doc = langgraph_infra.plan.__doc__
    example = textwrap.dedent(doc[doc.index("        from pathlib"):doc.index("    `PlannedResource.inputs`")])
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(example, "plan.__doc__", "exec"), namespace)  # noqa: S102 - our own documentation
    namespace["test_database_is_private"]()


def test_run_plan_with_a_missing_program_is_a_plan_error(platform_project):
    with pytest.raises(PlanError, match="no program"):
        run_plan(platform_project, "dev", "deploy/missing.py")


def test_plan_api_finds_resources_and_reveals_secrets_only_on_request():
    plan = plan_of("dev")
    rds = plan.one("aws:rds/instance:Instance")
    assert rds.as_dict()["inputs"]["password"] == "[secret]"
    assert unwrap(rds.inputs["password"]).startswith("plan-generated-")
    assert {r.name for r in plan.by_type("aws:ecs/service:Service")} == {"agent-service-api", "agent-service-queue"}
    with pytest.raises(LookupError):
        plan.one("aws:ecs/service:Service")


def test_resources_list_parents_before_children():
    plan = plan_of("dev")
    urns, seen = {r.urn for r in plan.resources}, set()
    for r in plan.resources:
        assert r.parent_urn not in urns or r.parent_urn in seen, r.name
        seen.add(r.urn)


# Placeholders: consistent with the stack, marked, and still valid ------------------------------------------------

def test_an_aws_stack_in_another_region_shows_that_region_everywhere():
    plan = plan_of("dev", "target.region=eu-west-1")
    text = everything(plan) + plan.render(show_secrets=True) + json.dumps(plan.to_json())
    assert "us-east-1" not in text and "use1" not in text
    subnets = {r.inputs["availabilityZone"] for r in plan.by_type("aws:ec2/subnet:Subnet")}
    assert subnets == {"eu-west-1a", "eu-west-1b"}
    assert ":eu-west-1:" in plan.outputs["secret_arns"]["POSTGRES_URI"]
    assert ".eu-west-1." in plan.outputs["url"] and ".euw1." in plan.outputs["redis_address"]


def test_a_gcp_stack_shows_its_own_project_in_inputs_and_outputs():
    plan = plan_of("gcp-dev", "target.project=my-proj-123")
    text = everything(plan) + plan.render(show_secrets=True)
    assert "plan-project" not in text and "mock-project" not in text and "my-gcp-project" not in text
    assert plan.outputs["project"] == "my-proj-123"
    assert plan.outputs["service_accounts"]["api"].endswith("@my-proj-123.iam.gserviceaccount.com")
    assert plan.outputs["database_connection_name"].startswith("my-proj-123:europe-west1:")


def test_ids_name_their_resource_and_type():
    plan = plan_of("dev")
    subnet = plan.one("aws:ec2/subnet:Subnet", "agent-network-private-0")
    assert subnet.inputs["vpcId"] == mock_id("agent-network-vpc", "aws:ec2/vpc:Vpc") == "<mock:Vpc/agent-network-vpc>"
    assert plan.one("aws:ec2/routeTableAssociation:RouteTableAssociation", "agent-network-private-0").inputs == {
        "routeTableId": "<mock:RouteTable/agent-network-private-0>", "subnetId": "<mock:Subnet/agent-network-private-0>"}


def test_invented_values_keep_their_real_shape():
    plan = plan_of("dev", "target.region=eu-west-1")
    arns = set(re.findall(r"arn:aws:[^\"\s,\]}]+", everything(plan)))
    assert arns and all(re.fullmatch(r"arn:aws:[a-z0-9-]+:(eu-west-1)?:(\d{12})?:\S+", a) for a in arns), arns
    assert re.fullmatch(r"\S+@sha256:00000000[0-9a-f]{56}", plan.outputs["image"])
    assert re.fullmatch(r"[a-z0-9-]+\.mock\.eu-west-1\.rds\.amazonaws\.com", plan.outputs["database_address"])


def test_the_text_plan_explains_its_placeholders():
    out = plan_of("dev").render()
    legend = out[:out.index("\n+ ")]
    assert "<mock:Type/NAME>" in legend and "# mock" in legend and "123456789012" in legend


def test_made_up_values_are_marked_and_derived_ones_are_not():
    out = plan_of("gcp-dev").render()
    assert "\n    database_address: 10.40.16.3  # mock\n" in out
    # The email is what GCP returns for that account id and project: nothing made up.
    assert "\n      api: langgraph-gcp-dev-api@my-gcp-project-dev.iam.gserviceaccount.com\n" in out


# Secrets in containers --------------------------------------------------------------------------------------------

def test_local_env_entries_are_hidden_one_by_one():
    plan = plan_of("local")
    envs = plan.to_json()["resources"]
    [db] = [r["inputs"]["envs"] for r in envs if r["name"] == "agent-db-postgres" and "envs" in r["inputs"]]
    assert db == ["POSTGRES_USER=langgraph", "POSTGRES_DB=langgraph", "POSTGRES_PASSWORD=[secret]"]


def test_a_program_secret_in_a_container_env_is_hidden_even_when_the_plan_does_not_know_its_value():
    # Docker marks the whole list secret; an entry that is a credential by its shape stays hidden on its own.
    plan = plan_of("local", "app.env.DATABASE_URL=postgres://u:pw-in-plain@h:5432/x")
    out = plan.render()
    assert "DATABASE_URL=[secret]" in out and "pw-in-plain" not in out


# The event loop ---------------------------------------------------------------------------------------------------

def test_a_plan_leaves_no_event_loop_open():
    # An open loop left for interpreter exit is what printed "Exception ignored" after some successful plans: the
    # plan's own loop, or one of those Pulumi's mock monitor opens on its executor threads (dropped unclosed when
    # the threads end, which Python reports as a ResourceWarning when it collects them).
    gc.collect()
    before = {id(o) for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        run_plan(ROOT, "local")
        gc.collect()
    open_loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)
                  and id(o) not in before and not o.is_closed()]
    assert open_loops == []
    assert [str(w.message) for w in caught if "event loop" in str(w.message)] == []


# The command line, in process -------------------------------------------------------------------------------------

def test_a_stack_file_that_is_not_yaml_is_an_error_line(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: [unclosed\n")
    assert main(["--stack", "dev"], project_dir=tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_a_folder_without_a_project_is_an_error_line(tmp_path, capsys):
    assert main(["--stack", "dev"], project_dir=tmp_path) == 2
    assert capsys.readouterr().err.startswith("error: no Pulumi.yaml")


def write_program(tmp_path, body: str):
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\nimport pulumi_aws as aws\n\n"
                                          "o = pulumi.InvokeOptions(provider=aws.Provider('p', region='eu-west-1'))\n"
                                          + textwrap.dedent(body))


def test_common_aws_lookups_answer_in_the_providers_region(tmp_path):
    write_program(tmp_path, """
        pulumi.export("account", aws.get_caller_identity_output(opts=o).account_id)
        pulumi.export("region", aws.get_region_output(opts=o).region)
        pulumi.export("zones", aws.get_availability_zones_output(opts=o).names)
    """)
    plan = run_plan(tmp_path, "dev")
    assert plan.outputs["account"] == "123456789012" and plan.outputs["region"] == "eu-west-1"
    assert plan.outputs["zones"][0] == "eu-west-1a"


def test_a_lookup_the_mocks_do_not_know_is_named(tmp_path):
    write_program(tmp_path, 'pulumi.export("b", aws.get_billing_service_account_output(opts=o).arn)\n')
    with pytest.raises(PlanError, match="no mock for the call aws:index/getBillingServiceAccount"):
        run_plan(tmp_path, "dev")


def test_two_servers_share_one_program_each_with_its_own_provider(platform_project):
    """Two agent servers (two teams, two regions) in one program: distinct providers, nothing registered twice."""
    program = PROGRAM.replace("lgi.export_all(lgi.agent_server(config))", textwrap.dedent("""
        other = config.model_copy(update={"name": "support", "target": config.target.model_copy(
            update={"region": "us-west-2"})})
        first = lgi.agent_server(config, name="sales")
        second = lgi.agent_server(other, name="support")
        import pulumi
        pulumi.export("urls", [first.exports()["url"], second.exports()["url"]])
    """))
    (platform_project / "deploy" / "agents.py").write_text(textwrap.dedent(program))
    plan = run_plan(platform_project, "dev", "deploy/agents.py")
    providers = {r.name: r.inputs["region"] for r in plan.by_type("pulumi:providers:aws")}
    assert providers == {"sales-aws": "eu-west-1", "support-aws": "us-west-2"}
    assert len({r.urn for r in plan.resources}) == len(plan.resources)
    assert len(plan.by_type("aws:ecs/service:Service")) == 4
