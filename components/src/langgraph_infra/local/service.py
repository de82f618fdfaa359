"""Service: the Agent Server on the local engine, in two roles from one image, as on the clouds. The API container
(`N_JOBS_PER_WORKER=0`) is published on 127.0.0.1 only; the queue worker (`/storage/queue_entrypoint.sh`) is not
published at all. Both join the internal network (Postgres, Redis) and the egress network (licence check, model
APIs), restart unless stopped, carry health checks on `/ok`, and start only after the data stores are healthy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from .. import contract
from ..config import Environment
from ..naming import child
from ..server import RoleSpec, ServiceRolesArgs, settle_roles
from . import hardening
from .docker_common import LOOPBACK, RESTART, healthcheck, labels, pull

TYPE = "langgraph-infra:local:Service"
CLOUD = "local"


@dataclass
class ServiceArgs(ServiceRolesArgs):
    """The API and queue containers from one image; only the API is published, on 127.0.0.1."""

    private_network: pulumi.Input[str]
    """The internal network of the data stores."""
    egress_network: pulumi.Input[str]
    """The network with a route out (licence check, model APIs)."""
    secret_env: dict[str, pulumi.Input[str]]
    """Secret variables (connection URIs, licence, app keys) by name: passed as values marked secret."""
    api_port: int
    """Host port of the API on 127.0.0.1."""
    shutdown_grace_seconds: int
    """The server's grace period for running jobs on stop; Docker waits that long (plus a margin) before a kill."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """The data stores' containers (created with `wait`, so they are healthy before the app starts). Default: the
    containers wait for nothing else."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels on both containers. Default: only the `role` label."""
    environment: Environment = field(default=Environment.LOCAL, kw_only=True)
    """The profile that fills every role setting left unset, and whose checks the roles must pass. Default:
    `local`."""

    def __post_init__(self) -> None:
        settle_roles(self, CLOUD)


def environment(plain: Mapping[str, pulumi.Input[str]],
                secret: Mapping[str, pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    """Docker's `NAME=value` list: plain values as they are (an Output joined with `Output.concat`), each secret as
    its own secret-marked entry."""
    envs: list[pulumi.Input[str]] = [f"{k}={v}" if isinstance(v, str) else pulumi.Output.concat(k, "=", v)
                                     for k, v in sorted(plain.items())]
    for key, value in sorted(secret.items()):
        envs.append(pulumi.Output.secret(pulumi.Output.concat(key, "=", value)))
    return envs


class Service(pulumi.ComponentResource):
    """Outputs: `url`, `api_container_name`, `queue_container_name`."""

    url: str
    api_container_name: pulumi.Output[str]
    queue_container_name: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._args, self._name = args, name
        image = pull(child(name, "image"), args.image, self)
        self.api = self._role(contract.Role.API, args.api, image)
        self.queue = self._role(contract.Role.QUEUE, args.queue, image)
        self.url = f"http://localhost:{args.api_port}"
        self.api_container_name = self.api.name
        self.queue_container_name = self.queue.name
        self.register_outputs({"url": self.url, "api_container_name": self.api_container_name,
                               "queue_container_name": self.queue_container_name})

    def _role(self, role: contract.Role, spec: RoleSpec, image: docker.RemoteImage) -> docker.Container:
        a = self._args
        ports = []
        if role is contract.Role.API:
            ports.append(docker.ContainerPortArgs(internal=contract.PORT, external=a.api_port, ip=LOOPBACK))
        stop = contract.kill_timeout_seconds(a.shutdown_grace_seconds)
        return docker.Container(
            child(self._name, role.value),
            name=f"{a.prefix}-{role.value}",
            image=image.image_id,
            command=contract.command(role, a.runtime),
            envs=environment(spec.environment, a.secret_env),
            ports=ports,
            networks_advanced=[
                docker.ContainerNetworksAdvancedArgs(name=a.private_network),
                docker.ContainerNetworksAdvancedArgs(name=a.egress_network),
            ],
            healthcheck=healthcheck(contract.health_check_command(runtime=a.runtime), start_period="60s"),
            memory=spec.settings.memory_mib,
            cpus=str(spec.settings.cpu),
            # The server finishes running jobs within its grace period; Docker kills it only after that.
            stop_timeout=stop, destroy_grace_seconds=stop,
            init=True,
            # Hardened as on ECS: read-only root with tmpfs scratch paths, the image's user, no capability.
            read_only=True, tmpfs=hardening.tmpfs(), user=hardening.USER,
            capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]), security_opts=hardening.SECURITY_OPTS,
            restart=RESTART, labels=labels({**a.tags, "role": role.value}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=a.depends_on,
                                        additional_secret_outputs=["envs"]),
        )
