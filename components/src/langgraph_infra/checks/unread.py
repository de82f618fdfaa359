"""Keys the stack's target does not read are refused, naming them: each target declares the keys it does not read
(`Target.unread_keys`), and this one check words the refusal, so a setting of one cloud is never silently ignored on
another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from .. import profiles, targets
from ..config import StackConfig
from ..errors import Problem

# Each group of keys that is refused together, with its message; `{name}` is a map entry's name (`*` in the key),
# `{cloud}` the stack's cloud. In the order the problems are reported.
MESSAGES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("target.project",), "target.project is only for gcp: remove it"),
    (("secrets.*.kms_key_arn",), "secrets.{name}.kms_key_arn is an aws setting: remove it"),
    (("ingress.waf", "ingress.rate_limit_per_ip"),
     "ingress.waf and ingress.rate_limit_per_ip are aws settings (a WAF web ACL on the load balancer): remove them"),
    (("server.enable_exec",), "server.enable_exec is an aws setting (ECS Exec): remove it"),
    (("ingress.certificate_arn", "ingress.hosted_zone_id"),
     "ingress.certificate_arn and ingress.hosted_zone_id are aws settings: remove them"),
    (("network.flow_logs",), "network.flow_logs is a cloud setting (aws, gcp): remove it from a local stack"),
    (("encryption.kms_key", "encryption.create_key"),
     "encryption.kms_key / encryption.create_key are cloud settings (aws, gcp): remove them from a local stack"),
    (("admission.require_attestation",),
     "admission.require_attestation is a gcp setting (Binary Authorization); on {cloud} the promotion workflow's "
     "scan gate admits images: remove it"),
    (("alarms.notify",), "alarms.notify is a cloud setting (aws, gcp): remove it from a local stack"),
)


def problems(cfg: StackConfig) -> list[Problem]:
    target = targets.for_cloud(cfg.target.cloud.value)
    unread = set(target.unread_keys) if target is not None else set()
    found = []
    for keys, message in MESSAGES:
        if not unread & set(keys):
            continue
        names = sorted({name for key in keys for name, _ in _set_values(cfg, key)})
        for name in names:
            concrete = tuple(key.replace("*", name) for key in keys)
            found.append(Problem(message.format(name=name, cloud=cfg.target.cloud.value), concrete))
    return found


def _set_values(cfg: StackConfig, key: str) -> Iterator[tuple[str, Any]]:
    """(entry name, value) of each place `key` names whose value differs from its field's default (`*`: every entry of
    a map; the name is empty without one)."""
    section, _, rest = key.partition(".")
    head, _, field = rest.rpartition(".")
    value = getattr(cfg, section)
    owners: list[tuple[str, BaseModel]] = (
        [(name, entry) for name, entry in sorted(value.items())] if head == "*" else [("", value)])
    for name, owner in owners:
        if getattr(owner, field) != type(owner).model_fields[field].default:
            yield name, getattr(owner, field)


def set_beyond_profile(cfg: StackConfig, section: str, settings: BaseModel) -> tuple[str, ...]:
    """The keys of `section` (whose value in `cfg` is `settings`) that differ from the stack's profile, dotted and
    sorted: what a runtime that does not read the section refuses by name."""
    model = type(settings)
    baseline = model.model_validate(profiles.profile(cfg.environment.value, cfg.target.cloud.value).get(section, {}))
    return tuple(f"{section}.{k}" for k in sorted(model.model_fields) if getattr(settings, k) != getattr(baseline, k))
