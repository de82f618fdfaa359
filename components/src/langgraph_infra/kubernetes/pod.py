"""The pods of one role, as plain Kubernetes manifests (camelCase, as `kubectl` reads them): labels, the container
(command, environment, probes, resources, securityContext) and the pod template around it. Pure functions, no SDK:
`service.py` registers what they return, the tests and the rules read the same shapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from .. import contract
from ..config import RoleSettings
from ..rules.acceptance import accepted_annotation

CONTAINER_NAME = "agent-server"
PORT_NAME = "http"
APP_NAME = "langgraph-agent-server"
# The image's unprivileged user (the generated Dockerfile's USER): LangChain's Helm chart runs the same image as this
# UID with a read-only root filesystem.
RUN_AS_USER, RUN_AS_GROUP = contract.RUNTIME_UID, contract.RUNTIME_GID


def _volume(path: str) -> str:
    """The emptyDir's name for one of contract.WRITABLE_PATHS (`/tmp` -> `tmp`)."""
    return path.strip("/").replace("/", "-")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# Checkov checks this deployment fails on purpose, each with the reason, as annotations next to the objects
# (checkov reads `checkov.io/skipN: CKV_ID=reason`).
CHECKOV_SKIPS = {
    "CKV_K8S_40": "the pods run as the image's own user, UID 1000 (its USER 1000:1000, the UID LangChain's Helm chart "
                  "runs it as), not an untested one; non-root, unprivileged, nothing to escalate",
    "CKV_K8S_35": "the Agent Server reads POSTGRES_URI, REDIS_URI and its licence from environment variables only; "
                  "they come from Secrets by reference, never as values",
}


# checkov's and the project's digest checks (rules/kubernetes.py), which a sidecar by tag fails.
TAGGED_IMAGE_CHECK, DIGEST_RULE = "CKV_K8S_43", "k8s-image-by-digest"


@dataclass(frozen=True)
class SecretKeyRef:
    """One key of an existing Kubernetes Secret: how a secret variable reaches the pods (by reference; its value
    never passes through this program)."""

    name: str
    """The Secret's name, in the deployment's namespace."""
    key: str
    """The key inside the Secret whose value becomes the variable."""


@dataclass(frozen=True)
class Sidecar:
    """A helper container in every pod of a role, beside the server (e.g. a telemetry collector): a native sidecar
    (an init container with `restartPolicy: Always`, Kubernetes 1.29+), so it starts before the server and stops
    after it, and is restarted on its own if it exits. It shares the pod's network (loopback) and is hardened like
    the server: the same restricted securityContext and read-only root, requests equal to limits, no port."""

    name: str
    """The container's name (a DNS label, unique in the pod)."""
    image: str
    """The image reference. A reference by tag rather than digest is flagged by checkov (CKV_K8S_43): the pod's
    annotations then carry the skip with the image named (`checkov_annotations`)."""
    args: tuple[str, ...] = ()
    """The container's arguments. Default: none (the image's own)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Plain environment variables; a value may reference a `field_environment` variable as `$(NAME)`. Default:
    no plain variable."""
    field_environment: Mapping[str, str] = field(default_factory=dict)
    """Variables set from the pod's own fields (the downward API), name -> `fieldPath` (e.g. `metadata.name`),
    set before `environment`. Default: no field of the pod is passed."""
    cpu: float = 0.25
    """vCPU, as request and limit. Default: a quarter."""
    memory_mib: int = 256
    """Memory in MiB, as request and limit. Default: 256."""


def labels(instance: str, role: contract.Role | None = None) -> dict[str, str]:
    """Kubernetes' recommended labels; with `role`, the selector of that role's pods."""
    found = {"app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/instance": instance}
    if role is not None:
        found["app.kubernetes.io/component"] = role.value
    return found


def object_labels(instance: str, role: contract.Role | None = None,
                  extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Labels of every object: the selector labels plus who manages it."""
    return {**(extra or {}), **labels(instance, role),
            "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "langgraph-infra"}


def tagged_sidecars(sidecars: tuple[Sidecar, ...]) -> str | None:
    """Why a pod may run a sidecar by tag (naming it), or None when every sidecar runs by digest. The server's
    image is checked for its digest by `ServiceArgs` itself, so accepting the finding loosens nothing for it."""
    tagged = sorted(s.image for s in sidecars if not DIGEST.search(s.image))
    if not tagged:
        return None
    return (f"the server runs by digest (refused otherwise); the sidecar {', '.join(tagged)} by the release tag its "
            "publisher documents (Binary Authorization exempts exactly that reference)")


def checkov_annotations(sidecars: tuple[Sidecar, ...] = ()) -> dict[str, str]:
    """The justified skips; with a sidecar pinned by tag, checkov's digest check's too (`tagged_sidecars`)."""
    skips = dict(CHECKOV_SKIPS)
    reason = tagged_sidecars(sidecars)
    if reason:
        skips[TAGGED_IMAGE_CHECK] = reason
    return {f"checkov.io/skip{i}": f"{check}={reason}"
            for i, (check, reason) in enumerate(sorted(skips.items()), start=1)}


def rule_acceptances(sidecars: tuple[Sidecar, ...] = ()) -> dict[str, str]:
    """The project rules' findings accepted on a Deployment, with the reason: the digest rule's, for a sidecar by
    tag (the same reason as checkov's skip)."""
    reason = tagged_sidecars(sidecars)
    return accepted_annotation(DIGEST_RULE, reason) if reason else {}


def cpu(cores: float) -> str:
    return f"{round(cores * 1000)}m"


def resources(settings: RoleSettings) -> dict[str, Any]:
    """Requests equal to limits (the Guaranteed QoS class: a replica is never the first evicted or throttled below
    what the pool arithmetic assumed), from the role's `cpu` and `memory_mib`."""
    sizes = {"cpu": cpu(settings.cpu), "memory": f"{settings.memory_mib}Mi"}
    return {"requests": dict(sizes), "limits": dict(sizes)}


def probes() -> dict[str, Any]:
    """Start-up on `/ok?check_db=1` (up to 5 minutes for migrations), then readiness and liveness on `/ok` only, so
    a database blip neither restarts nor unroutes every healthy replica. The queue's entrypoint answers the same
    paths on the same port."""
    def get(path: str) -> dict[str, Any]:
        return {"path": path, "port": PORT_NAME}

    return {
        "startupProbe": {"httpGet": get(contract.STARTUP_HEALTH_PATH), "periodSeconds": 10, "timeoutSeconds": 5,
                         "failureThreshold": 30},
        "readinessProbe": {"httpGet": get(contract.HEALTH_PATH), "periodSeconds": 10, "timeoutSeconds": 5,
                           "failureThreshold": 3},
        "livenessProbe": {"httpGet": get(contract.HEALTH_PATH), "periodSeconds": 30, "timeoutSeconds": 5,
                          "failureThreshold": 3},
    }


def container_security_context() -> dict[str, Any]:
    """What the Pod Security `restricted` level asks, plus a read-only root filesystem."""
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_GROUP,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context() -> dict[str, Any]:
    return {"runAsNonRoot": True, "runAsUser": RUN_AS_USER, "runAsGroup": RUN_AS_GROUP, "fsGroup": RUN_AS_GROUP,
            "seccompProfile": {"type": "RuntimeDefault"}}


def env(environment: Mapping[str, pulumi.Input[str]], secrets: Mapping[str, SecretKeyRef]) -> list[dict[str, Any]]:
    """The plain environment as values, then each secret as a `secretKeyRef`: a secret's value never appears."""
    entries: list[dict[str, Any]] = [{"name": n, "value": v} for n, v in sorted(environment.items())]
    entries += [{"name": n, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}}
                for n, ref in sorted(secrets.items())]
    return entries


def shutdown_grace_seconds(environment: Mapping[str, pulumi.Input[str]]) -> int:
    """The server's own grace period, as its environment tells it (`BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS`), else the
    server's default."""
    value = environment.get("BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS")
    return int(value) if isinstance(value, str) and value.isdigit() else contract.DEFAULT_SHUTDOWN_GRACE_SECONDS


def topology_spread(selector: Mapping[str, str], zone_spread: str) -> list[dict[str, Any]]:
    """Replicas spread across zones (`required`: never crowd one zone; `preferred`: try) and across nodes (try)."""
    return [
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
         "whenUnsatisfiable": "DoNotSchedule" if zone_spread == "required" else "ScheduleAnyway",
         "labelSelector": {"matchLabels": dict(selector)}},
        {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
         "labelSelector": {"matchLabels": dict(selector)}},
    ]


@dataclass(frozen=True)
class PodInputs:
    """Everything one role's pod template depends on."""

    instance: str
    role: contract.Role
    image: pulumi.Input[str]
    settings: RoleSettings
    environment: Mapping[str, pulumi.Input[str]]
    secrets: Mapping[str, SecretKeyRef]
    service_account: str
    runtime: contract.Runtime = contract.Runtime.PYTHON
    zone_spread: str = "preferred"
    tmp_size_limit_mib: int = 1024
    image_pull_secrets: tuple[str, ...] = ()
    extra_labels: Mapping[str, str] | None = None
    sidecars: tuple[Sidecar, ...] = ()


def container(p: PodInputs) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": p.image,
        # Pinned by digest, so `Always` costs a manifest check, and makes the kubelet check this pod's pull rights
        # every time (another namespace's pull of the same digest does not lend its credentials).
        "imagePullPolicy": "Always",
        "ports": [{"name": PORT_NAME, "containerPort": contract.PORT, "protocol": "TCP"}],
        "env": env(p.environment, p.secrets),
        "resources": resources(p.settings),
        "securityContext": container_security_context(),
        # The only paths the server writes under a read-only root, as on every runtime (contract.WRITABLE_PATHS).
        "volumeMounts": [{"name": _volume(path), "mountPath": path} for path in contract.WRITABLE_PATHS],
        **probes(),
    }
    command = contract.command(p.role, p.runtime)
    if command is not None:
        found["command"] = command
    return found


def sidecar_container(sidecar: Sidecar) -> dict[str, Any]:
    """A native sidecar: an init container that keeps running (`restartPolicy: Always`) beside the server."""
    sizes = {"cpu": cpu(sidecar.cpu), "memory": f"{sidecar.memory_mib}Mi"}
    found: dict[str, Any] = {
        "name": sidecar.name,
        "image": sidecar.image,
        "imagePullPolicy": "Always",
        "restartPolicy": "Always",
        "resources": {"requests": dict(sizes), "limits": dict(sizes)},
        "securityContext": container_security_context(),
    }
    if sidecar.args:
        found["args"] = list(sidecar.args)
    entries = [{"name": n, "valueFrom": {"fieldRef": {"fieldPath": path}}}
               for n, path in sorted(sidecar.field_environment.items())]
    entries += [{"name": n, "value": v} for n, v in sorted(sidecar.environment.items())]
    if entries:
        found["env"] = entries
    return found


def pod_template(p: PodInputs) -> dict[str, Any]:
    """The pod of one role: its container, identity, security, spread, and a grace period longer than the server's
    own (`contract.kill_timeout_seconds`), so a stopping replica finishes or hands back its runs before the kill."""
    selector = labels(p.instance, p.role)
    spec: dict[str, Any] = {
        "serviceAccountName": p.service_account,
        # The server never calls the Kubernetes API; a cloud identity (Workload Identity, IRSA) needs no token here.
        "automountServiceAccountToken": False,
        # No `<SERVICE>_PORT`-style variables injected from the namespace's Services into the server's environment.
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": contract.kill_timeout_seconds(shutdown_grace_seconds(p.environment)),
        "securityContext": pod_security_context(),
        "topologySpreadConstraints": topology_spread(selector, p.zone_spread),
        "containers": [container(p)],
        "volumes": [{"name": _volume(path), "emptyDir": {"sizeLimit": f"{p.tmp_size_limit_mib}Mi"}}
                    for path in contract.WRITABLE_PATHS],
    }
    if p.sidecars:
        spec["initContainers"] = [sidecar_container(s) for s in p.sidecars]
    if p.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": n} for n in p.image_pull_secrets]
    return {"metadata": {"labels": object_labels(p.instance, p.role, p.extra_labels)}, "spec": spec}
