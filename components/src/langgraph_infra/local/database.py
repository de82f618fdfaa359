"""Database: PostgreSQL in a container on the internal network only (never published), its data in a named volume
that outlives the container, a generated password, `max_connections` from the config, and a pg_isready health check
that the app containers wait for."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from .. import contract
from ..config import Environment, PostgresSettings
from ..credentials import generated_password
from ..naming import child
from ..settling import settle
from .docker_common import RESTART, healthcheck, labels, pull
from .limits import POSTGRES_IMAGES

TYPE = "langgraph-infra:local:Database"
CLOUD = "local"
DATA_DIR = "/var/lib/postgresql/data"


@dataclass
class DatabaseArgs:
    """PostgreSQL in a container on the internal network, its data in a named volume."""

    settings: PostgresSettings
    """Version, `max_connections`, database and user names. Fields left unset take the `environment` profile's
    values (200 connections on `local`)."""
    prefix: str
    """Prefix of the container and volume names, e.g. `langgraph-local`."""
    network_name: pulumi.Input[str]
    """The internal network: the only one this container joins."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels on the container and the volume. Default: no labels."""
    environment: Environment = Environment.LOCAL
    """The profile that fills the settings left unset, and whose checks they must pass (a pinned image for the
    version): a `ConfigError` before any resource. Default: `local`."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "postgres", self.settings)


class Database(pulumi.ComponentResource):
    """Outputs: `address` (host name on the private network), `port`, `volume_name`, `uri` (secret, no TLS:
    the traffic never leaves the engine's internal network; the server's role, `server_username`), `master_uri`
    (secret: the image's superuser `username`, for the database bootstrap only)."""

    address: pulumi.Output[str]
    port: int
    volume_name: pulumi.Output[str]
    uri: pulumi.Output[str]
    master_uri: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        s = args.settings
        image = pull(child(name, "image"), POSTGRES_IMAGES[s.version], self)
        password = generated_password(child(name, "password"), length=40, rotation_days=s.rotation_days, parent=self)
        self.volume = docker.Volume(child(name, "data"), name=f"{args.prefix}-postgres-data",
                                    labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in sorted(args.tags.items())],
                                    # The data outlives a replaced container; only `pulumi destroy` removes it.
                                    opts=pulumi.ResourceOptions(parent=self, protect=s.deletion_protection))
        host = f"{args.prefix}-postgres"
        command = ["postgres"]
        if s.max_connections is not None:
            command += ["-c", f"max_connections={s.max_connections}"]
        password_env: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.concat("POSTGRES_PASSWORD=", password))
        self.container = docker.Container(
            child(name, "postgres"),
            name=host,
            image=image.image_id,
            command=command,
            envs=[f"POSTGRES_USER={s.username}", f"POSTGRES_DB={s.database_name}", password_env],
            mounts=[docker.ContainerMountArgs(type="volume", source=self.volume.name, target=DATA_DIR)],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=args.network_name, aliases=["postgres"])],
            healthcheck=healthcheck(["CMD-SHELL", f"pg_isready -U {s.username} -d {s.database_name}"]),
            # `pulumi up` returns only once Postgres accepts connections, so the app never starts before it.
            wait=True, wait_timeout=120,
            restart=RESTART, labels=labels(args.tags),
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["envs"]),
        )
        self.address = self.container.name
        self.port = contract.POSTGRES_PORT
        self.volume_name = self.volume.name
        self.master_uri = pulumi.Output.secret(pulumi.Output.all(self.container.name, password).apply(
            lambda v: contract.postgres_uri(s.username, v[1], v[0], contract.POSTGRES_PORT, s.database_name,
                                            tls=False)))
        # The server's own role: the database bootstrap (local.database_bootstrap) creates it with this password.
        server_password = generated_password(child(name, "server-password"), length=40,
                                             rotation_days=s.rotation_days, parent=self)
        self.uri = pulumi.Output.secret(pulumi.Output.all(self.container.name, server_password).apply(
            lambda v: contract.postgres_uri(s.server_username, v[1], v[0], contract.POSTGRES_PORT, s.database_name,
                                            tls=False)))
        self.register_outputs({"address": self.address, "port": self.port, "uri": self.uri,
                               "volume_name": self.volume_name})
