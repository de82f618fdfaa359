"""The `gke` section: the GKE cluster the Agent Server runs in (`target: {cloud: gcp, runtime: gke}`), created
(Autopilot) or adopted by name and location. Only the gcp target reads it, so it lives here and reaches the stack's
configuration through `Target.sections` (the core's `StackConfig` has no GKE field); its checks are
`langgraph_infra.gcp.gke_checks`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..config import StackConfig
from ..config.base import _Model
from ..validators import cidr_blocks

GKE_RUNTIME = "gke"
# GKE cluster names: lower-case letters, digits and hyphens, starting with a letter, at most 40 characters.
CLUSTER_NAME = r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$"
CLUSTER_NAME_LIMIT = 40
# A region (regional cluster, Autopilot's only kind) or a zone (a zonal Standard cluster one may adopt).
LOCATION = r"^[a-z]+-[a-z]+\d{1,2}(-[a-z])?$"
# GKE gives a pod at most this long between SIGTERM and SIGKILL when Autopilot evicts it for maintenance or
# scale-down (terminationGracePeriodSeconds above it is cut to it): the server's grace plus the margin the
# Kubernetes component adds must fit.
AUTOPILOT_MAX_GRACE_SECONDS = 600


class GkeSettings(_Model):
    """The GKE cluster: an Autopilot cluster created in the stack's VPC, or an existing cluster adopted by name."""

    existing_cluster_name: str | None = Field(default=None, pattern=CLUSTER_NAME)
    """Adopt this cluster (in `target.project`) instead of creating one; it must have Workload Identity and the
    Secret Manager secret sync enabled, and reach the data tier's VPC. Needs `existing_cluster_location`. Default:
    an Autopilot cluster is created."""
    existing_cluster_location: str | None = Field(default=None, pattern=LOCATION)
    """The adopted cluster's region or zone (e.g. `europe-west1`). Required with `existing_cluster_name`."""
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    """The created cluster's GKE release channel: how soon it gets new Kubernetes versions (Autopilot upgrades
    itself within its channel). Default: `REGULAR` in dev, `STABLE` in prod."""
    master_authorized_networks: list[str] = []
    """CIDR blocks allowed to reach the created cluster's control plane on its public endpoint (your office, a CI
    runner's egress): `kubectl` and Pulumi itself need one. Nodes are private either way. Default: none, so only
    addresses inside the VPC reach the control plane."""
    secret_rotation_seconds: int = Field(default=120, ge=60, le=86400)
    """How often the cluster's secret sync re-reads Secret Manager (an adopted secret read at `latest` picks up a
    new version within this time; pods read it at their next start). Default: 120."""

    cloud_armor: bool = False
    """Put a Cloud Armor security policy on the Gateway's backend: each client IP may send
    `cloud_armor_rate_limit_per_ip` requests per 5 minutes, then gets 429s (the prod counterpart of AWS's WAF).
    Default: off in dev, on in prod."""
    cloud_armor_rate_limit_per_ip: int = Field(default=1000, ge=10, le=1_000_000)
    """With `cloud_armor`: requests one client IP may send in 5 minutes before Cloud Armor answers 429. Default:
    1000."""

    install_keda: bool = True
    """With `kubernetes.queue_scaling=backlog`: install KEDA (its Helm chart, pinned, namespace `keda`) in the
    cluster, which the queue's ScaledObject needs, and let its images past Binary Authorization
    (`admission.require_attestation`). Set `false` on an adopted cluster that already runs KEDA. Default: on."""

    @field_validator("master_authorized_networks")
    @classmethod
    def _cidrs(cls, values: list[str]) -> list[str]:
        return cidr_blocks(values, "203.0.113.0/24")


def gke_settings(cfg: StackConfig) -> GkeSettings:
    """The stack's `gke` section: the field the gcp target adds to `StackConfig` (its defaults on a stack validated
    without it, such as a component's settings settled for another cloud)."""
    settings = getattr(cfg, "gke", None)
    return settings if isinstance(settings, GkeSettings) else GkeSettings()
