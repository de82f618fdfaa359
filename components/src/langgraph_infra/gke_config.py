"""The `gke:` block of the stack configuration: the GKE cluster the Agent Server runs in (`target: {cloud: gcp,
runtime: gke}`), created (Autopilot) or adopted by name and location.

Part of the neutral core: it imports no SDK. `check(cfg)` holds every rule about the block and its neighbours (an
adopted cluster without its location, the block on another runtime, a shutdown grace the cluster cannot honour) and
is what config.py calls, so they are reported with the rest of the stack's problems, before any resource.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import contract
from .validators import cidr_blocks

if TYPE_CHECKING:
    from .config import StackConfig

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


class GkeSettings(BaseModel):
    """The GKE cluster: an Autopilot cluster created in the stack's VPC, or an existing cluster adopted by name."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

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


def cluster_name(settings: GkeSettings, prefix: str) -> str:
    """The cluster's name: the adopted one's, else the created one's (the stack's prefix, cut to 40 characters)."""
    from .naming import bounded  # naming reads config, which reads this module

    return settings.existing_cluster_name or bounded(prefix, CLUSTER_NAME_LIMIT)


def cluster_location(settings: GkeSettings, region: str) -> str:
    """The cluster's location: the adopted one's, else the stack's region (a created cluster is regional)."""
    return settings.existing_cluster_location or region


def adopts_cluster(settings: GkeSettings) -> bool:
    return settings.existing_cluster_name is not None


def installs_keda(cfg: StackConfig) -> bool:
    """The stack installs KEDA: GKE, the queue scaled on its backlog, and `gke.install_keda`."""
    return (cfg.target.runtime.value == GKE_RUNTIME and cfg.kubernetes.queue_scaling == "backlog"
            and cfg.gke.install_keda)


def creates_scaler_login(cfg: StackConfig) -> bool:
    """The stack makes the scaler's database login, which KEDA counts the runs in flight as: GKE with the queue on
    its backlog (under password authentication; `kubernetes_config.backlog_problems` refuses IAM there)."""
    return (cfg.target.runtime.value == GKE_RUNTIME and cfg.kubernetes.queue_scaling == "backlog"
            and cfg.postgres.auth == "password")


def check(cfg: StackConfig) -> list[str]:
    """Every problem of the `gke:` block, one message each naming the key, the value and the fix."""
    from . import profiles

    settings = cfg.gke
    if cfg.target.runtime.value != GKE_RUNTIME:
        baseline = GkeSettings.model_validate(
            profiles.profile(cfg.environment.value, cfg.target.cloud.value).get("gke", {}))
        changed = sorted(k for k in GkeSettings.model_fields if getattr(settings, k) != getattr(baseline, k))
        if changed:
            keys = ", ".join(f"gke.{k}" for k in changed)
            return [f"{keys}: GKE settings, not read by target.cloud={cfg.target.cloud.value} "
                    f"target.runtime={cfg.target.runtime.value}: remove them (or use runtime gke on gcp)"]
        return []
    problems = []
    name, location = settings.existing_cluster_name, settings.existing_cluster_location
    if name and not location:
        problems.append(f"gke.existing_cluster_name={name} needs gke.existing_cluster_location (the cluster's "
                        "region or zone, e.g. europe-west1)")
    if location and not name:
        problems.append(f"gke.existing_cluster_location={location} goes with gke.existing_cluster_name: add the "
                        "name, or remove the location to create a cluster")
    if name and settings.master_authorized_networks:
        problems.append("gke.master_authorized_networks applies to a created cluster: an adopted cluster keeps its "
                        "own; remove it")
    if settings.cloud_armor and not (cfg.kubernetes.exposure == "gateway" and cfg.kubernetes.gke_backend_timeout):
        problems.append("gke.cloud_armor=true is attached through the Gateway's backend policy: it needs "
                        "kubernetes.exposure=gateway with kubernetes.gke_backend_timeout=true (the profile's), or "
                        "set gke.cloud_armor=false and protect your own entry point")
    grace = cfg.server.shutdown_grace_seconds
    if grace is not None and contract.kill_timeout_seconds(grace) > AUTOPILOT_MAX_GRACE_SECONDS:
        most = AUTOPILOT_MAX_GRACE_SECONDS - contract.kill_timeout_seconds(0)
        problems.append(
            f"server.shutdown_grace_seconds={grace} does not fit GKE, which gives an evicted pod at most "
            f"{AUTOPILOT_MAX_GRACE_SECONDS} s after SIGTERM (the pod's terminationGracePeriodSeconds is the "
            f"server's grace plus {contract.kill_timeout_seconds(0)} s): use at most {most}")
    return problems
