"""Gke: the Agent Server on GKE (`target.runtime: gke`), given the same data tier, registry and Secret Manager
secrets as Cloud Run. It composes the cluster (created Autopilot, or adopted), the pods' Workload Identity, the
secret sync that turns the secrets into one Kubernetes Secret, the Gateway with its managed certificate, and the
portable Kubernetes component (`langgraph_infra.kubernetes.Service`: Deployments, autoscalers, PDBs, NetworkPolicies,
the HTTPRoute), which references the synced Secret's keys only; and KEDA, which scales the queue on its backlog
(`gke.install_keda`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from .. import contract, kubernetes, observability
from ..config import StackConfig
from ..kubernetes import keda
from ..kubernetes.pod import object_labels
from ..kubernetes.service import NAME_LIMIT, namespace_labels
from ..naming import bounded, child
from ..server import RoleSpec
from . import collector, gke_cluster, limits, workload_identity
from .cluster import Cluster, ClusterArgs
from .collector import CollectorArgs
from .gateway import Gateway, GatewayArgs, security_policy_name, with_security_policy
from .gke_settings import gke_settings
from .secret_sync import SecretSync, SecretSyncArgs
from .secrets import Secrets
from .server_account import ServerAccount
from .workload_identity import WorkloadIdentity, WorkloadIdentityArgs

TYPE = "langgraph-infra:gcp:Gke"


@dataclass
class GkeArgs:
    """Everything the GKE runtime takes from the stack: its config, the network, the secrets and the image."""

    config: StackConfig
    """The validated stack configuration (`gke:`, `kubernetes:`, sizes, ingress)."""
    prefix: str
    """Prefix of physical names (`<config.name>-<stack>`)."""
    image: pulumi.Input[str]
    """The image to run, by digest."""
    roles: dict[str, RoleSpec]
    """`api` and `queue`: sizes and plain environment (`server.role_specs`)."""
    secrets: Secrets
    """The stack's Secret Manager secrets."""
    secret_names: list[str]
    """The variables the server reads from them."""
    network_id: pulumi.Input[str] | None = None
    """The VPC of a created cluster. Default: none, which only an adopted cluster (`gke.existing_cluster_name`) may
    leave out."""
    subnet_id: pulumi.Input[str] | None = None
    """Its subnet. Default: none, as for `network_id`."""
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    """What the pods need first (the nodes' permission to pull the image). Default: nothing beyond the cluster,
    the namespace and the secret sync."""
    collector: CollectorArgs | None = None
    """The Google-Built collector as a native sidecar of both roles' pods (the Cloud Run sidecar's configuration):
    the server's metrics to Cloud Monitoring, its traces to Cloud Trace, as the pods' Google identity, which then
    holds `collector.ROLES`. Default: no collector, the server runs alone in its pods."""
    service_account: ServerAccount | None = None
    """The pods' Google service account (`postgres.auth: iam`). Default: `<prefix>-gke`, created by the Workload
    Identity component."""
    scaler_secret_name: str | None = None
    """The secret holding the URI of KEDA's scaler login (`db_bootstrap.SCALER_URI_ENV`): synced beside the others
    for KEDA's TriggerAuthentication, never in a pod's environment. Default: none, KEDA logs in as the server
    (`kubernetes.ServiceArgs.scaler_secret`)."""


# Workload Identity's tokens come from the GKE metadata server; with egress restricted by NetworkPolicy, GKE asks to
# allow it: 169.254.169.252/32 on 988 (1.21.0-gke.1000 and later) and, with GKE Dataplane V2 (Autopilot's),
# 169.254.169.254/32 on 80 (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity, "Restrictions").
METADATA_SERVER = [kubernetes.Destination("169.254.169.252/32", 988), kubernetes.Destination("169.254.169.254/32", 80)]


def with_otlp(roles: dict[str, RoleSpec], prefix: str) -> dict[str, RoleSpec]:
    """Both roles' environment pointing the server's OTLP traces at the collector beside it (as on Cloud Run)."""
    return {key: RoleSpec(spec.settings, {**spec.environment,
                                          **observability.otlp_environment(f"{prefix}-{key}")})
            for key, spec in roles.items()}


def private_services_cidr(vpc_cidr: str) -> str:
    """The range Cloud SQL and Memorystore take their addresses from (`limits.address_plan`)."""
    _, address, prefix = limits.address_plan(vpc_cidr)
    return f"{address}/{prefix}"


class Gke(pulumi.ComponentResource):
    """Outputs: `url`, `api_service_name`, `queue_service_name` (the queue's Deployment), `cluster_name`,
    `namespace`, `service_account` (the pods' Google identity), `secret_name` (the synced Kubernetes Secret),
    `dns_records` (with `ingress.domain`)."""

    url: pulumi.Output[str]
    api_service_name: str
    queue_service_name: str
    cluster_name: pulumi.Output[str]
    namespace: str
    service_account: pulumi.Output[str]
    secret_name: str
    dns_records: pulumi.Output[list[dict[str, str]]] | None

    def __init__(self, name: str, args: GkeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        cfg, prefix = args.config, args.prefix
        project, region = cfg.target.project or "", cfg.target.region or ""
        opts_child = pulumi.ResourceOptions(parent=self)
        cluster = Cluster(child(name, "cluster"), ClusterArgs(
            settings=gke_settings(cfg), prefix=prefix, project=project, region=region, network_id=args.network_id,
            subnet_id=args.subnet_id, vpc_cidr=cfg.network.vpc_cidr,
            binary_authorization=cfg.admission.require_attestation,
            deletion_protection=cfg.postgres.deletion_protection), opts_child)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=cluster.provider)

        ksa = bounded(prefix, NAME_LIMIT)
        settings = cfg.kubernetes.model_copy(update={
            # The namespace is created here (when the stack creates it), so the synced Secret can live in it before
            # the pods that read it start.
            "create_namespace": False,
            "service_account_annotations": {
                **cfg.kubernetes.service_account_annotations,
                **workload_identity.service_account_annotations(prefix, project, args.service_account)},
            # Postgres and Redis live in the VPC's private services range: the pods reach their ports only there.
            "data_tier_cidrs": cfg.kubernetes.data_tier_cidrs or [private_services_cidr(cfg.network.vpc_cidr)],
        })
        namespace: list[pulumi.Resource] = []
        if cfg.kubernetes.create_namespace:
            namespace.append(k8s.core.v1.Namespace(
                child(name, "namespace"),
                metadata={"name": settings.namespace,
                          "labels": {**object_labels(prefix), **namespace_labels()}}, opts=on_cluster))

        # The synced Secret holds the scaler's URI too: KEDA reads that key, the pods only the server's.
        synced_names = [*args.secret_names, *([args.scaler_secret_name] if args.scaler_secret_name else [])]
        identity = WorkloadIdentity(child(name, "identity"), WorkloadIdentityArgs(
            prefix=prefix, project=project, workload_pool=cluster.workload_pool, namespace=settings.namespace,
            service_account=ksa, secrets=args.secrets, secret_names=synced_names,
            project_roles=list(collector.ROLES) if args.collector else [], account=args.service_account), opts_child)
        synced = SecretSync(child(name, "secret-sync"), SecretSyncArgs(
            prefix=prefix, project=project, namespace=settings.namespace, service_account=ksa,
            secrets=args.secrets, secret_names=synced_names, depends_on=[*namespace, *identity.grants]),
            on_cluster)

        scaler = [keda.install(child(name, "keda"), settings.namespace, on_cluster)] if gke_cluster.installs_keda(cfg) \
            else []
        armor = gke_settings(cfg).cloud_armor and settings.exposure == "gateway" and not settings.gateway_namespace
        roles = with_otlp(args.roles, prefix) if args.collector else args.roles
        sidecars = {role: [collector.sidecar(args.collector, role)] for role in contract.Role} \
            if args.collector else {}
        service = kubernetes.Service(child(name, "k8s"), kubernetes.ServiceArgs(
            prefix=prefix, image=args.image, api=roles["api"], queue=roles["queue"], sidecars=sidecars,
            egress_destinations=METADATA_SERVER,
            runtime=cfg.runtime(), environment=cfg.environment,
            secrets={n: ref for n, ref in synced.refs.items() if n != args.scaler_secret_name},
            scaler_secret=synced.refs[args.scaler_secret_name] if args.scaler_secret_name else None,
            kubernetes=settings,
            ingress=cfg.ingress,
            # Memorystore answers TLS on its own port, beside the contract's Redis port the policy already opens.
            egress_ports=sorted({*cfg.network.egress_ports, limits.MEMORYSTORE_TLS_PORT}),
            depends_on=[*namespace, synced, *identity.project_grants, *args.depends_on], scaler_depends_on=scaler),
            pulumi.ResourceOptions(
                parent=self, provider=cluster.provider,
                transformations=[with_security_policy(security_policy_name(prefix))] if armor else None))

        self.url = pulumi.Output.from_input(service.url or "")
        self.dns_records = None
        if settings.exposure == "gateway" and not settings.gateway_namespace:
            gateway = Gateway(child(name, "gateway"), GatewayArgs(
                prefix=prefix, kubernetes=settings, api_service=service.api_service_name,
                domain=cfg.ingress.domain, rate_limit_per_ip=gke_settings(cfg).cloud_armor_rate_limit_per_ip if armor else None,
                depends_on=namespace), pulumi.ResourceOptions(parent=self, provider=cluster.provider))
            self.url, self.dns_records = gateway.url, gateway.dns_records
        self.api_service_name = service.api_service_name
        self.queue_service_name = service.queue_deployment_name
        self.cluster_name = cluster.name
        self.namespace = settings.namespace
        self.service_account = identity.email
        self.secret_name = synced.secret_name
        self.cluster, self.identity, self.secret_sync, self.service = cluster, identity, synced, service
        self.register_outputs({"url": self.url, "cluster_name": self.cluster_name, "namespace": self.namespace,
                               "service_account": self.service_account, "secret_name": self.secret_name})
