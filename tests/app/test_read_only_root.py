"""The hardened container, served for real: the Agent Server (API and queue worker, langgraph-runtime-pg on a real
Postgres and Redis) runs with every mount read-only except `contract.WRITABLE_PATHS`, each a fresh tmpfs as the
platforms' scratch volumes are, as the image's unprivileged user with every Linux capability dropped, and still migrates, queues and completes a
run. This is the evidence behind the list the stacks mount on ECS, Cloud Run and Docker.

How, on a machine without Docker: `unshare --mount` gives the server a private mount namespace, in which every mount
but /proc, /sys and /dev (which container runtimes give a read-only-root container too) is remounted read-only; the
scratch paths get a tmpfs; `setpriv` starts the server as the image's user (1000:1000, the ECS task's `user`) with an
empty capability bounding set (what `capabilities.drop: ["ALL"]` does). Python writes no bytecode here only if it can: the
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
from tests.app.test_data_tier import GRAPH_ID, postgres, redis, runtime_pg_python, trap, user  # noqa: F401 - fixtures

SERVE = REPO_ROOT / "scripts" / "serve-runtime-pg.sh"

# Runs as root in the private namespace: remount read-only, mount the scratch volumes, then exec the server as the
# image's user (contract.RUNTIME_UID:RUNTIME_GID, the ECS task's `user`) with every capability dropped.
READ_ONLY_ROOT = r"""
set -euo pipefail
if [[ -n "${EXPOSE_FROM_ROOT:-}" ]]; then
    # This machine's interpreter lives under /root (mode 700), which the image's user cannot traverse; in this
    # namespace only, /root becomes an empty directory showing just that interpreter tree (read-only below).
    mount --bind "$EXPOSE_FROM_ROOT" "$HOLD"
    mount -t tmpfs -o mode=0755,size=1m tmpfs /root
    mkdir "$EXPOSE_FROM_ROOT"
    mount --move "$HOLD" "$EXPOSE_FROM_ROOT"
fi
# Each scratch path's tmpfs is staged under $HOLD, with whatever the server reads below that path (a clean clone in
# /tmp: the checkout, its venvs) bound into it read-only, then moved over the path once the rest is read-only.
i=0
for scratch in ${WRITABLE_PATHS:-}; do
    stage="$HOLD/scratch-$i"
    mkdir -p "$stage"
    mount -t tmpfs -o nosuid,nodev,mode=1777,size=256m tmpfs "$stage"
    for keep in ${KEEP_UNDER_SCRATCH:-}; do
        case "$keep" in "$scratch"/*) ;; *) continue ;; esac
        mkdir -p "$stage/${keep#"$scratch"/}"
        mount --bind "$keep" "$stage/${keep#"$scratch"/}"
        mount -o remount,bind,ro "$stage/${keep#"$scratch"/}"
    done
    i=$((i + 1))
done
for mount_point in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
    case "$mount_point" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|"$HOLD"/*) continue ;; esac
    mount -o remount,bind,ro "$mount_point"
done
i=0
for scratch in ${WRITABLE_PATHS:-}; do
    mount -n --move "$HOLD/scratch-$i" "$scratch"
    i=$((i + 1))
done
exec setpriv --reuid="$RUN_AS_UID" --regid="$RUN_AS_GID" --clear-groups \
    --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "$@"
"""


def namespace_env(hold: Path) -> dict[str, str]:
    """What READ_ONLY_ROOT reads: the writable paths, the user to run as, and the interpreter tree to expose when
    it sits under /root (`hold`: an empty directory to stage it through)."""
    real = Path(os.path.realpath(python_of(RUNTIME_PG_VENV)))
    under_root = real.parts[:3] if real.parts[:2] == ("/", "root") and len(real.parts) > 3 else ()
    hold.mkdir(exist_ok=True)
    # What the server reads that may sit under a scratch path (a clean clone in /tmp): kept visible, read-only.
    needed = {REPO_ROOT.resolve(), Path(os.path.realpath(RUNTIME_PG_VENV))}
    keep = sorted(str(path) for path in needed
                  if any(path.is_relative_to(scratch) for scratch in contract.WRITABLE_PATHS))
    return {"WRITABLE_PATHS": " ".join(contract.WRITABLE_PATHS), "KEEP_UNDER_SCRATCH": " ".join(keep),
            "RUN_AS_UID": str(contract.RUNTIME_UID),
            "RUN_AS_GID": str(contract.RUNTIME_GID), "EXPOSE_FROM_ROOT": str(Path(*under_root)) if under_root else "",
            "HOLD": str(hold)}


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
                         PYTHONDONTWRITEBYTECODE="", **namespace_env(tmp_path / f"hold-{role}"),
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
    # No custom auth here (see test_data_tier.py on why runs are served without it on this runtime).
    client = get_sync_client(url=url, api_key=None)
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
             "touch /tmp/probe && echo tmp-writable; grep CapEff /proc/self/status; id -u")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", READ_ONLY_ROOT,
                             "read-only-root", "bash", "-c", probe],
                            env={**os.environ, **namespace_env(tmp_path / "hold")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "app-writable" not in result.stdout
    assert "tmp-writable" in result.stdout
    assert "CapEff:\t0000000000000000" in result.stdout
    assert result.stdout.split()[-1] == str(contract.RUNTIME_UID)
