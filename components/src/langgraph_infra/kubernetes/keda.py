"""KEDA in the cluster: the operator that reads the queue's ScaledObject, polls the backlog with its PostgreSQL scaler
and feeds the HorizontalPodAutoscaler it makes. Installed from KEDA's own Helm chart, at a pinned version, into its
own namespace; on any cluster (nothing here is a cloud's), for a stack that creates its cluster (`gke.install_keda`).

KEDA is made to watch the Agent Server's namespace only: its operator's permissions (reading the Secret its trigger
names among them: the scaler login's URI, or POSTGRES_URI without one) are then RoleBindings there and in `keda`,
not cluster-wide (the chart's `watchNamespace`).
Its operator opens its own connections to Postgres from the `keda` namespace, one query per polling interval.
"""

from __future__ import annotations

import pulumi

CHART_REPOSITORY = "https://kedacore.github.io/charts"
CHART = "keda"
# KEDA 2.20.2, the chart's version and its app version (kedacore/charts tag v2.20.2, keda/Chart.yaml). Built against
# Kubernetes 1.35's API (k8s.io/api v0.35.5 in kedacore/keda v2.20.2's go.mod); KEDA supports the newest Kubernetes
# and the two before it ("N-2", keda.sh/docs/latest/operate/cluster), so 1.33 to 1.35 (GKE's channels in 2026).
VERSION = "2.20.2"
NAMESPACE = "keda"
# The chart's three images, `ghcr.io/<repository>:<appVersion>` (keda/values.yaml `image.*`, the deployments'
# templates): what an admission policy must let in.
IMAGES = tuple(f"ghcr.io/kedacore/{name}:{VERSION}"
               for name in ("keda", "keda-metrics-apiserver", "keda-admission-webhooks"))


def values(watch_namespace: str) -> dict[str, object]:
    """The chart's values: only `watchNamespace` differs from KEDA's defaults."""
    return {"watchNamespace": watch_namespace}


def install(name: str, watch_namespace: str, opts: pulumi.ResourceOptions) -> pulumi.Resource:
    """KEDA's chart as a Helm release in the `keda` namespace (created with it); pass `opts` with the cluster's
    provider. ScaledObjects must wait for it (their kind is its CRD)."""
    from pulumi_kubernetes.helm.v3 import Release, RepositoryOptsArgs

    # Named `keda` in Helm (not a generated name): one KEDA per cluster, found where `helm list -n keda` looks.
    return Release(name, name=CHART, chart=CHART, version=VERSION,
                   repository_opts=RepositoryOptsArgs(repo=CHART_REPOSITORY), namespace=NAMESPACE,
                   create_namespace=True, values=values(watch_namespace), opts=opts)
