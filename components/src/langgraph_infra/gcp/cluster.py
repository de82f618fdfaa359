"""Cluster: the GKE cluster the Agent Server runs in, and the `kubernetes.Provider` that deploys to it.

Created: an Autopilot cluster in the stack's VPC and subnet (network.py, whose Cloud NAT gives the private nodes and
pods their outbound HTTPS), with private nodes, Workload Identity, a release channel, a control plane reachable only
from `master_authorized_networks` (and the VPC), Secret Manager secret sync, the Gateway API, and deletion
protection linked to the stack's (prod), and the monitoring the alarms read (kube-state-metrics of Deployments
through Managed Service for Prometheus). Adopted: an existing cluster named by `gke.existing_cluster_name` and
`gke.existing_cluster_location`, read, never changed.

The provider authenticates with `gke-gcloud-auth-plugin` (the caller's own Google credentials, short-lived tokens):
no static credential is written into the kubeconfig or into Pulumi state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from ..naming import child
from . import limits
from .gke_cluster import cluster_name
from .gke_settings import GkeSettings

TYPE = "langgraph-infra:gcp:Cluster"
AUTH_PLUGIN = "gke-gcloud-auth-plugin"
# Egress to the cluster's own ranges (nodes, pods, services, the control plane's endpoint in the subnet): the
# network's egress rules deny everything else but HTTPS and the data tier, which would cut pod-to-pod traffic (DNS,
# the queue reaching the API's pods) and the kubelet.
CLUSTER_EGRESS_PRIORITY = 1000


@dataclass
class ClusterArgs:
    """A GKE Autopilot cluster in the stack's network, or an adopted one."""

    settings: GkeSettings
    """Release channel, authorized networks, secret rotation, or the cluster to adopt (the stack's `gke:` block)."""
    prefix: str
    """Name of the created cluster (cut to 40 characters), e.g. `langgraph-gke-dev`."""
    project: str
    """The project of the cluster and of its Workload Identity pool (`<project>.svc.id.goog`)."""
    region: str
    """Region of the created (regional) cluster."""
    network_id: pulumi.Input[str] | None = None
    """The VPC of a created cluster (`Network.network_id`). Default: none, which only an adopted cluster may
    leave out (GKE would put a created one in the project's `default` network)."""
    subnet_id: pulumi.Input[str] | None = None
    """Its subnet (`Network.subnet_id`): the nodes' addresses. Default: none, as for `network_id`."""
    vpc_cidr: str = "10.40.0.0/16"
    """The stack's `network.vpc_cidr`: the pod and service ranges are carved from it (`limits.gke_address_plan`),
    after the subnet and the private services range. Default: the config's default."""
    subnet_cidr: str | None = None
    """The subnet's CIDR, for the egress rule to the cluster's own ranges. Default: `limits.address_plan`'s."""
    binary_authorization: bool = False
    """Pods admitted only under the project's Binary Authorization policy (`admission.require_attestation`, the
    `ImageAdmission` component's). Default: off."""
    deletion_protection: bool = False
    """GKE's deletion protection and Pulumi's `protect` on the created cluster (linked, as on the database). Default:
    off (dev); the stack passes `postgres.deletion_protection`, on in prod."""
    labels: dict[str, str] = field(default_factory=dict)
    """Resource labels of the created cluster. Default: none beyond the provider's default labels."""


# What the created cluster sends to Cloud Monitoring: the system metrics, and the kube-state-metrics packages of
# Deployments, HorizontalPodAutoscalers and Pods (`kube_deployment_status_replicas_available`, which the API's
# replica alarm reads), through Managed Service for Prometheus, which they need
# (https://cloud.google.com/kubernetes-engine/docs/how-to/kube-state-metrics: GKE 1.27.2-gke.1200 or later).
MONITORING_COMPONENTS = ("SYSTEM_COMPONENTS", "DEPLOYMENT", "HPA", "POD")


def workload_pool(project: str) -> str:
    """The cluster's Workload Identity pool: Kubernetes ServiceAccounts appear in IAM under it."""
    return f"{project}.svc.id.goog"


def kubeconfig(name: str, endpoint: str, ca_certificate_b64: str) -> str:
    """A kubeconfig for `endpoint` that gets its token from gke-gcloud-auth-plugin (no credential in it)."""
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": AUTH_PLUGIN,
                     "installHint": "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                     "provideClusterInfo": True, "interactiveMode": "Never"}}
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": {"server": f"https://{endpoint}",
                                                 "certificate-authority-data": ca_certificate_b64}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "users": [{"name": name, "user": user}],
    })


class Cluster(pulumi.ComponentResource):
    """Outputs: `name`, `location`, `endpoint`, `workload_pool`. `provider` is the `kubernetes.Provider` for it."""

    name: pulumi.Output[str]
    location: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    workload_pool: str
    provider: k8s.Provider

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        settings = args.settings
        self.workload_pool = workload_pool(args.project)
        if settings.existing_cluster_name:
            found = gcp.container.get_cluster_output(
                name=settings.existing_cluster_name, location=settings.existing_cluster_location,
                project=args.project, opts=pulumi.InvokeOptions(parent=self))
            self.name, self.location = found.name, found.location
            self.endpoint = found.endpoint
            ca = found.master_auths.apply(lambda auths: auths[0].cluster_ca_certificate)
        else:
            cluster = self._create(name, args)
            self.name, self.location, self.endpoint = cluster.name, cluster.location, cluster.endpoint
            ca = cluster.master_auth.apply(lambda auth: auth.cluster_ca_certificate or "")
        config = pulumi.Output.all(self.name, self.endpoint, ca).apply(
            lambda values: kubeconfig(f"gke_{args.project}_{values[0]}", values[1], values[2]))
        self.provider = k8s.Provider(child(name, "k8s"), kubeconfig=config,
                                     opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"name": self.name, "location": self.location, "endpoint": self.endpoint,
                               "workload_pool": self.workload_pool})

    def _create(self, name: str, args: ClusterArgs) -> gcp.container.Cluster:
        settings = args.settings
        pods, services = limits.gke_address_plan(args.vpc_cidr)
        subnet = args.subnet_cidr or limits.address_plan(args.vpc_cidr)[0]
        opts = pulumi.ResourceOptions(parent=self)
        egress = gcp.compute.Firewall(
            child(name, "egress-cluster"), network=args.network_id, direction="EGRESS",
            priority=CLUSTER_EGRESS_PRIORITY, destination_ranges=[subnet, pods, services],
            allows=[{"protocol": "all"}], description="GKE: nodes, pods, services and the control plane",
            opts=opts)
        return gcp.container.Cluster(
            child(name, "gke"), name=cluster_name(settings, args.prefix), location=args.region,
            enable_autopilot=True, network=args.network_id, subnetwork=args.subnet_id,
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_ipv4_cidr_block=pods, services_ipv4_cidr_block=services),
            # Nodes get no public address (egress through the network's Cloud NAT); the control plane keeps its
            # public endpoint, closed to all but the authorized networks.
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True, enable_private_endpoint=False),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                    cidr_block=cidr, display_name=f"gke.master_authorized_networks[{i}]")
                    for i, cidr in enumerate(settings.master_authorized_networks)],
                gcp_public_cidrs_access_enabled=False),
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel=settings.release_channel),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=self.workload_pool),
            # Secret Manager secrets synced into Kubernetes Secrets (SecretSync), read as the pods' own identity.
            secret_sync_config=gcp.container.ClusterSecretSyncConfigArgs(
                enabled=True, rotation_config=gcp.container.ClusterSecretSyncConfigRotationConfigArgs(
                    enabled=True, rotation_interval=f"{settings.secret_rotation_seconds}s")),
            gateway_api_config=gcp.container.ClusterGatewayApiConfigArgs(channel="CHANNEL_STANDARD"),
            monitoring_config=gcp.container.ClusterMonitoringConfigArgs(
                enable_components=list(MONITORING_COMPONENTS),
                managed_prometheus=gcp.container.ClusterMonitoringConfigManagedPrometheusArgs(enabled=True)),
            binary_authorization=gcp.container.ClusterBinaryAuthorizationArgs(
                evaluation_mode="PROJECT_SINGLETON_POLICY_ENFORCE") if args.binary_authorization else None,
            deletion_protection=args.deletion_protection,
            resource_labels=args.labels or None,
            opts=pulumi.ResourceOptions(parent=self, protect=args.deletion_protection, depends_on=[egress]))
