"""What each role may talk to, as NetworkPolicy specs (pure functions).

- API: in, only the server's port and only from the ingress path (the gateway or ingress controller's pods, or a
  load balancer's source ranges); out, only DNS, Postgres, Redis and the internet ports (HTTPS by default).
- Queue: nothing in (the kubelet's probes are not subject to NetworkPolicy); out, the same as the API.

Egress names ports, not addresses, unless `data_tier_cidrs` places Postgres and Redis: the data tier's addresses are
the cloud's (or the platform team's) and can change on failover, and the model APIs live behind CDNs. A cluster whose CNI does not enforce NetworkPolicy ignores
these objects: the Pod Security level and the server's own auth still hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import contract
from ..config import KubernetesSettings
from .pod import labels

DNS_PORT = 53


@dataclass(frozen=True)
class Destination:
    """One address range the pods may reach on one TCP port (e.g. a platform's metadata server)."""

    cidr: str
    """The range, e.g. `169.254.169.254/32`."""
    port: int
    """The TCP port."""


def egress(internet_ports: Iterable[int], data_tier_cidrs: Iterable[str] = ()) -> list[dict[str, Any]]:
    """DNS anywhere (the cluster's resolver's address differs between CNIs and node-local caches), Postgres and Redis
    (only in `data_tier_cidrs` when given), and the internet ports."""
    data: dict[str, Any] = {"ports": [{"port": contract.POSTGRES_PORT, "protocol": "TCP"},
                                      {"port": contract.REDIS_PORT, "protocol": "TCP"}]}
    cidrs = list(data_tier_cidrs)
    if cidrs:
        data["to"] = [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]
    return [
        {"ports": [{"port": DNS_PORT, "protocol": "UDP"}, {"port": DNS_PORT, "protocol": "TCP"}]},
        data,
        {"ports": [{"port": port, "protocol": "TCP"} for port in sorted(set(internet_ports))]},
    ]


def ingress_peers(settings: KubernetesSettings) -> list[dict[str, Any]]:
    """The ingress path: the controller's pods (by namespace, optionally by labels) and the load balancer's ranges."""
    peers: list[dict[str, Any]] = []
    if settings.ingress_from_namespace:
        peer: dict[str, Any] = {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": settings.ingress_from_namespace}}}
        if settings.ingress_from_pod_labels:
            peer["podSelector"] = {"matchLabels": dict(settings.ingress_from_pod_labels)}
        peers.append(peer)
    peers += [{"ipBlock": {"cidr": cidr}} for cidr in settings.ingress_from_cidrs]
    return peers


def spec(instance: str, role: contract.Role, settings: KubernetesSettings,
         internet_ports: Iterable[int], destinations: Iterable[Destination] = ()) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    peers = ingress_peers(settings)
    if role is contract.Role.API and peers:
        rules.append({"from": peers, "ports": [{"port": contract.PORT, "protocol": "TCP"}]})
    return {
        "podSelector": {"matchLabels": labels(instance, role)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": rules,
        "egress": egress(internet_ports, settings.data_tier_cidrs) + [
            {"to": [{"ipBlock": {"cidr": d.cidr}}], "ports": [{"port": d.port, "protocol": "TCP"}]}
            for d in destinations],
    }


def allowed_tcp_egress(policy: Mapping[str, Any]) -> set[int]:
    """The TCP ports a NetworkPolicy spec lets its pods reach (for tests and reviewers)."""
    return {p["port"] for rule in policy.get("egress", []) for p in rule.get("ports", []) if p["protocol"] == "TCP"}
