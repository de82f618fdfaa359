"""DatabaseBootstrap: the server's least-privilege Postgres role, made by a one-off container before the server's.

The container runs `langgraph_infra.db_bootstrap` (the same file every target ships, as `db_bootstrap.command()`)
in an image with Python and a Postgres driver (the app's own, or for a JavaScript app the runner that
`server.bootstrap_image` builds), on the internal network only. `pulumi up` attaches to it and waits for it to
exit, keeping its log in state; a non-zero exit fails the deployment. A change of the SQL or of either
URI (a new password) replaces the container, which runs the bootstrap again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from .. import db_bootstrap
from ..naming import child
from .docker_common import labels, pull

TYPE = "langgraph-infra:local:DatabaseBootstrap"


class BootstrapFailed(Exception):
    """The bootstrap container exited with an error: its log is in the container's `container_logs`."""


def check_exit(code: int | None) -> int | None:
    """`pulumi up` fails on a bootstrap that failed (the Docker provider itself records the exit code only)."""
    if code not in (None, 0):
        raise BootstrapFailed(f"the database bootstrap exited with {code}: see `docker logs` of its container")
    return code


@dataclass
class DatabaseBootstrapArgs:
    """The one-off container and what it reads."""

    prefix: str
    """Prefix of the container's name: `<prefix>-db-bootstrap`."""
    image: pulumi.Input[str]
    """An image with Python and a Postgres driver (`server.bootstrap_image`): the app's Agent Server image for a
    Python app, the bootstrap's runner image for a JavaScript one."""
    network_name: pulumi.Input[str]
    """The internal network, where Postgres is: the only one the container joins."""
    master_uri: pulumi.Input[str]
    """The image's superuser URI (a secret Output)."""
    server_uri: pulumi.Input[str]
    """The POSTGRES_URI the server's containers get (a secret Output): the role, password and database to make."""
    extensions: list[str] = field(default_factory=list)
    """Extensions to create as the master (`vector` for an app with `store.index`). Default: no extension is
    created."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before it runs (the healthy Postgres container). Default: nothing."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels on the container. Default: no labels."""


class DatabaseBootstrap(pulumi.ComponentResource):
    """Outputs: `container_name`, `exit_code`. `container` is the resource the server's containers depend on."""

    container_name: pulumi.Output[str]
    exit_code: pulumi.Output[int | None]
    container: docker.Container

    def __init__(self, name: str, args: DatabaseBootstrapArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        a = args
        secret_env: pulumi.Output[list[str]] = pulumi.Output.secret(
            pulumi.Output.all(a.master_uri, a.server_uri).apply(lambda v: [
                f"{db_bootstrap.MASTER_URI_ENV}={v[0]}", f"{db_bootstrap.SERVER_URI_ENV}={v[1]}"]))
        image = pull(child(name, "image"), a.image, self)
        self.container = docker.Container(
            child(name, "run"),
            name=f"{a.prefix}-db-bootstrap",
            image=image.image_id,
            command=db_bootstrap.command(),
            envs=pulumi.Output.all(secret_env, pulumi.Output.from_input(
                f"{db_bootstrap.EXTENSIONS_ENV}={','.join(sorted(set(a.extensions)))}")).apply(
                lambda v: [*v[0], v[1]]),
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=a.network_name)],
            # Runs once and exits: `pulumi up` waits for it and keeps its log.
            must_run=False, attach=True, logs=True, restart="no",
            labels=labels({**a.tags, "role": "db-bootstrap"}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(a.depends_on),
                                        additional_secret_outputs=["envs"]),
        )
        self.container_name = self.container.name
        self.exit_code = self.container.exit_code.apply(check_exit)
        self.register_outputs({"container_name": self.container_name, "exit_code": self.exit_code})
