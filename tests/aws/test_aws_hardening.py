"""Defense in depth on AWS (issue 14): hardened containers, the audit trail, scanned images, customer keys."""

from __future__ import annotations

import json

import pytest

from langgraph_infra import contract
from tests.conftest import plan_of

TASK = "aws:ecs/taskDefinition:TaskDefinition"


def all_containers(plan) -> list[tuple[dict, dict]]:
    """(task inputs, container definition) of every container of every task definition (sidecars included)."""
    return [(t.inputs, c) for t in plan.by_type(TASK) for c in json.loads(t.inputs["containerDefinitions"])]


def containers(plan) -> list[tuple[dict, dict]]:
    """(task inputs, the Agent Server's container) of every task definition."""
    return [(t, c) for t, c in all_containers(plan) if c["name"] == "agent-server"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_containers_run_read_only_as_the_image_user_with_no_capability(stack):
    found = containers(plan_of(stack))
    assert len(found) == 2
    for _, c in found:
        assert c["user"] == "1000:1000"
    # Every container, the collector sidecar too: read-only, non-root, no capability, not privileged.
    every = all_containers(plan_of(stack))
    assert len(every) > len(found)
    for _, c in every:
        assert c["readonlyRootFilesystem"] is True
        assert c["user"].split(":")[0] not in ("0", "root", "")
        assert c["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
        assert "privileged" not in c


def test_only_the_contract_writable_paths_are_scratch_volumes_of_the_task():
    for task, c in containers(plan_of("prod")):
        assert [m["containerPath"] for m in c["mountPoints"]] == list(contract.WRITABLE_PATHS)
        assert all(m["readOnly"] is False for m in c["mountPoints"])
        # Task volumes with no host path: Fargate's ephemeral storage, empty at start.
        assert task["volumes"] == [{"name": m["sourceVolume"]} for m in c["mountPoints"]]


def test_ecs_exec_adds_the_ssm_agent_paths_it_needs_on_a_read_only_root():
    for task, c in containers(plan_of("dev", "server.enable_exec=true")):
        paths = {m["containerPath"] for m in c["mountPoints"]}
        assert paths == {*contract.WRITABLE_PATHS, "/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}
        assert {v["name"] for v in task["volumes"]} == {m["sourceVolume"] for m in c["mountPoints"]}
        assert c["readonlyRootFilesystem"] is True


def test_the_image_user_is_the_dockerfile_user():
    from langgraph_infra.dockerfile import EPILOGUE

    assert f"USER {contract.RUNTIME_UID}:{contract.RUNTIME_GID}" in EPILOGUE


# Audit trail ------------------------------------------------------------------------------------------------------

def bucket_part(plan, type_: str):
    [found] = [r for r in plan.by_type(type_) if r.name.startswith("agent-access-logs")]
    return found


def test_the_load_balancer_writes_access_logs_to_the_stack_bucket_once_its_policy_exists():
    plan = plan_of("prod")
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    bucket = bucket_part(plan, "aws:s3/bucket:Bucket")
    assert lb.inputs["accessLogs"] == {"bucket": "langgraph-prod-alb-logs-mock", "prefix": "alb", "enabled": True}
    assert "agent-access-logs-policy" in lb.depends_on
    assert bucket.inputs["bucketPrefix"].startswith("langgraph-prod-alb-logs-")
    assert bucket.inputs["forceDestroy"] is False


def test_access_log_bucket_is_sse_s3_private_owner_enforced_and_expires_after_the_retention():
    plan = plan_of("prod", "audit.access_log_retention_days=400")
    sse = bucket_part(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    # ALB access logs support SSE-S3 only: a KMS key here would stop delivery.
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    block = bucket_part(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))
    ownership = bucket_part(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    [rule] = bucket_part(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rule["status"] == "Enabled" and rule["expiration"] == {"days": 400}


def test_access_log_bucket_policy_is_tls_only_and_admits_only_this_accounts_load_balancers():
    policy = json.loads(bucket_part(plan_of("prod"), "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    deny, deliver = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deliver["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert deliver["Action"] == "s3:PutObject"
    assert deliver["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    assert deliver["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/*"}}


@pytest.mark.slow
def test_access_log_bucket_policy_passes_parliament():
    import subprocess
    import sys
    from pathlib import Path

    document = bucket_part(plan_of("prod"), "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"]
    parliament = str(Path(sys.executable).with_name("parliament"))
    result = subprocess.run([parliament, "--json"], input=document, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout


def test_dev_may_turn_access_logs_off():
    plan = plan_of("dev", "audit.access_logs=false")
    assert plan.by_type("aws:s3/bucket:Bucket") == []
    assert plan.one("aws:lb/loadBalancer:LoadBalancer").inputs.get("accessLogs") is None


def rds_parameters(plan) -> dict[str, dict]:
    return {p["name"]: p for p in plan.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_postgres_logs_connections_and_pgaudit_ddl_role_but_never_bound_parameters(stack):
    params = rds_parameters(plan_of(stack))
    assert params["shared_preload_libraries"]["value"] == "pg_stat_statements,pgaudit"
    assert params["shared_preload_libraries"]["applyMethod"] == "pending-reboot"
    assert {k: params[k]["value"] for k in ("log_connections", "log_disconnections", "pgaudit.log",
                                             "pgaudit.log_parameter", "log_parameter_max_length",
                                             "log_parameter_max_length_on_error")} == {
        "log_connections": "1", "log_disconnections": "1", "pgaudit.log": "ddl,role", "pgaudit.log_parameter": "0",
        "log_parameter_max_length": "0", "log_parameter_max_length_on_error": "0"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_log_group_of_the_stack_has_a_retention(stack):
    groups = plan_of(stack).by_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(groups) >= 4
    assert all(g.inputs.get("retentionInDays") for g in groups), [g.name for g in groups]


def test_rds_export_log_groups_are_the_stacks_with_retention_and_exist_before_the_instance():
    plan = plan_of("prod")
    db = plan.one("aws:rds/instance:Instance")
    identifier = db.inputs["identifier"]
    assert identifier == "langgraph-prod-postgres"
    groups = {r.inputs.get("name"): r for r in plan.by_type("aws:cloudwatch/logGroup:LogGroup")}
    for export in db.inputs["enabledCloudwatchLogsExports"]:
        group = groups[f"/aws/rds/instance/{identifier}/{export}"]
        assert group.inputs["retentionInDays"] == 30
        assert group.name in db.depends_on


def test_dev_may_turn_database_audit_logs_off():
    params = rds_parameters(plan_of("dev", "audit.database_logs=false"))
    assert "pgaudit.log" not in params and "shared_preload_libraries" not in params
    # Bound parameters stay out of the logs whatever the audit setting.
    assert params["log_parameter_max_length"]["value"] == "0"
    assert params["log_parameter_max_length_on_error"]["value"] == "0"


# Customer-managed keys ----------------------------------------------------------------------------------------------

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ENCRYPTED = {
    "aws:rds/instance:Instance": "kmsKeyId",
    "aws:elasticache/replicationGroup:ReplicationGroup": "kmsKeyId",
    "aws:secretsmanager/secret:Secret": "kmsKeyId",
    "aws:cloudwatch/logGroup:LogGroup": "kmsKeyId",
}


def encrypted_with(plan, key: str) -> None:
    for type_, field in ENCRYPTED.items():
        resources = plan.by_type(type_)
        assert resources, type_
        for r in resources:
            assert r.inputs.get(field) == key, (type_, r.name)
    [repo] = plan.by_type("aws:ecr/repository:Repository")
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key}]
    for policy in plan.by_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.name.endswith("-execution"):
            statements = json.loads(policy.inputs["policy"])["Statement"]
            [decrypt] = [s for s in statements if s["Sid"] == "DecryptOwnSecrets"]
            assert decrypt["Resource"] == [key]


def test_an_adopted_key_encrypts_database_cache_registry_secrets_and_logs():
    plan = plan_of("prod", f"encryption.kms_key={KEY}", "network.flow_logs=true")
    encrypted_with(plan, KEY)
    assert plan.one("aws:rds/instance:Instance").inputs["performanceInsightsKmsKeyId"] == KEY
    # None created but the alarm topic's own (CloudWatch must be allowed in its key policy, which an adopted key's
    # owner decides).
    assert [k.name for k in plan.by_type("aws:kms/key:Key")] == ["agent-alarms-key"]


def test_a_created_key_rotates_and_lets_cloudwatch_logs_use_it_for_this_accounts_groups_only():
    plan = plan_of("dev", "encryption.create_key=true")
    key = plan.one("aws:kms/key:Key", "agent-key-key")
    assert key.inputs["enableKeyRotation"] is True
    encrypted_with(plan, "arn:aws:kms:us-east-1:123456789012:key/agent-key-key-mock")
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    logs = statements["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"}}


def test_without_encryption_the_services_own_keys_are_used():
    plan = plan_of("prod")
    assert [k.name for k in plan.by_type("aws:kms/key:Key")] == ["agent-alarms-key"]
    for type_, field in ENCRYPTED.items():
        assert all(r.inputs.get(field) is None for r in plan.by_type(type_)), type_
    assert plan.one("aws:rds/instance:Instance").inputs["storageEncrypted"] is True
