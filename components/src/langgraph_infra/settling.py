"""The settings of a component used on its own (`DatabaseArgs(PostgresSettings(), ...)`), completed from the
environment's profile and checked as a stack's would be."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from . import profiles, targets
from .checks import cross_checks
from .checks.pools import POOLS
from .config import Environment, KubernetesSettings
from .errors import ConfigError
from .loading import describe

_Part = TypeVar("_Part", bound=BaseModel)
# The connection-pool arithmetic needs the database and both roles: checked only when all three are given (a
# part alone would be checked against the profile's guess of the others).
_POOL_SECTIONS = frozenset({"postgres", "api", "queue"})


def settle_parts(cloud: str, environment: Environment | str, parts: dict[str, _Part]) -> dict[str, _Part]:
    """The settings of a component used on its own (`DatabaseArgs(PostgresSettings(), ...)`), completed and checked
    as a stack would be.

    `parts` maps a section of the stack config (`postgres`, `redis`, `network`, `api`, `queue`) to the settings the
    caller built. Every field the caller did not set (pydantic's `model_fields_set`) takes the value of the
    `environment` profile on `cloud`; then the same checks a whole stack gets (the target's sizes, prod's floors, the
    connection pools when the database and both roles are given) run on those sections. Raises `ConfigError` naming each
    `section.key=value` and its fix, before any resource is registered.
    """
    env = Environment(environment)
    target = targets.for_cloud(cloud)
    if target is None:
        raise ConfigError([f"target.cloud={cloud}: no such target is installed; install langgraph-infra[{cloud}]"])
    explicit = {section: part.model_dump(include=part.model_fields_set) for section, part in parts.items()}
    defaults = profiles.profile(env.value, cloud)
    raw = profiles.deep_merge(defaults, {"target": {"cloud": cloud, "runtime": target.runtimes[0]},
                                         "environment": env.value, **explicit})
    model = targets.stack_model(cloud)
    try:
        whole = model.model_validate(raw)
    except ValidationError as err:
        raise ConfigError([describe(e, model) for e in err.errors()]) from None
    pools = _POOL_SECTIONS <= set(parts)
    problems = [p for p in cross_checks(whole)
                if p.section in parts or (pools and p.concern == POOLS)]
    if problems:
        raise ConfigError(problems)
    return {section: type(part).model_validate(getattr(whole, section).model_dump())
            for section, part in parts.items()}


def settle(cloud: str, environment: Environment | str, section: str, part: _Part) -> _Part:
    """`settle_parts` for one section."""
    return settle_parts(cloud, environment, {section: part})[section]


def settle_kubernetes(settings: KubernetesSettings, environment: str) -> KubernetesSettings:
    """`settings` of a component used on its own, with every field the caller left unset taken from the
    `environment` profile (as a stack's config is)."""
    explicit = settings.model_dump(include=settings.model_fields_set)
    defaults = profiles.shared(str(getattr(environment, "value", environment))).get("kubernetes", {})
    return KubernetesSettings.model_validate(profiles.deep_merge(defaults, explicit))
