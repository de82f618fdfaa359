"""Cache: ElastiCache (Valkey or Redis >= 7) with encryption in transit and at rest and a generated AUTH token,
private, reachable only from allowed security groups. Redis holds nothing durable for the server (wake-ups,
cancellation, stream pub/sub), so it gets failover, not backups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict, cast

import pulumi
import pulumi_aws as aws

from .. import contract
from ..config import Environment, RedisSettings
from ..credentials import generated_password
from ..naming import child
from ..rules.acceptance import accepted
from ..settling import settle
from .network import allow_port, private_security_group

TYPE = "langgraph-infra:aws:Cache"
CLOUD = "aws"


class Replication(TypedDict):
    """`ReplicationGroup` arguments: node count and failover."""

    num_cache_clusters: int
    automatic_failover_enabled: bool
    multi_az_enabled: bool


def replication(settings: RedisSettings) -> Replication:
    """Node count and failover: with a replica, the primary fails over to another zone automatically."""
    ha = settings.replicas >= 1
    return {
        "num_cache_clusters": 1 + settings.replicas,
        "automatic_failover_enabled": ha,
        "multi_az_enabled": ha,
    }


@dataclass
class CacheArgs:
    """An ElastiCache replication group in private subnets, with its own security group that lets nobody in until
    `allow_from` names a consumer."""

    settings: RedisSettings
    """Engine, version, node type and replicas. Fields left unset take the `environment` profile's values
    (`cache.t4g.micro`, one node in dev; `cache.m7g.large` with a replica and automatic failover in prod)."""
    vpc_id: pulumi.Input[str]
    """The VPC of the cache's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the cache's subnet group (two zones or more for a replica)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource created. Default: none beyond the provider's default tags."""
    environment: Environment = Environment.DEV
    """The profile that fills the settings left unset, and whose checks they must pass (node type, prod's replica):
    a `ConfigError` before any resource. Default: `dev`."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key for encryption at rest (set at creation only). Default: none, the AWS-managed key."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "redis", self.settings)


class Cache(pulumi.ComponentResource):
    """Outputs: `address`, `port`, `security_group_id`, `uri` (secret, `rediss://:TOKEN@host:6379`)."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    security_group_id: pulumi.Output[str]
    uri: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._name = name
        s = args.settings
        opts_child = pulumi.ResourceOptions(parent=self)
        self.security_group = private_security_group(child(name, "sg"), parent=self, vpc_id=args.vpc_id,
                                                     description="Redis: reachable only from allowed services",
                                                     tags=args.tags)
        subnets = aws.elasticache.SubnetGroup(child(name, "subnets"), subnet_ids=args.subnet_ids,
                                              description="Agent Server cache subnets", tags=args.tags,
                                              opts=opts_child)
        # ElastiCache accepts only a few special characters in a token: letters and digits are as strong at 64.
        token = generated_password(child(name, "auth-token"), length=64, rotation_days=s.rotation_days, parent=self)
        group = aws.elasticache.ReplicationGroup(
            child(name, "redis"),
            description="LangGraph Agent Server: pub/sub, wake-ups and cancellation",
            engine=s.engine,
            engine_version=s.version,
            node_type=s.node_type,
            port=contract.REDIS_PORT,
            subnet_group_name=subnets.name,
            security_group_ids=[self.security_group.id],
            transit_encryption_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            auth_token=token,
            # A new token is added beside the old one, so running tasks keep working until they are replaced.
            auth_token_update_strategy="ROTATE",
            auto_minor_version_upgrade=True,
            snapshot_retention_limit=0,
            apply_immediately=True,
            # Accepted: Redis holds nothing durable here (wake-ups, cancellation, stream pub/sub); runs, threads
            # and the queue live in Postgres, which is backed up.
            tags={**args.tags, **accepted("elasticache-snapshots",
                                          "nothing durable in Redis: runs and threads live in Postgres")},
            **replication(s),
            opts=opts_child,
        )
        self.address = group.primary_endpoint_address
        # ElastiCache names a group's member nodes `<group id>-001`, `-002`...: their metrics' CacheClusterId.
        self.node_ids = [pulumi.Output.concat(group.id, f"-{i:03d}") for i in range(1, 2 + s.replicas)]
        # Optional in the SDK (the `port` input is); set above, so the group always reports it.
        self.port = cast(pulumi.Output[int], group.port)
        self.security_group_id = self.security_group.id
        self.uri = pulumi.Output.secret(pulumi.Output.all(group.primary_endpoint_address, token).apply(
            lambda v: contract.redis_uri(v[1], v[0], contract.REDIS_PORT)))
        self.register_outputs({"address": self.address, "port": self.port, "uri": self.uri,
                               "security_group_id": self.security_group_id})

    def allow_from(self, name: str, security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """Open this store's port to one consumer's security group; returns the rule to depend on."""
        return allow_port(child(self._name, f"from-{name}"), parent=self, security_group_id=self.security_group.id,
                   port=contract.REDIS_PORT, source_security_group_id=security_group_id,
                   description=f"Redis from {name}")
