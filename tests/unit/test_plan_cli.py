"""The offline plan as a user runs it: `python -m infra.plan`."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_text_plan_lists_resources_with_parents():
    result = run_cli("--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Plan of stack dev: ")
    assert "+ aws:rds/instance:Instance  agent-db-postgres" in result.stdout
    assert "    parent: agent-db" in result.stdout


def test_json_plan_has_type_name_parent_inputs():
    result = run_cli("--stack", "prod", "--json")
    assert result.returncode == 0, result.stderr
    resources = json.loads(result.stdout)
    rds = [r for r in resources if r["type"] == "aws:rds/instance:Instance"]
    assert len(rds) == 1 and rds[0]["parent"] == "agent-db" and rds[0]["protect"] is True
    assert rds[0]["inputs"]["password"] == "[secret]"


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


def test_set_overrides_one_value():
    result = run_cli("--stack", "dev", "--json", "--set", "postgres.instance_class=db.t4g.small")
    assert result.returncode == 0, result.stderr
    [rds] = [r for r in json.loads(result.stdout) if r["type"] == "aws:rds/instance:Instance"]
    assert rds["inputs"]["instanceClass"] == "db.t4g.small"


def test_bad_config_exits_non_zero_naming_the_key_without_traceback():
    result = run_cli("--stack", "dev", "--set", "api.cpu=3", "--set", "queue.min_replicas=0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "queue.min_replicas=0" in result.stderr


def test_cross_key_problems_are_each_on_their_own_line():
    result = run_cli("--stack", "prod", "--set", "api.cpu=0.25", "--set", "api.memory_mib=4096",
                     "--set", "postgres.high_availability=false")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert any("api.memory_mib=4096 is not valid with api.cpu=0.25" in line for line in lines)
    assert any("postgres.high_availability must be true in prod" in line for line in lines)


def test_unknown_stack_is_named():
    result = run_cli("--stack", "staging")
    assert result.returncode == 2 and "no stack file Pulumi.staging.yaml" in result.stderr


def test_malformed_override_is_named():
    result = run_cli("--stack", "dev", "--set", "postgres.instance_class")
    assert result.returncode == 2 and "expected KEY=VALUE" in result.stderr


def test_plain_text_secret_in_config_is_refused():
    result = run_cli("--stack", "dev", "--set", "LANGSMITH_API_KEY=lsv2-plain")
    assert result.returncode == 2
    assert "LANGSMITH_API_KEY is stored in plain text" in result.stderr and "--secret" in result.stderr
    assert "lsv2-plain" not in result.stderr


def test_unknown_top_level_key_is_named():
    result = run_cli("--stack", "dev", "--set", "databse.instance_class=db.t4g.small")
    assert result.returncode == 2 and "langgraph-infra:databse: unknown key" in result.stderr


def test_secret_value_that_no_secret_uses_is_named():
    result = run_cli("--stack", "dev", "--secret", "OPENAI_APIKEY=sk-typo")
    assert result.returncode == 2
    assert "OPENAI_APIKEY is set but `secrets` has no OPENAI_APIKEY" in result.stderr and "sk-typo" not in result.stderr
