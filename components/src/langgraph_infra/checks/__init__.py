"""The rules that read several sections of a stack's configuration, one module per concern, each a function
`problems(cfg) -> list[Problem]`. `cross_checks` runs them all, in the order their problems are reported."""

from __future__ import annotations

from collections.abc import Callable

from ..config import StackConfig
from ..errors import Problem
from . import (
    access,
    alarms,
    audit_encryption,
    capacity_fit,
    kubernetes,
    network,
    pools,
    prod_guardrails,
    replicas,
    secrets,
    target,
    target_limits,
    target_sections,
    unread,
)

CHECKS: tuple[Callable[[StackConfig], list[Problem]], ...] = (
    replicas.problems, target.problems, unread.problems, secrets.problems, access.problems, network.problems,
    prod_guardrails.problems, audit_encryption.problems, kubernetes.problems, target_sections.problems, target_limits.problems,
    pools.problems, capacity_fit.problems, alarms.problems,
)


def cross_checks(cfg: StackConfig) -> list[Problem]:
    """Every problem of a validated stack that involves several keys (or the target's limits), each naming the keys
    and the fix."""
    return [problem for check in CHECKS for problem in check(cfg)]
