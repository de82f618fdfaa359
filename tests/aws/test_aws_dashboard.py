"""The stack's CloudWatch dashboard: every panel an on-call engineer needs, and every metric it draws is a real metric
of this stack (the dimension values are the stack's own resources; the server metrics are the ones its collector
publishes, with the dimensions it publishes them under)."""

from __future__ import annotations

import json

import pytest
import yaml

from langgraph_infra import contract
from langgraph_infra.derive.connections import max_connections
from tests.aws.test_aws_alarms import ALARM, created_dimension_values, stack_config
from tests.conftest import plan_of

# The AWS metrics the panels may draw: each is documented by its service for these dimensions.
AWS_METRICS = {
    "AWS/ApplicationELB": {"RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count",
                           "HTTPCode_Target_4XX_Count", "TargetResponseTime", "HealthyHostCount"},
    "ECS/ContainerInsights": {"RunningTaskCount"},
    "AWS/RDS": {"CPUUtilization", "DatabaseConnections", "FreeStorageSpace"},
    "AWS/ElastiCache": {"DatabaseMemoryUsagePercentage", "Evictions", "CurrConnections"},
}


def body(plan) -> dict:
    return json.loads(plan.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])


def metric_rows(plan) -> list[tuple[str, str, dict]]:
    rows = []
    for widget in body(plan)["widgets"]:
        for row in widget["properties"].get("metrics", []):
            plain = [x for x in row if not isinstance(x, dict)]
            namespace, name, *dims = plain
            rows.append((namespace, name, dict(zip(dims[::2], dims[1::2], strict=True))))
    return rows


def published(plan) -> dict[str, list[set[str]]]:
    """Server metric -> the dimension sets the collector's EMF exporter publishes it under."""
    task = plan.one("aws:ecs/taskDefinition:TaskDefinition", "agent-service-api")
    [sidecar] = [c for c in json.loads(task.inputs["containerDefinitions"]) if c["name"] == "otel-collector"]
    emf = yaml.safe_load(sidecar["environment"][0]["value"])["exporters"]["awsemf"]
    found: dict[str, list[set[str]]] = {}
    for declaration in emf["metric_declarations"]:
        for name in declaration["metric_name_selectors"]:
            found.setdefault(name, []).extend(set(d) for d in declaration["dimensions"])
    return found


def labels_by_role(plan) -> list[dict[str, str]]:
    """The labels each role's collector adds to the server's series (the metrics' dimension values)."""
    found = []
    for role in ("api", "queue"):
        task = plan.one("aws:ecs/taskDefinition:TaskDefinition", f"agent-service-{role}")
        [sidecar] = [c for c in json.loads(task.inputs["containerDefinitions"]) if c["name"] == "otel-collector"]
        config = yaml.safe_load(sidecar["environment"][0]["value"])
        [job] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
        found.append(job["static_configs"][0]["labels"])
    return found


def labels(plan) -> dict[str, str]:
    """The labels every collector adds alike (the stack)."""
    api, queue = labels_by_role(plan)
    return dict(api.items() & queue.items())


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_dashboard_has_every_panel_an_operator_opens_first(stack):
    plan = plan_of(stack)
    assert plan.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardName"] == f"langgraph-{stack}"
    titles = [w["properties"]["title"].split(":")[0] for w in body(plan)["widgets"]]
    for panel in ("Alarms", "Traffic", "Errors", "Latency", "Tasks", "Queue depth", "Workers", "Database", "Cache"):
        assert panel in titles, panel


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_metric_drawn_is_a_real_metric_of_this_stack(stack):
    plan = plan_of(stack)
    known = created_dimension_values(plan, stack)
    server = published(plan)
    rows = metric_rows(plan)
    assert len(rows) >= 20
    for namespace, name, dims in rows:
        if namespace == contract.METRIC_NAMESPACE:
            assert set(dims) in server.get(name, []), f"{name} {set(dims)} is not published by the collector"
            # The values are the labels the collectors put on what they scrape (the stack, a role).
            assert dims.items() <= labels(plan).items() or dims in labels_by_role(plan), (name, dims)
        else:
            assert dims and set(dims.values()) <= known, (name, dims)
            assert name in AWS_METRICS[namespace], (namespace, name)


def test_queue_depth_and_workers_are_drawn_from_the_collectors_metrics():
    names = {name for namespace, name, _ in metric_rows(plan_of("prod")) if namespace == contract.METRIC_NAMESPACE}
    assert {contract.PENDING_RUNS_METRIC, "WorkersAvailable", "WorkersActive", "WorkersMax"} <= names


def test_the_alarm_panel_shows_exactly_the_stacks_alarms():
    plan = plan_of("prod")
    [panel] = [w for w in body(plan)["widgets"] if w["type"] == "alarm"]
    names = {r.inputs["name"] for r in plan.by_type(ALARM)}
    assert {arn.rsplit(":alarm:", 1)[1] for arn in panel["properties"]["alarms"]} == names


def test_the_connections_panel_draws_the_stacks_budget():
    cfg = stack_config("prod")
    [panel] = [w for w in body(plan_of("prod"))["widgets"] if w["properties"]["title"].startswith("Database: CPU")]
    [line] = panel["properties"]["annotations"]["horizontal"]
    assert line["value"] == max_connections(cfg) - cfg.postgres.connection_reserve


def test_panels_do_not_overlap():
    cells = set()
    for w in body(plan_of("prod"))["widgets"]:
        cell = (w["x"], w["y"])
        assert cell not in cells and w["x"] + w["width"] <= 24
        cells.add(cell)


def test_without_alarms_the_dashboard_remains():
    plan = plan_of("dev", "alarms.enabled=false")
    assert [w for w in body(plan)["widgets"] if w["type"] == "alarm"] == []
    assert plan.redacted_outputs()["dashboard_name"] == "langgraph-dev"
