"""The configuration reference (docs/config.md, `make docs`): every key with its dev and prod defaults and its
documentation, generated from the model so that it cannot drift."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from pydantic import BaseModel

from . import profiles, targets
from .config import StackConfig
from .derive.capacity import with_capacity
from .derive.thresholds import with_derived

SAMPLE_TARGETS = {"aws": {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"},
                  "gcp": {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"}}


def reference_markdown(cloud: str = "aws") -> str:
    """A markdown table of every key with its dev and prod defaults and its documentation: the neutral sections on
    `cloud`, then each installed target's own sections (`Target.sections`) on that target's cloud."""
    rows = ["| key | dev | prod | what it does |", "|---|---|---|---|"]

    def walk(model: type[BaseModel], dev: Any, prod: Any, prefix: str, only: tuple[str, ...] | None = None) -> None:
        for name, field in model.model_fields.items():
            if only is not None and name not in only:
                continue
            key = f"{prefix}{name}"
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, getattr(dev, name), getattr(prod, name), f"{key}.")
                continue
            doc = " ".join((field.description or "").split()).replace("|", "\\|")
            rows.append(f"| `{key}` | {_cell(getattr(dev, name))} | {_cell(getattr(prod, name))} | {doc} |")

    dev, prod = _samples(cloud)
    walk(StackConfig, dev, prod, "")
    for other, target in sorted(targets.registered().items()):
        if target.sections and other in SAMPLE_TARGETS:
            dev, prod = _samples(other)
            walk(type(dev), dev, prod, "", only=tuple(target.sections))
    return "\n".join(rows)


def _samples(cloud: str) -> tuple[StackConfig, StackConfig]:
    """A stack on `cloud` in dev and in prod with nothing set but the target: the defaults the table shows."""
    samples = []
    for env in ("dev", "prod"):
        merged = profiles.deep_merge(profiles.profile(env, cloud), {"target": SAMPLE_TARGETS[cloud], "environment": env})
        cfg = targets.stack_model(cloud).model_validate(merged)
        samples.append(with_derived(with_capacity(cfg, merged, {}), {}))
    return samples[0], samples[1]


def _cell(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if value is None or value == {} or value == []:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{json.dumps(value) if isinstance(value, (dict, list)) else value}`"
