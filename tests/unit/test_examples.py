"""The programs in examples/, as a platform team would write them: planned under the package's own mocks
(`langgraph_infra.plan.run_plan`), and type-checked through the documented import paths.

Given an example and its stack file, when it is planned, then what its user relies on holds: the resources exist,
every one is placed in the stack's region by an explicit provider, and no secret is in plain text.
"""

from __future__ import annotations

import ast
import json

import pytest

from langgraph_infra.plan import Plan, run_plan, unwrap
from tests.conftest import CANARY, ROOT
from tests.unit.test_library import run_mypy

EXAMPLES = ROOT / "examples"
REGION = "eu-west-1"
_plans: dict[tuple[str, str], Plan] = {}


def plan_example(name: str, stack: str) -> Plan:
    if (name, stack) not in _plans:
        _plans[name, stack] = run_plan(EXAMPLES / name, stack,
                                       secrets=[f"OPENAI_API_KEY={CANARY}"] if name == "aws-prebuilt-image" else [])
    return _plans[name, stack]


def provider_region(plan: Plan, reference: str) -> str:
    [provider] = [r for r in plan.by_type("pulumi:providers:aws") if reference.startswith(f"{r.urn}::")]
    return provider.inputs["region"]


def assert_every_aws_resource_in(plan: Plan, region: str) -> None:
    aws = [r for r in plan.resources if r.custom and r.type.startswith("aws:")]
    assert aws
    for r in aws:
        assert r.provider, f"{r.type} {r.name} uses the default provider"
        assert provider_region(plan, r.provider) == region, f"{r.type} {r.name}"


def test_every_example_is_a_pulumi_program():
    found = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert {"aws-data-tier", "aws-prebuilt-image"} <= set(found)
    for name in found:
        folder = EXAMPLES / name
        assert (folder / "Pulumi.yaml").is_file() and (folder / "__main__.py").is_file()
        assert list(folder.glob("Pulumi.*.yaml")), f"{name} has no stack file"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/__main__.py")), ids=lambda p: p.parent.name)
def test_examples_import_only_the_public_api(path):
    public = {"langgraph_infra", "langgraph_infra.aws", "langgraph_infra.gcp", "langgraph_infra.local",
              "langgraph_infra.kubernetes",
              "langgraph_infra.config", "langgraph_infra.plan"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("langgraph_infra"):
            assert node.module in public, f"{path.parent.name} imports {node.module}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert not alias.name.startswith("langgraph_infra.") or alias.name in public


@pytest.mark.slow
def test_examples_type_check(tmp_path):
    programs = sorted(EXAMPLES.glob("*/__main__.py"))
    # mypy wants distinct module names: copy each program under its folder's name.
    copies = []
    for program in programs:
        copy = tmp_path / f"{program.parent.name.replace('-', '_')}.py"
        copy.write_text(program.read_text())
        copies.append(copy)
    result = run_mypy(tmp_path, *copies)
    assert result.returncode == 0, result.stdout + result.stderr


# aws-data-tier: Network + Database + Cache for an existing service ---------------------------------------------

def test_data_tier_adopts_the_vpc_and_creates_only_the_data_stores():
    plan = plan_example("aws-data-tier", "dev")
    assert plan.by_type("aws:ec2/vpc:Vpc") == [] and plan.by_type("aws:ec2/subnet:Subnet") == []
    assert len(plan.by_type("aws:rds/instance:Instance")) == 1
    assert len(plan.by_type("aws:elasticache/replicationGroup:ReplicationGroup")) == 1
    assert plan.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == [
        "subnet-0c00000000000000c", "subnet-0d00000000000000d"]


def test_data_tier_gets_the_dev_profile_for_what_it_does_not_set():
    db = plan_example("aws-data-tier", "dev").one("aws:rds/instance:Instance").inputs
    assert db["instanceClass"] == "db.t4g.micro" and db["multiAz"] is False
    # What the program set explicitly wins over the profile.
    assert db["dbName"] == "orders" and db["allocatedStorage"] == 50


@pytest.mark.parametrize("store,port", [("orders-db", 5432), ("orders-cache", 6379)])
def test_data_tier_opens_one_port_to_the_existing_service_only(store, port):
    plan = plan_example("aws-data-tier", "dev")
    rules = [r.inputs for r in plan.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.parent == store]
    assert rules == [{**rules[0], "fromPort": port, "toPort": port, "ipProtocol": "tcp",
                      "referencedSecurityGroupId": "sg-0123456789abcdef0"}]
    assert "cidrIpv4" not in rules[0]


def test_data_tier_is_placed_in_the_configured_region_by_its_own_provider():
    assert_every_aws_resource_in(plan_example("aws-data-tier", "dev"), REGION)


def test_data_tier_exports_endpoints_and_only_secret_uris():
    plan = plan_example("aws-data-tier", "dev")
    assert {"postgres_address", "redis_address", "postgres_uri", "redis_uri"} <= set(plan.outputs)
    assert {"postgres_uri", "redis_uri"} <= plan.secret_outputs
    assert not {"postgres_address", "redis_address"} & plan.secret_outputs


# aws-prebuilt-image: a whole AgentServer from an image by digest, in eu-west-1 -----------------------------------

IMAGE = ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/agents@sha256:"
         "3f1c0ad2b8e4c7d9a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908")


def containers(plan: Plan, role: str) -> list[dict]:
    """The Agent Server's container of a role's task (the collector sidecar is tested in tests/aws)."""
    return [c for c in json.loads(plan.one("aws:ecs/taskDefinition:TaskDefinition", f"agents-service-{role}")
                                  .inputs["containerDefinitions"]) if c["name"] == "agent-server"]


def test_prebuilt_image_is_deployed_by_digest_and_nothing_is_built():
    plan = plan_example("aws-prebuilt-image", "prod")
    assert plan.by_type("docker-build:index:Image") == []
    assert plan.by_type("aws:ecr/repository:Repository") == []
    for role in ("api", "queue"):
        assert containers(plan, role)[0]["image"] == IMAGE
    assert plan.outputs["image"] == IMAGE


def test_agent_server_used_directly_places_every_resource_in_target_region():
    plan = plan_example("aws-prebuilt-image", "prod")
    assert_every_aws_resource_in(plan, REGION)
    [provider] = plan.by_type("pulumi:providers:aws")
    assert provider.name == "agents-aws"
    assert json.loads(provider.inputs["defaultTags"])["tags"]["environment"] == "prod"


@pytest.mark.parametrize("role", ["api", "queue"])
def test_agent_server_used_directly_names_target_region_in_logs_and_kms_grants(role):
    plan = plan_example("aws-prebuilt-image", "prod")
    [container] = containers(plan, role)
    assert container["logConfiguration"]["options"]["awslogs-region"] == REGION
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", f"agents-service-{role}-execution")
                        .inputs["policy"])
    [decrypt] = [s for s in policy["Statement"] if s["Sid"] == "DecryptOwnSecrets"]
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == f"secretsmanager.{REGION}.amazonaws.com"


def test_prebuilt_image_serves_https_in_prod_with_the_prod_profile():
    plan = plan_example("aws-prebuilt-image", "prod")
    listener = plan.one("aws:lb/listener:Listener", "agents-service-listener-443").inputs
    assert listener["certificateArn"].startswith(f"arn:aws:acm:{REGION}:")
    assert plan.one("aws:rds/instance:Instance").inputs["multiAz"] is True
    assert plan.outputs["url"].startswith("https://")


def test_created_secret_comes_from_the_projects_own_config_and_stays_secret():
    plan = plan_example("aws-prebuilt-image", "prod")
    [version] = [r for r in plan.by_type("aws:secretsmanager/secretVersion:SecretVersion")
                 if r.name == "agents-secrets-openai-api-key"]
    assert unwrap(version.inputs["secretString"]) == CANARY
    for r in plan.resources:
        assert CANARY not in json.dumps(r.as_dict()["inputs"]), r.name
    assert CANARY not in plan.render()


def test_adopted_licence_is_referenced_not_created():
    plan = plan_example("aws-prebuilt-image", "prod")
    names = {r.inputs["name"] for r in plan.by_type("aws:secretsmanager/secret:Secret")}
    # postgres-master is the database bootstrap's (the master's URI), created and read by the stack alone.
    assert names == {f"agents-prod/{n}" for n in ("POSTGRES_URI", "REDIS_URI", "OPENAI_API_KEY", "postgres-master")}
    secrets = {s["name"]: s["valueFrom"] for s in containers(plan, "api")[0]["secrets"]}
    assert secrets["LANGGRAPH_CLOUD_LICENSE_KEY"].endswith(":secret:platform/langgraph-licence-Ab12Cd")


def test_examples_need_no_file_of_this_repository(tmp_path):
    """A copy of an example outside the repository plans the same (no `app/Dockerfile`, no repo-relative path)."""
    import shutil

    copy = tmp_path / "aws-prebuilt-image"
    shutil.copytree(EXAMPLES / "aws-prebuilt-image", copy)
    plan = run_plan(copy, "prod", secrets=[f"OPENAI_API_KEY={CANARY}"])
    assert len(plan.resources) == len(plan_example("aws-prebuilt-image", "prod").resources)

