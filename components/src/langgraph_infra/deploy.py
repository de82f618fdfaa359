"""One call from a validated StackConfig to a running Agent Server on its target, with the stack's exports.

Only the target's own cloud SDK is imported: a GCP stack never loads pulumi_aws, and the reverse.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import pulumi

from .config import Cloud, Runtime, StackConfig

# (cloud, runtime) -> module that defines `AgentServer(name, cfg, stack)` with an `exports()` method.
_TARGETS = {
    (Cloud.AWS, Runtime.ECS): "langgraph_infra.aws.agent_server",
    (Cloud.GCP, Runtime.CLOUDRUN): "langgraph_infra.gcp.agent_server",
    (Cloud.LOCAL, Runtime.DOCKER): "langgraph_infra.local.agent_server",
}


class DeployedAgentServer(Protocol):
    def exports(self) -> dict[str, Any]: ...


def agent_server(cfg: StackConfig, stack: str | None = None, name: str = "agent") -> DeployedAgentServer:
    """Build the AgentServer component of the configured target (with its cloud provider) and return it."""
    stack = stack or pulumi.get_stack()
    module_name = _TARGETS.get((cfg.target.cloud, cfg.target.runtime))
    if module_name is None:
        from .config import ConfigError

        raise ConfigError([
            f"target.cloud={cfg.target.cloud.value} with target.runtime={cfg.target.runtime.value} is not available "
            f"in this version (available: {', '.join(f'{c.value}/{r.value}' for c, r in _TARGETS)})"
        ])
    module = importlib.import_module(module_name)
    return module.for_stack(name, cfg, stack)


def export_all(server: DeployedAgentServer) -> None:
    for key, value in server.exports().items():
        pulumi.export(key, value)
