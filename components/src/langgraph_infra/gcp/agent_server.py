"""AgentServer on GCP: network, Cloud SQL, Memorystore, Artifact Registry, Secret Manager, image and Cloud Run (or,
on runtime gke, a GKE cluster and the Kubernetes component), wired together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_gcp as gcp

from .. import contract, db_bootstrap
from ..config import Runtime, StackConfig
from ..derive.connections import max_connections
from ..naming import child, labels
from ..server import (
    AgentServerArgs,
    adopted_secrets,
    bootstrap_image,
    build_image,
    created_secrets,
    postgres_extensions,
    role_specs,
    with_provider,
)
from . import gke_cluster, limits
from .alarms import Alarms, AlarmsArgs, GkeApi
from .cache import Cache, CacheArgs
from .collector import CollectorArgs
from .dashboard import Dashboard, DashboardArgs
from .database import Database, DatabaseArgs
from .database_bootstrap import DatabaseBootstrap, DatabaseBootstrapArgs
from .gke_cluster import cluster_location, cluster_name
from .gke_settings import gke_settings
from .image_admission import ImageAdmission, ImageAdmissionArgs
from .network import Network, NetworkArgs
from .registry import Registry, RegistryArgs
from .secrets import Secrets, SecretsArgs
from .server_account import ServerAccount, server_account
from .service import Service, ServiceArgs
from .stack_key import StackKey, StackKeyArgs

TYPE = "langgraph-infra:gcp:AgentServer"


def cloud_run_service_agent(project_number: str) -> str:
    """The identity Cloud Run pulls images with (not the services' own accounts)."""
    return f"serviceAccount:service-{project_number}@serverless-robot-prod.iam.gserviceaccount.com"


def gke_node_account(project_number: str) -> str:
    """The identity Autopilot's nodes pull images with (the project's Compute Engine default service account)."""
    return f"serviceAccount:{project_number}-compute@developer.gserviceaccount.com"


def exempt_images(cfg: StackConfig) -> list[str]:
    """What Binary Authorization admits without this pipeline's attestation: KEDA's images (pinned to the
    installed version) when the stack installs KEDA, which it does not build."""
    if not gke_cluster.installs_keda(cfg):
        return []
    from ..kubernetes import keda

    return list(keda.IMAGES)


class AgentServer(pulumi.ComponentResource):
    """The whole GCP deployment of one configuration: network, Cloud SQL, Memorystore, Artifact Registry and image
    (or `app.image`), Secret Manager, and Cloud Run (a service for the API, a worker pool for the queue).

    Placement: when `opts` brings a GCP provider (`providers={"gcp": p}`, `provider=p`, or through `parent`), every
    resource uses it, and its project and region must be `config.target.project` / `target.region` (the registry URL
    and the regional resources name them). Otherwise the component creates its own, `<name>-gcp`, for
    `target.project` and `target.region`, labelling every resource with the stack's labels (`naming.labels`).

    Outputs: `url`, `image`, `api_service_name`, `queue_service_name` (the worker pool), `database_address`,
    `database_connection_name`, `redis_address`, `repository_url`, `secret_ids`, `service_accounts`,
    `region`, `project`, `dashboard_id`, `alarm_channel_ids` (with `alarms.enabled`), `dns_records`
    (with `ingress.domain`); on runtime gke also `cluster_name`, and `service_accounts` names the pods' one
    Google identity for both roles."""

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
        gke = cfg.target.runtime is Runtime.GKE
        opts_child = pulumi.ResourceOptions(parent=self)

        network = Network(child(name, "network"), NetworkArgs(cfg.network, region, env), opts_child)
        # encryption: one customer-managed key for the database, cache, registry and secrets (off by default).
        stack_key = StackKey(child(name, "key"), StackKeyArgs(
            name_prefix=prefix, project=project, region=region, key_name=cfg.encryption.kms_key),
            opts_child) if cfg.encryption.enabled else None
        key = stack_key.key_name if stack_key else None
        key_ready = stack_key.ready if stack_key else []
        # postgres.auth=iam: both roles run as one account, which the database makes its Cloud SQL IAM user.
        account = server_account(name, prefix, project, self) if cfg.postgres.auth == "iam" else None
        # KEDA on GKE counts the runs in flight as a login of its own, not as the server.
        scaler = db_bootstrap.scaler_role(cfg.postgres.server_username) if gke_cluster.creates_scaler_login(cfg) \
            else None
        database = Database(child(name, "db"), DatabaseArgs(
            cfg.postgres, region, network.network_id, network.private_services_range, network.private_services,
            env, audit_logs=cfg.audit.database_logs, kms_key=key, depends_on=key_ready,
            iam_service_account=account.account.email if account else None, scaler_username=scaler), opts_child)
        cache = Cache(child(name, "cache"), CacheArgs(
            cfg.redis, region, network.network_id, network.private_services_range, network.private_services,
            deletion_protection=protected, environment=env, kms_key=key, depends_on=key_ready), opts_child)

        secrets = Secrets(child(name, "secrets"), SecretsArgs(
            prefix=prefix,
            created={**created_secrets(args, database.uri, cache.uri),
                     **({db_bootstrap.SCALER_URI_ENV: database.scaler_uri} if database.scaler_uri else {})},
            adopted=adopted_secrets(cfg), kms_key=key, kms_location=region, depends_on=key_ready), opts_child)

        registry, pull = None, []
        # A JavaScript app's bootstrap runs in a runner image built here (`server.bootstrap_image`), which needs the
        # registry even when the app's image is adopted.
        if not cfg.app.image or cfg.runtime() is not contract.Runtime.PYTHON:
            registry = Registry(child(name, "registry"), RegistryArgs(repository_id=prefix, project=project,
                                                                      location=region, kms_key=key,
                                                                      depends_on=key_ready), opts_child)
            number = gcp.organizations.get_project_output(project_id=project,
                                                          opts=pulumi.InvokeOptions(parent=self)).number
            # The bootstrap is a Cloud Run job on every runtime; on gke the nodes pull the server's image too.
            pull = [registry.grant_pull("cloud-run", number.apply(cloud_run_service_agent)),
                    *([registry.grant_pull("gke-nodes", number.apply(gke_node_account))] if gke else [])]
        image_ref: pulumi.Input[str] = cfg.app.image or ""
        if registry is not None and not cfg.app.image:
            image_ref = build_image(child(name, "image"), args, registry.repository_url, self, registry.login())
        bootstrap_ref = bootstrap_image(child(name, "db-bootstrap-image"), args, image_ref,
                                        registry.repository_url if registry else None, self,
                                        registry.login() if registry else None)

        collector_args = CollectorArgs(stack=stack, project=project) if cfg.observability.collector else None
        # Google's collector is not built by this pipeline, so not attested by it: exempt by its exact release.
        admission = ImageAdmission(child(name, "admission"), ImageAdmissionArgs(
            name_prefix=prefix, project=project, region=region,
            exempt_images=[*exempt_images(cfg), *([collector_args.image] if collector_args else [])]), opts_child) \
            if cfg.admission.require_attestation else None
        # The server's own role, made by the master before any container of the server starts (db_bootstrap).
        bootstrap = DatabaseBootstrap(child(name, "db-bootstrap"), DatabaseBootstrapArgs(
            prefix=prefix, region=region, image=bootstrap_ref, network_id=network.network_id,
            subnet_id=network.subnet_id, master_uri=database.master_uri, secrets=secrets,
            role=cfg.postgres.server_username, database=cfg.postgres.database_name,
            extensions=postgres_extensions(args), kms_key=key, iam_user=database.iam_user, scaler=scaler,
            depends_on=[database, *pull, *key_ready]), opts_child)

        grace = limits.shutdown_grace_seconds(cfg)
        self.image = pulumi.Output.from_input(image_ref)
        self.database_address = database.address
        self.database_connection_name = database.connection_name
        self.redis_address = cache.address
        self.repository_url = registry.repository_url if registry else None
        self.secret_ids = secrets.ids
        self.attestor = admission.attestor if admission else None
        self.signing_key_version = admission.signing_key_version if admission else None
        self.region, self.project = region, project
        self.network, self.database, self.cache, self.secrets = network, database, cache, secrets
        self.db_bootstrap = bootstrap
        # The pods and services start once the server's role exists and, with admission, once the policy does.
        ready = [*pull, bootstrap.job, *([admission.policy] if admission else [])]
        if gke:
            self._gke(name, cfg, stack, prefix, image_ref, grace, cache, network, secrets, ready, collector_args,
                      account)
        else:
            service = Service(child(name, "service"), ServiceArgs(
                runtime=cfg.runtime(), prefix=prefix, region=region, image=image_ref,
                **role_specs(cfg, grace, cache.ca_cert_b64, stack=stack),
                network_id=network.network_id, subnet_id=network.subnet_id,
                secrets=secrets, secret_names=contract.secret_env_names(list(cfg.secrets)),
                ingress=cfg.ingress,
                deletion_protection=protected, binary_authorization=admission is not None,
                depends_on=ready, environment=env, service_account=account,
                collector=collector_args),
                opts_child)
            self.url = service.url
            self.api_service_name = service.api_service_name
            self.queue_service_name = service.queue_worker_pool_name
            self.service_accounts = {"api": service.api_service_account, "queue": service.queue_service_account}
            self.dns_records = service.dns_records()
            self.service = service

        # Day two: alert policies that tell `alarms.notify` and a dashboard, on what this stack created.
        api = self._gke_api(cfg, prefix, region) if gke else None
        self.alarms = Alarms(child(name, "alarms"), AlarmsArgs(
            prefix=prefix, stack=stack, project=project, region=region, settings=cfg.alarms,
            api_service_name=self.api_service_name, api_min_replicas=cfg.api.min_replicas,
            db_instance_name=database.instance_name, redis_instance_name=cache.instance_name,
            db_connection_budget=(max_connections(cfg) or 0) - cfg.postgres.connection_reserve,
            labels=labels(cfg, stack), gke=api), opts_child) if cfg.alarms.enabled else None
        self.dashboard = Dashboard(child(name, "dashboard"), DashboardArgs(
            name=prefix, stack=stack, project=project, region=region, api_service_name=self.api_service_name,
            queue_worker_pool_name=self.queue_service_name, db_instance_name=database.instance_name,
            redis_instance_name=cache.instance_name, gke=api), opts_child)
        self.register_outputs(self.exports())

    def _gke(self, name: str, cfg: StackConfig, stack: str, prefix: str, image: pulumi.Input[str], grace: int,
             cache: Cache, network: Network, secrets: Secrets, ready: Sequence[pulumi.Resource],
             collector: CollectorArgs | None, account: ServerAccount | None) -> None:
        """runtime gke: the cluster and the Kubernetes component in place of Cloud Run (langgraph_infra.gcp.gke)."""
        from .gke import Gke, GkeArgs

        runtime = Gke(child(name, "gke"), GkeArgs(
            config=cfg, prefix=prefix, image=image, roles=role_specs(cfg, grace, cache.ca_cert_b64, stack=stack),
            secrets=secrets, secret_names=contract.secret_env_names(list(cfg.secrets)),
            network_id=network.network_id, subnet_id=network.subnet_id, depends_on=list(ready), collector=collector,
            service_account=account,
            scaler_secret_name=db_bootstrap.SCALER_URI_ENV if gke_cluster.creates_scaler_login(cfg) else None),
            pulumi.ResourceOptions(parent=self))
        self.url = runtime.url
        self.api_service_name = pulumi.Output.from_input(runtime.api_service_name)
        self.queue_service_name = pulumi.Output.from_input(runtime.queue_service_name)
        self.service_accounts = {"api": runtime.service_account, "queue": runtime.service_account}
        self.dns_records = runtime.dns_records
        self.cluster_name = runtime.cluster_name
        self.gke = runtime

    def _gke_api(self, cfg: StackConfig, prefix: str, region: str) -> GkeApi:
        """The API on GKE as the alarms and the dashboard name it."""
        return GkeApi(cluster=cluster_name(gke_settings(cfg), prefix), location=cluster_location(gke_settings(cfg), region),
                      namespace=self.gke.namespace, service=self.gke.api_service_name,
                      deployment=self.gke.service.api_deployment_name)

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
        if self.dashboard is not None:
            values["dashboard_id"] = self.dashboard.dashboard_id
        if self.alarms is not None:
            values["alarm_channel_ids"] = self.alarms.channel_ids
        if self.dns_records is not None:
            values["dns_records"] = self.dns_records
        if self.attestor is not None:
            # What the promotion workflow signs the attestation with.
            values["attestor"] = self.attestor
            values["attestor_key_version"] = self.signing_key_version
        if getattr(self, "gke", None) is not None:
            values["cluster_name"] = self.cluster_name
        return values


def provider(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> gcp.Provider:
    """The GCP provider of one server: `target.project` and `target.region`, the stack's labels on every resource,
    named after the server (`<name>-gcp`) so that several servers can share a program."""
    return gcp.Provider(child(name, "gcp"), project=cfg.target.project, region=cfg.target.region,
                        default_labels=labels(cfg, stack), opts=opts)


def for_stack(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> AgentServer:
    """The whole GCP deployment of one stack (the AgentServer creates its provider unless `opts` brings one)."""
    return AgentServer(name, AgentServerArgs(config=cfg, stack=stack), opts)
