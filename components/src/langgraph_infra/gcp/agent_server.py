"""AgentServer on GCP: network, Cloud SQL, Memorystore, Artifact Registry, Secret Manager, image and Cloud Run,
wired together."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from .. import contract
from ..config import StackConfig
from ..naming import child, labels
from ..server import (
    AgentServerArgs,
    adopted_secrets,
    build_image,
    created_secrets,
    postgres_extensions,
    role_specs,
    with_provider,
)
from . import sizing
from .cache import Cache, CacheArgs
from .database import Database, DatabaseArgs
from .database_bootstrap import DatabaseBootstrap, DatabaseBootstrapArgs
from .network import Network, NetworkArgs
from .registry import Registry, RegistryArgs
from .secrets import Secrets, SecretsArgs
from .service import Service, ServiceArgs

TYPE = "langgraph-infra:gcp:AgentServer"


def cloud_run_service_agent(project_number: str) -> str:
    """The identity Cloud Run pulls images with (not the services' own accounts)."""
    return f"serviceAccount:service-{project_number}@serverless-robot-prod.iam.gserviceaccount.com"


class AgentServer(pulumi.ComponentResource):
    """The whole GCP deployment of one configuration: network, Cloud SQL, Memorystore, Artifact Registry and image
    (or `app.image`), Secret Manager, and Cloud Run (a service for the API, a worker pool for the queue).

    Placement: when `opts` brings a GCP provider (`providers={"gcp": p}`, `provider=p`, or through `parent`), every
    resource uses it, and its project and region must be `config.target.project` / `target.region` (the registry URL
    and the regional resources name them). Otherwise the component creates its own, `<name>-gcp`, for
    `target.project` and `target.region`, labelling every resource with the stack's labels (`naming.labels`).

    Outputs: `url`, `image`, `api_service_name`, `queue_service_name` (the worker pool), `database_address`,
    `database_connection_name`, `redis_address`, `repository_url`, `secret_ids`, `service_accounts`,
    `region`, `project`, `dns_records` (with `ingress.domain`)."""

    url: pulumi.Output[str]
    image: pulumi.Output[str]
    api_service_name: pulumi.Output[str]
    queue_service_name: pulumi.Output[str]
    database_address: pulumi.Output[str]
    database_connection_name: pulumi.Output[str]
    redis_address: pulumi.Output[str]
    repository_url: pulumi.Output[str] | None
    secret_ids: dict[str, pulumi.Output[str]]
    region: str
    project: str

    def __init__(self, name: str, args: AgentServerArgs, opts: pulumi.ResourceOptions | None = None):
        cfg, stack = args.config, args.stack
        given = opts
        super().__init__(TYPE, name, None, with_provider(given, "gcp", lambda: provider(name, cfg, stack, given)))
        region, project = cfg.target.region or "", cfg.target.project or ""
        prefix = cfg.resource_prefix(stack)
        protected = cfg.postgres.deletion_protection
        env = cfg.environment
        opts_child = pulumi.ResourceOptions(parent=self)

        network = Network(child(name, "network"), NetworkArgs(cfg.network, region, env), opts_child)
        database = Database(child(name, "db"), DatabaseArgs(
            cfg.postgres, region, network.network_id, network.private_services_range, network.private_services,
            env), opts_child)
        cache = Cache(child(name, "cache"), CacheArgs(
            cfg.redis, region, network.network_id, network.private_services_range, network.private_services,
            deletion_protection=protected, environment=env), opts_child)

        secrets = Secrets(child(name, "secrets"), SecretsArgs(
            prefix=prefix,
            created=created_secrets(args, database.uri, cache.uri),
            adopted=adopted_secrets(cfg)), opts_child)

        registry, pull = None, []
        if cfg.app.image:
            image_ref: pulumi.Input[str] = cfg.app.image
        else:
            registry = Registry(child(name, "registry"), RegistryArgs(repository_id=prefix, project=project,
                                                                      location=region), opts_child)
            image_ref = build_image(child(name, "image"), args, registry.repository_url, self, registry.login())
            number = gcp.organizations.get_project_output(project_id=project,
                                                          opts=pulumi.InvokeOptions(parent=self)).number
            pull = [registry.grant_pull("cloud-run", number.apply(cloud_run_service_agent))]

        # The server's own role, made by the master before any container of the server starts (db_bootstrap).
        bootstrap = DatabaseBootstrap(child(name, "db-bootstrap"), DatabaseBootstrapArgs(
            prefix=prefix, region=region, image=image_ref, network_id=network.network_id,
            subnet_id=network.subnet_id, master_uri=database.master_uri, secrets=secrets,
            role=cfg.postgres.server_username, database=cfg.postgres.database_name,
            extensions=postgres_extensions(args), depends_on=[database, *pull]), opts_child)

        grace = sizing.shutdown_grace_seconds(cfg)
        service = Service(child(name, "service"), ServiceArgs(
            runtime=cfg.runtime(), prefix=prefix, region=region, image=image_ref,
            **role_specs(cfg, grace, cache.ca_cert_b64),
            network_id=network.network_id, subnet_id=network.subnet_id,
            secrets=secrets, secret_names=contract.secret_env_names(list(cfg.secrets)),
            ingress=cfg.ingress,
            deletion_protection=protected, depends_on=[*pull, bootstrap.job], environment=env), opts_child)

        self.url = service.url
        self.image = pulumi.Output.from_input(image_ref)
        self.api_service_name = service.api_service_name
        self.queue_service_name = service.queue_worker_pool_name
        self.database_address = database.address
        self.database_connection_name = database.connection_name
        self.redis_address = cache.address
        self.repository_url = registry.repository_url if registry else None
        self.secret_ids = secrets.ids
        self.service_accounts = {"api": service.api_service_account, "queue": service.queue_service_account}
        self.dns_records = service.dns_records()
        self.region, self.project = region, project
        self.network, self.database, self.cache, self.secrets, self.service = network, database, cache, secrets, service
        self.db_bootstrap = bootstrap
        self.register_outputs(self.exports())

    def exports(self) -> dict[str, Any]:
        """Flat values for the stack's outputs: what people open and what CI smoke-tests and promotes."""
        values = {
            "url": self.url,
            "image": self.image,
            "cloud": "gcp",
            "region": self.region,
            "project": self.project,
            "api_service_name": self.api_service_name,
            "queue_service_name": self.queue_service_name,
            "database_address": self.database_address,
            "database_connection_name": self.database_connection_name,
            "redis_address": self.redis_address,
            "repository_url": self.repository_url,
            "secret_ids": self.secret_ids,
            "service_accounts": self.service_accounts,
        }
        if self.dns_records is not None:
            values["dns_records"] = self.dns_records
        return values


def provider(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> gcp.Provider:
    """The GCP provider of one server: `target.project` and `target.region`, the stack's labels on every resource,
    named after the server (`<name>-gcp`) so that several servers can share a program."""
    return gcp.Provider(child(name, "gcp"), project=cfg.target.project, region=cfg.target.region,
                        default_labels=labels(cfg, stack), opts=opts)


def for_stack(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> AgentServer:
    """The whole GCP deployment of one stack (the AgentServer creates its provider unless `opts` brings one)."""
    return AgentServer(name, AgentServerArgs(config=cfg, stack=stack), opts)
