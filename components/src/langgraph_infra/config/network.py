"""The `network` section: the VPC the stack creates or adopts, its egress and its flow logs."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from .base import _Model


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
