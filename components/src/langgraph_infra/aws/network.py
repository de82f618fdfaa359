"""Network: a VPC with public subnets (load balancer) and private subnets (tasks, database, cache) in several zones,
and NAT for the outbound HTTPS the server's licence check needs. Or an existing VPC, adopted by id."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..config import Environment, NetworkSettings
from ..naming import child
from ..settling import settle
from . import policies
from .trust import service_trust

TYPE = "langgraph-infra:aws:Network"
CLOUD = "aws"


def subnet_cidrs(vpc_cidr: str, zones: int) -> tuple[list[str], list[str]]:
    """Public and private subnet CIDRs: the VPC split in 16 equal blocks, public ones first, private from the 9th,
    so that adding a zone never renumbers an existing subnet."""
    blocks = list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=4))
    return [str(b) for b in blocks[:zones]], [str(b) for b in blocks[8:8 + zones]]


def nat_gateway_count(mode: str, zones: int) -> int:
    return {"none": 0, "single": 1, "per_az": zones}[mode]


@dataclass
class NetworkArgs:
    """A new VPC (public and private subnets in `settings.availability_zones` zones, NAT, optional flow logs), or an
    existing one adopted by id (`settings.existing_vpc_id`)."""

    settings: NetworkSettings
    """CIDR, zones, NAT gateways, flow logs, or the ids of an existing VPC and its subnets. Fields left unset take
    the `environment` profile's values (`single` NAT and no flow logs in dev; `per_az` and flow logs in prod)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource created. Default: none beyond the provider's default tags."""
    log_retention_days: int = 30
    """How long flow logs are kept, in days (when `settings.flow_logs` is on). Default: 30."""
    environment: Environment = Environment.DEV
    """The profile that fills the settings left unset, and whose checks they must pass (a `ConfigError` before any
    resource). Default: `dev`."""
    log_kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key of the flow logs' log group. Default: none, CloudWatch Logs' own encryption."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "network", self.settings)


class Network(pulumi.ComponentResource):
    """Outputs: `vpc_id`, `vpc_cidr`, `public_subnet_ids`, `private_subnet_ids`."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        s = args.settings
        if s.existing_vpc_id:
            vpc = aws.ec2.get_vpc_output(id=s.existing_vpc_id, opts=pulumi.InvokeOptions(parent=self))
            self.vpc_id = pulumi.Output.from_input(s.existing_vpc_id)
            self.vpc_cidr = vpc.cidr_block
            self.public_subnet_ids = [pulumi.Output.from_input(i) for i in s.existing_public_subnet_ids]
            self.private_subnet_ids = [pulumi.Output.from_input(i) for i in s.existing_private_subnet_ids]
        else:
            self._retention, self._log_key = args.log_retention_days, args.log_kms_key_arn
            self._create(name, s, args.tags)
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
        })

    def _create(self, name: str, s: NetworkSettings, tags: dict[str, str]) -> None:
        opts = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOptions(parent=self)).names
        vpc = aws.ec2.Vpc(child(name, "vpc"), cidr_block=s.vpc_cidr, enable_dns_hostnames=True,
                          enable_dns_support=True, tags={**tags, "Name": child(name, "vpc")}, opts=opts)
        # The default security group of a new VPC allows all traffic between its members: strip it.
        aws.ec2.DefaultSecurityGroup(child(name, "default-sg"), vpc_id=vpc.id, ingress=[], egress=[],
                                     tags=tags, opts=opts)
        igw = aws.ec2.InternetGateway(child(name, "igw"), vpc_id=vpc.id, tags=tags, opts=opts)
        public_cidrs, private_cidrs = subnet_cidrs(s.vpc_cidr, s.availability_zones)

        public_rt = aws.ec2.RouteTable(child(name, "public"), vpc_id=vpc.id, tags=tags,
                                       routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
                                       opts=opts)
        public, private = [], []
        for i, cidr in enumerate(public_cidrs):
            subnet = aws.ec2.Subnet(child(name, f"public-{i}"), vpc_id=vpc.id, cidr_block=cidr,
                                    availability_zone=zones[i], map_public_ip_on_launch=False,
                                    tags={**tags, "Name": child(name, f"public-{i}"), "tier": "public"}, opts=opts)
            aws.ec2.RouteTableAssociation(child(name, f"public-{i}"), subnet_id=subnet.id,
                                          route_table_id=public_rt.id, opts=opts)
            public.append(subnet)

        nats = []
        for i in range(nat_gateway_count(s.nat_gateways, s.availability_zones)):
            eip = aws.ec2.Eip(child(name, f"nat-{i}"), domain="vpc", tags=tags, opts=opts)
            nats.append(aws.ec2.NatGateway(child(name, f"nat-{i}"), allocation_id=eip.id, subnet_id=public[i].id,
                                           tags={**tags, "Name": child(name, f"nat-{i}")},
                                           opts=pulumi.ResourceOptions(parent=self, depends_on=[igw])))
        for i, cidr in enumerate(private_cidrs):
            subnet = aws.ec2.Subnet(child(name, f"private-{i}"), vpc_id=vpc.id, cidr_block=cidr,
                                    availability_zone=zones[i], map_public_ip_on_launch=False,
                                    tags={**tags, "Name": child(name, f"private-{i}"), "tier": "private"}, opts=opts)
            routes = [aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[i % len(nats)].id)] \
                if nats else []
            rt = aws.ec2.RouteTable(child(name, f"private-{i}"), vpc_id=vpc.id, routes=routes, tags=tags, opts=opts)
            aws.ec2.RouteTableAssociation(child(name, f"private-{i}"), subnet_id=subnet.id, route_table_id=rt.id,
                                          opts=opts)
            private.append(subnet)

        if s.flow_logs:
            self._flow_logs(name, vpc, tags)

        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.public_subnet_ids = [sn.id for sn in public]
        self.private_subnet_ids = [sn.id for sn in private]


    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, tags: dict[str, str]) -> None:
        """VPC Flow Logs into their own log group, delivered by a role that may write only there."""
        opts = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(child(name, "flow-logs"), retention_in_days=self._retention,
                                        kms_key_id=self._log_key, tags=tags,
                                        opts=opts)
        role = aws.iam.Role(child(name, "flow-logs"), assume_role_policy=service_trust(
            "vpc-flow-logs.amazonaws.com", policies.flow_log_source_arn, parent=self), description="Delivers the VPC's flow logs", tags=tags, opts=opts)
        aws.iam.RolePolicy(child(name, "flow-logs"), role=role.id,
                           policy=group.arn.apply(policies.deliver_flow_logs), opts=opts)
        aws.ec2.FlowLog(child(name, "flow-logs"), vpc_id=vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=600, tags=tags, opts=opts)


def allow_port(name: str, *, parent: pulumi.Resource, security_group_id: pulumi.Input[str], port: int,
               source_security_group_id: pulumi.Input[str], description: str) -> aws.vpc.SecurityGroupIngressRule:
    """Open exactly one TCP port of a security group to exactly one other security group."""
    return aws.vpc.SecurityGroupIngressRule(
        name, security_group_id=security_group_id, referenced_security_group_id=source_security_group_id,
        ip_protocol="tcp", from_port=port, to_port=port, description=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def private_security_group(name: str, *, parent: pulumi.Resource, vpc_id: pulumi.Input[str], description: str,
                           tags: dict[str, str]) -> aws.ec2.SecurityGroup:
    """A security group with no rules of its own: data stores answer only who is allowed in, and open nothing out."""
    return aws.ec2.SecurityGroup(name, vpc_id=vpc_id, description=description, tags={**tags, "Name": name},
                                 opts=pulumi.ResourceOptions(parent=parent))
