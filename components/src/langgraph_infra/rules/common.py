"""Rules that hold on every cloud: no credential in a plain environment, and the stack rules that read resources of
several clouds (the prod edge, CORS, the audit trail, customer keys, the server's database role, rotation).
Each cloud's module (`aws`, `gcp`, `kubernetes`, `docker`) builds on the helpers here."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from ..wire import PlannedResource, is_secret, json_value, plain_credential
from .rule import StackRule


def plain_credential_problem(name: str, value: Any) -> str | None:
    """The problem with a plain environment entry that is a credential by its name or shape, else None."""
    if plain_credential(name, value):
        return f"{name} is a plain environment value: pass it from the secret manager by reference"
    return None


def non_root(user: Any) -> bool:
    """A container user that names a uid other than root's."""
    uid = str(user or "").split(":", 1)[0]
    return bool(uid) and uid not in ("0", "root")


def pgaudit_scope(value: Any) -> str | None:
    """The problem with a `pgaudit.log` setting that logs statement contents, else None (RDS and Cloud SQL)."""
    classes = {c.strip().lower() for c in str(value).split(",")}
    wide = sorted(classes & {"all", "read", "write", "misc"})
    return (f"pgaudit.log={value} logs statement contents ({', '.join(wide)}): keep it to ddl,role so prompts and "
            "thread state stay out of the logs") if wide else None


def stack_environment(resources: list[PlannedResource]) -> str | None:
    """The `environment` tag or label of the stack (from a provider's defaults, or a resource's own tags)."""
    for r in resources:
        if r.type.startswith("pulumi:providers:"):
            # A provider's nested config arrives as a JSON string in the engine; the plan has it as an object.
            tags = json_value(r.inputs.get("defaultTags")) or {}
            found = (tags.get("tags") or {}).get("environment") if isinstance(tags, dict) else None
            labels = json_value(r.inputs.get("defaultLabels")) or {}
            found = found or (labels.get("environment") if isinstance(labels, dict) else None)
            if found:
                return str(found)
    for r in resources:
        for key in ("tags", "labels"):
            values = r.inputs.get(key)
            if isinstance(values, dict) and values.get("environment"):
                return str(values["environment"])
    return None


# The prod edge -------------------------------------------------------------------------------------------------

_GKE_GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
_GKE_BACKEND_POLICY = "kubernetes:networking.gke.io/v1:GCPBackendPolicy"


def _prod_edge_protection(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    if stack_environment(resources) != "prod":
        return []
    protected = {name for r in resources if r.type == "aws:wafv2/webAclAssociation:WebAclAssociation"
                 for name in r.depends_on}
    armored = any(r.type == _GKE_BACKEND_POLICY and ((r.inputs.get("spec") or {}).get("default") or {}).get(
        "securityPolicy") for r in resources)
    found = []
    for r in resources:
        if r.type == "aws:lb/loadBalancer:LoadBalancer" and r.inputs.get("internal") is not True \
                and r.name not in protected:
            found.append((r, "an internet-facing prod load balancer needs a WAF web ACL (ingress.waf=true)"))
        if r.type == "gcp:cloudrunv2/serviceIamMember:ServiceIamMember" and r.inputs.get("member") == "allUsers":
            found.append((r, "a prod Cloud Run service open to allUsers has no WAF or rate limit in front "
                             "(ingress.public=false, or a load balancer with Cloud Armor)"))
        if r.type == _GKE_GATEWAY and "external" in str((r.inputs.get("spec") or {}).get("gatewayClassName")) \
                and not armored:
            found.append((r, "an external prod GKE Gateway needs a Cloud Armor policy on its backend "
                             "(gke.cloud_armor=true)"))
    return found


def _container_environments(r: PlannedResource) -> list[tuple[str, Any]]:
    """(name, value) of every plain environment entry of a container resource, on any target."""
    if r.type == "aws:ecs/taskDefinition:TaskDefinition":
        raw = json_value(r.inputs.get("containerDefinitions"))
        return [(e.get("name", ""), e.get("value")) for c in (raw if isinstance(raw, list) else [])
                for e in c.get("environment", [])]
    if r.type in ("gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool"):
        return [(e.get("name", ""), e.get("value")) for c in (r.inputs.get("template") or {}).get("containers") or []
                for e in c.get("envs") or [] if "value" in e]
    if r.type == "docker:index/container:Container":
        return [tuple(str(e).split("=", 1)) for e in r.inputs.get("envs") or [] if "=" in str(e)]  # type: ignore[misc]
    return []


def _prod_cors(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    if stack_environment(resources) != "prod":
        return []
    return [(r, "CORS_ALLOW_ORIGINS allows every origin in prod: list the origins (server.cors_allow_origins)")
            for r in resources
            if any(name == "CORS_ALLOW_ORIGINS" and "*" in str(value).split(",")
                   for name, value in _container_environments(r))]


# The audit trail and customer keys -----------------------------------------------------------------------------

def _prod_audit_trail(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    """In a prod stack: load balancers write access logs, and the databases log connections and pgaudit's ddl,role
    classes."""
    if stack_environment(resources) != "prod":
        return []
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


def _customer_key_everywhere(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    """Once a stack uses a customer-managed key for one store, every store uses one: a compliance regime that
    requires CMEK does not accept it for the database and not for the logs."""
    stores = [r for r in resources if r.type in _KEY_FIELDS]
    if not any(r.inputs.get(_KEY_FIELDS[r.type]) for r in stores):
        return []
    return [(r, f"{_KEY_FIELDS[r.type]} is not set while other stores use a customer-managed key "
                "(encryption.kms_key / encryption.create_key)")
            for r in stores if not r.inputs.get(_KEY_FIELDS[r.type])]


# The server's database role and rotated credentials ------------------------------------------------------------

# The database bootstrap (langgraph_infra.db_bootstrap): what runs it on each target, and what runs the server.
_DATABASES = ("aws:rds/instance:Instance", "gcp:sql/databaseInstance:DatabaseInstance")
_BOOTSTRAPS = ("aws:lambda/invocation:Invocation", "gcp:cloudrunv2/job:Job")
_SERVERS = ("aws:ecs/service:Service", "gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool")


def _label(r: PlannedResource, key: str) -> str | None:
    labels = r.inputs.get("labels") or []
    return next((str(entry.get("value")) for entry in labels if isinstance(entry, dict) and entry.get("label") == key),
                None) if isinstance(labels, list) else None


def _unwrapped(value: Any) -> Any:
    """A secret-marked value's own value (offline plans keep the wrapper; the policy engine hands values as they are)."""
    return value.get("value") if is_secret(value) else value


def uri_user(value: Any) -> str | None:
    """The user a `postgres://` URI logs in as (percent-decoded), or None."""
    match = re.match(r"^postgres(?:ql)?://([^:@/]+)[:@]", str(_unwrapped(value) or ""))
    # Percent-decoded: a Cloud SQL IAM user's name has an `@` (`%40` in the URI).
    return unquote(match.group(1)) if match else None


def masters(resources: list[PlannedResource]) -> set[str]:
    """The master users of the stack's Postgres: RDS `username`, Cloud SQL built-in users, the image's superuser."""
    found = {str(r.inputs["username"]) for r in resources if r.type == _DATABASES[0] and r.inputs.get("username")}
    found |= {str(r.inputs["name"]) for r in resources if r.type == "gcp:sql/user:User" and r.inputs.get("name")
              and not str(r.inputs.get("type") or "").startswith("CLOUD_IAM")}
    found |= {str(e).split("=", 1)[1] for r in resources if r.type == "docker:index/container:Container"
              for e in _unwrapped(r.inputs.get("envs")) or [] if str(e).startswith("POSTGRES_USER=")}
    return found


def server_uris(resources: list[PlannedResource]) -> list[tuple[PlannedResource, Any]]:
    """The POSTGRES_URI values the server reads, where the plan can see them: the secret versions of the secrets
    named POSTGRES_URI (Secrets Manager, Secret Manager) and the local containers' environment."""
    named = {r.name for r in resources
             if (r.type == "aws:secretsmanager/secret:Secret" and str(r.inputs.get("name", "")).endswith("/POSTGRES_URI"))
             or (r.type == "gcp:secretmanager/secret:Secret" and str(r.inputs.get("secretId", "")).endswith(
                 "-POSTGRES_URI"))}
    found: list[tuple[PlannedResource, Any]] = []
    for r in resources:
        if r.type in ("aws:secretsmanager/secretVersion:SecretVersion", "gcp:secretmanager/secretVersion:SecretVersion") \
                and named & set(r.depends_on):
            found.append((r, r.inputs.get("secretString", r.inputs.get("secretData"))))
        if r.type == "docker:index/container:Container" and _label(r, "role") in ("api", "queue"):
            envs = _unwrapped(r.inputs.get("envs")) or []
            found += [(r, str(e).split("=", 1)[1]) for e in envs if str(e).startswith("POSTGRES_URI=")]
    return found


def _server_not_master(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    found = []
    master_users = masters(resources)
    for r, uri in server_uris(resources):
        if uri_user(uri) in master_users:
            found.append((r, f"the server's POSTGRES_URI logs in as the master user {uri_user(uri)}: give it its own "
                             "role (postgres.server_username, made by the database bootstrap)"))
    if not any(r.type in _DATABASES for r in resources):
        return found
    bootstraps = {r.name for r in resources if r.type in _BOOTSTRAPS}
    for r in resources:
        if r.type in _SERVERS and not bootstraps & set(r.depends_on):
            found.append((r, "the server starts without waiting for the database bootstrap, which makes its role"))
    return found


def _prod_rotation(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    if stack_environment(resources) != "prod":
        return []
    return [(r, "a generated password that never rotates in prod: set postgres.rotation_days / redis.rotation_days")
            for r in resources if r.type == "random:index/randomPassword:RandomPassword"
            and not (json_value(r.inputs.get("keepers")) or {}).get("rotation")]


PROD_EDGE_PROTECTION = StackRule("prod-edge-protection",
                                 "Prod's public entry point sits behind a WAF / Cloud Armor rate limit",
                                 _prod_edge_protection)
PROD_NO_CORS_WILDCARD = StackRule("prod-no-cors-wildcard", "No CORS wildcard in prod", _prod_cors)
PROD_AUDIT_TRAIL = StackRule("prod-audit-trail",
                             "Prod keeps an audit trail: access logs, connection and pgaudit logging", _prod_audit_trail)
CUSTOMER_KEY_EVERYWHERE = StackRule("customer-key-everywhere",
                                    "A stack that uses a customer-managed key uses it for every store",
                                    _customer_key_everywhere)
SERVER_NOT_MASTER = StackRule("server-not-master", "The server logs in to Postgres as its own role, made by the "
                              "database bootstrap it waits for, never as the master user", _server_not_master)
PROD_CREDENTIALS_ROTATE = StackRule("prod-credentials-rotate", "Generated passwords and tokens rotate in prod",
                                    _prod_rotation)
