"""Registry: a local Docker registry (`registry:2`, pinned) so the local stack deploys the image the same way the
clouds do: built, pushed, and run by digest. It is published on 127.0.0.1 only (the engine pushes and pulls through
the host; Docker trusts a loopback registry without TLS), its data in a named volume."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from ..naming import child
from .docker_common import LOOPBACK, REGISTRY_IMAGE, RESTART, healthcheck, labels, pull

TYPE = "langgraph-infra:local:Registry"
INTERNAL_PORT = 5000
# Not 5000: macOS uses it for AirPlay.
DEFAULT_PORT = 5001


@dataclass
class RegistryArgs:
    """A `registry:2` container published on 127.0.0.1, its data in a named volume."""

    prefix: str
    """Prefix of the container/volume names and the repository name, e.g. `langgraph-local`."""
    port: int = DEFAULT_PORT
    """Host port on 127.0.0.1. Default: 5001 (5000 is AirPlay's on macOS)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels on the container and the volume. Default: no labels."""


class Registry(pulumi.ComponentResource):
    """Outputs: `address` (`localhost:<port>`), `repository_url` (`localhost:<port>/<prefix>`; resolves once the
    registry answers, so a push never races its start)."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        image = pull(child(name, "image"), REGISTRY_IMAGE, self)
        volume = docker.Volume(child(name, "data"), name=f"{args.prefix}-registry-data",
                               labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in sorted(args.tags.items())],
                               opts=pulumi.ResourceOptions(parent=self))
        self.container = docker.Container(
            child(name, "registry"),
            name=f"{args.prefix}-registry",
            image=image.image_id,
            ports=[docker.ContainerPortArgs(internal=INTERNAL_PORT, external=args.port, ip=LOOPBACK)],
            mounts=[docker.ContainerMountArgs(type="volume", source=volume.name, target="/var/lib/registry")],
            healthcheck=healthcheck(["CMD", "wget", "-q", "--spider", f"http://127.0.0.1:{INTERNAL_PORT}/v2/"],
                                    start_period="5s"),
            wait=True, wait_timeout=60,
            restart=RESTART, labels=labels(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.address = f"localhost:{args.port}"
        self.repository_url = self.container.name.apply(lambda _: f"localhost:{args.port}/{args.prefix}")
        self.register_outputs({"address": self.address, "repository_url": self.repository_url})
