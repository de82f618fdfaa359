"""How each role's replica count moves, as plain manifests (camelCase, as `kubectl` reads them): the API on CPU (a
HorizontalPodAutoscaler), the queue on its backlog (a KEDA ScaledObject with KEDA's PostgreSQL scaler, signed in as a
scaler login through a TriggerAuthentication, or as the server) or, for a cluster without KEDA, on CPU too
(`kubernetes.queue_scaling`). Pure functions, no SDK: `service.py` registers what
they return, the tests and the rules read the same shapes.

Only one autoscaler ever owns a Deployment: KEDA turns a ScaledObject into an HPA of its own, and two HPAs on one
Deployment overwrite each other's replica count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import contract, db_bootstrap
from ..config import RoleSettings
from ..derive import capacity
from . import pod
from .pod import SecretKeyRef

KEDA_API_VERSION = "keda.sh/v1alpha1"
SCALED_OBJECT = "ScaledObject"
TRIGGER_AUTHENTICATION = "TriggerAuthentication"
# The runs in flight in the Agent Server's own table. The table and its `status` column are the ones LangChain's Helm
# chart scales its queue on (github.com/langchain-ai/helm, charts/langgraph-cloud/templates/queue/scaled-object.yaml,
# which counts `pending` only); running runs count too, as on ECS (`derive.capacity.backlog_target`): pending runs alone read
# zero while every worker is busy, and would scale a full queue in.
# The fallback without a scaler login (`ServiceArgs.scaler_secret`), as the server's own role.
BACKLOG_QUERY = "SELECT COUNT(*) FROM run WHERE status IN ('pending', 'running')"
# With a scaler login: the same count through the one function it may call (`db_bootstrap.scaler_statements`).
SCALER_QUERY = db_bootstrap.RUNS_IN_FLIGHT_QUERY
# The fallback: KEDA reads the variable from the scale target's container (`envSourceContainerName`), including a
# value from a Secret (`valueFrom.secretKeyRef`): kedacore/keda v2.20.2, pkg/scaling/resolver/scale_resolvers.go,
# `resolveEnv`. The URI never passes through this program or the ScaledObject.
BACKLOG_CONNECTION_ENV = contract.SecretEnv.POSTGRES_URI.value
# The PostgreSQL scaler's authentication parameter holding a whole connection string (kedacore/keda v2.20.2,
# pkg/scalers/postgresql_scaler.go: `Connection ... keda:"name=connection, order=authParams;resolvedEnv"`).
SCALER_CONNECTION_PARAMETER = "connection"
# KEDA's default and the chart's: the backlog is read every 30 s.
POLLING_INTERVAL_SECONDS = 30
# KEDA names the HPA it makes after the Deployment, as ours was named, and takes over an HPA of that name (a stack
# whose queue scaled on CPU before): without the transfer its admission webhook refuses a ScaledObject for a workload
# another HPA scales (kedacore/keda v2.20.2, apis/keda/v1alpha1/scaledobject_webhook.go, `verifyHpas`).
TRANSFER_HPA_ANNOTATION = "scaledobject.keda.sh/transfer-hpa-ownership"
# The choice of CPU scaling for the queue, recorded on its HPA for the `k8s-queue-on-backlog` rule and a reviewer.
QUEUE_SCALING_ANNOTATION = "langgraph-infra/queue-scaling"


def scale_in_behavior() -> dict[str, Any]:
    """Scale in slowly: a queue replica that stops hands its runs back, which costs a restart of each. The lowest
    recommendation of the last 5 minutes wins, and at most one pod goes per minute."""
    return {"scaleDown": {"stabilizationWindowSeconds": 300,
                          "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}


def hpa_spec(deployment: str, settings: Any) -> dict[str, Any]:
    """CPU autoscaling between the role's replicas; never below one (a queue at zero leaves runs waiting forever,
    and an HPA cannot scale from zero)."""
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment},
        "minReplicas": max(1, settings.min_replicas),
        "maxReplicas": max(1, settings.max_replicas),
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": settings.target_cpu_percent}}}],
        "behavior": scale_in_behavior(),
    }


def jobs_per_worker(settings: RoleSettings, environment: Mapping[str, Any]) -> int:
    """The runs one queue pod executes at once: its `N_JOBS_PER_WORKER` as the pod gets it, else the settings'."""
    value = environment.get("N_JOBS_PER_WORKER")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return int(getattr(settings, "n_jobs_per_worker", contract.DEFAULT_N_JOBS_PER_WORKER))


def scaled_object_annotations() -> dict[str, str]:
    """The ScaledObject takes over the queue's HPA of the same name if one exists (`TRANSFER_HPA_ANNOTATION`)."""
    return {TRANSFER_HPA_ANNOTATION: "true"}


def trigger_authentication_spec(scaler_secret: SecretKeyRef) -> dict[str, Any]:
    """KEDA reads the scaler's URI from a key of a Secret in the namespace (`secretTargetRef`), as the
    `connection` parameter: the value never passes through this program or the ScaledObject."""
    return {"secretTargetRef": [{"parameter": SCALER_CONNECTION_PARAMETER, "name": scaler_secret.name,
                                 "key": scaler_secret.key}]}


def backlog_metadata(authentication: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """The postgresql trigger's metadata and extra fields: with a TriggerAuthentication (`authentication`, its name),
    the scaler login's function; without, the server's own POSTGRES_URI from the queue container."""
    if authentication is not None:
        return {"query": SCALER_QUERY}, {"authenticationRef": {"kind": TRIGGER_AUTHENTICATION,
                                                               "name": authentication}}
    return {"connectionFromEnv": BACKLOG_CONNECTION_ENV, "query": BACKLOG_QUERY}, {}


def scaled_object_spec(deployment: str, settings: RoleSettings, n_jobs_per_worker: int,
                       authentication: str | None = None) -> dict[str, Any]:
    """The queue scaled on its backlog: runs in flight (pending plus running) per queue pod against one worker's slots
    (`derive.capacity.backlog_target`, the target ECS tracks too), and on CPU as a second trigger (the HPA KEDA makes
    follows whichever asks for more pods, so CPU-heavy runs still scale out; LangChain's chart adds the same CPU
    trigger).

    Never below one replica and no `idleReplicaCount`: the queue never scales to zero. `cooldownPeriod` is left to
    KEDA, as it only governs scaling to zero. Scale-in is the HPA's `scale_in_behavior`, as with `hpa_spec`; a pod
    that stops gets the server's shutdown grace to finish its runs (pod.py's termination grace period).

    `authentication` names the TriggerAuthentication of a scaler login (`trigger_authentication_spec`); without
    one, KEDA logs in with the queue container's POSTGRES_URI (`backlog_metadata`)."""
    metadata, auth = backlog_metadata(authentication)
    env_source = {} if authentication is not None else {"envSourceContainerName": pod.CONTAINER_NAME}
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment, **env_source},
        "minReplicaCount": max(1, settings.min_replicas),
        "maxReplicaCount": max(1, settings.max_replicas),
        "pollingInterval": POLLING_INTERVAL_SECONDS,
        "advanced": {"horizontalPodAutoscalerConfig": {"name": deployment, "behavior": scale_in_behavior()}},
        "triggers": [
            # AverageValue: the HPA divides the count by the running pods, so the target is per pod.
            {"type": "postgresql", "name": "runs-in-flight", "metricType": "AverageValue", **auth, "metadata": {
                **metadata, "targetQueryValue": str(capacity.backlog_target(n_jobs_per_worker))}},
            {"type": "cpu", "name": "cpu", "metricType": "Utilization",
             "metadata": {"value": str(settings.target_cpu_percent)}},
        ],
    }
