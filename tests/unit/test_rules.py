"""The rules: each a pure function with a compliant and a non-compliant case, and every stack passes them all."""

from __future__ import annotations

import json

import pytest

from langgraph_infra.rules import RULES, evaluate
from tests.conftest import plan_of, run_cli

BY_ID = {r.id: r for r in RULES}
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"}


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


@pytest.mark.parametrize("stack", ["dev", "prod", "gcp-dev", "gcp-prod", "gke-dev", "gke-prod", "local"])
def test_every_stack_passes_every_rule(stack):
    assert evaluate(plan_of(stack).resources) == []


def test_plan_cli_reports_a_violation_and_exits_1():
    ok = run_cli("--stack", "dev", "--rules")
    assert ok.returncode == 0 and "0 violation(s)" in ok.stdout
    # A connection string with its password, under a name the config cannot tell is a credential.
    bad = run_cli("--stack", "dev", "--rules", "--set", "app.env.LEGACY_DSN=postgres://app:hunter2@db:5432/x")
    assert bad.returncode == 1
    assert "violation: [ecs-secrets-by-reference] aws:ecs/taskDefinition:TaskDefinition agent-service-api" in bad.stdout
    assert "LEGACY_DSN" in bad.stdout and "hunter2" not in bad.stdout
