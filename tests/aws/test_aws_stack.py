"""The AWS stacks (Pulumi.dev.yaml, Pulumi.prod.yaml) as the real program registers them under Pulumi's mocks.

Given a stack file, when the program runs, then each resource is registered with the inputs users rely on.
Assertions read the recorded registrations, never run inside Output.apply.
"""

from __future__ import annotations

import json

import pytest

from langgraph_infra import contract
from langgraph_infra.mocks import mock_id
from langgraph_infra.plan import unwrap
from tests.conftest import plan_of

RDS = "aws:rds/instance:Instance"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
TASKDEF = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


def containers(plan, role: str) -> list[dict]:
    """The Agent Server's container of a role's task definition (the collector sidecar is tested on its own)."""
    return [c for c in json.loads(plan.one(TASKDEF, f"agent-service-{role}").inputs["containerDefinitions"])
            if c["name"] == "agent-server"]


def env_of(plan, role: str) -> dict[str, str]:
    [c] = containers(plan, role)
    return {e["name"]: e["value"] for e in c["environment"]}


# Postgres ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_postgres_is_private_encrypted_major_version_only(stack):
    db = plan_of(stack).one(RDS).inputs
    assert db["engine"] == "postgres" and db["engineVersion"] == "16"
    assert db["storageEncrypted"] is True
    assert db["publiclyAccessible"] is False


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_postgres_forces_tls(stack):
    params = plan_of(stack).one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"} in params


def test_prod_postgres_is_multi_az_protected_with_final_snapshot():
    plan = plan_of("prod")
    db = plan.one(RDS)
    assert db.inputs["multiAz"] is True
    assert db.inputs["deletionProtection"] is True
    assert db.protect is True
    assert db.inputs["skipFinalSnapshot"] is False and db.inputs["finalSnapshotIdentifier"]
    assert db.inputs["backupRetentionPeriod"] >= 7


def test_dev_postgres_is_single_az_and_disposable():
    db = plan_of("dev").one(RDS)
    assert db.inputs["multiAz"] is False
    assert db.inputs["deletionProtection"] is False and db.protect is False
    assert db.inputs["skipFinalSnapshot"] is True


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_postgres_password_is_generated_and_secret(stack):
    db = plan_of(stack).one(RDS).inputs
    assert db["password"] == "[secret]" or isinstance(db["password"], dict)
    assert plan_of(stack).one(RDS).as_dict()["inputs"]["password"] == "[secret]"


@pytest.mark.parametrize("stack,store,port", [("dev", "agent-db", 5432), ("prod", "agent-db", 5432),
                                               ("dev", "agent-cache", 6379), ("prod", "agent-cache", 6379)])
def test_data_stores_open_one_port_to_the_tasks_only(stack, store, port):
    plan = plan_of(stack)
    rules = [r for r in plan.by_type(INGRESS_RULE) if r.parent == store]
    assert len(rules) == 1
    rule = rules[0].inputs
    assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (port, port, "tcp")
    assert rule["referencedSecurityGroupId"] == mock_id("agent-tasks-sg", SG)
    assert "cidrIpv4" not in rule


# Redis ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_redis_encrypts_in_transit_and_at_rest_with_auth(stack):
    redis = plan_of(stack).one(REDIS)
    assert redis.inputs["transitEncryptionEnabled"] is True
    assert redis.inputs["atRestEncryptionEnabled"] is True
    assert redis.as_dict()["inputs"]["authToken"] == "[secret]"
    assert redis.inputs["engine"] == "valkey"
    assert float(redis.inputs["engineVersion"]) >= 7


def test_prod_redis_has_a_replica_and_automatic_failover():
    redis = plan_of("prod").one(REDIS).inputs
    assert redis["numCacheClusters"] == 2
    assert redis["automaticFailoverEnabled"] is True and redis["multiAzEnabled"] is True


def test_dev_redis_is_one_node():
    redis = plan_of("dev").one(REDIS).inputs
    assert redis["numCacheClusters"] == 1 and redis["automaticFailoverEnabled"] is False


# Registry and image ---------------------------------------------------------------------------------------------

def test_registry_scans_on_push_with_immutable_tags_and_a_lifecycle():
    plan = plan_of("dev")
    repo = plan.one("aws:ecr/repository:Repository").inputs
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    rules = json.loads(plan.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]
    assert any(r["selection"]["tagStatus"] == "untagged" for r in rules)
    assert any(r["selection"]["countType"] == "imageCountMoreThan" for r in rules)


def test_image_is_built_from_the_app_with_a_dockerfile_generated_at_plan_time_and_pushed(root):
    image = plan_of("dev").one("docker-build:index:Image").inputs
    assert image["push"] is True
    assert image["dockerfile"]["inline"] == (root / "app" / "Dockerfile").read_text()
    assert image["context"]["location"] == "../app"
    assert image["platforms"] == ["linux/amd64"]
    assert image["buildOnPreview"] is False


@pytest.mark.parametrize("role", ["api", "queue"])
def test_services_deploy_the_image_by_digest(role):
    [c] = containers(plan_of("dev"), role)
    assert "@sha256:" in c["image"] and c["image"].split("@")[0].endswith(":" + c["image"].split(":")[-2].split("@")[0])


def test_promotion_deploys_the_given_digest_and_builds_nothing():
    digest = "123456789012.dkr.ecr.us-east-1.amazonaws.com/langgraph-dev@sha256:" + "a" * 64
    plan = plan_of("prod", f"app.image={digest}")
    assert plan.by_type("docker-build:index:Image") == []
    assert containers(plan, "api")[0]["image"] == digest
    assert plan.outputs["image"] == digest


# Secrets -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack,licence", [("dev", "LANGSMITH_API_KEY"), ("prod", "LANGGRAPH_CLOUD_LICENSE_KEY")])
def test_every_server_secret_is_a_secrets_manager_entry(stack, licence):
    plan = plan_of(stack)
    names = {r.inputs["name"] for r in plan.by_type("aws:secretsmanager/secret:Secret")}
    # postgres-master is the database bootstrap's, which no container reads (test_aws_db_bootstrap.py).
    assert names == {f"langgraph-{stack}/{n}" for n in ["POSTGRES_URI", "REDIS_URI", licence, "OPENAI_API_KEY",
                                                                 "AGENT_API_KEYS", "postgres-master"]}
    for version in plan.by_type("aws:secretsmanager/secretVersion:SecretVersion"):
        assert version.as_dict()["inputs"]["secretString"] == "[secret]"


@pytest.mark.parametrize("role", ["api", "queue"])
def test_containers_get_secrets_only_by_reference(role):
    plan = plan_of("dev")
    [c] = containers(plan, role)
    refs = {s["name"]: s["valueFrom"] for s in c["secrets"]}
    assert set(refs) == {"POSTGRES_URI", "REDIS_URI", "LANGSMITH_API_KEY", "OPENAI_API_KEY", "AGENT_API_KEYS"}
    assert all(v.startswith("arn:aws:secretsmanager:") for v in refs.values())
    assert not set(refs) & {e["name"] for e in c["environment"]}


def test_adopted_secret_by_arn_is_referenced_not_created():
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/openai-Ab12Cd"
    plan = plan_of("dev", f'secrets.OPENAI_API_KEY={{"existing": "{arn}"}}')
    names = {r.inputs["name"] for r in plan.by_type("aws:secretsmanager/secret:Secret")}
    assert "langgraph-dev/OPENAI_API_KEY" not in names
    refs = {s["name"]: s["valueFrom"] for s in containers(plan, "api")[0]["secrets"]}
    assert refs["OPENAI_API_KEY"] == arn
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "agent-service-api-execution").inputs["policy"])
    assert arn in policy["Statement"][0]["Resource"]


def test_adopted_secret_by_name_is_looked_up():
    plan = plan_of("dev", 'secrets.OPENAI_API_KEY={"existing": "shared/openai"}')
    refs = {s["name"]: s["valueFrom"] for s in containers(plan, "api")[0]["secrets"]}
    assert refs["OPENAI_API_KEY"].endswith(":secret:shared/openai-mock00")


# Service -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_api_runs_no_jobs_and_queue_runs_the_queue_entrypoint(stack):
    plan = plan_of(stack)
    assert env_of(plan, "api")["N_JOBS_PER_WORKER"] == "0"
    assert int(env_of(plan, "queue")["N_JOBS_PER_WORKER"]) >= 1
    [queue] = containers(plan, "queue")
    [api] = containers(plan, "api")
    assert queue["command"] == [contract.QUEUE_ENTRYPOINT]
    assert "command" not in api


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stop_timeout_exceeds_the_servers_shutdown_grace(stack):
    plan = plan_of(stack)
    for role in ("api", "queue"):
        [c] = containers(plan, role)
        grace = int(env_of(plan, role)["BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS"])
        assert c["stopTimeout"] <= 120
        assert c["stopTimeout"] >= grace + contract.SHUTDOWN_MARGIN_SECONDS


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_services_roll_back_a_failed_deployment(stack):
    for svc in plan_of(stack).by_type(SERVICE):
        assert svc.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert svc.inputs["networkConfiguration"]["assignPublicIp"] is False


def test_queue_never_scales_to_zero_and_prod_autoscales_both_roles():
    plan = plan_of("prod")
    targets = {r.name: r.inputs for r in plan.by_type("aws:appautoscaling/target:Target")}
    assert set(targets) == {"agent-service-api-scaling", "agent-service-queue-scaling"}
    assert targets["agent-service-queue-scaling"]["minCapacity"] >= 2
    assert all(t["maxCapacity"] > t["minCapacity"] for t in targets.values())
    # API: CPU and requests per task; queue: its backlog (tests/aws/test_scaling.py).
    assert len(plan.by_type("aws:appautoscaling/policy:Policy")) == 3
    assert plan_of("dev").by_type("aws:appautoscaling/target:Target") == []


def test_load_balancer_keeps_streams_open_and_checks_health():
    plan = plan_of("dev")
    assert plan.one("aws:lb/loadBalancer:LoadBalancer").inputs["idleTimeout"] >= 900
    tg = plan.one("aws:lb/targetGroup:TargetGroup").inputs
    assert tg["healthCheck"]["path"] == contract.HEALTH_PATH and tg["port"] == contract.PORT
    assert "namePrefix" in tg and "name" not in tg


def test_prod_listens_https_only_and_redirects_http():
    plan = plan_of("prod")
    listeners = {r.inputs["port"]: r.inputs for r in plan.by_type("aws:lb/listener:Listener")}
    assert listeners[443]["protocol"] == "HTTPS" and listeners[443]["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert listeners[443]["certificateArn"]
    assert listeners[80]["defaultActions"][0]["type"] == "redirect"
    assert listeners[80]["defaultActions"][0]["redirect"]["protocol"] == "HTTPS"
    assert plan.outputs["url"] == "https://agents.example.com"


def test_dev_without_certificate_serves_http_on_the_load_balancer_name():
    plan = plan_of("dev")
    assert [r.inputs["port"] for r in plan.by_type("aws:lb/listener:Listener")] == [80]
    assert plan.outputs["url"].startswith("http://") and plan.outputs["url"].endswith(".elb.amazonaws.com")


def test_tasks_reach_out_only_to_postgres_redis_and_https():
    plan = plan_of("dev")
    egress = [r.inputs for r in plan.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
              if r.inputs["securityGroupId"] == mock_id("agent-tasks-sg", SG)]
    assert sorted(e["fromPort"] for e in egress) == [443, 5432, 6379]


def test_each_role_logs_with_retention():
    for stack, days in [("dev", 7), ("prod", 30)]:
        groups = [g for g in plan_of(stack).by_type("aws:cloudwatch/logGroup:LogGroup") if g.parent == "agent-service"]
        # api, queue, and the collector's metric records
        assert len(groups) == 3 and all(g.inputs["retentionInDays"] == days for g in groups)


def test_prod_records_vpc_flow_logs_with_retention_and_dev_does_not():
    plan = plan_of("prod")
    flow = plan.one("aws:ec2/flowLog:FlowLog").inputs
    assert flow["trafficType"] == "ALL" and flow["logDestinationType"] == "cloud-watch-logs"
    assert plan.one("aws:cloudwatch/logGroup:LogGroup", "agent-network-flow-logs").inputs["retentionInDays"] == 30
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "agent-network-flow-logs").inputs["policy"])
    assert all("*" != r for st in policy["Statement"] for r in st["Resource"])
    assert plan_of("dev").by_type("aws:ec2/flowLog:FlowLog") == []


def test_execution_role_reads_exactly_its_secrets():
    plan = plan_of("dev")
    secret_arns = {s["valueFrom"] for s in containers(plan, "api")[0]["secrets"]}
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "agent-service-api-execution").inputs["policy"])
    [read] = [s for s in policy["Statement"] if "secretsmanager:GetSecretValue" in s["Action"]]
    assert set(read["Resource"]) == secret_arns
    assert read["Action"] == ["secretsmanager:GetSecretValue"]


def test_task_roles_hold_no_permissions_by_default():
    plan = plan_of("dev")
    attached = {r.name for r in plan.by_type("aws:iam/rolePolicy:RolePolicy")}
    assert not any(name.endswith("-task") or name.endswith("-exec") for name in attached)


def test_exports_give_ci_what_it_needs_to_smoke_test_and_promote():
    outputs = plan_of("dev").outputs
    for key in ("url", "image", "cluster_name", "api_service_name", "queue_service_name", "region"):
        assert outputs[key], key
    assert "@sha256:" in outputs["image"]


def test_every_resource_is_a_child_of_the_agent_server():
    plan = plan_of("dev")
    orphans = [r.name for r in plan.resources if r.parent in (None, "langgraph-infra-dev")
               and r.type not in ("langgraph-infra:aws:AgentServer", "pulumi:providers:aws")]
    assert orphans == []


def test_resource_count_differs_between_dev_and_prod_only_by_ha_and_scaling():
    dev, prod = plan_of("dev"), plan_of("prod")
    assert len(prod.resources) > len(dev.resources)
    assert len(prod.by_type("aws:ec2/natGateway:NatGateway")) == 2
    assert len(dev.by_type("aws:ec2/natGateway:NatGateway")) == 1
    assert unwrap(dev.one(RDS).inputs)["instanceClass"] == "db.t4g.micro"


# Network and ingress variants ------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_subnets_span_two_zones_public_and_private(stack):
    subnets = {r.name: r.inputs for r in plan_of(stack).by_type("aws:ec2/subnet:Subnet")}
    public = [s for n, s in subnets.items() if "public" in n]
    private = [s for n, s in subnets.items() if "private" in n]
    assert len({s["availabilityZone"] for s in public}) >= 2
    assert len({s["availabilityZone"] for s in private}) >= 2
    assert all(s["mapPublicIpOnLaunch"] is False for s in public + private)


def test_private_subnets_reach_out_through_nat_and_public_through_the_internet_gateway():
    tables = {r.name: r.inputs for r in plan_of("prod").by_type("aws:ec2/routeTable:RouteTable")}
    assert tables["agent-network-public"]["routes"][0]["gatewayId"] == mock_id("agent-network-igw", "aws:ec2/internetGateway:InternetGateway")
    nat_ids = {tables[f"agent-network-private-{i}"]["routes"][0]["natGatewayId"] for i in range(2)}
    assert nat_ids == {mock_id(f"agent-network-nat-{i}", "aws:ec2/natGateway:NatGateway") for i in range(2)}


def test_default_security_group_of_the_vpc_allows_nothing():
    sg = plan_of("dev").one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs
    assert sg["ingress"] == [] and sg["egress"] == []


def test_adopted_network_creates_no_vpc_and_places_tasks_in_its_private_subnets():
    plan = plan_of("dev", 'network={"existing_vpc_id": "vpc-0abc", "existing_public_subnet_ids": ["subnet-p1", '
                          '"subnet-p2"], "existing_private_subnet_ids": ["subnet-a", "subnet-b"]}')
    assert plan.by_type("aws:ec2/vpc:Vpc") == [] and plan.by_type("aws:ec2/natGateway:NatGateway") == []
    for svc in plan.by_type(SERVICE):
        assert svc.inputs["networkConfiguration"]["subnets"] == ["subnet-a", "subnet-b"]
    assert plan.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == ["subnet-p1", "subnet-p2"]


def test_given_certificate_serves_https_without_issuing_one():
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666"
    plan = plan_of("prod", f'ingress={{"certificate_arn": "{arn}"}}')
    listeners = {r.inputs["port"]: r.inputs for r in plan.by_type("aws:lb/listener:Listener")}
    assert listeners[443]["certificateArn"] == arn
    assert plan.by_type("aws:acm/certificate:Certificate") == []
    assert plan.outputs["url"].startswith("https://") and plan.outputs["url"].endswith(".elb.amazonaws.com")


def test_domain_with_zone_issues_a_dns_validated_certificate_and_an_alias():
    plan = plan_of("prod")
    assert plan.one("aws:acm/certificate:Certificate").inputs["validationMethod"] == "DNS"
    records = {r.name: r.inputs for r in plan.by_type("aws:route53/record:Record")}
    assert records["agent-dns"]["name"] == "agents.example.com"
    assert records["agent-dns"]["aliases"][0]["evaluateTargetHealth"] is True


def test_load_balancer_is_open_only_on_listener_ports_and_reaches_only_the_api_port():
    plan = plan_of("prod")
    lb_in = [r.inputs for r in plan.by_type(INGRESS_RULE) if r.inputs["securityGroupId"] == mock_id("agent-service-lb-sg", SG)]
    assert sorted(r["fromPort"] for r in lb_in) == [80, 443]
    [lb_out] = [r.inputs for r in plan.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                if r.inputs["securityGroupId"] == mock_id("agent-service-lb-sg", SG)]
    assert lb_out["fromPort"] == lb_out["toPort"] == contract.PORT
    assert lb_out["referencedSecurityGroupId"] == mock_id("agent-tasks-sg", SG)


def test_explicit_max_connections_reaches_the_parameter_group():
    params = plan_of("dev", "postgres.max_connections=300").one("aws:rds/parameterGroup:ParameterGroup").inputs
    assert {"name": "max_connections", "value": "300", "applyMethod": "pending-reboot"} in params["parameters"]


KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ADOPTED_WITH_KMS = (f'secrets.OPENAI_API_KEY={{"existing": "arn:aws:secretsmanager:us-east-1:123456789012:secret:'
                    f'shared/openai-Ab12Cd", "kms_key_arn": "{KMS}"}}')


def test_adopted_secret_with_a_customer_key_grants_decrypt_through_secrets_manager_only():
    plan = plan_of("dev", ADOPTED_WITH_KMS)
    for role in ("api", "queue"):
        policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", f"agent-service-{role}-execution").inputs["policy"])
        [decrypt] = [s for s in policy["Statement"] if s["Action"] == ["kms:Decrypt"]]
        assert decrypt["Resource"] == [KMS]
        assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    default = json.loads(plan_of("dev").one("aws:iam/rolePolicy:RolePolicy", "agent-service-api-execution")
                         .inputs["policy"])
    assert not any("kms:Decrypt" in s["Action"] for s in default["Statement"])


def test_ecs_exec_is_off_unless_asked_and_then_grants_only_ssm_channels():
    assert all(s.inputs["enableExecuteCommand"] is False for s in plan_of("dev").by_type(SERVICE))
    plan = plan_of("dev", "server.enable_exec=true")
    assert all(s.inputs["enableExecuteCommand"] is True for s in plan.by_type(SERVICE))
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "agent-service-api-exec").inputs["policy"])
    assert {a.split(":")[0] for s in policy["Statement"] for a in s["Action"]} == {"ssmmessages"}


# Closed by default: callers' keys, the edge, CORS and egress --------------------------------------------------

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("role", ["api", "queue"])
def test_callers_api_keys_reach_both_roles_by_reference(stack, role):
    plan = plan_of(stack)
    [c] = containers(plan, role)
    refs = {s["name"]: s["valueFrom"] for s in c["secrets"]}
    assert refs["AGENT_API_KEYS"] == unwrap(plan.outputs["secret_arns"])["AGENT_API_KEYS"]
    assert "AGENT_API_KEYS" not in {e["name"] for e in c["environment"]}


def test_prod_load_balancer_sits_behind_a_waf_rate_limit_and_the_managed_common_rules():
    plan = plan_of("prod")
    acl = plan.one(WEB_ACL).inputs
    assert acl["scope"] == "REGIONAL" and acl["defaultAction"] == {"allow": {}}
    rate, common = sorted(acl["rules"], key=lambda r: r["priority"])
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {"limit": 1000, "aggregateKeyType": "IP",
                                                       "evaluationWindowSec": 300}
    group = common["statement"]["managedRuleGroupStatement"]
    assert (group["vendorName"], group["name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    # Agent inputs (whole conversations) exceed the set's 8 KB body limit: that rule only counts.
    assert group["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    association = plan.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.name in association.depends_on
    assert association.inputs["resourceArn"] == unwrap(plan.outputs["web_acl_arn"]) or \
        association.inputs["webAclArn"] == unwrap(plan.outputs["web_acl_arn"])


def test_the_rate_limit_follows_the_config_and_dev_has_no_waf():
    rate = plan_of("prod", "ingress.rate_limit_per_ip=300").one(WEB_ACL).inputs["rules"][0]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 300
    assert plan_of("dev").by_type(WEB_ACL) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_cors_allows_no_origin_by_default(stack):
    assert env_of(plan_of(stack), "api")["CORS_ALLOW_ORIGINS"] == ""


def test_cors_lists_the_configured_origins():
    plan = plan_of("prod", 'server.cors_allow_origins=["https://app.example.com","https://admin.example.com"]')
    assert env_of(plan, "api")["CORS_ALLOW_ORIGINS"] == "https://app.example.com,https://admin.example.com"


def internet_egress(plan, owner: str = "agent-tasks") -> list[tuple[int, int]]:
    """Ports open to the internet from one security group's owner (the tasks; the database bootstrap has its own)."""
    return sorted((r.inputs["fromPort"], r.inputs["toPort"]) for r in plan.by_type(EGRESS_RULE)
                  if r.inputs.get("cidrIpv4") == "0.0.0.0/0"
                  and r.inputs["securityGroupId"] == mock_id(f"{owner}-sg", SG))


def test_tasks_reach_the_internet_on_https_only_by_default():
    assert internet_egress(plan_of("dev")) == [(443, 443)]


def test_egress_ports_open_exactly_the_listed_ports():
    assert internet_egress(plan_of("dev", "network.egress_ports=[443,8443]")) == [(443, 443), (8443, 8443)]
