"""GKE observability: the Google-Built collector as a native sidecar of both roles' pods (the Cloud Run sidecar's
configuration, hardened like the server, writing as the pods' Google identity), the alert policies (the same keys as
Cloud Run, the API's read from the Gateway's load balancer and kube-state-metrics, every label naming what the stack
creates), the dashboard, and Binary Authorization admitting every image the prod stacks run."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from langgraph_infra import ConfigError, build_config, contract, observability
from langgraph_infra.gcp import collector
from langgraph_infra.kubernetes import keda, pod
from langgraph_infra.manifests import manifests
from langgraph_infra.mocks import mock_id
from tests.conftest import plan_of
from tests.gcp.test_gcp_observability import filters_of, policies, project_of, stack_config

STACKS = ["gke-dev", "gke-prod"]
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"


def deployment(plan, role: contract.Role) -> dict:
    [found] = [m for m in manifests(plan) if m["kind"] == "Deployment"
               and m["metadata"]["labels"]["app.kubernetes.io/component"] == role.value]
    return found


def pod_spec(plan, role: contract.Role) -> dict:
    return deployment(plan, role)["spec"]["template"]["spec"]


def sidecar(plan, role: contract.Role) -> dict:
    [found] = pod_spec(plan, role)["initContainers"]
    return found


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container["env"]}


def collector_config(plan, role: contract.Role) -> dict:
    return yaml.safe_load(env_of(sidecar(plan, role))["OTELCOL_CONFIG"]["value"])


# The collector sidecar --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("role", list(contract.Role))
def test_both_roles_run_the_pinned_collector_as_a_native_sidecar_beside_the_server(stack, role):
    spec = pod_spec(plan_of(stack), role)
    assert [c["name"] for c in spec["containers"]] == [pod.CONTAINER_NAME]
    found = sidecar(plan_of(stack), role)
    # An init container that keeps running: started before the server, stopped after it.
    assert (found["name"], found["restartPolicy"]) == (collector.CONTAINER_NAME, "Always")
    assert found["image"] == collector.IMAGE
    assert found["args"] == ["--config=env:OTELCOL_CONFIG"]
    assert "ports" not in found


@pytest.mark.parametrize("role", list(contract.Role))
def test_the_sidecar_is_hardened_like_the_server_with_requests_equal_to_limits(role):
    spec = pod_spec(plan_of("gke-prod"), role)
    [server], found = spec["containers"], sidecar(plan_of("gke-prod"), role)
    assert found["securityContext"] == server["securityContext"]
    assert found["securityContext"]["readOnlyRootFilesystem"] is True
    assert found["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert found["resources"]["requests"] == found["resources"]["limits"] == {"cpu": "250m", "memory": "256Mi"}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("role", list(contract.Role))
def test_the_collector_scrapes_the_servers_port_and_exports_to_cloud_monitoring_and_trace(stack, role):
    plan = plan_of(stack)
    config = collector_config(plan, role)
    [server] = pod_spec(plan, role)["containers"]
    [port] = [p["containerPort"] for p in server["ports"]]
    [job] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"] == [{"targets": [f"127.0.0.1:{port}"],
                                      "labels": {"Stack": stack, "Role": role.value}}]
    pipelines = config["service"]["pipelines"]
    assert pipelines["metrics"]["exporters"] == pipelines["traces"]["exporters"] == ["googlecloud"]
    assert config["exporters"]["googlecloud"]["metric"]["prefix"] == "workload.googleapis.com/"
    renames = {t["include"]: t["new_name"] for t in config["processors"]["metricstransform/names"]["transforms"]}
    assert renames == observability.CLOUD_METRICS
    # The server sends its traces to the collector's loopback OTLP receiver.
    server_env = env_of(server)
    assert server_env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == \
        f"http://{config['receivers']['otlp']['protocols']['http']['endpoint']}"
    assert server_env["OTEL_SERVICE_NAME"]["value"] == f"langgraph-{stack}-{role.value}"


def test_the_gke_collector_runs_the_cloud_run_configuration_with_only_shipped_components():
    plan = plan_of("gke-prod")
    for role in contract.Role:
        config = collector_config(plan, role)
        assert config == collector.config("gke-prod", role)
        for section, shipped in collector.COMPONENTS.items():
            assert {name.split("/")[0] for name in config[section]} <= shipped, section


def test_each_replica_writes_its_own_k8s_container_series():
    """The env detector reads the pod's name and namespace (downward API), so the googlecloud exporter writes each
    replica's series on its own `k8s_container` resource, not one shared `k8s_cluster` series."""
    found = sidecar(plan_of("gke-prod"), contract.Role.QUEUE)
    env = env_of(found)
    assert env["POD_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["POD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    # Kubernetes expands $(VAR) only for variables defined before it.
    names = [e["name"] for e in found["env"]]
    assert names.index("POD_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")
    attributes = dict(kv.split("=", 1) for kv in env["OTEL_RESOURCE_ATTRIBUTES"]["value"].split(","))
    assert attributes == {"k8s.pod.name": "$(POD_NAME)", "k8s.namespace.name": "$(POD_NAMESPACE)",
                          "k8s.container.name": pod.CONTAINER_NAME}
    detectors = collector_config(plan_of("gke-prod"), contract.Role.QUEUE)["processors"]["resourcedetection"]
    assert detectors["detectors"] == ["env", "gcp"]


@pytest.mark.parametrize("role", list(contract.Role))
def test_the_network_policy_lets_the_pods_reach_google_apis_and_the_metadata_server(role):
    [policy] = [m for m in manifests(plan_of("gke-prod")) if m["kind"] == "NetworkPolicy"
                and m["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == role.value]
    egress = policy["spec"]["egress"]
    assert any({"port": 443, "protocol": "TCP"} in rule["ports"] and "to" not in rule for rule in egress)
    # Workload Identity's tokens (the collector's credentials) come from GKE's metadata server.
    to = {(rule["to"][0]["ipBlock"]["cidr"], rule["ports"][0]["port"]) for rule in egress if "to" in rule
          and len(rule["ports"]) == 1}
    assert {("169.254.169.254/32", 80), ("169.254.169.252/32", 988)} <= to


def test_without_the_collector_the_pods_run_the_server_alone_and_the_identity_writes_nothing():
    plan = plan_of("gke-dev", "observability.collector=false")
    for role in contract.Role:
        spec = pod_spec(plan, role)
        assert "initContainers" not in spec
        assert not set(env_of(spec["containers"][0])) & set(observability.otlp_environment("x"))
    assert not plan.by_type("gcp:projects/iAMMember:IAMMember")


# Alert policies ---------------------------------------------------------------------------------------------------

LABEL = re.compile(r'(?:resource|metric)\.label\.(\w+)=(?:"([^"]*)"|(\d+))')
REGEX_LABEL = re.compile(r'resource\.label\.(\w+)=monitoring\.regex\.full_match\("([^"]*)"\)')
PROMQL_LABEL = re.compile(r'[{,](\w+)(=~?)"([^"]*)"')


def own(plan, stack: str) -> dict[str, str]:
    """What the stack creates, as the labels of its metrics name it."""
    project = project_of(stack)
    cluster = plan.one("gcp:container/cluster:Cluster").inputs
    sql = plan.one("gcp:sql/databaseInstance:DatabaseInstance")
    redis = plan.one("gcp:redis/instance:Instance")
    api = deployment(plan, contract.Role.API)
    return {
        "cluster": cluster["name"],
        "location": cluster["location"],
        "namespace": api["metadata"]["namespace"],
        "deployment": api["metadata"]["name"],
        "database_id": f"{project}:{sql.inputs.get('name') or sql.name + '-mock'}",
        "instance_id": (f"projects/{project}/locations/{redis.inputs['region']}/instances/"
                        f"{redis.inputs.get('name') or redis.name + '-mock'}"),
        "Stack": stack,
        "monitored_resource": "https_lb_rule",
        "response_code_class": "500",
    }


def backend_services(plan) -> tuple[str, list[str], list[str]]:
    """The names the Gateway controller may give the API's backend service (full, and with namespace and service
    cut, as it does past 63 characters), and names of other Services' backends."""
    [service] = [m for m in manifests(plan) if m["kind"] == "Service"]
    ns, name = service["metadata"]["namespace"], service["metadata"]["name"]
    [port] = [p["port"] for p in service["spec"]["ports"]]
    ours = [f"gkegw1-x7k2-{ns}-{name}-{port}-a1b2c3d4e5f6", f"gkegw1-x7k2-{ns[:5]}-{name[:9]}-{port}-a1b2c3d4e5f6",
            f"k8s1-1a2b3c4d-{ns}-{name}-{port}-9f8e7d6c"]
    others = [f"gkegw1-x7k2-{ns}-{name}x-{port}-a1b2c3d4e5f6", f"gkegw1-x7k2-other-{name}-{port}-a1b2c3d4e5f6",
              f"gkegw1-x7k2-{ns}-{name}-{port + 1}-a1b2c3d4e5f6"]
    return name, ours, others


def conditions_text(policy: dict) -> list[str]:
    """Every filter and PromQL query of a policy's conditions."""
    return filters_of(policy) + [c["conditionPrometheusQueryLanguage"]["query"] for c in policy["conditions"]
                                 if "conditionPrometheusQueryLanguage" in c]


@pytest.mark.parametrize("stack", STACKS)
def test_every_alarm_names_only_the_stacks_cluster_namespace_deployment_and_instances(stack):
    plan = plan_of(stack)
    expected = own(plan, stack)
    _, ours, others = backend_services(plan)
    found = policies(plan)
    assert found
    for key, policy in found.items():
        for text in conditions_text(policy):
            exact = [(m[0], m[1] or m[2]) for m in LABEL.findall(text)]
            regex = REGEX_LABEL.findall(text)
            promql = PROMQL_LABEL.findall(text)
            assert exact or regex or promql, key
            for label, value in exact + [(label, value) for label, op, value in promql if op == "="]:
                assert value == expected[label], (key, label, value)
            for label, pattern in regex + [(label, value) for label, op, value in promql if op == "=~"]:
                assert label == "backend_target_name", (key, label)
                assert all(re.fullmatch(pattern, name) for name in ours), (key, pattern)
                assert not any(re.fullmatch(pattern, name) for name in others), (key, pattern)


def test_gke_prod_has_every_alarm_key_of_cloud_run_with_the_notification_channels():
    plan = plan_of("gke-prod")
    found = policies(plan)
    assert set(found) == set(policies(plan_of("gcp-prod")))
    [channel] = plan.by_type(CHANNEL)
    assert (channel.inputs["type"], channel.inputs["labels"]) == ("email", {"email_address": "oncall@example.com"})
    for key, policy in found.items():
        assert policy["notificationChannels"] == [mock_id(channel.name, CHANNEL)], key
        assert "First check: " in policy["documentation"]["content"], key
    assert plan.redacted_outputs()["alarm_channel_ids"] == [mock_id(channel.name, CHANNEL)]


def test_the_api_alarms_read_the_load_balancer_and_kube_state_metrics_with_the_profiles_thresholds():
    found = policies(plan_of("gke-prod"))
    cfg = stack_config("gke-prod")
    [errors] = conditions_text(found["api-5xx-rate"])
    assert errors.startswith("100 * sum(rate(loadbalancing_googleapis_com:https_request_count{")
    assert errors.endswith(f"> {cfg.alarms.http_5xx_percent:g}")
    [latency] = found["api-latency-p95"]["conditions"]
    assert 'metric.type="loadbalancing.googleapis.com/https/backend_latencies"' in latency["conditionThreshold"]["filter"]
    assert latency["conditionThreshold"]["thresholdValue"] == cfg.alarms.p95_latency_seconds * 1000
    [replicas] = conditions_text(found["api-instances-missing"])
    # No series at all (kube-state-metrics silent, the Deployment gone) counts as none available.
    assert replicas.startswith("(sum(kube_deployment_status_replicas_available{")
    assert replicas.endswith(f"or vector(0)) < {cfg.api.min_replicas}")


def test_the_server_metric_alarms_are_the_cloud_run_ones_resource_neutral():
    gke, cloud_run = policies(plan_of("gke-prod")), policies(plan_of("gcp-prod"))
    for key in ("queue-backlog", "queue-no-workers"):
        ours = conditions_text(gke[key])
        assert ours == [f.replace("gcp-prod", "gke-prod") for f in conditions_text(cloud_run[key])]
        assert all("resource.type" not in f for f in ours), key


def test_the_created_cluster_sends_the_deployment_metrics_the_replica_alarm_reads():
    cluster = plan_of("gke-prod").one("gcp:container/cluster:Cluster").inputs
    monitoring = cluster["monitoringConfig"]
    assert {"SYSTEM_COMPONENTS", "DEPLOYMENT"} <= set(monitoring["enableComponents"])
    assert monitoring["managedPrometheus"] == {"enabled": True}


def test_alarms_are_on_by_default_on_gke_and_prod_needs_someone_to_tell():
    base = {"target": {"cloud": "gcp", "runtime": "gke", "region": "europe-west1", "project": "acme-agents"},
            "secrets": {"LANGSMITH_API_KEY": {}}}
    assert build_config({**base, "environment": "dev"}).alarms.enabled is True
    assert build_config({**base, "environment": "dev", "alarms": {"enabled": True}}).alarms.enabled is True
    with pytest.raises(ConfigError) as err:
        build_config({**base, "environment": "prod"})
    assert any(p.startswith("alarms.notify is empty") for p in err.value.problems)
    assert len(policies(plan_of("gke-dev"))) == len(policies(plan_of("gke-prod")))


# Dashboard --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_the_dashboard_has_every_panel_on_the_stacks_own_signals(stack):
    plan = plan_of(stack)
    body = json.loads(plan.one("gcp:monitoring/dashboard:Dashboard").inputs["dashboardJson"])
    tiles = [t["widget"] for t in body["mosaicLayout"]["tiles"]]
    titles = [w["title"].split(":")[0] for w in tiles]
    for panel in ("Traffic", "Errors", "Latency", "Instances", "Queue depth", "Workers", "Database", "Cache"):
        assert panel in titles, panel
    expected = own(plan, stack)
    _, ours, others = backend_services(plan)
    published = {collector.metric_type(m) for m in observability.CLOUD_METRICS.values()}
    for widget in tiles:
        for data in widget["xyChart"]["dataSets"]:
            query = data["timeSeriesQuery"]
            text = query.get("prometheusQuery") or query["timeSeriesFilter"]["filter"]
            for label, value in [(m[0], m[1] or m[2]) for m in LABEL.findall(text)] + [
                    (label, value) for label, op, value in PROMQL_LABEL.findall(text) if op == "="]:
                assert value == expected[label], (widget["title"], label, value)
            for _, pattern in REGEX_LABEL.findall(text):
                assert all(re.fullmatch(pattern, n) for n in ours) and not any(re.fullmatch(pattern, n) for n in others)
            metric = re.search(r'metric.type="([^"]+)"', text)
            if metric and metric[1].startswith("workload.googleapis.com/"):
                assert metric[1] in published, metric[1]
            if not metric:
                assert text.startswith("sum(kube_deployment_status_replicas_available{"), text


# Binary Authorization ---------------------------------------------------------------------------------------------

def images_run(plan) -> set[str]:
    found = set()
    for kind in ("gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool",
                 "gcp:cloudrunv2/job:Job"):
        for r in plan.by_type(kind):
            template = r.inputs["template"]
            template = template.get("template", template)  # a job's task template
            found |= {c["image"] for c in template["containers"]}
    for m in manifests(plan):
        if m["kind"] == "Deployment":
            spec = m["spec"]["template"]["spec"]
            found |= {c["image"] for c in [*spec.get("initContainers", []), *spec["containers"]]}
    return found


@pytest.mark.parametrize("stack", ["gcp-prod", "gke-prod"])
def test_every_image_a_prod_stack_runs_is_the_attested_app_image_or_exempt_by_its_exact_reference(stack):
    plan = plan_of(stack)
    policy = plan.one("gcp:binaryauthorization/policy:Policy").inputs
    assert policy["defaultAdmissionRule"]["evaluationMode"] == "REQUIRE_ATTESTATION"
    exempt = {p["namePattern"] for p in policy["admissionWhitelistPatterns"]}
    # KEDA runs on GKE from its Helm release, which no Deployment here shows.
    assert exempt == {collector.IMAGE} | (set(keda.IMAGES) if stack == "gke-prod" else set())
    assert not any("*" in pattern for pattern in exempt)
    app = plan.redacted_outputs()["image"]
    run = images_run(plan)
    assert app in run and collector.IMAGE in run
    assert run <= {app} | exempt


def test_without_the_collector_its_image_is_not_exempt():
    policy = plan_of("gcp-prod", "observability.collector=false").one(
        "gcp:binaryauthorization/policy:Policy").inputs
    assert not policy.get("admissionWhitelistPatterns")
    policy = plan_of("gke-prod", "observability.collector=false").one(
        "gcp:binaryauthorization/policy:Policy").inputs
    assert {p["namePattern"] for p in policy["admissionWhitelistPatterns"]} == set(keda.IMAGES)
