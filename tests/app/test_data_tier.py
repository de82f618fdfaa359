"""The app on a real PostgreSQL and Redis, configured the way the cloud stacks configure the container.

The Agent Server here is langgraph-api with langgraph-runtime-pg (edition "pg", MIT, from .venv-runtime-pg), started
by scripts/serve-runtime-pg.sh exactly as an operator would: with POSTGRES_URI and REDIS_URI in the stacks' formats
(postgres://USER:PASSWORD@HOST:PORT/langgraph?sslmode=..., redis://:TOKEN@HOST:PORT), PORT and N_JOBS_PER_WORKER.
PostgreSQL and Redis are real servers started for this module on loopback ports the OS hands out.

The app's auth (LANGGRAPH_AUTH, as the generated Dockerfile sets it from app/langgraph.json) is on where threads are
checked: owners persist in Postgres and a restarted server still wants a key. The tests that execute runs serve
without custom auth, because langgraph-runtime-pg 0.11.1 stores a run's configuration with the standard JSON encoder
and fails (500) on the authenticated user object langgraph-api 0.11.1 puts there; the licensed runtime in the image
does not, and tests/app/test_auth.py covers runs with auth on the in-memory runtime.
"""

from __future__ import annotations

import json
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import AuthenticationError

from tests.app.agent_servers import (
    APP_DIR,
    REPO_ROOT,
    RUNTIME_PG_VENV,
    ManagedProcess,
    OutboundTrap,
    PostgresServer,
    RedisServer,
    free_port,
    http_ok,
    new_api_key,
    python_of,
    record_startup,
    server_env,
)

GRAPH_ID = "agent"
SERVE = REPO_ROOT / "scripts" / "serve-runtime-pg.sh"
API_KEY = new_api_key()
# What the image's ENV LANGGRAPH_AUTH holds, with the path relative to app/ (the script's working directory).
LANGGRAPH_AUTH = json.dumps(json.loads((APP_DIR / "langgraph.json").read_text())["auth"])


def client_for(url: str) -> SyncLangGraphClient:
    return get_sync_client(url=url, api_key=API_KEY)


@pytest.fixture(scope="module")
def runtime_pg_python() -> Path:
    python = python_of(RUNTIME_PG_VENV)
    if not python.exists():
        pytest.fail(f"{python} is missing: run scripts/setup-runtime-pg.sh (creates .venv-runtime-pg)")
    return python


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def trap() -> Iterator[OutboundTrap]:
    trap = OutboundTrap()
    yield trap
    trap.close()


@dataclass
class AgentServerFactory:
    """Starts scripts/serve-runtime-pg.sh processes against the module's Postgres and Redis; stops them all after."""

    postgres: PostgresServer
    redis: RedisServer
    trap: OutboundTrap
    logs: Path
    started: list[ManagedProcess]

    def start(
        self, role: str, *, n_jobs_per_worker: int, auth: bool = False, **app_env: str
    ) -> tuple[ManagedProcess, str]:
        port = free_port()
        auth_env = {"LANGGRAPH_AUTH": LANGGRAPH_AUTH, "AGENT_API_KEYS": f"ci:{API_KEY}"} if auth else {}
        env = server_env(
            POSTGRES_URI=self.postgres.uri,
            DATABASE_URI="",  # unset: the server must work from the name the stacks set
            REDIS_URI=self.redis.uri,
            PORT=str(port),
            N_JOBS_PER_WORKER=str(n_jobs_per_worker),
            BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS="5",
            **auth_env,
            **app_env,
            **self.trap.proxy_env,
        )
        name = f"agent server ({role}, N_JOBS_PER_WORKER={n_jobs_per_worker})"
        process = ManagedProcess(
            name, ["bash", str(SERVE), role], log_path=self.logs / f"{role}-{len(self.started)}.log", env=env
        ).start()
        self.started.append(process)
        url = f"http://127.0.0.1:{port}"
        record_startup(f"{name} on Postgres + Redis", process.wait_until(lambda: http_ok(f"{url}/ok"), "GET /ok"))
        return process, url


@pytest.fixture
def servers(
    runtime_pg_python: Path,
    postgres: PostgresServer,
    redis: RedisServer,
    trap: OutboundTrap,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AgentServerFactory]:
    # Per test: no server of an earlier test may take jobs from the shared Postgres queue.
    factory = AgentServerFactory(postgres, redis, trap, tmp_path_factory.mktemp("agent-server-logs"), [])
    yield factory
    for process in factory.started:
        process.stop()


def user(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def rows_in_postgres(python: Path, uri: str, table: str, thread_id: str) -> int:
    """Count ``table`` rows of a thread by querying Postgres directly, not through the server."""
    query = f"select count(*) from {table} where thread_id::text = %s"
    script = "import psycopg, sys\nwith psycopg.connect(sys.argv[1]) as c: print(c.execute(sys.argv[2], (sys.argv[3],)).fetchone()[0])"
    result = subprocess.run(
        [str(python), "-c", script, uri, query, thread_id], capture_output=True, text=True, timeout=60, check=True
    )
    return int(result.stdout)


def test_thread_state_survives_a_server_restart(servers: AgentServerFactory, runtime_pg_python: Path) -> None:
    first, url = servers.start("api", n_jobs_per_worker=2)
    client = client_for(url)
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH_ID, input=user("My name is Ada."))
    client.runs.wait(thread_id, GRAPH_ID, input=user("What is 6 * 7?"))
    # uvicorn finishes its shutdown, then re-raises the SIGTERM it caught: -15 after a clean shutdown.
    assert first.stop() in (0, -signal.SIGTERM), first.log_tail()
    assert "Application shutdown complete" in first.log_tail(), first.log_tail()

    assert rows_in_postgres(runtime_pg_python, servers.postgres.uri, "threads", thread_id) == 1
    assert rows_in_postgres(runtime_pg_python, servers.postgres.uri, "checkpoints", thread_id) > 0

    _, url = servers.start("api", n_jobs_per_worker=2)
    client = client_for(url)
    messages = client.threads.get_state(thread_id)["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "human", "ai", "tool", "ai"]
    assert [messages[0]["content"], messages[2]["content"]] == ["My name is Ada.", "What is 6 * 7?"]
    assert messages[-1]["content"].endswith("6 * 7 = 42.")

    state = client.runs.wait(thread_id, GRAPH_ID, input=user("Still there?"))
    assert "message 3 from you; your first was 'My name is Ada.'" in state["messages"][-1]["content"]


def test_a_thread_owner_survives_a_restart_and_the_server_still_wants_a_key(
        servers: AgentServerFactory, runtime_pg_python: Path) -> None:
    first, url = servers.start("api", n_jobs_per_worker=0, auth=True)
    thread_id = client_for(url).threads.create()["thread_id"]
    with pytest.raises(AuthenticationError):
        get_sync_client(url=url, api_key=None).threads.get(thread_id)
    first.stop()
    assert rows_in_postgres(runtime_pg_python, servers.postgres.uri, "threads", thread_id) == 1

    _, url = servers.start("api", n_jobs_per_worker=0, auth=True)
    assert client_for(url).threads.get(thread_id)["metadata"]["owner"] == "ci"
    with pytest.raises(AuthenticationError):
        get_sync_client(url=url, api_key=None).threads.get(thread_id)


def test_a_key_sent_in_the_query_string_is_refused_and_redacted_from_the_access_log(
    servers: AgentServerFactory,
) -> None:
    # langgraph-api 0.11.1 on Postgres: the auth handler redacts the scope the access log prints. (Run this way, with
    # no logging configuration, the server writes only its WARNING lines, the 4xx among them; tests/app/test_auth.py
    # checks the 2xx lines and the meta routes with the access log at INFO.)
    process, url = servers.start("api", n_jobs_per_worker=0, auth=True)
    marker = f"probe-{uuid.uuid4().hex}"
    headers = {"x-api-key": API_KEY}
    for parameter in ("api_key", "x-api-key", "access_token"):
        url_with_key = f"{url}/threads/{uuid.uuid4()}?m={marker}&{parameter}={API_KEY}"
        assert httpx.get(url_with_key, headers=headers, timeout=30).status_code == 401
    process.wait_until(lambda: process.log_path.read_text(errors="replace").count(marker) >= 3, "access-log lines")
    log = process.log_path.read_text(errors="replace")
    assert API_KEY not in log and log.count("=REDACTED") >= 3


def test_api_and_queue_worker_split_as_in_production(servers: AgentServerFactory) -> None:
    # The API takes no jobs itself (N_JOBS_PER_WORKER=0), so a run it accepts waits in the Postgres queue until a
    # queue worker, a separate process with its own health server, picks it up.
    _, api_url = servers.start("api", n_jobs_per_worker=0)
    client = client_for(api_url)
    thread_id = client.threads.create()["thread_id"]
    queued = client.runs.create(thread_id, GRAPH_ID, input=user("What is 2 ** 10?"))
    assert client.runs.get(thread_id, queued["run_id"])["status"] == "pending"

    servers.start("queue", n_jobs_per_worker=2)
    state = client.runs.join(thread_id, queued["run_id"])
    assert client.runs.get(thread_id, queued["run_id"])["status"] == "success"
    assert state["messages"][-1]["content"].endswith("2 ** 10 = 1024.")


def test_a_run_on_the_worker_streams_through_the_api(servers: AgentServerFactory) -> None:
    client = api_with_worker(servers)
    thread_id = client.threads.create()["thread_id"]
    parts = list(client.runs.stream(thread_id, GRAPH_ID, input=user("What is (17 + 25) * 3?"), stream_mode="values"))
    snapshots = [[m["type"] for m in part.data["messages"]] for part in parts if part.event == "values"]
    assert snapshots[-1] == ["human", "ai", "tool", "ai"]
    assert parts[-1].data["messages"][-1]["content"].endswith("(17 + 25) * 3 = 126.")


def test_the_servers_sent_nothing_off_the_machine(trap: OutboundTrap) -> None:
    assert trap.requests == [], f"outbound requests attempted: {trap.requests}"


def api_with_worker(servers: AgentServerFactory) -> SyncLangGraphClient:
    """An API server (no jobs of its own) and a queue worker, both on the module's Postgres and Redis."""
    _, api_url = servers.start("api", n_jobs_per_worker=0)
    servers.start("queue", n_jobs_per_worker=2)
    return client_for(api_url)
