"""Defense-in-depth settings (issue 14): the audit trail and customer-managed encryption keys, with their checks.

Kept out of config.py so the controls and their validation read in one place; `config.StackConfig` holds them as
the `audit` and `encryption` sections and `config` runs `checks` with the other cross-key rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .config import StackConfig

# What pgaudit records: DDL and role/privilege changes (who changed the schema or the grants), never READ or WRITE,
# which would copy prompts and thread state into the logs.
PGAUDIT_LOG = "ddl,role"
PROD_MIN_ACCESS_LOG_RETENTION_DAYS = 90
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$")
_CLOUD_KMS_KEY = re.compile(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class AuditSettings(_Settings):
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


class AdmissionSettings(_Settings):
    """Which images may run: only those this pipeline scanned and promoted."""

    require_attestation: bool = False
    """gcp: Binary Authorization admits only images attested by the stack's attestor, which the promotion workflow
    signs after the image's vulnerability scan shows no CRITICAL finding (the project's policy: one stack per
    project owns it). ECS has no admission control: on aws the promotion workflow's scan gate and the
    digest-pinned, immutable image are the control. Default: off; on in gcp prod."""


class EncryptionSettings(_Settings):
    """Customer-managed keys, for teams whose compliance requires them; the clouds' own keys otherwise."""

    kms_key: str | None = None
    """An existing key for the database, cache, registry, secrets and logs: a KMS key ARN on aws
    (`arn:aws:kms:REGION:ACCOUNT:key/ID`, in the stack's region), a Cloud KMS key on gcp
    (`projects/P/locations/REGION/keyRings/R/cryptoKeys/K`). Default: none, each service's own key."""
    create_key: bool = False
    """Create one customer-managed key for this stack, with automatic yearly rotation, used as `kms_key` is.
    Default: off."""

    @property
    def enabled(self) -> bool:
        return self.create_key or self.kms_key is not None


def checks(cfg: StackConfig) -> list[str]:
    """The cross-key rules of the `audit` and `encryption` sections, each naming key, value and fix."""
    problems: list[str] = []
    cloud, enc = cfg.target.cloud.value, cfg.encryption
    if enc.kms_key and enc.create_key:
        problems.append("encryption.kms_key and encryption.create_key both choose the key: keep one")
    if enc.kms_key and cloud == "aws" and not _KMS_ARN.match(enc.kms_key):
        problems.append(f"encryption.kms_key={enc.kms_key} is not a KMS key ARN: use "
                        "arn:aws:kms:REGION:ACCOUNT:key/KEY_ID")
    elif enc.kms_key and cloud == "aws" and cfg.target.region and f":kms:{cfg.target.region}:" not in enc.kms_key:
        problems.append(f"encryption.kms_key={enc.kms_key} is not in target.region={cfg.target.region}: RDS, "
                        "ElastiCache and CloudWatch Logs use keys of their own region only")
    if enc.kms_key and cloud == "gcp" and not _CLOUD_KMS_KEY.match(enc.kms_key):
        problems.append(f"encryption.kms_key={enc.kms_key} is not a Cloud KMS key: use "
                        "projects/PROJECT/locations/REGION/keyRings/RING/cryptoKeys/KEY")
    if enc.enabled and cloud == "local":
        problems.append("encryption.kms_key / encryption.create_key are cloud settings (aws, gcp): remove them from "
                        "a local stack")
    if cfg.admission.require_attestation and cloud != "gcp":
        problems.append(f"admission.require_attestation is a gcp setting (Binary Authorization); on {cloud} the "
                        "promotion workflow's scan gate admits images: remove it")
    if cfg.environment.value == "prod":
        audit = cfg.audit
        if not audit.access_logs:
            problems.append("audit.access_logs must be true in prod (who called the API, kept outside the tasks)")
        if not audit.database_logs:
            problems.append("audit.database_logs must be true in prod (connections, DDL and role changes)")
        if audit.access_log_retention_days < PROD_MIN_ACCESS_LOG_RETENTION_DAYS:
            problems.append(f"audit.access_log_retention_days={audit.access_log_retention_days} is below prod's "
                            f"minimum of {PROD_MIN_ACCESS_LOG_RETENTION_DAYS}")
    return problems


def postgres_private_logging() -> dict[str, str]:
    """Postgres settings that keep bound parameters (prompts, thread state) out of every log line, always: not in
    the slow-statement log (`log_min_duration_statement`'s "parameters:" detail) and not in error reports."""
    return {"log_parameter_max_length": "0", "log_parameter_max_length_on_error": "0"}


def postgres_audit_settings(on: str, off: str) -> dict[str, str]:
    """The Postgres server settings of `audit.database_logs`, in the cloud's spelling of on/off: connections and
    disconnections logged, pgaudit's `ddl,role` classes (never `read`/`write`/`all`, which would copy prompts and
    thread state into the logs), and no statement parameter in pgaudit's lines either."""
    return {
        "log_connections": on,
        "log_disconnections": on,
        "pgaudit.log": PGAUDIT_LOG,
        "pgaudit.log_parameter": off,
    }
