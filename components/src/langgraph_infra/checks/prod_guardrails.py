"""Prod may be tuned but not made fragile: the floors of the prod profile."""

from __future__ import annotations

from ..config import Environment, StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    if cfg.environment is not Environment.PROD:
        return []
    found = []
    pg = cfg.postgres
    if not pg.high_availability:
        found.append(Problem("postgres.high_availability must be true in prod (a standby in another zone)",
                             ("postgres.high_availability",)))
    if pg.backup_retention_days < 7:
        found.append(Problem(f"postgres.backup_retention_days={pg.backup_retention_days} is below prod's minimum of 7",
                             ("postgres.backup_retention_days",)))
    if not pg.deletion_protection:
        found.append(Problem("postgres.deletion_protection must be true in prod", ("postgres.deletion_protection",)))
    if cfg.redis.replicas < 1:
        found.append(Problem("redis.replicas must be at least 1 in prod (automatic failover)", ("redis.replicas",)))
    for role in ("api", "queue"):
        if getattr(cfg, role).min_replicas < 2:
            found.append(Problem(f"{role}.min_replicas={getattr(cfg, role).min_replicas} is below prod's minimum of 2",
                                 (f"{role}.min_replicas",)))
    return found
