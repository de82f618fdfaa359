"""Dashboard: one CloudWatch dashboard per stack, what an on-call engineer opens first: traffic, errors, latency,
tasks, queue depth, workers, database and cache, and the state of the stack's alarms.

`dashboard_body` is a plain function of resolved names (tested for every metric it references); the component
resolves the stack's names and registers the dashboard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .. import contract, observability
from .alarms import WatchedResources

TYPE = "langgraph-infra:aws:Dashboard"
WIDTH = 12
HEIGHT = 6


@dataclass
class DashboardArgs:
    """The names of what the dashboard shows: all of them the stack's own."""

    name: str
    """The dashboard's name (e.g. `langgraph-prod`)."""
    region: str
    """The region of the metrics."""
    stack: str
    """The `Stack` dimension of the server metrics the collector publishes."""
    watched: WatchedResources
    """The load balancer, services, database and cache the panels chart (the alarms' too); the connection budget
    is drawn as a line on the connections panel."""
    alarm_arns: Sequence[pulumi.Input[str]] = field(default_factory=list)
    """Alarms whose state the dashboard's first panel shows. Default: none (no alarm panel)."""


@dataclass(frozen=True)
class Names:
    """`DashboardArgs` with every name resolved."""

    region: str
    stack: str
    load_balancer: str
    target_group: str
    cluster: str
    api_service: str
    queue_service: str
    db_instance: str
    cache_nodes: list[str]
    db_connection_budget: int
    alarm_arns: list[str]


def _metric(title: str, metrics: list[list[Any]], region: str, *, stat: str = "Sum", period: int = 60,
            annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"title": title, "region": region, "metrics": metrics, "stat": stat,
                                  "period": period, "view": "timeSeries", "stacked": False}
    if annotations:
        properties["annotations"] = {"horizontal": annotations}
    return {"type": "metric", "properties": properties}


def widgets(n: Names) -> list[dict[str, Any]]:
    """The panels, in reading order, without positions."""
    alb = ["AWS/ApplicationELB"]
    lb = ["LoadBalancer", n.load_balancer]
    ns = contract.METRIC_NAMESPACE
    stack = [contract.STACK_DIMENSION, n.stack]
    db = ["DBInstanceIdentifier", n.db_instance]
    panels: list[dict[str, Any]] = []
    if n.alarm_arns:
        panels.append({"type": "alarm", "properties": {"title": "Alarms", "alarms": n.alarm_arns}})
    panels += [
        _metric("Traffic: requests per minute", [
            [*alb, "RequestCount", *lb],
            [ns, "ServerHttpRequests", *stack, observability.ROLE_DIMENSION, contract.Role.API.value],
        ], n.region),
        _metric("Errors: 5xx and 4xx per minute", [
            [*alb, "HTTPCode_Target_5XX_Count", *lb], [*alb, "HTTPCode_ELB_5XX_Count", *lb],
            [*alb, "HTTPCode_Target_4XX_Count", *lb],
        ], n.region),
        _metric("Latency: time to response headers (s)", [
            [*alb, "TargetResponseTime", *lb, "TargetGroup", n.target_group, {"stat": stat, "label": stat}]
            for stat in ("p50", "p95", "p99")
        ], n.region, stat="p95"),
        _metric("Tasks: running and healthy", [
            ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", n.cluster, "ServiceName", n.api_service],
            ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", n.cluster, "ServiceName", n.queue_service],
            [*alb, "HealthyHostCount", *lb, "TargetGroup", n.target_group],
        ], n.region, stat="Minimum"),
        _metric("Queue depth: runs pending and running", [
            [ns, contract.PENDING_RUNS_METRIC, *stack], [ns, contract.RUNNING_RUNS_METRIC, *stack],
        ], n.region, stat="Maximum"),
        _metric("Workers: job slots per queue task (average)", [
            [ns, "WorkersMax", *stack], [ns, "WorkersActive", *stack], [ns, "WorkersAvailable", *stack],
        ], n.region, stat="Average"),
        _metric("Database: CPU (%) and connections", [
            ["AWS/RDS", "CPUUtilization", *db, {"stat": "Average"}],
            ["AWS/RDS", "DatabaseConnections", *db, {"stat": "Maximum", "yAxis": "right"}],
        ], n.region, stat="Average",
            annotations=[{"label": "connection budget", "value": n.db_connection_budget, "yAxis": "right"}]),
        _metric("Database: free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", *db]], n.region, stat="Minimum",
                period=300),
        _metric("Cache: memory used (%) per node", [
            ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", node] for node in n.cache_nodes
        ], n.region, stat="Maximum"),
        _metric("Cache: evictions and connections per node", [
            *(["AWS/ElastiCache", "Evictions", "CacheClusterId", node, {"stat": "Sum"}] for node in n.cache_nodes),
            *(["AWS/ElastiCache", "CurrConnections", "CacheClusterId", node, {"stat": "Maximum", "yAxis": "right"}]
              for node in n.cache_nodes),
        ], n.region, stat="Sum", period=300),
    ]
    return panels


def dashboard_body(n: Names) -> str:
    """The dashboard's JSON: the panels two per row."""
    placed = [{**w, "x": (i % 2) * WIDTH, "y": (i // 2) * HEIGHT, "width": WIDTH, "height": HEIGHT}
              for i, w in enumerate(widgets(n))]
    return json.dumps({"widgets": placed}, sort_keys=True)


class Dashboard(pulumi.ComponentResource):
    """Outputs: `dashboard_name`."""

    dashboard_name: pulumi.Output[str]

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        w = args.watched
        cache_count = len(w.cache_node_ids)
        body = pulumi.Output.all(
            w.load_balancer_arn_suffix, w.target_group_arn_suffix, w.cluster_name, w.api_service_name,
            w.queue_service_name, w.db_instance_id, *w.cache_node_ids, *args.alarm_arns,
        ).apply(lambda v: dashboard_body(Names(
            region=args.region, stack=args.stack, load_balancer=v[0], target_group=v[1], cluster=v[2],
            api_service=v[3], queue_service=v[4], db_instance=v[5], cache_nodes=list(v[6:6 + cache_count]),
            db_connection_budget=w.db_connection_budget, alarm_arns=list(v[6 + cache_count:]))))
        dashboard = aws.cloudwatch.Dashboard(name, dashboard_name=args.name, dashboard_body=body,
                                             opts=pulumi.ResourceOptions(parent=self))
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard_name": self.dashboard_name})
