"""A stack's configuration as the plan reads it: `Pulumi.yaml` and `Pulumi.<stack>.yaml`, with `--set` and `--secret`
applied, turned into Pulumi's wire form (namespaced keys, objects as JSON) with placeholders for `secure:` values."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from ..mocks import PLACEHOLDER_PREFIX
from ..wire import document
from .model import PlanError


def check_stack_name(stack: str) -> None:
    """`PlanError` unless `stack` names a stack file (and no path: `--stack ../x` reads nothing outside)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", stack):
        raise PlanError(f"--stack {stack!r}: a stack name (letters, digits, `.`, `_`, `-`) naming Pulumi.<stack>.yaml")


def read_stack_file(project_dir: Path, stack: str) -> tuple[str, dict[str, Any]]:
    """The project's name and the stack file's `config:` map; `PlanError` when either file is missing or invalid."""
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise PlanError(f"no Pulumi.yaml in {project_dir}: run the plan from the project's folder")
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise PlanError(f"no stack file {path.name} (stacks here: {', '.join(known) or 'none'})")
    try:
        project = yaml.safe_load(project_file.read_text()) or {}
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise PlanError(f"not valid YAML: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("config") or {}, dict) or "name" not in project:
        raise PlanError(f"{path.name} must be a map with a `config:` map, and Pulumi.yaml must have a `name`")
    return project["name"], data.get("config") or {}


def config_map(
    project: str, raw: dict[str, Any], sets: list[str], secrets: list[str]
) -> tuple[dict[str, str], list[str], list[str]]:
    """Pulumi's wire form of a stack's config: namespaced keys, objects as JSON. Returns config, secret keys, and
    the placeholder values standing in for `secure:` ones."""
    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    placeholders: list[str] = []
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            placeholder = f"{PLACEHOLDER_PREFIX}{full.split(':', 1)[1].lower()}"
            values[full] = placeholder
            secret_keys.append(full)
            placeholders.append(placeholder)
        else:
            values[full] = value
    for item, secret in [(s, False) for s in sets] + [(s, True) for s in secrets]:
        key, sep, value = item.partition("=")
        flag = "--secret" if secret else "--set"
        if not sep or not key or any(not part for part in key.split(".")):
            # A malformed --secret may be the secret itself: never echo it.
            raise PlanError("--secret: expected KEY=VALUE (e.g. --secret LANGSMITH_API_KEY=...)" if secret else
                            f"{flag} {item!r}: expected KEY=VALUE (e.g. {flag} postgres.instance_class=db.t4g.small)")
        _set_path(values, project, key, value, flag)
        full = key.split(".")[0] if ":" in key.split(".")[0] else f"{project}:{key.split('.')[0]}"
        if secret:
            secret_keys.append(full)
            placeholders.append(value)
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    return wire, sorted(set(secret_keys)), placeholders


def _set_path(values: dict[str, Any], project: str, key: str, value: str, flag: str = "--set") -> None:
    """`--set postgres.instance_class=db.t4g.small` sets one value inside a structured key, like `--path`."""
    head, *rest = key.split(".")
    full = head if ":" in head else f"{project}:{head}"
    parsed: Any = _parse_scalar(value)
    if not rest:
        values[full] = parsed
        return
    node = values.setdefault(full, {})
    if isinstance(node, str):
        node = document(node)
        values[full] = node
    for i, part in enumerate(rest):
        if not isinstance(node, dict):
            reached = ".".join([head, *rest[:i]])
            raise PlanError(f"{flag} {key}=...: {reached} is not an object, so it has no key {part!r}")
        if i < len(rest) - 1:
            node = node.setdefault(part, {})
    node[rest[-1]] = parsed


def _parse_scalar(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value

