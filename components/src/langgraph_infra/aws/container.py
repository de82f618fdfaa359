"""ECS container definitions, built as plain data and emitted canonically.

AWS normalises the `containerDefinitions` JSON it stores (drops nulls, fills defaults, sorts nothing back): a
definition that differs from the stored form by any of that makes every `pulumi up` replace the task definition.
So every field AWS would fill is written explicitly, lists are sorted, and keys are sorted.
"""

from __future__ import annotations

import json
from typing import Any

from .. import contract

CONTAINER_NAME = "agent-server"
# ECS Exec bind-mounts the SSM agent into the container, and the agent writes its state and logs here: with a read-only
# root it crashes unless these are writable (aws/containers-roadmap#1359, amazon-ecs-exec-checker#21). Mounted only
# when `server.enable_exec` is on.
EXEC_WRITABLE_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")


def scratch_volumes(enable_exec: bool = False) -> list[tuple[str, str]]:
    """(task volume name, container path) of every writable path: `contract.WRITABLE_PATHS`, plus the SSM agent's
    with ECS Exec. On Fargate a task volume without a host path is a bind mount on the task's ephemeral storage:
    empty at start, gone with the task."""
    paths = [*contract.WRITABLE_PATHS, *(EXEC_WRITABLE_PATHS if enable_exec else ())]
    return [("scratch" + path.replace("/", "-"), path) for path in paths]


def container_definition(
    *,
    role: contract.Role,
    image: str,
    environment: dict[str, str],
    secrets: list[dict[str, str]],
    log_group: str,
    region: str,
    stop_timeout_seconds: int,
    runtime: contract.Runtime = contract.Runtime.PYTHON,
    enable_exec: bool = False,
) -> dict[str, Any]:
    """One hardened container: read-only root with the scratch volumes mounted, the image's unprivileged user
    named explicitly (the image's `USER` is then not the only guard) and every Linux capability dropped.
    (`initProcessEnabled` runs tini as that same user; Fargate refuses `privileged`, so it is not written.)"""
    definition: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": contract.PORT, "hostPort": contract.PORT, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": sorted(secrets, key=lambda s: s["name"]),
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": role.value}},
        "healthCheck": {"command": contract.health_check_command(runtime=runtime), "interval": 30, "timeout": 5, "retries": 3,
                        "startPeriod": 60},
        "stopTimeout": stop_timeout_seconds,
        "readonlyRootFilesystem": True,
        "user": f"{contract.RUNTIME_UID}:{contract.RUNTIME_GID}",
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "mountPoints": [{"sourceVolume": volume, "containerPath": path, "readOnly": False}
                        for volume, path in sorted(scratch_volumes(enable_exec))],
        "volumesFrom": [],
        "systemControls": [],
    }
    cmd = contract.command(role, runtime)
    if cmd is not None:
        definition["command"] = cmd
    return definition


def canonical(definitions: list[dict[str, Any]]) -> str:
    """The JSON string for `container_definitions`: containers by name, keys sorted, no nulls."""
    def drop_nulls(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop_nulls(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [drop_nulls(v) for v in value]
        return value

    ordered = sorted((drop_nulls(d) for d in definitions), key=lambda d: d["name"])
    return json.dumps(ordered, sort_keys=True, separators=(",", ":"))
