"""What AWS accepts, as plain data and pure functions (no pulumi_aws import, so config validation stays cheap)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from .. import contract
from ..errors import Problem

if TYPE_CHECKING:
    from ..config import StackConfig

# What AWS names look like; a value of another shape would only be refused by the API, halfway through an `up`.
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
RDS_CLASS = re.compile(r"^db\.[a-z0-9-]+\.[a-z0-9]+$")
CACHE_NODE_TYPE = re.compile(r"^cache\.[a-z0-9-]+\.[a-z0-9]+$")
# ElastiCache engine versions by engine (major.minor).
ELASTICACHE_VERSIONS = {"valkey": ("7.2", "8.0", "8.1"), "redis": ("7.0", "7.1")}
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256

# Fargate task sizes: CPU units -> (min MiB, max MiB, step MiB). 256 is the exception with an explicit list.
_FARGATE = {
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
_FARGATE_256 = (512, 1024, 2048)

# During a rolling deployment new tasks start before old ones stop: the service's maximumPercent, and the peak the
# connection pools are checked against.
DEPLOYMENT_MAXIMUM_PERCENT = 200

# ECS waits at most 120 s (stopTimeout) between SIGTERM and SIGKILL on Fargate.
FARGATE_MAX_STOP_TIMEOUT = 120
FARGATE_SHUTDOWN_GRACE_SECONDS = FARGATE_MAX_STOP_TIMEOUT - contract.SHUTDOWN_MARGIN_SECONDS

CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653)

# DBInstanceClassMemory in GiB of the classes we know; RDS's default max_connections is
# LEAST(DBInstanceClassMemory / 9531392, 5000).
_RDS_MEMORY_GIB = {
    "db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8, "db.t4g.xlarge": 16,
    "db.t4g.2xlarge": 32, "db.t3.micro": 1, "db.t3.small": 2, "db.t3.medium": 4, "db.t3.large": 8,
    "db.m7g.large": 8, "db.m7g.xlarge": 16, "db.m7g.2xlarge": 32, "db.m7g.4xlarge": 64,
    "db.m6g.large": 8, "db.m6g.xlarge": 16, "db.m6g.2xlarge": 32, "db.m6i.large": 8, "db.m6i.xlarge": 16,
    "db.r7g.large": 16, "db.r7g.xlarge": 32, "db.r7g.2xlarge": 64, "db.r6g.large": 16, "db.r6g.xlarge": 32,
}


def fargate_cpu_units(vcpu: float) -> int:
    return int(round(vcpu * 1024))


def fargate_memory_choices(cpu_units: int) -> list[int]:
    if cpu_units == 256:
        return list(_FARGATE_256)
    low, high, step = _FARGATE[cpu_units]
    return list(range(low, high + 1, step))


def check_fargate_size(key: str, vcpu: float, memory_mib: int) -> str | None:
    units = fargate_cpu_units(vcpu)
    if units != 256 and units not in _FARGATE:
        return f"{key}.cpu={vcpu:g} is not a Fargate size: use one of 0.25, 0.5, 1, 2, 4, 8, 16 (vCPU)"
    choices = fargate_memory_choices(units)
    if memory_mib not in choices:
        shown = ", ".join(str(c) for c in choices) if len(choices) <= 8 else (
            f"{choices[0]} to {choices[-1]} in steps of {choices[1] - choices[0]}")
        return f"{key}.memory_mib={memory_mib} is not valid with {key}.cpu={vcpu:g} on Fargate: use {shown}"
    return None


def default_max_connections(cfg: StackConfig) -> int | None:
    """RDS derives max_connections from the class's memory when the stack does not set it."""
    return rds_default_max_connections(cfg.postgres.instance_class or "")


def rds_default_max_connections(instance_class: str) -> int | None:
    memory = _RDS_MEMORY_GIB.get(instance_class)
    if memory is None:
        return None
    return min(memory * 1024**3 // 9531392, 5000)


def check(cfg: StackConfig) -> list[Problem]:
    problems = []
    for role in ("api", "queue"):
        settings = getattr(cfg, role)
        problem = check_fargate_size(role, settings.cpu, settings.memory_mib)
        if problem:
            problems.append(Problem(problem, (f"{role}.cpu", f"{role}.memory_mib")))
    grace = cfg.server.shutdown_grace_seconds
    if grace is not None and contract.kill_timeout_seconds(grace) > FARGATE_MAX_STOP_TIMEOUT:
        problems.append(Problem(
            f"server.shutdown_grace_seconds={grace} does not fit Fargate: ECS kills a task at most "
            f"{FARGATE_MAX_STOP_TIMEOUT} s after asking it to stop, so use at most {FARGATE_SHUTDOWN_GRACE_SECONDS}",
            ("server.shutdown_grace_seconds",)))
    if cfg.logs.retention_days not in CLOUDWATCH_RETENTION_DAYS:
        nearest = min(CLOUDWATCH_RETENTION_DAYS, key=lambda d: abs(d - cfg.logs.retention_days))
        problems.append(Problem(
            f"logs.retention_days={cfg.logs.retention_days} is not a CloudWatch retention: use e.g. {nearest} "
            f"(allowed: {', '.join(map(str, CLOUDWATCH_RETENTION_DAYS))})", ("logs.retention_days",)))
    region = cfg.target.region
    if region is not None and not REGION.match(region):
        problems.append(Problem(
            f"target.region={region} is not an AWS region: use e.g. us-east-1 or eu-west-1", ("target.region",)))
    pg_class = cfg.postgres.instance_class or ""
    if not RDS_CLASS.match(pg_class):
        problems.append(Problem(
            f"postgres.instance_class={pg_class or '(unset)'} is not an RDS class: use e.g. db.t4g.micro",
            ("postgres.instance_class",)))
    node = cfg.redis.node_type or ""
    if not CACHE_NODE_TYPE.match(node):
        problems.append(Problem(
            f"redis.node_type={node or '(unset)'} is not an ElastiCache node type: use e.g. cache.t4g.micro",
            ("redis.node_type",)))
    versions = ELASTICACHE_VERSIONS[cfg.redis.engine]
    if cfg.redis.version not in versions:
        problems.append(Problem(
            f"redis.version={cfg.redis.version} is not an ElastiCache {cfg.redis.engine} version: use one "
            f"of {', '.join(versions)}", ("redis.version",)))
    for key, value in sorted(cfg.tags.items()):
        if key.lower().startswith("aws:") or not 1 <= len(key) <= TAG_KEY_MAX or len(value) > TAG_VALUE_MAX:
            problems.append(Problem(
                f"tags.{key}={value}: AWS tag keys are 1-{TAG_KEY_MAX} characters and may not start with "
                f"aws:, values at most {TAG_VALUE_MAX}: rename or shorten it", (f"tags.{key}",)))
    if cfg.redis.memory_size_gib is not None:
        problems.append(Problem(
            "redis.memory_size_gib is a gcp setting: on aws size Redis with redis.node_type",
            ("redis.memory_size_gib",)))
    return problems


def internet_exposure(cfg: StackConfig) -> str | None:
    """The ALB is internet-facing; `ingress.allowed_cidrs` decides who gets through its security group."""
    public = [c for c in cfg.ingress.allowed_cidrs if not ipaddress.ip_network(c).is_private]
    return f"ingress.allowed_cidrs lets the internet in ({', '.join(public)})" if public else None


def shutdown_grace_seconds(cfg: StackConfig) -> int:
    return cfg.server.shutdown_grace_seconds or FARGATE_SHUTDOWN_GRACE_SECONDS
