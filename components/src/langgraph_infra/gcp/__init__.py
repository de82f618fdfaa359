"""GCP target: Cloud SQL, Memorystore, Artifact Registry, Secret Manager and Cloud Run (a service for the API, a
worker pool for the queue), in a VPC with private services access and Cloud NAT, with its `Alarms` and `Dashboard`;
Binary Authorization (`ImageAdmission`) and an optional customer-managed `StackKey`.

The same component names as `langgraph_infra.aws`. Components are imported lazily so that importing
`langgraph_infra.gcp.sizing` (config validation) does not load pulumi_gcp.
"""

from typing import TYPE_CHECKING

from ..targets import COMPONENTS, lazy_components

__getattr__, __all__ = lazy_components(__name__, (*COMPONENTS, "Alarms", "Dashboard", "ImageAdmission", "StackKey"))

if TYPE_CHECKING:
    # The same names for type checkers and editors (the lazy loader hides them at run time).
    from ..server import AgentServerArgs as AgentServerArgs
    from .agent_server import AgentServer as AgentServer
    from .alarms import Alarms as Alarms
    from .alarms import AlarmsArgs as AlarmsArgs
    from .cache import Cache as Cache
    from .cache import CacheArgs as CacheArgs
    from .dashboard import Dashboard as Dashboard
    from .dashboard import DashboardArgs as DashboardArgs
    from .database import Database as Database
    from .database import DatabaseArgs as DatabaseArgs
    from .database_bootstrap import DatabaseBootstrap as DatabaseBootstrap
    from .database_bootstrap import DatabaseBootstrapArgs as DatabaseBootstrapArgs
    from .image_admission import ImageAdmission as ImageAdmission
    from .image_admission import ImageAdmissionArgs as ImageAdmissionArgs
    from .network import Network as Network
    from .network import NetworkArgs as NetworkArgs
    from .registry import Registry as Registry
    from .registry import RegistryArgs as RegistryArgs
    from .secrets import Secrets as Secrets
    from .secrets import SecretsArgs as SecretsArgs
    from .service import Service as Service
    from .service import ServiceArgs as ServiceArgs
    from .stack_key import StackKey as StackKey
    from .stack_key import StackKeyArgs as StackKeyArgs
