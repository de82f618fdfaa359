"""Names and tags, the same on every cloud. Child resources are named from their component's name, so the names
in a plan are stable and say what owns what."""

from __future__ import annotations

import hashlib
import re

from .config import StackConfig


def child(component: str, part: str) -> str:
    return f"{component}-{part}"


def tags(cfg: StackConfig, stack: str) -> dict[str, str]:
    """Tags for AWS (and, lower-cased, labels for GCP) on every resource that takes them."""
    base = {
        "app": cfg.name,
        "environment": cfg.environment.value,
        "stack": stack,
        "managed-by": "pulumi",
        "part-of": "langgraph-infra",
    }
    return {**base, **cfg.tags}


def labels(cfg: StackConfig, stack: str) -> dict[str, str]:
    """GCP labels: lower case, [a-z0-9_-], at most 63 characters."""
    def clean(value: str) -> str:
        return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]

    return {clean(k): clean(v) for k, v in tags(cfg, stack).items()}


def bounded(name: str, limit: int) -> str:
    """`name` cut to a cloud's length limit; a cut name ends in a short hash of the whole, so two long names that
    share a prefix stay distinct (and the same name always gives the same result)."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[:limit - 7].rstrip('-_')}-{digest}"
