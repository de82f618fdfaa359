"""Database: Cloud SQL for PostgreSQL on a private IP only (no public address), TLS required, `max_connections` set
as a flag, with the connection URI the server needs (built from a generated password, marked secret; or, under
`postgres.auth: iam`, naming the Cloud SQL IAM user of the server's service account, with no password)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from .. import contract, postgres_logging
from ..config import Environment, PostgresSettings
from ..credentials import generated_password
from ..naming import child
from ..settling import settle
from . import limits

TYPE = "langgraph-infra:gcp:Database"
CLOUD = "gcp"
# Cloud SQL for PostgreSQL (ENTERPRISE edition) keeps at most 7 days of write-ahead log for point-in-time recovery.
MAX_LOG_RETENTION_DAYS = 7
FINAL_BACKUP_RETENTION_DAYS = 30
# Cloud SQL IAM database authentication: the instance flag, the user type, and the role that holds
# `cloudsql.instances.login`. `roles/cloudsql.client` (`cloudsql.instances.connect`) is needed only through the Cloud
# SQL Auth Proxy or a connector; the server connects to the private IP directly with a token as its password
# (https://cloud.google.com/sql/docs/postgres/iam-logins, "Before you begin").
IAM_AUTHENTICATION_FLAG = "cloudsql.iam_authentication"
IAM_USER_TYPE = "CLOUD_IAM_SERVICE_ACCOUNT"
INSTANCE_USER_ROLE = "roles/cloudsql.instanceUser"
SERVICE_ACCOUNT_DOMAIN = ".gserviceaccount.com"


def iam_user_name(service_account_email: str) -> str:
    """The Postgres user of a service account under Cloud SQL IAM authentication: its address without
    `.gserviceaccount.com` (https://cloud.google.com/sql/docs/postgres/add-manage-iam-users)."""
    return service_account_email.removesuffix(SERVICE_ACCOUNT_DOMAIN)


def instance_condition(project: str, instance: str) -> gcp.projects.IAMMemberConditionArgsDict:
    """An IAM condition that limits a project-level Cloud SQL grant to one instance (the form of Google's sample
    terraform-docs-samples/cloud_sql/instance_iam_condition)."""
    return {"title": f"only {instance}",
            "expression": f"resource.name == 'projects/{project}/instances/{instance}' && "
                          "resource.type == 'sqladmin.googleapis.com/Instance'"}


def database_flags(settings: PostgresSettings) -> list[dict[str, str]]:
    """Server flags: max_connections always (the pools are checked against it), slow statements logged, and IAM
    database authentication under `auth: iam`."""
    return [
        {"name": "max_connections", "value": str(settings.max_connections)},
        {"name": "log_min_duration_statement", "value": "2000"},
        *([{"name": IAM_AUTHENTICATION_FLAG, "value": "on"}] if settings.auth == "iam" else []),
    ]


def backups(settings: PostgresSettings) -> gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs:
    """Daily backups kept `backup_retention_days` (one a day, so a count), and write-ahead logs for PITR."""
    enabled = settings.backup_retention_days > 0
    retention = (gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
        retained_backups=settings.backup_retention_days, retention_unit="COUNT") if enabled else None)
    log_days = (min(settings.backup_retention_days, MAX_LOG_RETENTION_DAYS) if settings.point_in_time_recovery
                else None)
    return gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
        enabled=enabled, start_time="03:00", point_in_time_recovery_enabled=settings.point_in_time_recovery,
        backup_retention_settings=retention, transaction_log_retention_days=log_days)


def protection(settings: PostgresSettings) -> dict[str, Any]:
    """Linked protections: Pulumi's and the API's deletion protection, backups kept after deletion and a final
    backup (Cloud SQL's final snapshot) all follow `deletion_protection`."""
    protected = settings.deletion_protection
    return {
        "deletion_protection": protected,
        "settings": {
            "deletion_protection_enabled": protected,
            "retain_backups_on_delete": protected,
            "final_backup_config": {"enabled": protected,
                                    **({"retention_days": FINAL_BACKUP_RETENTION_DAYS} if protected else {})},
        },
    }


@dataclass
class DatabaseArgs:
    """A Cloud SQL for PostgreSQL instance on a private IP only, its user and database, in the provider's
    project."""

    settings: PostgresSettings
    """Size (`instance_class` is the Cloud SQL tier), version, HA, backups, protection and `max_connections`.
    Fields left unset take the `environment` profile's values (`db-custom-1-3840`, zonal, 100 connections in dev;
    `db-custom-2-8192`, regional, 800 connections, deletion protection in prod)."""
    region: str
    """Region of the instance (e.g. `target.region`)."""
    network_id: pulumi.Input[str]
    """The VPC the private IP is taken from."""
    private_services_range: pulumi.Input[str]
    """Name of the allocated range (private services access) to take the address from."""
    private_services: pulumi.Resource
    """The peering connection: the instance waits for it (creating it first fails)."""
    environment: Environment = Environment.DEV
    """The profile that fills the settings left unset, and whose checks they must pass (a `ConfigError` naming
    `postgres.<key>=<value>` and the fix, before any resource). Default: `dev`."""

    audit_logs: bool = True
    """Log connections, disconnections and pgaudit's `ddl,role` (`cloudsql.enable_pgaudit`), never bound parameters
    (`audit.database_logs`). Default: on."""
    kms_key: pulumi.Input[str] | None = None
    """Cloud KMS key for the instance's disk and backups (CMEK; set at creation only). Default: none,
    Google-managed keys."""
    depends_on: list[pulumi.Resource] | None = None
    """Resources the instance waits for (the key's grants). Default: only the peering connection."""
    scaler_username: str | None = None
    """The scaler's login (`db_bootstrap.scaler_role`, for KEDA on GKE): a password is generated for it, rotated as
    the server's, and `scaler_uri` names it. Default: none, no scaler login."""
    iam_service_account: pulumi.Input[str] | None = None
    """The email of the service account the server runs as: required with `settings.auth == "iam"`, which makes it a
    Cloud SQL IAM user, lets it log in to this instance only (`roles/cloudsql.instanceUser`), and names it in `uri`
    with no password. Default: none (password authentication)."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "postgres", self.settings)
        if (self.settings.auth == "iam") != (self.iam_service_account is not None):
            raise ValueError("DatabaseArgs.iam_service_account is given exactly with settings.auth=iam")


def audit_flags(audit: bool) -> list[dict[str, str]]:
    """The flags that keep bound parameters out of the logs (always) and, with `audit`, those of
    `audit.database_logs`: Cloud SQL loads pgaudit with its own flag, then pgaudit's settings."""
    flags = [{"name": k, "value": v} for k, v in postgres_logging.postgres_private_logging().items()]
    if audit:
        flags += [{"name": "cloudsql.enable_pgaudit", "value": "on"},
                  *({"name": k, "value": v} for k, v in postgres_logging.postgres_audit_settings("on", "off").items())]
    return flags


class Database(pulumi.ComponentResource):
    """Outputs: `address` (private IP), `port`, `connection_name`, `instance_name`, `uri` (secret: the server's
    role, `server_username`, or under IAM authentication its service account's IAM user), `master_uri` (secret: the
    built-in user `username`, for the database bootstrap only), `iam_user` (the IAM user's name, or None),
    `scaler_uri` (secret: the scaler's login with `scaler_username`, else None)."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    connection_name: pulumi.Output[str]
    instance_name: pulumi.Output[str]
    uri: pulumi.Output[str]
    master_uri: pulumi.Output[str]
    iam_user: pulumi.Output[str] | None
    scaler_uri: pulumi.Output[str] | None

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        s = args.settings
        tier = s.instance_class or ""
        opts_child = pulumi.ResourceOptions(parent=self)
        guard = protection(s)
        instance = gcp.sql.DatabaseInstance(
            child(name, "postgres"),
            # Major version only: Cloud SQL applies minor versions itself in the maintenance window.
            database_version=limits.database_version(s.version),
            region=args.region,
            encryption_key_name=args.kms_key,
            deletion_protection=guard["deletion_protection"],
            settings=gcp.sql.DatabaseInstanceSettingsArgs(
                tier=tier,
                # POSTGRES_16+ default to ENTERPRISE_PLUS, which rejects custom and shared-core tiers.
                edition=limits.edition(tier),
                availability_type="REGIONAL" if s.high_availability else "ZONAL",
                disk_type="PD_SSD",
                disk_size=s.storage_gib,
                disk_autoresize=True,
                disk_autoresize_limit=s.storage_gib * 4,
                ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
                    ipv4_enabled=False,
                    private_network=args.network_id,
                    allocated_ip_range=args.private_services_range,
                    ssl_mode="ENCRYPTED_ONLY",
                ),
                database_flags=[gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(**f) for f in
                                [*database_flags(s), *audit_flags(args.audit_logs)]],
                backup_configuration=backups(s),
                maintenance_window=gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(day=7, hour=4,
                                                                                         update_track="stable"),
                insights_config=gcp.sql.DatabaseInstanceSettingsInsightsConfigArgs(query_insights_enabled=True),
                **guard["settings"],
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[args.private_services, *(args.depends_on or [])],
                # `protect` makes Pulumi itself refuse to delete or replace the instance.
                protect=s.deletion_protection,
                # Autoresize grows the disk: the initial size must not pull it back (that would recreate it).
                ignore_changes=["settings.diskSize"]),
        )
        password = generated_password(child(name, "password"), length=40, rotation_days=s.rotation_days, parent=self)
        user = gcp.sql.User(child(name, "user"), instance=instance.name, name=s.username, password=password,
                            # Postgres refuses to drop a role that owns objects; the instance takes it along.
                            deletion_policy="ABANDON", opts=opts_child)
        database = gcp.sql.Database(child(name, "database"), instance=instance.name, name=s.database_name,
                                    deletion_policy="ABANDON", opts=opts_child)

        self.address = instance.private_ip_address
        self.port = pulumi.Output.from_input(contract.POSTGRES_PORT)
        self.connection_name = instance.connection_name
        self.instance_name = instance.name
        # The URIs only exist once the user and the database do, so nothing connects before them.
        self.master_uri = pulumi.Output.secret(pulumi.Output.all(
            instance.private_ip_address, password, user.name, database.name).apply(
            lambda v: contract.postgres_uri(v[2], v[1], v[0], contract.POSTGRES_PORT, v[3])))
        self.iam_user = None
        server_password: pulumi.Input[str | None] = None
        if args.iam_service_account is not None:
            # The server signs in as its service account; the bootstrap grants it the server's role.
            self.iam_user = self._iam_login(name, instance, args.iam_service_account)
            server_user: pulumi.Input[str] = self.iam_user
        else:
            # The server's own role: the database bootstrap (gcp.database_bootstrap) creates it in SQL with this
            # password, so it is not a member of cloudsqlsuperuser as a user made through the Cloud SQL API would be.
            server_password = generated_password(child(name, "server-password"), length=40,
                                                 rotation_days=s.rotation_days, parent=self)
            server_user = s.server_username
        self.uri = pulumi.Output.secret(pulumi.Output.all(
            instance.private_ip_address, server_user, server_password, database.name).apply(
            lambda v: contract.postgres_uri(v[1], v[2], v[0], contract.POSTGRES_PORT, v[3])))
        self.scaler_uri = None
        if args.scaler_username is not None:
            # Made by the database bootstrap, like the server's role; only KEDA reads it.
            scaler, scaler_password = args.scaler_username, generated_password(
                child(name, "scaler-password"), length=40, rotation_days=s.rotation_days, parent=self)
            self.scaler_uri = pulumi.Output.secret(pulumi.Output.all(
                instance.private_ip_address, scaler_password, database.name).apply(
                lambda v: contract.postgres_uri(scaler, v[1], v[0], contract.POSTGRES_PORT, v[2])))
        self.register_outputs({"address": self.address, "port": self.port, "connection_name": self.connection_name,
                               "instance_name": self.instance_name, "uri": self.uri})

    def _iam_login(self, name: str, instance: gcp.sql.DatabaseInstance, email: pulumi.Input[str]) -> pulumi.Output[str]:
        """The Cloud SQL IAM user of `email` and its permission to log in to this instance only; returns its name
        once both exist (the bootstrap grants it the server's role, so it must exist first)."""
        opts = pulumi.ResourceOptions(parent=self)
        address = pulumi.Output.from_input(email)
        user = gcp.sql.User(child(name, "iam-user"), instance=instance.name, type=IAM_USER_TYPE,
                            name=address.apply(iam_user_name),
                            # As for the master: Postgres refuses to drop a role that owns objects.
                            deletion_policy="ABANDON", opts=opts)
        login = gcp.projects.IAMMember(
            child(name, "iam-login"), project=instance.project, role=INSTANCE_USER_ROLE,
            member=address.apply(lambda e: f"serviceAccount:{e}"),
            condition=pulumi.Output.all(instance.project, instance.name).apply(lambda v: instance_condition(*v)),
            opts=opts)
        return pulumi.Output.all(user.name, login.id).apply(lambda v: str(v[0]))
