"""Restore drills: the server's database backed up and lost or damaged, restored, and the same server serves it.

The real server (langgraph-api 0.11.1 on langgraph-runtime-pg, API with N_JOBS_PER_WORKER=0 + a queue worker, serving
app/ offline) writes THREADS threads of TURNS runs each on the machine's PostgreSQL 15 and Redis, as in
test_data_tier.py. Then, as docs/operations.md ("Restoring the database") tells an operator to do locally:

1. back up with `pg_dump --format=custom` from the same PostgreSQL installation as the server, as the application
   role (it owns every object the runtime created), while the server runs;
2. stop the servers and lose the database (`DROP DATABASE`, as the cluster's superuser);
3. create an empty database owned by the role and `pg_restore` the dump into it as the role;
4. start the same server (same version, same environment) on it.

Every thread, its state, its whole history and its runs, read through langgraph_sdk before the loss and after the
restore, are equal; the restored database is at the runtime's Alembic head and takes a new run.

The second drill is the point-in-time restore RDS and Cloud SQL offer, done by hand: WAL archived (`archive_command`),
a base backup (`pg_basebackup`) before the day's writes, then a "bad release" deletes a thread, overwrites another's
metadata and adds a run to a third; the instance is replaced by one recovered from the base backup and the archive up
to the moment before (`recovery_target_time`), and the same server serves every thread as it was at that moment.

The drills' times are printed (and quoted in docs/operations.md); the data here is small, so they are the fixed
costs of a restore, not its data-dependent part.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
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
    python_of,
    record_startup,
    server_env,
)

SERVE = REPO_ROOT / "scripts" / "serve-runtime-pg.sh"
GRAPH_ID = "agent"
THREADS = 4
TURNS = 2
TOOL_TIMEOUT_SECONDS = 120  # pg_dump / pg_restore of a few hundred kB take well under a second here


@pytest.fixture
def data_tier() -> Iterator[tuple[PostgresServer, RedisServer, OutboundTrap]]:
    if not python_of(RUNTIME_PG_VENV).exists():
        pytest.fail(f"{python_of(RUNTIME_PG_VENV)} is missing: run scripts/setup-runtime-pg.sh")
    postgres, redis, trap = PostgresServer(), RedisServer(), OutboundTrap()
    try:
        yield postgres.start(), redis.start(), trap
    finally:
        redis.stop()
        postgres.stop()
        trap.close()


class Servers:
    """The API and queue worker of one server version on the drill's Postgres and Redis."""

    def __init__(self, postgres: PostgresServer, redis: RedisServer, trap: OutboundTrap, logs: Path) -> None:
        self.postgres, self.redis, self.trap, self.logs = postgres, redis, trap, logs
        self.processes: list[ManagedProcess] = []

    def start(self, what: str) -> str:
        """Start the API and a queue worker; return the API's URL once both answer GET /ok."""
        urls = []
        for role, jobs in (("api", 0), ("queue", 2)):
            port = free_port()
            env = server_env(POSTGRES_URI=self.postgres.uri, DATABASE_URI="", REDIS_URI=self.redis.uri,
                             PORT=str(port), N_JOBS_PER_WORKER=str(jobs), BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS="5",
                             **self.trap.proxy_env)  # fmt: skip
            name = f"{role}-{len(self.processes)}"
            process = ManagedProcess(name, ["bash", str(SERVE), role], log_path=self.logs / f"{name}.log", env=env)
            self.processes.append(process.start())
            url = f"http://127.0.0.1:{port}"
            record_startup(f"agent server ({role}) {what}", process.wait_until(lambda u=url: http_ok(f"{u}/ok"),
                                                                                 "GET /ok"))  # fmt: skip
            urls.append(url)
        return urls[0]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def user(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def everything(url: str, thread_ids: list[str]) -> dict:
    """What a client can read of every thread: the thread, its state, its whole history, its runs; and the search."""
    client = get_sync_client(url=url, api_key=None)
    return {
        "search": sorted(t["thread_id"] for t in client.threads.search(limit=100)),
        "threads": {tid: {"thread": client.threads.get(tid), "state": client.threads.get_state(tid),
                          "history": client.threads.get_history(tid, limit=1000),
                          "runs": client.runs.list(tid, limit=100)} for tid in thread_ids},
    }  # fmt: skip


def timed(argv: list[str]) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS)
    assert result.returncode == 0, f"{argv[0]} failed: {result.stderr}"
    return time.monotonic() - started


def write_threads(client: SyncLangGraphClient, turns: int, question: Callable[[int, int], str]) -> list[str]:
    """THREADS threads, each with `turns` runs waited for (`question(thread, turn)` the user's message): their ids."""
    thread_ids = []
    for i in range(THREADS):
        tid = client.threads.create(metadata={"drill": str(i)})["thread_id"]
        thread_ids.append(tid)
        for turn in range(turns):
            client.runs.wait(tid, GRAPH_ID, input=user(question(i, turn)))
    return thread_ids


def test_a_dumped_dropped_and_restored_database_serves_every_thread_unchanged(data_tier, tmp_path: Path) -> None:
    postgres, redis, trap = data_tier
    servers = Servers(postgres, redis, trap, tmp_path / "logs")
    try:
        url = servers.start("before the loss")
        client = get_sync_client(url=url, api_key=None)
        thread_ids = write_threads(client, TURNS, lambda i, turn: f"What is {i} + {turn}?")
        before = everything(url, thread_ids)
        assert all(len(t["runs"]) == TURNS and t["state"]["values"]["messages"] for t in before["threads"].values())

        # 1. Back up while the server runs: a consistent snapshot, as the application role.
        dump = tmp_path / "langgraph.dump"
        dump_seconds = timed([str(postgres.program("pg_dump")), "--format=custom", "--file", str(dump),
                              "--dbname", postgres.uri])  # fmt: skip

        # 2. The database is lost.
        servers.stop()
        postgres.superuser_sql(f"DROP DATABASE {postgres.database} WITH (FORCE)")
        assert postgres.superuser_sql(f"SELECT count(*) FROM pg_database WHERE datname = '{postgres.database}'") == "0"

        # 3. Restore into an empty database the role owns, as the role.
        started = time.monotonic()
        postgres.superuser_sql(f"CREATE DATABASE {postgres.database} OWNER {postgres.user}")
        timed([str(postgres.program("pg_restore")), "--exit-on-error", "--single-transaction", "--no-owner",
               "--dbname", postgres.uri, str(dump)])  # fmt: skip
        restore_seconds = time.monotonic() - started

        # 4. The same server on the restored database.
        started = time.monotonic()
        url = servers.start("on the restored database")
        serving_seconds = time.monotonic() - started
        after = everything(url, thread_ids)
        assert after == before

        revision = postgres.superuser_sql("SELECT version_num FROM alembic_version", database=postgres.database)
        assert revision == "001_initial"
        client = get_sync_client(url=url, api_key=None)
        state = client.runs.wait(thread_ids[0], GRAPH_ID, input=user("Still there?"))
        assert len(state["messages"]) > len(before["threads"][thread_ids[0]]["state"]["values"]["messages"])
        print(f"drill: {THREADS} threads x {TURNS} runs, dump {dump.stat().st_size} bytes in {dump_seconds:.2f} s; "
              f"create + pg_restore {restore_seconds:.2f} s; servers healthy on it {serving_seconds:.2f} s")
    finally:
        servers.stop()
    assert trap.requests == [], trap.requests


def wait_for(condition, what: str, bound: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {bound:.0f} s")
        time.sleep(0.2)


def test_a_point_in_time_restore_undoes_a_bad_release(tmp_path: Path) -> None:
    """A base backup and archived WAL, as RDS and Cloud SQL keep them: every thread as it was at the chosen time."""
    if not python_of(RUNTIME_PG_VENV).exists():
        pytest.fail(f"{python_of(RUNTIME_PG_VENV)} is missing: run scripts/setup-runtime-pg.sh")
    postgres, redis, trap = PostgresServer(), RedisServer(), OutboundTrap()
    archive = postgres.directory / "wal-archive"
    archive.mkdir()
    if postgres.os_user:
        shutil.chown(archive, user=postgres.os_user)
    postgres.settings = ("archive_mode=on", f"archive_command=cp %p {archive}/%f")
    servers = Servers(postgres, redis, trap, tmp_path / "logs")
    try:
        postgres.start()
        redis.start()
        # The nightly backup: a base backup, taken before the day's writes (the WAL archive carries them).
        base = postgres.directory / "base"
        base_backup_seconds = timed_as(postgres.os_user, [
            str(postgres.program("pg_basebackup")), "-h", str(postgres.directory / "sockets"), "-p", str(postgres.port),
            "-U", "postgres", "-D", str(base), "-X", "stream", "--checkpoint=fast"])  # fmt: skip

        url = servers.start("before the bad release")
        client = get_sync_client(url=url, api_key=None)
        thread_ids = write_threads(client, 1, lambda i, _: f"What is {i} * 3?")
        good = everything(url, thread_ids)
        target = postgres.superuser_sql("SELECT clock_timestamp()")

        # The bad release: a thread deleted, another's metadata overwritten, an unwanted run on a third.
        client.threads.delete(thread_ids[0])
        client.threads.update(thread_ids[1], metadata={"drill": "corrupted"})
        client.runs.wait(thread_ids[2], GRAPH_ID, input=user("What is 1 + 1?"))
        assert sorted(t["thread_id"] for t in client.threads.search(limit=100)) != good["search"]
        last_wal = postgres.superuser_sql("SELECT pg_walfile_name(pg_switch_wal())")
        wait_for(lambda: (archive / last_wal).exists(), f"archived WAL segment {last_wal}")

        # The instance is replaced by one recovered from the base backup and the archive, up to `target`.
        servers.stop()
        assert postgres.process is not None
        postgres.process.stop()
        (base / "recovery.signal").touch()
        if postgres.os_user:
            shutil.chown(base / "recovery.signal", user=postgres.os_user)
        postgres.settings += (f"restore_command=cp {archive}/%f %p", f"recovery_target_time={target}",
                              "recovery_target_action=promote")  # fmt: skip
        started = time.monotonic()
        postgres.serve(base, log_name="postgres-recovered.log")
        recovery_seconds = time.monotonic() - started
        log = (postgres.directory / "postgres-recovered.log").read_text()
        assert "recovery stopping before commit" in log and "archive recovery complete" in log, log

        started = time.monotonic()
        url = servers.start("on the recovered database")
        serving_seconds = time.monotonic() - started
        assert everything(url, thread_ids) == good
        print(f"point-in-time drill: base backup {base_backup_seconds:.2f} s; recovery to {target} "
              f"{recovery_seconds:.2f} s; servers healthy on it {serving_seconds:.2f} s")
    finally:
        servers.stop()
        redis.stop()
        postgres.stop()
        trap.close()
    assert trap.requests == [], trap.requests


def timed_as(os_user: str | None, argv: list[str]) -> float:
    """``timed``, run as ``os_user`` (the one PostgreSQL runs as, so that the files it writes are the server's)."""
    started = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS,
                            **({"user": os_user} if os_user else {}))  # fmt: skip
    assert result.returncode == 0, f"{argv[0]} failed: {result.stderr}"
    return time.monotonic() - started
