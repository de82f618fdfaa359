"""GCP's rows of the environment profiles (langgraph_infra.profiles holds the values every cloud shares): Cloud SQL
tiers, Memorystore sizes and Cloud Run sizes per environment, and what runtime gke sets in the `kubernetes` and `gke`
sections."""

from __future__ import annotations

from typing import Any

# runtime gke: the Gateway the gcp target creates (a global external Application Load Balancer), which reaches the
# pods from Google's front ends (these source ranges, admitted by the API's NetworkPolicy), with the stream timeout
# set on its backend service (GKE's Gateway controller does not read an HTTPRoute's timeouts).
_GKE_EXPOSURE: dict[str, Any] = {
    "gateway_name": "langgraph",
    "ingress_from_cidrs": ["35.191.0.0/16", "130.211.0.0/22"],
    "gke_backend_timeout": True,
}

ROWS: dict[str, dict[str, Any]] = {
    "dev": {
        "postgres": {"instance_class": "db-custom-1-3840", "storage_gib": 20, "max_connections": 100},
        "redis": {"memory_size_gib": 1},
        "api": {"cpu": 1, "memory_mib": 1024},
        "queue": {"cpu": 1, "memory_mib": 1024},
        "kubernetes": _GKE_EXPOSURE,
    },
    "prod": {
        "postgres": {"instance_class": "db-custom-2-8192", "storage_gib": 100, "max_connections": 800},
        # Cloud Run's own URL has no WAF or rate limit to put in front of it: prod admits IAM callers only.
        "ingress": {"public": False},
        # Only images the promotion workflow scanned and attested run in prod (Binary Authorization).
        "admission": {"require_attestation": True},
        "redis": {"memory_size_gib": 5},
        "api": {"cpu": 2, "memory_mib": 2048},
        # A Cloud Run worker pool runs a fixed number of instances (it does not autoscale): min = max.
        "queue": {"cpu": 2, "memory_mib": 2048, "max_replicas": 2},
        # gke: prod takes Kubernetes versions once they have proven themselves in the other channels, and puts
        # a Cloud Armor rate limit per client IP in front of its public Gateway.
        "gke": {"release_channel": "STABLE", "cloud_armor": True},
        "kubernetes": _GKE_EXPOSURE,
    },
}
