"""The rules: each a pure function with a compliant and a non-compliant case, and every stack passes them all."""

from __future__ import annotations

import json
import re

import pytest

from langgraph_infra.rules import COMPLIANT, NOT_APPLICABLE, RULES, Compliance, evaluate
from langgraph_infra.wire import SECRET_SIG, SECRET_SIG_KEY
from tests.conftest import cli, plan_of, run_cli

BY_ID = {r.id: r for r in RULES}
SECRET = {SECRET_SIG_KEY: SECRET_SIG, "value": "x"}


def containers(env: list[dict]) -> str:
    return json.dumps([{"name": "agent-server", "environment": env}])


def pod(pod_security: dict, container: dict) -> dict:
    """A Deployment's inputs with one container."""
    return {"kind": "Deployment", "spec": {"template": {"spec": {"securityContext": pod_security,
                                                                  "containers": [container]}}}}


CASES = {
    "rds-encrypted-private": (
        {"storageEncrypted": True, "publiclyAccessible": False, "engineVersion": "16"},
        {"storageEncrypted": True, "publiclyAccessible": False, "engineVersion": "16.3"},
    ),
    "elasticache-encrypted-auth": (
        {"transitEncryptionEnabled": True, "atRestEncryptionEnabled": True, "authToken": SECRET},
        {"transitEncryptionEnabled": False, "atRestEncryptionEnabled": True, "authToken": SECRET},
    ),
    "ecr-immutable-scanned": (
        {"imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True}},
        {"imageTagMutability": "MUTABLE", "imageScanningConfiguration": {"scanOnPush": True}},
    ),
    "no-world-ingress": (
        {"cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443},
        {"cidrIpv4": "0.0.0.0/0", "fromPort": 5432, "toPort": 5432},
    ),
    "alb-tls13": (
        {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
        {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"},
    ),
    "alb-drops-invalid-headers": ({"dropInvalidHeaderFields": True}, {"dropInvalidHeaderFields": False}),
    "ecs-secrets-by-reference": (
        {"containerDefinitions": containers([{"name": "LOG_LEVEL", "value": "INFO"}])},
        {"containerDefinitions": containers([{"name": "POSTGRES_URI", "value": "postgres://u:pw@db:5432/x"}])},
    ),
    "ecs-service-safe": (
        {"deploymentCircuitBreaker": {"enable": True, "rollback": True}, "desiredCount": 1},
        {"deploymentCircuitBreaker": {"enable": True, "rollback": True}, "desiredCount": 0},
    ),
    "iam-secrets-scoped": (
        {"policy": json.dumps({"Statement": [{"Action": ["secretsmanager:GetSecretValue"], "Resource": ["arn:x"]}]})},
        {"policy": json.dumps({"Statement": [{"Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})},
    ),
    "cloudsql-private-tls": (
        {"settings": {"ipConfiguration": {"ipv4Enabled": False, "sslMode": "ENCRYPTED_ONLY"}}},
        {"settings": {"ipConfiguration": {"ipv4Enabled": True, "sslMode": "ENCRYPTED_ONLY"}}},
    ),
    "memorystore-auth-tls": (
        {"authEnabled": True, "transitEncryptionMode": "SERVER_AUTHENTICATION"},
        {"authEnabled": True, "transitEncryptionMode": "DISABLED"},
    ),
    "cloudrun-secrets-by-reference": (
        {"template": {"containers": [{"envs": [{"name": "OPENAI_API_KEY", "valueSource": {"secretKeyRef": {}}}]}]}},
        {"template": {"containers": [{"envs": [{"name": "OPENAI_API_KEY", "value": "sk-live"}]}]}},
    ),
    "cloudrun-queue-always-on": (
        {"scaling": {"scalingMode": "MANUAL", "manualInstanceCount": 1}},
        {"scaling": {"scalingMode": "MANUAL", "manualInstanceCount": 0}},
    ),
    "iam-trust-source-conditions": (
        {"assumeRolePolicy": json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                          "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}}}]})},
        {"assumeRolePolicy": json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]})},
    ),
    "ecs-container-hardened": (
        {"containerDefinitions": json.dumps([{"name": "agent-server", "readonlyRootFilesystem": True,
                                              "user": "1000:1000",
                                              "linuxParameters": {"capabilities": {"drop": ["ALL"]}}}])},
        {"containerDefinitions": json.dumps([{"name": "agent-server", "readonlyRootFilesystem": True,
                                              "user": "0:0",
                                              "linuxParameters": {"capabilities": {"drop": ["ALL"]}}}])},
    ),
    "docker-container-hardened": (
        {"name": "lg-api", "healthcheck": {"tests": ["CMD"]}, "readOnly": True, "user": "1000:1000",
         "capabilities": {"drops": ["ALL"]}},
        {"name": "lg-api", "healthcheck": {"tests": ["CMD"]}, "readOnly": False, "user": "1000:1000",
         "capabilities": {"drops": ["ALL"]}},
    ),
    "log-group-retention": ({"retentionInDays": 30}, {"name": "/aws/rds/instance/db/postgresql"}),
    "s3-tls-only": (
        {"policy": json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                              "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})},
        {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "x"},
                                              "Action": "s3:PutObject"}]})},
    ),
    "rds-logs-no-parameters": (
        {"parameters": [{"name": "log_parameter_max_length", "value": "0"},
                        {"name": "log_parameter_max_length_on_error", "value": "0"},
                        {"name": "pgaudit.log", "value": "ddl,role"}]},
        {"parameters": [{"name": "log_parameter_max_length", "value": "0"},
                        {"name": "log_parameter_max_length_on_error", "value": "0"},
                        {"name": "pgaudit.log", "value": "all"}]},
    ),
    "cloudsql-logs-no-parameters": (
        {"settings": {"databaseFlags": [{"name": "log_parameter_max_length", "value": "0"},
                                        {"name": "log_parameter_max_length_on_error", "value": "0"}]}},
        {"settings": {"databaseFlags": [{"name": "log_min_duration_statement", "value": "2000"}]}},
    ),
    "artifact-registry-scanned": (
        {"format": "DOCKER", "vulnerabilityScanningConfig": {"enablementConfig": "INHERITED"}},
        {"format": "DOCKER", "vulnerabilityScanningConfig": {"enablementConfig": "DISABLED"}},
    ),
    "rds-non-default-port": ({"port": 5433}, {"port": 5432}),
    "elasticache-snapshots": ({"snapshotRetentionLimit": 1}, {"snapshotRetentionLimit": 0}),
    "alb-target-https": ({"protocol": "HTTPS"}, {"protocol": "HTTP"}),
    "docker-loopback-only": (
        {"ports": [{"internal": 8000, "external": 8123, "ip": "127.0.0.1"}]},
        {"ports": [{"internal": 8000, "external": 8123, "ip": "0.0.0.0"}]},
    ),
    "k8s-non-root": (
        pod({"runAsNonRoot": True}, {"name": "c", "securityContext": {"allowPrivilegeEscalation": False}}),
        pod({}, {"name": "c", "securityContext": {"allowPrivilegeEscalation": False}}),
    ),
    "k8s-limits-set": (
        pod({}, {"name": "c", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}),
        pod({}, {"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}),
    ),
    "k8s-image-by-digest": (
        pod({}, {"name": "c", "image": "registry.example.com/agent@sha256:" + "ab" * 32}),
        pod({}, {"name": "c", "image": "registry.example.com/agent:latest"}),
    ),
    "k8s-never-zero": (
        {"kind": "HorizontalPodAutoscaler", "spec": {"minReplicas": 1, "maxReplicas": 4}},
        {"kind": "HorizontalPodAutoscaler", "spec": {"minReplicas": 0, "maxReplicas": 4}},
    ),
}


def test_every_rule_has_cases():
    assert set(CASES) == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_the_compliant_case(rule_id):
    rule = BY_ID[rule_id]
    assert rule.evaluate(rule.types[0], CASES[rule_id][0]) is None


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_flags_the_non_compliant_case_with_a_message(rule_id):
    rule = BY_ID[rule_id]
    message = rule.evaluate(rule.types[0], CASES[rule_id][1])
    assert message and len(message) > 10


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_does_not_apply_to_other_types(rule_id):
    assert BY_ID[rule_id].evaluate("aws:s3/bucket:Bucket", CASES[rule_id][1]) is None


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_answers_compliant_non_compliant_or_not_applicable(rule_id):
    rule = BY_ID[rule_id]
    passing, failing = CASES[rule_id][:2]
    assert rule.assess(rule.types[0], passing) == COMPLIANT
    outcome = rule.assess(rule.types[0], failing)
    assert outcome.compliance is Compliance.NON_COMPLIANT and outcome.message == rule.evaluate(rule.types[0], failing)
    assert rule.assess("aws:s3/bucket:Bucket", failing) == NOT_APPLICABLE


@pytest.mark.parametrize(("rule_id", "inputs"), [
    ("alb-tls13", {"protocol": "HTTP", "port": 80}),
    ("no-world-ingress", {"cidrIpv4": "10.0.0.0/16", "fromPort": 5432, "toPort": 5432}),
    ("docker-container-hardened", {"name": "agent-postgres", "image": "postgres:16"}),
    ("artifact-registry-scanned", {"format": "NPM"}),
    ("iam-trust-source-conditions", {}),
])
def test_a_rule_says_when_a_resource_holds_nothing_it_is_about(rule_id, inputs):
    rule = BY_ID[rule_id]
    assert rule.assess(rule.types[0], inputs) == NOT_APPLICABLE
    assert rule.evaluate(rule.types[0], inputs) is None


@pytest.mark.parametrize("stack", ["dev", "prod", "gcp-dev", "gcp-prod", "gke-dev", "gke-prod", "local"])
def test_every_stack_passes_every_rule(stack):
    assert evaluate(plan_of(stack).resources) == []


@pytest.mark.slow
def test_plan_cli_reports_a_violation_and_exits_1():
    ok = cli("--stack", "dev", "--rules")
    assert ok.returncode == 0 and "0 violation(s)" in ok.stdout
    # Accepted findings are listed with their reasons, and are not violations.
    assert "accepted: [elasticache-snapshots] aws:elasticache/replicationGroup:ReplicationGroup agent-cache-redis: " \
           "nothing durable in Redis" in ok.stdout
    assert ok.stdout.count("accepted: [") == 3
    # A connection string with its password, under a name the config cannot tell is a credential.
    bad = run_cli("--stack", "dev", "--rules", "--set", "app.env.LEGACY_DSN=postgres://app:hunter2@db:5432/x")
    assert bad.returncode == 1
    assert "violation: [ecs-secrets-by-reference] aws:ecs/taskDefinition:TaskDefinition agent-service-api" in bad.stdout
    assert "LEGACY_DSN" in bad.stdout and "hunter2" not in bad.stdout


def test_prod_audit_trail_flags_a_prod_load_balancer_without_access_logs_and_passes_one_with():
    from langgraph_infra.rules import STACK_RULES
    from langgraph_infra.wire import PlannedResource

    [rule] = [r for r in STACK_RULES if r.id == "prod-audit-trail"]
    lb = "aws:lb/loadBalancer:LoadBalancer"
    prod = {"tags": {"environment": "prod"}}
    bare = PlannedResource(lb, "alb", {**prod})
    logged = PlannedResource(lb, "alb", {**prod, "accessLogs": {"bucket": "b", "enabled": True}})
    assert [r.name for r, _ in rule.evaluate_stack([bare])] == ["alb"]
    assert rule.evaluate_stack([logged]) == []
    assert rule.evaluate_stack([PlannedResource(lb, "alb", {"tags": {"environment": "dev"}})]) == []


def test_prod_audit_trail_flags_prod_postgres_without_pgaudit():
    from langgraph_infra.rules import STACK_RULES
    from langgraph_infra.wire import PlannedResource

    [rule] = [r for r in STACK_RULES if r.id == "prod-audit-trail"]
    prod = {"tags": {"environment": "prod"}}
    quiet = PlannedResource("aws:rds/parameterGroup:ParameterGroup", "params", {**prod, "parameters": []})
    audited = PlannedResource("aws:rds/parameterGroup:ParameterGroup", "params", {**prod, "parameters": [
        {"name": "shared_preload_libraries", "value": "pg_stat_statements,pgaudit"},
        {"name": "log_connections", "value": "1"}]})
    assert len(rule.evaluate_stack([quiet])) == 1 and rule.evaluate_stack([audited]) == []


def test_prod_image_admission_flags_prod_cloud_run_without_binary_authorization():
    from langgraph_infra.rules import STACK_RULES
    from langgraph_infra.wire import PlannedResource

    [rule] = [r for r in STACK_RULES if r.id == "prod-image-admission"]
    run = "gcp:cloudrunv2/service:Service"
    prod = {"labels": {"environment": "prod"}}
    assert len(rule.evaluate_stack([PlannedResource(run, "api", {**prod})])) == 1
    assert rule.evaluate_stack([PlannedResource(run, "api", {**prod, "binaryAuthorization": {"useDefault": True}})]) == []


def test_customer_key_everywhere_flags_a_store_left_on_the_cloud_key():
    from langgraph_infra.rules import STACK_RULES
    from langgraph_infra.wire import PlannedResource

    [rule] = [r for r in STACK_RULES if r.id == "customer-key-everywhere"]
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    db = PlannedResource("aws:rds/instance:Instance", "db", {"kmsKeyId": key})
    logs = PlannedResource("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": 30})
    assert [r.name for r, _ in rule.evaluate_stack([db, logs])] == ["logs"]
    assert rule.evaluate_stack([db, PlannedResource(logs.type, "logs", {"kmsKeyId": key})]) == []
    assert rule.evaluate_stack([PlannedResource(db.type, "db", {}), logs]) == []


@pytest.mark.parametrize("variant", [("dev", "encryption.create_key=true"), ("gcp-dev", "encryption.create_key=true"),
                                     ("prod", "encryption.kms_key=arn:aws:kms:us-east-1:123456789012:key/k-1")])
def test_stacks_with_a_customer_key_pass_every_rule(variant):
    assert evaluate(plan_of(*variant).resources) == []


@pytest.mark.parametrize("rule_id", ["rds-non-default-port", "elasticache-snapshots", "alb-target-https"])
def test_an_accepted_finding_is_suppressed_only_with_its_tag(rule_id):
    from langgraph_infra.rules.acceptance import accepted

    rule = BY_ID[rule_id]
    failing = CASES[rule_id][1]
    assert rule.evaluate(rule.types[0], failing)
    assert rule.evaluate(rule.types[0], {**failing, "tags": accepted(rule_id, "the reason")}) is None
    assert rule.evaluate(rule.types[0], {**failing, "tags": accepted("another-rule", "the reason")})


def test_a_kubernetes_object_accepts_a_finding_only_with_its_annotation():
    from langgraph_infra.rules.acceptance import accepted_annotation

    rule = BY_ID["k8s-image-by-digest"]
    failing = CASES["k8s-image-by-digest"][1]

    def annotated(annotations: dict) -> dict:
        return {**failing, "metadata": {"name": "d", "annotations": annotations}}

    assert rule.evaluate(rule.types[0], annotated({}))
    assert rule.evaluate(rule.types[0], annotated(accepted_annotation("k8s-image-by-digest", "the reason"))) is None
    assert rule.evaluate(rule.types[0], annotated(accepted_annotation("another-rule", "the reason")))
    # An AWS-style tag key is no annotation key (`:` is not allowed there) and accepts nothing on Kubernetes.
    assert rule.evaluate(rule.types[0], annotated({"accepted:k8s-image-by-digest": "the reason"}))


def test_the_gke_stacks_accept_only_the_collectors_tag_on_both_deployments():
    from langgraph_infra.gcp import collector
    from langgraph_infra.rules.acceptance import K8S_ACCEPTED_PREFIX

    for stack in ("gke-dev", "gke-prod"):
        found = {(key, r.name): value for r in plan_of(stack).resources if r.type == "kubernetes:apps/v1:Deployment"
                 for key, value in r.inputs["metadata"].get("annotations", {}).items()
                 if key.startswith(K8S_ACCEPTED_PREFIX)}
        assert {key for key, _ in found} == {f"{K8S_ACCEPTED_PREFIX}k8s-image-by-digest"}
        assert len(found) == 2 and all(collector.IMAGE in reason for reason in found.values())
    assert not any(key.startswith(K8S_ACCEPTED_PREFIX)
                   for r in plan_of("gke-dev", "observability.collector=false").resources
                   if r.type == "kubernetes:apps/v1:Deployment"
                   for key in r.inputs["metadata"].get("annotations", {}))


def test_the_stacks_accept_exactly_the_three_findings_with_a_reason_each():
    from langgraph_infra.rules.acceptance import ACCEPTED_PREFIX

    found = {}
    for r in plan_of("prod").resources:
        for key, value in (r.inputs.get("tags") or {}).items() if isinstance(r.inputs.get("tags"), dict) else []:
            if key.startswith(ACCEPTED_PREFIX):
                found[(key.removeprefix(ACCEPTED_PREFIX), r.type)] = value
    assert set(found) == {("rds-non-default-port", "aws:rds/instance:Instance"),
                          ("elasticache-snapshots", "aws:elasticache/replicationGroup:ReplicationGroup"),
                          ("alb-target-https", "aws:lb/targetGroup:TargetGroup")}
    # AWS tag values: at most 256 characters of letters, digits, spaces and _ . : / = + - @
    assert all(len(v) <= 256 and re.fullmatch(r"[\w .:/=+\-@]+", v) for v in found.values()), found
# The server's database role and rotated credentials (stack rules) -------------------------------------------------

def _stack_rule(rule_id: str):
    from langgraph_infra.rules import STACK_RULES

    [rule] = [r for r in STACK_RULES if r.id == rule_id]
    return rule


def test_server_not_master_flags_a_uri_that_logs_in_as_the_master():
    from langgraph_infra.wire import PlannedResource as R

    rds = R("aws:rds/instance:Instance", "db", {"username": "langgraph"})
    secret = R("aws:secretsmanager/secret:Secret", "uri", {"name": "app/POSTGRES_URI"})
    bootstrap = R("aws:lambda/invocation:Invocation", "run", {})
    service = R("aws:ecs/service:Service", "api", {}, ("run",))

    def version(user: str) -> R:
        return R("aws:secretsmanager/secretVersion:SecretVersion", "uri",
                 {"secretString": {**SECRET, "value": f"postgres://{user}:pw@h:5432/langgraph"}}, ("uri",))

    rule = _stack_rule("server-not-master")
    assert rule.evaluate_stack([rds, secret, version("langgraph_server"), bootstrap, service]) == []
    [(found, message)] = rule.evaluate_stack([rds, secret, version("langgraph"), bootstrap, service])
    assert found.type == "aws:secretsmanager/secretVersion:SecretVersion" and "master user langgraph" in message


def test_server_not_master_flags_a_server_that_does_not_wait_for_the_bootstrap():
    from langgraph_infra.wire import PlannedResource as R

    sql = R("gcp:sql/databaseInstance:DatabaseInstance", "db", {})
    job = R("gcp:cloudrunv2/job:Job", "bootstrap", {})
    rule = _stack_rule("server-not-master")
    assert rule.evaluate_stack([sql, job, R("gcp:cloudrunv2/workerPool:WorkerPool", "queue", {}, ("bootstrap",))]) == []
    [(found, message)] = rule.evaluate_stack([sql, job, R("gcp:cloudrunv2/workerPool:WorkerPool", "queue", {})])
    assert found.name == "queue" and "database bootstrap" in message


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "local"])
def test_server_not_master_reads_every_targets_server_uri(stack):
    # The rule is live on every target: it finds the URI the server reads, and its user is not the master.
    from langgraph_infra.rules.common import masters, server_uris, uri_user
    from langgraph_infra.wire import PlannedResource as R

    planned = [R(r.type, r.name, r.inputs, tuple(r.depends_on)) for r in plan_of(stack).resources]
    uris = server_uris(planned)
    assert uris and {uri_user(u) for _, u in uris} == {"langgraph_server"}
    assert masters(planned) == {"langgraph"}


def test_prod_credentials_rotate_wants_a_rotation_keeper_in_prod_only():
    from langgraph_infra.wire import PlannedResource as R

    rule = _stack_rule("prod-credentials-rotate")
    prod = R("aws:rds/instance:Instance", "db", {"tags": {"environment": "prod"}})
    rotating = R("random:index/randomPassword:RandomPassword", "pw", {"keepers": {"rotation": "2026-04-01T00:00:00Z"}})
    fixed = R("random:index/randomPassword:RandomPassword", "pw", {"length": 40})
    assert rule.evaluate_stack([prod, rotating]) == []
    assert [r.name for r, _ in rule.evaluate_stack([prod, fixed])] == ["pw"]
    assert rule.evaluate_stack([R(prod.type, "db", {"tags": {"environment": "dev"}}), fixed]) == []
    assert {f.rule for f in evaluate(plan_of("prod", "postgres.rotation_days=null").resources)} == {
        "prod-credentials-rotate"}
