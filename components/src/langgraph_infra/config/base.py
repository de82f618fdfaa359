"""What every section of the stack configuration shares: the frozen, strict model base and the enums of `target`
and `environment`. The section modules import nothing above this one."""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel, ConfigDict

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# Plain-text environment values whose names say they are credentials belong under `secrets` instead.
SECRET_LOOKING_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?)$")


class Cloud(str, Enum):
    AWS = "aws"
    GCP = "gcp"
    LOCAL = "local"


class Runtime(str, Enum):
    ECS = "ecs"
    CLOUDRUN = "cloudrun"
    GKE = "gke"
    DOCKER = "docker"


class Environment(str, Enum):
    DEV = "dev"
    PROD = "prod"
    LOCAL = "local"


class _Model(BaseModel):
    """Unknown keys are refused (a typo is named, not ignored), a validated config never changes, and each field's
    docstring is its documentation (the config reference is generated from it)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
