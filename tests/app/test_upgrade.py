"""An Agent Server upgrade and its rollback on the real server, as a rolling update does them, on loopback.

Short versions of what `scripts/load_harness.py upgrade` measures (docs/reliability.md, "Upgrading the Agent
Server"). The old version is langgraph-api 0.11.1 (.venv-runtime-pg), the new one langgraph-api 0.16.7, the
production image's (.venv-runtime-pg-next), both on langgraph-runtime-pg 0.11.1.post1, whose migrations create the
schema at start-up. Each test serves the old version (API with N_JOBS_PER_WORKER=0 + a queue worker) with IN_FLIGHT
threads that each have a run executing and one queued behind it, then, role by role, starts the new version beside the
old one on the same Postgres and Redis and stops the old one with SIGTERM; after every step each API still up is
probed (a background run, a streamed run, an old thread's state and history). The outcomes asserted are the ones
measured:

- nothing lost, nothing completed twice, every thread's state counts its successful runs, readable on the new version;
- the runs executing on the old worker when it stops run again from their start on the new one (at least once);
- old replicas keep working beside the new version after its start-up migrated: the old API answers every probe and
  the old worker executes runs the new API created (and the reverse on rollback);
- the new version changed nothing in the schema (the runtime's Alembic revision and every column are the same).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.app.agent_servers import REPO_ROOT, RUNTIME_PG_NEXT_VENV, RUNTIME_PG_VENV, python_of
from tests.conftest import load_script

IN_FLIGHT = 2
PROBES_PER_API = 2  # runs each probe creates: one in the background, one streamed
BOUND_SECONDS = 90.0  # for the runs to become terminal once the rollout is over (they take well under 10 s here)


@pytest.fixture(autouse=True)
def _both_venvs() -> None:
    for venv, command in ((RUNTIME_PG_VENV, ""), (RUNTIME_PG_NEXT_VENV, " next")):
        if not python_of(venv).exists():
            pytest.fail(f"{python_of(venv)} is missing: run scripts/setup-runtime-pg.sh{command}")


def installed(venv: Path, package: str) -> str:
    script = f"import importlib.metadata as m; print(m.version({package!r}))"
    return subprocess.run([str(python_of(venv)), "-c", script], capture_output=True, text=True, timeout=60,
                          check=True).stdout.strip()  # fmt: skip


def test_the_next_version_is_the_images_on_the_same_runtime() -> None:
    image_version = json.loads((REPO_ROOT / "app" / "langgraph.json").read_text())["api_version"]
    lock = (REPO_ROOT / "requirements" / "runtime-pg-next.txt").read_text().splitlines()
    assert f"langgraph-api=={image_version}" in lock
    assert installed(RUNTIME_PG_NEXT_VENV, "langgraph-api") == image_version
    assert installed(RUNTIME_PG_VENV, "langgraph-api") == "0.11.1"
    assert installed(RUNTIME_PG_NEXT_VENV, "langgraph-runtime-pg") == installed(RUNTIME_PG_VENV, "langgraph-runtime-pg")


def rollout(tmp_path: Path, order: str, old: Path, new: Path) -> dict:
    result = load_script("load_harness").run_upgrade(tmp_path, order, old, new, in_flight=IN_FLIGHT, bound=BOUND_SECONDS)
    print(json.dumps(result, indent=1))
    steps = {step["step"]: step for step in result["steps"]}
    probes = sum(1 for step in result["steps"] for key in step if key.startswith("probe"))
    assert result["in_flight_when_rollout_began"] == IN_FLIGHT, result
    assert result["accepted"] == 2 * IN_FLIGHT + PROBES_PER_API * probes, result
    # Nothing lost or completed twice; every thread intact and readable through the new version.
    assert result["lost"] == result["errored"] == 0, result
    assert result["completed"] == result["accepted"], result
    assert result["completed_twice"] == 0, result
    assert result["threads_intact"] == result["threads"] == result["threads_readable_on_new"], result
    # The runs executing on the old worker when it stopped ran again on the new one: at least once.
    assert steps["stop queue"]["runs_executing_on_old_worker"] == IN_FLIGHT, result
    assert result["executed_twice"] == IN_FLIGHT, result
    assert result["long_run_statuses"] == {"success": 2 * IN_FLIGHT}, result
    # Old and new served side by side: every probe of every API answered, the old one's after the new one started.
    assert result["probe_errors"] == 0, result
    assert result["schema_after"] == result["schema_before"], result
    assert result["outbound"] == [], result
    return result


def test_an_upgrade_queue_first_loses_nothing_and_old_replicas_keep_working(tmp_path: Path) -> None:
    result = rollout(tmp_path, "queue-first", RUNTIME_PG_VENV, RUNTIME_PG_NEXT_VENV)
    assert result["old"].startswith("0.11.1 ") and result["new"].startswith("0.16.7 "), result
    # The old API served beside the new worker (its probes answered), and the new API beside the old one.
    assert any(key.startswith("probe old api") for key in result["steps"][0]), result
    assert any(key.startswith("probe old api") for key in result["steps"][2]), result
    assert result["executions_by_version"]["new"] > 0, result


def test_a_rollback_of_both_roles_together_loses_nothing(tmp_path: Path) -> None:
    result = rollout(tmp_path, "together", RUNTIME_PG_NEXT_VENV, RUNTIME_PG_VENV)
    assert result["old"].startswith("0.16.7 ") and result["new"].startswith("0.11.1 "), result
    # While both ran, the worker being rolled back still executed runs (from either API) after the other started.
    assert result["old_worker_executions_after_new_migrated"] > 0, result
