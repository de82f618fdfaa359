"""The `kubernetes` section: where the Agent Server lives in a cluster and how traffic reaches it. Read by every
Kubernetes runtime (GKE here, any cluster through `langgraph_infra.kubernetes`); its checks are
`langgraph_infra.checks.kubernetes`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..validators import cidr_blocks
from .base import _Model

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
# Cloud Run's own longest request: the same default bound for a stream through a gateway.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 3600


class KubernetesSettings(_Model):
    """Namespace, identity, exposure and network policy of the Agent Server on a Kubernetes cluster."""

    namespace: str = Field(default="langgraph", pattern=DNS_LABEL)
    """Namespace of every object. Default: `langgraph`."""
    create_namespace: bool = True
    """Create the namespace (with the Pod Security `restricted` level enforced). `false` adopts an existing one,
    which then keeps its owner's labels. Default: created."""
    service_account_annotations: dict[str, str] = {}
    """Annotations of the pods' ServiceAccount, e.g. `iam.gke.io/gcp-service-account` (GKE Workload Identity) or
    `eks.amazonaws.com/role-arn` (IRSA). Default: none."""
    exposure: Literal["gateway", "ingress", "none"] = "gateway"
    """How callers reach the API: an HTTPRoute on an existing Gateway (`gateway`, Gateway API, preferred), an
    Ingress (`ingress`), or nothing outside the cluster (`none`, a ClusterIP Service only). Default: `gateway`."""
    gateway_name: str | None = Field(default=None, pattern=DNS_LABEL)
    """exposure=gateway: the Gateway the HTTPRoute attaches to (required then)."""
    gateway_namespace: str | None = Field(default=None, pattern=DNS_LABEL)
    """exposure=gateway: the Gateway's namespace. Default: the route's own namespace."""
    gateway_section_name: str | None = Field(default=None, pattern=DNS_LABEL)
    """exposure=gateway: the Gateway listener to attach to (e.g. `https`). Default: every listener that admits the
    route."""
    ingress_class: str | None = Field(default=None, pattern=DNS_LABEL)
    """exposure=ingress: the IngressClass (`nginx`, `gce`, `alb`, ...), required then. With `nginx`, its proxy
    timeouts are set to `request_timeout_seconds`."""
    ingress_from_namespace: str | None = Field(default=None, pattern=DNS_LABEL)
    """The namespace of the gateway or ingress controller's proxies: the NetworkPolicy admits the API's port from
    pods there (narrowed by `ingress_from_pod_labels`). Default: no namespace is admitted."""
    ingress_from_pod_labels: dict[str, str] = {}
    """Labels of the proxy pods in `ingress_from_namespace` (e.g. `{app.kubernetes.io/name: ingress-nginx}`).
    Default: every pod of that namespace."""
    ingress_from_cidrs: list[str] = []
    """Source ranges of a cloud load balancer that sends straight to the pods (container-native load balancing),
    e.g. Google's `35.191.0.0/16` and `130.211.0.0/22`. Default: none."""
    ingress_tls_secret: str | None = Field(default=None, pattern=DNS_LABEL)
    """exposure=ingress: the Secret (type `kubernetes.io/tls`, e.g. issued by cert-manager) holding the certificate of
    `ingress.domain`; the Ingress then serves HTTPS for that host. Default: none (TLS ends wherever the ingress
    controller or a load balancer in front of it says; a Gateway's listeners hold their own certificates)."""
    data_tier_cidrs: list[str] = []
    """Where Postgres and Redis live (e.g. the VPC's private services range): the NetworkPolicy then lets the pods
    reach ports 5432 and 6379 only there. Default: those ports at any address (the data tier's addresses are the
    platform's and may move on failover)."""
    request_timeout_seconds: int = Field(default=DEFAULT_REQUEST_TIMEOUT_SECONDS, ge=60, le=86400)
    """The longest a request may last at the gateway or ingress: a run's SSE stream stays open as long as the run,
    so this is long. Default: 3600 (Cloud Run's maximum)."""
    gke_backend_timeout: bool = False
    """GKE: set `request_timeout_seconds` on the load balancer's backend service (a GCPBackendPolicy with
    `gateway`, a BackendConfig with `ingress`) instead of in the HTTPRoute, which GKE's Gateway controller does
    not read. Default: off (any cluster)."""
    zone_spread: Literal["preferred", "required"] = "preferred"
    """Spread each role's pods across zones: `required` refuses to schedule a pod that would unbalance them (a
    zone outage then leaves the others serving); `preferred` tries. Default: `preferred` in dev, `required` in
    prod."""
    tmp_size_limit_mib: int = Field(default=1024, ge=64, le=65536)
    """Size of the writable `/tmp` (an emptyDir) under the read-only root filesystem. Default: 1024."""
    queue_scaling: Literal["backlog", "cpu"] = "backlog"
    """What the queue's replica count follows. `backlog`: a KEDA ScaledObject with KEDA's PostgreSQL scaler on the
    runs in flight (pending plus running) per queue pod (the target is one worker's `N_JOBS_PER_WORKER`,
    `capacity.backlog_target`, as on ECS), plus CPU as a second trigger; the cluster must run KEDA (GKE installs it,
    `gke.install_keda`), which counts as a scaler login of its own that may call one counting function and read
    nothing else (not with `postgres.auth=iam`). `cpu`: a HorizontalPodAutoscaler on CPU, for a
    cluster without KEDA (runs waiting on model calls then do not scale the queue out). The API scales on CPU
    either way. Default: `backlog`."""

    @field_validator("ingress_from_cidrs", "data_tier_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str]) -> list[str]:
        return cidr_blocks(values, "35.191.0.0/16")
