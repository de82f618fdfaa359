"""The Kubernetes Service planned under Pulumi's mocks: the own-cluster example and the test program in
`program/` with one stack file per scenario (dev and prod on a Gateway, nginx Ingress, GKE's Gateway and Ingress)."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

from langgraph_infra import manifests, targets
from langgraph_infra.plan import Plan, run_plan
from tests.conftest import CANARY, ROOT

PROGRAM = Path(__file__).resolve().parent / "program"
EXAMPLE = ROOT / "examples" / "kubernetes-own-cluster"
SCENARIOS = ("dev", "prod", "nginx", "gke", "gce")
TOOLS_VENV = Path(os.environ.get("TOOLS_VENV") or ROOT / ".venv-tools")
# The data tier's URIs, as the program's secret config: they must reach the cluster only inside a Secret.
POSTGRES_URI = f"postgres://langgraph:{CANARY}@db.internal:5432/langgraph?sslmode=require"
REDIS_URI = f"rediss://:{CANARY}-redis@cache.internal:6379"


def kubernetes_stacks() -> list[str]:
    """This repository's own stacks that run on Kubernetes (`target.runtime: gke`): rendered and checked like the
    scenarios, so a Kubernetes stack added later is covered without a change here."""
    found = []
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        target = (yaml.safe_load(path.read_text()).get("config") or {}).get("langgraph-infra:target")
        installed = targets.for_cloud(target.get("cloud", "")) if isinstance(target, dict) else None
        if installed is not None and target.get("runtime") in installed.kubernetes_runtimes:
            found.append(path.name.removeprefix("Pulumi.").removesuffix(".yaml"))
    return found


@functools.cache
def plan_scenario(stack: str) -> Plan:
    return run_plan(PROGRAM, stack, secrets=[f"postgres_uri={POSTGRES_URI}", f"redis_uri={REDIS_URI}"])


@functools.cache
def plan_example() -> Plan:
    return run_plan(EXAMPLE, "prod")


def objects(plan: Plan) -> list[dict[str, Any]]:
    return manifests.manifests(plan)


def one(plan: Plan, kind: str, name: str) -> dict[str, Any]:
    found = [m for m in objects(plan) if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {[(m['kind'], m['metadata']['name']) for m in objects(plan)]}"
    return found[0]


def pod_spec(plan: Plan, deployment: str) -> dict[str, Any]:
    return one(plan, "Deployment", deployment)["spec"]["template"]["spec"]
