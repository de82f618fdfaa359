"""The real server (langgraph-api 0.11.1 + langgraph-runtime-pg) under a short load and under faults, on loopback.

Short versions of what scripts/load_harness.py measures (docs/reliability.md has the harness's figures and commands).
Each test starts its own Postgres, Redis, one API process (N_JOBS_PER_WORKER=0) and a queue worker serving
tests/app/load_graph, whose single node records a 'start' and an 'end' row per execution in Postgres: a run executed
twice is counted from those rows, and a thread is intact when its `values.count` in Postgres' `threads` table equals
the number of its runs that succeeded. Runs are counted from the `runs` table, read directly.

In each fault test IN_FLIGHT runs are executing (their 'start' rows are written, each sleeps RUN_SLEEP s) when the
fault strikes, and AFTER more are submitted right after it. The outcomes asserted are the ones measured here:

- SIGKILL / SIGTERM of the worker (then a replacement starts, as ECS or Cloud Run would): every in-flight run is
  executed again from its start on the replacement and completes (at least once, never lost, never completed twice).
  SIGTERM does not let in-flight runs finish: the worker cancels them and exits within seconds, well inside its
  grace period, and they are requeued.
- Redis restarted (empty) / every Postgres connection terminated: a run may fail visibly (status `error`; measured:
  runs submitted right after, and under load one mid-run), timing decides which; nothing is lost or completed twice,
  and (Postgres) nothing is executed twice.

The heartbeat is 1 s (LG_BG_JOB_HEARTBEAT) so that a dead worker's runs are swept within seconds, not minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.agent_servers import RUNTIME_PG_VENV, python_of
from tests.conftest import load_script

IN_FLIGHT = 3
AFTER = 3
RUN_SLEEP = 3.0
BOUND_SECONDS = 40.0
GRACE_SECONDS = 5


harness = load_script("load_harness")


@pytest.fixture(autouse=True)
def _runtime_pg_venv() -> None:
    if not python_of(RUNTIME_PG_VENV).exists():
        pytest.fail(f"{python_of(RUNTIME_PG_VENV)} is missing: run scripts/setup-runtime-pg.sh")


def fault(name: str, tmp_path: Path) -> dict:
    result = harness.run_fault(tmp_path, name, in_flight=IN_FLIGHT, after=AFTER, sleep=RUN_SLEEP,
                               bound=BOUND_SECONDS, shutdown_grace_seconds=GRACE_SECONDS)  # fmt: skip
    print(result)
    assert result["in_flight_when_struck"] == IN_FLIGHT, result
    assert result["accepted"] == IN_FLIGHT + AFTER, result
    # Nothing lost: every run reached a terminal status within the bound.
    assert result["lost"] == 0, result
    assert result["completed"] + result["errored"] == result["accepted"], result
    # No run completed twice, and every thread's state in Postgres counts exactly its successful runs.
    assert result["completed_twice"] == 0, result
    assert result["threads_intact"] == result["threads"] == IN_FLIGHT + AFTER, result
    assert result["threads_readable"] == result["threads"], result
    assert result["outbound"] == [], result
    return result


def test_a_short_load_completes_every_run_and_keeps_every_thread(tmp_path: Path) -> None:
    result = harness.run_load(tmp_path, replicas=1, seconds=3.0, clients=2, sleep=0.05, jobs=4)
    print(result)
    assert result["api"]["errors"] == 0, result["api"]["error_samples"]
    assert set(result["api"]["ops"]) == {"threads.create", "runs.create", "threads.get_state", "runs.stream"}
    runs = result["runs"]
    assert runs["accepted"] > 0 and runs["completed"] == runs["accepted"], runs
    assert runs["lost"] == runs["errored"] == runs["executed_twice"] == 0, runs
    assert runs["threads_intact"] == runs["threads"], runs
    assert result["outbound"] == []


def test_a_worker_killed_with_sigkill_mid_run_its_runs_run_again_and_complete(tmp_path: Path) -> None:
    result = fault("sigkill", tmp_path)
    assert result["in_flight_statuses"] == {"success": IN_FLIGHT}, result
    assert result["completed"] == result["accepted"], result
    # At least once: each killed run was executed again from its start (its first execution left no checkpoint).
    assert result["executed_twice"] == IN_FLIGHT, result


def test_a_worker_stopped_with_sigterm_requeues_its_runs_and_they_complete(tmp_path: Path) -> None:
    result = fault("sigterm", tmp_path)
    assert result["in_flight_statuses"] == {"success": IN_FLIGHT}, result
    assert result["completed"] == result["accepted"], result
    # The worker does not drain: it cancels its runs and exits well inside the grace period; they run again.
    assert result["exit_seconds"] < GRACE_SECONDS, result
    assert not result["grace_exceeded"], result
    assert result["executed_twice"] == IN_FLIGHT, result


def test_redis_restarted_nothing_is_lost_and_failures_are_visible(tmp_path: Path) -> None:
    result = fault("redis", tmp_path)
    # Timing decides which runs, if any, fail (measured: 0-2 of the runs submitted after the restart, one of them
    # mid-run under load): the invariant is that each one ends visibly (error), none is lost or completed twice.
    assert set(result["in_flight_statuses"]) | set(result["after_statuses"]) <= {"success", "error"}, result


def test_postgres_connections_terminated_nothing_is_lost_or_repeated(tmp_path: Path) -> None:
    result = fault("postgres", tmp_path)
    assert result["connections_terminated"] > 0, result
    assert set(result["in_flight_statuses"]) | set(result["after_statuses"]) <= {"success", "error"}, result
    # A run that hits a dead connection fails (error) and is not retried, so none runs twice.
    assert result["executed_twice"] == 0, result
