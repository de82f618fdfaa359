"""The offline plan as a user runs it: `python -m infra.plan`. Most tests call the CLI in process (`cli`, the same
`main` the module runs); the exit codes and the bare error line without a traceback are also checked in a real
process (`run_cli`)."""

from __future__ import annotations

import json
import re

import pytest

from langgraph_infra.mocks import mock_id
from tests.conftest import cli, run_cli

RDS = "aws:rds/instance:Instance"


def tree(stdout: str) -> list[tuple[int, str, str]]:
    """(indent, type, name) of every resource line of a text plan, in order."""
    found = []
    for line in stdout.splitlines():
        m = re.match(r"^( *)\+ (\S+)  (\S+)", line)
        if m:
            found.append((len(m.group(1)), m.group(2), m.group(3)))
    return found


def children(stdout: str, type_: str, name: str) -> list[tuple[str, str]]:
    """The resources printed directly under one resource of the tree."""
    lines = tree(stdout)
    start = next(i for i, (_, t, n) in enumerate(lines) if (t, n) == (type_, name))
    indent, below = lines[start][0], []
    for depth, t, n in lines[start + 1:]:
        if depth <= indent:
            break
        if depth == indent + 4:
            below.append((t, n))
    return below


# Text -------------------------------------------------------------------------------------------------------------

def test_text_plan_is_a_tree_of_components():
    result = cli("--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Plan of stack dev: ")
    top = [(t, n) for depth, t, n in tree(result.stdout) if depth == 0]
    assert top == [("pulumi:providers:aws", "agent-aws"), ("langgraph-infra:aws:AgentServer", "agent")]
    assert (RDS, "agent-db-postgres") in children(result.stdout, "langgraph-infra:aws:Database", "agent-db")
    assert ("langgraph-infra:aws:Database", "agent-db") in children(result.stdout, "langgraph-infra:aws:AgentServer",
                                                                    "agent")
    assert "parent:" not in result.stdout  # the nesting says it


def test_siblings_are_in_a_stable_order_components_first():
    under_agent = children(cli("--stack", "dev").stdout, "langgraph-infra:aws:AgentServer", "agent")
    components = [c for c in under_agent if c[0].startswith("langgraph-infra:")]
    assert under_agent[:len(components)] == sorted(components)
    assert under_agent[len(components):] == sorted(under_agent[len(components):])


def test_tags_every_resource_shares_print_once_in_the_header():
    out = cli("--stack", "dev").stdout
    header = out.splitlines()[1]
    assert re.match(r"tags on every resource that takes them \(\d+\): app=langgraph, environment=dev, ", header)
    # The provider's defaultTags still show them (they are its own input); no resource repeats them.
    assert out.count("part-of: langgraph-infra") == 1
    assert "tags: {Name: agent-network-vpc}" in out  # what differs is still shown


def without_dockerfile(out: str) -> str:
    """The plan minus the generated Dockerfile, which is shown verbatim as a block (its ENV lines hold JSON)."""
    return re.sub(r"\n( +)inline: \|\n(\1 .*\n|\s*\n)*", "\n", out)


def test_json_documents_in_inputs_print_as_nested_yaml_not_as_one_line():
    out = without_dockerfile(cli("--stack", "dev").stdout)
    assert '"Statement"' not in out and '{"' not in out
    policy = out[out.index("+ aws:iam/rolePolicy:RolePolicy  agent-service-api-execution"):]
    assert re.search(r"\n +policy:\n +Statement:\n +- Action: \[secretsmanager:GetSecretValue\]", policy)
    assert re.search(r"\n +containerDefinitions:\n +- environment:\n +- \{name: BG_JOB", out)
    assert max(len(line) for line in out.splitlines() if "# mock" not in line) <= 130


def test_strings_that_look_like_numbers_stay_strings():
    out = cli("--stack", "dev").stdout
    assert "{name: PORT, value: \"8000\"}" in out and 'engineVersion: "16"' in out


def test_protected_resources_are_marked():
    out = cli("--stack", "prod").stdout
    assert re.search(r"\+ aws:rds/instance:Instance  agent-db-postgres \[protect\]", out)


def test_text_plan_ends_with_the_stack_outputs():
    out = cli("--stack", "dev").stdout
    outputs = out[out.index("\nOutputs:\n"):]
    assert re.search(r"\n    url: http://agent-service-alb-mock\.us-east-1\.elb\.amazonaws\.com  # mock", outputs)
    assert "\n    region: us-east-1\n" in outputs


def test_every_value_the_mocks_invent_is_marked():
    out = cli("--stack", "dev").stdout
    body = out[out.index("\n+ "):]
    invented = [line for line in body.splitlines() if "123456789012" in line or ".mock." in line]
    assert invented and all(line.endswith("# mock") for line in invented)
    assert f"vpcId: {mock_id('agent-network-vpc', 'aws:ec2/vpc:Vpc')}" in body


# JSON -------------------------------------------------------------------------------------------------------------

def test_json_plan_is_one_object_with_resources_outputs_and_notes():
    result = cli("--stack", "prod", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) == {"stack", "resources", "outputs", "notes"} and plan["stack"] == "prod"
    rds = [r for r in plan["resources"] if r["type"] == RDS]
    assert len(rds) == 1 and rds[0]["parent"] == "agent-db" and rds[0]["protect"] is True
    assert rds[0]["inputs"]["password"] == "[secret]"
    assert plan["outputs"]["region"] == "us-east-1" and plan["outputs"]["url"].startswith("https://")
    assert any("<mock:" in note for note in plan["notes"])


def test_json_plan_nests_documents_as_objects():
    plan = json.loads(cli("--stack", "dev", "--json").stdout)
    [task] = [r for r in plan["resources"] if r["name"] == "agent-service-api" and r["type"].endswith("TaskDefinition")]
    assert task["inputs"]["containerDefinitions"][0]["name"] == "agent-server"
    policies = [r["inputs"]["policy"] for r in plan["resources"] if r["type"] == "aws:iam/rolePolicy:RolePolicy"]
    assert policies and all(p["Version"] == "2012-10-17" for p in policies)


def test_set_overrides_one_value():
    result = cli("--stack", "dev", "--json", "--set", "postgres.instance_class=db.t4g.small")
    assert result.returncode == 0, result.stderr
    [rds] = [r for r in json.loads(result.stdout)["resources"] if r["type"] == RDS]
    assert rds["inputs"]["instanceClass"] == "db.t4g.small"


def test_rules_with_json_print_the_findings_as_json():
    result = cli("--stack", "dev", "--rules", "--json", "--set",
                     "app.env.LEGACY_DSN=postgres://app:hunter2@db:5432/x")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["stack"] == "dev" and report["rules"] > 10 and report["resources"] > 40
    assert {(v["type"], v["name"]) for v in report["violations"]} == {
        ("aws:ecs/taskDefinition:TaskDefinition", "agent-service-api"),
        ("aws:ecs/taskDefinition:TaskDefinition", "agent-service-queue")}
    assert "hunter2" not in result.stdout


def test_rules_with_json_on_a_compliant_stack():
    result = cli("--stack", "prod", "--rules", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["violations"] == []


# Secrets ----------------------------------------------------------------------------------------------------------

def test_secure_values_in_the_stack_file_print_as_secret(tmp_path, root):
    # A stack file as `pulumi config set --secret` leaves it: the ciphertext is not decrypted, only redacted.
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text((root / "Pulumi.dev.yaml").read_text()
                     + "  langgraph-infra:LANGSMITH_API_KEY:\n    secure: v1:AAAAbm90LWEtcmVhbC1jaXBoZXJ0ZXh0\n")
    for name in ("Pulumi.yaml",):
        (tmp_path / name).write_text((root / name).read_text())
    (tmp_path / "infra").symlink_to(root / "infra")
    (tmp_path / "app").symlink_to(root / "app")
    from langgraph_infra.plan import run_plan

    plan = run_plan(tmp_path, "dev")
    assert "v1:AAAA" not in plan.render() and "plan-placeholder" not in plan.render()
    assert not any("LANGSMITH_API_KEY" in n for n in plan.notes)
    shown = plan.render(show_secrets=True)
    # The plan cannot decrypt it: even --show-secrets shows a placeholder, marked as one.
    assert "v1:AAAA" not in shown and "plan-placeholder" not in shown
    assert "<mock:secret LANGSMITH_API_KEY>" in shown


def test_show_secrets_prints_given_secrets_and_marks_made_up_ones():
    given = "lsv2-given-on-the-command-line"
    result = cli("--stack", "dev", "--show-secrets", "--secret", f"LANGSMITH_API_KEY={given}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"secretString: {given}" in out
    assert "secretString: <mock:secret OPENAI_API_KEY>" in out  # not in the stack file: a placeholder
    assert re.search(r"secretString: postgres://langgraph:<mock:agent-db-password\.result>@agent-db-postgres\.mock\.",
                     out)
    assert "plan-generated" not in out and "plan-placeholder" not in out
    assert "[secret]" not in out[out.index("\n+ "):]


def test_show_secrets_in_json():
    given = "lsv2-given-on-the-command-line"
    plan = json.loads(cli("--stack", "dev", "--json", "--show-secrets", "--secret",
                              f"LANGSMITH_API_KEY={given}").stdout)
    strings = json.dumps(plan)
    assert given in strings and "plan-generated" not in strings and "<mock:agent-db-password.result>" in strings


def test_without_show_secrets_no_secret_is_printed(capfd):
    given = "lsv2-given-on-the-command-line"
    for extra in ((), ("--json",)):
        result = cli("--stack", "local", "--secret", f"LANGSMITH_API_KEY={given}", *extra)
        assert result.returncode == 0, result.stderr
        assert given not in result.stdout + result.stderr and "plan-generated" not in result.stdout
        # Nor anything written past sys.stdout and sys.stderr (a logging handler holding the real stream).
        written = capfd.readouterr()
        assert given not in written.out + written.err


def test_local_containers_show_plain_environment_entries_and_hide_secret_ones():
    out = cli("--stack", "local").stdout
    assert "envs: [POSTGRES_USER=langgraph, POSTGRES_DB=langgraph, POSTGRES_PASSWORD=[secret]]" in out
    api = out[out.index("+ docker:index/container:Container  agent-service-api"):]
    api = api[:api.index("\n\n")]
    for plain in ("LOG_LEVEL=INFO", "N_JOBS_PER_WORKER=0", "PORT=8000"):
        assert plain in api
    for secret in ("LANGSMITH_API_KEY", "POSTGRES_URI", "REDIS_URI"):
        assert f"{secret}=[secret]" in api


# Errors -----------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_bad_config_exits_non_zero_naming_the_key_without_traceback():
    result = run_cli("--stack", "dev", "--set", "api.cpu=3", "--set", "queue.min_replicas=0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "queue.min_replicas=0" in result.stderr


def test_cross_key_problems_are_each_on_their_own_line():
    result = cli("--stack", "prod", "--set", "api.cpu=0.25", "--set", "api.memory_mib=4096",
                     "--set", "postgres.high_availability=false")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert any("api.memory_mib=4096 is not valid with api.cpu=0.25" in line for line in lines)
    assert any("postgres.high_availability must be true in prod" in line for line in lines)


def test_unknown_stack_is_named():
    result = cli("--stack", "staging")
    assert result.returncode == 2 and "no stack file Pulumi.staging.yaml" in result.stderr


def test_malformed_override_is_named():
    result = cli("--stack", "dev", "--set", "postgres.instance_class")
    assert result.returncode == 2 and "expected KEY=VALUE" in result.stderr


def test_override_inside_a_scalar_is_named_without_traceback():
    result = cli("--stack", "dev", "--set", "target.region.name=eu-west-1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: --set target.region.name=...: target.region is not an object" in result.stderr


def test_malformed_secret_is_not_echoed():
    result = cli("--stack", "dev", "--secret", "sk-looks-like-a-key")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "expected KEY=VALUE" in result.stderr and "sk-looks-like-a-key" not in result.stderr


@pytest.mark.slow
def test_unknown_flag_exits_2_with_an_error_line():
    result = run_cli("--stack", "dev", "--frobnicate")
    assert result.returncode == 2 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_plain_text_secret_in_config_is_refused():
    result = cli("--stack", "dev", "--set", "LANGSMITH_API_KEY=lsv2-plain")
    assert result.returncode == 2
    assert "LANGSMITH_API_KEY is stored in plain text" in result.stderr and "--secret" in result.stderr
    assert "lsv2-plain" not in result.stderr


def test_unknown_top_level_key_is_named():
    result = cli("--stack", "dev", "--set", "databse.instance_class=db.t4g.small")
    assert result.returncode == 2 and "langgraph-infra:databse: unknown key" in result.stderr


def test_secret_value_that_no_secret_uses_is_named():
    result = cli("--stack", "dev", "--secret", "OPENAI_APIKEY=sk-typo")
    assert result.returncode == 2
    assert "OPENAI_APIKEY is set but `secrets` has no OPENAI_APIKEY" in result.stderr and "sk-typo" not in result.stderr


def test_a_stack_name_that_is_a_path_is_refused():
    result = cli("--stack", "../prod")
    assert result.returncode == 2 and "error: --stack '../prod': a stack name" in result.stderr


def test_errors_with_json_are_json_too():
    result = cli("--stack", "dev", "--json", "--set", "api.cpu=3", "--set", "queue.min_replicas=0")
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    errors = json.loads(result.stdout)["errors"]
    assert len(errors) == 2 and any(e.startswith("queue.min_replicas=0: ") for e in errors)


# Capacity ---------------------------------------------------------------------------------------------------------

def test_capacity_prints_the_derivation_a_reviewer_can_check():
    result = cli("--stack", "prod", "--capacity")
    assert result.returncode == 0, result.stderr
    rows = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    assert re.search(r"\b24\b.*carries 1036\.8 requests/s vs 1000 peak", rows["api.max_replicas"])
    assert re.search(r"\b33\b.*carries 511\.5 runs/s vs 500 peak.*66 during a rolling deploy", rows["queue.max_replicas"])
    assert "1924 / 3604" in rows["Postgres connections at peak"] and "headroom 87.3 %" in rows["Postgres connections at peak"]
    assert "measured 43.2" in rows["api per replica"] and "published 66.7" in rows["api per replica"]
    assert "https://docs.langchain.com/langsmith/agent-server-scale" in result.stdout


def test_capacity_json_is_the_same_derivation_as_data():
    result = cli("--stack", "gcp-prod", "--capacity", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["inputs"]["requests_per_second"] == 500
    assert (data["queue"]["min_replicas"], data["queue"]["max_replicas"], data["queue"]["autoscales"]) == (33, 33, False)
    assert data["connections"]["needed_at_peak"] <= data["connections"]["max_connections"] == 3200
    assert data["figures"]["queue"]["value"] == 15.5


def test_capacity_follows_set_overrides():
    data = json.loads(cli("--stack", "prod", "--capacity", "--json",
                              "--set", "capacity.requests_per_second=100").stdout)
    assert (data["api"]["min_replicas"], data["api"]["max_replicas"]) == (3, 5)


@pytest.mark.slow
def test_bad_capacity_input_is_named_by_key_all_at_once_without_a_traceback():
    result = run_cli("--stack", "prod", "--capacity", "--json", "--set", "capacity.run_share=2",
                     "--set", "capacity.average_run_seconds=0", "--set", "capacity.peak_factor=abc")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = json.loads(result.stdout)["errors"]
    assert sorted(e.split("=")[0] for e in errors if e.startswith("capacity.")) == [
        "capacity.average_run_seconds", "capacity.peak_factor", "capacity.run_share"]


def test_capacity_of_a_stack_without_one_says_so():
    result = cli("--stack", "dev", "--capacity")
    assert result.returncode == 0
    assert "sets no capacity" in result.stdout and "capacity.requests_per_second" in result.stdout
