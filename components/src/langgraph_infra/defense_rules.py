"""The defense-in-depth checks (issue 14): pure functions over one resource's inputs, with the engine's camelCase
names, answering None (compliant or not applicable) or what is wrong and how to fix it. `rules.RULES` names them,
so they run offline over plans (`--rules`) and in the policy pack alike.

Accepted findings of the outside reviewers' packs (cdk-nag, checkov) that these rules deliberately do not raise,
each with its reason, sit next to the code that causes them; docs/security.md lists them.
"""

from __future__ import annotations

import json
from typing import Any


def json_value(value: Any) -> Any:
    """Nested JSON arrives as a string in the engine and as an object in a plan (rules.py reads it the same way)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


# Services that name no source resource when they assume a role (Lambda, for its execution roles): the account is
# the condition they can carry.
ACCOUNT_ONLY_SERVICES = frozenset({"lambda.amazonaws.com"})


def trust_has_source_conditions(i: dict[str, Any]) -> str | None:
    """A role a service assumes names the account and the resources it may act for (confused deputy); a service
    of ACCOUNT_ONLY_SERVICES names the account."""
    doc = json_value(i.get("assumeRolePolicy"))
    if not isinstance(doc, dict):
        return None
    for statement in _listed(doc.get("Statement")):
        services = _listed((statement.get("Principal") or {}).get("Service"))
        if statement.get("Effect") != "Allow" or not services:
            continue
        condition = statement.get("Condition") or {}
        keys = {key.lower() for block in condition.values() if isinstance(block, dict) for key in block}
        wanted = ("aws:SourceAccount",) if set(services) <= ACCOUNT_ONLY_SERVICES else ("aws:SourceAccount",
                                                                                         "aws:SourceArn")
        missing = [k for k in wanted if k.lower() not in keys]
        if missing:
            return (f"the trust policy lets {', '.join(map(str, services))} assume the role without "
                    f"{' and '.join(missing)}: add them (confused deputy)")
    return None


def _non_root(user: Any) -> bool:
    uid = str(user or "").split(":", 1)[0]
    return bool(uid) and uid not in ("0", "root")


def ecs_containers_hardened(i: dict[str, Any]) -> str | None:
    """Every container: read-only root, an explicit non-root user, every capability dropped, not privileged."""
    definitions = json_value(i.get("containerDefinitions"))
    if not isinstance(definitions, list):
        return None
    problems = []
    for c in definitions:
        name = c.get("name", "?")
        if c.get("readonlyRootFilesystem") is not True:
            problems.append(f"{name}: readonlyRootFilesystem must be true (scratch paths as task volumes)")
        if not _non_root(c.get("user")):
            problems.append(f"{name}: user must name a non-root uid (the image's, 1000:1000)")
        drops = ((c.get("linuxParameters") or {}).get("capabilities") or {}).get("drop") or []
        if "ALL" not in drops:
            problems.append(f'{name}: linuxParameters.capabilities.drop must be ["ALL"]')
        if c.get("privileged") is True:
            problems.append(f"{name}: must not be privileged")
    return "; ".join(problems) or None


def docker_container_hardened(i: dict[str, Any]) -> str | None:
    """An app container on the local engine (one with a health check; the data stores run their own images' users):
    read-only root, non-root user, no capability."""
    if not i.get("healthcheck") or not str(i.get("name", "")).endswith(("-api", "-queue")):
        return None
    problems = []
    if i.get("readOnly") is not True:
        problems.append("readOnly must be true (scratch paths as tmpfs)")
    if not _non_root(i.get("user")):
        problems.append("user must name a non-root uid")
    if "ALL" not in ((i.get("capabilities") or {}).get("drops") or []):
        problems.append('capabilities.drops must be ["ALL"]')
    return "; ".join(problems) or None


def log_group_retention(i: dict[str, Any]) -> str | None:
    """Every log group the stack creates expires (RDS and services create theirs without, kept forever)."""
    return None if i.get("retentionInDays") else "retentionInDays must be set (logs.retention_days)"


def bucket_policy_tls_only(i: dict[str, Any]) -> str | None:
    """A bucket policy denies every request that is not over TLS."""
    doc = json_value(i.get("policy"))
    if not isinstance(doc, dict):
        return None
    for statement in _listed(doc.get("Statement")):
        secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
        if statement.get("Effect") == "Deny" and str(secure).lower() == "false":
            return None
    return 'the bucket policy must deny requests without TLS (Deny when "aws:SecureTransport": "false")'


def _pgaudit_scope(value: Any) -> str | None:
    classes = {c.strip().lower() for c in str(value).split(",")}
    wide = sorted(classes & {"all", "read", "write", "misc"})
    return (f"pgaudit.log={value} logs statement contents ({', '.join(wide)}): keep it to ddl,role so prompts and "
            "thread state stay out of the logs") if wide else None


def rds_logs_no_parameters(i: dict[str, Any]) -> str | None:
    """RDS parameters: bound parameters never logged, pgaudit (when set) never logs statement contents."""
    params = {p.get("name"): str(p.get("value")) for p in i.get("parameters") or []}
    return _all(
        *(None if params.get(k) == "0" else f"{k} must be 0 (bound parameters never logged)"
          for k in ("log_parameter_max_length", "log_parameter_max_length_on_error")),
        _pgaudit_scope(params["pgaudit.log"]) if "pgaudit.log" in params else None)


def cloud_sql_logs_no_parameters(i: dict[str, Any]) -> str | None:
    """Cloud SQL flags: bound parameters never logged, pgaudit (when set) never logs statement contents."""
    flags = {f.get("name"): str(f.get("value")) for f in (i.get("settings") or {}).get("databaseFlags") or []}
    return _all(
        *(None if flags.get(k) == "0" else f"database flag {k} must be 0 (bound parameters never logged)"
          for k in ("log_parameter_max_length", "log_parameter_max_length_on_error")),
        _pgaudit_scope(flags["pgaudit.log"]) if "pgaudit.log" in flags else None)


def _all(*problems: str | None) -> str | None:
    found = [p for p in problems if p]
    return "; ".join(found) if found else None


def prod_audit_trail(resources: list[Any]) -> list[tuple[Any, str]]:
    """In a prod stack (the caller checks the environment): load balancers write access logs, and the databases
    log connections and pgaudit's ddl,role classes."""
    found = []
    for r in resources:
        i = r.inputs
        if r.type == "aws:lb/loadBalancer:LoadBalancer":
            logs = json_value(i.get("accessLogs")) or {}
            if not (isinstance(logs, dict) and logs.get("enabled") is True and logs.get("bucket")):
                found.append((r, "a prod load balancer must write access logs (audit.access_logs=true)"))
        if r.type == "aws:rds/parameterGroup:ParameterGroup":
            params = {p.get("name"): str(p.get("value")) for p in i.get("parameters") or []}
            if "pgaudit" not in params.get("shared_preload_libraries", "") or params.get("log_connections") != "1":
                found.append((r, "prod Postgres must load pgaudit and log connections (audit.database_logs=true)"))
        if r.type == "gcp:sql/databaseInstance:DatabaseInstance":
            flags = {f.get("name"): str(f.get("value")) for f in (json_value(i.get("settings")) or {}).get(
                "databaseFlags") or []}
            if flags.get("cloudsql.enable_pgaudit") != "on" or flags.get("log_connections") != "on":
                found.append((r, "prod Cloud SQL must enable pgaudit and log connections (audit.database_logs=true)"))
    return found


def artifact_registry_scanned(i: dict[str, Any]) -> str | None:
    """A Docker repository has vulnerability scanning on (INHERITED from the project's Container Scanning API)."""
    if i.get("format") != "DOCKER":
        return None
    config = json_value(i.get("vulnerabilityScanningConfig")) or {}
    if not isinstance(config, dict) or config.get("enablementConfig") != "INHERITED":
        return "vulnerabilityScanningConfig.enablementConfig must be INHERITED (Artifact Analysis scans each push)"
    return None


def prod_image_admission(resources: list[Any]) -> list[tuple[Any, str]]:
    """In a prod stack (the caller checks the environment): Cloud Run enforces Binary Authorization."""
    found = []
    for r in resources:
        if r.type in ("gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool"):
            binauthz = json_value(r.inputs.get("binaryAuthorization")) or {}
            if not (isinstance(binauthz, dict) and (binauthz.get("useDefault") is True or binauthz.get("policy"))):
                found.append((r, "prod Cloud Run must enforce Binary Authorization (admission.require_attestation)"))
    return found


# Where each store names its customer key (ALB access-log buckets are SSE-S3 only and are not listed).
_KEY_FIELDS = {
    "aws:rds/instance:Instance": "kmsKeyId",
    "aws:elasticache/replicationGroup:ReplicationGroup": "kmsKeyId",
    "aws:secretsmanager/secret:Secret": "kmsKeyId",
    "aws:cloudwatch/logGroup:LogGroup": "kmsKeyId",
    "gcp:sql/databaseInstance:DatabaseInstance": "encryptionKeyName",
    "gcp:redis/instance:Instance": "customerManagedKey",
    "gcp:artifactregistry/repository:Repository": "kmsKeyName",
}


def customer_key_everywhere(resources: list[Any]) -> list[tuple[Any, str]]:
    """Once a stack uses a customer-managed key for one store, every store uses one: a compliance regime that
    requires CMEK does not accept it for the database and not for the logs."""
    stores = [r for r in resources if r.type in _KEY_FIELDS]
    if not any(r.inputs.get(_KEY_FIELDS[r.type]) for r in stores):
        return []
    return [(r, f"{_KEY_FIELDS[r.type]} is not set while other stores use a customer-managed key "
                "(encryption.kms_key / encryption.create_key)")
            for r in stores if not r.inputs.get(_KEY_FIELDS[r.type])]


# Accepted findings ---------------------------------------------------------------------------------------------------
# A finding the project accepts is suppressed where the resource is built, with its reason, as a tag
# `accepted:<rule id>` = reason (AWS tag values allow letters, digits, spaces and _ . : / = + - @): the reason travels
# with the resource into plans, the policy engine and the console, and the rule skips that resource.

ACCEPTED_PREFIX = "accepted:"
# On a Kubernetes object the same record is an annotation (a key allows no `:`): `langgraph-infra/accepted.<rule id>`.
K8S_ACCEPTED_PREFIX = "langgraph-infra/accepted."


def accepted(rule_id: str, reason: str) -> dict[str, str]:
    """The tag that suppresses `rule_id` on one resource, with its reason."""
    return {f"{ACCEPTED_PREFIX}{rule_id}": reason}


def accepted_annotation(rule_id: str, reason: str) -> dict[str, str]:
    """The annotation that suppresses `rule_id` on one Kubernetes object, with its reason."""
    return {f"{K8S_ACCEPTED_PREFIX}{rule_id}": reason}


def acceptance(i: dict[str, Any], rule_id: str) -> str | None:
    """The recorded reason when `rule_id` is accepted on a resource with inputs `i`, else None."""
    tags = json_value(i.get("tags"))
    if isinstance(tags, dict) and f"{ACCEPTED_PREFIX}{rule_id}" in tags:
        return str(tags[f"{ACCEPTED_PREFIX}{rule_id}"])
    metadata = json_value(i.get("metadata"))
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations.get(f"{K8S_ACCEPTED_PREFIX}{rule_id}") if isinstance(annotations, dict) else None


def rds_non_default_port(i: dict[str, Any]) -> str | None:
    """cdk-nag AwsSolutions-RDS11: a non-default port (accepted here, see aws/database.py)."""
    return "the instance listens on PostgreSQL's default port 5432" if i.get("port") in (None, 5432) else None


def elasticache_snapshots(i: dict[str, Any]) -> str | None:
    """AWS Foundational Security Best Practices ElastiCache.1: automatic backups (accepted here, see aws/cache.py)."""
    return None if (i.get("snapshotRetentionLimit") or 0) > 0 else "snapshotRetentionLimit is 0: no automatic backups"


def target_group_https(i: dict[str, Any]) -> str | None:
    """checkov/cdk-nag: the load balancer re-encrypts to its targets (accepted here, see aws/service.py)."""
    return None if i.get("protocol") == "HTTPS" else f"protocol={i.get('protocol')}: the load balancer talks to " \
        "its targets in plain text"


def accepted_findings(resources: list[Any], rules: Any) -> list[tuple[str, str, str, str]]:
    """(rule id, resource type, resource name, reason) of every finding a resource's `accepted:` tag suppresses:
    what `--rules` lists as accepted, so a reviewer sees each one and its reason."""
    found = []
    for r in resources:
        for rule in rules:
            reason = acceptance(r.inputs, rule.id)
            if reason is not None and r.type in rule.types and rule.check(r.inputs):
                found.append((rule.id, r.type, r.name, reason))
    return found
