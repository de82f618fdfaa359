"""The `kubernetes` section: what contradicts itself inside it (also run by `kubernetes.Service` on its own
arguments), what it asks of the rest of the stack, and the section refused on a runtime that does not read it."""

from __future__ import annotations

from .. import targets
from ..config import KubernetesSettings, StackConfig
from ..errors import Problem
from .unread import set_beyond_profile


def block_problems(settings: KubernetesSettings, domain: str | None = None) -> list[Problem]:
    """What contradicts itself inside the block (and with `ingress.domain`), one problem each naming the keys and
    the fix."""
    found = []
    if settings.exposure == "gateway" and not settings.gateway_name:
        found.append(Problem("kubernetes.exposure=gateway needs kubernetes.gateway_name (the Gateway the HTTPRoute "
                             "attaches to), or use exposure=ingress with kubernetes.ingress_class",
                             ("kubernetes.exposure", "kubernetes.gateway_name")))
    if settings.exposure != "gateway" and (settings.gateway_name or settings.gateway_namespace
                                           or settings.gateway_section_name):
        found.append(Problem(f"kubernetes.gateway_* are for exposure=gateway, not {settings.exposure}: remove them",
                             ("kubernetes.gateway_name", "kubernetes.gateway_namespace",
                              "kubernetes.gateway_section_name", "kubernetes.exposure")))
    if settings.exposure == "ingress" and not settings.ingress_class:
        found.append(Problem("kubernetes.exposure=ingress needs kubernetes.ingress_class (e.g. nginx, gce)",
                             ("kubernetes.exposure", "kubernetes.ingress_class")))
    if settings.exposure != "ingress" and settings.ingress_class:
        found.append(Problem(f"kubernetes.ingress_class is for exposure=ingress, not {settings.exposure}: remove it",
                             ("kubernetes.ingress_class", "kubernetes.exposure")))
    if settings.exposure != "none" and not (settings.ingress_from_namespace or settings.ingress_from_cidrs):
        found.append(Problem(
            f"kubernetes.exposure={settings.exposure}: the API's NetworkPolicy admits only the ingress path, "
            "and none is named: set kubernetes.ingress_from_namespace (the controller's namespace) or "
            "kubernetes.ingress_from_cidrs (the load balancer's source ranges)",
            ("kubernetes.exposure", "kubernetes.ingress_from_namespace", "kubernetes.ingress_from_cidrs")))
    if settings.ingress_from_pod_labels and not settings.ingress_from_namespace:
        found.append(Problem("kubernetes.ingress_from_pod_labels needs kubernetes.ingress_from_namespace (where those "
                             "pods run)", ("kubernetes.ingress_from_pod_labels", "kubernetes.ingress_from_namespace")))
    if settings.ingress_tls_secret and not (settings.exposure == "ingress" and domain):
        found.append(Problem("kubernetes.ingress_tls_secret is the certificate of ingress.domain on an Ingress: set "
                             "kubernetes.exposure=ingress and ingress.domain, or remove it",
                             ("kubernetes.ingress_tls_secret", "kubernetes.exposure", "ingress.domain")))
    if settings.gke_backend_timeout and settings.exposure == "none":
        found.append(Problem("kubernetes.gke_backend_timeout applies to exposure=gateway or ingress: remove it",
                             ("kubernetes.gke_backend_timeout", "kubernetes.exposure")))
    return found


def backlog_problems(cfg: StackConfig) -> list[Problem]:
    """`queue_scaling=backlog` on a stack counts the runs in flight as a scaler login through a function owned by
    the server's role (`db_bootstrap.scaler_statements`). Under Cloud SQL IAM authentication the runtime's tables
    belong to the IAM login the server signs in as, which that role cannot read (nor can the master, which
    administers neither the login nor its tables), so the count is refused there."""
    if cfg.kubernetes.queue_scaling == "backlog" and cfg.postgres.auth == "iam":
        return [Problem(
            "kubernetes.queue_scaling=backlog with postgres.auth=iam: KEDA counts the runs in flight through a "
            "function owned by the server's role, and under IAM authentication the runtime's tables belong to "
            "the IAM login, which that role cannot read; set kubernetes.queue_scaling=cpu (the queue then "
            "scales on CPU), or postgres.auth=password", ("kubernetes.queue_scaling", "postgres.auth"))]
    return []


def problems(cfg: StackConfig) -> list[Problem]:
    """The block's own problems on a Kubernetes runtime; on any other runtime, a block that differs from the
    profile's is refused by name."""
    settings = cfg.kubernetes
    target = targets.for_cloud(cfg.target.cloud.value)
    if target is not None and cfg.target.runtime.value in target.kubernetes_runtimes:
        return block_problems(settings, cfg.ingress.domain) + backlog_problems(cfg)
    keys = set_beyond_profile(cfg, "kubernetes", settings)
    if keys:
        return [Problem(f"{', '.join(keys)}: Kubernetes settings, not read by "
                        f"target.runtime={cfg.target.runtime.value}: remove them", keys)]
    return []
