"""The Google-Built OpenTelemetry Collector beside the Agent Server on Cloud Run (a sidecar of the API service and of
the queue worker pool) and on GKE (a native sidecar in both roles' pods): the server's metrics to Cloud Monitoring
(`workload.googleapis.com/<name>`, with the `Stack` and `Role` labels) and its traces to Cloud Trace.

The configuration is `observability.collector_config` with Google's exporters, passed in an environment variable
the collector reads through its `env` config provider (`--config=env:OTELCOL_CONFIG`). The sidecar shares the
instance's network: it scrapes `127.0.0.1:PORT/metrics` and takes OTLP on loopback; it declares no port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import contract, observability
from ..kubernetes import pod
from ..kubernetes.pod import Sidecar

CONTAINER_NAME = "otel-collector"
# Pinned by release tag: Google documents the image by version (its deployment examples pin `otelcol-google:<v>`),
# not by digest.
IMAGE = "us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.156.1"
CONFIG_ENV = "OTELCOL_CONFIG"
METRIC_PREFIX = "workload.googleapis.com/"
# What the Google-Built collector ships (google-built-opentelemetry-collector/spec.yaml of
# GoogleCloudPlatform/opentelemetry-operations-collector), as far as this configuration uses it.
COMPONENTS = {
    "extensions": {"health_check"},
    "receivers": {"prometheus", "otlp"},
    "processors": {"memory_limiter", "filter", "metricstransform", "resourcedetection", "batch"},
    "exporters": {"googlecloud"},
}
# The roles the collector's identity needs, and no more: write metric points and trace spans.
ROLES = ("roles/monitoring.metricWriter", "roles/cloudtrace.agent")
# Cloud Run allocates a sidecar its own CPU and memory: the smallest an always-allocated container may have.
LIMITS = {"cpu": "1", "memory": "512Mi"}
# On GKE the sidecar's share of the pod (requests = limits): the collector scrapes one process every 30 s and
# batches a replica's spans; memory_limiter keeps it within 80% of this.
GKE_CPU, GKE_MEMORY_MIB = 0.25, 256
# The pod's own name and namespace, for the `env` detector (OTEL_RESOURCE_ATTRIBUTES): with the cluster and location
# the `gcp` detector reads from the metadata server, the googlecloud exporter writes each replica's series on its own
# `k8s_container` resource (GoogleCloudPlatform/opentelemetry-operations-go, internal/resourcemapping: k8s_container
# needs k8s.cluster.name, k8s.namespace.name, k8s.pod.name and k8s.container.name); without them every pod would
# write the same `k8s_cluster` series.
POD_FIELDS = {"POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"}
RESOURCE_ATTRIBUTES = (f"k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),"
                       f"k8s.container.name={pod.CONTAINER_NAME}")


@dataclass
class CollectorArgs:
    """The collector sidecar of both roles."""

    stack: str
    """The stack name: the `Stack` label of every metric the collector publishes (the alert policies read it)."""
    project: str
    """The project the metrics and traces are written to (the roles' service accounts get `ROLES` there)."""
    image: str = IMAGE
    """The collector image. Default: the release this module is tested with, by tag."""


def metric_type(name: str) -> str:
    """The Cloud Monitoring type of a server metric the collector publishes."""
    return f"{METRIC_PREFIX}{name}"


def backend() -> observability.Backend:
    return observability.Backend(
        exporters={"googlecloud": {"metric": {"prefix": METRIC_PREFIX}}},
        metrics=["googlecloud"],
        traces=["googlecloud"],
        # Cloud Run's region, service and instance become the metrics' monitored resource.
        processors={"resourcedetection": {"detectors": ["env", "gcp"], "timeout": "10s", "override": False}},
    )


def config(stack: str, role: contract.Role) -> dict[str, Any]:
    return observability.collector_config(backend(), stack=stack, role=role)


def container(args: CollectorArgs, role: contract.Role) -> dict[str, Any]:
    """The sidecar for a Cloud Run service's or worker pool's `containers` (the same shape fits both)."""
    return {
        "name": CONTAINER_NAME,
        "image": args.image,
        "args": [f"--config=env:{CONFIG_ENV}"],
        "envs": [{"name": CONFIG_ENV, "value": observability.collector_yaml(config(args.stack, role))}],
        "resources": {"limits": dict(LIMITS)},
    }


def sidecar(args: CollectorArgs, role: contract.Role) -> Sidecar:
    """The same collector, as a native sidecar of a role's pods on GKE (`kubernetes.ServiceArgs.sidecars`)."""
    return Sidecar(
        name=CONTAINER_NAME, image=args.image, args=(f"--config=env:{CONFIG_ENV}",),
        environment={CONFIG_ENV: observability.collector_yaml(config(args.stack, role)),
                     "OTEL_RESOURCE_ATTRIBUTES": RESOURCE_ATTRIBUTES},
        field_environment=POD_FIELDS, cpu=GKE_CPU, memory_mib=GKE_MEMORY_MIB)
