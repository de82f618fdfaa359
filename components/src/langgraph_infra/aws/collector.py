"""The AWS Distro for OpenTelemetry (ADOT) collector beside each ECS task's Agent Server: the server's metrics to
CloudWatch (through the embedded metric format, EMF, into one log group per stack) and its traces to X-Ray.

The configuration is `observability.collector_config` with AWS's exporters, passed in `AOT_CONFIG_CONTENT` (the
ADOT image reads its whole configuration from that variable). The collector shares the task's network namespace:
it scrapes `127.0.0.1:PORT/metrics` and listens for OTLP on loopback only, so it opens no port on the task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import contract, observability
from . import policies

CONTAINER_NAME = "otel-collector"
# Pinned by release tag: ADOT publishes version tags on public ECR but documents no digests to pin by. Bump it with
# the ADOT release notes; the components used here (see COMPONENTS) have been in every release since v0.40.
IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
CONFIG_ENV = "AOT_CONFIG_CONTENT"
# The ADOT image's own health probe binary (it queries the health_check extension).
HEALTH_CHECK = ["CMD", "/healthcheck"]
# Cloud metrics per dimension set. The queue figures are one value per stack (PendingRuns is read by queue scaling
# and the backlog alarm with exactly the `Stack` dimension); server HTTP traffic is split by role.
STACK_METRICS = [contract.PENDING_RUNS_METRIC, contract.RUNNING_RUNS_METRIC, "WorkersActive", "WorkersAvailable", "WorkersMax"]
ROLE_METRICS = ["ServerHttpRequests"]
# What the ADOT collector ships (pkg/defaultcomponents/defaults.go of aws-observability/aws-otel-collector), as far
# as this configuration uses it: the tests check the rendered configuration names nothing else.
COMPONENTS = {
    "extensions": {"health_check"},
    "receivers": {"prometheus", "otlp"},
    "processors": {"memory_limiter", "filter", "metricstransform", "batch"},
    "exporters": {"awsemf", "awsxray"},
}


@dataclass
class CollectorArgs:
    """The collector sidecar of both roles."""

    stack: str
    """The stack name: the `Stack` dimension of every metric the collector publishes (queue scaling and the alarms
    read the same)."""
    image: str = IMAGE
    """The ADOT collector image. Default: the release this module is tested with, by tag."""


def metrics_log_group_name(prefix: str) -> str:
    """The log group the EMF records go to (CloudWatch extracts the metrics from them)."""
    return f"/ecs/{prefix}/metrics"


def backend(region: str, log_group_name: str, role: contract.Role) -> observability.Backend:
    return observability.Backend(
        exporters={
            "awsemf": {
                "region": region,
                "namespace": contract.METRIC_NAMESPACE,
                "log_group_name": log_group_name,
                "log_stream_name": role.value,
                # Exactly the declared dimensions: no roll-ups that would multiply the metrics (and the bill).
                "dimension_rollup_option": "NoDimensionRollup",
                "metric_declarations": [
                    {"dimensions": [[contract.STACK_DIMENSION]], "metric_name_selectors": STACK_METRICS},
                    {"dimensions": [[contract.STACK_DIMENSION, observability.ROLE_DIMENSION]],
                     "metric_name_selectors": ROLE_METRICS},
                ],
            },
            "awsxray": {"region": region},
        },
        metrics=["awsemf"],
        traces=["awsxray"],
    )


def config(stack: str, role: contract.Role, region: str, log_group_name: str) -> dict[str, Any]:
    """The collector configuration of one role's tasks."""
    return observability.collector_config(backend(region, log_group_name, role), stack=stack, role=role)


COLLECTOR_UID = "10001"


def container_definition(*, args: CollectorArgs, role: contract.Role, region: str, log_group: str,
                         metrics_log_group: str) -> dict[str, Any]:
    """The sidecar's container definition. Not essential: a collector that fails loses metrics (which the alarms
    on missing data report), never the replica serving requests."""
    return {
        "name": CONTAINER_NAME,
        "image": args.image,
        "essential": False,
        "environment": [{"name": CONFIG_ENV, "value": observability.collector_yaml(
            config(args.stack, role, region, metrics_log_group))}],
        "secrets": [],
        "portMappings": [],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": f"{role.value}-collector"}},
        "healthCheck": {"command": HEALTH_CHECK, "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10},
        "mountPoints": [],
        "volumesFrom": [],
        "systemControls": [],
        # Hardened like the server (rules.aws.ecs_containers_hardened): the collector keeps its state in memory
        # (no file storage extension in its config), so it needs no writable path, and runs as the unprivileged
        # uid the OpenTelemetry collector images use (10001).
        "readonlyRootFilesystem": True,
        "user": COLLECTOR_UID,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
    }


def task_role_policy(metrics_log_group_arn: str) -> str:
    """What the collector does as the task: write EMF records into the stack's metrics log group, and send trace
    segments to X-Ray. No `cloudwatch:PutMetricData`: EMF records become metrics without it."""
    group = metrics_log_group_arn.removesuffix(":*")
    return policies.document([
        {"Sid": "WriteMetricRecords", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
         "Resource": [group, f"{group}:*"]},
        # X-Ray's trace ingestion has no resource scope in IAM: "*" is the only valid resource for it.
        {"Sid": "SendTraces", "Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
         "Resource": "*"},
    ])
