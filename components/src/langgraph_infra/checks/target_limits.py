"""What the target platform accepts: each target owns its rules (`Target.check`, langgraph_infra.targets)."""

from __future__ import annotations

from .. import targets
from ..config import StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.check(cfg) if target is not None else []
