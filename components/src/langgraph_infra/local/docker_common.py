"""Pieces every local container shares: pinned images, labels, health checks, the restart policy."""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from .. import contract
from ..config import ConfigError

# Pinned to full versions (never a floating major tag): a local stack must be reproducible and match what was tested.
POSTGRES_IMAGES = {"16": "postgres:16.9", "17": "postgres:17.5"}
REDIS_IMAGES = {"7.2": "redis:7.2.5", "7.4": "redis:7.4.2"}
REGISTRY_IMAGE = "registry:2.8.3"
# Loopback only: nothing in the local stack is reachable from the developer's network.
LOOPBACK = "127.0.0.1"
# Keep containers up across engine restarts, but let `docker stop` stop them.
RESTART = "unless-stopped"


def pinned(table: dict[str, str], key: str, setting: str) -> str:
    if key not in table:
        raise ConfigError([f"{setting}={key} has no pinned local image: use one of {', '.join(sorted(table))}"])
    return table[key]


def labels(tags: dict[str, str]) -> list[docker.ContainerLabelArgs]:
    return [docker.ContainerLabelArgs(label=k, value=v) for k, v in sorted(tags.items())]


def healthcheck(test: list[str], *, start_period: str = "10s") -> docker.ContainerHealthcheckArgs:
    return docker.ContainerHealthcheckArgs(tests=test, interval="10s", timeout="5s", retries=5,
                                           start_period=start_period)


def server_health_test(path: str = contract.HEALTH_PATH) -> list[str]:
    """The server image ships Python but not necessarily curl: ask its own health endpoint with the stdlib."""
    url = f"http://127.0.0.1:{contract.PORT}{path}"
    return ["CMD", "python", "-c", f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"]


def pull(name: str, image: pulumi.Input[str], parent: pulumi.Resource) -> docker.RemoteImage:
    """Pull an image onto the engine; containers run its image id, so a new digest recreates them."""
    return docker.RemoteImage(name, name=image, keep_locally=True, opts=pulumi.ResourceOptions(parent=parent))
