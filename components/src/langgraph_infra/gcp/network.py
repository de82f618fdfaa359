"""Network: a custom-mode VPC with one regional subnet (Cloud Run's Direct VPC egress), private services access for
Cloud SQL and Memorystore (an allocated range peered with Google's services), Cloud NAT so that private traffic
can still reach the internet over HTTPS (the server's licence check, model APIs), and egress firewall rules that let
out only `network.egress_ports` and the data tier."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..config import Environment, NetworkSettings
from ..naming import child
from ..settling import settle
from . import limits

TYPE = "langgraph-infra:gcp:Network"
CLOUD = "gcp"
SERVICE_NETWORKING = "servicenetworking.googleapis.com"
# Egress rule priorities: the allows win over the deny (lower number first), which sits just above the implied allow.
ALLOW_PRIORITY, DENY_PRIORITY = 1000, 65000
# Postgres, and Memorystore's ports (6378 with in-transit encryption, 6379 without), in the private services range.
DATA_TIER_PORTS = ("5432", "6378", "6379")


@dataclass
class NetworkArgs:
    """A custom-mode VPC with one regional subnet, private services access and Cloud NAT, in the provider's
    project."""

    settings: NetworkSettings
    """`vpc_cidr` is split into the subnet and the private services range (a /20 each). Fields left unset take the
    `environment` profile's values (no flow logs in dev, flow logs in prod)."""
    region: str
    """Region of the subnet and of the NAT router (e.g. `target.region`)."""
    environment: Environment = Environment.DEV
    """The profile that fills the settings left unset, and whose checks they must pass (a `ConfigError` naming
    `network.<key>=<value>` and the fix, before any resource). Default: `dev`."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "network", self.settings)


class Network(pulumi.ComponentResource):
    """Outputs: `network_id`, `network_name`, `subnet_id`, `private_services_range` (the allocated range's name).

    `private_services` is the peering connection: anything that takes a private IP from it must depend on it.
    """

    network_id: pulumi.Output[str]
    network_name: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    private_services_range: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        opts_child = pulumi.ResourceOptions(parent=self)
        subnet_cidr, services_address, services_prefix = limits.address_plan(args.settings.vpc_cidr)
        vpc = gcp.compute.Network(child(name, "vpc"), auto_create_subnetworks=False, routing_mode="REGIONAL",
                                  description="LangGraph Agent Server", opts=opts_child)
        subnet = gcp.compute.Subnetwork(
            child(name, "subnet"), network=vpc.id, region=args.region, ip_cidr_range=subnet_cidr,
            # Google APIs (Secret Manager, Artifact Registry, Logging) stay on Google's network.
            private_ip_google_access=True,
            log_config=gcp.compute.SubnetworkLogConfigArgs(aggregation_interval="INTERVAL_10_MIN", flow_sampling=0.1,
                                                           metadata="INCLUDE_ALL_METADATA")
            if args.settings.flow_logs else None,
            opts=opts_child)
        services_range = gcp.compute.GlobalAddress(
            child(name, "services-range"), network=vpc.id, purpose="VPC_PEERING", address_type="INTERNAL",
            address=services_address, prefix_length=services_prefix, opts=opts_child)
        self.private_services = gcp.servicenetworking.Connection(
            child(name, "services"), network=vpc.id, service=SERVICE_NETWORKING,
            reserved_peering_ranges=[services_range.name],
            # Deleting the peering fails while Cloud SQL still holds addresses in it (it is released with them).
            deletion_policy="ABANDON", opts=opts_child)
        router = gcp.compute.Router(child(name, "router"), network=vpc.id, region=args.region, opts=opts_child)
        gcp.compute.RouterNat(
            child(name, "nat"), router=router.name, region=args.region,
            nat_ip_allocate_option="AUTO_ONLY", source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            # Streams and licence checks hold connections open: do not recycle idle ones quickly.
            tcp_established_idle_timeout_sec=1200,
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"), opts=opts_child)
        self._egress(name, vpc, f"{services_address}/{services_prefix}", args.settings.egress_ports, opts_child)

        self.network_id = vpc.id
        self.network_name = vpc.name
        self.subnet_id = subnet.id
        self.private_services_range = services_range.name
        self.register_outputs({"network_id": self.network_id, "network_name": self.network_name,
                               "subnet_id": self.subnet_id, "private_services_range": self.private_services_range})

    def _egress(self, name: str, vpc: gcp.compute.Network, services_cidr: str, ports: list[int],
                opts: pulumi.ResourceOptions) -> None:
        """Deny all egress but the listed ports to the internet and the data tier's ports to the private services
        range. Cloud Run sends all its traffic through this VPC (`ALL_TRAFFIC`), so these rules bind it; the
        metadata server (DNS, tokens) is always reachable."""
        gcp.compute.Firewall(child(name, "egress-internet"), network=vpc.id, direction="EGRESS",
                             priority=ALLOW_PRIORITY, destination_ranges=["0.0.0.0/0"],
                             allows=[{"protocol": "tcp", "ports": [str(p) for p in ports]}],
                             description="network.egress_ports: what the containers may reach on the internet",
                             opts=opts)
        gcp.compute.Firewall(child(name, "egress-data-tier"), network=vpc.id, direction="EGRESS",
                             priority=ALLOW_PRIORITY, destination_ranges=[services_cidr],
                             allows=[{"protocol": "tcp", "ports": list(DATA_TIER_PORTS)}],
                             description="Postgres and Redis in the private services range", opts=opts)
        gcp.compute.Firewall(child(name, "egress-deny"), network=vpc.id, direction="EGRESS",
                             priority=DENY_PRIORITY, destination_ranges=["0.0.0.0/0"],
                             denies=[{"protocol": "all"}], description="everything else", opts=opts)
