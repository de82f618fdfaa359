"""Each role's replica range holds together."""

from __future__ import annotations

from ..config import StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    found = []
    for role in ("api", "queue"):
        sizes = getattr(cfg, role)
        if sizes.min_replicas > sizes.max_replicas:
            found.append(Problem(f"{role}.min_replicas={sizes.min_replicas} is greater than {role}.max_replicas="
                                 f"{sizes.max_replicas}: raise max_replicas or lower min_replicas",
                                 (f"{role}.min_replicas", f"{role}.max_replicas")))
    return found
