"""The hardened container, served for real: the Agent Server (API and queue worker, langgraph-runtime-pg on a real
Postgres and Redis) runs with every mount read-only except `contract.WRITABLE_PATHS`, each a fresh tmpfs as the
platforms' scratch volumes are, and with every Linux capability dropped, and still migrates, queues and completes a
run. This is the evidence behind the list the stacks mount on ECS, Cloud Run and Docker.

How, on a machine without Docker: `unshare --mount` gives the server a private mount namespace, in which every mount
but /proc, /sys and /dev (which container runtimes give a read-only-root container too) is remounted read-only; the
scratch paths get a tmpfs; `setpriv` empties the capability bounding set before the server starts, so even uid 0
holds no capability (what `capabilities.drop: ["ALL"]` does). Python writes no bytecode here only if it can: the
image does not set PYTHONDONTWRITEBYTECODE, so neither does this test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client

from langgraph_infra import contract
from tests.app.agent_servers import (
    REPO_ROOT,
    ManagedProcess,
    OutboundTrap,
    PostgresServer,
    RedisServer,
    free_port,
    http_ok,
    new_api_key,
    record_startup,
    server_env,
)
from tests.app.test_data_tier import GRAPH_ID, postgres, redis, runtime_pg_python, trap, user  # noqa: F401 - fixtures

SERVE = REPO_ROOT / "scripts" / "serve-runtime-pg.sh"
API_KEY = new_api_key()

# Runs as root in the private namespace: remount read-only, mount the scratch volumes, drop every capability, exec.
READ_ONLY_ROOT = r"""
set -euo pipefail
for mount_point in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
    case "$mount_point" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
    mount -o remount,bind,ro "$mount_point"
done
for scratch in ${WRITABLE_PATHS:-}; do
    mount -t tmpfs -o nosuid,nodev,mode=1777,size=256m tmpfs "$scratch"
done
exec setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "$@"
"""


def _namespace_tools() -> None:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("setpriv")):
        pytest.fail("the read-only-root test needs root with unshare and setpriv (util-linux) to build a private "
                    "mount namespace")


@pytest.fixture
def hardened(postgres: PostgresServer, redis: RedisServer, trap: OutboundTrap,  # noqa: F811 - fixtures
             runtime_pg_python: Path, tmp_path: Path) -> Iterator[list[tuple[ManagedProcess, str]]]:  # noqa: F811
    _namespace_tools()
    started: list[tuple[ManagedProcess, str]] = []

    def start(role: str, jobs: int) -> tuple[ManagedProcess, str]:
        port = free_port()
        env = server_env(POSTGRES_URI=postgres.uri, DATABASE_URI="", REDIS_URI=redis.uri, PORT=str(port),
                         N_JOBS_PER_WORKER=str(jobs), BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS="5",
                         PYTHONDONTWRITEBYTECODE="", WRITABLE_PATHS=" ".join(contract.WRITABLE_PATHS),
                         **trap.proxy_env)
        argv = ["unshare", "--mount", "--propagation", "private", "bash", "-c", READ_ONLY_ROOT, "read-only-root",
                "bash", str(SERVE), role]
        process = ManagedProcess(f"read-only agent server ({role})", argv, tmp_path / f"{role}.log", env=env).start()
        url = f"http://127.0.0.1:{port}"
        started.append((process, url))
        record_startup(f"agent server ({role}) on a read-only root",
                       process.wait_until(lambda: http_ok(f"{url}/ok"), "GET /ok"))
        return process, url

    yield [start("api", 0), start("queue", 2)]
    for process, _ in started:
        process.stop()


def test_a_run_completes_with_only_the_writable_paths_writable(hardened: list[tuple[ManagedProcess, str]]) -> None:
    (api, url), (queue, _) = hardened
    client = get_sync_client(url=url, api_key=API_KEY)
    thread_id = client.threads.create()["thread_id"]
    state = client.runs.wait(thread_id, GRAPH_ID, input=user("What is 2 ** 10?"))
    assert state["messages"][-1]["content"].endswith("2 ** 10 = 1024.")
    logs = api.log_tail(400) + queue.log_tail(400)
    assert "Read-only file system" not in logs, logs


def test_the_namespace_really_is_read_only_without_capabilities(tmp_path: Path) -> None:
    """The harness itself can fail: outside the scratch paths nothing is writable, and no capability is held."""
    _namespace_tools()
    import subprocess

    probe = (f"touch {REPO_ROOT}/app/.probe 2>/dev/null && echo app-writable; "
             "touch /tmp/probe && echo tmp-writable; grep CapEff /proc/self/status")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", READ_ONLY_ROOT,
                             "read-only-root", "bash", "-c", probe],
                            env={**os.environ, "WRITABLE_PATHS": " ".join(contract.WRITABLE_PATHS)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "app-writable" not in result.stdout
    assert "tmp-writable" in result.stdout
    assert "CapEff:\t0000000000000000" in result.stdout
