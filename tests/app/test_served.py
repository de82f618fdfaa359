"""The app served for real by `langgraph dev` (langgraph-cli[inmem]) and driven with the official langgraph_sdk client.

The server runs from a copy of app/ made the way the image's build context is (no .env, no caches), so a developer's
local keys never reach it, and its proxies point at a loopback trap that records any outbound request. It requires an
API key like a deployment does (one identity here; authentication and isolation are tested in test_auth.py).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from tests.app.agent_servers import APP_DIR, DevServer, free_port, new_api_key, start_dev_server

GRAPH_ID = "agent"
API_KEY = new_api_key()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = start_dev_server(tmp_path_factory.mktemp("served"), "one API key", AGENT_API_KEYS=f"ci:{API_KEY}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(served: DevServer) -> SyncLangGraphClient:
    return get_sync_client(url=served.url, api_key=API_KEY)


def user(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def test_the_graph_is_served_as_assistant_agent(client: SyncLangGraphClient) -> None:
    assistants = client.assistants.search(graph_id=GRAPH_ID)
    assert [a["graph_id"] for a in assistants] == [GRAPH_ID]
    assert client.assistants.get(assistants[0]["assistant_id"])["name"] == GRAPH_ID
    schema = client.assistants.get_schemas(assistants[0]["assistant_id"])
    assert "messages" in schema["state_schema"]["properties"]


def test_a_thread_keeps_both_turns(client: SyncLangGraphClient) -> None:
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH_ID, input=user("My name is Ada."))
    client.runs.wait(thread_id, GRAPH_ID, input=user("Do you remember me?"))
    messages = client.threads.get_state(thread_id)["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "human", "ai"]
    assert [messages[0]["content"], messages[2]["content"]] == ["My name is Ada.", "Do you remember me?"]
    assert "your first was 'My name is Ada.'" in messages[3]["content"]


def test_a_streamed_run_shows_the_tool_loop(client: SyncLangGraphClient) -> None:
    thread_id = client.threads.create()["thread_id"]
    parts = list(client.runs.stream(thread_id, GRAPH_ID, input=user("What is (17 + 25) * 3?"), stream_mode="values"))
    assert parts[0].event == "metadata"
    snapshots = [[m["type"] for m in part.data["messages"]] for part in parts if part.event == "values"]
    assert snapshots == [["human"], ["human", "ai"], ["human", "ai", "tool"], ["human", "ai", "tool", "ai"]]
    final = [part.data for part in parts if part.event == "values"][-1]["messages"]
    assert final[1]["tool_calls"][0]["name"] == "calculator" and final[2]["content"] == "126"
    assert "= 126" in final[3]["content"]


def test_a_streamed_run_emits_each_message_with_its_node(client: SyncLangGraphClient) -> None:
    thread_id = client.threads.create()["thread_id"]
    parts = list(client.runs.stream(thread_id, GRAPH_ID, input=user("What time is it?"), stream_mode="messages-tuple"))
    messages = [(part.data[0], part.data[1]["langgraph_node"]) for part in parts if part.event == "messages"]
    assert [(m["type"], node) for m, node in messages] == [("ai", "model"), ("tool", "tools"), ("ai", "model")]
    (call, _), (tool, _), (answer, _) = messages
    assert call["tool_calls"][0]["name"] == "current_utc_time"
    assert answer["content"].endswith(f"The current UTC time is {tool['content']}.")


def test_a_background_run_joins_to_success(client: SyncLangGraphClient) -> None:
    thread_id = client.threads.create()["thread_id"]
    run = client.runs.create(thread_id, GRAPH_ID, input=user("What is 2 ** 10?"))
    state = client.runs.join(thread_id, run["run_id"])
    assert client.runs.get(thread_id, run["run_id"])["status"] == "success"
    assert state["messages"][-1]["content"].endswith("2 ** 10 = 1024.")


def test_a_stateless_run_answers_without_a_thread(client: SyncLangGraphClient) -> None:
    marker = f"stateless-{uuid.uuid4()}"
    result = client.runs.wait(None, GRAPH_ID, input=user(marker))
    assert [m["type"] for m in result["messages"]] == ["human", "ai"]
    assert marker in result["messages"][-1]["content"]
    assert not client.threads.search(metadata={"marker": marker})


def test_the_server_sent_nothing_off_the_machine(served: DevServer) -> None:
    assert served.trap.requests == [], f"outbound requests attempted: {served.trap.requests}"


def run_smoke(url: str, timeout: str = "30", **env: str):  # noqa: ANN201 - subprocess.CompletedProcess[str]
    import subprocess  # noqa: PLC0415

    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("AGENT_")}
    return subprocess.run([sys.executable, "scripts/smoke.py", url, "--timeout", timeout],
                          cwd=APP_DIR.parent, capture_output=True, text=True, timeout=120, env={**base, **env})  # fmt: skip


def test_ci_smoke_script_passes_against_the_served_app(served: DevServer) -> None:
    result = run_smoke(served.url, AGENT_API_KEY=API_KEY)
    assert result.returncode == 0, result.stderr
    assert "smoke test passed" in result.stdout
    assert API_KEY not in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["", "not-the-key-" + "x" * 32], ids=["no key", "wrong key"])
def test_ci_smoke_script_fails_clearly_without_the_right_key(served: DevServer, key: str) -> None:
    result = run_smoke(served.url, AGENT_API_KEY=key)
    assert result.returncode == 1
    assert "smoke test failed" in result.stderr and "401" in result.stderr and "AGENT_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert API_KEY not in result.stdout + result.stderr and (not key or key not in result.stdout + result.stderr)


def test_ci_smoke_script_takes_the_ci_key_from_the_whole_secret(served: DevServer) -> None:
    """CI puts the AGENT_API_KEYS secret's value in the environment; the script picks the `ci` identity's key."""
    keys = f"ops:{'o' * 40},ci/2:{API_KEY}"
    result = run_smoke(served.url, AGENT_API_KEYS=keys)
    assert result.returncode == 0, result.stderr
    assert API_KEY not in result.stdout + result.stderr and "o" * 40 not in result.stdout + result.stderr


def test_ci_smoke_script_names_a_missing_identity_without_printing_keys(served: DevServer) -> None:
    result = run_smoke(served.url, AGENT_API_KEYS=f"ops:{API_KEY}")
    assert result.returncode == 1 and "no key for identity 'ci'" in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_ci_smoke_script_fails_clearly_when_nothing_serves() -> None:
    result = run_smoke(f"http://127.0.0.1:{free_port()}", timeout="3", AGENT_API_KEY=API_KEY)
    assert result.returncode == 1
    assert "smoke test failed" in result.stderr and "Traceback" not in result.stderr
