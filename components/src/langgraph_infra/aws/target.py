"""The AWS target as the core sees it: ECS Fargate's limits and checks, the component, the plan's mocks."""

from __future__ import annotations

from ..targets import Target
from . import capacity, profile, sizing

TARGET = Target(
    cloud="aws",
    runtimes=("ecs",),
    check=sizing.check,
    profile_rows=profile.ROWS,
    unread_keys=("target.project", "admission.require_attestation"),
    shutdown_grace_seconds=sizing.shutdown_grace_seconds,
    internet_exposure=sizing.internet_exposure,
    default_max_connections=sizing.default_max_connections,
    # ECS's deployment maximumPercent (aws/service.py): new tasks start before old ones stop.
    surge_percent=sizing.DEPLOYMENT_MAXIMUM_PERCENT,
    agent_server="langgraph_infra.aws.agent_server:for_stack",
    mocks="langgraph_infra.aws.mocks",
    capacity_facts=capacity.capacity_facts,
)
