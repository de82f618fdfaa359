"""Cloud Run observability: the Google-Built collector sidecar (configuration from the same core renderer, only
components that image ships, metrics to Cloud Monitoring and traces to Cloud Trace, the two writer roles and no
more), the alert policies (each filter names the stack's own service, instance or label, with the profile's
threshold) and their notification channels, and the dashboard (every chart on a metric of this stack)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from langgraph_infra import contract, observability
from langgraph_infra.derive.connections import max_connections
from langgraph_infra.gcp import collector
from langgraph_infra.loading import build
from langgraph_infra.mocks import mock_id
from tests.conftest import ROOT, plan_of

SERVICE = "gcp:cloudrunv2/service:Service"
POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
STACKS = ["gcp-dev", "gcp-prod"]


def project_of(stack: str) -> str:
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return raw["langgraph-infra:target"]["project"]


def containers(plan, kind: str) -> dict[str, dict]:
    return {c["name"]: c for c in plan.one(kind).inputs["template"]["containers"]}


def collector_config(plan, kind: str) -> dict:
    c = containers(plan, kind)[collector.CONTAINER_NAME]
    [entry] = c["envs"]
    assert entry["name"] == "OTELCOL_CONFIG" and c["args"] == ["--config=env:OTELCOL_CONFIG"]
    return yaml.safe_load(entry["value"])


def policies(plan) -> dict[str, dict]:
    return {r.inputs["displayName"].split(" ", 1)[1]: r.inputs for r in plan.by_type(POLICY)}


def filters_of(policy: dict) -> list[str]:
    found = []
    for condition in policy["conditions"]:
        for kind in ("conditionThreshold", "conditionAbsent"):
            if kind in condition:
                found.append(condition[kind]["filter"])
    return found


def stack_config(stack: str):
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return build({key.split(":", 1)[1]: value for key, value in raw.items()})


def names(plan, stack: str) -> dict[str, str]:
    """The stack's own resources, as Cloud Monitoring labels name them."""
    project = project_of(stack)
    sql = plan.one("gcp:sql/databaseInstance:DatabaseInstance")
    redis = plan.one("gcp:redis/instance:Instance")
    region = redis.inputs["region"]
    return {
        "service_name": plan.one(SERVICE).inputs["name"],
        "database_id": f"{project}:{sql.inputs.get('name') or sql.name + '-mock'}",
        "instance_id": f"projects/{project}/locations/{region}/instances/{redis.inputs.get('name') or redis.name + '-mock'}",
        "Stack": stack,
    }


LABEL = re.compile(r'(?:resource|metric)\.label\.(\w+)="([^"]*)"')
PROMQL_LABEL = re.compile(r'(service_name)="([^"]*)"')


# The collector sidecar --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("kind", [SERVICE, POOL])
def test_both_roles_run_the_pinned_google_built_collector_beside_the_server(stack, kind):
    found = containers(plan_of(stack), kind)
    assert list(found) == ["agent-server", "otel-collector"]
    sidecar = found["otel-collector"]
    assert sidecar["image"].startswith(
        "us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.")
    assert "ports" not in sidecar


@pytest.mark.parametrize("kind", [SERVICE, POOL])
def test_the_config_uses_only_components_the_google_built_collector_ships(kind):
    config = collector_config(plan_of("gcp-prod"), kind)
    for section, shipped in collector.COMPONENTS.items():
        for name in config[section]:
            assert name.split("/")[0] in shipped, f"{section}.{name}"
    for name, pipeline in config["service"]["pipelines"].items():
        for section in ("receivers", "processors", "exporters"):
            for component in pipeline.get(section, []):
                assert component in config[section], f"{name}: {component}"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("kind,role", [(SERVICE, "api"), (POOL, "queue")])
def test_metrics_go_to_cloud_monitoring_and_traces_to_cloud_trace_labelled_with_the_stack(stack, kind, role):
    plan = plan_of(stack)
    config = collector_config(plan, kind)
    [job] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert job["static_configs"] == [{"targets": [f"127.0.0.1:{contract.PORT}"],
                                      "labels": {"Stack": stack, "Role": role}}]
    pipelines = config["service"]["pipelines"]
    assert pipelines["metrics"]["exporters"] == ["googlecloud"] and pipelines["traces"]["exporters"] == ["googlecloud"]
    assert "resourcedetection" in pipelines["metrics"]["processors"]
    assert config["exporters"]["googlecloud"]["metric"]["prefix"] == "workload.googleapis.com/"
    renames = {t["include"]: t["new_name"] for t in config["processors"]["metricstransform/names"]["transforms"]}
    assert renames["lg_api_num_pending_runs"] == contract.PENDING_RUNS_METRIC
    env = {e["name"]: e.get("value") for e in containers(plan, kind)["agent-server"]["envs"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://{config['receivers']['otlp']['protocols']['http']['endpoint']}"


@pytest.mark.parametrize("stack", STACKS)
def test_each_roles_account_may_write_metrics_and_traces_and_nothing_more(stack):
    plan = plan_of(stack)
    members = plan.by_type("gcp:projects/iAMMember:IAMMember")
    granted = {(m.inputs["member"].split("@")[0], m.inputs["role"]) for m in members}
    for role in ("api", "queue"):
        account = f"serviceAccount:langgraph-{stack}-{role}"
        assert {r for a, r in granted if a == account} == set(collector.ROLES)
    assert all(m.inputs["project"] == project_of(stack) for m in members)


def test_without_the_collector_the_server_runs_alone():
    plan = plan_of("gcp-dev", "observability.collector=false")
    for kind in (SERVICE, POOL):
        assert list(containers(plan, kind)) == ["agent-server"]
        env = {e["name"] for e in containers(plan, kind)["agent-server"]["envs"]}
        assert not env & set(observability.otlp_environment("x"))
    assert not plan.by_type("gcp:projects/iAMMember:IAMMember")


# Alert policies -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_every_policy_filter_names_the_stacks_own_resources(stack):
    plan = plan_of(stack)
    own = names(plan, stack)
    found = policies(plan)
    assert len(found) == 10
    for key, policy in found.items():
        for condition in policy["conditions"]:
            text = json.dumps(condition)
            labels = LABEL.findall(text.replace('\\"', '"')) + PROMQL_LABEL.findall(text.replace('\\"', '"'))
            assert labels, key
            for label, value in labels:
                if label in own:
                    assert value == own[label], (key, label, value)
                else:
                    assert label == "response_code_class", (key, label)


@pytest.mark.parametrize("stack", STACKS)
def test_every_policy_tells_the_configured_channels_and_says_what_to_check(stack):
    plan = plan_of(stack)
    channels = [mock_id(c.name, "gcp:monitoring/notificationChannel:NotificationChannel")
                for c in plan.by_type("gcp:monitoring/notificationChannel:NotificationChannel")]
    for key, policy in policies(plan).items():
        assert policy["notificationChannels"] == channels, key
        assert "First check: " in policy["documentation"]["content"], key


def test_prod_notifies_the_configured_address_by_email():
    [channel] = plan_of("gcp-prod").by_type("gcp:monitoring/notificationChannel:NotificationChannel")
    assert (channel.inputs["type"], channel.inputs["labels"]) == ("email", {"email_address": "oncall@example.com"})


def test_an_https_target_becomes_a_webhook_channel():
    plan = plan_of("gcp-dev", 'alarms.notify=["https://hooks.example.com/oncall"]')
    [channel] = plan.by_type("gcp:monitoring/notificationChannel:NotificationChannel")
    assert (channel.inputs["type"], channel.inputs["labels"]) == ("webhook_tokenauth",
                                                                  {"url": "https://hooks.example.com/oncall"})


def test_thresholds_are_the_profiles_against_the_stacks_own_budget():
    found = policies(plan_of("gcp-prod"))
    cfg = stack_config("gcp-prod")

    def threshold(key: str) -> float:
        return found[key]["conditions"][0]["conditionThreshold"]["thresholdValue"]

    # Beyond what queue scaling absorbs: one worker's slots waiting per worker, at the queue's largest.
    assert threshold("queue-backlog") == cfg.queue.n_jobs_per_worker * cfg.queue.max_replicas
    assert threshold("api-latency-p95") == 10_000
    assert threshold("postgres-cpu") == 0.8 and threshold("redis-memory") == 0.8
    assert threshold("postgres-free-storage") == pytest.approx(0.8)
    assert threshold("postgres-connections") == (max_connections(cfg) - cfg.postgres.connection_reserve) * 80 // 100
    assert threshold("api-instances-missing") == cfg.api.min_replicas
    promql = found["api-5xx-rate"]["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    assert promql.endswith("> 2") and 'response_code_class="5xx"' in promql


def test_the_queue_policies_read_the_metrics_the_collector_publishes_and_fire_on_silence():
    found = policies(plan_of("gcp-prod"))
    assert filters_of(found["queue-backlog"]) == [
        'metric.type="workload.googleapis.com/PendingRuns" AND metric.label.Stack="gcp-prod"']
    workers = found["queue-no-workers"]
    assert [c["displayName"] for c in workers["conditions"]] == ["queue-no-workers", "queue-no-workers (no data)"]
    assert all("workload.googleapis.com/WorkersAvailable" in f for f in filters_of(workers))


def test_the_dashboard_and_the_channels_are_exported():
    plan = plan_of("gcp-prod")
    outputs = plan.redacted_outputs()
    assert outputs["dashboard_id"] == mock_id("agent-dashboard", "gcp:monitoring/dashboard:Dashboard")
    assert outputs["alarm_channel_ids"] == [mock_id("agent-alarms-notify-0",
                                                    "gcp:monitoring/notificationChannel:NotificationChannel")]


def test_alarms_can_be_turned_off_in_dev():
    plan = plan_of("gcp-dev", "alarms.enabled=false")
    assert not plan.by_type(POLICY)


# Dashboard --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_the_dashboard_has_every_panel_and_charts_only_the_stacks_metrics(stack):
    plan = plan_of(stack)
    body = json.loads(plan.one("gcp:monitoring/dashboard:Dashboard").inputs["dashboardJson"])
    assert body["displayName"] == f"langgraph-{stack}"
    tiles = body["mosaicLayout"]["tiles"]
    titles = [t["widget"]["title"].split(":")[0] for t in tiles]
    for panel in ("Traffic", "Errors", "Latency", "Instances", "Queue depth", "Workers", "Database", "Cache"):
        assert panel in titles, panel
    own = names(plan, stack)
    published = {collector.metric_type(m) for m in observability.CLOUD_METRICS.values()}
    for tile in tiles:
        for data in tile["widget"]["xyChart"]["dataSets"]:
            query = data["timeSeriesQuery"]["timeSeriesFilter"]["filter"]
            for label, value in LABEL.findall(query):
                assert label == "response_code_class" or value == own[label], (tile["widget"]["title"], label)
            metric = re.search(r'metric.type="([^"]+)"', query)[1]
            if metric.startswith("workload.googleapis.com/"):
                assert metric in published, metric
