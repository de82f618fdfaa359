"""The `audit` and `encryption` sections: a key chosen once, in the cloud's form and region, and prod's audit trail
kept."""

from __future__ import annotations

import re

from ..config import StackConfig
from ..errors import Problem

PROD_MIN_ACCESS_LOG_RETENTION_DAYS = 90
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$")
_CLOUD_KMS_KEY = re.compile(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")


def problems(cfg: StackConfig) -> list[Problem]:
    """Each names key, value and fix."""
    found = []
    cloud, enc = cfg.target.cloud.value, cfg.encryption
    if enc.kms_key and enc.create_key:
        found.append(Problem("encryption.kms_key and encryption.create_key both choose the key: keep one",
                             ("encryption.kms_key", "encryption.create_key")))
    if enc.kms_key and cloud == "aws" and not _KMS_ARN.match(enc.kms_key):
        found.append(Problem(f"encryption.kms_key={enc.kms_key} is not a KMS key ARN: use "
                             "arn:aws:kms:REGION:ACCOUNT:key/KEY_ID", ("encryption.kms_key",)))
    elif enc.kms_key and cloud == "aws" and cfg.target.region and f":kms:{cfg.target.region}:" not in enc.kms_key:
        found.append(Problem(f"encryption.kms_key={enc.kms_key} is not in target.region={cfg.target.region}: RDS, "
                             "ElastiCache and CloudWatch Logs use keys of their own region only",
                             ("encryption.kms_key", "target.region")))
    if enc.kms_key and cloud == "gcp" and not _CLOUD_KMS_KEY.match(enc.kms_key):
        found.append(Problem(f"encryption.kms_key={enc.kms_key} is not a Cloud KMS key: use "
                             "projects/PROJECT/locations/REGION/keyRings/RING/cryptoKeys/KEY", ("encryption.kms_key",)))
    if cfg.environment.value == "prod":
        audit = cfg.audit
        if not audit.access_logs:
            found.append(Problem("audit.access_logs must be true in prod (who called the API, kept outside the "
                                 "tasks)", ("audit.access_logs",)))
        if not audit.database_logs:
            found.append(Problem("audit.database_logs must be true in prod (connections, DDL and role changes)",
                                 ("audit.database_logs",)))
        if audit.access_log_retention_days < PROD_MIN_ACCESS_LOG_RETENTION_DAYS:
            found.append(Problem(f"audit.access_log_retention_days={audit.access_log_retention_days} is below prod's "
                                 f"minimum of {PROD_MIN_ACCESS_LOG_RETENTION_DAYS}",
                                 ("audit.access_log_retention_days",)))
    return found
