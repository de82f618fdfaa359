"""What the Agent Server exposes for the metrics pipeline, read from the real servers (the evidence behind
langgraph_infra.observability's collector configuration).

- `langgraph dev` runs langgraph-api 0.16.7, the image's version, on its in-memory runtime, which starts the server's
  metrics reporter and its collector loop: its `/metrics` is the Prometheus text the sidecar collector scrapes.
- The queue worker (`langgraph_api.queue_entrypoint`, langgraph-runtime-pg with langgraph-api 0.11.1) serves
  `/metrics` on its health port, the same `PORT` the collector scrapes in a queue replica.

Queue depth (`lg_api_num_pending_runs`) is recorded only by the API process of the licensed Postgres runtime (the
runtime's Go core reads it from the run table; `metrics_collector.py` skips it on the in-memory runtime and the
queue worker), so it cannot appear here; the JSON form of `/metrics` shows the same figure (`queue.n_pending`), and
the collector renames the Prometheus series to the contract's `PendingRuns`.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from langgraph_sdk import get_sync_client
from prometheus_client.parser import text_string_to_metric_families

from langgraph_infra import contract, observability
from tests.app.agent_servers import DevServer, new_api_key, start_dev_server
from tests.app.test_data_tier import (  # noqa: F401 - pytest fixtures of the Postgres + Redis servers
    AgentServerFactory,
    postgres,
    redis,
    runtime_pg_python,
    servers,
    trap,
)

API_KEY = new_api_key()


def scrape(url: str) -> dict[str, list]:
    """GET url/metrics and parse it with prometheus_client's own parser: family name -> samples."""
    with urllib.request.urlopen(f"{url}{observability.METRICS_PATH}", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def sample_names(families: dict[str, list]) -> set[str]:
    return {sample.name for samples in families.values() for sample in samples}


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = start_dev_server(tmp_path_factory.mktemp("metrics"), "metrics", AGENT_API_KEYS=f"ci:{API_KEY}")
    yield server
    server.stop()


def test_the_api_serves_the_http_and_worker_series_the_collector_keeps(dev_server: DevServer) -> None:
    client = get_sync_client(url=dev_server.url, api_key=API_KEY)
    client.assistants.search()
    names = sample_names(scrape(dev_server.url))
    assert "lg_api_http_requests_total" in names
    # One process with in-process workers (the queue role's shape): the worker gauges the alarms read.
    assert {"lg_api_workers_max", "lg_api_workers_active", "lg_api_workers_available"} <= names
    # Every series the collector keeps is really served, but the queue depth (the licensed runtime's API only).
    licensed_only = {"lg_api_num_pending_runs", "lg_api_num_running_runs"}
    assert set(observability.CLOUD_METRICS) - licensed_only <= names


def test_the_worker_gauges_count_the_configured_jobs(dev_server: DevServer) -> None:
    families = scrape(dev_server.url)
    [maximum] = [s.value for s in families["lg_api_workers_max"]]
    [available] = [s.value for s in families["lg_api_workers_available"]]
    assert maximum >= 1 and 0 <= available <= maximum


def test_queue_depth_is_served_as_json_where_prometheus_has_it_only_on_the_licensed_runtime(
        dev_server: DevServer) -> None:
    with urllib.request.urlopen(f"{dev_server.url}/metrics?format=json", timeout=10) as response:
        stats = json.load(response)
    assert {"n_pending", "n_running"} <= set(stats["queue"])
    assert "lg_api_num_pending_runs" not in sample_names(scrape(dev_server.url))
    assert observability.CLOUD_METRICS["lg_api_num_pending_runs"] == contract.PENDING_RUNS_METRIC


def test_the_queue_workers_health_port_serves_prometheus_metrics(servers: AgentServerFactory) -> None:  # noqa: F811
    # The collector of a queue replica scrapes this port and path: it answers Prometheus text a parser reads.
    _, url = servers.start("queue", n_jobs_per_worker=1)
    families = scrape(url)
    assert families, "the queue worker's /metrics served no metric family"
