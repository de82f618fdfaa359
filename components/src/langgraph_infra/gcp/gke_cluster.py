"""Which GKE cluster a stack runs in (created or adopted) and what the stack installs in it. Only the gcp target
reads these; the `gke` section itself is `langgraph_infra.gcp.gke_settings`, its checks `langgraph_infra.gcp.gke_checks`."""

from __future__ import annotations

from ..config import StackConfig
from ..naming import bounded
from .gke_settings import CLUSTER_NAME_LIMIT, GKE_RUNTIME, GkeSettings, gke_settings


def cluster_name(settings: GkeSettings, prefix: str) -> str:
    """The cluster's name: the adopted one's, else the created one's (the stack's prefix, cut to 40 characters)."""
    return settings.existing_cluster_name or bounded(prefix, CLUSTER_NAME_LIMIT)


def cluster_location(settings: GkeSettings, region: str) -> str:
    """The cluster's location: the adopted one's, else the stack's region (a created cluster is regional)."""
    return settings.existing_cluster_location or region


def adopts_cluster(settings: GkeSettings) -> bool:
    return settings.existing_cluster_name is not None


def installs_keda(cfg: StackConfig) -> bool:
    """The stack installs KEDA: GKE, the queue scaled on its backlog, and `gke.install_keda`."""
    return (cfg.target.runtime.value == GKE_RUNTIME and cfg.kubernetes.queue_scaling == "backlog"
            and gke_settings(cfg).install_keda)


def creates_scaler_login(cfg: StackConfig) -> bool:
    """The stack makes the scaler's database login, which KEDA counts the runs in flight as: GKE with the queue on
    its backlog (under password authentication; `checks.kubernetes.backlog_problems` refuses IAM there)."""
    return (cfg.target.runtime.value == GKE_RUNTIME and cfg.kubernetes.queue_scaling == "backlog"
            and cfg.postgres.auth == "password")
