"""Findings the project accepts. A finding is suppressed where the resource is built, with its reason, as a tag
`accepted:<rule id>` = reason (AWS tag values allow letters, digits, spaces and _ . : / = + - @): the reason travels
with the resource into plans, the policy engine and the console, and the rule skips that resource. On a Kubernetes
object the same record is an annotation (a key allows no `:`): `langgraph-infra/accepted.<rule id>`.

The targets call `accepted` / `accepted_annotation` where they build the resource; docs/security.md lists each one.
"""

from __future__ import annotations

from typing import Any

from ..wire import json_value

ACCEPTED_PREFIX = "accepted:"
K8S_ACCEPTED_PREFIX = "langgraph-infra/accepted."


def accepted(rule_id: str, reason: str) -> dict[str, str]:
    """The tag that suppresses `rule_id` on one resource, with its reason."""
    return {f"{ACCEPTED_PREFIX}{rule_id}": reason}


def accepted_annotation(rule_id: str, reason: str) -> dict[str, str]:
    """The annotation that suppresses `rule_id` on one Kubernetes object, with its reason."""
    return {f"{K8S_ACCEPTED_PREFIX}{rule_id}": reason}


def acceptance(i: dict[str, Any], rule_id: str) -> str | None:
    """The recorded reason when `rule_id` is accepted on a resource with inputs `i`, else None."""
    tags = json_value(i.get("tags"))
    if isinstance(tags, dict) and f"{ACCEPTED_PREFIX}{rule_id}" in tags:
        return str(tags[f"{ACCEPTED_PREFIX}{rule_id}"])
    metadata = json_value(i.get("metadata"))
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations.get(f"{K8S_ACCEPTED_PREFIX}{rule_id}") if isinstance(annotations, dict) else None
