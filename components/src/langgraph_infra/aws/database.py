"""Database: RDS for PostgreSQL, private, encrypted, TLS forced, reachable only from the security groups allowed in,
with the connection URI the server needs (built from a generated password, marked secret)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from .. import contract
from ..config import Environment, PostgresSettings
from ..credentials import generated_password
from ..naming import child
from ..rules.acceptance import accepted
from ..settling import settle
from . import database_logs
from .network import allow_port, private_security_group

TYPE = "langgraph-infra:aws:Database"
CLOUD = "aws"


def parameters(settings: PostgresSettings) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    """Server parameters: TLS is forced (already the default on 15+, set so that it cannot drift), and
    max_connections when the stack sets it (otherwise RDS derives it from the class memory)."""
    params: list[aws.rds.ParameterGroupParameterArgsDict] = [
        {"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"},
        {"name": "log_min_duration_statement", "value": "2000", "apply_method": "immediate"},
    ]
    if settings.max_connections is not None:
        params.append({"name": "max_connections", "value": str(settings.max_connections),
                       "apply_method": "pending-reboot"})
    return params


def db_user_arn(instance_arn: str, resource_id: str, user: str) -> str:
    """The IAM resource of one database user: `arn:aws:rds-db:REGION:ACCOUNT:dbuser:DBI-RESOURCE-ID/USER`."""
    _, partition, _, region, account, *_ = instance_arn.split(":")
    return f"arn:{partition}:rds-db:{region}:{account}:dbuser:{resource_id}/{user}"


class InstanceProtection(TypedDict):
    """`Instance` arguments that follow `deletion_protection`."""

    deletion_protection: bool
    skip_final_snapshot: bool
    final_snapshot_identifier: str | None
    delete_automated_backups: bool
    backup_retention_period: int
    copy_tags_to_snapshot: bool
    apply_immediately: bool


def instance_protection(settings: PostgresSettings, final_snapshot_name: str) -> InstanceProtection:
    """Deletion protection, a final snapshot and backups move together (CDK's linked safety defaults)."""
    protected = settings.deletion_protection
    return {
        "deletion_protection": protected,
        "skip_final_snapshot": not protected,
        "final_snapshot_identifier": final_snapshot_name if protected else None,
        "delete_automated_backups": not protected,
        "backup_retention_period": settings.backup_retention_days,
        "copy_tags_to_snapshot": True,
        # In dev a change applies now; in prod it waits for the maintenance window instead of restarting mid-day.
        "apply_immediately": not protected,
    }


@dataclass
class DatabaseArgs:
    """An RDS for PostgreSQL instance in private subnets, with its own security group that lets nobody in until
    `allow_from` names a consumer."""

    settings: PostgresSettings
    """Class, storage, version, high availability, backups and protection. Fields left unset take the `environment`
    profile's values (`db.t4g.micro`, single zone, 1-day backups in dev; `db.m7g.large`, Multi-AZ, 14 days,
    deletion protection in prod)."""
    vpc_id: pulumi.Input[str]
    """The VPC of the instance's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets, in at least two zones, of the instance's subnet group."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource created. Default: none beyond the provider's default tags."""
    environment: Environment = Environment.DEV
    """The profile that fills the settings left unset, and whose checks they must pass (RDS class, prod's floors):
    a `ConfigError` naming `postgres.<key>=<value>` and the fix, before any resource. Default: `dev`."""
    identifier: str | None = None
    """The RDS instance identifier (it names the export log groups, created before the instance). Default:
    `<component name>-<stack>`."""
    audit_logs: bool = True
    """Log connections, disconnections and pgaudit's `ddl,role`, never bound parameters (`audit.database_logs`).
    Default: on."""
    log_retention_days: int = 30
    """Retention of the export log groups (`/aws/rds/instance/<id>/postgresql`, `.../upgrade`). Default: 30."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key for storage, Performance Insights and the log groups. Default: none, AWS-managed keys."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "postgres", self.settings)


class Database(pulumi.ComponentResource):
    """Outputs: `address`, `port`, `security_group_id`, `uri` (secret: the server's role, `server_username`),
    `master_uri` (secret: the master user, for the database bootstrap only), `instance_id`, `server_connect_arn`
    (what `rds-db:connect` names to sign in as the server's role with IAM authentication).

    `allow_from(security_group_id)` opens the Postgres port to one consumer; nothing else can connect.
    """

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    instance_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    uri: pulumi.Output[str]
    master_uri: pulumi.Output[str]
    server_connect_arn: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._name = name
        s = args.settings
        opts_child = pulumi.ResourceOptions(parent=self)
        self.security_group = private_security_group(child(name, "sg"), parent=self, vpc_id=args.vpc_id,
                                                     description="Postgres: reachable only from allowed services",
                                                     tags=args.tags)
        subnets = aws.rds.SubnetGroup(child(name, "subnets"), subnet_ids=args.subnet_ids, tags=args.tags,
                                      opts=opts_child)
        params = aws.rds.ParameterGroup(child(name, "params"), family=f"postgres{s.version}",
                                        parameters=[*parameters(s), *database_logs.audit_parameters(args.audit_logs)],
                                        tags=args.tags, opts=opts_child)
        identifier = args.identifier or f"{name}-{pulumi.get_stack()}".lower()[:63]
        groups = database_logs.log_groups(name, identifier, retention_days=args.log_retention_days,
                                          kms_key_arn=args.kms_key_arn, tags=args.tags, parent=self)
        password = generated_password(child(name, "password"), length=40, rotation_days=s.rotation_days, parent=self)
        instance = aws.rds.Instance(
            child(name, "postgres"),
            identifier=identifier,
            engine="postgres",
            # Major version only: RDS applies minor upgrades itself and Pulumi must not try to undo them.
            engine_version=s.version,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            instance_class=s.instance_class,
            allocated_storage=s.storage_gib,
            max_allocated_storage=s.storage_gib * 4,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            performance_insights_kms_key_id=args.kms_key_arn if s.high_availability else None,
            multi_az=s.high_availability,
            publicly_accessible=False,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=params.name,
            db_name=s.database_name,
            username=s.username,
            password=password,
            iam_database_authentication_enabled=True,
            performance_insights_enabled=s.high_availability,
            enabled_cloudwatch_logs_exports=list(database_logs.EXPORTS),
            backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            # Accepted: moving the port hides nothing (scanners find it); the security group admits only the
            # consumers named with allow_from, and TLS plus a password guard the connection.
            tags={**args.tags, **accepted("rds-non-default-port",
                                          "port is no secret: only allowed security groups reach it over TLS")},
            **instance_protection(s, child(name, "final")),
            # `protect` makes Pulumi itself refuse to delete or replace the instance.
            # The export log groups exist first, so RDS does not create them without retention.
            opts=pulumi.ResourceOptions(parent=self, protect=s.deletion_protection, depends_on=groups),
        )
        self.address = instance.address
        self.port = instance.port
        self.instance_id = instance.id
        self.security_group_id = self.security_group.id
        self.master_uri = pulumi.Output.secret(pulumi.Output.all(instance.address, instance.port, password).apply(
            lambda v: contract.postgres_uri(s.username, v[2], v[0], int(v[1]), s.database_name)))
        # The server's own role: the database bootstrap (aws.database_bootstrap) creates it with this password, or with
        # none under IAM authentication (the server then signs in with a token from its task role).
        server_password: pulumi.Input[str | None] = None
        if s.auth == "password":
            server_password = generated_password(child(name, "server-password"), length=40,
                                                 rotation_days=s.rotation_days, parent=self)
        self.uri = pulumi.Output.secret(pulumi.Output.all(instance.address, instance.port, server_password).apply(
            lambda v: contract.postgres_uri(s.server_username, v[2], v[0], int(v[1]), s.database_name)))
        # `rds-db:connect` on this ARN lets an identity sign in as the server's role (IAM authentication).
        self.server_connect_arn = pulumi.Output.all(instance.arn, instance.resource_id).apply(
            lambda v: db_user_arn(v[0], v[1], s.server_username))
        self.register_outputs({"address": self.address, "port": self.port, "uri": self.uri,
                               "security_group_id": self.security_group_id})

    def allow_from(self, name: str, security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """Open this store's port to one consumer's security group; returns the rule to depend on."""
        return allow_port(child(self._name, f"from-{name}"), parent=self, security_group_id=self.security_group.id,
                   port=contract.POSTGRES_PORT, source_security_group_id=security_group_id,
                   description=f"Postgres from {name}")
