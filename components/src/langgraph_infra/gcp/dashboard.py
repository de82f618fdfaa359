"""Dashboard: one Cloud Monitoring dashboard per stack with the panels of the AWS one: traffic, errors, latency,
instances, queue depth, workers, database and cache, every chart filtered to the stack's own resources. The API's
four panels read the runtime's signals (Cloud Run's service, or GKE's load balancer and Deployment: `api_panels`),
the same ones its alarms read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from .. import contract
from .alarms import (
    GkeApi,
    Names,
    cloud_run_filter,
    lb_filter,
    redis_filter,
    replicas_promql,
    server_filter,
    sql_filter,
)

TYPE = "langgraph-infra:gcp:Dashboard"
COLUMNS = 2
WIDTH, HEIGHT = 6, 4


@dataclass
class DashboardArgs:
    """The names of what the dashboard charts: all of them the stack's own."""

    name: str
    """The dashboard's display name (e.g. `langgraph-gcp-prod`)."""
    stack: str
    """The `Stack` label of the server metrics."""
    project: str
    """The project of the charted resources."""
    region: str
    """The region of the Memorystore instance."""
    api_service_name: pulumi.Input[str]
    """The API's Cloud Run service (on GKE, its Kubernetes Service)."""
    queue_worker_pool_name: pulumi.Input[str]
    """The queue's Cloud Run worker pool (on GKE, its Deployment)."""
    db_instance_name: pulumi.Input[str]
    """The Cloud SQL instance."""
    redis_instance_name: pulumi.Input[str]
    """The Memorystore instance."""
    gke: GkeApi | None = None
    """The API on GKE: its panels then chart the Gateway's load balancer and the Deployment's replicas (and
    `api_service_name` is the Kubernetes Service). Default: none, Cloud Run."""


def _chart(title: str, series: list[tuple[str, str, str]]) -> dict[str, Any]:
    """An xy chart of (filter, per-series aligner, cross-series reducer) lines."""
    return {"title": title, "xyChart": {"dataSets": [{
        "plotType": "LINE",
        "timeSeriesQuery": {"timeSeriesFilter": {"filter": f, "aggregation": {
            "alignmentPeriod": "60s", "perSeriesAligner": aligner, "crossSeriesReducer": reducer}}},
    } for f, aligner, reducer in series]}}


def _promql_chart(title: str, queries: list[str]) -> dict[str, Any]:
    return {"title": title, "xyChart": {"dataSets": [
        {"plotType": "LINE", "timeSeriesQuery": {"prometheusQuery": query}} for query in queries]}}


PERCENTILES = ("ALIGN_PERCENTILE_50", "ALIGN_PERCENTILE_95", "ALIGN_PERCENTILE_99")


def api_panels(a: DashboardArgs, n: Names) -> list[dict[str, Any]]:
    """Traffic, errors, latency and instances of the API, from its runtime's own signals."""
    if a.gke:
        g = a.gke
        requests = lb_filter("request_count", g)
        return [
            _chart("Traffic: requests per second", [(requests, "ALIGN_RATE", "REDUCE_SUM")]),
            # The load balancer's response_code_class is a number: 500 for every 5xx.
            _chart("Errors: 5xx responses per second", [
                (f"{requests} AND metric.label.response_code_class=500", "ALIGN_RATE", "REDUCE_SUM")]),
            _chart("Latency: p50 / p95 / p99 at the load balancer's backend (ms)", [
                (lb_filter("backend_latencies", g), aligner, "REDUCE_MAX") for aligner in PERCENTILES]),
            _promql_chart("Instances: API pods available", [f"sum({replicas_promql(g)})"]),
        ]
    run = n.api_service
    return [
        _chart("Traffic: requests per second", [
            (cloud_run_filter("run.googleapis.com/request_count", run), "ALIGN_RATE", "REDUCE_SUM")]),
        _chart("Errors: 5xx responses per second", [
            (cloud_run_filter("run.googleapis.com/request_count", run) + ' AND metric.label.response_code_class="5xx"',
             "ALIGN_RATE", "REDUCE_SUM")]),
        _chart("Latency: p50 / p95 / p99 (ms)", [
            (cloud_run_filter("run.googleapis.com/request_latencies", run), aligner, "REDUCE_MAX")
            for aligner in PERCENTILES]),
        _chart("Instances: API", [
            (cloud_run_filter("run.googleapis.com/container/instance_count", run), "ALIGN_MAX", "REDUCE_SUM")]),
    ]


def widgets(a: DashboardArgs, n: Names, queue_pool: str) -> list[dict[str, Any]]:
    sql = a.project, n.db_instance
    redis = a.project, a.region, n.redis_instance
    return [
        *api_panels(a, n),
        _chart("Queue depth: runs pending and running", [
            (server_filter(contract.PENDING_RUNS_METRIC, a.stack), "ALIGN_MAX", "REDUCE_MAX"),
            (server_filter("RunningRuns", a.stack), "ALIGN_MAX", "REDUCE_MAX")]),
        _chart(f"Workers: job slots of {queue_pool}", [
            (server_filter(metric, a.stack), "ALIGN_MEAN", "REDUCE_SUM")
            for metric in ("WorkersMax", "WorkersActive", "WorkersAvailable")]),
        _chart("Database: CPU and connections", [
            (sql_filter("cpu/utilization", *sql), "ALIGN_MEAN", "REDUCE_MAX"),
            (sql_filter("postgresql/num_backends", *sql), "ALIGN_MAX", "REDUCE_SUM")]),
        _chart("Database: disk utilization", [(sql_filter("disk/utilization", *sql), "ALIGN_MAX", "REDUCE_MAX")]),
        _chart("Cache: memory used", [(redis_filter("stats/memory/usage_ratio", *redis), "ALIGN_MAX", "REDUCE_MAX")]),
        _chart("Cache: evicted keys", [(redis_filter("stats/evicted_keys", *redis), "ALIGN_DELTA", "REDUCE_SUM")]),
    ]


def dashboard_json(a: DashboardArgs, n: Names, queue_pool: str) -> str:
    tiles = [{"xPos": (i % COLUMNS) * WIDTH, "yPos": (i // COLUMNS) * HEIGHT, "width": WIDTH, "height": HEIGHT,
              "widget": w} for i, w in enumerate(widgets(a, n, queue_pool))]
    return json.dumps({"displayName": a.name, "mosaicLayout": {"columns": COLUMNS * WIDTH, "tiles": tiles}},
                      sort_keys=True)


class Dashboard(pulumi.ComponentResource):
    """Outputs: `dashboard_id`."""

    dashboard_id: pulumi.Output[str]

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        body = pulumi.Output.all(args.api_service_name, args.db_instance_name, args.redis_instance_name,
                                 args.queue_worker_pool_name).apply(
            lambda v: dashboard_json(args, Names(api_service=v[0], db_instance=v[1], redis_instance=v[2]), v[3]))
        dashboard = gcp.monitoring.Dashboard(name, dashboard_json=body, opts=pulumi.ResourceOptions(parent=self))
        self.dashboard_id = dashboard.id
        self.register_outputs({"dashboard_id": self.dashboard_id})
