"""The `audit` section: access logs and database audit logging, kept by the cloud outside the containers."""

from __future__ import annotations

from pydantic import Field

from .base import _Model


class AuditSettings(_Model):
    """Who called, and what changed in the database: kept by the cloud, outside the containers."""

    access_logs: bool = True
    """Load balancer access logs: on aws, the ALB writes them to an S3 bucket the stack creates (SSE-S3, TLS-only,
    public access blocked, expired after `access_log_retention_days`). Cloud Run logs every request itself. Default:
    on (prod requires it)."""
    access_log_retention_days: int = Field(default=30, ge=1, le=3653)
    """How long access logs are kept, in days (the bucket's lifecycle expiry). Default: 30 in dev, 365 in prod
    (at least 90)."""
    database_logs: bool = True
    """Postgres logs connections, disconnections and pgaudit's `ddl,role` classes, and never bound parameters
    (`log_parameter_max_length=0`, also on error): RDS exports them to a log group the stack creates, Cloud SQL to
    Cloud Logging. Default: on (prod requires it)."""
