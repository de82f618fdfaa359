"""AWS rules: RDS, ElastiCache, ECR, security groups, the load balancer, ECS, IAM, logs and S3; the
defense-in-depth checks (issue 14); and the findings of outside packs (cdk-nag, AWS FSBP, checkov) this project
accepts, each resource carrying its reason (`rules.acceptance`)."""

from __future__ import annotations

import json
from typing import Any

from ..wire import json_value
from .common import non_root, pgaudit_scope, plain_credential_problem
from .rule import COMPLIANT, NOT_APPLICABLE, Outcome, Rule, listed, outcome, violation

WORLD = ("0.0.0.0/0", "::/0")


def _rds(i: dict[str, Any]) -> Outcome:
    return outcome(
        None if i.get("storageEncrypted") is True else "storageEncrypted must be true",
        None if i.get("publiclyAccessible") is not True else "publiclyAccessible must be false",
        None if "." not in str(i.get("engineVersion", "")) else
        f"engineVersion={i.get('engineVersion')}: set the major version only, or minor upgrades fight Pulumi",
        None if i.get("deletionProtection") is not True or i.get("skipFinalSnapshot") is False else
        "a protected instance must take a final snapshot (skipFinalSnapshot=false)",
    )


def _elasticache(i: dict[str, Any]) -> Outcome:
    return outcome(
        None if i.get("transitEncryptionEnabled") is True else "transitEncryptionEnabled must be true",
        None if i.get("atRestEncryptionEnabled") is True else "atRestEncryptionEnabled must be true",
        None if i.get("authToken") else "an AUTH token is required",
    )


def _ecr(i: dict[str, Any]) -> Outcome:
    return outcome(
        None if i.get("imageTagMutability") == "IMMUTABLE" else "imageTagMutability must be IMMUTABLE",
        None if (i.get("imageScanningConfiguration") or {}).get("scanOnPush") else "scanOnPush must be true",
    )


def _world_ingress(i: dict[str, Any]) -> Outcome:
    if i.get("cidrIpv4") not in WORLD and i.get("cidrIpv6") not in WORLD:
        return NOT_APPLICABLE
    if (i.get("fromPort"), i.get("toPort")) not in ((80, 80), (443, 443)):
        return violation(f"ports {i.get('fromPort')}-{i.get('toPort')} are open to the internet: only 80 and 443 may be")
    return COMPLIANT


def _listener(i: dict[str, Any]) -> Outcome:
    if i.get("protocol") != "HTTPS":
        return NOT_APPLICABLE
    if not str(i.get("sslPolicy", "")).startswith("ELBSecurityPolicy-TLS13"):
        return violation(f"sslPolicy={i.get('sslPolicy')}: use a TLS 1.3 policy (ELBSecurityPolicy-TLS13-1-2-2021-06)")
    return COMPLIANT


def _load_balancer(i: dict[str, Any]) -> Outcome:
    return outcome(None if i.get("dropInvalidHeaderFields") is True else "dropInvalidHeaderFields must be true")


def _task_definition(i: dict[str, Any]) -> Outcome:
    raw = i.get("containerDefinitions")
    if not isinstance(raw, str):
        return NOT_APPLICABLE
    return outcome(*(plain_credential_problem(env["name"], env.get("value"))
                     for container in json.loads(raw) for env in container.get("environment", [])))


def _ecs_service(i: dict[str, Any]) -> Outcome:
    return outcome(
        None if i.get("deploymentCircuitBreaker") == {"enable": True, "rollback": True}
        else "deploymentCircuitBreaker must enable rollback",
        None if (i.get("desiredCount") or 0) >= 1 else "desiredCount must be at least 1 (the queue never scales to 0)",
        None if (i.get("networkConfiguration") or {}).get("assignPublicIp") is not True
        else "tasks must not get public IPs",
    )


def _secret_policy(i: dict[str, Any]) -> Outcome:
    policy = i.get("policy")
    if not isinstance(policy, str):
        return NOT_APPLICABLE
    for statement in json.loads(policy).get("Statement", []):
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(a.startswith(("secretsmanager:", "kms:")) for a in actions) and "*" in resources:
            return violation("secret and key permissions must name their resources, never *")
    return COMPLIANT


# Defense in depth (issue 14) ---------------------------------------------------------------------------------------

# Services that name no source resource when they assume a role (Lambda, for its execution roles): the account is
# the condition they can carry.
ACCOUNT_ONLY_SERVICES = frozenset({"lambda.amazonaws.com"})


def trust_has_source_conditions(i: dict[str, Any]) -> Outcome:
    """A role a service assumes names the account and the resources it may act for (confused deputy); a service
    of ACCOUNT_ONLY_SERVICES names the account."""
    doc = json_value(i.get("assumeRolePolicy"))
    if not isinstance(doc, dict):
        return NOT_APPLICABLE
    for statement in listed(doc.get("Statement")):
        services = listed((statement.get("Principal") or {}).get("Service"))
        if statement.get("Effect") != "Allow" or not services:
            continue
        condition = statement.get("Condition") or {}
        keys = {key.lower() for block in condition.values() if isinstance(block, dict) for key in block}
        wanted = ("aws:SourceAccount",) if set(services) <= ACCOUNT_ONLY_SERVICES else ("aws:SourceAccount",
                                                                                         "aws:SourceArn")
        missing = [k for k in wanted if k.lower() not in keys]
        if missing:
            return violation(f"the trust policy lets {', '.join(map(str, services))} assume the role without "
                             f"{' and '.join(missing)}: add them (confused deputy)")
    return COMPLIANT


def ecs_containers_hardened(i: dict[str, Any]) -> Outcome:
    """Every container: read-only root, an explicit non-root user, every capability dropped, not privileged."""
    definitions = json_value(i.get("containerDefinitions"))
    if not isinstance(definitions, list):
        return NOT_APPLICABLE
    problems = []
    for c in definitions:
        name = c.get("name", "?")
        if c.get("readonlyRootFilesystem") is not True:
            problems.append(f"{name}: readonlyRootFilesystem must be true (scratch paths as task volumes)")
        if not non_root(c.get("user")):
            problems.append(f"{name}: user must name a non-root uid (the image's, 1000:1000)")
        drops = ((c.get("linuxParameters") or {}).get("capabilities") or {}).get("drop") or []
        if "ALL" not in drops:
            problems.append(f'{name}: linuxParameters.capabilities.drop must be ["ALL"]')
        if c.get("privileged") is True:
            problems.append(f"{name}: must not be privileged")
    return outcome(*problems)


def log_group_retention(i: dict[str, Any]) -> Outcome:
    """Every log group the stack creates expires (RDS and services create theirs without, kept forever)."""
    return outcome(None if i.get("retentionInDays") else "retentionInDays must be set (logs.retention_days)")


def bucket_policy_tls_only(i: dict[str, Any]) -> Outcome:
    """A bucket policy denies every request that is not over TLS."""
    doc = json_value(i.get("policy"))
    if not isinstance(doc, dict):
        return NOT_APPLICABLE
    for statement in listed(doc.get("Statement")):
        secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
        if statement.get("Effect") == "Deny" and str(secure).lower() == "false":
            return COMPLIANT
    return violation('the bucket policy must deny requests without TLS (Deny when "aws:SecureTransport": "false")')


def rds_logs_no_parameters(i: dict[str, Any]) -> Outcome:
    """RDS parameters: bound parameters never logged, pgaudit (when set) never logs statement contents."""
    params = {p.get("name"): str(p.get("value")) for p in i.get("parameters") or []}
    return outcome(
        *(None if params.get(k) == "0" else f"{k} must be 0 (bound parameters never logged)"
          for k in ("log_parameter_max_length", "log_parameter_max_length_on_error")),
        pgaudit_scope(params["pgaudit.log"]) if "pgaudit.log" in params else None)


# Findings of the outside packs that this project accepts: each resource carries the reason (`accepted`) -------------

def rds_non_default_port(i: dict[str, Any]) -> Outcome:
    """cdk-nag AwsSolutions-RDS11: a non-default port (accepted here, see aws/database.py)."""
    return outcome("the instance listens on PostgreSQL's default port 5432" if i.get("port") in (None, 5432) else None)


def elasticache_snapshots(i: dict[str, Any]) -> Outcome:
    """AWS Foundational Security Best Practices ElastiCache.1: automatic backups (accepted here, see aws/cache.py)."""
    return outcome(None if (i.get("snapshotRetentionLimit") or 0) > 0
                   else "snapshotRetentionLimit is 0: no automatic backups")


def target_group_https(i: dict[str, Any]) -> Outcome:
    """checkov/cdk-nag: the load balancer re-encrypts to its targets (accepted here, see aws/service.py)."""
    return outcome(None if i.get("protocol") == "HTTPS" else f"protocol={i.get('protocol')}: the load balancer "
                   "talks to its targets in plain text")


RULES: tuple[Rule, ...] = (
    Rule("rds-encrypted-private", "RDS: encrypted storage, not public, major version only, final snapshot when "
         "protected", ("aws:rds/instance:Instance",), _rds),
    Rule("elasticache-encrypted-auth", "ElastiCache: TLS, encryption at rest and an AUTH token",
         ("aws:elasticache/replicationGroup:ReplicationGroup",), _elasticache),
    Rule("ecr-immutable-scanned", "ECR: immutable tags and a scan on push", ("aws:ecr/repository:Repository",), _ecr),
    Rule("no-world-ingress", "Only ports 80 and 443 may be open to the internet",
         ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",), _world_ingress),
    Rule("alb-tls13", "HTTPS listeners use a TLS 1.3 policy", ("aws:lb/listener:Listener",), _listener),
    Rule("alb-drops-invalid-headers", "The load balancer drops invalid header fields",
         ("aws:lb/loadBalancer:LoadBalancer",), _load_balancer),
    Rule("ecs-secrets-by-reference", "No credential in a container's plain environment",
         ("aws:ecs/taskDefinition:TaskDefinition",), _task_definition),
    Rule("ecs-service-safe", "ECS services roll back failed deployments, keep a task running, stay private",
         ("aws:ecs/service:Service",), _ecs_service),
    Rule("iam-secrets-scoped", "Secret and key permissions name their resources",
         ("aws:iam/rolePolicy:RolePolicy",), _secret_policy),
    Rule("iam-trust-source-conditions", "Roles a service assumes carry aws:SourceAccount and aws:SourceArn",
         ("aws:iam/role:Role",), trust_has_source_conditions),
    Rule("ecs-container-hardened", "ECS containers: read-only root, non-root user, every capability dropped",
         ("aws:ecs/taskDefinition:TaskDefinition",), ecs_containers_hardened),
    Rule("log-group-retention", "Every log group the stack creates has a retention",
         ("aws:cloudwatch/logGroup:LogGroup",), log_group_retention),
    Rule("s3-tls-only", "Bucket policies deny requests without TLS",
         ("aws:s3/bucketPolicy:BucketPolicy",), bucket_policy_tls_only),
    Rule("rds-logs-no-parameters", "RDS never logs bound parameters; pgaudit logs ddl and role changes only",
         ("aws:rds/parameterGroup:ParameterGroup",), rds_logs_no_parameters),
    Rule("rds-non-default-port", "RDS listens on a non-default port (accepted: see aws/database.py)",
         ("aws:rds/instance:Instance",), rds_non_default_port),
    Rule("elasticache-snapshots", "ElastiCache keeps automatic snapshots (accepted: see aws/cache.py)",
         ("aws:elasticache/replicationGroup:ReplicationGroup",), elasticache_snapshots),
    Rule("alb-target-https", "The load balancer reaches its targets over HTTPS (accepted: see aws/service.py)",
         ("aws:lb/targetGroup:TargetGroup",), target_group_https),
)
"""The AWS rules, in the order the pack reports them."""
