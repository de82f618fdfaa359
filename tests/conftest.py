"""Shared fixtures: offline plans of this repository's stacks, run once per (stack, overrides) and cached."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from langgraph_infra.plan import Plan, run_plan

ROOT = Path(__file__).resolve().parent.parent
# A value that must never appear in plain text anywhere: set as the licence key in the canary plans.
CANARY = "canary-8d3f0b7e-do-not-print"


@functools.cache
def _plan(stack: str, sets: tuple[str, ...], secrets: tuple[str, ...]) -> Plan:
    return run_plan(ROOT, stack, sets=list(sets), secrets=list(secrets))


def plan_of(stack: str, *sets: str, secrets: tuple[str, ...] = ()) -> Plan:
    """The offline plan of `Pulumi.<stack>.yaml` with `--set` overrides (cached: plans are read-only)."""
    return _plan(stack, tuple(sets), tuple(secrets))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The plan CLI as a user runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "infra.plan", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def inputs_json(plan: Plan) -> str:
    return json.dumps([r.inputs for r in plan.resources], sort_keys=True)
