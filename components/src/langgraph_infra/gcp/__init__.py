"""GCP target: Cloud SQL, Memorystore, Artifact Registry, Secret Manager and Cloud Run (a service for the API, a
worker pool for the queue), in a VPC with private services access and Cloud NAT, with its `Alarms` and `Dashboard`;
Binary Authorization (`ImageAdmission`) and an optional customer-managed `StackKey`; or, on runtime gke, a GKE
cluster (`Cluster`), the pods' Google identity (`WorkloadIdentity`), the secret sync (`SecretSync`), the `Gateway`,
and the portable Kubernetes component, composed by `Gke`.

The same component names as `langgraph_infra.aws`. Components are imported lazily so that importing
`langgraph_infra.gcp.limits` (config validation) does not load pulumi_gcp.
"""

from typing import TYPE_CHECKING

from ..targets import COMPONENTS, lazy_components

# runtime gke's own parts, beside the shared names.
GKE_COMPONENTS = ("Cluster", "WorkloadIdentity", "SecretSync", "Gateway", "Gke")
__getattr__, __all__ = lazy_components(__name__, (*COMPONENTS, "Alarms", "Dashboard", "ImageAdmission", "StackKey",
                                                  *GKE_COMPONENTS))

if TYPE_CHECKING:
    # The same names for type checkers and editors (the lazy loader hides them at run time).
    from ..server import AgentServerArgs as AgentServerArgs
    from .agent_server import AgentServer as AgentServer
    from .alarms import Alarms as Alarms
    from .alarms import AlarmsArgs as AlarmsArgs
    from .cache import Cache as Cache
    from .cache import CacheArgs as CacheArgs
    from .cluster import Cluster as Cluster
    from .cluster import ClusterArgs as ClusterArgs
    from .dashboard import Dashboard as Dashboard
    from .dashboard import DashboardArgs as DashboardArgs
    from .database import Database as Database
    from .database import DatabaseArgs as DatabaseArgs
    from .database_bootstrap import DatabaseBootstrap as DatabaseBootstrap
    from .database_bootstrap import DatabaseBootstrapArgs as DatabaseBootstrapArgs
    from .gateway import Gateway as Gateway
    from .gateway import GatewayArgs as GatewayArgs
    from .gke import Gke as Gke
    from .gke import GkeArgs as GkeArgs
    from .image_admission import ImageAdmission as ImageAdmission
    from .image_admission import ImageAdmissionArgs as ImageAdmissionArgs
    from .network import Network as Network
    from .network import NetworkArgs as NetworkArgs
    from .registry import Registry as Registry
    from .registry import RegistryArgs as RegistryArgs
    from .secret_sync import SecretSync as SecretSync
    from .secret_sync import SecretSyncArgs as SecretSyncArgs
    from .secrets import Secrets as Secrets
    from .secrets import SecretsArgs as SecretsArgs
    from .service import Service as Service
    from .service import ServiceArgs as ServiceArgs
    from .stack_key import StackKey as StackKey
    from .stack_key import StackKeyArgs as StackKeyArgs
    from .workload_identity import WorkloadIdentity as WorkloadIdentity
    from .workload_identity import WorkloadIdentityArgs as WorkloadIdentityArgs
