"""The Kubernetes objects a plan registers, rendered as YAML manifests (as `helm template` would): what a reviewer
reads and what outside tools check (`kubectl apply --dry-run`, kubernetes-validate, checkov).

`python -m infra.plan --stack S --manifests DIR` writes one file per object; `manifests(plan)` returns them. Each
object is its resource's inputs as registered (pulumi_kubernetes registers `apiVersion`, `kind`, `metadata` and
`spec` as the API server takes them); a secret-marked value prints as `[secret]` and a value only the cluster
knows as `[unknown]`. Neutral core: it reads the plan's resources (`langgraph_infra.wire`), not the SDK, and
imports nothing of the plan package (whose command line joins the two).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import yaml

from .wire import SECRET, PlannedResource, is_secret

_MIN_SECRET_LENGTH = 8
# The order `kubectl apply` of a whole folder needs: what others live in or refer to comes first.
_ORDER = ("Namespace", "ServiceAccount", "Secret", "ConfigMap", "NetworkPolicy", "Service", "Deployment",
          "HorizontalPodAutoscaler", "TriggerAuthentication", "ScaledObject", "PodDisruptionBudget")


class PlannedObjects(Protocol):
    """What the manifests read of a plan (a `langgraph_infra.plan.Plan`): its resources and its secret values."""

    @property
    def resources(self) -> Sequence[PlannedResource]: ...

    @property
    def secret_values(self) -> tuple[str, ...]: ...


def is_kubernetes_object(resource_type: str) -> bool:
    """A Kubernetes object (not the provider, not a component): `kubernetes:<group>/<version>:<Kind>`. A Helm
    release (`kubernetes:helm.sh/v3:Release`) is not one: it is a chart the provider installs, whose objects the
    chart defines."""
    return resource_type.startswith("kubernetes:") and not resource_type.startswith("kubernetes:helm.sh/")


def _clean(value: Any, secrets: tuple[str, ...]) -> Any:
    if is_secret(value):
        inner = value.get("value")
        # A Secret's `data` keeps its keys (what a reviewer checks against the secretKeyRefs), never its values.
        return {k: SECRET for k in inner} if isinstance(inner, dict) else SECRET
    if isinstance(value, dict):
        # Sorted: the engine's maps have no order, and two renders of one plan must diff clean.
        return {k: _clean(v, secrets) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_clean(v, secrets) for v in value]
    if isinstance(value, str) and any(s and s in value for s in secrets):
        return SECRET
    return value


def _rank(manifest: dict[str, Any]) -> tuple[int, str, str]:
    kind = str(manifest.get("kind", ""))
    meta = manifest.get("metadata") or {}
    return (_ORDER.index(kind) if kind in _ORDER else len(_ORDER), kind, str(meta.get("name", "")))


def manifests(plan: PlannedObjects) -> list[dict[str, Any]]:
    """Every Kubernetes object of `plan`, in apply order, secrets hidden."""
    found = []
    for r in plan.resources:
        if not (r.custom and is_kubernetes_object(r.type)):
            continue
        # A known secret value inside a plain string is hidden too (defence in depth: a secret-marked value already
        # is); values too short to be credentials would hide every string they happen to be part of.
        body = _clean(r.inputs, tuple(s for s in plan.secret_values if len(s) >= _MIN_SECRET_LENGTH))
        ordered = {k: body[k] for k in ("apiVersion", "kind", "metadata") if k in body}
        ordered.update({k: v for k, v in sorted(body.items()) if k not in ordered})
        found.append(ordered)
    return sorted(found, key=_rank)


def file_name(index: int, manifest: dict[str, Any]) -> str:
    meta = manifest.get("metadata") or {}
    name = re.sub(r"[^a-z0-9.-]", "-", str(meta.get("name", "unnamed")).lower())
    return f"{index:02d}-{str(manifest.get('kind', 'object')).lower()}-{name}.yaml"


def to_yaml(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False, width=120)


def write(objects: Iterable[dict[str, Any]], folder: Path) -> list[Path]:
    """One file per object in `folder` (created; earlier `*.yaml` there removed, so the folder is the plan)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    written = []
    for index, manifest in enumerate(objects, start=1):
        path = folder / file_name(index, manifest)
        path.write_text(to_yaml(manifest))
        written.append(path)
    return written
