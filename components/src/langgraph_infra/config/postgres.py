"""The `postgres` section: the database instance, its protection, its logins."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import _Model


class PostgresSettings(_Model):
    instance_class: str | None = None
    """Instance size: an RDS class on aws (`db.t4g.micro`), a Cloud SQL tier on gcp (`db-custom-1-3840`).
    Default: the smallest sensible size in dev; in prod the size `capacity` derives (vCPUs and connections)."""
    version: Literal["16", "17"] = "16"
    """PostgreSQL major version. Only the major version is set, so managed minor upgrades never fight Pulumi."""
    storage_gib: int = Field(default=20, ge=20, le=65536)
    """Allocated storage in GiB; it grows automatically up to 4x this."""
    high_availability: bool = False
    """A standby in another zone with automatic failover (Multi-AZ / REGIONAL). Default: off in dev, on in prod."""
    backup_retention_days: int = Field(default=1, ge=0, le=35)
    """Automated backups kept this many days (0 turns backups off). Default: 1 in dev, 14 in prod (at least 7)."""
    point_in_time_recovery: bool = False
    """Continuous WAL archiving for point-in-time restore (needs backups). Default: off in dev, on in prod."""
    deletion_protection: bool = False
    """Protects the data from a careless change: the cloud's deletion protection, Pulumi `protect`, and a final
    snapshot before any deletion, all together. Default: off in dev, on in prod."""
    max_connections: int | None = Field(default=None, ge=25, le=262143)
    """The server's `max_connections`. Default: the engine's own (derived from the RDS class memory on aws);
    required on gcp and local, where it is set as a database flag."""
    connection_reserve: int = Field(default=10, ge=3)
    """Connections kept free for administrators and migrations when checking the pools fit."""
    database_name: str = Field(default="langgraph", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The database the server uses (one database per deployment)."""
    username: str = Field(default="langgraph", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """The master (administrator) login the instance is created with. Only the bootstrap step (`db_bootstrap`, run
    at deploy time inside the network) uses it; its password is generated and stored only in the secret manager."""
    rotation_days: int | None = Field(default=None, ge=1, le=3650)
    """Days after which the next `pulumi up` generates new Postgres passwords (the master's and the server role's;
    the bootstrap sets the new one before the containers are replaced). Default: never in dev, 90 in prod."""
    auth: Literal["password", "iam"] = "password"
    """How the server's role logs in. `password`: a generated password inside `POSTGRES_URI`. `iam`: no password at
    all; the server signs in with its cloud identity (`AGENT_POSTGRES_IAM_AUTH_PROVIDER`, langgraph-api 0.12 or
    newer): RDS IAM database authentication on aws (the tasks' role gets `rds-db:connect` on this one database user);
    Cloud SQL IAM database authentication on gcp (both roles run as one service account, whose Cloud SQL IAM user
    is granted `server_username`, then a role without login); refused on local (no cloud identity)."""
    server_username: str = Field(default="langgraph_server", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """The role the server logs in as: created by the bootstrap step, it owns `database_name` and its `public`
    schema, and is not a superuser (no CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS). Its password is generated and
    reaches the containers only inside `POSTGRES_URI`, by reference. Must differ from `username`."""

    @model_validator(mode="after")
    def _server_is_not_the_master(self) -> PostgresSettings:
        if self.server_username == self.username:
            raise ValueError(
                f"server_username={self.server_username} is the master user (username): the server must not log in "
                "as the master; set server_username to another name (default langgraph_server)")
        return self

    @model_validator(mode="after")
    def _pitr_needs_backups(self) -> PostgresSettings:
        if self.point_in_time_recovery and self.backup_retention_days == 0:
            raise ValueError(
                "point_in_time_recovery=true needs backups: set backup_retention_days to 1 or more, "
                "or point_in_time_recovery to false"
            )
        return self
