"""The local Docker target as the core sees it: its pinned images, the component, the plan's mocks."""

from __future__ import annotations

from ..targets import Target
from . import limits, profile

TARGET = Target(
    cloud="local",
    runtimes=("docker",),
    check=limits.check,
    profile_rows=profile.ROWS,
    unread_keys=("target.project", "secrets.*.kms_key_arn", "ingress.waf", "ingress.rate_limit_per_ip",
                 "server.enable_exec", "ingress.certificate_arn", "ingress.hosted_zone_id", "network.flow_logs",
                 "encryption.kms_key", "encryption.create_key", "admission.require_attestation", "alarms.notify"),
    shutdown_grace_seconds=limits.shutdown_grace_seconds,
    # Docker replaces a container in place: never two of a role at once.
    surge_percent=100,
    agent_server="langgraph_infra.local.agent_server:for_stack",
    mocks="langgraph_infra.local.mocks",
)
