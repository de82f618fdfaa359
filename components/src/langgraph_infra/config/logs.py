"""The `logs` section: how long container logs are kept and at what level."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import _Model


class LogsSettings(_Model):
    retention_days: int = Field(default=7, ge=1, le=3653)
    """How long container logs are kept. Default: 7 in dev, 30 in prod."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """`LOG_LEVEL`."""
