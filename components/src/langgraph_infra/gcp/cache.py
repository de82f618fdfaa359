"""Cache: Memorystore for Redis with AUTH and in-transit encryption (server authentication, port 6378), reached
through private services access. Redis holds nothing durable for the server (wake-ups, cancellation, stream
pub/sub), so it gets failover (STANDARD_HA), not persistence. Its private CA goes to the server as
`REDIS_TLS_CA_CERT` (base64 PEM)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from .. import contract
from ..config import Environment, RedisSettings
from ..naming import child
from ..settling import settle
from . import limits

TYPE = "langgraph-infra:gcp:Cache"
CLOUD = "gcp"


def replication(settings: RedisSettings) -> dict[str, Any]:
    """One replica: STANDARD_HA (automatic failover to another zone). More: read replicas as well."""
    config: dict[str, Any] = {"tier": limits.redis_tier(settings.replicas)}
    if settings.replicas > 1:
        config.update(read_replicas_mode="READ_REPLICAS_ENABLED", replica_count=settings.replicas)
    return config


def ca_bundle_b64(certs: Sequence[gcp.redis.outputs.InstanceServerCaCert | dict[str, Any]] | None) -> str:
    """Every CA Memorystore currently serves (two during its 180-day rotation), PEM, base64'd as the server wants."""
    pems = [c["cert"] if isinstance(c, dict) else c.cert for c in certs or []]
    return base64.b64encode("\n".join(p.strip() for p in pems if p).encode()).decode()


@dataclass
class CacheArgs:
    """A Memorystore for Redis instance with AUTH and in-transit encryption, on private services access, in the
    provider's project."""

    settings: RedisSettings
    """Capacity (`memory_size_gib`), replicas and version. Fields left unset take the `environment` profile's
    values (1 GiB, BASIC in dev; 5 GiB, STANDARD_HA in prod)."""
    region: str
    """Region of the instance (e.g. `target.region`)."""
    network_id: pulumi.Input[str]
    """The VPC the instance is reached from (its authorized network)."""
    private_services_range: pulumi.Input[str]
    """Name of the allocated range (private services access) the instance takes its addresses from."""
    private_services: pulumi.Resource
    """The peering connection the instance waits for."""
    deletion_protection: bool = False
    """Refuse to delete (or replace) the instance. Default: off; on in prod, with the stack's other protections."""
    environment: Environment = Environment.DEV
    """The profile that fills the settings left unset, and whose checks they must pass (a `ConfigError` naming
    `redis.<key>=<value>` and the fix, before any resource). Default: `dev`."""
    kms_key: pulumi.Input[str] | None = None
    """Cloud KMS key for data at rest (CMEK; set at creation only). Default: none, Google-managed keys."""
    depends_on: list[pulumi.Resource] | None = None
    """Resources the instance waits for (the key's grants). Default: only the peering connection."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "redis", self.settings)


class Cache(pulumi.ComponentResource):
    """Outputs: `address`, `port` (6378), `ca_cert_b64`, `uri` (secret, `rediss://:AUTH@host:6378`)."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    ca_cert_b64: pulumi.Output[str]
    uri: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        s = args.settings
        instance = gcp.redis.Instance(
            child(name, "redis"),
            display_name="LangGraph Agent Server: pub/sub, wake-ups and cancellation",
            region=args.region,
            memory_size_gb=s.memory_size_gib,
            redis_version=limits.redis_version(s.version),
            authorized_network=args.network_id,
            connect_mode="PRIVATE_SERVICE_ACCESS",
            reserved_ip_range=args.private_services_range,
            auth_enabled=True,
            # Fixed at creation: changing it later recreates the instance.
            transit_encryption_mode="SERVER_AUTHENTICATION",
            customer_managed_key=args.kms_key,
            deletion_protection=args.deletion_protection,
            **replication(s),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.private_services, *(args.depends_on or [])]),
        )
        self.address = instance.host
        self.instance_name = instance.name
        self.port = instance.port
        self.ca_cert_b64 = instance.server_ca_certs.apply(ca_bundle_b64)
        self.uri = pulumi.Output.secret(pulumi.Output.all(instance.auth_string, instance.host, instance.port).apply(
            lambda v: contract.redis_uri(v[0], v[1], int(v[2]), tls=True)))
        self.register_outputs({"address": self.address, "port": self.port, "ca_cert_b64": self.ca_cert_b64,
                               "uri": self.uri})
