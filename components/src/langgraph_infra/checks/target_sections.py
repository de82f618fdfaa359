"""The checks of a target's own configuration sections (`Target.sections`, e.g. gcp's `gke`), which only the target
knows: the core runs them at their place among the stack's checks without knowing what they read."""

from __future__ import annotations

from .. import targets
from ..config import StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.section_checks(cfg) if target is not None else []
