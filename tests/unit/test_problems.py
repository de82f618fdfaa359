"""Problems are values: each names the config keys it concerns, and what is shown is decided on those keys, never
on a message's wording."""

from __future__ import annotations

import pytest

from langgraph_infra import ConfigError, build_config, checks, targets
from langgraph_infra.errors import Problem

AWS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
GCP = {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"}
LOCAL = {"cloud": "local", "runtime": "docker"}
# Stacks that break many cross-section rules at once (each raw dict is validated by the model alone, then checked).
BROKEN = [
    {"target": {**AWS, "project": "p"}, "environment": "prod", "api": {"min_replicas": 1, "max_replicas": 1},
     "network": {"existing_public_subnet_ids": ["subnet-1"], "nat_gateways": "none"},
     "ingress": {"hosted_zone_id": "Z1", "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/x"},
     "encryption": {"kms_key": "k", "create_key": True}, "audit": {"access_logs": False},
     "postgres": {"instance_class": "db.t4g.micro", "high_availability": False}, "admission": {"require_attestation": True},
     "capacity": {"requests_per_second": 5000}, "kubernetes": {"namespace": "other"}},
    {"target": GCP, "environment": "dev", "ingress": {"waf": True, "certificate_arn": None},
     "secrets": {"OPENAI_API_KEY": {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abc"}},
     "server": {"enable_exec": True, "cors_allow_origins": ["*"]}, "queue": {"max_replicas": 3},
     "gke": {"cloud_armor": True}},
    {"target": {**GCP, "runtime": "gke"}, "environment": "prod", "postgres": {"auth": "iam"},
     "kubernetes": {"exposure": "ingress", "gateway_name": "g"}, "server": {"shutdown_grace_seconds": 3000}},
    {"target": LOCAL, "environment": "local", "network": {"flow_logs": True}, "alarms": {"notify": ["a@b.co"]}},
]


def config_keys(model: type, prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        keys.add(f"{prefix}{name}")
        if hasattr(field.annotation, "model_fields"):
            keys |= config_keys(field.annotation, f"{prefix}{name}.")
    return keys


@pytest.mark.parametrize("raw", BROKEN, ids=lambda raw: f"{raw['target']['cloud']}-{raw['environment']}")
def test_every_problem_names_keys_of_the_model(raw):
    """Given a stack that breaks many rules, then each problem's keys are real config keys (a map entry's keys are
    its section's), so deciding on them means something."""
    model = targets.stack_model(raw["target"]["cloud"])
    known = config_keys(model)
    found = checks.cross_checks(model.model_validate(raw))
    assert len(found) >= 2
    for problem in found:
        assert problem.keys or problem.concern, problem
        for key in problem.keys:
            section, _, rest = key.partition(".")
            assert key in known or section in ("secrets", "tags") and rest, (key, problem.text)


def test_a_problem_about_a_key_already_reported_is_left_out_whatever_its_wording(monkeypatch):
    """Given a value that fails its own check and a cross-section problem about that key worded without naming it,
    when the stack is built, then only the value's own problem is reported."""
    unrelated = Problem("a message that names no key at all", ("api.cpu",))
    monkeypatch.setattr(checks, "CHECKS", (*checks.CHECKS, lambda cfg: [unrelated]))
    with pytest.raises(ConfigError) as err:
        build_config({"target": AWS, "environment": "dev", "secrets": {"LANGSMITH_API_KEY": {}},
                      "api": {"cpu": -1}})
    assert unrelated.text not in err.value.problems
    assert [p.split("=")[0] for p in err.value.problems] == ["api.cpu"]


def test_a_problem_concerns_its_keys_and_the_sections_holding_them():
    problem = Problem("text", ("api.min_replicas", "api.max_replicas"))
    assert problem.concerns("api") and problem.concerns("api.min_replicas")
    assert not problem.concerns("api.min") and not problem.concerns("queue")
    assert problem.section == "api"
    assert Problem("text", ("api.postgres_pool_max_size",), concern="pools").section is None


def test_a_setting_the_target_does_not_read_is_refused_by_name():
    """Given an aws-only key on gcp, when the stack is built, then the refusal names it (the gcp target declares it
    unread); on aws the same key is accepted."""
    with pytest.raises(ConfigError) as err:
        build_config({"target": GCP, "environment": "dev", "secrets": {"LANGSMITH_API_KEY": {}},
                      "server": {"enable_exec": True}})
    assert err.value.problems == ["server.enable_exec is an aws setting (ECS Exec): remove it"]
    cfg = build_config({"target": AWS, "environment": "dev", "secrets": {"LANGSMITH_API_KEY": {}},
                        "server": {"enable_exec": True}})
    assert cfg.server.enable_exec


def test_a_targets_own_section_is_its_alone():
    """Given gcp's `gke` section, then a gcp stack's model has it and the neutral model and an aws stack's do not:
    on aws the key is unknown, not silently ignored."""
    assert "gke" in targets.stack_model("gcp").model_fields
    assert "gke" not in targets.stack_model("aws").model_fields
    assert "gke" in targets.section_names()
    with pytest.raises(ConfigError) as err:
        build_config({"target": AWS, "environment": "dev", "secrets": {"LANGSMITH_API_KEY": {}},
                      "gke": {"cloud_armor": True}})
    assert err.value.problems == ["gke: a section of the gcp target, which this stack's target does not read: remove it "
                                  "(or use target.cloud=gcp)"]
