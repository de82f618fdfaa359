"""Service: the Agent Server on any Kubernetes cluster, in two roles from one image.

- API: a Deployment and its ClusterIP Service on port 8000, exposed through an HTTPRoute on an existing Gateway (or
  an Ingress) with a request timeout long SSE streams survive.
- Queue: a Deployment started with the queue entrypoint, never scaled below one replica, scaled on its backlog of
  runs in flight by a KEDA ScaledObject (or on CPU, `kubernetes.queue_scaling=cpu`, for a cluster without KEDA);
  KEDA logs in as a scaler login through a TriggerAuthentication (`scaler_secret`), else as the server's role.
- Each: an autoscaler (the API's a HorizontalPodAutoscaler on CPU), a PodDisruptionBudget, a NetworkPolicy, pods
  spread across zones, with start-up/readiness/liveness probes on the server's health paths, requests = limits from
  the role's sizes, the Pod Security `restricted` settings and a read-only root filesystem, and a termination grace
  period longer than the server's own shutdown grace.
- One ServiceAccount for both (annotate it for Workload Identity or IRSA), and the namespace unless adopted.

The cluster is the caller's: pass a `pulumi_kubernetes.Provider` in `opts` (`provider=` or `providers=`). The data
tier is too: its connection URIs and the app's secrets reach the pods as references to existing Kubernetes Secrets
(`SecretKeyRef`), never as values, so no secret passes through this component or its state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from .. import contract
from ..checks.kubernetes import block_problems
from ..config import IngressSettings, KubernetesSettings
from ..errors import ConfigError, texts
from ..naming import bounded, child
from ..server import RoleSpec, ServiceRolesArgs
from ..settling import settle_kubernetes
from . import autoscaling, exposure, network_policy, pod, roles
from .network_policy import Destination
from .pod import DIGEST, SecretKeyRef, Sidecar

TYPE = "langgraph-infra:kubernetes:Service"
NAME_LIMIT = 63


@dataclass
class ServiceArgs(ServiceRolesArgs):
    """The API and the queue as Deployments in one namespace, reached through a Gateway or an Ingress."""

    secrets: Mapping[str, SecretKeyRef]
    """Every secret variable the server reads, by name, as a key of an existing Secret in the namespace: at least
    `POSTGRES_URI` and `REDIS_URI` (`contract.SecretEnv`), and the licence (`LANGSMITH_API_KEY` or
    `LANGGRAPH_CLOUD_LICENSE_KEY`) and app secrets. Values never pass through here."""
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)
    """Namespace, ServiceAccount annotations, exposure (gateway or ingress), the NetworkPolicy's ingress path and the
    zone spread (the stack's `kubernetes:` block); fields left unset take the `environment` profile's values (prod:
    `zone_spread=required`). Default: namespace `langgraph`, created; exposure `gateway`,
    which needs `gateway_name` and an ingress path (`ingress_from_namespace` or `ingress_from_cidrs`)."""
    ingress: IngressSettings = field(default_factory=IngressSettings)
    """Its `domain` is the host name the HTTPRoute or Ingress answers. Default: any host name."""
    egress_ports: list[int] = field(default_factory=lambda: [443])
    """TCP ports the pods may open beyond DNS, Postgres and Redis (the stack's `network.egress_ports`). Default: 443,
    HTTPS only."""
    image_pull_secrets: list[str] = field(default_factory=list)
    """Secrets (type `kubernetes.io/dockerconfigjson`) the kubelet pulls the image with. Default: none (the nodes'
    own registry access, e.g. GKE's or EKS's node identity)."""
    labels: dict[str, str] = field(default_factory=dict)
    """Extra labels on every object. Default: only the `app.kubernetes.io/*` labels."""
    sidecars: Mapping[contract.Role, Sequence[Sidecar]] = field(default_factory=dict)
    """Helper containers beside the server in a role's pods (native sidecars, `pod.Sidecar`), e.g. a target's
    telemetry collector. Default: none, the server runs alone."""
    egress_destinations: list[Destination] = field(default_factory=list)
    """Addresses the pods may reach on one TCP port each, beyond the ports above (e.g. GKE's metadata server, which
    Workload Identity's tokens come from). Default: only the ports above."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """Resources every object waits for, e.g. what creates or syncs the Secrets the pods read (an ExternalSecret,
    GKE's SecretSync). Default: nothing but the namespace."""
    scaler_depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """What the queue's ScaledObject waits for besides `depends_on`: the KEDA install that defines its kind (e.g.
    `kubernetes.keda.install(...)`). Default: nothing (KEDA already runs in the cluster)."""
    scaler_secret: SecretKeyRef | None = None
    """With `queue_scaling=backlog`: the key of a Secret in the namespace holding the URI of a scaler login that may
    only call `db_bootstrap.RUNS_IN_FLIGHT_FUNCTION` (made by the database bootstrap with a scaler URI, as GKE
    stacks do). KEDA reads it through a TriggerAuthentication; no pod gets it. Default: none, KEDA logs in with the
    queue container's POSTGRES_URI, the server's own role (a password is then needed: not with IAM
    authentication)."""

    def __post_init__(self) -> None:
        problems = settle_roles(self)
        self.kubernetes = settle_kubernetes(self.kubernetes, self.environment)
        problems += texts(block_problems(self.kubernetes, self.ingress.domain))
        missing = [n.value for n in contract.SecretEnv if n.value not in self.secrets]
        if missing:
            problems.append(f"secrets: {', '.join(missing)} missing: name the Secret and key holding each "
                            "(SecretKeyRef(name, key))")
        if not any(n in self.secrets for n in contract.LICENSE_ENV_NAMES):
            problems.append(f"secrets needs {' or '.join(contract.LICENSE_ENV_NAMES)}: the server verifies its licence "
                            "at start-up")
        if self.kubernetes.queue_scaling == "backlog" and self.scaler_secret is None \
                and contract.POSTGRES_IAM_AUTH_ENV in self.queue.environment:
            problems.append(f"kubernetes.queue_scaling=backlog with {contract.POSTGRES_IAM_AUTH_ENV} (IAM "
                            "authentication) and no scaler_secret: KEDA's PostgreSQL scaler would log in with the "
                            "queue's POSTGRES_URI, which then has no password; give scaler_secret (a scaler login's "
                            "URI) or set kubernetes.queue_scaling=cpu")
        if isinstance(self.image, str) and not DIGEST.search(self.image):
            problems.append(f"image={self.image}: deploy by digest (`repository@sha256:<64 hex>`), never a tag a push "
                            "can move")
        if problems:
            raise ConfigError(problems)


def settle_roles(args: ServiceRolesArgs) -> list[str]:
    """Both roles completed from the environment's profile and checked (`roles.settle`), in place; the problems."""
    settled, problems = roles.settle(args.environment, {"api": args.api.settings, "queue": args.queue.settings})
    if not problems:
        args.api = RoleSpec(settled["api"], args.api.environment)
        args.queue = RoleSpec(settled["queue"], args.queue.environment)
    return problems


def pdb_spec(selector: Mapping[str, str]) -> dict[str, Any]:
    """One replica at a time may be evicted: a drain always makes progress (a single dev replica too), and prod's
    two or more keep serving."""
    return {"maxUnavailable": 1, "selector": {"matchLabels": dict(selector)}}


def deployment_spec(template: Mapping[str, Any], selector: Mapping[str, str]) -> dict[str, Any]:
    """No `replicas`: the autoscaler (an HPA, or the one KEDA makes) owns the count (a count here would be reset at
    every update).
    New pods start before old ones stop, at most a quarter more at once (inside the pool arithmetic's surge)."""
    return {
        "selector": {"matchLabels": dict(selector)},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "revisionHistoryLimit": 5,
        "template": dict(template),
    }


def service_spec(instance: str) -> dict[str, Any]:
    """The API's in-cluster address: a ClusterIP on the server's port (the route's only backend; never public)."""
    return {"type": "ClusterIP", "selector": pod.labels(instance, contract.Role.API),
            "ports": [{"name": pod.PORT_NAME, "port": contract.PORT, "targetPort": pod.PORT_NAME, "protocol": "TCP"}]}


def namespace_labels() -> dict[str, str]:
    """Pod Security admission's `restricted` level, enforced: a pod that loosens the settings here is refused."""
    return {"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest"}


class Service(pulumi.ComponentResource):
    """Outputs: `namespace`, `api_service_name` (the ClusterIP Service on port 8000), `api_deployment_name`,
    `queue_deployment_name`, `service_account_name`, `url` (`https://<ingress.domain>`, or None without a domain)."""

    namespace: str
    api_service_name: str
    api_deployment_name: str
    queue_deployment_name: str
    service_account_name: str
    url: str | None

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        settings, prefix = args.kubernetes, args.prefix
        self.namespace = settings.namespace
        depends: list[pulumi.Resource] = []
        if settings.create_namespace:
            depends.append(k8s.core.v1.Namespace(
                child(name, "namespace"),
                metadata={"name": settings.namespace, "labels": {**object_meta_labels(args), **namespace_labels()}},
                opts=pulumi.ResourceOptions(parent=self)))
        child_opts = pulumi.ResourceOptions(parent=self, depends_on=[*depends, *args.depends_on])

        def meta(object_name: str, role: contract.Role | None = None, **extra: Any) -> Any:
            return {"name": object_name, "namespace": settings.namespace,
                    "labels": pod.object_labels(prefix, role, args.labels), **extra}

        self.service_account_name = bounded(prefix, NAME_LIMIT)
        k8s.core.v1.ServiceAccount(
            child(name, "sa"),
            metadata=meta(self.service_account_name, annotations=dict(settings.service_account_annotations)),
            automount_service_account_token=False, opts=child_opts)

        names = {role: bounded(f"{prefix}-{role.value}", NAME_LIMIT) for role in contract.Role}
        self.deployments: dict[contract.Role, k8s.apps.v1.Deployment] = {}
        for role in contract.Role:
            spec: RoleSpec = args.api if role is contract.Role.API else args.queue
            sidecars = tuple(args.sidecars.get(role, ()))
            template = pod.pod_template(pod.PodInputs(
                instance=prefix, role=role, image=args.image, settings=spec.settings, environment=spec.environment,
                secrets=args.secrets, service_account=self.service_account_name, runtime=args.runtime,
                zone_spread=settings.zone_spread, tmp_size_limit_mib=settings.tmp_size_limit_mib,
                image_pull_secrets=tuple(args.image_pull_secrets), extra_labels=args.labels,
                sidecars=sidecars))
            selector = pod.labels(prefix, role)
            annotations = {**pod.checkov_annotations(sidecars), **pod.rule_acceptances(sidecars)}
            self.deployments[role] = k8s.apps.v1.Deployment(
                child(name, role.value), metadata=meta(names[role], role, annotations=annotations),
                spec=cast(Any, deployment_spec(template, selector)), opts=child_opts)
            self._autoscale(name, role, names[role], spec, args, meta, child_opts)
            k8s.policy.v1.PodDisruptionBudget(
                child(name, role.value), metadata=meta(names[role], role), spec=cast(Any, pdb_spec(selector)),
                opts=child_opts)
            k8s.networking.v1.NetworkPolicy(
                child(name, role.value), metadata=meta(names[role], role),
                spec=cast(Any, network_policy.spec(prefix, role, settings, args.egress_ports,
                                                   args.egress_destinations)), opts=child_opts)

        api_name = names[contract.Role.API]
        backend_config = None
        service_annotations: dict[str, str] = {}
        if settings.exposure == "ingress" and settings.gke_backend_timeout:
            backend_config = bounded(f"{prefix}-api", NAME_LIMIT)
            service_annotations = exposure.backend_config_annotation(backend_config)
        k8s.core.v1.Service(
            child(name, "api"), metadata=meta(api_name, contract.Role.API, annotations=service_annotations),
            spec=cast(Any, service_spec(prefix)), opts=child_opts)
        self._expose(name, args, api_name, backend_config, meta, child_opts)

        self.api_service_name = api_name
        self.api_deployment_name = api_name
        self.queue_deployment_name = names[contract.Role.QUEUE]
        self.url = f"https://{args.ingress.domain}" if args.ingress.domain and settings.exposure != "none" else None
        self.register_outputs({"namespace": self.namespace, "api_service_name": self.api_service_name,
                               "queue_deployment_name": self.queue_deployment_name,
                               "service_account_name": self.service_account_name, "url": self.url})

    def _autoscale(self, name: str, role: contract.Role, deployment: str, spec: RoleSpec, args: ServiceArgs,
                   meta: Any, opts: pulumi.ResourceOptions) -> None:
        """The queue's ScaledObject on its backlog (`queue_scaling=backlog`), else an HPA on CPU: one autoscaler
        per Deployment."""
        if role is contract.Role.QUEUE and args.kubernetes.queue_scaling == "backlog":
            keda_opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                depends_on=list(args.scaler_depends_on)))
            authentication = None
            if args.scaler_secret is not None:
                # Named after the queue's Deployment, as its ScaledObject is.
                authentication = deployment
                keda_opts = pulumi.ResourceOptions.merge(keda_opts, pulumi.ResourceOptions(depends_on=[
                    k8s.apiextensions.CustomResource(
                        child(name, "scaler-auth"), api_version=autoscaling.KEDA_API_VERSION,
                        kind=autoscaling.TRIGGER_AUTHENTICATION, metadata=meta(authentication, role),
                        spec=autoscaling.trigger_authentication_spec(args.scaler_secret), opts=keda_opts)]))
            k8s.apiextensions.CustomResource(
                child(name, role.value), api_version=autoscaling.KEDA_API_VERSION, kind=autoscaling.SCALED_OBJECT,
                metadata=meta(deployment, role, annotations=autoscaling.scaled_object_annotations()),
                spec=autoscaling.scaled_object_spec(
                    deployment, spec.settings, autoscaling.jobs_per_worker(spec.settings, spec.environment),
                    authentication),
                opts=keda_opts)
            return
        # A queue on CPU is a choice (no KEDA in the cluster): recorded where the rules and a reviewer look.
        extra = {"annotations": {autoscaling.QUEUE_SCALING_ANNOTATION: "cpu"}} if role is contract.Role.QUEUE else {}
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            child(name, role.value), metadata=meta(deployment, role, **extra),
            spec=cast(Any, autoscaling.hpa_spec(deployment, spec.settings)), opts=opts)

    def _expose(self, name: str, args: ServiceArgs, service: str, backend_config: str | None, meta: Any,
                opts: pulumi.ResourceOptions) -> None:
        settings, host = args.kubernetes, args.ingress.domain
        api = contract.Role.API
        if settings.exposure == "gateway":
            k8s.apiextensions.CustomResource(
                child(name, "route"), api_version=exposure.GATEWAY_API_VERSION, kind="HTTPRoute",
                metadata=meta(service, api), spec=exposure.http_route_spec(service, settings, host), opts=opts)
            if settings.gke_backend_timeout:
                k8s.apiextensions.CustomResource(
                    child(name, "backend-policy"), api_version=exposure.GKE_BACKEND_POLICY_API_VERSION,
                    kind="GCPBackendPolicy", metadata=meta(service, api),
                    spec=exposure.gke_backend_policy_spec(service, settings), opts=opts)
        elif settings.exposure == "ingress":
            k8s.networking.v1.Ingress(
                child(name, "ingress"), metadata=meta(service, api, annotations=exposure.ingress_annotations(settings)),
                spec=cast(Any, exposure.ingress_spec(service, settings, host)), opts=opts)
            if backend_config is not None:
                k8s.apiextensions.CustomResource(
                    child(name, "backend-config"), api_version=exposure.GKE_BACKEND_CONFIG_API_VERSION,
                    kind="BackendConfig", metadata=meta(backend_config, api),
                    spec=exposure.gke_backend_config_spec(settings), opts=opts)


def object_meta_labels(args: ServiceArgs) -> dict[str, str]:
    return pod.object_labels(args.prefix, None, args.labels)
