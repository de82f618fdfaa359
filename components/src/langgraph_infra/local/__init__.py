"""The `local` target: the same Agent Server on a developer's Docker engine (target `local` + runtime `docker`).

Same parts, same names as the clouds: `Network`, `Database`, `Cache`, `Registry`, `Service` (api + queue), composed by
`AgentServer`; the image is the neutral `langgraph_infra.image.Image`, pushed to the local registry. There is no
secret manager on a laptop: secrets reach the containers as environment values built from Pulumi secrets (encrypted
in the stack's state, never printed). Only the API is published, and only on 127.0.0.1.
"""

from typing import TYPE_CHECKING

from ..targets import COMPONENTS, lazy_components

# There is no secret manager on a local engine: secrets are container values marked secret.
__getattr__, __all__ = lazy_components(
    __name__, tuple(c for c in COMPONENTS if c != "Secrets"))

if TYPE_CHECKING:
    # The same names for type checkers and editors (the lazy loader hides them at run time).
    from ..server import AgentServerArgs as AgentServerArgs
    from .agent_server import AgentServer as AgentServer
    from .cache import Cache as Cache
    from .cache import CacheArgs as CacheArgs
    from .database import Database as Database
    from .database import DatabaseArgs as DatabaseArgs
    from .database_bootstrap import DatabaseBootstrap as DatabaseBootstrap
    from .database_bootstrap import DatabaseBootstrapArgs as DatabaseBootstrapArgs
    from .network import Network as Network
    from .network import NetworkArgs as NetworkArgs
    from .registry import Registry as Registry
    from .registry import RegistryArgs as RegistryArgs
    from .service import Service as Service
    from .service import ServiceArgs as ServiceArgs
