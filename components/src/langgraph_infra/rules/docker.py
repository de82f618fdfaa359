"""Rules of the local Docker stack: ports published on loopback only, and hardened app containers."""

from __future__ import annotations

from typing import Any

from .common import non_root
from .rule import NOT_APPLICABLE, Outcome, Rule, outcome


def _loopback_only(i: dict[str, Any]) -> Outcome:
    # Local secrets are env values marked secret; a policy engine sees them unwrapped, so only the plan tests can
    # judge them. The ports it can judge.
    exposed = [p for p in i.get("ports") or [] if p.get("ip") != "127.0.0.1"]
    return outcome(f"ports {[p.get('external') for p in exposed]} are published beyond 127.0.0.1" if exposed else None)


def docker_container_hardened(i: dict[str, Any]) -> Outcome:
    """An app container on the local engine (one with a health check; the data stores run their own images' users):
    read-only root, non-root user, no capability."""
    if not i.get("healthcheck") or not str(i.get("name", "")).endswith(("-api", "-queue")):
        return NOT_APPLICABLE
    problems = []
    if i.get("readOnly") is not True:
        problems.append("readOnly must be true (scratch paths as tmpfs)")
    if not non_root(i.get("user")):
        problems.append("user must name a non-root uid")
    if "ALL" not in ((i.get("capabilities") or {}).get("drops") or []):
        problems.append('capabilities.drops must be ["ALL"]')
    return outcome(*problems)


RULES: tuple[Rule, ...] = (
    Rule("docker-loopback-only", "Local containers publish ports on 127.0.0.1 only",
         ("docker:index/container:Container",), _loopback_only),
    Rule("docker-container-hardened", "Local app containers: read-only root, non-root user, no capability",
         ("docker:index/container:Container",), docker_container_hardened),
)
"""The local Docker rules, in the order the pack reports them."""
