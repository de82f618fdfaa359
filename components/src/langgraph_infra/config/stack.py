"""The whole stack configuration: every section, assembled. Data only: the checks that read several sections live
in `langgraph_infra.checks`, loading in `langgraph_infra.loading`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .. import contract
from .admission import AdmissionSettings
from .app import AppSettings
from .audit import AuditSettings
from .base import ENV_NAME, Environment, _Model
from .capacity import CapacitySettings
from .encryption import EncryptionSettings
from .ingress import IngressSettings
from .kubernetes import KubernetesSettings
from .logs import LogsSettings
from .network import NetworkSettings
from .observability import AlarmSettings, ObservabilitySettings
from .postgres import PostgresSettings
from .redis import RedisSettings
from .roles import ApiSettings, QueueSettings
from .secrets import SecretSource
from .server import ServerSettings
from .target import Target


class StackConfig(_Model):
    """A whole stack: where it runs and every part's settings, after the profile is applied."""

    target: Target
    environment: Environment
    """Chooses the profile of defaults: `dev` (cheap), `prod` (highly available, protected) or `local`."""
    name: str = Field(default="langgraph", pattern=r"^[a-z][a-z0-9-]{1,20}$")
    """Prefix of resource names (with the stack name): keep it short, some cloud names are limited to 32 chars."""
    network: NetworkSettings = NetworkSettings()
    postgres: PostgresSettings = PostgresSettings()
    redis: RedisSettings = RedisSettings()
    api: ApiSettings = ApiSettings()
    queue: QueueSettings = QueueSettings()
    ingress: IngressSettings = IngressSettings()
    secrets: dict[Annotated[str, Field(pattern=ENV_NAME.pattern)], SecretSource] = {}
    """App secrets by environment variable name (`OPENAI_API_KEY: {}`), each created from the secret config key of
    that name or adopted with `existing`. One of LANGGRAPH_CLOUD_LICENSE_KEY / LANGSMITH_API_KEY is required."""
    app: AppSettings = AppSettings()
    server: ServerSettings = ServerSettings()
    logs: LogsSettings = LogsSettings()
    capacity: CapacitySettings = CapacitySettings()
    """The load the stack must carry (docs/capacity.md): replicas, pools, Postgres and Redis are derived from it
    wherever the stack does not set them, and an explicit size that cannot carry it is refused."""
    observability: ObservabilitySettings = ObservabilitySettings()
    alarms: AlarmSettings = AlarmSettings()
    audit: AuditSettings = AuditSettings()
    """Access logs and database audit logging (langgraph_infra.config.audit)."""
    encryption: EncryptionSettings = EncryptionSettings()
    """Customer-managed encryption keys (langgraph_infra.config.encryption)."""
    admission: AdmissionSettings = AdmissionSettings()
    """Which images may run (langgraph_infra.config.admission)."""
    kubernetes: KubernetesSettings = KubernetesSettings()
    """The runtimes that run the portable Kubernetes component (each target names its own,
    `Target.kubernetes_runtimes`): namespace, identity, exposure and network policy (langgraph_infra.config.kubernetes)."""
    tags: dict[str, str] = {}
    """Extra tags / labels on every resource that takes them."""

    # Derived values used by every target.

    def resource_prefix(self, stack: str) -> str:
        return f"{self.name}-{stack}"

    def runtime(self) -> contract.Runtime:
        """The app image's runtime (`app.runtime`, as `load` settles it from langgraph.json; Python by default)."""
        return self.app.runtime or contract.Runtime.PYTHON

    def license_env_name(self) -> str | None:
        return next((n for n in contract.LICENSE_ENV_NAMES if n in self.secrets), None)

    def created_secret_names(self) -> list[str]:
        """Secrets whose values come from this stack's secret config (the rest are adopted)."""
        return sorted(n for n, s in self.secrets.items() if s.existing is None)


# The top-level keys of the `langgraph-infra` namespace, in the model's order.
SECTIONS = tuple(name for name in StackConfig.model_fields)
