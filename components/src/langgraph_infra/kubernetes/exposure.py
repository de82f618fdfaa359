"""How callers reach the API from outside the cluster, as manifests (pure functions): an HTTPRoute on an existing
Gateway (Gateway API, preferred), or an Ingress; with a request timeout that a run's SSE stream survives.

Where that timeout is set depends on who reads it: the HTTPRoute's `timeouts` (Gateway API implementations that
support them), nginx's proxy timeouts (its annotations), or, on GKE, the load balancer's backend service (a
GCPBackendPolicy for a Gateway, a BackendConfig for an Ingress: `kubernetes.gke_backend_timeout`).
"""

from __future__ import annotations

import json
from typing import Any

from .. import contract
from ..config import KubernetesSettings

GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
GKE_BACKEND_POLICY_API_VERSION = "networking.gke.io/v1"
GKE_BACKEND_CONFIG_API_VERSION = "cloud.google.com/v1"
BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config"
NGINX_TIMEOUTS = ("nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout")


def http_route_spec(service: str, settings: KubernetesSettings, hostname: str | None) -> dict[str, Any]:
    parent: dict[str, Any] = {"name": settings.gateway_name}
    if settings.gateway_namespace:
        parent["namespace"] = settings.gateway_namespace
    if settings.gateway_section_name:
        parent["sectionName"] = settings.gateway_section_name
    rule: dict[str, Any] = {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                            "backendRefs": [{"name": service, "port": contract.PORT}]}
    if not settings.gke_backend_timeout:
        timeout = f"{settings.request_timeout_seconds}s"
        rule["timeouts"] = {"request": timeout, "backendRequest": timeout}
    found: dict[str, Any] = {"parentRefs": [parent], "rules": [rule]}
    if hostname:
        found["hostnames"] = [hostname]
    return found


def ingress_annotations(settings: KubernetesSettings) -> dict[str, str]:
    if settings.ingress_class == "nginx":
        return {key: str(settings.request_timeout_seconds) for key in NGINX_TIMEOUTS}
    return {}


def ingress_spec(service: str, settings: KubernetesSettings, hostname: str | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
        "service": {"name": service, "port": {"number": contract.PORT}}}}]}}
    found: dict[str, Any] = {"ingressClassName": settings.ingress_class, "rules": [rule]}
    if hostname:
        rule["host"] = hostname
        if settings.ingress_tls_secret:
            found["tls"] = [{"hosts": [hostname], "secretName": settings.ingress_tls_secret}]
    return found


def gke_backend_policy_spec(service: str, settings: KubernetesSettings) -> dict[str, Any]:
    return {"default": {"timeoutSec": settings.request_timeout_seconds},
            "targetRef": {"group": "", "kind": "Service", "name": service}}


def gke_backend_config_spec(settings: KubernetesSettings) -> dict[str, Any]:
    return {"timeoutSec": settings.request_timeout_seconds,
            "healthCheck": {"type": "HTTP", "requestPath": contract.HEALTH_PATH, "port": contract.PORT}}


def backend_config_annotation(name: str) -> dict[str, str]:
    return {BACKEND_CONFIG_ANNOTATION: json.dumps({"default": name})}
