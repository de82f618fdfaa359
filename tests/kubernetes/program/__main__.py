"""The kubernetes.Service as the tests plan it: every setting from the stack file, and the data tier's Secret
created here from a secret config value (the canary), as a team that keeps its URIs in Pulumi config would."""

import pulumi
import pulumi_kubernetes as k8s

from langgraph_infra.config import ApiSettings, Environment, IngressSettings, KubernetesSettings, QueueSettings
from langgraph_infra.kubernetes import SecretKeyRef, Service, ServiceArgs, role_specs

config = pulumi.Config()
environment = Environment(config.get("environment") or "dev")
settings = KubernetesSettings.model_validate(config.get_object("kubernetes") or {})
provider = k8s.Provider("cluster", kubeconfig="~/.kube/config", context="test")
opts = pulumi.ResourceOptions(provider=provider)

data = k8s.core.v1.Secret(
    "data", metadata={"name": "agent-data", "namespace": settings.namespace}, type="Opaque",
    string_data={"postgres-uri": config.require_secret("postgres_uri"), "redis-uri": config.require_secret("redis_uri")},
    opts=opts)

service = Service("agent", ServiceArgs(
    prefix=f"agent-{pulumi.get_stack()}",
    image=config.get("image") or "registry.example.com/agent@sha256:" + "ab" * 32,
    **role_specs(environment, ApiSettings(**(config.get_object("api") or {})),
                 QueueSettings(**(config.get_object("queue") or {}))),
    secrets={"POSTGRES_URI": SecretKeyRef("agent-data", "postgres-uri"),
             "REDIS_URI": SecretKeyRef("agent-data", "redis-uri"),
             "LANGSMITH_API_KEY": SecretKeyRef("agent-app", "langsmith-api-key")},
    kubernetes=settings,
    ingress=IngressSettings(domain=config.get("domain")),
    environment=environment,
    depends_on=[data],
), pulumi.ResourceOptions(provider=provider))

pulumi.export("url", service.url)
