"""The configuration reference (docs/config.md, `make docs`): every key with its dev and prod defaults and its
documentation, generated from the model so that it cannot drift."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from pydantic import BaseModel

from . import profiles
from .config import StackConfig
from .derive.capacity import with_capacity
from .derive.thresholds import with_derived


def reference_markdown(cloud: str = "aws") -> str:
    """A markdown table of every key with its dev and prod defaults on `cloud` and its documentation."""
    target = {"aws": {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"},
              "gcp": {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"}}[cloud]
    samples = {}
    for env in ("dev", "prod"):
        merged = profiles.deep_merge(profiles.profile(env, cloud), {"target": target, "environment": env})
        samples[env] = with_derived(with_capacity(StackConfig.model_validate(merged), merged, {}), {})
    rows = ["| key | dev | prod | what it does |", "|---|---|---|---|"]

    def walk(model: type[BaseModel], dev: Any, prod: Any, prefix: str) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, getattr(dev, name), getattr(prod, name), f"{key}.")
                continue
            doc = " ".join((field.description or "").split()).replace("|", "\\|")
            rows.append(f"| `{key}` | {_cell(getattr(dev, name))} | {_cell(getattr(prod, name))} | {doc} |")

    walk(StackConfig, samples["dev"], samples["prod"], "")
    return "\n".join(rows)


def _cell(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if value is None or value == {} or value == []:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{json.dumps(value) if isinstance(value, (dict, list)) else value}`"
