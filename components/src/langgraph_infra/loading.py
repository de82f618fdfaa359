"""Loading a stack's configuration: the `langgraph-infra` namespace of the running Pulumi stack (or raw `--set`
dicts), merged over the environment's profile, derived, validated and checked as a whole.

A bad value raises `ConfigError`, which Pulumi prints without a traceback, naming the key, the value and the fix.
Every problem is reported in one run.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from . import profiles, targets
from .app_folder import check_app, project_root, settle_app
from .checks import cross_checks
from .config import SECTIONS, StackConfig
from .config.base import ENV_NAME
from .derive.capacity import with_capacity
from .derive.thresholds import with_derived
from .errors import ConfigError
from .exposure import check_exposure

__all__ = ["NAMESPACE", "SECTIONS", "ConfigError", "build", "check_secret_values", "describe", "load", "read_raw",
           "secret_value"]

NAMESPACE = "langgraph-infra"


def build(raw: dict[str, Any]) -> StackConfig:
    """Validate raw structured config (as in Pulumi.<stack>.yaml, without the namespace) over its profile.

    Every problem is reported in one run: a value that fails its own check is set aside (its profile default
    stands in) so that the checks that involve several keys still run on the rest.
    """
    problems = []
    target = raw.get("target")
    env = raw.get("environment")
    if not isinstance(target, dict) or "cloud" not in target:
        problems.append("target is required: e.g. `target: {cloud: aws, runtime: ecs, region: us-east-1}`")
    if env is None:
        problems.append(f"environment is required: one of {', '.join(profiles.environments())}")
    if problems:
        raise ConfigError(problems)
    assert isinstance(target, dict)
    defaults = profiles.profile(str(env), str(target.get("cloud")))
    model = targets.stack_model(str(target.get("cloud")))
    user = copy.deepcopy(raw)
    reported: list[str] = []
    cfg = None
    # Each round sets aside what failed; validators that need their fields valid run in the next round.
    for _ in range(len(model.model_fields) + 5):
        try:
            cfg = model.model_validate(profiles.deep_merge(defaults, user))
            break
        except ValidationError as err:
            # A required key that was set aside is missing now: already reported, and nothing can stand in.
            errors = [e for e in err.errors() if not (e["type"] == "missing" and any(
                ".".join(str(p) for p in e["loc"]).startswith(key) for key in reported))]
            if not errors:
                break
            problems += [describe(e, model) for e in errors]
            reported += [".".join(str(p) for p in e["loc"]) for e in errors]
            if not all(_set_aside(user, e["loc"]) for e in errors):
                break
    if cfg is None:
        raise ConfigError(problems)
    cfg = with_derived(with_capacity(cfg, defaults, user), user)
    # Rules across keys, minus those about a key already reported (its stand-in value would mislead).
    problems += [p.text for p in cross_checks(cfg) if not any(p.concerns(key) for key in reported if key)]
    if problems:
        raise ConfigError(problems)
    return cfg


def _set_aside(user: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the user's value at `loc` (a list or a model-level error: the whole enclosing key) so the profile's
    default stands in. False when there is nothing of the user's to remove."""
    path = [p for p in loc]
    while path and isinstance(path[-1], int):
        path.pop()
    node: Any = user
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if isinstance(node, dict) and path and path[-1] in node:
        del node[path[-1]]
        return True
    if len(path) > 1:
        return _set_aside(user, tuple(path[:-1]))
    return False


def describe(error: ErrorDetails, stack_model: type[StackConfig] = StackConfig) -> str:
    """One validation error of `stack_model` (the stack's cloud's, `targets.stack_model`) as a problem's text."""
    key = ".".join(str(p) for p in error["loc"]) or "(stack)"
    value = error.get("input")
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
        owners = [cloud for cloud, target in sorted(targets.registered().items()) if key in target.sections]
        if owners:
            return (f"{key}: a section of the {' and '.join(owners)} target, which this stack's target does not read: "
                    f"remove it (or use target.cloud={owners[0]})")
    if error["type"] == "extra_forbidden":
        parent = error["loc"][:-1]
        model: Any = stack_model
        for part in parent:
            field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
            model = field.annotation if field is not None else None
        allowed = ", ".join(model.model_fields) if hasattr(model, "model_fields") else ""
        return f"{key}: unknown key" + (f" (allowed here: {allowed})" if allowed else "")
    if error["type"] == "missing":
        return f"{key}: required"
    if isinstance(value, (dict, list)) or key == "(stack)":
        return f"{key}: {msg}"
    return f"{key}={json.dumps(value) if not isinstance(value, str) else value}: {msg}"


def read_raw(config: pulumi.Config | None = None) -> dict[str, Any]:
    """The namespace's structured keys from the running stack's config (the secret values are left out)."""
    config = config or pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {}
    problems = []
    sections = targets.section_names()
    for key in sections:
        try:
            value = config.get_object(key)
        except Exception:  # noqa: BLE001 - a scalar where an object is expected
            value = config.get(key)
        if value is not None:
            raw[key] = value
    secrets = raw.get("secrets")
    declared: dict[str, Any] = secrets if isinstance(secrets, dict) else {}
    for key in sorted(_namespace_keys()):
        if key in sections:
            continue
        if not ENV_NAME.match(key):
            problems.append(f"{NAMESPACE}:{key}: unknown key (allowed: {', '.join(sections)}, or a secret's NAME)")
        elif key not in declared:
            # A secret value nothing uses is most often a typo of one that is used.
            problems.append(f"{NAMESPACE}:{key} is set but `secrets` has no {key}: add `secrets: {{{key}: {{}}}}` "
                            f"to pass it to the server, or `pulumi config rm {key}`")
    if problems:
        raise ConfigError(problems)
    return raw


def _namespace_keys() -> set[str]:
    keys = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix):] for k in keys if k.startswith(prefix)}


def load(config: pulumi.Config | None = None) -> StackConfig:
    """Read and validate the running stack's configuration, including the app folder and secret values.

    The structured keys are read from the `langgraph-infra:` namespace (or `config`); the values of the secrets the
    stack creates from the running project's own namespace (`pulumi.Config()`), where `pulumi config set --secret
    NAME` puts them and where the AgentServer reads them. Raises ConfigError (no traceback under Pulumi) before any
    resource is registered.
    """
    config = config or pulumi.Config(NAMESPACE)
    cfg = build(read_raw(config))
    problems = check_secret_values(cfg)
    if not cfg.app.image:
        problems += check_app(cfg, project_root())
        if not problems:
            cfg = settle_app(cfg, project_root())
    # The AgentServer warns of an open dev API; here only what refuses the stack joins the other problems.
    problems += check_exposure(cfg, project_root())[0]
    if problems:
        raise ConfigError(problems)
    return cfg


def check_secret_values(cfg: StackConfig, config: pulumi.Config | None = None) -> list[str]:
    """Each created secret's value is set, and set as a secret, in `config` (default: the running project's own
    namespace, the one `secret_value` reads)."""
    config = config or pulumi.Config()
    problems = []
    for name in cfg.created_secret_names():
        full = f"{config.name}:{name}"
        if config.get(name) is None:
            problems.append(
                f"secrets.{name} is created from the secret config key {name}, which is not set: run "
                f"`pulumi config set --secret {name} <value>`, or adopt an existing secret with "
                f"`secrets.{name}.existing`"
            )
        elif not (pulumi.runtime.is_config_secret(full) or full in pulumi.runtime.get_config_secret_keys_env()):
            problems.append(
                f"{name} is stored in plain text in the stack config: run `pulumi config rm {name}` then "
                f"`pulumi config set --secret {name} <value>`"
            )
    return problems


def secret_value(name: str, config: pulumi.Config | None = None) -> pulumi.Output[str]:
    """The secret config value that creates secret `name`, from the running project's own namespace
    (`pulumi config set --secret NAME ...` in the user's project; validated by `load` to exist and be secret)."""
    config = config or pulumi.Config()
    return config.require_secret(name)
