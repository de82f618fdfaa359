"""Rules every stack must satisfy, as pure functions over one resource (its type token and its inputs, with the
engine's camelCase names). The same functions run offline over a plan (`python -m infra.plan --rules`, the tests)
and inside Pulumi as the policy pack in `policy/` (`pulumi preview --policy-pack policy`).

Each rule answers None (compliant or not applicable) or a message that says what is wrong and how to fix it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import defense_rules

_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
# A URI carrying a password (scheme://user:password@host) is a secret wherever it appears.
_URI_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]+@", re.I)
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?|_URI)$")
WORLD = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    types: tuple[str, ...]
    check: Callable[[dict[str, Any]], str | None]

    def evaluate(self, resource_type: str, inputs: dict[str, Any]) -> str | None:
        """The violation message, or None when compliant or not applicable to this resource type."""
        if resource_type not in self.types or defense_rules.acceptance(inputs, self.id) is not None:
            return None
        return self.check(inputs)


@dataclass(frozen=True)
class PlannedResource:
    """What a stack rule sees of one resource, the same offline (a plan) and in the policy engine."""

    type: str
    name: str
    inputs: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    """Names of the resources this one depends on (its inputs' sources among them)."""


@dataclass(frozen=True)
class StackRule:
    """A rule over the whole stack, for properties that span resources (a load balancer and its WAF)."""

    id: str
    description: str
    check: Callable[[list[PlannedResource]], list[tuple[PlannedResource, str]]]

    def evaluate_stack(self, resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
        """The offending resources with their messages (none when compliant)."""
        return self.check(resources)


@dataclass(frozen=True)
class Finding:
    rule: str
    resource_type: str
    resource_name: str
    message: str


def _plain_secret(name: str, value: Any) -> str | None:
    """A plain (not secret-marked) environment value that is a credential by its name or its shape."""
    if isinstance(value, dict) and _SECRET_SIG_KEY in value:
        return None
    if isinstance(value, str) and (_URI_WITH_PASSWORD.match(value) or (_SECRET_NAME.search(name) and value)):
        return f"{name} is a plain environment value: pass it from the secret manager by reference"
    return None


def _all(*problems: str | None) -> str | None:
    found = [p for p in problems if p]
    return "; ".join(found) if found else None


# AWS ------------------------------------------------------------------------------------------------------------

def _rds(i: dict[str, Any]) -> str | None:
    return _all(
        None if i.get("storageEncrypted") is True else "storageEncrypted must be true",
        None if i.get("publiclyAccessible") is not True else "publiclyAccessible must be false",
        None if "." not in str(i.get("engineVersion", "")) else
        f"engineVersion={i.get('engineVersion')}: set the major version only, or minor upgrades fight Pulumi",
        None if i.get("deletionProtection") is not True or i.get("skipFinalSnapshot") is False else
        "a protected instance must take a final snapshot (skipFinalSnapshot=false)",
    )


def _elasticache(i: dict[str, Any]) -> str | None:
    return _all(
        None if i.get("transitEncryptionEnabled") is True else "transitEncryptionEnabled must be true",
        None if i.get("atRestEncryptionEnabled") is True else "atRestEncryptionEnabled must be true",
        None if i.get("authToken") else "an AUTH token is required",
    )


def _ecr(i: dict[str, Any]) -> str | None:
    return _all(
        None if i.get("imageTagMutability") == "IMMUTABLE" else "imageTagMutability must be IMMUTABLE",
        None if (i.get("imageScanningConfiguration") or {}).get("scanOnPush") else "scanOnPush must be true",
    )


def _world_ingress(i: dict[str, Any]) -> str | None:
    if i.get("cidrIpv4") in WORLD or i.get("cidrIpv6") in WORLD:
        if (i.get("fromPort"), i.get("toPort")) not in ((80, 80), (443, 443)):
            return f"ports {i.get('fromPort')}-{i.get('toPort')} are open to the internet: only 80 and 443 may be"
    return None


def _listener(i: dict[str, Any]) -> str | None:
    if i.get("protocol") == "HTTPS" and not str(i.get("sslPolicy", "")).startswith("ELBSecurityPolicy-TLS13"):
        return f"sslPolicy={i.get('sslPolicy')}: use a TLS 1.3 policy (ELBSecurityPolicy-TLS13-1-2-2021-06)"
    return None


def _load_balancer(i: dict[str, Any]) -> str | None:
    return None if i.get("dropInvalidHeaderFields") is True else "dropInvalidHeaderFields must be true"


def _task_definition(i: dict[str, Any]) -> str | None:
    raw = i.get("containerDefinitions")
    if not isinstance(raw, str):
        return None
    problems = []
    for container in json.loads(raw):
        for env in container.get("environment", []):
            problems.append(_plain_secret(env["name"], env.get("value")))
    return _all(*problems)


def _ecs_service(i: dict[str, Any]) -> str | None:
    return _all(
        None if i.get("deploymentCircuitBreaker") == {"enable": True, "rollback": True}
        else "deploymentCircuitBreaker must enable rollback",
        None if (i.get("desiredCount") or 0) >= 1 else "desiredCount must be at least 1 (the queue never scales to 0)",
        None if (i.get("networkConfiguration") or {}).get("assignPublicIp") is not True
        else "tasks must not get public IPs",
    )


def _secret_policy(i: dict[str, Any]) -> str | None:
    policy = i.get("policy")
    if not isinstance(policy, str):
        return None
    for statement in json.loads(policy).get("Statement", []):
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(a.startswith(("secretsmanager:", "kms:")) for a in actions) and "*" in resources:
            return "secret and key permissions must name their resources, never *"
    return None


# GCP ------------------------------------------------------------------------------------------------------------

def _cloud_sql(i: dict[str, Any]) -> str | None:
    ip = (i.get("settings") or {}).get("ipConfiguration") or {}
    return _all(
        None if ip.get("ipv4Enabled") is False else "ipConfiguration.ipv4Enabled must be false (private IP only)",
        None if ip.get("sslMode") == "ENCRYPTED_ONLY" else "ipConfiguration.sslMode must be ENCRYPTED_ONLY",
    )


def _memorystore(i: dict[str, Any]) -> str | None:
    return _all(
        None if i.get("authEnabled") is True else "authEnabled must be true",
        None if i.get("transitEncryptionMode") == "SERVER_AUTHENTICATION"
        else "transitEncryptionMode must be SERVER_AUTHENTICATION",
    )


def _cloud_run_envs(i: dict[str, Any]) -> str | None:
    problems = []
    for container in (i.get("template") or {}).get("containers") or []:
        for env in container.get("envs") or []:
            if "value" in env:
                problems.append(_plain_secret(env.get("name", ""), env.get("value")))
    return _all(*problems)


def _worker_pool(i: dict[str, Any]) -> str | None:
    scaling = i.get("scaling") or {}
    count = scaling.get("manualInstanceCount", scaling.get("minInstanceCount", 0)) or 0
    return _all(_cloud_run_envs(i), None if count >= 1 else "the queue worker pool must run at least 1 instance")


# Local ----------------------------------------------------------------------------------------------------------

def _container(i: dict[str, Any]) -> str | None:
    # Local secrets are env values marked secret; a policy engine sees them unwrapped, so only the plan tests can
    # judge them. The ports it can judge.
    exposed = [p for p in i.get("ports") or [] if p.get("ip") != "127.0.0.1"]
    if exposed:
        return f"ports {[p.get('external') for p in exposed]} are published beyond 127.0.0.1"
    return None


# Kubernetes --------------------------------------------------------------------------------------------------------

_K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
_K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
_K8S_SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
# Who marks a queue Deployment (kubernetes/pod.py labels) and where a queue on CPU records that it is a choice
# (kubernetes/autoscaling.py QUEUE_SCALING_ANNOTATION).
_K8S_COMPONENT_LABEL = "app.kubernetes.io/component"
_K8S_QUEUE_SCALING = "langgraph-infra/queue-scaling"
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _pod(i: dict[str, Any]) -> dict[str, Any]:
    return ((i.get("spec") or {}).get("template") or {}).get("spec") or {}


def _k8s_containers(i: dict[str, Any]) -> list[dict[str, Any]]:
    pod = _pod(i)
    return [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]


def _k8s_non_root(i: dict[str, Any]) -> str | None:
    pod_non_root = (_pod(i).get("securityContext") or {}).get("runAsNonRoot") is True
    found = []
    for c in _k8s_containers(i):
        sc = c.get("securityContext") or {}
        if not (sc.get("runAsNonRoot") is True or (pod_non_root and sc.get("runAsNonRoot") is not False)):
            found.append(f"{c.get('name')} may run as root: set runAsNonRoot: true")
        if sc.get("allowPrivilegeEscalation") is not False:
            found.append(f"{c.get('name')} may escalate privileges: set allowPrivilegeEscalation: false")
        if sc.get("privileged") is True:
            found.append(f"{c.get('name')} is privileged")
    return _all(*found)


def _k8s_limits(i: dict[str, Any]) -> str | None:
    found = []
    for c in _k8s_containers(i):
        limits = (c.get("resources") or {}).get("limits") or {}
        missing = [k for k in ("cpu", "memory") if not limits.get(k)]
        if missing:
            found.append(f"{c.get('name')} has no {' or '.join(missing)} limit")
    return _all(*found)


def _k8s_image_pinned(i: dict[str, Any]) -> str | None:
    found = []
    for c in _k8s_containers(i):
        image = c.get("image")
        # An image the plan cannot know yet (built in this update) is checked by the policy pack at preview.
        if not isinstance(image, str) or image == "[unknown]":
            continue
        if not _DIGEST.search(image):
            found.append(f"{c.get('name')} runs {image}: deploy by digest (`repo@sha256:...`), never a tag "
                         "(`latest` least of all) a push can move")
    return _all(*found)


def _k8s_never_zero(i: dict[str, Any]) -> str | None:
    spec = i.get("spec") or {}
    if i.get("kind") == "HorizontalPodAutoscaler":
        low = spec.get("minReplicas", 1)
        return f"minReplicas={low}: the queue (and the API) never scales to zero" if low < 1 else None
    if i.get("kind") == "ScaledObject":
        # KEDA's own default minimum is 0, and `idleReplicaCount` scales to that count when there is no backlog.
        low = spec.get("minReplicaCount", 0)
        if low < 1 or "idleReplicaCount" in spec:
            return (f"minReplicaCount={low}, idleReplicaCount={spec.get('idleReplicaCount')}: KEDA would scale the "
                    "queue to zero; set minReplicaCount >= 1 and no idleReplicaCount")
        return None
    if spec.get("replicas") == 0:
        return "replicas=0: queued runs would wait forever; keep at least one replica"
    return None


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
    Rule("cloudsql-private-tls", "Cloud SQL: private IP only, TLS required",
         ("gcp:sql/databaseInstance:DatabaseInstance",), _cloud_sql),
    Rule("memorystore-auth-tls", "Memorystore: AUTH and in-transit encryption",
         ("gcp:redis/instance:Instance",), _memorystore),
    Rule("cloudrun-secrets-by-reference", "No credential in a Cloud Run service's plain environment",
         ("gcp:cloudrunv2/service:Service",), _cloud_run_envs),
    Rule("cloudrun-queue-always-on", "The queue worker pool always runs, with no plain credential",
         ("gcp:cloudrunv2/workerPool:WorkerPool",), _worker_pool),
    Rule("docker-loopback-only", "Local containers publish ports on 127.0.0.1 only",
         ("docker:index/container:Container",), _container),
    # Defense in depth (issue 14): the checks live in defense_rules.
    Rule("iam-trust-source-conditions", "Roles a service assumes carry aws:SourceAccount and aws:SourceArn",
         ("aws:iam/role:Role",), defense_rules.trust_has_source_conditions),
    Rule("ecs-container-hardened", "ECS containers: read-only root, non-root user, every capability dropped",
         ("aws:ecs/taskDefinition:TaskDefinition",), defense_rules.ecs_containers_hardened),
    Rule("docker-container-hardened", "Local app containers: read-only root, non-root user, no capability",
         ("docker:index/container:Container",), defense_rules.docker_container_hardened),
    Rule("log-group-retention", "Every log group the stack creates has a retention",
         ("aws:cloudwatch/logGroup:LogGroup",), defense_rules.log_group_retention),
    Rule("s3-tls-only", "Bucket policies deny requests without TLS",
         ("aws:s3/bucketPolicy:BucketPolicy",), defense_rules.bucket_policy_tls_only),
    Rule("rds-logs-no-parameters", "RDS never logs bound parameters; pgaudit logs ddl and role changes only",
         ("aws:rds/parameterGroup:ParameterGroup",), defense_rules.rds_logs_no_parameters),
    Rule("cloudsql-logs-no-parameters", "Cloud SQL never logs bound parameters; pgaudit logs ddl and role only",
         ("gcp:sql/databaseInstance:DatabaseInstance",), defense_rules.cloud_sql_logs_no_parameters),
    Rule("artifact-registry-scanned", "Artifact Registry scans every pushed image",
         ("gcp:artifactregistry/repository:Repository",), defense_rules.artifact_registry_scanned),
    # Findings the outside packs raise that this project accepts: each resource carries the reason (`accepted`).
    Rule("rds-non-default-port", "RDS listens on a non-default port (accepted: see aws/database.py)",
         ("aws:rds/instance:Instance",), defense_rules.rds_non_default_port),
    Rule("elasticache-snapshots", "ElastiCache keeps automatic snapshots (accepted: see aws/cache.py)",
         ("aws:elasticache/replicationGroup:ReplicationGroup",), defense_rules.elasticache_snapshots),
    Rule("alb-target-https", "The load balancer reaches its targets over HTTPS (accepted: see aws/service.py)",
         ("aws:lb/targetGroup:TargetGroup",), defense_rules.target_group_https),
    Rule("k8s-non-root", "Kubernetes containers run as non-root, unprivileged, without privilege escalation",
         (_K8S_DEPLOYMENT,), _k8s_non_root),
    Rule("k8s-limits-set", "Kubernetes containers have CPU and memory limits", (_K8S_DEPLOYMENT,), _k8s_limits),
    Rule("k8s-image-by-digest", "Kubernetes containers run an image pinned by digest (no `latest`, no tag)",
         (_K8S_DEPLOYMENT,), _k8s_image_pinned),
    Rule("k8s-never-zero", "No Kubernetes Deployment or autoscaler scales the server to zero",
         (_K8S_HPA, _K8S_DEPLOYMENT, _K8S_SCALED_OBJECT), _k8s_never_zero),
)


# Stack rules -----------------------------------------------------------------------------------------------------

# A provider's nested config arrives as a JSON string in the engine; the plan has it as an object.
_document = defense_rules.json_value


def stack_environment(resources: list[PlannedResource]) -> str | None:
    """The `environment` tag or label of the stack (from a provider's defaults, or a resource's own tags)."""
    for r in resources:
        if r.type.startswith("pulumi:providers:"):
            tags = _document(r.inputs.get("defaultTags")) or {}
            found = (tags.get("tags") or {}).get("environment") if isinstance(tags, dict) else None
            labels = _document(r.inputs.get("defaultLabels")) or {}
            found = found or (labels.get("environment") if isinstance(labels, dict) else None)
            if found:
                return str(found)
    for r in resources:
        for key in ("tags", "labels"):
            values = r.inputs.get(key)
            if isinstance(values, dict) and values.get("environment"):
                return str(values["environment"])
    return None


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
        raw = _document(r.inputs.get("containerDefinitions"))
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
    return value.get("value") if isinstance(value, dict) and _SECRET_SIG_KEY in value else value


def _uri_user(value: Any) -> str | None:
    match = re.match(r"^postgres(?:ql)?://([^:@/]+)[:@]", str(_unwrapped(value) or ""))
    # Percent-decoded: a Cloud SQL IAM user's name has an `@` (`%40` in the URI).
    return unquote(match.group(1)) if match else None


def _masters(resources: list[PlannedResource]) -> set[str]:
    """The master users of the stack's Postgres: RDS `username`, Cloud SQL built-in users, the image's superuser."""
    found = {str(r.inputs["username"]) for r in resources if r.type == _DATABASES[0] and r.inputs.get("username")}
    found |= {str(r.inputs["name"]) for r in resources if r.type == "gcp:sql/user:User" and r.inputs.get("name")
              and not str(r.inputs.get("type") or "").startswith("CLOUD_IAM")}
    found |= {str(e).split("=", 1)[1] for r in resources if r.type == "docker:index/container:Container"
              for e in _unwrapped(r.inputs.get("envs")) or [] if str(e).startswith("POSTGRES_USER=")}
    return found


def _server_uris(resources: list[PlannedResource]) -> list[tuple[PlannedResource, Any]]:
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
    masters = _masters(resources)
    for r, uri in _server_uris(resources):
        if _uri_user(uri) in masters:
            found.append((r, f"the server's POSTGRES_URI logs in as the master user {_uri_user(uri)}: give it its own "
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
            and not (_document(r.inputs.get("keepers")) or {}).get("rotation")]


def _k8s_queue_on_backlog(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    """Each queue Deployment is scaled by a ScaledObject with a postgresql trigger, or by an HPA that records the
    choice of CPU (`kubernetes.queue_scaling=cpu`): runs waiting on model calls leave CPUs idle, so CPU alone never
    scales the queue out for a backlog."""
    def target(r: PlannedResource) -> tuple[str, str]:
        meta, ref = r.inputs.get("metadata") or {}, (r.inputs.get("spec") or {}).get("scaleTargetRef") or {}
        return str(meta.get("namespace")), str(ref.get("name"))

    on_backlog = {target(r) for r in resources if r.type == _K8S_SCALED_OBJECT
                  and any(t.get("type") == "postgresql" for t in (r.inputs.get("spec") or {}).get("triggers") or [])}
    on_cpu = {target(r) for r in resources if r.type == _K8S_HPA
              and ((r.inputs.get("metadata") or {}).get("annotations") or {}).get(_K8S_QUEUE_SCALING) == "cpu"}
    found = []
    for r in resources:
        meta = r.inputs.get("metadata") or {}
        if r.type != _K8S_DEPLOYMENT or (meta.get("labels") or {}).get(_K8S_COMPONENT_LABEL) != "queue":
            continue
        if (str(meta.get("namespace")), str(meta.get("name"))) not in on_backlog | on_cpu:
            found.append((r, "the queue Deployment is not scaled on its backlog: add a KEDA ScaledObject with a "
                             "postgresql trigger (kubernetes.queue_scaling=backlog), or choose CPU on purpose "
                             "(kubernetes.queue_scaling=cpu)"))
    return found


STACK_RULES: tuple[StackRule, ...] = (
    StackRule("prod-edge-protection", "Prod's public entry point sits behind a WAF / Cloud Armor rate limit",
              _prod_edge_protection),
    StackRule("prod-no-cors-wildcard", "No CORS wildcard in prod", _prod_cors),
    StackRule("prod-audit-trail", "Prod keeps an audit trail: access logs, connection and pgaudit logging",
              lambda rs: defense_rules.prod_audit_trail(rs) if stack_environment(rs) == "prod" else []),
    StackRule("prod-image-admission", "Prod Cloud Run admits only attested images (Binary Authorization)",
              lambda rs: defense_rules.prod_image_admission(rs) if stack_environment(rs) == "prod" else []),
    StackRule("customer-key-everywhere", "A stack that uses a customer-managed key uses it for every store",
              defense_rules.customer_key_everywhere),
    StackRule("server-not-master", "The server logs in to Postgres as its own role, made by the database bootstrap "
              "it waits for, never as the master user", _server_not_master),
    StackRule("prod-credentials-rotate", "Generated passwords and tokens rotate in prod", _prod_rotation),
    StackRule("k8s-queue-on-backlog", "A Kubernetes queue scales on its backlog of pending runs (KEDA's PostgreSQL "
              "scaler), or on CPU by an explicit choice", _k8s_queue_on_backlog),
)


def evaluate(resources: Iterable[Any], rules: Iterable[Rule] = RULES,
             stack_rules: Iterable[StackRule] = STACK_RULES) -> list[Finding]:
    """Every violation in a plan's resources (anything with `type`, `name`, `inputs` and `depends_on`)."""
    resources = list(resources)
    findings = []
    for resource in resources:
        for rule in rules:
            message = rule.evaluate(resource.type, resource.inputs)
            if message:
                findings.append(Finding(rule.id, resource.type, resource.name, message))
    planned = [PlannedResource(r.type, r.name, r.inputs, tuple(getattr(r, "depends_on", ()))) for r in resources]
    for stack_rule in stack_rules:
        for resource, message in stack_rule.evaluate_stack(planned):
            findings.append(Finding(stack_rule.id, resource.type, resource.name, message))
    return findings
