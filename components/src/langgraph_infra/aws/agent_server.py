"""AgentServer on AWS: network, Postgres, Redis, registry, secrets, image and the ECS service, wired together."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from .. import contract
from ..config import StackConfig
from ..derive.capacity import api_figure
from ..derive.connections import max_connections
from ..naming import child, tags
from ..server import (
    AgentServerArgs,
    adopted_secrets,
    build_image,
    created_secrets,
    postgres_extensions,
    role_specs,
    with_provider,
)
from . import limits
from .access_logs import AccessLogs, AccessLogsArgs
from .alarms import Alarms, AlarmsArgs, WatchedResources
from .cache import Cache, CacheArgs
from .collector import CollectorArgs
from .dashboard import Dashboard, DashboardArgs
from .database import Database, DatabaseArgs
from .database_bootstrap import DatabaseBootstrap, DatabaseBootstrapArgs
from .edge_firewall import EdgeFirewall, EdgeFirewallArgs
from .network import Network, NetworkArgs, private_security_group
from .registry import Registry, RegistryArgs
from .secrets import REVISION_ENV, Secrets, SecretsArgs
from .service import Service, ServiceArgs
from .stack_key import StackKey, StackKeyArgs

TYPE = "langgraph-infra:aws:AgentServer"


class AgentServer(pulumi.ComponentResource):
    """The whole AWS deployment of one configuration: network, Postgres, Redis, registry and image (or
    `app.image`), secrets, the ECS services behind a load balancer, and DNS with `ingress.domain`.

    Placement: when `opts` brings an AWS provider (`providers={"aws": p}`, `provider=p`, or through `parent`), every
    resource uses it, and its region must be `config.target.region` (the containers' log region and the KMS grant
    name that region). Otherwise the component creates its own, `<name>-aws`, for `target.region`, tagging every
    resource with the stack's tags (`naming.tags`).

    Outputs: `url`, `image`, `cluster_name`, `api_service_name`, `queue_service_name`, `database_address`,
    `redis_address`, `repository_url`, `secret_arns`, `region`, `web_acl_arn` (with `ingress.waf`), `dashboard_name`,
    `alarm_topic_arn` (with `alarms.enabled`)."""

    url: pulumi.Output[str]
    image: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    api_service_name: pulumi.Output[str]
    queue_service_name: pulumi.Output[str]
    database_address: pulumi.Output[str]
    redis_address: pulumi.Output[str]
    repository_url: pulumi.Output[str] | None
    secret_arns: dict[str, pulumi.Output[str]]
    region: str | None
    edge_firewall: EdgeFirewall | None

    def __init__(self, name: str, args: AgentServerArgs, opts: pulumi.ResourceOptions | None = None):
        cfg, stack = args.config, args.stack
        given = opts
        super().__init__(TYPE, name, None, with_provider(given, "aws", lambda: provider(name, cfg, stack, given)))
        prefix = cfg.resource_prefix(stack)
        common = tags(cfg, stack)
        protected = cfg.postgres.deletion_protection
        env = cfg.environment
        opts_child = pulumi.ResourceOptions(parent=self)

        # encryption: one customer-managed key for data, secrets, images and logs (off by default).
        key = StackKey(child(name, "key"), StackKeyArgs(alias=prefix, region=cfg.target.region or "",
                                                        key_arn=cfg.encryption.kms_key, tags=common),
                       opts_child).key_arn if cfg.encryption.enabled else None
        network = Network(child(name, "network"), NetworkArgs(cfg.network, common, cfg.logs.retention_days, env,
                                                              log_kms_key_arn=key), opts_child)
        database = Database(child(name, "db"), DatabaseArgs(
            cfg.postgres, network.vpc_id, network.private_subnet_ids, common, env, identifier=f"{prefix}-postgres",
            audit_logs=cfg.audit.database_logs, log_retention_days=cfg.logs.retention_days, kms_key_arn=key),
            opts_child)
        cache = Cache(child(name, "cache"), CacheArgs(cfg.redis, network.vpc_id, network.private_subnet_ids, common,
                                                      kms_key_arn=key, environment=env), opts_child)

        # The tasks' security group: the data stores let it in, it reaches out only to them and to HTTPS.
        tasks_sg = private_security_group(child(name, "tasks-sg"), parent=self, vpc_id=network.vpc_id,
                                          description="Agent Server tasks", tags=common)
        ready: list[pulumi.Resource] = [
            database.allow_from("tasks", tasks_sg.id),
            cache.allow_from("tasks", tasks_sg.id),
            aws.vpc.SecurityGroupEgressRule(child(name, "tasks-to-db"), security_group_id=tasks_sg.id,
                                            referenced_security_group_id=database.security_group_id,
                                            ip_protocol="tcp", from_port=contract.POSTGRES_PORT,
                                            to_port=contract.POSTGRES_PORT, description="Postgres", opts=opts_child),
            aws.vpc.SecurityGroupEgressRule(child(name, "tasks-to-cache"), security_group_id=tasks_sg.id,
                                            referenced_security_group_id=cache.security_group_id,
                                            ip_protocol="tcp", from_port=contract.REDIS_PORT,
                                            to_port=contract.REDIS_PORT, description="Redis", opts=opts_child),
            # network.egress_ports, through NAT: the licence check, model APIs, image pulls and AWS APIs are HTTPS;
            # a webhook receiver on another port needs its port listed. 443 keeps its historical name.
            *(aws.vpc.SecurityGroupEgressRule(child(name, "tasks-to-https" if port == 443 else f"tasks-to-port-{port}"),
                                              security_group_id=tasks_sg.id, cidr_ipv4="0.0.0.0/0", ip_protocol="tcp",
                                              from_port=port, to_port=port,
                                              description="HTTPS" if port == 443 else f"TCP {port} (network.egress_ports)",
                                              opts=opts_child)
              for port in cfg.network.egress_ports),
        ]

        secrets = Secrets(child(name, "secrets"), SecretsArgs(
            path=prefix,
            created=created_secrets(args, database.uri, cache.uri),
            adopted=adopted_secrets(cfg),
            recovery_window_days=30 if protected else 0, kms_key_arn=key,
            tags=common), opts_child)

        # The server's own role, made by the master before any container starts (db_bootstrap).
        bootstrap = DatabaseBootstrap(child(name, "db-bootstrap"), DatabaseBootstrapArgs(
            name_prefix=prefix, vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids,
            database_security_group_id=database.security_group_id, master_uri=database.master_uri,
            server_secret_arn=secrets.arns[contract.SecretEnv.POSTGRES_URI.value],
            server_secret_version=secrets.version_ids[contract.SecretEnv.POSTGRES_URI.value],
            role=cfg.postgres.server_username, database=cfg.postgres.database_name,
            extensions=postgres_extensions(args), iam=cfg.postgres.auth == "iam",
            log_retention_days=cfg.logs.retention_days, kms_key_arn=key, region=cfg.target.region or "",
            recovery_window_days=30 if protected else 0, depends_on=[database], tags=common), opts_child)
        ready.append(bootstrap.invocation)

        registry = None
        if cfg.app.image:
            image_ref: pulumi.Input[str] = cfg.app.image
        else:
            registry = Registry(child(name, "registry"),
                                RegistryArgs(repository_name=prefix, force_delete=not protected, kms_key_arn=key,
                                             tags=common), opts_child)
            image_ref = build_image(child(name, "image"), args, registry.repository_url, self, registry.login())

        certificate_arn: pulumi.Input[str] | None = cfg.ingress.certificate_arn
        if certificate_arn is None and cfg.ingress.domain and cfg.ingress.hosted_zone_id:
            certificate_arn = self._certificate(name, cfg, common)

        access_logs = AccessLogs(child(name, "access-logs"), AccessLogsArgs(
            name_prefix=prefix, region=cfg.target.region or "", retention_days=cfg.audit.access_log_retention_days,
            force_destroy=not protected, tags=common), opts_child) if cfg.audit.access_logs else None
        grace = limits.shutdown_grace_seconds(cfg)
        roles = role_specs(cfg, grace, stack=stack)
        for spec in roles.values():
            spec.environment[REVISION_ENV] = secrets.revision()
        service = Service(child(name, "service"), ServiceArgs(
            runtime=cfg.runtime(), prefix=prefix, region=cfg.target.region or "", image=image_ref,
            **roles,
            vpc_id=network.vpc_id, public_subnet_ids=network.public_subnet_ids,
            private_subnet_ids=network.private_subnet_ids, tasks_security_group_id=tasks_sg.id,
            secrets=secrets, secret_names=contract.secret_env_names(list(cfg.secrets)),
            ingress=cfg.ingress, log_retention_days=cfg.logs.retention_days, shutdown_grace_seconds=grace,
            repository_arn=registry.repository_arn if registry else None, certificate_arn=certificate_arn,
            secret_kms_key_arns=[*sorted({s.kms_key_arn for s in cfg.secrets.values() if s.kms_key_arn}),
                                 *([key] if key is not None else [])],
            log_kms_key_arn=key,
            enable_exec=cfg.server.enable_exec, access_logs=access_logs,
            database_connect_arn=database.server_connect_arn if cfg.postgres.auth == "iam" else None,
            deletion_protection=protected, depends_on=ready, tags=common, environment=env,
            backlog_stack=args.stack,
            api_requests_per_replica=api_figure(cfg.api.cpu).value if cfg.capacity.requests_per_second else None,
            collector=CollectorArgs(stack=stack) if cfg.observability.collector else None),
            opts_child)

        # The edge rate limit and managed rules (prod's default): the API's only public entry point is the ALB.
        self.edge_firewall = EdgeFirewall(child(name, "edge"), EdgeFirewallArgs(
            name_prefix=prefix, load_balancer_arn=service.load_balancer.arn,
            rate_limit_per_ip=cfg.ingress.rate_limit_per_ip, tags=common), opts_child) if cfg.ingress.waf else None

        # Day two: alarms that tell `alarms.notify` and a dashboard, on what this stack created.
        watched = WatchedResources(
            load_balancer_arn_suffix=service.load_balancer.arn_suffix,
            target_group_arn_suffix=service.target_group.arn_suffix, cluster_name=service.cluster_name,
            api_service_name=service.api_service_name, queue_service_name=service.queue_service_name,
            db_instance_id=database.instance_id, cache_node_ids=cache.node_ids,
            db_connection_budget=(max_connections(cfg) or 0) - cfg.postgres.connection_reserve)
        self.alarms = Alarms(child(name, "alarms"), AlarmsArgs(
            prefix=prefix, stack=stack, settings=cfg.alarms, api_min_replicas=cfg.api.min_replicas,
            queue_min_replicas=cfg.queue.min_replicas, db_storage_gib=cfg.postgres.storage_gib, tags=common,
            watched=watched), opts_child) if cfg.alarms.enabled else None
        self.dashboard = Dashboard(child(name, "dashboard"), DashboardArgs(
            name=prefix, region=cfg.target.region or "", stack=stack,
            alarm_arns=self.alarms.alarm_arns if self.alarms else [], watched=watched), opts_child)

        if cfg.ingress.domain and cfg.ingress.hosted_zone_id:
            aws.route53.Record(child(name, "dns"), zone_id=cfg.ingress.hosted_zone_id, name=cfg.ingress.domain,
                               type="A", aliases=[aws.route53.RecordAliasArgs(
                                   name=service.load_balancer.dns_name, zone_id=service.load_balancer.zone_id,
                                   evaluate_target_health=True)], opts=opts_child)

        self.url = service.url
        self.image = pulumi.Output.from_input(image_ref)
        self.cluster_name = service.cluster_name
        self.api_service_name = service.api_service_name
        self.queue_service_name = service.queue_service_name
        self.database_address = database.address
        self.redis_address = cache.address
        self.repository_url = registry.repository_url if registry else None
        self.secret_arns = secrets.arns
        self.region = cfg.target.region
        self.network, self.database, self.cache, self.secrets, self.service = network, database, cache, secrets, service
        self.db_bootstrap = bootstrap
        self.register_outputs(self.exports())

    def _certificate(self, name: str, cfg: StackConfig, common: dict[str, str]) -> pulumi.Output[str]:
        """A DNS-validated ACM certificate for `ingress.domain`, in `ingress.hosted_zone_id`."""
        opts = pulumi.ResourceOptions(parent=self)
        cert = aws.acm.Certificate(child(name, "cert"), domain_name=cfg.ingress.domain, validation_method="DNS",
                                   tags=common, opts=pulumi.ResourceOptions(parent=self,
                                                                            delete_before_replace=False))
        option = cert.domain_validation_options[0]
        record = aws.route53.Record(child(name, "cert-validation"), zone_id=cfg.ingress.hosted_zone_id,
                                    name=option.resource_record_name, type=option.resource_record_type,
                                    records=[option.resource_record_value], ttl=300, allow_overwrite=True,
                                    opts=opts)
        validation = aws.acm.CertificateValidation(child(name, "cert"), certificate_arn=cert.arn,
                                                   validation_record_fqdns=[record.fqdn], opts=opts)
        return validation.certificate_arn

    def exports(self) -> dict[str, Any]:
        """Flat values for the stack's outputs: what people open and what CI smoke-tests and promotes."""
        return {
            "url": self.url,
            "image": self.image,
            "cloud": "aws",
            "region": self.region,
            "cluster_name": self.cluster_name,
            "api_service_name": self.api_service_name,
            "queue_service_name": self.queue_service_name,
            "database_address": self.database_address,
            "redis_address": self.redis_address,
            "repository_url": self.repository_url,
            "secret_arns": self.secret_arns,
            "web_acl_arn": self.edge_firewall.web_acl_arn if self.edge_firewall else None,
            "alarm_topic_arn": self.alarms.topic_arn if self.alarms else None,
            "dashboard_name": self.dashboard.dashboard_name,
        }


def provider(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> aws.Provider:
    """The AWS provider of one server: `target.region`, the stack's tags on every resource, named after the server
    (`<name>-aws`) so that several servers can share a program."""
    return aws.Provider(child(name, "aws"), region=cfg.target.region,
                        default_tags=aws.ProviderDefaultTagsArgs(tags=tags(cfg, stack)), opts=opts)


def for_stack(name: str, cfg: StackConfig, stack: str, opts: pulumi.ResourceOptions | None = None) -> AgentServer:
    """The whole AWS deployment of one stack (the AgentServer creates its provider unless `opts` brings one)."""
    return AgentServer(name, AgentServerArgs(config=cfg, stack=stack), opts)
