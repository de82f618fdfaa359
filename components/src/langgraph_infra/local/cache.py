"""Cache: Redis in a container on the internal network only (never published), AUTH from a generated password that
is passed through the environment (not the command line, which `docker inspect`/`ps` would show), and a health
check the app containers wait for. Redis holds nothing durable for the server: no volume."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from .. import contract
from ..config import Environment, RedisSettings
from ..credentials import generated_password
from ..naming import child
from ..settling import settle
from .docker_common import RESTART, healthcheck, labels, pull
from .limits import REDIS_IMAGES

TYPE = "langgraph-infra:local:Cache"
CLOUD = "local"
START = ["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD" --appendonly no']
HEALTH = ["CMD-SHELL", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG']


@dataclass
class CacheArgs:
    """Redis in a container on the internal network, with AUTH."""

    settings: RedisSettings
    """The Redis version (a pinned image). Fields left unset take the `environment` profile's values."""
    prefix: str
    """Prefix of the container name, e.g. `langgraph-local`."""
    network_name: pulumi.Input[str]
    """The internal network: the only one this container joins."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels on the container. Default: no labels."""
    environment: Environment = Environment.LOCAL
    """The profile that fills the settings left unset, and whose checks they must pass (a pinned image for the
    version): a `ConfigError` before any resource. Default: `local`."""

    def __post_init__(self) -> None:
        self.settings = settle(CLOUD, self.environment, "redis", self.settings)


class Cache(pulumi.ComponentResource):
    """Outputs: `address`, `port`, `uri` (secret, `redis://:PASSWORD@host:6379`)."""

    address: pulumi.Output[str]
    port: int
    uri: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        s = args.settings
        image = pull(child(name, "image"), REDIS_IMAGES[s.version], self)
        password = generated_password(child(name, "password"), length=48, rotation_days=s.rotation_days, parent=self)
        password_env: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.concat("REDIS_PASSWORD=", password))
        self.container = docker.Container(
            child(name, "redis"),
            name=f"{args.prefix}-redis",
            image=image.image_id,
            command=START,
            envs=[password_env],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=args.network_name, aliases=["redis"])],
            healthcheck=healthcheck(HEALTH, start_period="5s"),
            wait=True, wait_timeout=60,
            restart=RESTART, labels=labels(args.tags),
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["envs"]),
        )
        self.address = self.container.name
        self.port = contract.REDIS_PORT
        self.uri = pulumi.Output.secret(pulumi.Output.all(self.container.name, password).apply(
            lambda v: contract.redis_uri(v[1], v[0], contract.REDIS_PORT, tls=False)))
        self.register_outputs({"address": self.address, "port": self.port, "uri": self.uri})
