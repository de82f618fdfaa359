"""Service: the Agent Server on Cloud Run, in two roles from one image, each with its own service account that can
read exactly its secrets and nothing else (or, under `postgres.auth: iam`, both as one adopted `ServerAccount`, whose
Cloud SQL IAM user the database makes).

- API: a Cloud Run service on port 8000, a start-up probe that also checks Postgres, a liveness probe on `/ok`,
  the longest request timeout (runs stream over SSE), CPU always allocated, min/max instances, Direct VPC egress.
- Queue: a Cloud Run worker pool (no URL, CPU always allocated, a fixed number of instances that never scales to
  zero or in), started with the queue entrypoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar

import pulumi
import pulumi_gcp as gcp

from .. import contract, observability
from ..config import IngressSettings, RoleSettings
from ..naming import bounded, child
from ..server import ServiceRolesArgs, settle_roles
from . import collector, scratch
from .limits import CLOUD_RUN_MAX_REQUEST_TIMEOUT_SECONDS
from .secrets import SecretRef, Secrets
from .server_account import ServerAccount

TYPE = "langgraph-infra:gcp:Service"
CLOUD = "gcp"
CONTAINER_NAME = "agent-server"
SERVICE_NAME_LIMIT = 49
ACCOUNT_ID_LIMIT = 30
# Concurrent requests one API instance takes (mostly long-lived streams waiting on Redis, so I/O-bound).
API_REQUEST_CONCURRENCY = 80
INVOKER_ROLE = "roles/run.invoker"
# Cloud Run reserves PORT: it sets it from the service's container port (8000). A worker pool declares no port and
# the server's own default, 8000, applies; the probes name the port explicitly.
PLATFORM_ENV = frozenset({"PORT"})


@dataclass
class ServiceArgs(ServiceRolesArgs):
    """The API as a Cloud Run service and the queue as a Cloud Run worker pool, each with its own service account
    that reads exactly its secrets, in the provider's project."""

    region: str
    """Region of the service, the worker pool and the domain mapping (e.g. `target.region`)."""
    network_id: pulumi.Input[str]
    """The VPC of the Direct VPC egress."""
    subnet_id: pulumi.Input[str]
    """Subnet of the Direct VPC egress: all outbound traffic leaves through it (and Cloud NAT)."""
    secrets: Secrets
    """The `Secrets` component holding every secret named in `secret_names`."""
    secret_names: list[str]
    """Variables passed from `secrets` by reference, to both roles."""
    ingress: IngressSettings
    """`public` (unauthenticated invocations allowed) and `domain` (a domain mapping)."""
    deletion_protection: bool = False
    """Cloud Run's own deletion protection on the service and the worker pool. Default: off (dev); on in prod."""
    collector: collector.CollectorArgs | None = None
    """An OpenTelemetry collector (Google-Built) beside the server in both roles: the server's metrics to Cloud
    Monitoring (queue backlog, workers), its traces to Cloud Trace; the roles' service accounts may write metrics
    and traces in `collector.project`. Default: none (only Cloud Run's own metrics)."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """Resources the roles wait for besides their secret bindings. Default: nothing else."""

    binary_authorization: bool = False
    """Enforce the project's Binary Authorization policy on the service and the worker pool (`ImageAdmission`).
    Default: off."""
    service_account: ServerAccount | None = None
    """One account both roles run as (`postgres.auth: iam`, whose Cloud SQL IAM user is made for it). Default: one
    account per role, created here."""

    def __post_init__(self) -> None:
        settle_roles(self, CLOUD)


def container_env(environment: Mapping[str, pulumi.Input[str]],
                  secret_refs: Mapping[str, SecretRef]) -> list[gcp.cloudrunv2.ServiceTemplateContainerEnvArgsDict]:
    """Cloud Run `envs`: the plain environment as values (minus what the platform sets), then each secret as a
    Secret Manager reference. A secret's value never appears here."""
    envs: list[gcp.cloudrunv2.ServiceTemplateContainerEnvArgsDict] = []
    for name, value in sorted(environment.items()):
        if name in PLATFORM_ENV:
            continue
        envs.append({"name": name, "value": value})
    for name, ref in sorted(secret_refs.items()):
        envs.append({"name": name, "value_source": {"secret_key_ref": {"secret": ref.secret,
                                                                       "version": ref.version}}})
    return envs


def limits(settings: RoleSettings) -> dict[str, str]:
    return {"cpu": str(int(settings.cpu)), "memory": f"{settings.memory_mib}Mi"}


class ServiceProbes(TypedDict):
    startup_probe: gcp.cloudrunv2.ServiceTemplateContainerStartupProbeArgsDict
    liveness_probe: gcp.cloudrunv2.ServiceTemplateContainerLivenessProbeArgsDict


class WorkerPoolProbes(TypedDict):
    startup_probe: gcp.cloudrunv2.WorkerPoolTemplateContainerStartupProbeArgsDict
    liveness_probe: gcp.cloudrunv2.WorkerPoolTemplateContainerLivenessProbeArgsDict


# A service's and a worker pool's probe types differ (a TCP probe's port is optional only in a worker pool's): the
# same probes are typed as either, and mypy checks `probes` against each.
Probes = TypeVar("Probes", ServiceProbes, WorkerPoolProbes)


def probes(kind: type[Probes], startup_period_seconds: int = 10, startup_failures: int = 30) -> Probes:
    """Start-up on `/ok?check_db=1` (up to 5 minutes for migrations), then liveness on `/ok` only, so a database
    blip does not restart every healthy instance. `kind` (`ServiceProbes` or `WorkerPoolProbes`) only picks the
    resource whose types the result has."""
    return {
        "startup_probe": {"http_get": {"path": contract.STARTUP_HEALTH_PATH, "port": contract.PORT},
                          "period_seconds": startup_period_seconds, "timeout_seconds": 5,
                          "failure_threshold": startup_failures},
        "liveness_probe": {"http_get": {"path": contract.HEALTH_PATH, "port": contract.PORT},
                           "period_seconds": 30, "timeout_seconds": 5, "failure_threshold": 3},
    }


def account_id(prefix: str, role: contract.Role) -> str:
    return bounded(f"{prefix}-{role.value}", ACCOUNT_ID_LIMIT)


class Service(pulumi.ComponentResource):
    """Outputs: `url`, `api_service_name`, `queue_worker_pool_name`, `api_service_account`,
    `queue_service_account`."""

    url: pulumi.Output[str]
    api_service_name: pulumi.Output[str]
    queue_worker_pool_name: pulumi.Output[str]
    api_service_account: pulumi.Output[str]
    queue_service_account: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._args, self._name = args, name
        opts_child = pulumi.ResourceOptions(parent=self)
        accounts: dict[contract.Role, gcp.serviceaccount.Account] = {}
        grants: dict[contract.Role, list[gcp.secretmanager.SecretIamMember]] = {}
        if args.service_account is not None:
            shared = args.service_account.account
            both = args.secrets.grant_read("server", shared.member, args.secret_names)
            accounts, grants = {r: shared for r in contract.Role}, {r: both for r in contract.Role}
        else:
            for role in contract.Role:
                accounts[role] = gcp.serviceaccount.Account(
                    child(name, f"{role.value}-sa"), account_id=account_id(args.prefix, role),
                    display_name=f"LangGraph Agent Server {role.value}",
                    description=f"Runs the {role.value} role; reads only its own secrets", opts=opts_child)
                grants[role] = args.secrets.grant_read(role.value, accounts[role].member, args.secret_names)

        refs = {n: args.secrets.refs[n] for n in args.secret_names}
        env = {role: dict((args.api if role is contract.Role.API else args.queue).environment) for role in contract.Role}
        sidecars: dict[contract.Role, list[Any]] = {role: [] for role in contract.Role}
        if args.collector:
            for role in contract.Role:
                env[role].update(observability.otlp_environment(f"{args.prefix}-{role.value}"))
                sidecars[role] = [collector.container(args.collector, role)]
            grantees = {"server": accounts[contract.Role.API]} if args.service_account is not None else \
                {r.value: accounts[r] for r in contract.Role}
            for grantee, account in grantees.items():
                for grant in collector.ROLES:
                    gcp.projects.IAMMember(child(name, f"{grantee}-{grant.split('/')[1]}"),
                                           project=args.collector.project, role=grant,
                                           member=account.member, opts=opts_child)
        # The worker pool's VPC access and env entries have the same types as the service's.
        vpc_access: gcp.cloudrunv2.ServiceTemplateVpcAccessArgsDict = {
            "egress": "ALL_TRAFFIC", "network_interfaces": [{"network": args.network_id, "subnetwork": args.subnet_id}]}
        self.api = gcp.cloudrunv2.Service(
            child(name, "api"),
            name=bounded(f"{args.prefix}-api", SERVICE_NAME_LIMIT),
            location=args.region,
            ingress="INGRESS_TRAFFIC_ALL",
            deletion_protection=args.deletion_protection,
            binary_authorization=gcp.cloudrunv2.ServiceBinaryAuthorizationArgs(use_default=True)
            if args.binary_authorization else None,
            template={
                "service_account": accounts[contract.Role.API].email,
                # Streams of long runs stay open up to Cloud Run's maximum.
                "timeout": f"{CLOUD_RUN_MAX_REQUEST_TIMEOUT_SECONDS}s",
                "max_instance_request_concurrency": API_REQUEST_CONCURRENCY,
                "scaling": {"min_instance_count": args.api.settings.min_replicas,
                            "max_instance_count": args.api.settings.max_replicas},
                "vpc_access": vpc_access,
                "volumes": scratch.service_volumes(),
                "containers": [{
                    "name": CONTAINER_NAME,
                    "image": args.image,
                    "volume_mounts": scratch.service_mounts(),
                    "ports": {"name": "http1", "container_port": contract.PORT},
                    "envs": container_env(env[contract.Role.API], refs),
                    # CPU stays allocated between requests: the server keeps background work going (pub/sub,
                    # heartbeats) that a throttled CPU would stall.
                    "resources": {"limits": limits(args.api.settings), "cpu_idle": False,
                                  "startup_cpu_boost": True},
                    **probes(ServiceProbes),
                }, *sidecars[contract.Role.API]],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*grants[contract.Role.API], *args.depends_on]),
        )
        self.queue = gcp.cloudrunv2.WorkerPool(
            child(name, "queue"),
            name=bounded(f"{args.prefix}-queue", SERVICE_NAME_LIMIT),
            location=args.region,
            deletion_protection=args.deletion_protection,
            binary_authorization=gcp.cloudrunv2.WorkerPoolBinaryAuthorizationArgs(use_default=True)
            if args.binary_authorization else None,
            # A fixed count: the queue never scales to zero, and never scales in while runs execute.
            scaling={"scaling_mode": "MANUAL", "manual_instance_count": args.queue.settings.min_replicas},
            template={
                "service_account": accounts[contract.Role.QUEUE].email,
                "vpc_access": vpc_access,
                "volumes": scratch.worker_pool_volumes(),
                "containers": [{
                    "name": CONTAINER_NAME,
                    "image": args.image,
                    "volume_mounts": scratch.worker_pool_mounts(),
                    "commands": contract.command(contract.Role.QUEUE, args.runtime),
                    "envs": container_env(env[contract.Role.QUEUE], refs),
                    "resources": {"limits": limits(args.queue.settings)},
                    **probes(WorkerPoolProbes),
                }, *sidecars[contract.Role.QUEUE]],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*grants[contract.Role.QUEUE], *args.depends_on]),
        )
        if args.ingress.public:
            # The server authenticates requests itself (LANGGRAPH_AUTH / API keys): anyone may reach it through Cloud Run.
            gcp.cloudrunv2.ServiceIamMember(child(name, "public"), name=self.api.name, location=args.region,
                                            role=INVOKER_ROLE, member="allUsers", opts=opts_child)
        self.domain_mapping = None
        if args.ingress.domain:
            self.domain_mapping = gcp.cloudrun.DomainMapping(
                child(name, "domain"), location=args.region, name=args.ingress.domain,
                metadata={"namespace": self.api.project},
                spec={"route_name": self.api.name, "certificate_mode": "AUTOMATIC"}, opts=opts_child)

        self.url = (pulumi.Output.from_input(f"https://{args.ingress.domain}") if args.ingress.domain
                    else self.api.uri)
        self.api_service_name = self.api.name
        self.queue_worker_pool_name = self.queue.name
        self.api_service_account = accounts[contract.Role.API].email
        self.queue_service_account = accounts[contract.Role.QUEUE].email
        self.register_outputs({
            "url": self.url, "api_service_name": self.api_service_name,
            "queue_worker_pool_name": self.queue_worker_pool_name,
            "api_service_account": self.api_service_account, "queue_service_account": self.queue_service_account,
        })

    def dns_records(self) -> pulumi.Output[list[dict[str, str]]] | None:
        """The DNS records to create for `ingress.domain` (None without a domain)."""
        if self.domain_mapping is None:
            return None
        return self.domain_mapping.statuses.apply(lambda statuses: [
            {"name": r.name or "", "type": r.type or "", "rrdata": r.rrdata or ""}
            for s in statuses or [] for r in (s.resource_records or [])])

