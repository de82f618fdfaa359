"""The GCP target as the core sees it: Cloud Run's and GKE's limits and checks, the component, the plan's mocks."""

from __future__ import annotations

from ..targets import Target
from . import capacity, gke_checks, limits, profile
from .gke_settings import GKE_RUNTIME, GkeSettings

TARGET = Target(
    cloud="gcp",
    runtimes=("cloudrun", "gke"),
    implemented_runtimes=("cloudrun", "gke"),
    check=limits.check,
    profile_rows=profile.ROWS,
    sections={"gke": GkeSettings},
    section_checks=gke_checks.problems,
    kubernetes_runtimes=(GKE_RUNTIME,),
    unread_keys=("secrets.*.kms_key_arn", "ingress.waf", "ingress.rate_limit_per_ip", "server.enable_exec",
                 "ingress.certificate_arn", "ingress.hosted_zone_id"),
    shutdown_grace_seconds=limits.shutdown_grace_seconds,
    internet_exposure=limits.internet_exposure,
    # A new Cloud Run revision starts beside the old one before traffic moves (GKE's rollouts surge 25%).
    surge_percent=200,
    agent_server="langgraph_infra.gcp.agent_server:for_stack",
    mocks="langgraph_infra.gcp.mocks",
    capacity_facts=capacity.capacity_facts,
)
