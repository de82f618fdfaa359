"""The `gke` section: an adopted cluster named with its location, Cloud Armor where it can attach, a shutdown grace
the cluster honours, and the section refused on a runtime that does not read it."""

from __future__ import annotations

from .. import contract
from ..checks.unread import set_beyond_profile
from ..config import StackConfig
from ..errors import Problem
from .gke_settings import AUTOPILOT_MAX_GRACE_SECONDS, GKE_RUNTIME, gke_settings


def problems(cfg: StackConfig) -> list[Problem]:
    """Every problem of the `gke:` block, one each naming the key, the value and the fix."""
    settings = gke_settings(cfg)
    if cfg.target.runtime.value != GKE_RUNTIME:
        keys = set_beyond_profile(cfg, "gke", settings)
        if keys:
            return [Problem(f"{', '.join(keys)}: GKE settings, not read by target.cloud={cfg.target.cloud.value} "
                            f"target.runtime={cfg.target.runtime.value}: remove them (or use runtime gke on gcp)",
                            keys)]
        return []
    found = []
    name, location = settings.existing_cluster_name, settings.existing_cluster_location
    if name and not location:
        found.append(Problem(f"gke.existing_cluster_name={name} needs gke.existing_cluster_location (the cluster's "
                             "region or zone, e.g. europe-west1)",
                             ("gke.existing_cluster_name", "gke.existing_cluster_location")))
    if location and not name:
        found.append(Problem(f"gke.existing_cluster_location={location} goes with gke.existing_cluster_name: add "
                             "the name, or remove the location to create a cluster",
                             ("gke.existing_cluster_location", "gke.existing_cluster_name")))
    if name and settings.master_authorized_networks:
        found.append(Problem("gke.master_authorized_networks applies to a created cluster: an adopted cluster keeps "
                             "its own; remove it", ("gke.master_authorized_networks", "gke.existing_cluster_name")))
    if settings.cloud_armor and not (cfg.kubernetes.exposure == "gateway" and cfg.kubernetes.gke_backend_timeout):
        found.append(Problem("gke.cloud_armor=true is attached through the Gateway's backend policy: it needs "
                             "kubernetes.exposure=gateway with kubernetes.gke_backend_timeout=true (the profile's), "
                             "or set gke.cloud_armor=false and protect your own entry point",
                             ("gke.cloud_armor", "kubernetes.exposure", "kubernetes.gke_backend_timeout")))
    grace = cfg.server.shutdown_grace_seconds
    if grace is not None and contract.kill_timeout_seconds(grace) > AUTOPILOT_MAX_GRACE_SECONDS:
        most = AUTOPILOT_MAX_GRACE_SECONDS - contract.kill_timeout_seconds(0)
        found.append(Problem(
            f"server.shutdown_grace_seconds={grace} does not fit GKE, which gives an evicted pod at most "
            f"{AUTOPILOT_MAX_GRACE_SECONDS} s after SIGTERM (the pod's terminationGracePeriodSeconds is the "
            f"server's grace plus {contract.kill_timeout_seconds(0)} s): use at most {most}",
            ("server.shutdown_grace_seconds",)))
    return found
