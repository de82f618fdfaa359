"""Both roles' sizes and plain environment on a cluster, for a program that has no stack config (a platform team's
own): the environment's profile fills what is not set, the same checks a stack gets run, and the environment comes
from the one contract. Pure: no SDK."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

from pydantic import BaseModel, ValidationError

from .. import contract, profiles
from ..config import ApiSettings, Environment, QueueSettings, RoleSettings
from ..errors import ConfigError
from ..server import RoleSpec

# Role settings on a cluster take the profile's replicas and pools, shared by every cloud, and these pod sizes (the
# Kubernetes runtime on a cluster of its own, without a stack config: the data tier is the platform's); any other
# size is the cluster's to accept.
POD_SIZES: dict[str, dict[str, Any]] = {
    "dev": {"api": {"cpu": 0.5, "memory_mib": 1024}, "queue": {"cpu": 0.5, "memory_mib": 1024}},
    "prod": {"api": {"cpu": 1, "memory_mib": 2048}, "queue": {"cpu": 1, "memory_mib": 2048}},
}


class RoleSpecs(TypedDict):
    """`api=` and `queue=` of a `ServiceArgs` (typed, so `**role_specs(...)` type-checks)."""

    api: RoleSpec
    queue: RoleSpec


def settle(environment: Environment | str, parts: Mapping[str, RoleSettings]) -> tuple[dict[str, Any], list[str]]:
    """`parts` (`api`, `queue`) completed from the profile (fields left unset) and checked: a queue never below one
    replica, min <= max, prod's minimum of two. Returns the settled settings and the problems, naming each key."""
    env = Environment(environment)
    profile = profiles.deep_merge(profiles.shared(env.value), POD_SIZES.get(env.value, {}))
    models: dict[str, type[BaseModel]] = {"api": ApiSettings, "queue": QueueSettings}
    settled: dict[str, Any] = {}
    problems: list[str] = []
    for section, part in parts.items():
        explicit = part.model_dump(include=part.model_fields_set)
        try:
            settled[section] = models[section].model_validate(profiles.deep_merge(profile.get(section, {}), explicit))
        except ValidationError as err:
            problems += [f"{section}.{'.'.join(str(p) for p in e['loc'])}={e.get('input')}: "
                         f"{e['msg'].removeprefix('Value error, ')}" for e in err.errors()]
    for section, sizes in settled.items():
        if sizes.min_replicas > sizes.max_replicas:
            problems.append(f"{section}.min_replicas={sizes.min_replicas} is greater than {section}.max_replicas="
                            f"{sizes.max_replicas}: raise max_replicas or lower min_replicas")
        if env is Environment.PROD and sizes.min_replicas < 2:
            problems.append(f"{section}.min_replicas={sizes.min_replicas} is below prod's minimum of 2")
    return settled, problems


def role_specs(environment: Environment | str = Environment.DEV, api: RoleSettings | None = None,
          queue: RoleSettings | None = None, *, app_env: Mapping[str, str] | None = None,
          shutdown_grace_seconds: int = contract.DEFAULT_SHUTDOWN_GRACE_SECONDS, log_level: str = "INFO",
          cors_allow_origins: Sequence[str] = (), redis_key_prefix: str | None = None) -> RoleSpecs:
    """`api=` and `queue=` for `ServiceArgs`: each role's settings (the `environment` profile's where not given)
    and its plain environment from `contract.server_environment`, with `app_env` added. Raises `ConfigError`
    naming every problem."""
    settled, problems = settle(environment, {"api": api or ApiSettings(), "queue": queue or QueueSettings()})
    if problems:
        raise ConfigError(problems)
    specs: dict[str, RoleSpec] = {}
    for role in contract.Role:
        sizes = settled[role.value]
        settings = contract.ReplicaSettings(
            role=role, postgres_pool_max_size=sizes.postgres_pool_max_size,
            redis_max_connections=sizes.redis_max_connections,
            n_jobs_per_worker=cast(QueueSettings, settled["queue"]).n_jobs_per_worker,
            shutdown_grace_seconds=shutdown_grace_seconds, log_level=log_level,
            cors_allow_origins=tuple(cors_allow_origins), redis_key_prefix=redis_key_prefix)
        specs[role.value] = RoleSpec(sizes, contract.server_environment(settings, dict(app_env or {})))
    return RoleSpecs(api=specs["api"], queue=specs["queue"])
