"""Gateway: how callers reach the Agent Server on GKE. A Gateway of class `gke-l7-global-external-managed` (a
global external Application Load Balancer) on a reserved global address; with `ingress.domain`, HTTPS only, with a
Google-managed certificate from Certificate Manager (DNS-authorised, so it is issued before the name points at the
load balancer) attached through a certificate map; without a domain, plain HTTP on the address (dev). The load
balancer checks the API's pods on the server's health path (a HealthCheckPolicy), and reaches them directly
(container-native), from Google's front-end ranges the API's NetworkPolicy admits.

The HTTPRoute that attaches the API to this Gateway, and the backend timeout that long SSE streams survive, are the
Kubernetes component's (`kubernetes.gateway_name`, `kubernetes.gke_backend_timeout`). In prod a Cloud Armor policy
rate-limits each client IP (`gke.cloud_armor`); `with_security_policy` names it in that component's backend policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from .. import contract
from ..config import KubernetesSettings
from ..naming import child

TYPE = "langgraph-infra:gcp:Gateway"
GATEWAY_CLASS = "gke-l7-global-external-managed"
GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
HEALTH_CHECK_POLICY_API_VERSION = GKE_BACKEND_POLICY_API_VERSION = "networking.gke.io/v1"
CERTMAP_ANNOTATION = "networking.gke.io/certmap"


@dataclass
class GatewayArgs:
    """The Gateway in the Agent Server's namespace, and its address and certificate."""

    prefix: str
    """Prefix of the address, the certificate and its map (e.g. `langgraph-gke-prod`)."""
    kubernetes: KubernetesSettings
    """`gateway_name` names the Gateway; it is created in `namespace`."""
    api_service: str
    """The API's Kubernetes Service (port 8000): the HealthCheckPolicy's target."""
    domain: str | None = None
    """`ingress.domain`: HTTPS on this name with a managed certificate. Default: none, plain HTTP on the address."""
    rate_limit_per_ip: int | None = None
    """Create a Cloud Armor security policy, `security_policy_name(prefix)`, that lets each client IP send this
    many requests per 5 minutes, then answers 429 (`gke.cloud_armor`). The Gateway's backend policy names it.
    Default: none, no Cloud Armor."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """What the Kubernetes objects wait for (the namespace they live in). Default: nothing."""


# Cloud Armor counts requests per client IP over this window (one of the intervals it accepts), as AWS's WAF does.
RATE_LIMIT_INTERVAL_SECONDS = 300
DEFAULT_RULE_PRIORITY = 2147483647


def security_policy_name(prefix: str) -> str:
    return f"{prefix}-edge"


def rate_limit_rules(per_ip: int) -> list[dict[str, Any]]:
    """Throttle each client IP above `per_ip` requests per window (429), allow the rest."""
    everyone = {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": ["*"]}}
    return [
        {"priority": 1000, "action": "throttle", "match": everyone, "description": "rate limit per client IP",
         "rate_limit_options": {"conform_action": "allow", "exceed_action": "deny(429)", "enforce_on_key": "IP",
                                "rate_limit_threshold": {"count": per_ip,
                                                         "interval_sec": RATE_LIMIT_INTERVAL_SECONDS}}},
        {"priority": DEFAULT_RULE_PRIORITY, "action": "allow", "match": everyone, "description": "default"},
    ]


def listeners(domain: str | None) -> list[dict[str, Any]]:
    """HTTPS on 443 for the domain (the certificate comes from the certificate map), else HTTP on 80."""
    if domain:
        return [{"name": "https", "protocol": "HTTPS", "port": 443, "hostname": domain,
                 "allowedRoutes": {"namespaces": {"from": "Same"}}}]
    return [{"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}}]


def gateway_spec(address_name: pulumi.Input[str], domain: str | None) -> dict[str, Any]:
    return {"gatewayClassName": GATEWAY_CLASS, "listeners": listeners(domain),
            "addresses": [{"type": "NamedAddress", "value": address_name}]}


def health_check_policy_spec(service: str) -> dict[str, Any]:
    """Check the API where the server answers (its health path on its port), not on `/`."""
    return {"default": {"config": {"type": "HTTP", "httpHealthCheck": {
        "port": contract.PORT, "requestPath": contract.HEALTH_PATH}}},
        "targetRef": {"group": "", "kind": "Service", "name": service}}


def with_security_policy(policy: str) -> pulumi.ResourceTransformation:
    """A transformation that names the Cloud Armor `policy` in the GCPBackendPolicy the Kubernetes component
    registers for the API (GKE reads one backend policy per Service, so it goes into that one rather than a second)."""
    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != f"kubernetes:{GKE_BACKEND_POLICY_API_VERSION}:GCPBackendPolicy":
            return None
        spec: dict[str, Any] = dict(cast(dict[str, Any], args.props.get("spec") or {}))
        spec["default"] = {**(spec.get("default") or {}), "securityPolicy": policy}
        return pulumi.ResourceTransformationResult({**args.props, "spec": spec}, args.opts)
    return transform


class Gateway(pulumi.ComponentResource):
    """Outputs: `address` (the load balancer's IP), `url`, `dns_records` (to create for the domain: the name to
    the address, and the certificate's DNS authorisation; None without a domain)."""

    address: pulumi.Output[str]
    url: pulumi.Output[str]
    dns_records: pulumi.Output[list[dict[str, str]]] | None

    def __init__(self, name: str, args: GatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        settings, domain = args.kubernetes, args.domain
        opts_child = pulumi.ResourceOptions(parent=self)
        address = gcp.compute.GlobalAddress(child(name, "address"), name=f"{args.prefix}-gateway",
                                            address_type="EXTERNAL", ip_version="IPV4", opts=opts_child)
        annotations: dict[str, pulumi.Input[str]] = {}
        if args.rate_limit_per_ip is not None:
            gcp.compute.SecurityPolicy(
                child(name, "edge"), name=security_policy_name(args.prefix), type="CLOUD_ARMOR",
                description="LangGraph Agent Server: rate limit per client IP",
                rules=rate_limit_rules(args.rate_limit_per_ip), opts=opts_child)  # type: ignore[arg-type]
        self.dns_records = None
        if domain:
            authorization = gcp.certificatemanager.DnsAuthorization(
                child(name, "dns-auth"), name=f"{args.prefix}-dns-auth", domain=domain, opts=opts_child)
            certificate = gcp.certificatemanager.Certificate(
                child(name, "cert"), name=f"{args.prefix}-cert", scope="DEFAULT",
                managed=gcp.certificatemanager.CertificateManagedArgs(
                    domains=[domain], dns_authorizations=[authorization.id]), opts=opts_child)
            certificate_map = gcp.certificatemanager.CertificateMap(
                child(name, "cert-map"), name=f"{args.prefix}-cert-map", opts=opts_child)
            gcp.certificatemanager.CertificateMapEntry(
                child(name, "cert-map-entry"), name=f"{args.prefix}-cert-entry", map=certificate_map.name,
                hostname=domain, certificates=[certificate.id], opts=opts_child)
            annotations[CERTMAP_ANNOTATION] = certificate_map.name
            challenge = authorization.dns_resource_records.apply(lambda records: [
                {"name": r.name or "", "type": r.type or "", "rrdata": r.data or ""} for r in records or []])
            self.dns_records = pulumi.Output.all(address.address, challenge).apply(
                lambda values: [{"name": f"{domain}.", "type": "A", "rrdata": values[0]}, *values[1]])
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        k8s.apiextensions.CustomResource(
            child(name, "gateway"), api_version=GATEWAY_API_VERSION, kind="Gateway",
            metadata={"name": settings.gateway_name, "namespace": settings.namespace, "annotations": annotations},
            spec=gateway_spec(address.name, domain), opts=in_namespace)
        k8s.apiextensions.CustomResource(
            child(name, "health-check"), api_version=HEALTH_CHECK_POLICY_API_VERSION, kind="HealthCheckPolicy",
            metadata={"name": args.api_service, "namespace": settings.namespace},
            spec=health_check_policy_spec(args.api_service), opts=in_namespace)
        self.address = address.address
        self.url = pulumi.Output.from_input(f"https://{domain}") if domain else address.address.apply(
            lambda ip: f"http://{ip}")
        self.register_outputs({"address": self.address, "url": self.url})
