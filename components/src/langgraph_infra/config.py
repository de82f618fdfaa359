"""The stack configuration model: one pydantic model for every cloud, validated before any resource exists.

A stack's `Pulumi.<stack>.yaml` sets structured keys under the `langgraph-infra` namespace (`target`,
`environment`, `postgres`, `redis`, `api`, `queue`, `ingress`, `network`, `secrets`, `app`, `server`, `logs`,
`capacity`).
Their defaults come from the environment's profile (profiles.py); explicit keys override single values.
A bad value raises `ConfigError`, which Pulumi prints without a traceback, naming the key, the value and the fix.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from . import app_settings, contract, defense, gke_config, kubernetes_config, observability, profiles, targets
from . import capacity as capacity_model
from .capacity import CapacitySettings
from .gke_config import GkeSettings as GkeSettings
from .kubernetes_config import KubernetesSettings as KubernetesSettings
from .observability import AlarmSettings, ObservabilitySettings
from .validators import cidr_blocks

NAMESPACE = "langgraph-infra"
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# Plain-text environment values whose names say they are credentials belong under `secrets` instead.
ORIGIN = re.compile(r"^https?://([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$")
SECRET_LOOKING_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?)$")


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. Pulumi reports a RunError without a traceback; the plan CLI prints it as is."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack configuration ({len(problems)} problem(s)):\n{lines}")


class Cloud(str, Enum):
    AWS = "aws"
    GCP = "gcp"
    LOCAL = "local"


class Runtime(str, Enum):
    ECS = "ecs"
    CLOUDRUN = "cloudrun"
    GKE = "gke"
    DOCKER = "docker"


class Environment(str, Enum):
    DEV = "dev"
    PROD = "prod"
    LOCAL = "local"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Target(_Model):
    cloud: Cloud
    """Which cloud: `aws`, `gcp` or `local` (a Docker engine). Required."""
    runtime: Runtime
    """What runs the containers: `ecs` on aws; `cloudrun` or `gke` on gcp; `docker` on local. Required."""
    region: str | None = None
    """Cloud region, e.g. `us-east-1` or `europe-west1`. Required on aws and gcp."""
    project: str | None = None
    """GCP project id. Required on gcp, not allowed elsewhere."""


class NetworkSettings(_Model):
    vpc_cidr: str = "10.40.0.0/16"
    """CIDR of the VPC that is created (ignored when an existing VPC is adopted)."""
    availability_zones: int = Field(default=2, ge=2, le=6)
    """How many zones the subnets span. At least 2: the load balancer and a multi-AZ database need them."""
    nat_gateways: Literal["single", "per_az", "none"] = "single"
    """Outbound internet for private subnets (the server verifies its licence over HTTPS): `single` (cheap, one zone),
    `per_az` (survives a zone outage) or `none` (only with an adopted network that has its own egress).
    Default: `single` in dev, `per_az` in prod."""
    flow_logs: bool = False
    """Record the VPC's traffic metadata (who talked to whom, accepted or rejected) for audits and incident review:
    VPC Flow Logs to CloudWatch on aws (kept `logs.retention_days`), subnet flow logs on gcp; an adopted VPC keeps
    whatever its owner set up. Default: off in dev, on in prod."""
    egress_ports: list[int] = Field(default=[443], min_length=1)
    """TCP ports the containers may open to the internet (model APIs, the licence check, webhooks to your own
    endpoints): a security group on aws, VPC firewall rules on gcp. Postgres and Redis inside the network are always
    reachable. Default: [443], HTTPS only; add e.g. 8443 if a webhook receiver listens there."""

    @field_validator("egress_ports")
    @classmethod
    def _ports(cls, values: list[int]) -> list[int]:
        for value in values:
            if not 1 <= value <= 65535:
                raise ValueError(f"{value} is not a TCP port (1-65535)")
        if len(set(values)) != len(values):
            raise ValueError("a port is listed twice")
        return values

    existing_vpc_id: str | None = None
    """Adopt an existing VPC instead of creating one; then give `existing_public_subnet_ids` and
    `existing_private_subnet_ids` too. Default: a new VPC."""
    existing_public_subnet_ids: list[str] = []
    """Public subnets (for the load balancer) of the adopted VPC."""
    existing_private_subnet_ids: list[str] = []
    """Private subnets (for tasks, database and cache) of the adopted VPC; they need their own route to the internet."""

    @field_validator("vpc_cidr")
    @classmethod
    def _private_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            raise ValueError("not an IPv4 CIDR block with its host bits zero: use e.g. 10.40.0.0/16") from None
        if network.version != 4 or not network.is_private or not 16 <= network.prefixlen <= 24:
            raise ValueError("must be a private IPv4 range (10/8, 172.16/12, 192.168/16) between /16 and /24: "
                             "use e.g. 10.40.0.0/16")
        return value


class PostgresSettings(_Model):
    instance_class: str | None = None
    """Instance size: an RDS class on aws (`db.t4g.micro`), a Cloud SQL tier on gcp (`db-custom-1-3840`).
    Default: the smallest sensible size in dev; in prod the size `capacity` derives (vCPUs and connections)."""
    version: Literal["16", "17"] = "16"
    """PostgreSQL major version. Only the major version is set, so managed minor upgrades never fight Pulumi."""
    storage_gib: int = Field(default=20, ge=20, le=65536)
    """Allocated storage in GiB; it grows automatically up to 4x this."""
    high_availability: bool = False
    """A standby in another zone with automatic failover (Multi-AZ / REGIONAL). Default: off in dev, on in prod."""
    backup_retention_days: int = Field(default=1, ge=0, le=35)
    """Automated backups kept this many days (0 turns backups off). Default: 1 in dev, 14 in prod (at least 7)."""
    point_in_time_recovery: bool = False
    """Continuous WAL archiving for point-in-time restore (needs backups). Default: off in dev, on in prod."""
    deletion_protection: bool = False
    """Protects the data from a careless change: the cloud's deletion protection, Pulumi `protect`, and a final
    snapshot before any deletion, all together. Default: off in dev, on in prod."""
    max_connections: int | None = Field(default=None, ge=25, le=262143)
    """The server's `max_connections`. Default: the engine's own (derived from the RDS class memory on aws);
    required on gcp and local, where it is set as a database flag."""
    connection_reserve: int = Field(default=10, ge=3)
    """Connections kept free for administrators and migrations when checking the pools fit."""
    database_name: str = Field(default="langgraph", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The database the server uses (one database per deployment)."""
    username: str = Field(default="langgraph", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """The master (administrator) login the instance is created with. Only the bootstrap step (`db_bootstrap`, run
    at deploy time inside the network) uses it; its password is generated and stored only in the secret manager."""
    rotation_days: int | None = Field(default=None, ge=1, le=3650)
    """Days after which the next `pulumi up` generates new Postgres passwords (the master's and the server role's;
    the bootstrap sets the new one before the containers are replaced). Default: never in dev, 90 in prod."""
    auth: Literal["password", "iam"] = "password"
    """How the server's role logs in. `password`: a generated password inside `POSTGRES_URI`. `iam`: no password at
    all; the server signs in with its cloud identity (`AGENT_POSTGRES_IAM_AUTH_PROVIDER`, langgraph-api 0.12 or
    newer): RDS IAM database authentication on aws (the tasks' role gets `rds-db:connect` on this one database user);
    Cloud SQL IAM database authentication on gcp (both roles run as one service account, whose Cloud SQL IAM user
    is granted `server_username`, then a role without login); refused on local (no cloud identity)."""
    server_username: str = Field(default="langgraph_server", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """The role the server logs in as: created by the bootstrap step, it owns `database_name` and its `public`
    schema, and is not a superuser (no CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS). Its password is generated and
    reaches the containers only inside `POSTGRES_URI`, by reference. Must differ from `username`."""

    @model_validator(mode="after")
    def _server_is_not_the_master(self) -> PostgresSettings:
        if self.server_username == self.username:
            raise ValueError(
                f"server_username={self.server_username} is the master user (username): the server must not log in "
                "as the master; set server_username to another name (default langgraph_server)")
        return self

    @model_validator(mode="after")
    def _pitr_needs_backups(self) -> PostgresSettings:
        if self.point_in_time_recovery and self.backup_retention_days == 0:
            raise ValueError(
                "point_in_time_recovery=true needs backups: set backup_retention_days to 1 or more, "
                "or point_in_time_recovery to false"
            )
        return self


class RedisSettings(_Model):
    engine: Literal["valkey", "redis"] = "valkey"
    """ElastiCache engine on aws (Memorystore is always Redis on gcp)."""
    version: str = Field(default="7.2", pattern=r"^[7-9]\.[0-9]+$")
    """Engine version, `major.minor`, 7.0 or newer."""
    node_type: str | None = None
    """ElastiCache node type on aws. Default: `cache.t4g.micro` in dev, `cache.m7g.large` in prod."""
    memory_size_gib: int | None = Field(default=None, ge=1, le=300)
    """Memorystore capacity on gcp. Default: 1 in dev, 5 in prod."""
    replicas: int = Field(default=0, ge=0, le=5)
    """Read replicas; 1 or more turns on automatic failover across zones. Default: 0 in dev, 1 in prod."""
    key_prefix: str | None = None
    """`REDIS_KEY_PREFIX`: set it when several deployments share one Redis. Default: none (a dedicated Redis)."""
    rotation_days: int | None = Field(default=None, ge=1, le=3650)
    """Days after which the next `pulumi up` generates a new AUTH token (ElastiCache on aws, the password on local;
    Memorystore manages its own AUTH string on gcp). Default: never in dev, 90 in prod."""


class RoleSettings(_Model):
    cpu: float = Field(default=0.5, gt=0, le=16)
    """vCPUs per replica (0.25, 0.5, 1, 2, 4, 8, 16 on Fargate; 1, 2, 4, 6, 8 on Cloud Run)."""
    memory_mib: int = Field(default=1024, ge=512, le=122880)
    """Memory per replica in MiB; must be a size the platform accepts for `cpu`."""
    min_replicas: int = Field(default=1, ge=0, le=1000)
    """Replicas always running. Default: 1 in dev; in prod what `capacity` derives (at least 2)."""
    max_replicas: int = Field(default=1, ge=1, le=1000)
    """Upper bound for autoscaling (autoscaling is on when it exceeds `min_replicas`). Default: 1 in dev; in prod
    what `capacity` derives for its peak."""
    target_cpu_percent: int = Field(default=60, ge=10, le=90)
    """Average CPU that autoscaling aims for."""
    postgres_pool_max_size: int = Field(default=20, ge=1, le=1000)
    """`LANGGRAPH_POSTGRES_POOL_MAX_SIZE` per replica (the server's own default, 150, is too large for small
    databases). Checked: peak replicas x pool must fit the database's max_connections. Default: 20 in dev; in prod
    what `capacity` derives."""
    redis_max_connections: int = Field(default=200, ge=10, le=10000)
    """`REDIS_MAX_CONNECTIONS` per replica."""


class ApiSettings(RoleSettings):
    """The HTTP API servers (`N_JOBS_PER_WORKER=0`: they run no background jobs)."""


class QueueSettings(RoleSettings):
    """The queue workers, which execute runs. At least one always runs."""

    n_jobs_per_worker: int = Field(default=contract.DEFAULT_N_JOBS_PER_WORKER, ge=1, le=500)
    """Runs one queue replica executes at once (`N_JOBS_PER_WORKER`). Default: the server's 10; in prod what
    `capacity` derives (the runs a worker holds at its run rate, at most 50)."""

    @field_validator("min_replicas")
    @classmethod
    def _never_zero(cls, value: int) -> int:
        if value < 1:
            raise ValueError(
                "the queue must never scale to zero (queued runs would wait forever): set min_replicas to 1 or more"
            )
        return value


class IngressSettings(_Model):
    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[\w-]+$")
    """aws: an ACM certificate for the HTTPS listener. Default: none (a certificate is issued when `domain` and
    `hosted_zone_id` are given)."""
    domain: str | None = Field(default=None, max_length=253, pattern=r"^([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
    """The public host name of the API, e.g. `agents.example.com`. Default: the load balancer's / service's own."""
    hosted_zone_id: str | None = None
    """aws: Route 53 zone of `domain`; with it the DNS record and a DNS-validated certificate are created."""
    require_https: bool = False
    """Refuse to deploy without HTTPS (a certificate or a domain). Default: off in dev, on in prod."""
    idle_timeout_seconds: int = Field(default=900, ge=60, le=4000)
    """How long an idle connection stays open at the load balancer: long, because runs stream over SSE."""
    allowed_cidrs: list[str] = Field(default=["0.0.0.0/0"], min_length=1)
    """Who may reach the API (load balancer ingress). Default: everyone, which makes the API internet-facing: prod
    then requires the app to authenticate callers (`auth` in its langgraph.json)."""
    public: bool = True
    """gcp: let callers without a Google identity reach the Cloud Run URL (`allUsers` may invoke it); the app's own
    auth then decides. `false` admits only IAM-authenticated callers (`roles/run.invoker`). Default: on in dev, off
    in prod (Cloud Run's own URL has no WAF or rate limit to put in front of it)."""
    waf: bool = False
    """aws: a WAF web ACL on the load balancer: a rate limit per client IP and AWS's managed common rule set
    (its request-body size rule only counts, so long conversations still pass). Default: off in dev, on in prod."""
    rate_limit_per_ip: int = Field(default=1000, ge=10, le=2_000_000_000)
    """aws (with `waf`): requests one client IP may send in 5 minutes before WAF blocks it for a while."""
    unauthenticated_reason: str | None = Field(default=None, min_length=10, max_length=200)
    """Deploy an internet-facing prod API whose app declares no `auth`, on purpose: say why (recorded as the
    `unauthenticated-reason` tag). Default: none, and such a stack is refused."""

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str]) -> list[str]:
        return cidr_blocks(values, "203.0.113.0/24")

    local_port: int = Field(default=8123, ge=1024, le=65535)
    """local: the host port the API is published on, on 127.0.0.1 only (`http://localhost:8123`, as `langgraph up`)."""


class SecretSource(_Model):
    existing: str | None = None
    """Adopt an existing secret by name or ARN (aws) / resource name (gcp): its value never enters Pulumi state.
    Default (no `existing`): created from the Pulumi secret config key of the same name
    (`pulumi config set --secret NAME VALUE`)."""
    kms_key_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$")
    """aws: the customer-managed KMS key an adopted secret is encrypted with; the execution roles then get
    `kms:Decrypt` on that key, through Secrets Manager only. Default: none (the AWS-managed key needs no grant)."""


class AppSettings(_Model):
    path: str = "app"
    """Folder of the agent (its langgraph.json): relative to the Pulumi project or absolute, inside the repository
    or not. Its Dockerfile is generated from that langgraph.json at every plan, preview and up."""
    config_file: str = "langgraph.json"
    """The LangGraph config inside `path`."""
    image: str | None = Field(default=None, pattern=r"^[^\s@]+@sha256:[0-9a-f]{64}$")
    """Deploy this image (by digest: `repo@sha256:...`) instead of building `path`. CI sets it to promote the exact
    image dev ran to prod. Default: build and push `path`."""
    env: dict[str, str] = {}
    """Plain environment variables for the app (credentials go in `secrets`, never here)."""
    runtime: contract.Runtime | None = None
    """The image the app builds on: `python` or `js` (JavaScript graphs). Default: read from the langgraph.json in
    `path` (`node_version` without `python_version` is `js`); set it when deploying a prebuilt `image` of a JS app."""
    declares_auth: bool | None = None
    """Whether the app authenticates its callers (its langgraph.json declares `auth`). Default: read from the
    langgraph.json in `path`; set it when deploying a prebuilt `image` whose app folder is not in this project."""

    @field_validator("env")
    @classmethod
    def _plain_env_only(cls, env: dict[str, str]) -> dict[str, str]:
        for name in env:
            if not ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name (A-Z, 0-9, _)")
            if SECRET_LOOKING_NAME.search(name):
                raise ValueError(
                    f"{name} looks like a credential: move it to `secrets` "
                    f"(`pulumi config set --secret {name} ...` and `secrets: {{{name}: {{}}}}`)"
                )
        return env


class ServerSettingsModel(_Model):
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


class LogsSettings(_Model):
    retention_days: int = Field(default=7, ge=1, le=3653)
    """How long container logs are kept. Default: 7 in dev, 30 in prod."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """`LOG_LEVEL`."""


class StackConfig(_Model):
    """A whole stack: where it runs and every part's settings, after the profile is applied."""

    target: Target
    environment: Environment
    """Chooses the profile of defaults: `dev` (cheap), `prod` (highly available, protected) or `local`."""
    name: str = Field(default="langgraph", pattern=r"^[a-z][a-z0-9-]{1,20}$")
    """Prefix of resource names (with the stack name): keep it short, some cloud names are limited to 32 chars."""
    network: NetworkSettings = NetworkSettings()
    postgres: PostgresSettings = PostgresSettings()
    redis: RedisSettings = RedisSettings()
    api: ApiSettings = ApiSettings()
    queue: QueueSettings = QueueSettings()
    ingress: IngressSettings = IngressSettings()
    secrets: dict[Annotated[str, Field(pattern=ENV_NAME.pattern)], SecretSource] = {}
    """App secrets by environment variable name (`OPENAI_API_KEY: {}`), each created from the secret config key of
    that name or adopted with `existing`. One of LANGGRAPH_CLOUD_LICENSE_KEY / LANGSMITH_API_KEY is required."""
    app: AppSettings = AppSettings()
    server: ServerSettingsModel = ServerSettingsModel()
    logs: LogsSettings = LogsSettings()
    capacity: CapacitySettings = CapacitySettings()
    """The load the stack must carry (docs/capacity.md): replicas, pools, Postgres and Redis are derived from it
    wherever the stack does not set them, and an explicit size that cannot carry it is refused."""
    observability: ObservabilitySettings = ObservabilitySettings()
    alarms: AlarmSettings = AlarmSettings()
    audit: defense.AuditSettings = defense.AuditSettings()
    """Access logs and database audit logging (see langgraph_infra.defense)."""
    encryption: defense.EncryptionSettings = defense.EncryptionSettings()
    """Customer-managed encryption keys (see langgraph_infra.defense)."""
    admission: defense.AdmissionSettings = defense.AdmissionSettings()
    """Which images may run (see langgraph_infra.defense)."""
    kubernetes: KubernetesSettings = KubernetesSettings()
    """Kubernetes runtimes (`gke`): namespace, identity, exposure and network policy (langgraph_infra.kubernetes_config)."""
    gke: GkeSettings = GkeSettings()
    """gcp + gke: the cluster, created (Autopilot) or adopted (langgraph_infra.gke_config)."""
    tags: dict[str, str] = {}
    """Extra tags / labels on every resource that takes them."""

    # Derived values used by every target.

    def resource_prefix(self, stack: str) -> str:
        return f"{self.name}-{stack}"

    def runtime(self) -> contract.Runtime:
        """The app image's runtime (`app.runtime`, as `load` settles it from langgraph.json; Python by default)."""
        return self.app.runtime or contract.Runtime.PYTHON

    def license_env_name(self) -> str | None:
        return next((n for n in contract.LICENSE_ENV_NAMES if n in self.secrets), None)

    def created_secret_names(self) -> list[str]:
        """Secrets whose values come from this stack's secret config (the rest are adopted)."""
        return sorted(n for n, s in self.secrets.items() if s.existing is None)


def _cross_checks(cfg: StackConfig) -> list[str]:
    """Rules that involve several keys. Each message names the keys and the fix."""
    problems: list[str] = []
    cloud, runtime = cfg.target.cloud, cfg.target.runtime
    for role in ("api", "queue"):
        sizes = getattr(cfg, role)
        if sizes.min_replicas > sizes.max_replicas:
            problems.append(f"{role}.min_replicas={sizes.min_replicas} is greater than {role}.max_replicas="
                            f"{sizes.max_replicas}: raise max_replicas or lower min_replicas")
    target = targets.for_cloud(cloud.value)
    if target is None:
        installed = ", ".join(sorted(targets.registered())) or "none"
        problems.append(f"target.cloud={cloud.value}: no such target is installed (installed: {installed}); install "
                        f"langgraph-infra[{cloud.value}]")
    elif runtime.value not in target.runtimes:
        allowed = ", ".join(target.runtimes)
        problems.append(f"target.runtime={runtime.value} does not run on target.cloud={cloud.value} (allowed: {allowed})")
    if cloud in (Cloud.AWS, Cloud.GCP) and not cfg.target.region:
        problems.append(f"target.region is required on {cloud.value}")
    if cloud is Cloud.GCP and not cfg.target.project:
        problems.append("target.project (the GCP project id) is required on gcp")
    if cloud is not Cloud.GCP and cfg.target.project:
        problems.append("target.project is only for gcp: remove it")
    if (cloud is Cloud.LOCAL) != (cfg.environment is Environment.LOCAL):
        problems.append("environment=local goes with target.cloud=local, and only with it")
    if cloud is not Cloud.LOCAL and cfg.license_env_name() is None:
        problems.append(
            "secrets needs LANGGRAPH_CLOUD_LICENSE_KEY or LANGSMITH_API_KEY: the server verifies its licence at "
            "start-up (e.g. `secrets: {LANGSMITH_API_KEY: {}}` and `pulumi config set --secret LANGSMITH_API_KEY ...`)"
        )
    for name, source in sorted(cfg.secrets.items()):
        if source.kms_key_arn and not source.existing:
            problems.append(f"secrets.{name}.kms_key_arn goes with secrets.{name}.existing (a created secret uses "
                            "the AWS-managed key): add `existing` or remove `kms_key_arn`")
        if source.kms_key_arn and cloud is not Cloud.AWS:
            problems.append(f"secrets.{name}.kms_key_arn is an aws setting: remove it")
    if "*" in cfg.server.cors_allow_origins and cfg.environment is Environment.PROD:
        problems.append('server.cors_allow_origins=["*"] lets any web page call the prod API from a browser: list '
                        'the origins that may (e.g. ["https://app.example.com"]), or none')
    if (cfg.ingress.waf or cfg.ingress.rate_limit_per_ip != 1000) and cloud is not Cloud.AWS:
        problems.append("ingress.waf and ingress.rate_limit_per_ip are aws settings (a WAF web ACL on the load "
                        "balancer): remove them")
    if cfg.server.enable_exec and cloud is not Cloud.AWS:
        problems.append("server.enable_exec is an aws setting (ECS Exec): remove it")
    if cfg.ingress.hosted_zone_id and not cfg.ingress.domain:
        problems.append("ingress.hosted_zone_id needs ingress.domain (the name to create in that zone)")
    if cloud is not Cloud.AWS and (cfg.ingress.certificate_arn or cfg.ingress.hosted_zone_id):
        problems.append("ingress.certificate_arn and ingress.hosted_zone_id are aws settings: remove them")
    https = bool(cfg.ingress.certificate_arn or cfg.ingress.domain)
    if cfg.ingress.require_https and not https and cloud is Cloud.AWS:
        problems.append(
            "ingress.require_https=true (the prod default) needs ingress.certificate_arn, or ingress.domain with "
            "ingress.hosted_zone_id; set ingress.require_https=false only for a non-production stack"
        )
    if cfg.ingress.certificate_arn and cfg.target.region and f":acm:{cfg.target.region}:" not in cfg.ingress.certificate_arn:
        problems.append(
            f"ingress.certificate_arn is in another region than target.region={cfg.target.region}: "
            "a load balancer can only use a certificate from its own region"
        )
    net = cfg.network
    if net.existing_vpc_id and not (net.existing_private_subnet_ids and net.existing_public_subnet_ids):
        problems.append(
            "network.existing_vpc_id needs network.existing_public_subnet_ids and network.existing_private_subnet_ids"
        )
    if not net.existing_vpc_id and (net.existing_private_subnet_ids or net.existing_public_subnet_ids):
        problems.append("network.existing_*_subnet_ids need network.existing_vpc_id")
    if net.flow_logs and cloud is Cloud.LOCAL:
        problems.append("network.flow_logs is a cloud setting (aws, gcp): remove it from a local stack")
    if net.nat_gateways == "none" and cloud is Cloud.AWS and not net.existing_vpc_id:
        problems.append(
            "network.nat_gateways=none leaves the private subnets without the outbound HTTPS the licence check needs: "
            "use single or per_az, or adopt a network with its own egress"
        )
    if cfg.environment is Environment.PROD:
        problems += _prod_guardrails(cfg)
    problems += defense.checks(cfg)
    problems += kubernetes_config.check(cfg)
    problems += gke_config.check(cfg)
    problems += _target_limits(cfg)
    problems += _pool_fits(cfg)
    problems += capacity_model.check(cfg, *_capacity_context(cfg))
    problems += observability.checks(cfg)
    return problems


def _capacity_context(cfg: StackConfig) -> tuple[capacity_model.PlatformFacts | None, int, int]:
    """What the capacity model needs from the target and the environment: the platform's facts, the rolling-deploy
    surge, and the replica floor (prod's 2)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    facts = target.capacity_facts(cfg) if target is not None else None
    return facts, surge_percent(cfg), 2 if cfg.environment is Environment.PROD else 1


def capacity_report(cfg: StackConfig) -> dict[str, Any] | None:
    """The capacity derivation of a validated stack as data (None when it sets no `capacity`)."""
    return capacity_model.report(cfg, *_capacity_context(cfg), max_connections(cfg))


def _prod_guardrails(cfg: StackConfig) -> list[str]:
    """Prod may be tuned but not made fragile: these are the floors of the prod profile."""
    problems = []
    pg = cfg.postgres
    if not pg.high_availability:
        problems.append("postgres.high_availability must be true in prod (a standby in another zone)")
    if pg.backup_retention_days < 7:
        problems.append(f"postgres.backup_retention_days={pg.backup_retention_days} is below prod's minimum of 7")
    if not pg.deletion_protection:
        problems.append("postgres.deletion_protection must be true in prod")
    if cfg.redis.replicas < 1:
        problems.append("redis.replicas must be at least 1 in prod (automatic failover)")
    for role in ("api", "queue"):
        if getattr(cfg, role).min_replicas < 2:
            problems.append(f"{role}.min_replicas={getattr(cfg, role).min_replicas} is below prod's minimum of 2")
    return problems


def _target_limits(cfg: StackConfig) -> list[str]:
    """What the target platform accepts: each target owns its rules (langgraph_infra.targets)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.check(cfg) if target is not None else []


def max_connections(cfg: StackConfig) -> int | None:
    """The database's max_connections: explicit, else what the target derives (None when it cannot tell)."""
    if cfg.postgres.max_connections is not None:
        return cfg.postgres.max_connections
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.default_max_connections(cfg) if target is not None else None


def surge_percent(cfg: StackConfig) -> int:
    """How far above max_replicas a rolling deployment may go (new replicas start before old ones stop)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.surge_percent if target is not None else 200


def _pool_fits(cfg: StackConfig) -> list[str]:
    limit = max_connections(cfg)
    if limit is None:
        return [
            f"postgres.max_connections is needed to check the connection pools (no default is known for "
            f"instance_class={cfg.postgres.instance_class}): set it to the database's max_connections"
        ]
    surge = surge_percent(cfg)
    api_peak = contract.peak_replicas(cfg.api.max_replicas, surge)
    queue_peak = contract.peak_replicas(cfg.queue.max_replicas, surge)
    needed = contract.connections_needed(
        api_peak, cfg.api.postgres_pool_max_size, queue_peak, cfg.queue.postgres_pool_max_size,
        cfg.postgres.connection_reserve,
    )
    if needed > limit:
        return [
            f"connection pools exceed the database: at peak {api_peak} api x {cfg.api.postgres_pool_max_size} + "
            f"{queue_peak} queue x {cfg.queue.postgres_pool_max_size} (max_replicas, doubled during a rolling "
            f"deploy) + {cfg.postgres.connection_reserve} reserved = {needed} > max_connections {limit}: lower "
            "api/queue.postgres_pool_max_size or max_replicas, or use a larger postgres.instance_class / "
            "postgres.max_connections"
        ]
    return []


# Components used on their own ------------------------------------------------------------------------------------

_Part = TypeVar("_Part", bound=BaseModel)
# The connection-pool arithmetic needs the database and both roles: checked only when all three are given (a
# part alone would be checked against the profile's guess of the others).
_POOL_SECTIONS = frozenset({"postgres", "api", "queue"})


def settle_parts(cloud: str, environment: Environment | str, parts: dict[str, _Part]) -> dict[str, _Part]:
    """The settings of a component used on its own (`DatabaseArgs(PostgresSettings(), ...)`), completed and checked
    as a stack would be.

    `parts` maps a section of the stack config (`postgres`, `redis`, `network`, `api`, `queue`) to the settings the
    caller built. Every field the caller did not set (pydantic's `model_fields_set`) takes the value of the
    `environment` profile on `cloud`; then the same checks a whole stack gets (the target's sizes, prod's floors, the
    connection pools when the database and both roles are given) run on those sections. Raises `ConfigError` naming each
    `section.key=value` and its fix, before any resource is registered.
    """
    env = Environment(environment)
    target = targets.for_cloud(cloud)
    if target is None:
        raise ConfigError([f"target.cloud={cloud}: no such target is installed; install langgraph-infra[{cloud}]"])
    explicit = {section: part.model_dump(include=part.model_fields_set) for section, part in parts.items()}
    defaults = profiles.profile(env.value, cloud)
    raw = profiles.deep_merge(defaults, {"target": {"cloud": cloud, "runtime": target.runtimes[0]},
                                         "environment": env.value, **explicit})
    try:
        whole = StackConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError([_describe(e) for e in err.errors()]) from None
    pools = _POOL_SECTIONS <= set(parts)
    problems = [p for p in _cross_checks(whole)
                if any(p.startswith(f"{section}.") for section in parts) or (pools and p.startswith("connection pools"))]
    if problems:
        raise ConfigError(problems)
    return {section: type(part).model_validate(getattr(whole, section).model_dump())
            for section, part in parts.items()}


def settle(cloud: str, environment: Environment | str, section: str, part: _Part) -> _Part:
    """`settle_parts` for one section."""
    return settle_parts(cloud, environment, {section: part})[section]


# Loading from Pulumi config ------------------------------------------------------------------------------------

SECTIONS = tuple(name for name in StackConfig.model_fields)


def build(raw: dict[str, Any]) -> StackConfig:
    """Validate raw structured config (as in Pulumi.<stack>.yaml, without the namespace) over its profile.

    Every problem is reported in one run: a value that fails its own check is set aside (its profile default
    stands in) so that the checks that involve several keys still run on the rest.
    """
    problems = []
    target = raw.get("target")
    env = raw.get("environment")
    if not isinstance(target, dict) or "cloud" not in target:
        problems.append("target is required: e.g. `target: {cloud: aws, runtime: ecs, region: us-east-1}`")
    if env is None:
        problems.append(f"environment is required: one of {', '.join(profiles.environments())}")
    if problems:
        raise ConfigError(problems)
    assert isinstance(target, dict)
    defaults = profiles.profile(str(env), str(target.get("cloud")))
    user = copy.deepcopy(raw)
    reported: list[str] = []
    cfg = None
    # Each round sets aside what failed; validators that need their fields valid run in the next round.
    for _ in range(len(SECTIONS) + 5):
        try:
            cfg = StackConfig.model_validate(profiles.deep_merge(defaults, user))
            break
        except ValidationError as err:
            # A required key that was set aside is missing now: already reported, and nothing can stand in.
            errors = [e for e in err.errors() if not (e["type"] == "missing" and any(
                ".".join(str(p) for p in e["loc"]).startswith(key) for key in reported))]
            if not errors:
                break
            problems += [_describe(e) for e in errors]
            reported += [".".join(str(p) for p in e["loc"]) for e in errors]
            if not all(_set_aside(user, e["loc"]) for e in errors):
                break
    if cfg is None:
        raise ConfigError(problems)
    cfg = observability.with_derived(_with_capacity(cfg, defaults, user), user)
    # Rules across keys, minus those about a key already reported (its stand-in value would mislead).
    problems += [p for p in _cross_checks(cfg)
                 if not any(re.search(rf"(^|[\s`(]){re.escape(key)}[=\s:.]", p) for key in reported if key)]
    if problems:
        raise ConfigError(problems)
    return cfg


def _with_capacity(cfg: StackConfig, defaults: dict[str, Any], user: dict[str, Any]) -> StackConfig:
    """`cfg` with the sizes its `capacity` derives put between the profile and the user's own keys (explicit keys
    win; `capacity_model.check` then refuses those that cannot carry the load)."""
    queue = user.get("queue")
    explicit_jobs = isinstance(queue, dict) and "n_jobs_per_worker" in queue
    facts, surge, floor = _capacity_context(cfg)
    sizing = capacity_model.derive(cfg, facts, surge, floor, cfg.queue.n_jobs_per_worker if explicit_jobs else None)
    if sizing is None:
        return cfg
    try:
        return StackConfig.model_validate(profiles.deep_merge(profiles.deep_merge(defaults, sizing.overlay(facts)),
                                                              user))
    except ValidationError:
        # A derived value outside a field's range (e.g. more replicas than allowed): the check names it.
        return cfg


def _set_aside(user: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the user's value at `loc` (a list or a model-level error: the whole enclosing key) so the profile's
    default stands in. False when there is nothing of the user's to remove."""
    path = [p for p in loc]
    while path and isinstance(path[-1], int):
        path.pop()
    node: Any = user
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if isinstance(node, dict) and path and path[-1] in node:
        del node[path[-1]]
        return True
    if len(path) > 1:
        return _set_aside(user, tuple(path[:-1]))
    return False


def _describe(error: ErrorDetails) -> str:
    key = ".".join(str(p) for p in error["loc"]) or "(stack)"
    value = error.get("input")
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        parent = error["loc"][:-1]
        model: Any = StackConfig
        for part in parent:
            field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
            model = field.annotation if field is not None else None
        allowed = ", ".join(model.model_fields) if hasattr(model, "model_fields") else ""
        return f"{key}: unknown key" + (f" (allowed here: {allowed})" if allowed else "")
    if error["type"] == "missing":
        return f"{key}: required"
    if isinstance(value, (dict, list)) or key == "(stack)":
        return f"{key}: {msg}"
    return f"{key}={json.dumps(value) if not isinstance(value, str) else value}: {msg}"


def read_raw(config: pulumi.Config | None = None) -> dict[str, Any]:
    """The namespace's structured keys from the running stack's config (the secret values are left out)."""
    config = config or pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {}
    problems = []
    for key in SECTIONS:
        try:
            value = config.get_object(key)
        except Exception:  # noqa: BLE001 - a scalar where an object is expected
            value = config.get(key)
        if value is not None:
            raw[key] = value
    secrets = raw.get("secrets")
    declared: dict[str, Any] = secrets if isinstance(secrets, dict) else {}
    for key in sorted(_namespace_keys()):
        if key in SECTIONS:
            continue
        if not ENV_NAME.match(key):
            problems.append(f"{NAMESPACE}:{key}: unknown key (allowed: {', '.join(SECTIONS)}, or a secret's NAME)")
        elif key not in declared:
            # A secret value nothing uses is most often a typo of one that is used.
            problems.append(f"{NAMESPACE}:{key} is set but `secrets` has no {key}: add `secrets: {{{key}: {{}}}}` "
                            f"to pass it to the server, or `pulumi config rm {key}`")
    if problems:
        raise ConfigError(problems)
    return raw


def _namespace_keys() -> set[str]:
    keys = set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix):] for k in keys if k.startswith(prefix)}


def load(config: pulumi.Config | None = None) -> StackConfig:
    """Read and validate the running stack's configuration, including the app folder and secret values.

    The structured keys are read from the `langgraph-infra:` namespace (or `config`); the values of the secrets the
    stack creates from the running project's own namespace (`pulumi.Config()`), where `pulumi config set --secret
    NAME` puts them and where the AgentServer reads them. Raises ConfigError (no traceback under Pulumi) before any
    resource is registered.
    """
    config = config or pulumi.Config(NAMESPACE)
    cfg = build(read_raw(config))
    problems = check_secret_values(cfg)
    if not cfg.app.image:
        problems += check_app(cfg, project_root())
        if not problems:
            cfg = settle_app(cfg, project_root())
    # The AgentServer warns of an open dev API; here only what refuses the stack joins the other problems.
    problems += check_exposure(cfg, project_root())[0]
    if problems:
        raise ConfigError(problems)
    return cfg


def check_secret_values(cfg: StackConfig, config: pulumi.Config | None = None) -> list[str]:
    """Each created secret's value is set, and set as a secret, in `config` (default: the running project's own
    namespace, the one `secret_value` reads)."""
    config = config or pulumi.Config()
    problems = []
    for name in cfg.created_secret_names():
        full = f"{config.name}:{name}"
        if config.get(name) is None:
            problems.append(
                f"secrets.{name} is created from the secret config key {name}, which is not set: run "
                f"`pulumi config set --secret {name} <value>`, or adopt an existing secret with "
                f"`secrets.{name}.existing`"
            )
        elif not (pulumi.runtime.is_config_secret(full) or full in pulumi.runtime.get_config_secret_keys_env()):
            problems.append(
                f"{name} is stored in plain text in the stack config: run `pulumi config rm {name}` then "
                f"`pulumi config set --secret {name} <value>`"
            )
    return problems


def project_root(start: Path | None = None) -> Path:
    """The folder holding Pulumi.yaml. Pulumi runs a program in its `main` folder (infra/ here), not there."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return here


def app_dir(cfg: StackConfig) -> Path:
    """The app folder, relative to the working directory: state then holds the same path on every machine."""
    return Path(os.path.relpath(project_root() / cfg.app.path))


def check_app(cfg: StackConfig, project_dir: Path) -> list[str]:
    """The app folder must hold a usable langgraph.json before an image is built from it."""
    app_dir = project_dir / cfg.app.path
    path = app_dir / cfg.app.config_file
    if not path.is_file():
        return [f"app.path={cfg.app.path}: {path} does not exist: point app.path at the folder of your langgraph.json"]
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        return [f"{path}: not valid JSON ({err.msg} at line {err.lineno}): fix the file"]
    if not isinstance(data, dict):
        return [f"{path}: must be a JSON object with `graphs` and `dependencies`"]
    problems = []
    graphs = data.get("graphs")
    if not isinstance(graphs, dict) or not graphs:
        problems.append(f"{path}: `graphs` must map at least one graph id to `path/to/file.py:variable`")
    else:
        problems += _check_graph_files(path, app_dir, graphs)
    # A JavaScript app's image installs from its package.json (the CLI ignores `dependencies` there).
    if not app_settings.is_js(data) and (not isinstance(data.get("dependencies"), list)
                                          or not data.get("dependencies")):
        problems.append(f"{path}: `dependencies` must list at least one package or folder (e.g. [\".\"])")
    if problems:
        return problems
    # The image is built from what `langgraph dockerfile` generates now: whatever the CLI refuses is refused here.
    from .dockerfile import generate
    try:
        generate(path)
    except ConfigError as err:
        return err.problems
    return app_settings.check(
        data, where=str(path), app_dir=app_dir, secrets=set(cfg.secrets),
        cors_allow_origins=cfg.server.cors_allow_origins, prod=cfg.environment is Environment.PROD,
        secret_looking=SECRET_LOOKING_NAME, app_env=cfg.app.env)


def settle_app(cfg: StackConfig, project_dir: Path) -> StackConfig:
    """`cfg` with what the app's langgraph.json says about the platform filled in: `app.runtime` (unless set) and
    `app.env` joined by the plain variables of an `env` object (check_app has refused credentials and clashes)."""
    data = app_settings.read(project_dir / cfg.app.path / cfg.app.config_file)
    if data is None:
        return cfg
    runtime = cfg.app.runtime or (contract.Runtime.JS if app_settings.is_js(data) else contract.Runtime.PYTHON)
    env = {**app_settings.plain_env(data), **cfg.app.env}
    return cfg.model_copy(update={"app": cfg.app.model_copy(update={"runtime": runtime, "env": env})})


def internet_exposure(cfg: StackConfig) -> str | None:
    """How anyone on the internet can reach the API, as the target tells (None: its ingress admits no one)."""
    target = targets.for_cloud(cfg.target.cloud.value)
    return target.internet_exposure(cfg) if target is not None else None


def internet_facing(cfg: StackConfig) -> bool:
    return internet_exposure(cfg) is not None


def app_declares_auth(cfg: StackConfig, project_dir: Path) -> bool | None:
    """`app.declares_auth`, else whether the app's langgraph.json has `auth` (None: no langgraph.json to read)."""
    if cfg.app.declares_auth is not None:
        return cfg.app.declares_auth
    path = project_dir / cfg.app.path / cfg.app.config_file
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return isinstance(data, dict) and isinstance(data.get("auth"), dict) and bool(data["auth"].get("path"))


def check_exposure(cfg: StackConfig, project_dir: Path) -> tuple[list[str], list[str]]:
    """(problems, warnings) of an API whose app does not authenticate its callers: refused in prod when anyone on
    the internet can reach it, unless `ingress.unauthenticated_reason` says why; a warning everywhere else."""
    if cfg.ingress.unauthenticated_reason:
        return [], []
    declared = app_declares_auth(cfg, project_dir)
    if declared:
        return [], []
    why = (f"its app ({cfg.app.path}/{cfg.app.config_file}) declares no `auth`" if declared is False else
           f"whether its app authenticates cannot be told: {cfg.app.path}/{cfg.app.config_file} is not here")
    where = internet_exposure(cfg)
    if where is None:
        return [], [f"the API answers every caller that can reach it: {why}"]
    if cfg.environment is Environment.PROD:
        return [f"the prod API is open to anyone: {where} and {why}. Add `auth` to the app's langgraph.json (see "
                "docs/security.md), set app.declares_auth=true for a prebuilt image that does, narrow the ingress, "
                "or set ingress.unauthenticated_reason to deploy it open on purpose"], []
    return [], [f"the API is open to anyone who finds its URL: {where} and {why}"]


_GRAPH_FILE = re.compile(r"^(?P<file>[^:]+\.(py|ts|mts|cts|js|mjs|cjs))(:(?P<variable>.+))?$")


def _check_graph_files(path: Path, app_dir: Path, graphs: dict[str, Any]) -> list[str]:
    """A graph given as a file must name a file that exists in the app, with the variable after a colon
    (a graph given as a module, `package.module:graph`, is resolved by the server at start-up)."""
    problems = []
    for graph_id, spec in graphs.items():
        target = spec.get("path") if isinstance(spec, dict) else spec
        if not isinstance(target, str) or not target:
            problems.append(f"{path}: graphs.{graph_id} must be `./path/to/file.py:variable`")
            continue
        match = _GRAPH_FILE.match(target)
        if match is None:
            continue
        if not (app_dir / match["file"]).is_file():
            problems.append(f"{path}: graphs.{graph_id}={target}: {app_dir / match['file']} does not exist: fix the "
                            "path (relative to the folder of langgraph.json)")
        elif not match["variable"]:
            problems.append(f"{path}: graphs.{graph_id}={target}: name the graph variable after a colon "
                            "(`./agent/graph.py:graph`)")
    return problems


def secret_value(name: str, config: pulumi.Config | None = None) -> pulumi.Output[str]:
    """The secret config value that creates secret `name`, from the running project's own namespace
    (`pulumi config set --secret NAME ...` in the user's project; validated by `load` to exist and be secret)."""
    config = config or pulumi.Config()
    return config.require_secret(name)


# The README's configuration reference is generated from this model, so it cannot drift ---------------------------

def reference_markdown(cloud: str = "aws") -> str:
    """A markdown table of every key with its dev and prod defaults on `cloud` and its documentation."""
    target = {"aws": {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"},
              "gcp": {"cloud": "gcp", "runtime": "cloudrun", "region": "europe-west1", "project": "acme-agents-dev"}}[cloud]
    samples = {}
    for env in ("dev", "prod"):
        merged = profiles.deep_merge(profiles.profile(env, cloud), {"target": target, "environment": env})
        samples[env] = observability.with_derived(_with_capacity(StackConfig.model_validate(merged), merged, {}), {})
    rows = ["| key | dev | prod | what it does |", "|---|---|---|---|"]

    def walk(model: type[BaseModel], dev: Any, prod: Any, prefix: str) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, getattr(dev, name), getattr(prod, name), f"{key}.")
                continue
            doc = " ".join((field.description or "").split()).replace("|", "\\|")
            rows.append(f"| `{key}` | {_cell(getattr(dev, name))} | {_cell(getattr(prod, name))} | {doc} |")

    walk(StackConfig, samples["dev"], samples["prod"], "")
    return "\n".join(rows)


def _cell(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if value is None or value == {} or value == []:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{json.dumps(value) if isinstance(value, (dict, list)) else value}`"
