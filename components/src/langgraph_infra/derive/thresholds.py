"""Alarm thresholds that follow from the stack's other keys."""

from __future__ import annotations

from typing import Any

from ..config import StackConfig
from .capacity import backlog_target


def with_derived(cfg: StackConfig, user: dict[str, Any]) -> StackConfig:
    """`cfg` with the thresholds that follow from its other keys, unless the stack sets them: the backlog alarm's
    from the queue's scaling (a lower one would page on-call for a backlog the autoscaler is still absorbing)."""
    given = user.get("alarms")
    alarms: dict[str, Any] = given if isinstance(given, dict) else {}
    if "pending_runs" in alarms:
        return cfg
    threshold = backlog_target(cfg.queue.n_jobs_per_worker) * cfg.queue.max_replicas
    return cfg.model_copy(update={"alarms": cfg.alarms.model_copy(update={"pending_runs": threshold})})
