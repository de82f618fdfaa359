#!/usr/bin/env python3
"""Load and faults against the real Agent Server (langgraph-api + langgraph-runtime-pg) on loopback Postgres + Redis.

Starts PostgreSQL, Redis, N API processes (N_JOBS_PER_WORKER=0) and M queue workers with scripts/serve-runtime-pg.sh
serving tests/app/load_graph (a deterministic graph, no network call, that records each execution in Postgres), drives
a bounded load through the HTTP API with langgraph_sdk, and prints per role what it measured. Everything binds to
127.0.0.1 on ports the OS hands out, every process runs in its own process group and is stopped by its id, and every
phase has a time bound.

    # load, 1 then 2 replicas of each role (API and queue), 20 s each, 8 concurrent clients
    scripts/load_harness.py load --replicas 1 2 --seconds 20 --clients 8
    # faults under load: a queue worker SIGKILLed / SIGTERMed mid-run, Redis restarted, Postgres connections killed
    scripts/load_harness.py fault --fault sigkill sigterm redis postgres
    # upgrade: the next server version (.venv-runtime-pg-next) rolled out beside the old one, runs in flight and queued
    scripts/load_harness.py upgrade --order queue-first api-first together

Run with the repository's .venv python (langgraph_sdk) and RUNTIME_PG_VENV pointing at .venv-runtime-pg (and, for
`upgrade`, RUNTIME_PG_NEXT_VENV at .venv-runtime-pg-next: `scripts/setup-runtime-pg.sh next`). Results:
docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.app.agent_servers import (  # noqa: E402
    RUNTIME_PG_NEXT_VENV,
    RUNTIME_PG_VENV,
    ManagedProcess,
    OutboundTrap,
    PostgresServer,
    RedisServer,
    free_port,
    http_ok,
    python_of,
    server_env,
)

SERVE = REPO_ROOT / "scripts" / "serve-runtime-pg.sh"
LOAD_GRAPH_DIR = REPO_ROOT / "tests" / "app" / "load_graph"
GRAPH_ID = "load"
TERMINAL = ("success", "error", "interrupted", "timeout")
STOP_BOUND_SECONDS = 30.0

_SQL_SCRIPT = """
import json, sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    cur = c.execute(sys.argv[2], json.loads(sys.argv[3]))
    print(json.dumps(cur.fetchall() if cur.description else [], default=str))
"""


def sql(uri: str, query: str, *params: object) -> list[list]:
    """Run one query on Postgres directly (psycopg from .venv-runtime-pg), not through the server."""
    result = subprocess.run(
        [str(python_of(RUNTIME_PG_VENV)), "-c", _SQL_SCRIPT, uri, query, json.dumps(list(params))],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


@dataclass
class Server:
    role: str
    process: ManagedProcess
    url: str
    venv: Path = RUNTIME_PG_VENV
    started_at: float = 0.0  # time.time() when it answered GET /ok (its migrations done)


@dataclass
class Cluster:
    """Postgres, Redis and Agent Server processes for the load graph; ``close`` stops every one of them."""

    workdir: Path
    heartbeat_seconds: float = 1.0
    shutdown_grace_seconds: int = 5
    postgres: PostgresServer = field(default_factory=PostgresServer)
    redis: RedisServer = field(default_factory=RedisServer)
    trap: OutboundTrap = field(default_factory=OutboundTrap)
    servers: list[Server] = field(default_factory=list)

    def start_data_tier(self) -> Cluster:
        self.postgres.start()
        self.redis.start()
        # Created once here, not by the graph: concurrent `create table if not exists` can fail one run.
        sql(self.postgres.uri, (LOAD_GRAPH_DIR / "schema.sql").read_text())
        return self

    def start(self, role: str, n_jobs_per_worker: int, venv: Path = RUNTIME_PG_VENV) -> Server:
        port = free_port()
        env = server_env(
            POSTGRES_URI=self.postgres.uri,
            DATABASE_URI="",
            REDIS_URI=self.redis.uri,
            PORT=str(port),
            APP_DIR=str(LOAD_GRAPH_DIR),
            N_JOBS_PER_WORKER=str(n_jobs_per_worker),
            BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS=str(self.shutdown_grace_seconds),
            # Heartbeat every N s, swept when it is ~2N s old: the default (120 s) would make a test wait minutes.
            LG_BG_JOB_HEARTBEAT=str(self.heartbeat_seconds),
            RUNTIME_PG_VENV=str(venv),
            **self.trap.proxy_env,
        )
        name = f"{role}-{len(self.servers)}"
        process = ManagedProcess(name, ["bash", str(SERVE), role], log_path=self.workdir / f"{name}.log", env=env)
        server = Server(role, process.start(), f"http://127.0.0.1:{port}", venv)
        self.servers.append(server)
        process.wait_until(lambda: http_ok(f"{server.url}/ok"), "GET /ok")
        server.started_at = time.time()
        return server

    def urls(self, role: str = "api") -> list[str]:
        return [s.url for s in self.servers if s.role == role and s.process.process and s.process.process.poll() is None]

    def signal_server(self, server: Server, sig: signal.Signals) -> float:
        """Send ``sig`` to the server's process group; return the seconds until the leader exited (bounded)."""
        assert server.process.process is not None
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.process.pid, sig)
        try:
            server.process.process.wait(timeout=STOP_BOUND_SECONDS)
        finally:
            server.process.stop()  # SIGKILLs whatever is left of the group
        return time.monotonic() - started

    def restart_redis(self) -> float:
        """Stop redis-server (its data goes: no persistence, like a failed-over cache) and start it on the same port."""
        assert self.redis.process is not None
        started = time.monotonic()
        self.redis.process.stop()
        self.redis.process.start()
        self.redis.process.wait_until(self.redis.ping, "PONG after restart", timeout=STOP_BOUND_SECONDS)
        return time.monotonic() - started

    def terminate_postgres_connections(self) -> int:
        """pg_terminate_backend on every other connection of the application role; return how many were killed."""
        rows = sql(self.postgres.uri, "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity "
                   "where usename = current_user and pid <> pg_backend_pid()")  # fmt: skip
        return int(rows[0][0])

    def close(self) -> None:
        for server in reversed(self.servers):
            server.process.stop()
        self.redis.stop()
        self.postgres.stop()
        self.trap.close()


# --- measuring --------------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    run_ids: list[tuple[str, str]] = field(default_factory=list)  # (thread_id, run_id) of background runs
    streamed: list[tuple[str, str]] = field(default_factory=list)

    async def timed(self, op: str, coro):  # noqa: ANN001, ANN201
        started = time.monotonic()
        try:
            result = await coro
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported
            self.errors[op].append(f"{type(error).__name__}: {error}"[:200])
            return None
        self.latencies[op].append(time.monotonic() - started)
        return result


async def _client_loop(index: int, url: str, deadline: float, max_iterations: int, sleep: float, rec: Recorder) -> None:
    """One client: threads.create, then alternately a background run + two state reads, or a streamed run."""
    from langgraph_sdk import get_client  # noqa: PLC0415

    client = get_client(url=url, api_key=None)
    for iteration in range(max_iterations):
        if time.monotonic() >= deadline:
            return
        thread = await rec.timed("threads.create", client.threads.create())
        if thread is None:
            continue
        tid = thread["thread_id"]
        payload = {"tag": f"c{index}-i{iteration}", "sleep": sleep}
        if iteration % 2 == 0:
            run = await rec.timed("runs.create", client.runs.create(tid, GRAPH_ID, input=payload))
            if run is not None:
                rec.run_ids.append((tid, run["run_id"]))
            await rec.timed("threads.get_state", client.threads.get_state(tid))
            await rec.timed("threads.get_state", client.threads.get_state(tid))
        else:

            async def stream(tid: str = tid, payload: dict = payload) -> str | None:
                run_id = None
                async for part in client.runs.stream(tid, GRAPH_ID, input=payload, stream_mode="values"):
                    if part.event == "metadata":
                        run_id = part.data["run_id"]
                    if part.event == "error":
                        raise RuntimeError(f"stream error event: {part.data}")
                return run_id

            run_id = await rec.timed("runs.stream", stream())
            if run_id:
                rec.streamed.append((tid, run_id))


def wait_terminal(uri: str, run_ids: list[str], bound: float) -> dict[str, str]:
    """Poll the runs table until every run is terminal or ``bound`` seconds passed; return run_id -> status."""
    deadline = time.monotonic() + bound
    while True:
        rows = sql(uri, "select run_id::text, status from runs where run_id::text = any(%s)", run_ids)
        statuses = {run_id: "missing" for run_id in run_ids} | {r[0]: r[1] for r in rows}
        if all(s in TERMINAL for s in statuses.values()) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)


def outcome(cluster: Cluster, pairs: list[tuple[str, str]], bound: float) -> dict:
    """Accepted / completed / errored / lost / executed-twice for ``pairs`` (thread, run), and thread state checks."""
    uri = cluster.postgres.uri
    run_ids = [run_id for _, run_id in pairs]
    statuses = wait_terminal(uri, run_ids, bound)
    executions = sql(uri, "select run_id, count(*) filter (where phase = 'start'), count(*) filter (where phase = "
                     "'end') from load_executions where run_id = any(%s) group by run_id", run_ids)  # fmt: skip
    starts = {r[0]: r[1] for r in executions}
    ends = {r[0]: r[2] for r in executions}
    thread_ids = sorted({tid for tid, _ in pairs})
    threads = {r[0]: (r[1], r[2]) for r in sql(
        uri, "select thread_id::text, status, (values->>'count')::int from threads where thread_id::text = any(%s)",
        thread_ids)}  # fmt: skip
    succeeded_per_thread: dict[str, int] = defaultdict(int)
    for tid, run_id in pairs:
        succeeded_per_thread[tid] += statuses[run_id] == "success"
    broken = [
        tid for tid in thread_ids
        if tid not in threads or threads[tid][0] == "busy" or (threads[tid][1] or 0) != succeeded_per_thread[tid]
    ]  # fmt: skip
    return {
        "accepted": len(run_ids),
        "completed": sum(s == "success" for s in statuses.values()),
        "errored": sum(s in ("error", "timeout", "interrupted") for s in statuses.values()),
        "lost": sum(s not in TERMINAL for s in statuses.values()),
        "executed_twice": sum(starts.get(r, 0) > 1 for r in run_ids),
        "completed_twice": sum(ends.get(r, 0) > 1 for r in run_ids),
        "never_started": sum(starts.get(r, 0) == 0 for r in run_ids),
        "statuses": dict(sorted(_count(statuses.values()).items())),
        "threads": len(thread_ids),
        "threads_intact": len(thread_ids) - len(broken),
        "broken_threads": {tid: threads.get(tid) for tid in broken},
    }


def _count(values) -> dict[str, int]:  # noqa: ANN001
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return counts


# --- scenarios --------------------------------------------------------------------------------------------------------


def run_load(workdir: Path, replicas: int, seconds: float, clients: int, sleep: float, jobs: int) -> dict:
    cluster = Cluster(workdir / f"load-{replicas}")
    try:
        cluster.start_data_tier()
        for _ in range(replicas):
            cluster.start("api", 0)
        for _ in range(replicas):
            cluster.start("queue", jobs)
        urls = cluster.urls("api")
        rec = Recorder()
        started = time.monotonic()
        deadline = started + seconds

        async def drive() -> None:
            await asyncio.gather(*(_client_loop(i, urls[i % len(urls)], deadline, 10_000, sleep, rec)
                                   for i in range(clients)))  # fmt: skip

        asyncio.run(asyncio.wait_for(drive(), seconds + 60))
        elapsed = time.monotonic() - started
        result = outcome(cluster, rec.run_ids + rec.streamed, bound=60)
        window = sql(cluster.postgres.uri, "select count(*), extract(epoch from max(at) - min(at)) from load_executions "
                     "where phase = 'end'")  # fmt: skip
        run_lat = sql(cluster.postgres.uri, "select extract(epoch from e.at - r.created_at) from runs r join "
                      "load_executions e on e.run_id = r.run_id::text and e.phase = 'end'")  # fmt: skip
        api = {
            op: {"n": len(lat), "per_s": len(lat) / elapsed, "p50_ms": 1000 * percentile(lat, 50),
                 "p95_ms": 1000 * percentile(lat, 95), "p99_ms": 1000 * percentile(lat, 99),
                 "errors": len(rec.errors.get(op, []))}
            for op, lat in sorted(rec.latencies.items())
        }  # fmt: skip
        total = sum(len(lat) for lat in rec.latencies.values())
        run_seconds = [float(r[0]) for r in run_lat]
        return {
            "replicas": replicas,
            "clients": clients,
            "seconds": round(elapsed, 1),
            "api": {"requests": total, "requests_per_s": total / elapsed,
                    "errors": sum(len(e) for e in rec.errors.values()), "ops": api,
                    "error_samples": {op: errs[:3] for op, errs in rec.errors.items()}},
            "queue": {"runs_completed": int(window[0][0]),
                      "runs_per_s": int(window[0][0]) / max(float(window[0][1] or 0), 1e-9),
                      "run_p50_ms": 1000 * percentile(run_seconds, 50),
                      "run_p95_ms": 1000 * percentile(run_seconds, 95),
                      "run_p99_ms": 1000 * percentile(run_seconds, 99)},
            "runs": result,
            "outbound": list(cluster.trap.requests),
        }
    finally:
        cluster.close()


def wait_started(uri: str, run_ids: list[str], bound: float) -> int:
    """Wait until every run has a 'start' row (it is executing) or ``bound``; return how many have started."""
    deadline = time.monotonic() + bound
    while True:
        started = sql(uri, "select count(distinct run_id) from load_executions where phase = 'start' and "
                      "run_id = any(%s)", run_ids)[0][0]  # fmt: skip
        if started == len(run_ids) or time.monotonic() > deadline:
            return int(started)
        time.sleep(0.2)


def run_fault(workdir: Path, fault: str, in_flight: int = 4, after: int = 4, sleep: float = 4.0,
              bound: float = 45.0, shutdown_grace_seconds: int = 5, load_clients: int = 0,
              load_seconds: float = 10.0) -> dict:
    """``in_flight`` runs executing on one queue worker when ``fault`` strikes, ``after`` more submitted right after.

    With ``load_clients``, that many clients drive the load mix of ``load`` (50 ms runs) from just before the fault
    for ``load_seconds``; their runs are counted with the others and their failed requests per operation.

    sigkill / sigterm: the worker that holds the runs gets the signal, then a replacement worker starts (as ECS or
    Cloud Run would start one). redis: redis-server is restarted (empty). postgres: every server connection is
    terminated with pg_terminate_backend.
    """
    from langgraph_sdk import get_sync_client  # noqa: PLC0415

    cluster = Cluster(workdir / f"fault-{fault}", shutdown_grace_seconds=shutdown_grace_seconds)
    try:
        cluster.start_data_tier()
        api = cluster.start("api", 0)
        worker = cluster.start("queue", in_flight + after)
        client = get_sync_client(url=api.url, api_key=None)
        pairs: list[tuple[str, str]] = []

        def submit(count: int, tag: str) -> list[tuple[str, str]]:
            new = []
            for i in range(count):
                tid = client.threads.create()["thread_id"]
                run = client.runs.create(tid, GRAPH_ID, input={"tag": f"{tag}{i}", "sleep": sleep})
                new.append((tid, run["run_id"]))
            return new

        pairs += submit(in_flight, "before")
        started = wait_started(cluster.postgres.uri, [r for _, r in pairs], bound=30)
        detail: dict[str, object] = {"in_flight_when_struck": started}
        rec = Recorder()
        load_thread = None
        if load_clients:
            deadline = time.monotonic() + load_seconds

            async def drive() -> None:
                await asyncio.gather(*(_client_loop(i, api.url, deadline, 10_000, 0.05, rec)
                                       for i in range(load_clients)))  # fmt: skip

            load_thread = threading.Thread(
                target=lambda: asyncio.run(asyncio.wait_for(drive(), load_seconds + 60)), daemon=True
            )
            load_thread.start()
            time.sleep(min(1.0, load_seconds / 4))
        struck = time.monotonic()
        if fault == "sigkill":
            detail["exit_seconds"] = round(cluster.signal_server(worker, signal.SIGKILL), 2)
            cluster.start("queue", in_flight + after)
        elif fault == "sigterm":
            detail["exit_seconds"] = round(cluster.signal_server(worker, signal.SIGTERM), 2)
            detail["grace_exceeded"] = "did not finish within grace period" in worker.process.log_tail(400)
            cluster.start("queue", in_flight + after)
        elif fault == "redis":
            detail["restart_seconds"] = round(cluster.restart_redis(), 2)
        elif fault == "postgres":
            detail["connections_terminated"] = cluster.terminate_postgres_connections()
        else:
            raise ValueError(f"unknown fault {fault!r}")
        submit_errors = 0
        for i in range(after):
            try:
                pairs += submit(1, f"after{i}-")
            except Exception:  # noqa: BLE001 - a refused submission is counted, not fatal
                submit_errors += 1
        wait_terminal(cluster.postgres.uri, [r for _, r in pairs[:in_flight]], bound)
        detail["in_flight_settled_seconds"] = round(time.monotonic() - struck, 1)
        if load_thread is not None:
            load_thread.join(timeout=load_seconds + 90)
            load_pairs = rec.run_ids + rec.streamed
            detail["load_runs"] = len(load_pairs)
            detail["load_requests"] = {op: len(lat) for op, lat in sorted(rec.latencies.items())}
            detail["load_request_errors"] = {op: len(e) for op, e in sorted(rec.errors.items())}
            detail["load_error_samples"] = {op: e[:2] for op, e in rec.errors.items()}
            pairs += load_pairs
        result = outcome(cluster, pairs, bound=bound)
        # Every thread is still readable through the API (not only in the database); a failed read is counted and
        # retried (at most 3 attempts, 0.5 s apart).
        read_errors, readable = 0, 0
        for tid, _ in pairs:
            for _attempt in range(3):
                try:
                    client.threads.get_state(tid)
                except Exception:  # noqa: BLE001 - counted
                    read_errors += 1
                    time.sleep(0.5)
                else:
                    readable += 1
                    break
        in_flight_ids = {run_id for _, run_id in pairs[:in_flight]}
        statuses = {r[0]: r[1] for r in sql(cluster.postgres.uri, "select run_id::text, status from runs where "
                                             "run_id::text = any(%s)", [r for _, r in pairs])}  # fmt: skip
        return {"fault": fault, **detail, "submit_errors": submit_errors, **result,
                "in_flight_statuses": dict(_count(statuses.get(r, "missing") for r in in_flight_ids)),
                "after_statuses": dict(_count(statuses.get(r, "missing") for _, r in pairs[in_flight:])),
                "threads_readable": readable, "read_errors": read_errors,
                "outbound": list(cluster.trap.requests)}  # fmt: skip
    finally:
        cluster.close()


# --- upgrade: a new server version started beside the old one on the same Postgres and Redis -------------------------

ORDERS = {
    # Each step starts the new version of a role beside the old one ("new") or stops the old one ("stop"), as a
    # rolling update does (ECS minimumHealthyPercent 100, Kubernetes maxUnavailable 0, a new Cloud Run revision).
    "queue-first": [("new", "queue"), ("stop", "queue"), ("new", "api"), ("stop", "api")],
    "api-first": [("new", "api"), ("stop", "api"), ("new", "queue"), ("stop", "queue")],
    "together": [("new", "api"), ("new", "queue"), ("stop", "api"), ("stop", "queue")],
}

_SCHEMA_QUERY = (
    "select coalesce(md5(string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' "
    "|| coalesce(column_default, ''), ',' order by table_name, column_name)), '') from information_schema.columns "
    "where table_schema = 'public' and table_name not like 'load\\_%%'"
)


def server_version(venv: Path) -> str:
    """The langgraph-api version a venv serves (and its runtime's), read from the installed packages."""
    script = "import langgraph_api, langgraph_runtime_pg; print(langgraph_api.__version__, langgraph_runtime_pg.__version__)"
    api, runtime = subprocess.run([str(python_of(venv)), "-c", script], capture_output=True, text=True, timeout=60,
                                  check=True).stdout.split()  # fmt: skip
    return f"{api} (runtime-pg {runtime})"


def schema_state(uri: str) -> dict[str, str]:
    """The runtime's Alembic revision and a fingerprint of every column of its tables (not the harness's own)."""
    return {"alembic": ",".join(r[0] for r in sql(uri, "select version_num from alembic_version order by 1")),
            "columns_md5": sql(uri, _SCHEMA_QUERY)[0][0]}  # fmt: skip


@dataclass
class Probe:
    """Requests made through one API server during one phase of the rollout, and the runs they created."""

    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    requests: int = 0
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def call(self, what: str, fn):  # noqa: ANN001, ANN201
        self.requests += 1
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported
            self.errors[what].append(f"{type(error).__name__}: {error}"[:200])
            return None


def probe_api(url: str, old_thread: str, tag: str) -> Probe:
    """Through one API: a thread, a background run, a streamed run (executed by whichever worker takes it and streamed
    back through this API over Redis), and the state and history of a thread the old version created."""
    from langgraph_sdk import get_sync_client  # noqa: PLC0415

    client = get_sync_client(url=url, api_key=None)
    probe = Probe()
    thread = probe.call("threads.create", client.threads.create)
    if thread is None:
        return probe
    tid = thread["thread_id"]
    run = probe.call("runs.create", lambda: client.runs.create(tid, GRAPH_ID, input={"tag": f"{tag}-bg", "sleep": 0.05}))
    if run is not None:
        probe.pairs.append((tid, run["run_id"]))
        probe.call("runs.join", lambda: client.runs.join(tid, run["run_id"]))

    def stream() -> None:
        run_id = None
        for part in client.runs.stream(tid, GRAPH_ID, input={"tag": f"{tag}-stream", "sleep": 0.05},
                                       stream_mode="values"):  # fmt: skip
            if part.event == "metadata":
                run_id = part.data["run_id"]
                probe.pairs.append((tid, run_id))
            if part.event == "error":
                raise RuntimeError(f"stream error event: {part.data}")
        if run_id is None:
            raise RuntimeError("stream without metadata")

    probe.call("runs.stream", stream)
    probe.call("threads.get_state (old thread)", lambda: client.threads.get_state(old_thread))
    probe.call("threads.get_history (old thread)", lambda: client.threads.get_history(old_thread))
    return probe


def run_upgrade(workdir: Path, order: str = "together", old_venv: Path = RUNTIME_PG_VENV,
                new_venv: Path = RUNTIME_PG_NEXT_VENV, in_flight: int = 3, hold_seconds: float = 120.0,
                bound: float = 90.0) -> dict:
    """Serve the old version (API + queue worker), then roll each role to the new version in ``order``.

    Before the rollout, ``in_flight`` threads each have a run executing and a second run queued behind it
    (``multitask_strategy="enqueue"``). These long runs hold in their node until the rollout is over (the load graph's
    ``gate``, at most ``hold_seconds``), so they are in flight when each old server stops, whatever the machine's
    speed; a run requeued by a stopped worker holds again on the new one. At each step of ``ORDERS[order]`` the new server of a role starts
    beside the old one on the same Postgres and Redis (its start-up runs the runtime's migrations) or the old one gets
    SIGTERM, and after each step every API still up is probed (``probe_api``): a run in the background, a streamed
    run, the state and history of an old thread. Runs are counted from Postgres, as in ``fault``; each execution is
    attributed to the server version whose worker process wrote it.
    """
    from langgraph_sdk import get_sync_client  # noqa: PLC0415

    old_venv, new_venv = old_venv.absolute(), new_venv.absolute()
    versions = {"old": server_version(old_venv), "new": server_version(new_venv)}
    cluster = Cluster(workdir / f"upgrade-{order}")
    try:
        cluster.start_data_tier()
        live: dict[tuple[str, str], Server] = {}
        live["old", "api"] = cluster.start("api", 0, venv=old_venv)
        live["old", "queue"] = cluster.start("queue", 2 * in_flight + 4, venv=old_venv)
        uri = cluster.postgres.uri
        schema_before = schema_state(uri)
        client = get_sync_client(url=live["old", "api"].url, api_key=None)
        pairs: list[tuple[str, str]] = []
        for i in range(in_flight):
            tid = client.threads.create()["thread_id"]
            hold = {"sleep": hold_seconds, "gate": "rollout"}
            first = client.runs.create(tid, GRAPH_ID, input={"tag": f"inflight{i}", **hold})
            queued = client.runs.create(tid, GRAPH_ID, input={"tag": f"queued{i}", **hold},
                                        multitask_strategy="enqueue")  # fmt: skip
            pairs += [(tid, first["run_id"]), (tid, queued["run_id"])]
        long_runs = [run_id for _, run_id in pairs]
        in_flight_ids = long_runs[0::2]
        started = wait_started(uri, in_flight_ids, bound=60)
        old_thread = pairs[0][0]
        steps: list[dict] = []
        new_started_at: float | None = None
        for action, role in ORDERS[order]:
            step: dict[str, object] = {"step": f"{action} {role}"}
            if action == "new":
                began = time.monotonic()
                live["new", role] = cluster.start(role, 0 if role == "api" else 2 * in_flight + 4, venv=new_venv)
                step["healthy_seconds"] = round(time.monotonic() - began, 1)
                new_started_at = new_started_at or live["new", role].started_at
            else:
                server = live.pop(("old", role))
                if role == "queue":
                    step["runs_executing_on_old_worker"] = executing_on(uri, long_runs, server.process.process.pid)
                step["exit_seconds"] = round(cluster.signal_server(server, signal.SIGTERM), 2)
            step["schema"] = schema_state(uri)
            for (side, r), server in sorted(live.items()):
                if r != "api":
                    continue
                probe = probe_api(server.url, old_thread, f"{action}-{role}-{side}")
                pairs += probe.pairs
                step[f"probe {side} api ({versions[side]})"] = {
                    "requests": probe.requests, "errors": sum(len(e) for e in probe.errors.values()),
                    "error_samples": {op: e[:2] for op, e in probe.errors.items()}}  # fmt: skip
            steps.append(step)
        sql(uri, "insert into load_gates (name) values ('rollout')")
        result = outcome(cluster, pairs, bound=bound)
        run_ids = [run_id for _, run_id in pairs]
        pids = {s.process.process.pid: ("new" if s.venv == new_venv else "old") for s in cluster.servers
                if s.role == "queue" and s.process.process is not None}  # fmt: skip
        executions = sql(uri, "select run_id, phase, pid, extract(epoch from at) from load_executions "
                         "where run_id = any(%s)", run_ids)  # fmt: skip
        executed_by: dict[str, int] = defaultdict(int)
        completed_by: dict[str, int] = defaultdict(int)
        old_after_new = 0
        for _run_id, phase, pid, at in executions:
            side = pids.get(pid, "unknown")
            if phase == "start":
                executed_by[side] += 1
                old_after_new += side == "old" and new_started_at is not None and float(at) > new_started_at
            else:
                completed_by[side] += 1
        new_api = live.get(("new", "api"))
        readable = 0
        if new_api is not None:
            reader = get_sync_client(url=new_api.url, api_key=None)
            for tid in sorted({tid for tid, _ in pairs}):
                with contextlib.suppress(Exception):
                    reader.threads.get_state(tid)
                    reader.threads.get_history(tid)
                    readable += 1
        statuses = {r[0]: r[1] for r in sql(uri, "select run_id::text, status from runs where run_id::text = any(%s)",
                                             run_ids)}  # fmt: skip
        return {
            "scenario": "upgrade", "order": order, "old": versions["old"], "new": versions["new"],
            "in_flight_when_rollout_began": started, "queued_when_rollout_began": in_flight,
            "schema_before": schema_before, "schema_after": schema_state(uri),
            "steps": steps, **result,
            "long_run_statuses": dict(_count(statuses.get(r, "missing") for r in long_runs)),
            "executions_by_version": dict(executed_by), "completions_by_version": dict(completed_by),
            "old_worker_executions_after_new_migrated": old_after_new,
            "probe_requests": sum(v["requests"] for s in steps for k, v in s.items() if k.startswith("probe")),
            "probe_errors": sum(v["errors"] for s in steps for k, v in s.items() if k.startswith("probe")),
            "old_api_probe_errors_after_new_migrated": sum(
                v["errors"] for s in steps for k, v in s.items() if k.startswith("probe old")),
            "threads_readable_on_new": readable,
            "outbound": list(cluster.trap.requests),
        }  # fmt: skip
    finally:
        cluster.close()


def executing_on(uri: str, run_ids: list[str], pid: int | None) -> int:
    """How many of ``run_ids`` have started and not ended on the worker process ``pid``."""
    rows = sql(uri, "select count(*) from (select run_id from load_executions where run_id = any(%s) and pid = %s "
               "group by run_id having count(*) filter (where phase = 'end') = 0) x", run_ids, pid)  # fmt: skip
    return int(rows[0][0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="bounded load, per role figures, for each replica count")
    load.add_argument("--replicas", type=int, nargs="+", default=[1, 2], choices=range(1, 5))
    load.add_argument("--seconds", type=float, default=20.0, help="load duration per replica count (max 120)")
    load.add_argument("--clients", type=int, default=8, help="concurrent clients (max 32)")
    load.add_argument("--run-sleep", type=float, default=0.05, help="seconds each run sleeps inside the graph")
    load.add_argument("--jobs", type=int, default=10, help="N_JOBS_PER_WORKER of each queue worker")
    fault = sub.add_parser("fault", help="faults while runs are in flight")
    fault.add_argument("--fault", nargs="+", default=["sigkill", "sigterm", "redis", "postgres"],
                       choices=["sigkill", "sigterm", "redis", "postgres"])  # fmt: skip
    fault.add_argument("--in-flight", type=int, default=4)
    fault.add_argument("--run-sleep", type=float, default=4.0)
    fault.add_argument("--grace", type=int, default=5, help="BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS of the servers")
    fault.add_argument("--load-clients", type=int, default=2, help="clients driving the load mix during the fault")
    fault.add_argument("--load-seconds", type=float, default=10.0)
    upgrade = sub.add_parser("upgrade", help="a new server version rolled out beside the old one, runs in flight")
    upgrade.add_argument("--order", nargs="+", default=list(ORDERS), choices=list(ORDERS),
                         help="which role moves first (default: each order in turn)")
    upgrade.add_argument("--from-venv", type=Path, default=RUNTIME_PG_VENV, help="the old version's venv")
    upgrade.add_argument("--to-venv", type=Path, default=RUNTIME_PG_NEXT_VENV, help="the new version's venv")
    upgrade.add_argument("--in-flight", type=int, default=3, help="threads with a run executing and one queued")
    args = parser.parse_args(argv)
    venvs = [args.from_venv, args.to_venv] if args.command == "upgrade" else [RUNTIME_PG_VENV]
    for venv in venvs:
        if not python_of(venv).exists():
            print(f"error: {python_of(venv)} is missing: run scripts/setup-runtime-pg.sh "
                  f"{'next' if venv == RUNTIME_PG_NEXT_VENV else ''}".rstrip(), file=sys.stderr)  # fmt: skip
            return 2
    workdir = Path(tempfile.mkdtemp(prefix="load-harness-"))
    print(f"logs: {workdir}", file=sys.stderr)
    results = []
    if args.command == "load":
        for replicas in args.replicas:
            result = run_load(workdir, replicas, min(args.seconds, 120), min(args.clients, 32), args.run_sleep,
                              args.jobs)  # fmt: skip
            results.append(result)
            print(json.dumps(result, indent=1), flush=True)
        print_load_table(results)
    elif args.command == "upgrade":
        for order in args.order:
            result = run_upgrade(workdir, order, args.from_venv, args.to_venv, in_flight=min(args.in_flight, 16))
            results.append(result)
            print(json.dumps(result, indent=1), flush=True)
        print_upgrade_table(results)
    else:
        for name in args.fault:
            result = run_fault(workdir, name, in_flight=min(args.in_flight, 16), after=min(args.in_flight, 16),
                               sleep=args.run_sleep, shutdown_grace_seconds=args.grace,
                               load_clients=min(args.load_clients, 16),
                               load_seconds=min(args.load_seconds, 60))  # fmt: skip
            results.append(result)
            print(json.dumps(result, indent=1), flush=True)
    return 0


def print_load_table(results: list[dict]) -> None:
    print("\nreplicas  role   op                 n     per_s   p50_ms   p95_ms   p99_ms  errors")
    for r in results:
        for op, o in r["api"]["ops"].items():
            print(f"{r['replicas']:>8}  api    {op:<17} {o['n']:>5} {o['per_s']:>8.1f} {o['p50_ms']:>8.0f} "
                  f"{o['p95_ms']:>8.0f} {o['p99_ms']:>8.0f} {o['errors']:>7}")  # fmt: skip
        print(f"{r['replicas']:>8}  api    {'all requests':<17} {r['api']['requests']:>5} "
              f"{r['api']['requests_per_s']:>8.1f} {'':>8} {'':>8} {'':>8} {r['api']['errors']:>7}")
        q = r["queue"]
        print(f"{r['replicas']:>8}  queue  {'runs (created->end)':<17} {q['runs_completed']:>5} {q['runs_per_s']:>8.1f} "
              f"{q['run_p50_ms']:>8.0f} {q['run_p95_ms']:>8.0f} {q['run_p99_ms']:>8.0f} {r['runs']['errored']:>7}"
              f"  lost={r['runs']['lost']} twice={r['runs']['executed_twice']}")


def print_upgrade_table(results: list[dict]) -> None:
    print("\norder        accepted completed errored lost twice(exec) twice(done) threads  old-worker-after  "
          "probe-errors(old api)  schema-changed")
    for r in results:
        changed = r["schema_before"] != r["schema_after"]
        print(f"{r['order']:<12} {r['accepted']:>8} {r['completed']:>9} {r['errored']:>7} {r['lost']:>4} "
              f"{r['executed_twice']:>11} {r['completed_twice']:>11} {r['threads_intact']:>3}/{r['threads']:<3} "
              f"{r['old_worker_executions_after_new_migrated']:>16}  {r['probe_errors']:>5} "
              f"({r['old_api_probe_errors_after_new_migrated']}){'':>13}  {changed}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
