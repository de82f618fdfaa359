"""A store with a semantic index (`store.index` in langgraph.json) served on PostgreSQL with pgvector and Redis.

tests/app/semantic_app declares `store.index` with a deterministic local `embed` function (no network), as a memory
agent would with a provider's model. The server (langgraph-api + langgraph-runtime-pg, API and queue worker split as
in production, scripts/serve-runtime-pg.sh) runs on PostgreSQL 16 with pgvector compiled for this CPU by
`make setup-test` (tests/app/test_pgvector.py) and on real Redis. The extension is created by the superuser before the server's role connects, as the stacks'
deploy-time bootstrap does on RDS and Cloud SQL: the role itself cannot create it.

langgraph-runtime-pg does not pass `store.index` to its store, so the app names the store the licensed runtime builds
(langgraph's AsyncPostgresStore with that index) through the server's custom-store hook (semantic_app/store.py); the
index still comes from langgraph.json, through the `LANGGRAPH_STORE` variable the generated Dockerfile sets.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from tests.app.agent_servers import (
    REPO_ROOT,
    RUNTIME_PG_VENV,
    ManagedProcess,
    OutboundTrap,
    PostgresServer,
    RedisServer,
    free_port,
    http_ok,
    pgvector_bin_dir,
    python_of,
    record_startup,
    server_env,
)

APP = Path(__file__).parent / "semantic_app"
SERVE = REPO_ROOT / "scripts" / "serve-runtime-pg.sh"
LANGGRAPH_JSON = json.loads((APP / "langgraph.json").read_text())
MEMORIES = {
    "pets": "My kitten sleeps on the sofa all afternoon",
    "car": "The automobile needs new tires before winter",
    "food": "We ate pasta for dinner on Friday",
    "music": "She plays the piano at every concert",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SyncLangGraphClient, PostgresServer]]:
    python = python_of(RUNTIME_PG_VENV)
    if not python.exists():
        pytest.fail(f"{python} is missing: run scripts/setup-runtime-pg.sh (creates .venv-runtime-pg)")
    postgres = PostgresServer(bin_dir=pgvector_bin_dir(), extensions=("vector",))
    redis = RedisServer()
    trap = OutboundTrap()
    logs = tmp_path_factory.mktemp("semantic-store-logs")
    processes: list[ManagedProcess] = []
    try:
        postgres.start()
        redis.start()
        urls = []
        for role, jobs in (("api", 0), ("queue", 2)):
            port = free_port()
            env = server_env(
                POSTGRES_URI=postgres.uri, DATABASE_URI="", REDIS_URI=redis.uri, PORT=str(port),
                N_JOBS_PER_WORKER=str(jobs), APP_DIR=str(APP),
                # What the generated Dockerfile's ENV LANGGRAPH_STORE holds for this app.
                LANGGRAPH_STORE=json.dumps(LANGGRAPH_JSON["store"]), **trap.proxy_env,
            )  # fmt: skip
            process = ManagedProcess(f"agent server ({role}) with a semantic store", ["bash", str(SERVE), role],
                                     log_path=logs / f"{role}.log", env=env).start()  # fmt: skip
            processes.append(process)
            url = f"http://127.0.0.1:{port}"
            record_startup(f"agent server ({role}) on Postgres+pgvector + Redis",
                           process.wait_until(lambda url=url: http_ok(f"{url}/ok"), "GET /ok"))  # fmt: skip
            urls.append(url)
        yield get_sync_client(url=urls[0], api_key=None), postgres
        assert trap.requests == [], f"the server attempted outbound requests: {trap.requests}"
    finally:
        for process in processes:
            process.stop()
        trap.close()
        redis.stop()
        postgres.stop()


def sql(postgres: PostgresServer, query: str) -> list[list]:
    script = "import json, psycopg, sys\nwith psycopg.connect(sys.argv[1]) as c: print(json.dumps(c.execute(sys.argv[2]).fetchall(), default=str))"
    result = subprocess.run([str(python_of(RUNTIME_PG_VENV)), "-c", script, postgres.uri, query],
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(result.stdout)


def test_items_put_through_the_api_are_found_by_meaning_not_by_word(served) -> None:
    client, _ = served
    for key, text in MEMORIES.items():
        client.store.put_item(["notes"], key, {"text": text})
    # None of these queries shares a word with the memory it must find first.
    for query, expected in (("feline pet", "pets"), ("vehicle engine", "car"), ("lunch meal", "food"),
                            ("guitar melody", "music")):  # fmt: skip
        hits = client.store.search_items(["notes"], query=query, limit=2)["items"]
        assert hits[0]["key"] == expected, (query, hits)
        assert hits[0]["score"] is not None and hits[0]["score"] > hits[1]["score"], (query, hits)


def test_the_index_lives_in_pgvector_in_the_servers_database(served) -> None:
    client, postgres = served
    client.store.put_item(["probe"], "weather", {"text": "Rain and a storm in the forecast"})
    # The extension is there (created by the superuser), the server's role is not a superuser, and the embeddings
    # are pgvector vectors of the index's `dims`.
    assert sql(postgres, "select extname from pg_extension where extname = 'vector'") == [["vector"]]
    assert sql(postgres, "select rolsuper from pg_roles where rolname = current_user") == [[False]]
    dims = LANGGRAPH_JSON["store"]["index"]["dims"]
    rows = sql(postgres, "select vector_dims(embedding) from store_vectors where key = 'weather'")
    assert rows == [[dims]], rows
    assert sql(postgres, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = "
                         "'store_vectors'::regclass and attname = 'embedding'") == [[f"vector({dims})"]]  # fmt: skip


def test_a_run_on_the_queue_worker_recalls_a_memory_by_meaning(served) -> None:
    client, _ = served
    thread = client.threads.create()
    state = client.runs.wait(thread["thread_id"], "memory",
                             input={"remember": "The puppy dreams in its bed", "query": "tired animal nap"})  # fmt: skip
    assert state["recalled"][0] == "The puppy dreams in its bed", state
