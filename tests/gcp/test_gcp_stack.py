"""The GCP stacks (Pulumi.gcp-dev.yaml, Pulumi.gcp-prod.yaml) as the real program registers them under Pulumi's mocks.

Given a stack file, when the program runs, then each resource is registered with the inputs users rely on.
Assertions read the recorded registrations, never run inside Output.apply.
"""

from __future__ import annotations

import base64

import pytest
import yaml

from langgraph_infra import contract, observability, server
from langgraph_infra.config import StackConfig
from langgraph_infra.gcp import limits, mocks
from langgraph_infra.loading import build
from langgraph_infra.mocks import mock_id
from langgraph_infra.plan import unwrap
from tests.conftest import ROOT, plan_of

STACKS = ["gcp-dev", "gcp-prod"]
SQL = "gcp:sql/databaseInstance:DatabaseInstance"
SQL_USER = "gcp:sql/user:User"
REDIS = "gcp:redis/instance:Instance"
RUN_SERVICE = "gcp:cloudrunv2/service:Service"
WORKER_POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
SECRET = "gcp:secretmanager/secret:Secret"
SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
ACCOUNT = "gcp:serviceaccount/account:Account"
CONNECTION = "gcp:servicenetworking/connection:Connection"
INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
DOMAIN = "gcp:cloudrun/domainMapping:DomainMapping"
IMAGE = "sha256:" + "ab" * 32


def api(plan):
    return plan.one(RUN_SERVICE)


def queue(plan):
    return plan.one(WORKER_POOL)


def container(resource) -> dict:
    """The Agent Server's container (the collector sidecar beside it is tested in test_gcp_observability.py)."""
    [c] = [c for c in resource.inputs["template"]["containers"] if c["name"] == "agent-server"]
    return c


def stack_config(stack: str) -> StackConfig:
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return build({key.split(":", 1)[1]: value for key, value in raw.items()})


# Network ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_private_services_access_is_a_peered_range_abandoned_on_delete(stack):
    plan = plan_of(stack)
    address = plan.one("gcp:compute/globalAddress:GlobalAddress").inputs
    assert address["purpose"] == "VPC_PEERING" and address["addressType"] == "INTERNAL"
    conn = plan.one(CONNECTION).inputs
    assert conn["service"] == "servicenetworking.googleapis.com"
    assert conn["deletionPolicy"] == "ABANDON"


@pytest.mark.parametrize("stack", STACKS)
def test_cloud_nat_gives_the_private_subnet_outbound_https(stack):
    plan = plan_of(stack)
    nat = plan.one("gcp:compute/routerNat:RouterNat").inputs
    assert nat["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"
    assert plan.one("gcp:compute/network:Network").inputs["autoCreateSubnetworks"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_every_gcp_resource_goes_through_the_stack_provider(stack):
    plan = plan_of(stack)
    provider = plan.one("pulumi:providers:gcp")
    assert provider.inputs["project"].startswith("my-gcp-project-")
    assert provider.inputs["region"] == "europe-west1"
    gcp_resources = [r for r in plan.resources if r.type.startswith("gcp:")]
    assert gcp_resources and all(r.provider and r.provider.startswith(provider.urn) for r in gcp_resources)


# Postgres --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_postgres_16_on_a_custom_tier_sets_the_enterprise_edition(stack):
    db = plan_of(stack).one(SQL).inputs
    assert db["databaseVersion"] == "POSTGRES_16"
    assert db["settings"]["tier"].startswith("db-custom-")
    assert db["settings"]["edition"] == "ENTERPRISE"


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_has_a_private_ip_only_and_requires_tls(stack):
    ip = plan_of(stack).one(SQL).inputs["settings"]["ipConfiguration"]
    assert ip["ipv4Enabled"] is False
    assert ip["privateNetwork"]
    assert ip["sslMode"] == "ENCRYPTED_ONLY"


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_max_connections_flag_is_the_configured_value(stack):
    plan = plan_of(stack)
    flags = {f["name"]: f["value"] for f in plan.one(SQL).inputs["settings"]["databaseFlags"]}
    # prod: the tier and budget its capacity (500 requests/s) derives, docs/capacity.md.
    expected = {"gcp-dev": 100, "gcp-prod": 3200}[stack]
    assert flags["max_connections"] == str(expected)


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_waits_for_the_peering_connection(stack):
    plan = plan_of(stack)
    connection = plan.one(CONNECTION).name
    assert connection in plan.one(SQL).depends_on
    assert connection in plan.one(REDIS).depends_on


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_user_is_abandoned_and_gets_a_generated_secret_password(stack):
    plan = plan_of(stack)
    user = plan.one(SQL_USER)
    assert user.inputs["deletionPolicy"] == "ABANDON"
    assert unwrap(user.inputs["password"]).startswith("plan-generated-")
    assert user.inputs["password"] != unwrap(user.inputs["password"])  # still wrapped as a secret


def test_prod_postgres_is_regional_with_backups_pitr_and_every_protection():
    db = plan_of("gcp-prod").one(SQL)
    settings = db.inputs["settings"]
    assert settings["availabilityType"] == "REGIONAL"
    backups = settings["backupConfiguration"]
    assert backups["enabled"] is True and backups["pointInTimeRecoveryEnabled"] is True
    assert backups["backupRetentionSettings"]["retainedBackups"] >= 7
    assert db.inputs["deletionProtection"] is True and settings["deletionProtectionEnabled"] is True
    assert settings["finalBackupConfig"]["enabled"] is True
    assert db.protect is True


def test_dev_postgres_is_zonal_and_disposable():
    db = plan_of("gcp-dev").one(SQL)
    assert db.inputs["settings"]["availabilityType"] == "ZONAL"
    assert db.inputs["deletionProtection"] is False and db.inputs["settings"]["deletionProtectionEnabled"] is False
    assert db.protect is False


# Redis -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_memorystore_has_auth_tls_private_access_and_redis_7(stack):
    redis = plan_of(stack).one(REDIS).inputs
    assert redis["authEnabled"] is True
    assert redis["transitEncryptionMode"] == "SERVER_AUTHENTICATION"
    assert redis["connectMode"] == "PRIVATE_SERVICE_ACCESS"
    assert redis["redisVersion"].startswith("REDIS_7_")


@pytest.mark.parametrize(("stack", "tier"), [("gcp-dev", "BASIC"), ("gcp-prod", "STANDARD_HA")])
def test_memorystore_tier_follows_the_profile(stack, tier):
    assert plan_of(stack).one(REDIS).inputs["tier"] == tier


@pytest.mark.parametrize("stack", STACKS)
def test_redis_uri_is_rediss_with_auth_on_the_tls_port(stack):
    plan = plan_of(stack)
    uri = unwrap(plan.one(SECRET_VERSION, "agent-secrets-redis-uri").inputs["secretData"])
    assert uri == f"rediss://:plan-memorystore-auth@10.40.16.12:{limits.MEMORYSTORE_TLS_PORT}"


@pytest.mark.parametrize("stack", STACKS)
def test_postgres_uri_uses_the_private_ip_and_sslmode_require(stack):
    plan = plan_of(stack)
    uri = unwrap(plan.one(SECRET_VERSION, "agent-secrets-postgres-uri").inputs["secretData"])
    assert uri.startswith("postgres://langgraph_server:plan-generated-")
    assert uri.endswith("@10.40.16.3:5432/langgraph?sslmode=require")


@pytest.mark.parametrize("stack", STACKS)
def test_memorystore_ca_reaches_both_roles_base64_encoded(stack):
    plan = plan_of(stack)
    for resource in (api(plan), queue(plan)):
        env = {e["name"]: e.get("value") for e in container(resource)["envs"]}
        assert base64.b64decode(env["REDIS_TLS_CA_CERT"]).decode().strip() == mocks.CA_PEM.strip()


# Registry and image ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_artifact_registry_is_docker_immutable_with_cleanup(stack):
    repo = plan_of(stack).one("gcp:artifactregistry/repository:Repository").inputs
    assert repo["format"] == "DOCKER" and repo["dockerConfig"]["immutableTags"] is True
    actions = {p["id"]: p["action"] for p in repo["cleanupPolicies"]}
    assert actions["delete-untagged"] == "DELETE" and actions["keep-recent"] == "KEEP"
    assert repo["cleanupPolicyDryRun"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_image_is_pushed_with_an_oauth_token_and_deployed_by_digest(stack):
    plan = plan_of(stack)
    image = plan.one("docker-build:index:Image").inputs
    [registry] = unwrap(image["registries"])
    assert registry["username"] == "oauth2accesstoken" and registry["address"] == "europe-west1-docker.pkg.dev"
    assert image["registries"] != unwrap(image["registries"])  # the token stays secret
    for resource in (api(plan), queue(plan)):
        assert "@sha256:" in container(resource)["image"]
    assert "@sha256:" in plan.outputs["image"]


@pytest.mark.parametrize("stack", STACKS)
def test_cloud_run_service_agent_may_pull_from_the_repository(stack):
    grant = plan_of(stack).one("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember").inputs
    assert grant["role"] == "roles/artifactregistry.reader"
    assert grant["member"] == f"serviceAccount:service-{mocks.PROJECT_NUMBER}@serverless-robot-prod.iam.gserviceaccount.com"


def test_a_given_image_digest_is_deployed_without_building():
    plan = plan_of("gcp-prod", f"app.image=europe-west1-docker.pkg.dev/p/r/agent-server@{IMAGE}")
    assert plan.by_type("docker-build:index:Image") == []
    assert plan.by_type("gcp:artifactregistry/repository:Repository") == []
    assert container(api(plan))["image"].endswith(IMAGE)


# Secrets ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_a_secret_exists_for_each_uri_and_app_secret(stack):
    plan = plan_of(stack)
    ids = {r.inputs["secretId"] for r in plan.by_type(SECRET)}
    licence = "LANGSMITH_API_KEY" if stack == "gcp-dev" else "LANGGRAPH_CLOUD_LICENSE_KEY"
    # postgres-master is the database bootstrap's, which no service reads (tests/gcp/test_gcp_db_bootstrap.py).
    names = ["POSTGRES_URI", "REDIS_URI", licence, "OPENAI_API_KEY", "AGENT_API_KEYS", "postgres-master"]
    assert ids == {f"langgraph-{stack}-{n}" for n in names}


@pytest.mark.parametrize("stack", STACKS)
def test_each_service_account_reads_exactly_the_secrets_of_its_role(stack):
    plan = plan_of(stack)
    # The database bootstrap's account reads its own two (tests/gcp/test_gcp_db_bootstrap.py).
    accounts = {r.name: r.inputs["accountId"] for r in plan.by_type(ACCOUNT) if r.name != "agent-db-bootstrap-sa"}
    assert set(accounts) == {"agent-service-api-sa", "agent-service-queue-sa"}
    grants = [g for g in plan.by_type(SECRET_IAM) if "db-bootstrap" not in g.name]
    assert {g.inputs["role"] for g in grants} == {"roles/secretmanager.secretAccessor"}
    secret_ids = {mock_id(r.name, SECRET) for r in plan.by_type(SECRET) if r.name != "agent-db-bootstrap-master"}
    project = plan.one("pulumi:providers:gcp").inputs["project"]
    for account_id in accounts.values():
        member = f"serviceAccount:{account_id}@{project}.iam.gserviceaccount.com"
        readable = sorted(g.inputs["secretId"] for g in grants if g.inputs["member"] == member)
        assert readable == sorted(secret_ids)
    assert len(grants) == 2 * len(secret_ids)


@pytest.mark.parametrize("stack", STACKS)
def test_each_role_waits_for_its_secret_bindings(stack):
    plan = plan_of(stack)
    for resource, role in ((api(plan), "api"), (queue(plan), "queue")):
        bindings = {g.name for g in plan.by_type(SECRET_IAM) if f"-read-{role}-" in g.name}
        assert bindings and bindings <= set(resource.depends_on)


def test_an_adopted_secret_is_referenced_at_latest_and_never_created():
    plan = plan_of("gcp-dev", "secrets.OPENAI_API_KEY.existing=projects/shared/secrets/openai")
    assert "langgraph-gcp-dev-OPENAI_API_KEY" not in {r.inputs["secretId"] for r in plan.by_type(SECRET)}
    refs = {e["name"]: e["valueSource"]["secretKeyRef"] for e in container(api(plan))["envs"] if "valueSource" in e}
    assert refs["OPENAI_API_KEY"] == {"secret": "projects/shared/secrets/openai", "version": "latest"}
    assert {g.inputs["secretId"] for g in plan.by_type(SECRET_IAM)} >= {"projects/shared/secrets/openai"}


# Cloud Run: API ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_api_listens_on_the_contract_port_with_startup_and_liveness_probes(stack):
    c = container(api(plan_of(stack)))
    assert c["ports"]["containerPort"] == contract.PORT
    assert c["startupProbe"]["httpGet"] == {"path": contract.STARTUP_HEALTH_PATH, "port": contract.PORT}
    assert c["livenessProbe"]["httpGet"] == {"path": contract.HEALTH_PATH, "port": contract.PORT}


@pytest.mark.parametrize("stack", STACKS)
def test_api_request_timeout_holds_an_hour_long_stream(stack):
    template = api(plan_of(stack)).inputs["template"]
    assert template["timeout"] == "3600s"
    assert template["maxInstanceRequestConcurrency"] >= 1


@pytest.mark.parametrize(("stack", "low", "high"), [("gcp-dev", 1, 1), ("gcp-prod", 12, 24)])
def test_api_scaling_follows_the_api_settings(stack, low, high):
    scaling = api(plan_of(stack)).inputs["template"]["scaling"]
    assert (scaling["minInstanceCount"], scaling["maxInstanceCount"]) == (low, high)


@pytest.mark.parametrize("stack", STACKS)
def test_api_keeps_cpu_allocated_and_runs_no_background_jobs(stack):
    c = container(api(plan_of(stack)))
    assert c["resources"]["cpuIdle"] is False
    env = {e["name"]: e.get("value") for e in c["envs"]}
    assert env["N_JOBS_PER_WORKER"] == "0"


@pytest.mark.parametrize("stack", STACKS)
def test_both_roles_leave_through_direct_vpc_egress(stack):
    plan = plan_of(stack)
    for resource in (api(plan), queue(plan)):
        vpc = resource.inputs["template"]["vpcAccess"]
        assert vpc["egress"] == "ALL_TRAFFIC"
        [nic] = vpc["networkInterfaces"]
        assert nic["network"] and nic["subnetwork"]
        assert "connector" not in vpc


@pytest.mark.parametrize("stack", STACKS)
def test_each_role_runs_as_its_own_service_account(stack):
    plan = plan_of(stack)
    assert api(plan).inputs["template"]["serviceAccount"] != queue(plan).inputs["template"]["serviceAccount"]


@pytest.mark.parametrize(("stack", "protected"), [("gcp-dev", False), ("gcp-prod", True)])
def test_run_and_redis_deletion_protection_follow_the_stack_protection(stack, protected):
    plan = plan_of(stack)
    assert api(plan).inputs["deletionProtection"] is protected
    assert queue(plan).inputs["deletionProtection"] is protected
    assert plan.one(REDIS).inputs["deletionProtection"] is protected


def test_dev_public_ingress_allows_unauthenticated_invocations():
    plan = plan_of("gcp-dev")
    assert api(plan).inputs["ingress"] == "INGRESS_TRAFFIC_ALL"
    invoker = plan.one(INVOKER).inputs
    assert (invoker["role"], invoker["member"]) == ("roles/run.invoker", "allUsers")


@pytest.mark.parametrize("plan", [lambda: plan_of("gcp-dev", "ingress.public=false"), lambda: plan_of("gcp-prod")],
                         ids=["gcp-dev-private", "gcp-prod"])
def test_private_ingress_grants_no_unauthenticated_invoker(plan):
    assert plan().by_type(INVOKER) == []


def test_prod_refuses_a_public_cloud_run_url_it_cannot_rate_limit():
    from langgraph_infra.plan import PlanError

    with pytest.raises(PlanError, match="ingress.public=true in prod lets anyone reach the Cloud Run URL"):
        plan_of("gcp-prod", "ingress.public=true")


def test_a_domain_maps_to_the_api_and_becomes_the_url():
    plan = plan_of("gcp-prod")
    mapping = plan.one(DOMAIN).inputs
    assert mapping["name"] == "agents.example.com" and mapping["spec"]["routeName"] == api(plan).inputs["name"]
    assert plan.outputs["url"] == "https://agents.example.com"
    assert plan_of("gcp-dev").by_type(DOMAIN) == []


# Cloud Run: queue ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("stack", "count"), [("gcp-dev", 1), ("gcp-prod", 33)])
def test_queue_is_a_worker_pool_with_a_fixed_nonzero_count(stack, count):
    pool = queue(plan_of(stack)).inputs
    assert pool["scaling"] == {"scalingMode": "MANUAL", "manualInstanceCount": count}


@pytest.mark.parametrize("stack", STACKS)
def test_queue_starts_with_the_queue_entrypoint_and_runs_jobs(stack):
    c = container(queue(plan_of(stack)))
    assert c["commands"] == [contract.QUEUE_ENTRYPOINT]
    env = {e["name"]: e.get("value") for e in c["envs"]}
    assert int(env["N_JOBS_PER_WORKER"]) >= 1


@pytest.mark.parametrize("stack", STACKS)
def test_shutdown_grace_fits_cloud_runs_ten_second_kill(stack):
    plan = plan_of(stack)
    for resource in (api(plan), queue(plan)):
        env = {e["name"]: e.get("value") for e in container(resource)["envs"]}
        assert int(env["BG_JOB_SHUTDOWN_GRACE_PERIOD_SECS"]) < limits.CLOUD_RUN_KILL_SECONDS


# One environment contract ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("role", list(contract.Role))
def test_cloud_run_env_names_are_the_contracts(stack, role):
    """Cloud Run's variables are exactly contract.server_environment + contract.secret_env_names (PORT is set by
    Cloud Run from the declared container port / the server's default, which is contract.PORT)."""
    plan = plan_of(stack)
    resource = api(plan) if role is contract.Role.API else queue(plan)
    cfg = stack_config(stack)
    settings = server.settings_for(cfg, role, limits.shutdown_grace_seconds(cfg), redis_tls_ca_cert_b64="x",
                                   stack=stack)
    expected = set(contract.server_environment(settings, cfg.app.env)) | set(contract.secret_env_names(list(cfg.secrets)))
    # ... and where the server's traces go: the collector beside it.
    expected |= set(observability.otlp_environment(f"{cfg.resource_prefix(stack)}-{role.value}"))
    names = [e["name"] for e in container(resource)["envs"]]
    assert len(names) == len(set(names))
    assert set(names) | {"PORT"} == expected


def test_prod_subnet_records_flow_logs_and_dev_does_not():
    subnet = plan_of("gcp-prod").one("gcp:compute/subnetwork:Subnetwork").inputs
    assert subnet["logConfig"]["metadata"] == "INCLUDE_ALL_METADATA"
    assert "logConfig" not in plan_of("gcp-dev").one("gcp:compute/subnetwork:Subnetwork").inputs


# Closed by default: callers' keys and egress -------------------------------------------------------------------

FIREWALL = "gcp:compute/firewall:Firewall"


@pytest.mark.parametrize("stack", STACKS)
def test_callers_api_keys_reach_the_api_by_secret_reference(stack):
    plan = plan_of(stack)
    envs = container(api(plan))["envs"]
    [entry] = [e for e in envs if e["name"] == "AGENT_API_KEYS"]
    assert "value" not in entry
    assert entry["valueSource"]["secretKeyRef"]["secret"] == f"langgraph-{stack}-AGENT_API_KEYS"


def egress_rules(plan) -> dict[str, dict]:
    return {r.name.rsplit("-egress-", 1)[-1]: r.inputs for r in plan.by_type(FIREWALL)
            if r.inputs.get("direction") == "EGRESS"}


@pytest.mark.parametrize("stack", STACKS)
def test_egress_is_denied_but_https_and_the_data_tier(stack):
    rules = egress_rules(plan_of(stack))
    assert set(rules) == {"internet", "data-tier", "deny"}
    assert rules["internet"]["allows"] == [{"protocol": "tcp", "ports": ["443"]}]
    assert rules["internet"]["destinationRanges"] == ["0.0.0.0/0"]
    assert rules["data-tier"]["destinationRanges"] == ["10.40.16.0/20"]
    assert rules["deny"]["denies"] == [{"protocol": "all"}] and rules["deny"]["destinationRanges"] == ["0.0.0.0/0"]
    # The allows must win: lower priority numbers are evaluated first.
    assert rules["internet"]["priority"] < rules["deny"]["priority"]
    assert rules["data-tier"]["priority"] < rules["deny"]["priority"]


def test_egress_ports_open_exactly_the_listed_ports_on_gcp():
    rules = egress_rules(plan_of("gcp-dev", "network.egress_ports=[443,8443]"))
    assert rules["internet"]["allows"] == [{"protocol": "tcp", "ports": ["443", "8443"]}]


def test_cloud_run_sends_all_traffic_through_the_firewalled_vpc():
    assert api(plan_of("gcp-dev")).inputs["template"]["vpcAccess"]["egress"] == "ALL_TRAFFIC"


@pytest.mark.parametrize("stack", STACKS)
def test_cors_allows_no_origin_by_default_on_cloud_run(stack):
    envs = {e["name"]: e.get("value") for e in container(api(plan_of(stack)))["envs"]}
    assert envs["CORS_ALLOW_ORIGINS"] == ""
