"""The AWS target as the core sees it: ECS Fargate's limits and checks, the component, the plan's mocks."""

from __future__ import annotations

from ..targets import Target
from . import capacity, limits, profile

TARGET = Target(
    cloud="aws",
    runtimes=("ecs",),
    check=limits.check,
    profile_rows=profile.ROWS,
    unread_keys=("target.project", "admission.require_attestation"),
    shutdown_grace_seconds=limits.shutdown_grace_seconds,
    internet_exposure=limits.internet_exposure,
    default_max_connections=limits.default_max_connections,
    # ECS's deployment maximumPercent (aws/service.py): new tasks start before old ones stop.
    surge_percent=limits.DEPLOYMENT_MAXIMUM_PERCENT,
    agent_server="langgraph_infra.aws.agent_server:for_stack",
    mocks="langgraph_infra.aws.mocks",
    capacity_facts=capacity.capacity_facts,
)
