"""What RDS for PostgreSQL logs, and where: the audit parameters and the log groups of its log exports.

RDS creates `/aws/rds/instance/<id>/<log>` itself on first export, without retention or a customer key, outside
the stack and kept forever. So the stack creates them first (the instance depends on them) with the stack's
retention and, with `encryption`, its key.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .. import postgres_logging
from ..naming import child

EXPORTS = ("postgresql", "upgrade")
# RDS booleans are 0/1. shared_preload_libraries is static (a reboot applies it); pg_stat_statements stays loaded
# for Performance Insights.
PRELOAD = "pg_stat_statements,pgaudit"


def audit_parameters(audit: bool) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    """The parameter group entries that keep bound parameters out of the logs (always) and, with `audit`, those of
    `audit.database_logs`."""
    params: list[aws.rds.ParameterGroupParameterArgsDict] = [
        {"name": k, "value": v, "apply_method": "immediate"} for k, v in postgres_logging.postgres_private_logging().items()]
    if audit:
        params.append({"name": "shared_preload_libraries", "value": PRELOAD, "apply_method": "pending-reboot"})
        params += [{"name": k, "value": v, "apply_method": "immediate"}
                   for k, v in postgres_logging.postgres_audit_settings("1", "0").items()]
    return params


def log_group_names(identifier: str) -> list[str]:
    return [f"/aws/rds/instance/{identifier}/{export}" for export in EXPORTS]


def log_groups(name: str, identifier: str, *, retention_days: int, kms_key_arn: pulumi.Input[str] | None,
               tags: dict[str, str], parent: pulumi.Resource) -> list[aws.cloudwatch.LogGroup]:
    """The export log groups of instance `identifier`, created before it."""
    return [aws.cloudwatch.LogGroup(child(name, f"logs-{export}"), name=group, retention_in_days=retention_days,
                                    kms_key_id=kms_key_arn, tags=tags, opts=pulumi.ResourceOptions(parent=parent))
            for export, group in zip(EXPORTS, log_group_names(identifier), strict=True)]
