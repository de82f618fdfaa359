"""A JavaScript LangGraph app served for real: tests/app/js_app (`node_version` in langgraph.json) on LangChain's JS
Agent Server (`langgraphjs dev`, @langchain/langgraph-cli and -api pinned in js_app/package-lock.json, installed by
`make setup-test` with `npm ci`), driven by the Python `langgraph_sdk` as any client would.

The JS dev server runs in memory (the production JS image runs the same API on Postgres and Redis); what this shows
is that a JS app's graphs, threads and runs work through the API the stacks expose, that the container health check
the stacks give JS images (`node -e "fetch(...)"`, contract.health_check_command) passes against it and fails
against nothing, and that its Dockerfile comes from the real CLI code on the JS base image.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from langgraph_infra import contract
from langgraph_infra.dockerfile import generate
from tests.app.agent_servers import ManagedProcess, OutboundTrap, free_port, http_ok, record_startup, server_env

APP = Path(__file__).parent / "js_app"
DEV = APP / "node_modules" / ".bin" / "langgraphjs"


@pytest.fixture(scope="module")
def js_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SyncLangGraphClient, int]]:
    if not DEV.exists():
        pytest.fail(f"{DEV} is missing: run `make setup-test` (npm ci in tests/app/js_app)")
    if shutil.which("node") is None:
        pytest.fail("node is missing: install Node.js 20 or later (the JS image's runtime)")
    # A copy of the app (its node_modules linked), so the server's local state stays out of the repository.
    workdir = tmp_path_factory.mktemp("js-app")
    app = workdir / "app"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("node_modules"))
    (app / "node_modules").symlink_to(APP / "node_modules")
    port = free_port()
    trap = OutboundTrap()
    process = ManagedProcess(
        "langgraphjs dev", [str(DEV), "dev", "--no-browser", "--port", str(port), "--host", "127.0.0.1"],
        log_path=workdir / "langgraphjs-dev.log", cwd=app,
        env=server_env(LANGSMITH_TRACING="false", LANGCHAIN_TRACING_V2="false", **trap.proxy_env),
    ).start()  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        record_startup("langgraphjs dev (JS, in memory)", process.wait_until(lambda: http_ok(f"{url}/ok"), "GET /ok"))
        yield get_sync_client(url=url, api_key=None), port
        assert trap.requests == [], f"the JS server attempted outbound requests: {trap.requests}"
    finally:
        process.stop()
        trap.close()


def test_the_js_graph_is_registered_under_its_langgraph_json_name(js_server) -> None:
    client, _ = js_server
    assert [a["graph_id"] for a in client.assistants.search(graph_id="echo")] == ["echo"]


def test_a_thread_keeps_its_state_across_two_runs(js_server) -> None:
    client, _ = js_server
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, "echo", input={"text": "one"})
    state = client.runs.wait(thread_id, "echo", input={"text": "two"})
    assert state["count"] == 2 and state["echo"] == "echo: two", state


def test_a_background_run_and_a_stream_complete(js_server) -> None:
    client, _ = js_server
    thread_id = client.threads.create()["thread_id"]
    run = client.runs.create(thread_id, "echo", input={"text": "queued"})
    client.runs.join(thread_id, run["run_id"])
    assert client.runs.get(thread_id, run["run_id"])["status"] == "success"
    events = [part.event for part in client.runs.stream(thread_id, "echo", input={"text": "streamed"},
                                                        stream_mode="values")]  # fmt: skip
    assert events[0] == "metadata" and "values" in events and "error" not in events, events


def _health_check(port: int) -> int:
    argv = contract.health_check_command(runtime=contract.Runtime.JS)
    assert argv[:3] == ["CMD", "node", "-e"], argv
    script = argv[3].replace(f":{contract.PORT}/", f":{port}/")
    assert f":{port}/" in script, script
    return subprocess.run(["node", "-e", script], timeout=30).returncode


def test_the_stacks_js_health_check_passes_on_the_js_server_and_fails_without_it(js_server) -> None:
    _, port = js_server
    assert _health_check(port) == 0
    assert _health_check(free_port()) != 0


def test_its_dockerfile_comes_from_the_real_cli_on_the_js_base_image() -> None:
    text = generate(APP / "langgraph.json").text
    assert text.startswith("FROM langchain/langgraphjs-api:20"), text.splitlines()[0]
    assert '"echo"' in text and "./src/graph.js:graph" in text, text
