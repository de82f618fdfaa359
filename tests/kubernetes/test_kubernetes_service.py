"""The objects a cluster receives from `langgraph_infra.kubernetes.Service`, one behaviour per test: given a
scenario's settings, when it is planned under Pulumi's mocks, then each object has what its users rely on."""

from __future__ import annotations

import json

import pytest

from langgraph_infra import contract
from langgraph_infra.config import KubernetesSettings, RoleSettings
from langgraph_infra.derive import capacity
from langgraph_infra.kubernetes import autoscaling, network_policy, pod
from langgraph_infra.kubernetes.network_policy import allowed_tcp_egress
from langgraph_infra.rules.acceptance import K8S_ACCEPTED_PREFIX
from tests.kubernetes.conftest import SCENARIOS, objects, one, plan_example, plan_scenario, pod_spec

ROLES = ("api", "queue")


def deployment(stack: str, role: str) -> str:
    return f"agent-{stack}-{role}"


@pytest.mark.parametrize("stack", SCENARIOS)
@pytest.mark.parametrize("role", ROLES)
def test_probes_use_the_servers_health_paths_with_startup_checking_the_database(stack, role):
    [c] = pod_spec(plan_scenario(stack), deployment(stack, role))["containers"]
    assert c["startupProbe"]["httpGet"]["path"] == contract.STARTUP_HEALTH_PATH
    assert c["readinessProbe"]["httpGet"]["path"] == contract.HEALTH_PATH
    assert c["livenessProbe"]["httpGet"]["path"] == contract.HEALTH_PATH
    # The probes' named port is the server's port.
    [port] = c["ports"]
    assert port["containerPort"] == contract.PORT
    assert {c[p]["httpGet"]["port"] for p in ("startupProbe", "readinessProbe", "livenessProbe")} == {port["name"]}
    # Migrations may take minutes: start-up allows at least 5 of them before the kubelet restarts the pod.
    startup = c["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300


@pytest.mark.parametrize("role", ROLES)
def test_containers_run_non_root_read_only_with_nothing_to_escalate(role):
    spec = pod_spec(plan_scenario("prod"), deployment("prod", role))
    [c] = spec["containers"]
    sc = c["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0
    assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert sc["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("role", ROLES)
def test_tmp_is_the_writable_empty_dir_under_the_read_only_root(role):
    spec = pod_spec(plan_scenario("dev"), deployment("dev", role))
    [c] = spec["containers"]
    assert c["volumeMounts"] == [{"mountPath": "/tmp", "name": "tmp"}]
    [volume] = spec["volumes"]
    assert volume["name"] == "tmp" and volume["emptyDir"]["sizeLimit"] == "1024Mi"


def test_the_created_namespace_enforces_the_restricted_pod_security_level():
    ns = one(plan_scenario("prod"), "Namespace", "agents")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_an_adopted_namespace_is_not_created():
    plan = plan_scenario("nginx")
    assert not [m for m in objects(plan) if m["kind"] == "Namespace"]
    assert {m["metadata"]["namespace"] for m in objects(plan)} == {"langgraph"}


@pytest.mark.parametrize("role,cpu,memory", [("api", "1000m", "2048Mi"), ("queue", "2000m", "4096Mi")])
def test_requests_equal_limits_from_the_roles_sizes(role, cpu, memory):
    [c] = pod_spec(plan_scenario("prod"), deployment("prod", role))["containers"]
    assert c["resources"]["limits"] == {"cpu": cpu, "memory": memory}
    assert c["resources"]["requests"] == c["resources"]["limits"]


@pytest.mark.parametrize("stack", SCENARIOS)
@pytest.mark.parametrize("role", ROLES)
def test_grace_period_outlasts_the_servers_shutdown_grace(stack, role):
    spec = pod_spec(plan_scenario(stack), deployment(stack, role))
    [c] = spec["containers"]
    env = {e["name"]: e.get("value") for e in c["env"]}
    server_grace = int(env["BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS"])
    assert spec["terminationGracePeriodSeconds"] == server_grace + contract.SHUTDOWN_MARGIN_SECONDS


def test_queue_runs_the_queue_entrypoint_and_the_api_runs_no_jobs():
    plan = plan_scenario("prod")
    [queue] = pod_spec(plan, deployment("prod", "queue"))["containers"]
    [api] = pod_spec(plan, deployment("prod", "api"))["containers"]
    assert queue["command"] == [contract.QUEUE_ENTRYPOINT]
    assert "command" not in api
    assert {e["name"]: e.get("value") for e in api["env"]}["N_JOBS_PER_WORKER"] == "0"


def test_environment_is_the_contracts_and_secrets_are_references():
    plan = plan_scenario("dev")
    [c] = pod_spec(plan, deployment("dev", "api"))["containers"]
    settings = contract.ReplicaSettings(role=contract.Role.API, postgres_pool_max_size=20, redis_max_connections=200,
                                       n_jobs_per_worker=10, shutdown_grace_seconds=180, log_level="INFO")
    plain = {e["name"]: e["value"] for e in c["env"] if "value" in e}
    assert plain == contract.server_environment(settings)
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"] if "valueFrom" in e}
    assert set(refs) == set(contract.secret_env_names(["LANGSMITH_API_KEY"]))
    assert refs["POSTGRES_URI"] == {"name": "agent-data", "key": "postgres-uri"}


def test_the_api_scales_on_cpu_between_its_replicas():
    name = deployment("prod", "api")
    hpa = one(plan_scenario("prod"), "HorizontalPodAutoscaler", name)["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert hpa["minReplicas"] == 2
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_a_pdb_that_lets_drains_progress(role):
    plan = plan_scenario("prod")
    name = deployment("prod", role)
    pdb = one(plan, "PodDisruptionBudget", name)["spec"]
    assert pdb["maxUnavailable"] == 1
    assert pdb["selector"]["matchLabels"] == one(plan, "Deployment", name)["spec"]["selector"]["matchLabels"]


# The queue on its backlog (KEDA), or on CPU by choice ----------------------------------------------------------------


def scaled_object(stack: str) -> dict:
    return one(plan_scenario(stack), "ScaledObject", deployment(stack, "queue"))


def test_the_queue_is_scaled_by_one_keda_scaled_object_and_no_hpa():
    plan, name = plan_scenario("prod"), deployment("prod", "queue")
    found = scaled_object("prod")
    assert found["apiVersion"] == "keda.sh/v1alpha1"
    # KEDA reads POSTGRES_URI from the server's container, where it is a reference to the Secret's key.
    assert found["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                               "envSourceContainerName": "agent-server"}
    [c] = pod_spec(plan, name)["containers"]
    assert c["name"] == "agent-server"
    assert {"name": "POSTGRES_URI", "valueFrom": {"secretKeyRef": {"name": "agent-data", "key": "postgres-uri"}}} \
        in c["env"]
    # KEDA's HPA takes the name (and, on an upgrade, the place) of the CPU HPA the queue had: its webhook refuses a
    # ScaledObject whose workload another HPA scales, unless the ScaledObject takes that HPA over by name.
    assert found["metadata"]["annotations"] == {"scaledobject.keda.sh/transfer-hpa-ownership": "true"}
    assert found["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"] == name
    # Two autoscalers on one Deployment would fight over its replica count.
    assert [m for m in objects(plan) if m["kind"] == "HorizontalPodAutoscaler"
            and m["spec"]["scaleTargetRef"]["name"] == name] == []


def test_the_backlog_trigger_counts_runs_in_flight_per_pod_against_one_workers_slots():
    [backlog] = [t for t in scaled_object("prod")["spec"]["triggers"] if t["type"] == "postgresql"]
    queue = {e["name"]: e.get("value") for e in pod_spec(plan_scenario("prod"), deployment("prod", "queue"))
             ["containers"][0]["env"]}
    assert queue["N_JOBS_PER_WORKER"] == "25"
    assert backlog["metricType"] == "AverageValue"
    assert backlog["metadata"] == {"connectionFromEnv": "POSTGRES_URI",
                                   "query": "SELECT COUNT(*) FROM run WHERE status IN ('pending', 'running')",
                                   "targetQueryValue": str(capacity.backlog_target(25))}


def test_with_a_scaler_login_keda_authenticates_through_a_trigger_authentication_and_calls_its_function():
    spec = autoscaling.scaled_object_spec("agent-queue", RoleSettings(min_replicas=1, max_replicas=4), 25,
                                          authentication="agent-queue")
    [backlog] = [t for t in spec["triggers"] if t["type"] == "postgresql"]
    assert backlog["authenticationRef"] == {"kind": "TriggerAuthentication", "name": "agent-queue"}
    assert backlog["metadata"] == {"query": "SELECT public.langgraph_runs_in_flight()",
                                   "targetQueryValue": str(capacity.backlog_target(25))}
    # Nothing is read from the queue's container.
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "agent-queue"}
    assert autoscaling.trigger_authentication_spec(pod.SecretKeyRef("keda-scaler", "uri")) == {
        "secretTargetRef": [{"parameter": "connection", "name": "keda-scaler", "key": "uri"}]}


def test_without_a_scaler_login_no_trigger_authentication_is_made():
    assert [m for m in objects(plan_scenario("prod")) if m["kind"] == "TriggerAuthentication"] == []


def test_the_queue_also_scales_out_on_cpu():
    [cpu] = [t for t in scaled_object("prod")["spec"]["triggers"] if t["type"] == "cpu"]
    assert cpu["metricType"] == "Utilization" and int(cpu["metadata"]["value"]) > 0


@pytest.mark.parametrize("stack,low,high", [("dev", 1, None), ("prod", 2, 8)])
def test_the_queue_never_scales_to_zero_and_stops_at_its_maximum(stack, low, high):
    spec = scaled_object(stack)["spec"]
    assert spec["minReplicaCount"] == low and "idleReplicaCount" not in spec
    assert high is None or spec["maxReplicaCount"] == high


def test_the_queue_scales_in_one_pod_a_minute_after_five_quiet_minutes_like_the_api():
    behavior = scaled_object("prod")["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    api = one(plan_scenario("prod"), "HorizontalPodAutoscaler", deployment("prod", "api"))["spec"]["behavior"]
    assert behavior == api == {"scaleDown": {"stabilizationWindowSeconds": 300,
                                             "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}


def test_a_queue_on_cpu_gets_an_hpa_that_records_the_choice_and_no_scaled_object():
    plan, name = plan_scenario("nginx"), deployment("nginx", "queue")
    hpa = one(plan, "HorizontalPodAutoscaler", name)
    assert hpa["metadata"]["annotations"] == {"langgraph-infra/queue-scaling": "cpu"}
    assert hpa["spec"]["minReplicas"] >= 1 and hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert [m for m in objects(plan) if m["kind"] == "ScaledObject"] == []


def test_deployments_leave_the_replica_count_to_the_hpa():
    assert "replicas" not in one(plan_scenario("prod"), "Deployment", deployment("prod", "api"))["spec"]


@pytest.mark.parametrize("stack,when", [("dev", "ScheduleAnyway"), ("prod", "DoNotSchedule")])
def test_pods_spread_across_zones_strictly_in_prod(stack, when):
    spec = pod_spec(plan_scenario(stack), deployment(stack, "queue"))
    [zone] = [t for t in spec["topologySpreadConstraints"] if t["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zone["whenUnsatisfiable"] == when and zone["maxSkew"] == 1
    assert zone["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "queue"


@pytest.mark.parametrize("stack", SCENARIOS)
@pytest.mark.parametrize("role", ROLES)
def test_network_policy_lets_each_role_out_only_to_dns_postgres_redis_and_https(stack, role):
    policy = one(plan_scenario(stack), "NetworkPolicy", deployment(stack, role))["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    assert allowed_tcp_egress(policy) == {53, contract.POSTGRES_PORT, contract.REDIS_PORT, 443}
    udp = {p["port"] for rule in policy["egress"] for p in rule["ports"] if p["protocol"] == "UDP"}
    assert udp == {53}


@pytest.mark.parametrize("role", ROLES)
def test_data_tier_cidrs_confine_postgres_and_redis_but_not_https(role):
    policy = one(plan_scenario("nginx"), "NetworkPolicy", deployment("nginx", role))["spec"]
    [data] = [r for r in policy["egress"] if {"port": contract.POSTGRES_PORT, "protocol": "TCP"} in r["ports"]]
    assert data["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]
    assert {p["port"] for p in data["ports"]} == {contract.POSTGRES_PORT, contract.REDIS_PORT}
    [https] = [r for r in policy["egress"] if {"port": 443, "protocol": "TCP"} in r["ports"]]
    assert "to" not in https


def test_without_data_tier_cidrs_no_egress_rule_names_an_address():
    policy = one(plan_scenario("prod"), "NetworkPolicy", "agent-prod-queue")["spec"]
    assert all("to" not in rule for rule in policy["egress"])


def test_network_policy_admits_the_api_only_from_the_gateways_pods():
    policy = one(plan_scenario("prod"), "NetworkPolicy", "agent-prod-api")["spec"]
    [rule] = policy["ingress"]
    assert rule["ports"] == [{"port": contract.PORT, "protocol": "TCP"}]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway-system"}},
                             "podSelector": {"matchLabels": {"app.kubernetes.io/name": "envoy"}}}]


def test_network_policy_admits_googles_load_balancer_ranges_on_gke():
    [rule] = one(plan_scenario("gke"), "NetworkPolicy", "agent-gke-api")["spec"]["ingress"]
    assert rule["from"] == [{"ipBlock": {"cidr": "35.191.0.0/16"}}, {"ipBlock": {"cidr": "130.211.0.0/22"}}]


def test_network_policy_admits_nothing_to_the_queue():
    assert one(plan_scenario("prod"), "NetworkPolicy", "agent-prod-queue")["spec"]["ingress"] == []


def test_http_route_attaches_to_the_gateway_with_a_timeout_long_streams_survive():
    route = one(plan_scenario("prod"), "HTTPRoute", "agent-prod-api")["spec"]
    assert route["parentRefs"] == [{"name": "shared", "namespace": "gateway-system", "sectionName": "https"}]
    assert route["hostnames"] == ["agents.example.com"]
    [rule] = route["rules"]
    assert rule["backendRefs"] == [{"name": "agent-prod-api", "port": contract.PORT}]
    assert rule["timeouts"] == {"request": "3600s", "backendRequest": "3600s"}


def test_on_gke_the_timeout_is_a_backend_policy_on_the_service():
    plan = plan_scenario("gke")
    policy = one(plan, "GCPBackendPolicy", "agent-gke-api")["spec"]
    assert policy == {"default": {"timeoutSec": 3600}, "targetRef": {"group": "", "kind": "Service",
                                                                     "name": "agent-gke-api"}}
    assert "timeouts" not in one(plan, "HTTPRoute", "agent-gke-api")["spec"]["rules"][0]


def test_a_gce_ingress_gets_its_timeout_from_a_backend_config_named_on_the_service():
    plan = plan_scenario("gce")
    assert one(plan, "BackendConfig", "agent-gce-api")["spec"]["timeoutSec"] == 3600
    annotations = one(plan, "Service", "agent-gce-api")["metadata"]["annotations"]
    assert json.loads(annotations["cloud.google.com/backend-config"]) == {"default": "agent-gce-api"}
    assert one(plan, "Ingress", "agent-gce-api")["spec"]["ingressClassName"] == "gce"


def test_an_nginx_ingress_keeps_streams_open_for_the_request_timeout():
    ingress = one(plan_scenario("nginx"), "Ingress", "agent-nginx-api")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "agents.example.com"
    assert ingress["spec"]["tls"] == [{"hosts": ["agents.example.com"], "secretName": "agents-example-com-tls"}]
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "agent-nginx-api",
                                                              "port": {"number": contract.PORT}}


def test_service_account_carries_the_workload_identity_annotation_and_no_token():
    sa = one(plan_scenario("prod"), "ServiceAccount", "agent-prod")
    assert sa["metadata"]["annotations"] == {"iam.gke.io/gcp-service-account": "agents@acme-prod.iam.gserviceaccount.com"}
    assert sa["automountServiceAccountToken"] is False
    assert pod_spec(plan_scenario("prod"), "agent-prod-api")["serviceAccountName"] == "agent-prod"


def test_every_object_waits_for_the_secrets_it_is_given_to_wait_for():
    plan = plan_scenario("dev")
    objects_ = [r for r in plan.resources if r.custom and r.type.startswith("kubernetes:") and r.parent == "agent"]
    assert objects_
    for r in objects_:
        if r.type != "kubernetes:core/v1:Namespace":
            assert "data" in r.depends_on and "agent-namespace" in r.depends_on, (r.name, r.depends_on)


def test_image_is_pinned_by_digest():
    for role in ROLES:
        [c] = pod_spec(plan_example(), f"support-agent-{role}")["containers"]
        assert "@sha256:" in c["image"]


def test_every_object_goes_through_the_given_provider():
    plan = plan_example()
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    k8s_objects = [r for r in plan.resources if r.custom and r.type.startswith("kubernetes:")]
    assert k8s_objects
    for r in k8s_objects:
        assert r.provider and r.provider.startswith(f"{provider.urn}::"), r.name


# Sidecars and extra egress (what a target adds, e.g. GKE's collector) ----------------------------------------------

DIGEST_REF = "registry.example.com/helper@sha256:" + "ab" * 32
TAG_REF = "registry.example.com/helper:1.2.3"


def sidecar_pod(*sidecars: pod.Sidecar) -> dict:
    return pod.pod_template(pod.PodInputs(
        instance="agent", role=contract.Role.QUEUE, image="registry.example.com/agent@sha256:" + "cd" * 32,
        settings=RoleSettings(cpu=1, memory_mib=2048), environment={}, secrets={}, service_account="agent",
        sidecars=sidecars))["spec"]


def test_a_sidecar_is_a_native_sidecar_hardened_like_the_server():
    spec = sidecar_pod(pod.Sidecar("helper", DIGEST_REF, args=("--flag",), environment={"A": "$(POD)"},
                                   field_environment={"POD": "metadata.name"}, cpu=0.5, memory_mib=128))
    [server], [found] = spec["containers"], spec["initContainers"]
    # An init container that keeps running: it starts before the server and stops after it (Kubernetes 1.29+).
    assert (found["name"], found["image"], found["restartPolicy"]) == ("helper", DIGEST_REF, "Always")
    assert found["securityContext"] == server["securityContext"]
    assert found["resources"]["requests"] == found["resources"]["limits"] == {"cpu": "500m", "memory": "128Mi"}
    assert found["args"] == ["--flag"] and "ports" not in found
    # The downward-API variable comes first, so `$(POD)` expands.
    assert found["env"] == [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                            {"name": "A", "value": "$(POD)"}]


def test_the_scenarios_without_sidecars_run_the_server_alone():
    for role in ROLES:
        assert "initContainers" not in pod_spec(plan_scenario("prod"), deployment("prod", role))
    assert "initContainers" not in sidecar_pod()


def test_only_a_sidecar_by_tag_carries_the_digest_findings_accepted_with_its_image_named():
    by_digest, by_tag = (pod.Sidecar("helper", DIGEST_REF),), (pod.Sidecar("helper", TAG_REF),)
    assert set(pod.checkov_annotations(by_digest).values()) == set(pod.checkov_annotations().values())
    assert pod.rule_acceptances(by_digest) == {}
    skips = [v for v in pod.checkov_annotations(by_tag).values() if v.startswith(f"{pod.TAGGED_IMAGE_CHECK}=")]
    assert len(skips) == 1 and TAG_REF in skips[0]
    [(key, reason)] = pod.rule_acceptances(by_tag).items()
    assert key == f"{K8S_ACCEPTED_PREFIX}{pod.DIGEST_RULE}" and TAG_REF in reason


def test_an_egress_destination_opens_one_port_to_one_range_only():
    policy = network_policy.spec("agent", contract.Role.API, KubernetesSettings(ingress_from_cidrs=["10.0.0.0/8"]),
                                 [443], [network_policy.Destination("169.254.169.254/32", 80)])
    [extra] = [rule for rule in policy["egress"] if rule.get("to") == [{"ipBlock": {"cidr": "169.254.169.254/32"}}]]
    assert extra["ports"] == [{"port": 80, "protocol": "TCP"}]
    assert allowed_tcp_egress(policy) == {contract.POSTGRES_PORT, contract.REDIS_PORT, 443, 80, network_policy.DNS_PORT}
