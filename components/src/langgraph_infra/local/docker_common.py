"""Pieces every local container shares: pinned images, labels, health checks, the restart policy."""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

REGISTRY_IMAGE = "registry:2.8.3"
# Loopback only: nothing in the local stack is reachable from the developer's network.
LOOPBACK = "127.0.0.1"
# Keep containers up across engine restarts, but let `docker stop` stop them.
RESTART = "unless-stopped"


def labels(tags: dict[str, str]) -> list[docker.ContainerLabelArgs]:
    return [docker.ContainerLabelArgs(label=k, value=v) for k, v in sorted(tags.items())]


def healthcheck(test: list[str], *, start_period: str = "10s") -> docker.ContainerHealthcheckArgs:
    return docker.ContainerHealthcheckArgs(tests=test, interval="10s", timeout="5s", retries=5,
                                           start_period=start_period)




def pull(name: str, image: pulumi.Input[str], parent: pulumi.Resource) -> docker.RemoteImage:
    """Pull an image onto the engine; containers run its image id, so a new digest recreates them."""
    return docker.RemoteImage(name, name=image, keep_locally=True, opts=pulumi.ResourceOptions(parent=parent))
