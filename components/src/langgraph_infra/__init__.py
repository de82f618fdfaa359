"""langgraph-infra: Pulumi components that run a LangGraph Agent Server in production.

The cloud-neutral core lives here (configuration model, profiles, the Agent Server contract, naming, the image, the
offline plan); each target is a sub-package with the same component names: `langgraph_infra.aws`,
`langgraph_infra.gcp`, `langgraph_infra.local`.

A stack program is three lines::

    import langgraph_infra as lgi
    server = lgi.agent_server(lgi.load_config())
    lgi.export_all(server)
"""

from .config import StackConfig
from .deploy import agent_server, export_all
from .errors import ConfigError
from .loading import build as build_config
from .loading import load as load_config

__all__ = ["ConfigError", "StackConfig", "agent_server", "build_config", "export_all", "load_config"]
__version__ = "0.1.0"
