"""The `server` section: how the server process behaves (shutdown grace, browser origins, logs, exec)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .base import _Model

ORIGIN = re.compile(r"^https?://([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$")


class ServerSettings(_Model):
    shutdown_grace_seconds: int | None = Field(default=None, ge=10, le=3600)
    """`BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS`: how long a stopping replica lets running jobs finish. Default: the
    server's 180 s, capped by the platform's kill timeout (105 s on Fargate, whose stopTimeout is at most 120 s)."""
    cors_allow_origins: list[str] = []
    """Web origins whose pages may call the API from a browser (`CORS_ALLOW_ORIGINS`), e.g.
    `["https://app.example.com"]`. Default: none (no cross-origin access; server-to-server callers need none).
    `["*"]` (any origin, without credentials) is refused in prod."""

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        for value in values:
            if value != "*" and not ORIGIN.match(value):
                raise ValueError(f"{value!r} is not a web origin: scheme and host, optionally a port, no path "
                                 "(e.g. https://app.example.com)")
        return values
    log_json: bool = True
    """`LOG_JSON`: structured logs for the cloud's log search."""
    enable_exec: bool = False
    """aws: ECS Exec into running tasks (`aws ecs execute-command`), with the task role's SSM channel permissions.
    Default: off."""
