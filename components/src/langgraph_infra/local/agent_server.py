"""AgentServer on the local Docker engine: network, Postgres, Redis, registry, image and the two server containers,
wired together like the cloud stacks (same environment contract, same roles), with no cloud account."""

from __future__ import annotations

import platform
from typing import Any

import pulumi

from .. import contract
from ..config import StackConfig
from ..naming import child, tags
from ..server import (
    AgentServerArgs,
    bootstrap_image,
    build_image,
    created_secrets,
    postgres_extensions,
    role_specs,
)
from . import limits
from .cache import Cache, CacheArgs
from .database import Database, DatabaseArgs
from .database_bootstrap import DatabaseBootstrap, DatabaseBootstrapArgs
from .network import Network, NetworkArgs
from .registry import Registry, RegistryArgs
from .service import Service, ServiceArgs

TYPE = "langgraph-infra:local:AgentServer"


def host_platform() -> str:
    """Build for the engine's own architecture: an amd64 image on an Apple-silicon laptop would run emulated."""
    return "linux/arm64" if platform.machine().lower() in ("arm64", "aarch64") else "linux/amd64"


class AgentServer(pulumi.ComponentResource):
    """Outputs: `url`, `image`, `api_container_name`, `queue_container_name`, `database_address`, `redis_address`,
    `postgres_volume`, `repository_url`."""

    def __init__(self, name: str, args: AgentServerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        cfg, stack = args.config, args.stack
        prefix = cfg.resource_prefix(stack)
        common = tags(cfg, stack)
        opts_child = pulumi.ResourceOptions(parent=self)

        network = Network(child(name, "network"), NetworkArgs(prefix, common), opts_child)
        env = cfg.environment
        database = Database(child(name, "db"), DatabaseArgs(cfg.postgres, prefix, network.private_name, common, env),
                            opts_child)
        cache = Cache(child(name, "cache"), CacheArgs(cfg.redis, prefix, network.private_name, common, env),
                      opts_child)

        registry = None
        # A JavaScript app's bootstrap runs in a runner image built here (`server.bootstrap_image`), which needs the
        # registry even when the app's image is adopted.
        if not cfg.app.image or cfg.runtime() is not contract.Runtime.PYTHON:
            registry = Registry(child(name, "registry"), RegistryArgs(prefix=prefix, tags=common), opts_child)
        image_ref: pulumi.Input[str] = cfg.app.image or ""
        if registry is not None and not cfg.app.image:
            image_ref = build_image(child(name, "image"), args, registry.repository_url, self,
                                    platform=host_platform())
        bootstrap_ref = bootstrap_image(child(name, "db-bootstrap-image"), args, image_ref,
                                        registry.repository_url if registry else None, self,
                                        platform=host_platform())

        secret_env = created_secrets(args, database.uri, cache.uri)
        # The server's own role, made by the master before the server's containers start (db_bootstrap).
        bootstrap = DatabaseBootstrap(child(name, "db-bootstrap"), DatabaseBootstrapArgs(
            prefix=prefix, image=bootstrap_ref, network_name=network.private_name, master_uri=database.master_uri,
            server_uri=database.uri, extensions=postgres_extensions(args), depends_on=[database.container],
            tags=common), opts_child)

        grace = limits.shutdown_grace_seconds(cfg)
        service = Service(child(name, "service"), ServiceArgs(
            runtime=cfg.runtime(), prefix=prefix, image=image_ref, **role_specs(cfg, grace, stack=stack),
            private_network=network.private_name, egress_network=network.egress_name, secret_env=secret_env,
            api_port=cfg.ingress.local_port, shutdown_grace_seconds=grace,
            depends_on=[database.container, cache.container, bootstrap.container], tags=common, environment=env),
            opts_child)

        self.url = service.url
        self.image = pulumi.Output.from_input(image_ref)
        self.api_container_name = service.api_container_name
        self.queue_container_name = service.queue_container_name
        self.database_address = database.address
        self.redis_address = cache.address
        self.postgres_volume = database.volume_name
        self.repository_url = registry.repository_url if registry else None
        self.network, self.database, self.cache, self.registry, self.service = (
            network, database, cache, registry, service)
        self.db_bootstrap = bootstrap
        self.register_outputs(self.exports())

    def exports(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "image": self.image,
            "cloud": "local",
            "api_container_name": self.api_container_name,
            "queue_container_name": self.queue_container_name,
            "database_address": self.database_address,
            "redis_address": self.redis_address,
            "postgres_volume": self.postgres_volume,
            "repository_url": self.repository_url,
        }


def for_stack(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> AgentServer:
    """The whole local deployment of one stack, on the Docker engine the environment points at (DOCKER_HOST)."""
    return AgentServer(name, AgentServerArgs(config=cfg, stack=stack), opts)
