"""SecretSync: the stack's Secret Manager secrets copied into one Kubernetes Secret by GKE's secret sync (a
`SecretProviderClass` of provider `gke` naming each secret version, and a `SecretSync` that writes them, as keys
named after their variables, into the Secret of its own name). The controller reads them as the pods' Kubernetes
ServiceAccount, through Workload Identity: this program never holds a value, and no manifest contains one.

Why GKE's managed sync rather than External Secrets Operator: it is part of the cluster (enabled with one setting,
upgraded by Google), so the stack installs and runs no controller of its own, and it authenticates with the same
Workload Identity as the pods. The pods read the synced Secret by reference (`SecretKeyRef`), as on any cluster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..kubernetes import SecretKeyRef
from ..naming import bounded, child
from .secrets import Secrets

TYPE = "langgraph-infra:gcp:SecretSync"
PROVIDER_CLASS_API_VERSION = "secrets-store.csi.x-k8s.io/v1"
SECRET_SYNC_API_VERSION = "secret-sync.gke.io/v1"
NAME_LIMIT = 63


@dataclass
class SecretSyncArgs:
    """Which secrets to sync, into which namespace, read as which Kubernetes ServiceAccount."""

    prefix: str
    """Name of the Kubernetes Secret, the SecretSync and the SecretProviderClass (`<prefix>-secrets`)."""
    project: str
    """Project of secrets given by id only (adopted secrets may name another project in full)."""
    namespace: str
    """Namespace of the Secret (the pods' own)."""
    service_account: str
    """The Kubernetes ServiceAccount the controller reads Secret Manager as (the pods' own, under Workload
    Identity)."""
    secrets: Secrets
    """The stack's Secret Manager secrets."""
    secret_names: list[str]
    """The variables to sync (each becomes a key of the Secret)."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """What must exist first: the namespace, the IAM bindings that let the ServiceAccount read the secrets.
    Default: nothing (the namespace and the bindings already exist)."""


def resource_name(secret: str, version: str, project: str) -> str:
    """The full name of one secret version (a bare id is in `project`)."""
    base = secret if secret.startswith("projects/") else f"projects/{project}/secrets/{secret}"
    return f"{base}/versions/{version}"


def provider_parameters(entries: Sequence[tuple[str, str]]) -> str:
    """The SecretProviderClass's `secrets` parameter (a YAML document as text; JSON is YAML): each secret version
    with the path it is exposed under, the variable's name."""
    return json.dumps([{"resourceName": name, "path": path} for path, name in entries])


def sync_spec(provider_class: str, service_account: str, names: Sequence[str]) -> dict[str, Any]:
    return {"serviceAccountName": service_account, "secretProviderClassName": provider_class,
            "secretObject": {"type": "Opaque", "data": [{"sourcePath": n, "targetKey": n} for n in names]}}


class SecretSync(pulumi.ComponentResource):
    """Outputs: `secret_name` (the synced Kubernetes Secret). `refs` holds what the pods reference, by variable."""

    secret_name: str
    refs: dict[str, SecretKeyRef]

    def __init__(self, name: str, args: SecretSyncArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self.secret_name = bounded(f"{args.prefix}-secrets", NAME_LIMIT)
        names = sorted(args.secret_names)
        # A created secret is pinned to the version this deployment wrote (a new value syncs a new Secret), an
        # adopted one read at `latest` (re-read every `gke.secret_rotation_seconds`).
        versions = [pulumi.Output.all(args.secrets.refs[n].secret, args.secrets.refs[n].version).apply(
            lambda pair: resource_name(pair[0], pair[1], args.project)) for n in names]
        parameters = pulumi.Output.all(*versions).apply(lambda full: provider_parameters(list(zip(names, full, strict=True))))
        opts_child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        metadata = {"name": self.secret_name, "namespace": args.namespace}
        provider_class = k8s.apiextensions.CustomResource(
            child(name, "provider-class"), api_version=PROVIDER_CLASS_API_VERSION, kind="SecretProviderClass",
            metadata=metadata, spec={"provider": "gke", "parameters": {"secrets": parameters}}, opts=opts_child)
        k8s.apiextensions.CustomResource(
            child(name, "sync"), api_version=SECRET_SYNC_API_VERSION, kind="SecretSync", metadata=metadata,
            spec=sync_spec(self.secret_name, args.service_account, names),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[provider_class, *args.depends_on]))
        self.refs = {n: SecretKeyRef(self.secret_name, n) for n in names}
        self.register_outputs({"secret_name": self.secret_name})
