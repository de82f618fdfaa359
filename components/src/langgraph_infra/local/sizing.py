"""What the local target accepts, as plain data (no pulumi_docker import, so config validation stays cheap)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import contract

if TYPE_CHECKING:
    from ..config import StackConfig

# Pinned to full versions (never a floating major tag): a local stack must be reproducible and match what was tested.
POSTGRES_IMAGES = {"16": "postgres:16.9", "17": "postgres:17.5"}
REDIS_IMAGES = {"7.2": "redis:7.2.5", "7.4": "redis:7.4.2"}


def check(cfg: StackConfig) -> list[str]:
    problems = []
    for key, value, table in (("postgres.version", cfg.postgres.version, POSTGRES_IMAGES),
                              ("redis.version", cfg.redis.version, REDIS_IMAGES)):
        if value not in table:
            problems.append(f"{key}={value} has no pinned local image: use one of {', '.join(sorted(table))}")
    if cfg.network.egress_ports != [443]:
        problems.append(f"network.egress_ports={cfg.network.egress_ports}: the local Docker target cannot limit "
                        "outbound ports (its egress network is open): remove the key")
    for name, source in sorted(cfg.secrets.items()):
        if source.existing:
            problems.append(f"secrets.{name}.existing: there is no secret manager on the local target; set the value "
                            f"with `pulumi config set --secret {name} <value>` instead")
    return problems


def shutdown_grace_seconds(cfg: StackConfig) -> int:
    """Docker waits as long as asked (`stop_timeout`): the server's own default grace period fits."""
    return cfg.server.shutdown_grace_seconds or contract.DEFAULT_SHUTDOWN_GRACE_SECONDS
