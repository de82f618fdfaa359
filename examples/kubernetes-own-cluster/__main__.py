"""The LangGraph Agent Server on a cluster a platform team already runs (EKS here; AKS or on-premises the same way).

The cluster, its Gateway and the data tier are the platform's: Postgres and Redis run wherever the platform keeps
them, and their connection URIs are already in a Kubernetes Secret (synced by the platform's External Secrets
Operator from its vault). This program only names that Secret and its keys: no secret value passes through it or
its state. Every object goes to the explicit provider below, never to whatever cluster `kubectl` points at.
"""

import pulumi
import pulumi_kubernetes as k8s

from langgraph_infra.config import (
    ApiSettings,
    Environment,
    IngressSettings,
    KubernetesSettings,
    QueueSettings,
)
from langgraph_infra.kubernetes import SecretKeyRef, Service, ServiceArgs, role_specs

config = pulumi.Config()
environment = Environment.PROD
namespace = "agents-support"

provider = k8s.Provider("platform", context=config.require("context"), namespace=namespace)

# The platform's ExternalSecret writes these keys into `support-agent-data` and `support-agent-app`.
data, app = "support-agent-data", "support-agent-app"
secrets = {
    "POSTGRES_URI": SecretKeyRef(data, "postgres-uri"),
    "REDIS_URI": SecretKeyRef(data, "redis-uri"),
    "LANGGRAPH_CLOUD_LICENSE_KEY": SecretKeyRef(app, "langgraph-license-key"),
    "OPENAI_API_KEY": SecretKeyRef(app, "openai-api-key"),
    "AGENT_API_KEYS": SecretKeyRef(app, "agent-api-keys"),
}

service = Service("support", ServiceArgs(
    prefix="support-agent",
    image=config.require("image"),
    # Sizes per replica; replicas and pools not given here come from the prod profile (2 to 6 of each).
    **role_specs(environment, ApiSettings(cpu=1, memory_mib=2048), QueueSettings(cpu=1, memory_mib=2048, max_replicas=4),
            app_env={"LLM_MODEL": "openai:gpt-4o-mini"}),
    secrets=secrets,
    kubernetes=KubernetesSettings(
        namespace=namespace,
        # The platform created the namespace (with its quotas and the `restricted` Pod Security level).
        create_namespace=False,
        service_account_annotations={"eks.amazonaws.com/role-arn": config.require("role_arn")},
        exposure="gateway",
        gateway_name=config.require("gateway"),
        gateway_namespace=config.require("gateway_namespace"),
        gateway_section_name="https",
        # Only the Gateway's proxies may reach the API's pods.
        ingress_from_namespace=config.require("gateway_namespace"),
        zone_spread="required",
        # The platform runs KEDA: the queue scales on its pending runs (a cluster without KEDA: "cpu").
        queue_scaling="backlog",
    ),
    ingress=IngressSettings(domain=config.require("domain")),
    environment=environment,
), pulumi.ResourceOptions(provider=provider))

pulumi.export("url", service.url)
pulumi.export("namespace", service.namespace)
pulumi.export("api_service", service.api_service_name)
