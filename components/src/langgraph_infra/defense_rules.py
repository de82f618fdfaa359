"""The defense-in-depth checks (issue 14): pure functions over one resource's inputs, with the engine's camelCase
names, answering None (compliant or not applicable) or what is wrong and how to fix it. `rules.RULES` names them,
so they run offline over plans (`--rules`) and in the policy pack alike.

Accepted findings of the outside reviewers' packs (cdk-nag, checkov) that these rules deliberately do not raise,
each with its reason, sit next to the code that causes them; docs/security.md lists them.
"""

from __future__ import annotations

import json
from typing import Any


def _json(value: Any) -> Any:
    """Nested JSON arrives as a string in the engine and as an object in a plan."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def trust_has_source_conditions(i: dict[str, Any]) -> str | None:
    """A role a service assumes names the account and the resources it may act for (confused deputy)."""
    doc = _json(i.get("assumeRolePolicy"))
    if not isinstance(doc, dict):
        return None
    for statement in _listed(doc.get("Statement")):
        services = _listed((statement.get("Principal") or {}).get("Service"))
        if statement.get("Effect") != "Allow" or not services:
            continue
        condition = statement.get("Condition") or {}
        keys = {key.lower() for block in condition.values() if isinstance(block, dict) for key in block}
        missing = [k for k in ("aws:SourceAccount", "aws:SourceArn") if k.lower() not in keys]
        if missing:
            return (f"the trust policy lets {', '.join(map(str, services))} assume the role without "
                    f"{' and '.join(missing)}: add them (confused deputy)")
    return None


def _non_root(user: Any) -> bool:
    uid = str(user or "").split(":", 1)[0]
    return bool(uid) and uid not in ("0", "root")


def ecs_containers_hardened(i: dict[str, Any]) -> str | None:
    """Every container: read-only root, an explicit non-root user, every capability dropped, not privileged."""
    definitions = _json(i.get("containerDefinitions"))
    if not isinstance(definitions, list):
        return None
    problems = []
    for c in definitions:
        name = c.get("name", "?")
        if c.get("readonlyRootFilesystem") is not True:
            problems.append(f"{name}: readonlyRootFilesystem must be true (scratch paths as task volumes)")
        if not _non_root(c.get("user")):
            problems.append(f"{name}: user must name a non-root uid (the image's, 1000:1000)")
        drops = ((c.get("linuxParameters") or {}).get("capabilities") or {}).get("drop") or []
        if "ALL" not in drops:
            problems.append(f'{name}: linuxParameters.capabilities.drop must be ["ALL"]')
        if c.get("privileged") is True:
            problems.append(f"{name}: must not be privileged")
    return "; ".join(problems) or None


def docker_container_hardened(i: dict[str, Any]) -> str | None:
    """An app container on the local engine (one with a health check; the data stores run their own images' users):
    read-only root, non-root user, no capability."""
    if not i.get("healthcheck") or not str(i.get("name", "")).endswith(("-api", "-queue")):
        return None
    problems = []
    if i.get("readOnly") is not True:
        problems.append("readOnly must be true (scratch paths as tmpfs)")
    if not _non_root(i.get("user")):
        problems.append("user must name a non-root uid")
    if "ALL" not in ((i.get("capabilities") or {}).get("drops") or []):
        problems.append('capabilities.drops must be ["ALL"]')
    return "; ".join(problems) or None
