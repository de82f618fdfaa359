"""One call from a validated StackConfig to a running Agent Server on its target, with the stack's exports.

The target is found through `langgraph_infra.targets` (never imported by name here), and only its own cloud SDK is
loaded: a GCP stack never loads pulumi_aws, and the reverse.
"""

from __future__ import annotations

import pulumi

from . import targets
from .config import StackConfig
from .errors import ConfigError
from .targets import DeployedAgentServer

__all__ = ["DeployedAgentServer", "agent_server", "export_all"]


def agent_server(cfg: StackConfig, stack: str | None = None, name: str = "agent",
                 opts: pulumi.ResourceOptions | None = None) -> DeployedAgentServer:
    """Build the AgentServer component of the configured target, under a provider of its own for the stack's
    region (and project), named after `name` so that several servers can live in one program."""
    stack = stack or pulumi.get_stack()
    cloud, runtime = cfg.target.cloud.value, cfg.target.runtime.value
    target = targets.for_cloud(cloud)
    if target is None or not target.can_deploy(runtime):
        available = ", ".join(f"{t.cloud}/{r}" for t in targets.registered().values()
                              for r in (t.implemented_runtimes or t.runtimes))
        raise ConfigError([f"target.cloud={cloud} with target.runtime={runtime} is not available in this version "
                           f"(available: {available})"])
    return target.deploy(name, cfg, stack, opts)


def export_all(server: DeployedAgentServer) -> None:
    """Export every flat value of `server.exports()` as a stack output."""
    for key, value in server.exports().items():
        pulumi.export(key, value)
