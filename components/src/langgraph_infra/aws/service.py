"""Service: the Agent Server on ECS Fargate, in two roles from one image. The API behind an internet-facing ALB
(HTTPS when a certificate or domain is given, long idle timeout for SSE streams), the queue worker as its own
service that never scales to zero. Each role has its own least-privilege execution role, log group and autoscaling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .. import contract, observability
from ..config import IngressSettings, RoleSettings
from ..derive.capacity import backlog_target
from ..naming import child
from ..rules.acceptance import accepted
from ..server import RoleSpec, ServiceRolesArgs, settle_roles
from . import api_scaling, collector, container, limits, policies, queue_scaling
from .access_logs import AccessLogs
from .secrets import Secrets
from .trust import service_trust

TYPE = "langgraph-infra:aws:Service"
CLOUD = "aws"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass
class ServiceArgs(ServiceRolesArgs):
    """The API and queue roles on ECS Fargate: a cluster, an internet-facing load balancer for the API, a task
    definition, service, execution role, task role and log group per role, and autoscaling when a role's
    `max_replicas` exceeds its `min_replicas`."""

    region: str
    """The region the tasks run in (the provider's, e.g. `target.region`): it names the log region of the
    containers (`awslogs-region`) and the Secrets Manager endpoint of the KMS grant (`kms:ViaService`)."""
    vpc_id: pulumi.Input[str]
    """The VPC of the load balancer, its security group and target group."""
    public_subnet_ids: Sequence[pulumi.Input[str]]
    """Public subnets of the load balancer, in at least two zones (an ALB needs two)."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets the tasks run in (with a route out for the licence check)."""
    tasks_security_group_id: pulumi.Input[str]
    """The tasks' security group (the data stores allow it in); the load balancer is allowed in here."""
    secrets: Secrets
    """The `Secrets` component holding every secret named in `secret_names`."""
    secret_names: list[str]
    """Variables passed from `secrets` by reference, to both roles."""
    ingress: IngressSettings
    """Who may reach the load balancer (`allowed_cidrs`), its idle timeout and `domain`."""
    log_retention_days: int
    """How long the containers' logs are kept, in days (a CloudWatch retention value)."""
    shutdown_grace_seconds: int
    """The server's grace period for running jobs on stop; the target group drains for as long."""
    repository_arn: pulumi.Input[str] | None = None
    """ECR repository the execution roles may pull from. Default: none (a public image)."""
    certificate_arn: pulumi.Input[str] | None = None
    """Certificate for the HTTPS listener (from `ingress.certificate_arn` or one issued for `ingress.domain`).
    Default: none, and the load balancer listens on HTTP port 80 only."""
    deletion_protection: bool = False
    """Load balancer deletion protection. Default: off (on in prod, with the stack's other protections)."""
    enable_exec: bool = False
    """ECS Exec into running tasks (`aws ecs execute-command`). Default: off."""
    database_connect_arn: pulumi.Input[str] | None = None
    """With IAM database authentication (`postgres.auth=iam`): the database user both task roles may sign in as
    (`rds-db:connect`). Default: none (the URI's password)."""
    secret_kms_key_arns: list[pulumi.Input[str]] = field(default_factory=list)
    """Customer KMS keys of adopted secrets: the execution roles may decrypt with them via Secrets Manager.
    Default: none (secrets under the AWS-managed key need no grant)."""
    collector: collector.CollectorArgs | None = None
    """An OpenTelemetry collector (ADOT) beside the server in every task: the server's metrics to CloudWatch (the
    queue backlog and workers), its traces to X-Ray, through a metrics log group kept `log_retention_days`.
    Default: none (only the platform's own metrics)."""
    log_kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key of the containers' log groups. Default: none, CloudWatch Logs' own encryption."""
    access_logs: AccessLogs | None = None
    """Where the load balancer writes its access logs (an `AccessLogs` bucket). Default: none, no access logs."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """Resources the services wait for (the data stores' ingress rules), so the first tasks can connect.
    Default: nothing beyond the service's own resources."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource created. Default: none beyond the provider's default tags."""
    backlog_stack: str | None = None
    """The stack name the queue's backlog metric is published under (`contract.PENDING_RUNS_METRIC`, dimension
    `contract.STACK_DIMENSION`): the autoscaled queue then tracks runs in flight per task (aws/queue_scaling.py).
    Default: none, and the queue scales on CPU like the API."""
    api_requests_per_replica: float | None = None
    """Requests/s one API task carries (`capacity.api_figure`): the API then also tracks the load balancer's requests
    per task at this figure (aws/api_scaling.py). Default: none, CPU only."""

    def __post_init__(self) -> None:
        settle_roles(self, CLOUD)


def autoscaled(settings: RoleSettings) -> bool:
    return settings.max_replicas > settings.min_replicas


def listeners(https: bool) -> list[tuple[int, str]]:
    """(port, behaviour) of the load balancer's listeners: with HTTPS, port 80 only redirects."""
    return [(443, "forward"), (80, "redirect")] if https else [(80, "forward")]


class Service(pulumi.ComponentResource):
    """Outputs: `url`, `load_balancer_dns_name`, `cluster_name`, `api_service_name`, `queue_service_name`,
    `api_log_group`, `queue_log_group`."""

    url: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    api_service_name: pulumi.Output[str]
    queue_service_name: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._args = args
        self._name = name
        opts_child = pulumi.ResourceOptions(parent=self)
        self.cluster = aws.ecs.Cluster(
            child(name, "cluster"), name=args.prefix,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            tags=args.tags, opts=opts_child)
        https = args.certificate_arn is not None
        self.metrics_log_group = aws.cloudwatch.LogGroup(
            child(name, "metrics"), name=collector.metrics_log_group_name(args.prefix),
            retention_in_days=args.log_retention_days, kms_key_id=args.log_kms_key_arn, tags=args.tags,
            opts=opts_child) if args.collector else None
        lb_sg, target_group, self.load_balancer = self._load_balancer(https)
        self.target_group = target_group

        self.api_log_group, self.api_service = self._role(contract.Role.API, args.api, target_group, lb_sg)
        self.queue_log_group, self.queue_service = self._role(contract.Role.QUEUE, args.queue, None, None)

        scheme = "https" if https else "http"
        host = args.ingress.domain or self.load_balancer.dns_name
        self.url = pulumi.Output.concat(scheme, "://", host)
        self.load_balancer_dns_name = self.load_balancer.dns_name
        self.cluster_name = self.cluster.name
        self.api_service_name = self.api_service.name
        self.queue_service_name = self.queue_service.name
        self.register_outputs({
            "url": self.url, "load_balancer_dns_name": self.load_balancer_dns_name,
            "cluster_name": self.cluster_name, "api_service_name": self.api_service_name,
            "queue_service_name": self.queue_service_name,
        })

    def _load_balancer(self, https: bool
                       ) -> tuple[aws.ec2.SecurityGroup, aws.lb.TargetGroup, aws.lb.LoadBalancer]:
        a, name = self._args, self._name
        opts = pulumi.ResourceOptions(parent=self)
        lb_sg = aws.ec2.SecurityGroup(child(name, "lb-sg"), vpc_id=a.vpc_id,
                                      description="Agent Server load balancer", tags=a.tags, opts=opts)
        for port, _ in listeners(https):
            for i, cidr in enumerate(a.ingress.allowed_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    child(name, f"lb-in-{port}-{i}"), security_group_id=lb_sg.id, cidr_ipv4=cidr,
                    ip_protocol="tcp", from_port=port, to_port=port, description=f"clients on {port}", opts=opts)
        # The load balancer talks to the API tasks on the server port, and to nothing else.
        aws.vpc.SecurityGroupEgressRule(
            child(name, "lb-out-tasks"), security_group_id=lb_sg.id,
            referenced_security_group_id=a.tasks_security_group_id, ip_protocol="tcp",
            from_port=contract.PORT, to_port=contract.PORT, description="to the API tasks", opts=opts)
        aws.vpc.SecurityGroupIngressRule(
            child(name, "tasks-from-lb"), security_group_id=a.tasks_security_group_id,
            referenced_security_group_id=lb_sg.id, ip_protocol="tcp", from_port=contract.PORT,
            to_port=contract.PORT, description="API from the load balancer", opts=opts)

        lb = aws.lb.LoadBalancer(
            child(name, "alb"), load_balancer_type="application", internal=False,
            subnets=a.public_subnet_ids, security_groups=[lb_sg.id],
            idle_timeout=a.ingress.idle_timeout_seconds, drop_invalid_header_fields=True,
            enable_deletion_protection=a.deletion_protection,
            access_logs=a.access_logs.access_logs() if a.access_logs else None, tags=a.tags,
            # ELB checks it may write to the bucket when logging is set: the bucket policy comes first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[a.access_logs.ready] if a.access_logs else None))
        target_group = aws.lb.TargetGroup(
            child(name, "api"), name_prefix="lgapi-", port=contract.PORT, protocol="HTTP", target_type="ip",
            vpc_id=a.vpc_id,
            # Let open streams finish while a task drains, within the server's own grace period.
            deregistration_delay=a.shutdown_grace_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                path=contract.HEALTH_PATH, matcher="200", interval=15, timeout=5, healthy_threshold=2,
                unhealthy_threshold=3),
            # Accepted: plain HTTP from the load balancer to the task never leaves the VPC, between two security
            # groups that admit only each other; the server image has no TLS listener of its own.
            tags={**a.tags, **accepted("alb-target-https",
                                       "HTTP stays inside the VPC between two security groups: no TLS in the image")},
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False))
        for port, behaviour in listeners(https):
            if behaviour == "redirect":
                action = aws.lb.ListenerDefaultActionArgs(type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    protocol="HTTPS", port="443", status_code="HTTP_301"))
            else:
                action = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
            aws.lb.Listener(
                child(name, f"listener-{port}"), load_balancer_arn=lb.arn, port=port,
                protocol="HTTPS" if port == 443 else "HTTP",
                ssl_policy=TLS_POLICY if port == 443 else None,
                certificate_arn=a.certificate_arn if port == 443 else None,
                default_actions=[action], tags=a.tags, opts=opts)
        return lb_sg, target_group, lb

    def _role(self, role: contract.Role, spec: RoleSpec, target_group: aws.lb.TargetGroup | None,
              lb_sg: aws.ec2.SecurityGroup | None) -> tuple[aws.cloudwatch.LogGroup, aws.ecs.Service]:
        a, name = self._args, child(self._name, role.value)
        opts = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(name, name=f"/ecs/{a.prefix}/{role.value}",
                                            retention_in_days=a.log_retention_days, kms_key_id=a.log_kms_key_arn,
                                            tags=a.tags, opts=opts)
        trust = service_trust("ecs-tasks.amazonaws.com", policies.ecs_source_arn, parent=self, region=a.region or None)
        execution_role = aws.iam.Role(child(name, "execution"), assume_role_policy=trust,
                                      description=f"ECS starts the {role.value} tasks", tags=a.tags, opts=opts)
        aws.iam.RolePolicy(
            child(name, "execution"), role=execution_role.id,
            policy=pulumi.Output.all(a.secrets.arn_list(a.secret_names), log_group.arn, a.repository_arn,
                                     pulumi.Output.all(*a.secret_kms_key_arns)).apply(
                lambda v: policies.execution_role(v[0], v[1], v[2], v[3], a.region)),
            opts=opts)
        task_role = aws.iam.Role(child(name, "task"), assume_role_policy=trust,
                                 description=f"The {role.value} containers' own AWS identity", tags=a.tags, opts=opts)
        if a.enable_exec:
            aws.iam.RolePolicy(child(name, "exec"), role=task_role.id, policy=policies.exec_command(), opts=opts)
        if a.database_connect_arn is not None:
            aws.iam.RolePolicy(child(name, "db-connect"), role=task_role.id, opts=opts,
                               policy=pulumi.Output.from_input(a.database_connect_arn).apply(
                                   lambda arn: policies.connect_database([arn])))
        environment = dict(spec.environment)
        metrics_group = self.metrics_log_group
        if a.collector and metrics_group is not None:
            aws.iam.RolePolicy(child(name, "telemetry"), role=task_role.id,
                               policy=metrics_group.arn.apply(collector.task_role_policy), opts=opts)
            environment.update(observability.otlp_environment(f"{a.prefix}-{role.value}"))

        stop_timeout = limits.FARGATE_MAX_STOP_TIMEOUT

        def definitions_of(v: list[Any]) -> str:
            server = container.container_definition(
                role=role, image=v[0], environment=dict(zip(environment, v[4:], strict=True)), secrets=v[1],
                log_group=v[2], region=a.region, stop_timeout_seconds=stop_timeout, runtime=a.runtime,
                enable_exec=a.enable_exec)
            if a.collector is None:
                return container.canonical([server])
            return container.canonical([server, collector.container_definition(
                args=a.collector, role=role, region=a.region, log_group=v[2], metrics_log_group=v[3])])

        # The environment's values may be Outputs (`RoleSpec.environment` takes inputs): resolved with the rest.
        definitions = pulumi.Output.all(a.image, a.secrets.container_secrets(a.secret_names), log_group.name,
                                        metrics_group.name if metrics_group is not None else "",
                                        *environment.values()).apply(definitions_of)
        task = aws.ecs.TaskDefinition(
            name, family=f"{a.prefix}-{role.value}",
            cpu=str(limits.fargate_cpu_units(spec.settings.cpu)), memory=str(spec.settings.memory_mib),
            network_mode="awsvpc", requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(operating_system_family="LINUX",
                                                                       cpu_architecture="X86_64"),
            execution_role_arn=execution_role.arn, task_role_arn=task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume)
                     for volume, _ in sorted(container.scratch_volumes(a.enable_exec))],
            container_definitions=definitions, tags=a.tags, opts=opts)

        load_balancers = []
        if target_group is not None:
            load_balancers.append(aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=target_group.arn, container_name=container.CONTAINER_NAME,
                container_port=contract.PORT))
        service = aws.ecs.Service(
            name, name=f"{a.prefix}-{role.value}", cluster=self.cluster.arn, task_definition=task.arn,
            desired_count=spec.settings.min_replicas, launch_type="FARGATE", platform_version="1.4.0",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=a.private_subnet_ids, security_groups=[a.tasks_security_group_id], assign_public_ip=False),
            load_balancers=load_balancers,
            health_check_grace_period_seconds=120 if target_group is not None else None,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=limits.DEPLOYMENT_MAXIMUM_PERCENT,
            enable_execute_command=a.enable_exec, propagate_tags="SERVICE", enable_ecs_managed_tags=True,
            wait_for_steady_state=True, tags=a.tags,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=a.depends_on,
                # Autoscaling owns the running count once it is on: Pulumi must not reset it on every `up`.
                ignore_changes=["desiredCount"] if autoscaled(spec.settings) else None))
        if autoscaled(spec.settings):
            self._autoscaling(name, service, spec.settings, role, target_group)
        return log_group, service

    def _autoscaling(self, name: str, service: aws.ecs.Service, settings: RoleSettings, role: contract.Role,
                     target_group: aws.lb.TargetGroup | None) -> None:
        opts = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            child(name, "scaling"), service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", service.name),
            min_capacity=settings.min_replicas, max_capacity=settings.max_replicas, opts=opts)
        if role is contract.Role.QUEUE and self._args.backlog_stack:
            # Runs wait on model calls, not CPU: the queue follows its backlog (aws/queue_scaling.py).
            jobs = getattr(settings, "n_jobs_per_worker", contract.DEFAULT_N_JOBS_PER_WORKER)
            queue_scaling.backlog_policy(child(name, "backlog"), target, self._args.backlog_stack, self.cluster.name,
                                         service.name, backlog_target(jobs), opts)
            return
        if target_group is not None and self._args.api_requests_per_replica:
            api_scaling.request_policy(child(name, "requests"), target, self.load_balancer, target_group,
                                       self._args.api_requests_per_replica, opts)
        aws.appautoscaling.Policy(
            child(name, "cpu"), policy_type="TargetTrackingScaling", service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension, resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=settings.target_cpu_percent,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"),
                scale_in_cooldown=300, scale_out_cooldown=60),
            opts=opts)
