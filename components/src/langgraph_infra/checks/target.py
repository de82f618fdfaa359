"""The `target` and `environment` keys name an installed target, a runtime it offers, and what that cloud needs to
place the stack (its region, its project)."""

from __future__ import annotations

from .. import targets
from ..config import Cloud, Environment, StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    found = []
    cloud, runtime = cfg.target.cloud, cfg.target.runtime
    target = targets.for_cloud(cloud.value)
    if target is None:
        installed = ", ".join(sorted(targets.registered())) or "none"
        found.append(Problem(f"target.cloud={cloud.value}: no such target is installed (installed: {installed}); "
                             f"install langgraph-infra[{cloud.value}]", ("target.cloud",)))
    elif runtime.value not in target.runtimes:
        allowed = ", ".join(target.runtimes)
        found.append(Problem(f"target.runtime={runtime.value} does not run on target.cloud={cloud.value} "
                             f"(allowed: {allowed})", ("target.runtime", "target.cloud")))
    if cloud in (Cloud.AWS, Cloud.GCP) and not cfg.target.region:
        found.append(Problem(f"target.region is required on {cloud.value}", ("target.region",)))
    if cloud is Cloud.GCP and not cfg.target.project:
        found.append(Problem("target.project (the GCP project id) is required on gcp", ("target.project",)))
    if (cloud is Cloud.LOCAL) != (cfg.environment is Environment.LOCAL):
        found.append(Problem("environment=local goes with target.cloud=local, and only with it",
                             ("environment", "target.cloud")))
    return found
