"""Network: two user-defined bridge networks. `private` is internal (no route out, nothing published): Postgres and
Redis live only there. `egress` gives the API and the queue worker outbound HTTPS (licence check, model APIs) and
carries the API's one published port."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from ..naming import child

TYPE = "langgraph-infra:local:Network"


@dataclass
class NetworkArgs:
    """Two bridge networks: `private` (internal, no route out) and `egress`."""

    prefix: str
    """Prefix of the Docker network names, e.g. `langgraph-local`."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels on both networks. Default: no labels."""


class Network(pulumi.ComponentResource):
    """Outputs: `private_name` (internal: data stores and app), `egress_name` (app containers only)."""

    private_name: pulumi.Output[str]
    egress_name: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        opts_child = pulumi.ResourceOptions(parent=self)
        net_labels = [docker.NetworkLabelArgs(label=k, value=v) for k, v in sorted(args.tags.items())]
        self.private = docker.Network(child(name, "private"), name=f"{args.prefix}-private", driver="bridge",
                                      internal=True, labels=net_labels, opts=opts_child)
        self.egress = docker.Network(child(name, "egress"), name=f"{args.prefix}-egress", driver="bridge",
                                     internal=False, labels=net_labels, opts=opts_child)
        self.private_name = self.private.name
        self.egress_name = self.egress.name
        self.register_outputs({"private_name": self.private_name, "egress_name": self.egress_name})
