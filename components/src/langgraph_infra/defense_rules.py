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
