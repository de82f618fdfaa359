"""Kubernetes runtime: the Agent Server on any conformant cluster (GKE, EKS, AKS, on-premises), given a
`pulumi_kubernetes.Provider` and the data tier's connection details as references to existing Secrets.

`Service` / `ServiceArgs` are the same names as the clouds' services; `SecretKeyRef` names one key of a Secret; `Sidecar`
a helper container beside the server, `Destination` an address the pods may reach; `role_specs(...)` builds both
roles' `RoleSpec` (sizes and environment, from the contract) for a program without a stack config.
The package imports no cloud SDK (a cloud target may use it, never the reverse), and loads pulumi_kubernetes only
when `Service` is used.
"""

from typing import TYPE_CHECKING

from ..server import RoleSpec
from ..targets import lazy_components
from .network_policy import Destination
from .pod import SecretKeyRef, Sidecar
from .roles import role_specs

_components, _names = lazy_components(__name__, ("Service",))
__all__ = [*_names, "Destination", "RoleSpec", "SecretKeyRef", "Sidecar", "role_specs"]


def __getattr__(name: str) -> object:
    return _components(name)


if TYPE_CHECKING:
    # The same names for type checkers and editors (the lazy loader hides them at run time).
    from .service import Service as Service
    from .service import ServiceArgs as ServiceArgs
