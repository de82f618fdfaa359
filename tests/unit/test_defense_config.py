"""The `audit` and `encryption` sections: profile values, prod's floors, contradictions named with their fix."""

from __future__ import annotations

import pytest

from langgraph_infra import ConfigError, build_config

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
GCP = {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"}
SECRETS = {"LANGSMITH_API_KEY": {}, "AGENT_API_KEYS": {}}
PROD_INGRESS = {"domain": "agents.example.com", "hosted_zone_id": "Z0123"}
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def build(env: str = "prod", target=AWS, **overrides):
    raw = {"target": target, "environment": env, "secrets": SECRETS, **overrides}
    if env == "prod":
        raw.setdefault("alarms", {"notify": ["oncall@example.com"]})
    if env == "prod" and target is AWS:
        raw["ingress"] = PROD_INGRESS
    return build_config(raw)


def problems(**kwargs) -> str:
    with pytest.raises(ConfigError) as err:
        build(**kwargs)
    return str(err.value)


def test_audit_is_on_everywhere_with_the_profiles_retention():
    dev, prod = build("dev"), build("prod")
    assert dev.audit.access_logs and dev.audit.database_logs and dev.audit.access_log_retention_days == 30
    assert prod.audit.access_logs and prod.audit.database_logs and prod.audit.access_log_retention_days == 365


def test_prod_floors_refuse_turning_the_audit_trail_off_and_name_every_key():
    message = problems(audit={"access_logs": False, "database_logs": False, "access_log_retention_days": 30})
    assert "audit.access_logs must be true in prod" in message
    assert "audit.database_logs must be true in prod" in message
    assert "audit.access_log_retention_days=30 is below prod's minimum of 90" in message


def test_dev_may_turn_the_audit_trail_off():
    assert build("dev", audit={"access_logs": False, "database_logs": False}).audit.access_logs is False


def test_encryption_is_off_by_default():
    assert not build("dev").encryption.enabled and not build("prod").encryption.enabled


def test_a_key_and_create_key_together_are_refused():
    assert "encryption.kms_key and encryption.create_key both choose the key" in problems(
        env="dev", encryption={"kms_key": KEY, "create_key": True})


def test_an_aws_key_must_be_a_kms_arn_in_the_stacks_region():
    assert "is not a KMS key ARN" in problems(env="dev", encryption={"kms_key": "alias/mine"})
    assert "is not in target.region=us-east-1" in problems(
        env="dev", encryption={"kms_key": KEY.replace("us-east-1", "eu-west-1")})


def test_a_gcp_key_must_be_a_cloud_kms_key_name():
    assert "is not a Cloud KMS key" in problems(env="dev", target=GCP, encryption={"kms_key": KEY})
    good = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
    assert build("dev", target=GCP, encryption={"kms_key": good}).encryption.kms_key == good
