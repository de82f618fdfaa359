"""The `network` section: an adopted network comes whole, and the private subnets keep a way out."""

from __future__ import annotations

from ..config import Cloud, StackConfig
from ..errors import Problem


def problems(cfg: StackConfig) -> list[Problem]:
    found = []
    cloud, net = cfg.target.cloud, cfg.network
    subnets = ("network.existing_public_subnet_ids", "network.existing_private_subnet_ids")
    if net.existing_vpc_id and not (net.existing_private_subnet_ids and net.existing_public_subnet_ids):
        found.append(Problem(
            "network.existing_vpc_id needs network.existing_public_subnet_ids and network.existing_private_subnet_ids",
            ("network.existing_vpc_id", *subnets)))
    if not net.existing_vpc_id and (net.existing_private_subnet_ids or net.existing_public_subnet_ids):
        found.append(Problem("network.existing_*_subnet_ids need network.existing_vpc_id",
                             (*subnets, "network.existing_vpc_id")))
    if net.nat_gateways == "none" and cloud is Cloud.AWS and not net.existing_vpc_id:
        found.append(Problem(
            "network.nat_gateways=none leaves the private subnets without the outbound HTTPS the licence check needs: "
            "use single or per_az, or adopt a network with its own egress", ("network.nat_gateways",)))
    return found
