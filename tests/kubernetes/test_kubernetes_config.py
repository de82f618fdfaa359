"""Bad Kubernetes settings are refused before any resource, every problem in one run, each naming the key, the
value and the fix: in a stack's `kubernetes:` block, and in a `kubernetes.ServiceArgs` built in code."""

from __future__ import annotations

import pytest

from langgraph_infra import ConfigError, build_config
from langgraph_infra.config import ApiSettings, Environment, KubernetesSettings, QueueSettings, RoleSettings
from langgraph_infra.kubernetes import SecretKeyRef, role_specs
from langgraph_infra.server import RoleSpec

GKE = {"cloud": "gcp", "runtime": "gke", "region": "europe-west1", "project": "acme-agents-dev"}
ECS = {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}
LICENSE = {"LANGSMITH_API_KEY": {}}
DIGEST = "registry.example.com/agent@sha256:" + "ab" * 32
REFS = {"POSTGRES_URI": SecretKeyRef("data", "postgres-uri"), "REDIS_URI": SecretKeyRef("data", "redis-uri"),
        "LANGSMITH_API_KEY": SecretKeyRef("app", "langsmith-api-key")}


def problems(raw) -> list[str]:
    with pytest.raises(ConfigError) as err:
        build_config(raw)
    return err.value.problems


def gke(**kubernetes):
    return {"target": GKE, "environment": "dev", "secrets": LICENSE, "kubernetes": kubernetes}


def test_a_gateway_without_its_name_and_without_an_ingress_path_is_refused_naming_both():
    # The gcp profile names the Gateway the GKE runtime creates and Google's front ends: unset both here.
    found = problems(gke(gateway_name=None, ingress_from_cidrs=[]))
    assert any(p.startswith("kubernetes.exposure=gateway needs kubernetes.gateway_name") for p in found)
    assert any("kubernetes.ingress_from_namespace" in p and "kubernetes.ingress_from_cidrs" in p for p in found)


def test_every_problem_of_the_block_in_one_run():
    found = problems(gke(namespace="Agents_1", exposure="ingress", gateway_name="shared",
                         ingress_from_cidrs=["10.0.0.1/8"], ingress_from_pod_labels={"app": "envoy"}))
    joined = "\n".join(found)
    assert "kubernetes.namespace=Agents_1" in joined
    assert "kubernetes.ingress_from_cidrs" in joined and "10.0.0.1/8" in joined
    assert "kubernetes.exposure=ingress needs kubernetes.ingress_class" in joined
    assert "kubernetes.gateway_* are for exposure=gateway" in joined
    assert "kubernetes.ingress_from_pod_labels needs kubernetes.ingress_from_namespace" in joined


def test_a_tls_secret_without_an_ingress_and_its_domain_is_refused():
    found = problems(gke(gateway_name="shared", ingress_from_namespace="gateway-system", ingress_tls_secret="agents-tls",
                         data_tier_cidrs=["10.20.0.0/16", "10.20.0.1/16"]))
    assert any(p.startswith("kubernetes.ingress_tls_secret is the certificate of ingress.domain") for p in found)
    assert any(p.startswith("kubernetes.data_tier_cidrs") and "10.20.0.1/16" in p for p in found)


def test_a_valid_block_on_gke_passes_its_own_checks():
    raw = gke(gateway_name="shared", ingress_from_namespace="gateway-system")
    try:
        build_config(raw)
    except ConfigError as err:
        assert not [p for p in err.problems if p.startswith("kubernetes.")], err.problems


def test_kubernetes_keys_on_ecs_are_refused_by_name():
    found = problems({"target": ECS, "environment": "dev", "secrets": LICENSE,
                      "kubernetes": {"namespace": "agents", "gateway_name": "shared"}})
    assert ("kubernetes.gateway_name, kubernetes.namespace: Kubernetes settings, not read by target.runtime=ecs: "
            "remove them") in found


def test_an_ecs_stack_without_the_block_is_untouched():
    cfg = build_config({"target": ECS, "environment": "prod", "secrets": LICENSE,
                        "ingress": {"domain": "agents.example.com", "hosted_zone_id": "Z0123"},
                        "alarms": {"notify": ["oncall@example.com"]}})
    assert cfg.kubernetes.zone_spread == "required"


def test_prod_spreads_strictly_across_zones_and_dev_prefers_to():
    assert build_config({"target": ECS, "environment": "dev", "secrets": LICENSE}).kubernetes.zone_spread == "preferred"


def service_args(**overrides):
    from langgraph_infra.kubernetes import ServiceArgs

    values = dict(prefix="agent", image=DIGEST, **role_specs(), secrets=REFS,
                  kubernetes=KubernetesSettings(gateway_name="shared", ingress_from_namespace="gateway-system"))
    values.update(overrides)
    return ServiceArgs(**values)


def test_service_args_accept_a_complete_configuration():
    args = service_args()
    assert args.queue.settings.min_replicas == 1 and args.kubernetes.zone_spread == "preferred"


def test_service_args_name_every_problem_before_any_resource():
    specs = role_specs()
    with pytest.raises(ConfigError) as err:
        service_args(image="registry.example.com/agent:latest", secrets={"REDIS_URI": REFS["REDIS_URI"]},
                     queue=RoleSpec(RoleSettings(min_replicas=0), specs["queue"].environment),
                     kubernetes=KubernetesSettings(exposure="ingress"))
    joined = "\n".join(err.value.problems)
    assert "image=registry.example.com/agent:latest: deploy by digest" in joined
    assert "secrets: POSTGRES_URI missing" in joined
    assert "queue.min_replicas=0" in joined and "never scale to zero" in joined
    assert "kubernetes.exposure=ingress needs kubernetes.ingress_class" in joined


def test_service_args_need_the_licence_key_by_reference():
    with pytest.raises(ConfigError) as err:
        service_args(secrets={k: v for k, v in REFS.items() if k != "LANGSMITH_API_KEY"})
    assert err.value.problems == ["secrets needs LANGGRAPH_CLOUD_LICENSE_KEY or LANGSMITH_API_KEY: the server "
                                  "verifies its licence at start-up"]


def test_role_specs_are_small_in_dev_and_explicit_sizes_win():
    specs = role_specs(Environment.DEV, queue=QueueSettings(cpu=2, memory_mib=4096))
    assert (specs["api"].settings.cpu, specs["api"].settings.memory_mib) == (0.5, 1024)
    assert (specs["queue"].settings.cpu, specs["queue"].settings.memory_mib) == (2, 4096)


def test_role_specs_refuse_prod_below_two_replicas():
    with pytest.raises(ConfigError) as err:
        role_specs(Environment.PROD, ApiSettings(min_replicas=1), QueueSettings(min_replicas=1, max_replicas=1))
    assert "api.min_replicas=1 is below prod's minimum of 2" in err.value.problems
    assert "queue.min_replicas=1 is below prod's minimum of 2" in err.value.problems


def test_role_specs_take_the_prod_profile_where_not_given():
    specs = role_specs(Environment.PROD)
    assert (specs["queue"].settings.min_replicas, specs["queue"].settings.max_replicas) == (2, 6)
    assert (specs["api"].settings.cpu, specs["api"].settings.memory_mib) == (1, 2048)
    assert specs["api"].environment["LANGGRAPH_POSTGRES_POOL_MAX_SIZE"] == "30"
    assert specs["api"].environment["N_JOBS_PER_WORKER"] == "0"


# The queue on its backlog needs a password KEDA can log in with -------------------------------------------------------


def test_backlog_scaling_with_iam_database_auth_is_refused_naming_both_keys_and_the_fix():
    raw = {**gke(gateway_name="shared", ingress_from_namespace="gateway-system"), "postgres": {"auth": "iam"}}
    found = problems(raw)
    assert any(p.startswith("kubernetes.queue_scaling=backlog with postgres.auth=iam")
               and "set kubernetes.queue_scaling=cpu" in p for p in found), found


def test_cpu_scaling_with_iam_database_auth_is_accepted():
    raw = {**gke(gateway_name="shared", ingress_from_namespace="gateway-system", queue_scaling="cpu"),
           "postgres": {"auth": "iam"}}
    cfg = build_config(raw)
    assert (cfg.kubernetes.queue_scaling, cfg.postgres.auth) == ("cpu", "iam")


def test_the_queue_scales_on_its_backlog_unless_told_otherwise():
    assert KubernetesSettings().queue_scaling == "backlog"
    with pytest.raises(ValueError, match="queue_scaling"):
        KubernetesSettings(queue_scaling="memory")


def test_service_args_refuse_backlog_scaling_for_a_queue_with_iam_database_auth():
    specs = role_specs()
    iam = RoleSpec(specs["queue"].settings, {**specs["queue"].environment, "AGENT_POSTGRES_IAM_AUTH_PROVIDER": "gcp"})
    with pytest.raises(ConfigError) as err:
        service_args(queue=iam)
    assert [p for p in err.value.problems if p.startswith("kubernetes.queue_scaling=backlog with "
                                                          "AGENT_POSTGRES_IAM_AUTH_PROVIDER")]
    on_cpu = service_args(queue=iam, kubernetes=KubernetesSettings(
        gateway_name="shared", ingress_from_namespace="gateway-system", queue_scaling="cpu"))
    assert on_cpu.queue.environment["AGENT_POSTGRES_IAM_AUTH_PROVIDER"] == "gcp"


def test_service_args_accept_backlog_scaling_with_iam_database_auth_given_a_scaler_login():
    specs = role_specs()
    iam = RoleSpec(specs["queue"].settings, {**specs["queue"].environment, "AGENT_POSTGRES_IAM_AUTH_PROVIDER": "gcp"})
    args = service_args(queue=iam, scaler_secret=SecretKeyRef("keda-scaler", "uri"))
    assert (args.kubernetes.queue_scaling, args.scaler_secret) == ("backlog", SecretKeyRef("keda-scaler", "uri"))
