"""Kubernetes rules, on any cluster: non-root unprivileged containers with limits, images pinned by digest, a server
that never scales to zero, and a queue scaled on its backlog."""

from __future__ import annotations

import re
from typing import Any

from ..wire import PlannedResource
from .rule import COMPLIANT, Outcome, Rule, StackRule, outcome, violation

_K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
_K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
_K8S_SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
# Who marks a queue Deployment (kubernetes/pod.py labels) and where a queue on CPU records that it is a choice
# (kubernetes/autoscaling.py QUEUE_SCALING_ANNOTATION).
_K8S_COMPONENT_LABEL = "app.kubernetes.io/component"
_K8S_QUEUE_SCALING = "langgraph-infra/queue-scaling"
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _pod(i: dict[str, Any]) -> dict[str, Any]:
    return ((i.get("spec") or {}).get("template") or {}).get("spec") or {}


def _containers(i: dict[str, Any]) -> list[dict[str, Any]]:
    pod = _pod(i)
    return [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]


def _non_root(i: dict[str, Any]) -> Outcome:
    pod_non_root = (_pod(i).get("securityContext") or {}).get("runAsNonRoot") is True
    found = []
    for c in _containers(i):
        sc = c.get("securityContext") or {}
        if not (sc.get("runAsNonRoot") is True or (pod_non_root and sc.get("runAsNonRoot") is not False)):
            found.append(f"{c.get('name')} may run as root: set runAsNonRoot: true")
        if sc.get("allowPrivilegeEscalation") is not False:
            found.append(f"{c.get('name')} may escalate privileges: set allowPrivilegeEscalation: false")
        if sc.get("privileged") is True:
            found.append(f"{c.get('name')} is privileged")
    return outcome(*found)


def _limits(i: dict[str, Any]) -> Outcome:
    found = []
    for c in _containers(i):
        limits = (c.get("resources") or {}).get("limits") or {}
        missing = [k for k in ("cpu", "memory") if not limits.get(k)]
        if missing:
            found.append(f"{c.get('name')} has no {' or '.join(missing)} limit")
    return outcome(*found)


def _image_pinned(i: dict[str, Any]) -> Outcome:
    found = []
    for c in _containers(i):
        image = c.get("image")
        # An image the plan cannot know yet (built in this update) is checked by the policy pack at preview.
        if not isinstance(image, str) or image == "[unknown]":
            continue
        if not _DIGEST.search(image):
            found.append(f"{c.get('name')} runs {image}: deploy by digest (`repo@sha256:...`), never a tag "
                         "(`latest` least of all) a push can move")
    return outcome(*found)


def _never_zero(i: dict[str, Any]) -> Outcome:
    spec = i.get("spec") or {}
    if i.get("kind") == "HorizontalPodAutoscaler":
        low = spec.get("minReplicas", 1)
        return violation(f"minReplicas={low}: the queue (and the API) never scales to zero") if low < 1 else COMPLIANT
    if i.get("kind") == "ScaledObject":
        # KEDA's own default minimum is 0, and `idleReplicaCount` scales to that count when there is no backlog.
        low = spec.get("minReplicaCount", 0)
        if low < 1 or "idleReplicaCount" in spec:
            return violation(f"minReplicaCount={low}, idleReplicaCount={spec.get('idleReplicaCount')}: KEDA would "
                             "scale the queue to zero; set minReplicaCount >= 1 and no idleReplicaCount")
        return COMPLIANT
    if spec.get("replicas") == 0:
        return violation("replicas=0: queued runs would wait forever; keep at least one replica")
    return COMPLIANT


def _queue_on_backlog(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    """Each queue Deployment is scaled by a ScaledObject with a postgresql trigger, or by an HPA that records the
    choice of CPU (`kubernetes.queue_scaling=cpu`): runs waiting on model calls leave CPUs idle, so CPU alone never
    scales the queue out for a backlog."""
    def target(r: PlannedResource) -> tuple[str, str]:
        meta, ref = r.inputs.get("metadata") or {}, (r.inputs.get("spec") or {}).get("scaleTargetRef") or {}
        return str(meta.get("namespace")), str(ref.get("name"))

    on_backlog = {target(r) for r in resources if r.type == _K8S_SCALED_OBJECT
                  and any(t.get("type") == "postgresql" for t in (r.inputs.get("spec") or {}).get("triggers") or [])}
    on_cpu = {target(r) for r in resources if r.type == _K8S_HPA
              and ((r.inputs.get("metadata") or {}).get("annotations") or {}).get(_K8S_QUEUE_SCALING) == "cpu"}
    found = []
    for r in resources:
        meta = r.inputs.get("metadata") or {}
        if r.type != _K8S_DEPLOYMENT or (meta.get("labels") or {}).get(_K8S_COMPONENT_LABEL) != "queue":
            continue
        if (str(meta.get("namespace")), str(meta.get("name"))) not in on_backlog | on_cpu:
            found.append((r, "the queue Deployment is not scaled on its backlog: add a KEDA ScaledObject with a "
                             "postgresql trigger (kubernetes.queue_scaling=backlog), or choose CPU on purpose "
                             "(kubernetes.queue_scaling=cpu)"))
    return found


RULES: tuple[Rule, ...] = (
    Rule("k8s-non-root", "Kubernetes containers run as non-root, unprivileged, without privilege escalation",
         (_K8S_DEPLOYMENT,), _non_root),
    Rule("k8s-limits-set", "Kubernetes containers have CPU and memory limits", (_K8S_DEPLOYMENT,), _limits),
    Rule("k8s-image-by-digest", "Kubernetes containers run an image pinned by digest (no `latest`, no tag)",
         (_K8S_DEPLOYMENT,), _image_pinned),
    Rule("k8s-never-zero", "No Kubernetes Deployment or autoscaler scales the server to zero",
         (_K8S_HPA, _K8S_DEPLOYMENT, _K8S_SCALED_OBJECT), _never_zero),
)
"""The Kubernetes rules, in the order the pack reports them."""

QUEUE_ON_BACKLOG = StackRule("k8s-queue-on-backlog", "A Kubernetes queue scales on its backlog of pending runs "
                             "(KEDA's PostgreSQL scaler), or on CPU by an explicit choice", _queue_on_backlog)
