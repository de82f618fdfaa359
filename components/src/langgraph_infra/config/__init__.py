"""The stack configuration, as data only: one module per section of `Pulumi.<stack>.yaml` under the
`langgraph-infra` namespace, each importing nothing above `base`, and `StackConfig`, which assembles them.

What reads the whole stack lives above this package: the checks across sections (`langgraph_infra.checks`), the
derivations (`langgraph_infra.derive`), loading a stack's config over its profile (`langgraph_infra.loading`),
completing a component's settings used on its own (`langgraph_infra.settling`).
"""

# ConfigError beside the models it reports on: code that builds a component's settings catches it from here (as it
# always could).
from ..errors import ConfigError
from .admission import AdmissionSettings
from .app import AppSettings
from .audit import AuditSettings
from .base import Cloud, Environment, Runtime
from .capacity import CapacitySettings
from .encryption import EncryptionSettings
from .ingress import IngressSettings
from .kubernetes import KubernetesSettings
from .logs import LogsSettings
from .network import NetworkSettings
from .observability import AlarmSettings, ObservabilitySettings
from .postgres import PostgresSettings
from .redis import RedisSettings
from .roles import ApiSettings, QueueSettings, RoleSettings
from .secrets import SecretSource
from .server import ServerSettings
from .stack import SECTIONS, StackConfig
from .target import Target

__all__ = ["SECTIONS", "AdmissionSettings", "AlarmSettings", "ApiSettings", "AppSettings", "AuditSettings",
           "CapacitySettings", "Cloud", "ConfigError", "EncryptionSettings", "Environment",
           "IngressSettings", "KubernetesSettings", "LogsSettings", "NetworkSettings", "ObservabilitySettings",
           "PostgresSettings", "QueueSettings", "RedisSettings", "RoleSettings", "Runtime", "SecretSource",
           "ServerSettings", "StackConfig", "Target"]
