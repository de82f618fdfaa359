"""The `alarms` section: in prod, someone is told."""

from __future__ import annotations

from ..config import StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    found = []
    alarms = cfg.alarms
    if cfg.environment.value == "prod" and alarms.enabled and not alarms.notify:
        found.append(Problem(
            "alarms.notify is empty: prod alarms would tell no one. List who is told (e-mail addresses or https:// "
            "endpoints, e.g. `alarms: {notify: [oncall@example.com]}`), or set alarms.enabled=false on purpose",
            ("alarms.notify", "alarms.enabled")))
    return found
