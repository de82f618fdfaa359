"""The GKE stacks (Pulumi.gke-dev.yaml, Pulumi.gke-prod.yaml) as the real program registers them under Pulumi's mocks,
and the `gke:` block's rules.

Given a stack file, when the program runs, then the cluster, the pods' identity, the secret sync, the Gateway and the
Kubernetes objects are registered with the inputs users rely on. Assertions read the recorded registrations, never
run inside Output.apply.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
import yaml

from langgraph_infra import ConfigError, build_config, contract
from langgraph_infra.gcp import collector, limits
from langgraph_infra.manifests import manifests
from langgraph_infra.plan import SECRET, unwrap
from tests.conftest import CANARY, ROOT, plan_of, sdks_a_plan_loads

STACKS = ["gke-dev", "gke-prod"]
CLUSTER = "gcp:container/cluster:Cluster"
FIREWALL = "gcp:compute/firewall:Firewall"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
SECRET_RESOURCE = "gcp:secretmanager/secret:Secret"
ACCOUNT = "gcp:serviceaccount/account:Account"
SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember"
REPO_IAM = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
KSA = "kubernetes:core/v1:ServiceAccount"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
TRIGGER_AUTH = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication"
SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
JOB = "gcp:cloudrunv2/job:Job"
SCALER_KEY = "SCALER_POSTGRES_URI"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
BINAUTHZ_POLICY = "gcp:binaryauthorization/policy:Policy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
PROVIDER_CLASS = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
SECRET_SYNC = "kubernetes:secret-sync.gke.io/v1:SecretSync"
K8S_PROVIDER = "pulumi:providers:kubernetes"
PROJECTS = {"gke-dev": "my-gcp-project-dev", "gke-prod": "my-gcp-project-prod"}


def stack_config(stack: str):
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return build_config({key.split(":", 1)[1]: value for key, value in raw.items()})


def role(plan, type_: str, component: str):
    [found] = [r for r in plan.by_type(type_) if r.inputs["metadata"]["labels"]["app.kubernetes.io/component"]
               == component]
    return found


# The cluster -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_the_cluster_is_autopilot_with_private_nodes_and_workload_identity(stack):
    cluster = plan_of(stack).one(CLUSTER).inputs
    assert cluster["enableAutopilot"] is True
    assert cluster["privateClusterConfig"]["enablePrivateNodes"] is True
    assert cluster["workloadIdentityConfig"] == {"workloadPool": f"{PROJECTS[stack]}.svc.id.goog"}
    assert cluster["location"] == "europe-west1"
    assert cluster["secretSyncConfig"]["enabled"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_the_cluster_sits_in_the_stacks_vpc_with_cloud_nat(stack):
    plan = plan_of(stack)
    cluster = plan.one(CLUSTER).inputs
    assert cluster["network"].endswith("agent-network-vpc>")
    assert cluster["subnetwork"].endswith("agent-network-subnet>")
    nat = plan.one("gcp:compute/routerNat:RouterNat").inputs
    assert nat["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"


@pytest.mark.parametrize("stack", STACKS)
def test_pod_and_service_ranges_are_carved_from_the_vpc_without_overlap(stack):
    import ipaddress

    plan = plan_of(stack)
    policy = plan.one(CLUSTER).inputs["ipAllocationPolicy"]
    vpc = ipaddress.ip_network("10.40.0.0/16")
    subnet, services_address, services_prefix = limits.address_plan(str(vpc))
    taken = [ipaddress.ip_network(subnet), ipaddress.ip_network(f"{services_address}/{services_prefix}")]
    pods, services = (ipaddress.ip_network(policy[k]) for k in ("clusterIpv4CidrBlock", "servicesIpv4CidrBlock"))
    for block in (pods, services):
        assert block.subnet_of(vpc) and not any(block.overlaps(t) for t in taken)
    assert not pods.overlaps(services)
    # The network denies egress but to HTTPS and the data tier: the cluster's own ranges are let through.
    egress = plan.one(FIREWALL, "agent-gke-cluster-egress-cluster").inputs
    assert set(egress["destinationRanges"]) == {subnet, str(pods), str(services)}


def test_release_channel_and_protection_follow_the_environment():
    dev, prod = plan_of("gke-dev"), plan_of("gke-prod")
    assert dev.one(CLUSTER).inputs["releaseChannel"] == {"channel": "REGULAR"}
    assert prod.one(CLUSTER).inputs["releaseChannel"] == {"channel": "STABLE"}
    assert dev.one(CLUSTER).inputs["deletionProtection"] is False and not dev.one(CLUSTER).protect
    assert prod.one(CLUSTER).inputs["deletionProtection"] is True and prod.one(CLUSTER).protect


@pytest.mark.parametrize("stack", STACKS)
def test_the_control_plane_admits_only_the_authorized_networks(stack):
    config = plan_of(stack).one(CLUSTER).inputs["masterAuthorizedNetworksConfig"]
    assert [b["cidrBlock"] for b in config["cidrBlocks"]] == ["203.0.113.0/24"]
    assert config["gcpPublicCidrsAccessEnabled"] is False
    overridden = plan_of(stack, 'gke.master_authorized_networks=["198.51.100.0/24"]').one(CLUSTER).inputs
    assert [b["cidrBlock"] for b in overridden["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["198.51.100.0/24"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_kubernetes_provider_authenticates_with_the_gke_plugin_not_a_stored_credential(stack):
    plan = plan_of(stack)
    kubeconfig = plan.one(K8S_PROVIDER).inputs["kubeconfig"]
    config = json.loads(kubeconfig) if isinstance(kubeconfig, str) else kubeconfig
    [user] = config["users"]
    assert user["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    assert set(user["user"]) == {"exec"}
    [cluster] = config["clusters"]
    assert cluster["cluster"]["server"] == "https://192.0.2.10"
    # Every Kubernetes object goes through that provider.
    provider = plan.one(K8S_PROVIDER)
    for r in plan.resources:
        if r.type.startswith("kubernetes:"):
            assert r.provider and provider.name in r.provider, r.name


def test_an_adopted_cluster_is_read_not_created():
    plan = plan_of("gke-dev", "gke.existing_cluster_name=platform", "gke.existing_cluster_location=europe-west1",
                   "gke.master_authorized_networks=[]")
    assert plan.by_type(CLUSTER) == []
    kubeconfig = plan.one(K8S_PROVIDER).inputs["kubeconfig"]
    config = json.loads(kubeconfig) if isinstance(kubeconfig, str) else kubeconfig
    assert config["current-context"] == "gke_my-gcp-project-dev_platform"
    assert plan.by_type(DEPLOYMENT)


# Identity and secrets ----------------------------------------------------------------------------------------------


def pods_account(plan) -> list:
    """The pods' Google service account (the database bootstrap's job has its own)."""
    return [a for a in plan.by_type(ACCOUNT) if "db-bootstrap" not in a.name]


@pytest.mark.parametrize("stack", STACKS)
def test_the_pods_service_account_is_bound_to_its_google_account_through_workload_identity(stack):
    plan = plan_of(stack)
    project = PROJECTS[stack]
    [ksa] = plan.by_type(KSA)
    namespace, name = ksa.inputs["metadata"]["namespace"], ksa.inputs["metadata"]["name"]
    [account] = pods_account(plan)
    email = f"{account.inputs['accountId']}@{project}.iam.gserviceaccount.com"
    assert ksa.inputs["metadata"]["annotations"] == {"iam.gke.io/gcp-service-account": email}
    [binding] = plan.by_type(SA_IAM)
    assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
    assert binding.inputs["member"] == f"serviceAccount:{project}.svc.id.goog[{namespace}/{name}]"
    assert binding.inputs["serviceAccountId"].endswith(f"/serviceAccounts/{email}")
    for deployment in plan.by_type(DEPLOYMENT):
        assert deployment.inputs["spec"]["template"]["spec"]["serviceAccountName"] == name


@pytest.mark.parametrize("stack", STACKS)
def test_the_google_account_reads_exactly_the_servers_secrets_and_nothing_project_wide(stack):
    plan = plan_of(stack)
    [account] = pods_account(plan)
    member = f"serviceAccount:{account.inputs['accountId']}@{PROJECTS[stack]}.iam.gserviceaccount.com"
    grants = [r.inputs for r in plan.by_type(SECRET_IAM) if r.inputs["member"] == member]
    # Every secret the server reads; never the master's, which only the database bootstrap's account reads.
    secrets = {r.name: r for r in plan.by_type(SECRET_RESOURCE) if not r.name.endswith("db-bootstrap-master")}
    assert {g["secretId"] for g in grants} == {f"<mock:Secret/{n}>" for n in secrets}
    assert {g["role"] for g in grants} == {"roles/secretmanager.secretAccessor"}
    # Project-wide, only the collector's two writer roles, to this account (enabling an API, e.g. container
    # scanning, grants nothing).
    project_wide = [r.inputs for r in plan.resources if r.type.startswith("gcp:projects/iAM")]
    assert sorted((g["role"], g["member"], g["project"]) for g in project_wide) == sorted(
        (role, member, PROJECTS[stack]) for role in collector.ROLES)


@pytest.mark.parametrize("stack", STACKS)
def test_secrets_are_synced_into_one_kubernetes_secret_the_pods_reference_by_key(stack):
    plan = plan_of(stack)
    cfg = stack_config(stack)
    names = set(contract.secret_env_names(list(cfg.secrets)))
    sync = plan.one(SECRET_SYNC).inputs
    secret_name = sync["metadata"]["name"]
    [ksa] = plan.by_type(KSA)
    assert sync["spec"]["serviceAccountName"] == ksa.inputs["metadata"]["name"]
    # The server's secrets, and the scaler login's URI for KEDA (which no pod references).
    assert {d["targetKey"] for d in sync["spec"]["secretObject"]["data"]} == names | {SCALER_KEY}
    provider_class = plan.one(PROVIDER_CLASS).inputs
    assert provider_class["spec"]["provider"] == "gke"
    listed = json.loads(provider_class["spec"]["parameters"]["secrets"])
    prefix = f"projects/{PROJECTS[stack]}/secrets/langgraph-{stack}-"
    # Each created secret at the version this deployment wrote.
    assert {e["path"]: e["resourceName"] for e in listed} == {n: f"{prefix}{n}/versions/1"
                                                              for n in names | {SCALER_KEY}}
    for deployment in plan.by_type(DEPLOYMENT):
        [container] = deployment.inputs["spec"]["template"]["spec"]["containers"]
        refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
        assert refs == {n: {"name": secret_name, "key": n} for n in names}
        assert not names & {e["name"] for e in container["env"] if "value" in e}


def test_an_adopted_secret_is_synced_at_its_latest_version():
    plan = plan_of("gke-dev", "secrets.OPENAI_API_KEY.existing=projects/shared-keys/secrets/openai")
    listed = json.loads(plan.one(PROVIDER_CLASS).inputs["spec"]["parameters"]["secrets"])
    assert {"path": "OPENAI_API_KEY", "resourceName": "projects/shared-keys/secrets/openai/versions/latest"} in listed


@pytest.mark.parametrize("stack", STACKS)
def test_the_nodes_and_the_bootstrap_jobs_cloud_run_agent_may_pull_the_image(stack):
    grants = plan_of(stack).by_type(REPO_IAM)
    assert {g.inputs["member"] for g in grants} == {
        "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
        "serviceAccount:service-123456789012@serverless-robot-prod.iam.gserviceaccount.com"}
    assert {g.inputs["role"] for g in grants} == {"roles/artifactregistry.reader"}


# Exposure, replicas, network policy ------------------------------------------------------------------------------

def test_prod_serves_https_on_its_domain_with_a_managed_certificate():
    plan = plan_of("gke-prod")
    gateway = plan.one(GATEWAY).inputs
    assert gateway["spec"]["gatewayClassName"] == "gke-l7-global-external-managed"
    assert [(li["protocol"], li["port"], li.get("hostname")) for li in gateway["spec"]["listeners"]] == [
        ("HTTPS", 443, "agents.example.com")]
    certificate_map = plan.one("gcp:certificatemanager/certificateMap:CertificateMap").inputs["name"]
    assert gateway["metadata"]["annotations"] == {"networking.gke.io/certmap": certificate_map}
    certificate = plan.one("gcp:certificatemanager/certificate:Certificate").inputs
    assert certificate["managed"]["domains"] == ["agents.example.com"]
    entry = plan.one("gcp:certificatemanager/certificateMapEntry:CertificateMapEntry").inputs
    assert entry["hostname"] == "agents.example.com" and entry["map"] == certificate_map
    route = plan.one(ROUTE).inputs
    assert route["spec"]["parentRefs"] == [{"name": gateway["metadata"]["name"]}]
    assert route["spec"]["hostnames"] == ["agents.example.com"]
    assert plan.outputs["url"] == "https://agents.example.com"
    assert {r["type"] for r in plan.outputs["dns_records"]} == {"A", "CNAME"}


def test_dev_is_plain_http_on_the_gateways_address_without_a_certificate():
    plan = plan_of("gke-dev")
    listeners = plan.one(GATEWAY).inputs["spec"]["listeners"]
    assert [(li["protocol"], li["port"]) for li in listeners] == [("HTTP", 80)]
    assert not [r for r in plan.resources if r.type.startswith("gcp:certificatemanager/")]
    assert plan.outputs["url"] == "http://192.0.2.20"


def test_prod_runs_the_prod_profiles_replicas_with_disruption_budgets_and_dev_one_each():
    for stack in ("gke-prod", "gke-dev"):
        plan, cfg = plan_of(stack), stack_config(stack)
        for component in ("api", "queue"):
            floor = getattr(cfg, component).min_replicas
            assert floor == 1 if stack == "gke-dev" else floor >= 2
            low = role(plan, HPA, "api").inputs["spec"]["minReplicas"] if component == "api" else \
                role(plan, SCALED_OBJECT, "queue").inputs["spec"]["minReplicaCount"]
            assert low == floor
            assert role(plan, PDB, component).inputs["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_admits_only_googles_front_ends_and_both_roles_reach_memorystores_tls_port(stack):
    plan = plan_of(stack)
    api_policy = role(plan, NETPOL, "api").inputs["spec"]
    [rule] = api_policy["ingress"]
    assert {p["ipBlock"]["cidr"] for p in rule["from"]} == {"35.191.0.0/16", "130.211.0.0/22"}
    for component in ("api", "queue"):
        egress = role(plan, NETPOL, component).inputs["spec"]["egress"]
        ports = {p["port"] for r in egress for p in r["ports"]}
        assert limits.MEMORYSTORE_TLS_PORT in ports and contract.POSTGRES_PORT in ports
        # Postgres and Redis only in the private services range Cloud SQL and Memorystore live in.
        [data] = [r for r in egress if {"port": contract.POSTGRES_PORT, "protocol": "TCP"} in r["ports"]]
        assert data["to"] == [{"ipBlock": {"cidr": "10.40.16.0/20"}}]


@pytest.mark.parametrize("stack", STACKS)
def test_the_pods_wait_for_the_synced_secret(stack):
    plan = plan_of(stack)
    sync = plan.one(SECRET_SYNC)
    for deployment in plan.by_type(DEPLOYMENT):
        assert sync.name in deployment.depends_on, deployment.name


# The queue on its backlog: KEDA installed, pinned, before the ScaledObject; its images past Binary Authorization ------


@pytest.mark.parametrize("stack", STACKS)
def test_keda_is_installed_from_its_chart_at_a_pinned_version_before_the_queues_scaled_object(stack):
    plan = plan_of(stack)
    release = plan.one(HELM_RELEASE)
    assert release.inputs["chart"] == "keda" and release.inputs["version"] == "2.20.2"
    assert release.inputs["name"] == "keda"
    assert release.inputs["repositoryOpts"] == {"repo": "https://kedacore.github.io/charts"}
    assert release.inputs["namespace"] == "keda" and release.inputs["createNamespace"] is True
    # KEDA watches the server's namespace only (its operator reads the scaler login's Secret there).
    assert release.inputs["values"] == {"watchNamespace": stack_config(stack).kubernetes.namespace}
    provider = plan.one(K8S_PROVIDER)
    assert release.provider and provider.name in release.provider
    scaled, auth = role(plan, SCALED_OBJECT, "queue"), role(plan, TRIGGER_AUTH, "queue")
    assert release.name in scaled.depends_on and release.name in auth.depends_on
    assert scaled.inputs["spec"]["scaleTargetRef"]["name"] == plan.outputs["queue_service_name"]
    # Nothing else waits for KEDA (its kinds' CRDs): the pods start while it installs.
    assert sorted(r.name for r in plan.resources if release.name in r.depends_on) == sorted([scaled.name, auth.name])


def exempt(plan) -> set[str]:
    return {p["namePattern"] for p in plan.one(BINAUTHZ_POLICY).inputs["admissionWhitelistPatterns"]}


def test_prod_lets_kedas_pinned_images_past_binary_authorization():
    policy = plan_of("gke-prod").one(BINAUTHZ_POLICY).inputs
    kedas = {p["namePattern"] for p in policy["admissionWhitelistPatterns"]} - {collector.IMAGE}
    assert kedas == {f"ghcr.io/kedacore/{image}:2.20.2"
                     for image in ("keda", "keda-metrics-apiserver", "keda-admission-webhooks")}
    assert policy["defaultAdmissionRule"]["evaluationMode"] == "REQUIRE_ATTESTATION"


def test_an_adopted_cluster_that_runs_keda_already_installs_nothing_and_exempts_nothing():
    plan = plan_of("gke-prod", "gke.existing_cluster_name=platform", "gke.existing_cluster_location=europe-west1",
                   "gke.master_authorized_networks=[]", "gke.install_keda=false")
    assert plan.by_type(HELM_RELEASE) == []
    assert exempt(plan) == {collector.IMAGE}
    # The queue still scales on its backlog, through the cluster's own KEDA.
    assert role(plan, SCALED_OBJECT, "queue").inputs["spec"]["minReplicaCount"] >= 1


def test_a_queue_on_cpu_installs_no_keda_and_gets_an_hpa():
    plan = plan_of("gke-prod", "kubernetes.queue_scaling=cpu")
    assert plan.by_type(HELM_RELEASE) == [] and plan.by_type(SCALED_OBJECT) == []
    assert exempt(plan) == {collector.IMAGE}
    assert role(plan, HPA, "queue").inputs["spec"]["minReplicas"] >= 2
    # Nothing to count the backlog with: no scaler login, secret nor TriggerAuthentication.
    assert plan.by_type(TRIGGER_AUTH) == [] and SCALER_KEY not in plan.outputs["secret_ids"]
    assert not [r for r in plan.resources if "scaler" in r.name]


# KEDA counts the backlog as a scaler login of its own, never as the server ---------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_keda_counts_the_runs_in_flight_through_the_scaler_logins_function_read_from_the_synced_secret(stack):
    plan = plan_of(stack)
    # The ScaledObject waits for the TriggerAuthentication it names.
    assert role(plan, TRIGGER_AUTH, "queue").name in role(plan, SCALED_OBJECT, "queue").depends_on
    scaled, auth = role(plan, SCALED_OBJECT, "queue").inputs, role(plan, TRIGGER_AUTH, "queue").inputs
    [backlog] = [t for t in scaled["spec"]["triggers"] if t["type"] == "postgresql"]
    assert backlog["authenticationRef"] == {"kind": "TriggerAuthentication", "name": auth["metadata"]["name"]}
    assert backlog["metadata"]["query"] == "SELECT public.langgraph_runs_in_flight()"
    assert "connectionFromEnv" not in backlog["metadata"]
    # KEDA reads nothing from the queue's container.
    assert "envSourceContainerName" not in scaled["spec"]["scaleTargetRef"]
    assert auth["metadata"]["namespace"] == scaled["metadata"]["namespace"]
    assert auth["spec"] == {"secretTargetRef": [{"parameter": "connection", "key": SCALER_KEY,
                                                 "name": plan.one(SECRET_SYNC).inputs["metadata"]["name"]}]}


def test_the_trigger_authentication_is_applied_before_the_scaled_object_that_names_it():
    kinds = [m["kind"] for m in manifests(plan_of("gke-prod"))]
    assert kinds.index("TriggerAuthentication") < kinds.index("ScaledObject")


@pytest.mark.parametrize("stack", STACKS)
def test_no_pod_gets_the_scaler_uri(stack):
    plan = plan_of(stack)
    for deployment in plan.by_type(DEPLOYMENT):
        spec = deployment.inputs["spec"]["template"]["spec"]
        for container in [*spec["containers"], *spec.get("initContainers", [])]:
            assert SCALER_KEY not in json.dumps(container.get("env", [])), deployment.name
            assert "envFrom" not in container


@pytest.mark.parametrize("stack", STACKS)
def test_the_scaler_uri_is_a_secret_made_from_a_rotated_password_and_read_by_the_bootstrap_alone(stack):
    plan = plan_of(stack)
    version = plan.one(SECRET_VERSION, "agent-secrets-scaler-postgres-uri")
    # Secret in the plan's output and state; its user is the scaler's role, with a password.
    assert version.as_dict()["inputs"]["secretData"] == SECRET
    uri = unwrap(version.inputs["secretData"])
    assert uri.startswith("postgres://langgraph_server_scaler:") and uri.endswith("/langgraph?sslmode=require")
    password = plan.one("random:index/randomPassword:RandomPassword", "agent-db-scaler-password")
    assert (password.inputs["length"], password.inputs["special"]) == (40, False)
    # Rotated as the server's password is (prod), by a timer of its own.
    timers = {r.name: r.inputs["rotationDays"] for r in plan.by_type("time:index/rotating:Rotating")}
    assert timers.get("agent-db-scaler-password-rotation") == timers.get("agent-db-server-password-rotation") \
        == stack_config(stack).postgres.rotation_days
    job = plan.one(JOB).inputs["template"]["template"]
    env = {e["name"]: e for e in job["containers"][0]["envs"]}
    assert env[SCALER_KEY]["valueSource"]["secretKeyRef"]["secret"] == f"langgraph-{stack}-{SCALER_KEY}"
    readers = {g.inputs["member"] for g in plan.by_type(SECRET_IAM)
               if g.inputs["secretId"] == "<mock:Secret/agent-secrets-scaler-postgres-uri>"}
    # The bootstrap's account, and the pods' Kubernetes ServiceAccount's Google identity that GKE's secret sync
    # reads as (it already reads POSTGRES_URI, a superset of the scaler's privilege).
    assert len(readers) == 2


def test_iam_database_auth_with_backlog_scaling_is_still_refused_on_gke_naming_why():
    with pytest.raises(ConfigError) as err:
        stack = stack_config("gke-prod").model_dump(mode="json")
        build_config({**stack, "postgres": {**stack["postgres"], "auth": "iam"}})
    [problem] = [p for p in err.value.problems if "postgres.auth=iam" in p]
    assert "the runtime's tables belong to the IAM login" in problem and "kubernetes.queue_scaling=cpu" in problem


def test_cloud_run_makes_no_scaler_login():
    plan = plan_of("gcp-prod")
    assert not [r for r in plan.resources if "scaler" in r.name]
    env = plan.one(JOB).inputs["template"]["template"]["containers"][0]["envs"]
    assert SCALER_KEY not in {e["name"] for e in env}


def test_prod_rate_limits_each_client_ip_with_cloud_armor_on_the_apis_backend_and_dev_does_not():
    plan = plan_of("gke-prod")
    policy = plan.one("gcp:compute/securityPolicy:SecurityPolicy").inputs
    [throttle] = [r for r in policy["rules"] if r["action"] == "throttle"]
    assert throttle["rateLimitOptions"]["rateLimitThreshold"] == {"count": 1000, "intervalSec": 300}
    assert throttle["rateLimitOptions"]["exceedAction"] == "deny(429)"
    backend = plan.one("kubernetes:networking.gke.io/v1:GCPBackendPolicy").inputs["spec"]
    assert backend["default"] == {"securityPolicy": policy["name"], "timeoutSec": 3600}
    assert backend["targetRef"]["name"] == plan.outputs["api_service_name"]
    dev = plan_of("gke-dev")
    assert dev.by_type("gcp:compute/securityPolicy:SecurityPolicy") == []
    assert "securityPolicy" not in dev.one("kubernetes:networking.gke.io/v1:GCPBackendPolicy").inputs["spec"]["default"]


def test_the_edge_rule_flags_a_prod_gateway_without_cloud_armor():
    from langgraph_infra.rules import evaluate

    findings = evaluate(plan_of("gke-prod", "gke.cloud_armor=false").resources)
    assert [(f.rule, f.resource_type) for f in findings] == [
        ("prod-edge-protection", "kubernetes:gateway.networking.k8s.io/v1:Gateway")]


# Secrets never in the clear, no other cloud's SDK ------------------------------------------------------------------

def canary_plan(stack: str):
    licence = "LANGSMITH_API_KEY" if stack == "gke-dev" else "LANGGRAPH_CLOUD_LICENSE_KEY"
    return plan_of(stack, secrets=(f"{licence}={CANARY}", f"OPENAI_API_KEY={CANARY}-openai"))


@pytest.mark.parametrize("stack", STACKS)
def test_the_canary_is_only_a_secret_version_and_never_in_a_manifest_or_the_printed_plan(stack):
    plan = canary_plan(stack)
    holders = [r for r in plan.resources if CANARY in json.dumps(r.inputs)]
    # The value does reach Secret Manager (wrapped), so the checks below are not vacuous.
    assert holders and {r.type for r in holders} == {"gcp:secretmanager/secretVersion:SecretVersion"}
    for r in holders:
        assert CANARY in unwrap(r.inputs["secretData"]) and r.as_dict()["inputs"]["secretData"] == SECRET
    assert CANARY not in json.dumps(manifests(plan))
    assert CANARY not in plan.render()
    assert CANARY not in json.dumps(plan.to_json())
    assert CANARY not in json.dumps(plan.redacted_outputs())


def loaded_sdks(stack: str) -> set[str]:
    return set(sdks_a_plan_loads(ROOT, stack) & {"pulumi_aws", "pulumi_gcp", "pulumi_kubernetes"})


@pytest.mark.slow
def test_a_gke_plan_loads_no_aws_sdk():
    assert loaded_sdks("gke-dev") == {"pulumi_gcp", "pulumi_kubernetes"}


@pytest.mark.slow
def test_a_cloud_run_plan_loads_no_kubernetes_sdk():
    assert loaded_sdks("gcp-dev") == {"pulumi_gcp"}


# The gke: block's rules ------------------------------------------------------------------------------------------

BASE = {
    "target": {"cloud": "gcp", "runtime": "gke", "region": "europe-west1", "project": "acme-agents-dev"},
    "environment": "dev",
    "secrets": {"LANGSMITH_API_KEY": {}},
    # Prod refuses alarms that tell no one, on GKE as on Cloud Run.
    "alarms": {"notify": ["oncall@example.com"]},
}


def problems(raw: dict) -> str:
    with pytest.raises(ConfigError) as err:
        build_config(raw)
    return "\n".join(err.value.problems)


def with_(**sections) -> dict:
    raw = copy.deepcopy(BASE)
    for key, value in sections.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    return raw


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_profiles_are_valid_on_gke(environment):
    assert build_config(with_(environment=environment)).target.runtime.value == "gke"


def test_an_existing_cluster_needs_its_location():
    found = problems(with_(gke={"existing_cluster_name": "platform"}))
    assert "gke.existing_cluster_name=platform needs gke.existing_cluster_location" in found


def test_a_location_without_a_cluster_name_is_refused():
    assert "gke.existing_cluster_location=europe-west1 goes with gke.existing_cluster_name" in problems(
        with_(gke={"existing_cluster_location": "europe-west1"}))


def test_gke_keys_on_cloud_run_are_named():
    raw = with_(gke={"release_channel": "RAPID"})
    raw["target"]["runtime"] = "cloudrun"
    assert "gke.release_channel: GKE settings, not read by target.cloud=gcp target.runtime=cloudrun" in problems(raw)


def test_gke_keys_on_aws_are_named():
    """The `gke` section is the gcp target's own (Target.sections): an aws stack's model has no such key, and the
    refusal names the section, whose target reads it, and the fix."""
    raw = {"target": {"cloud": "aws", "runtime": "ecs", "region": "us-east-1"}, "environment": "dev",
           "secrets": {"LANGSMITH_API_KEY": {}}, "gke": {"existing_cluster_name": "platform",
                                                        "existing_cluster_location": "us-east1"}}
    found = problems(raw)
    assert "gke: a section of the gcp target, which this stack's target does not read: remove it" in found


def test_a_shutdown_grace_gke_cannot_honour_is_refused_and_one_it_can_is_kept():
    found = problems(with_(server={"shutdown_grace_seconds": 590}))
    assert "server.shutdown_grace_seconds=590 does not fit GKE" in found and "use at most 585" in found
    cfg = build_config(with_(server={"shutdown_grace_seconds": 585}))
    assert limits.shutdown_grace_seconds(cfg) == 585


def test_a_vpc_too_small_for_the_clusters_ranges_is_refused():
    assert "network.vpc_cidr=10.40.0.0/18 must be /17 or larger on runtime gke" in problems(
        with_(network={"vpc_cidr": "10.40.0.0/18"}))


def test_an_authorized_network_must_be_a_cidr():
    assert "203.0.113.7/24" in problems(with_(gke={"master_authorized_networks": ["203.0.113.7/24"]}))


def test_cloud_armor_needs_the_backend_policy_it_is_attached_through():
    found = problems(with_(gke={"cloud_armor": True}, kubernetes={"gke_backend_timeout": False}))
    assert "gke.cloud_armor=true is attached through the Gateway's backend policy" in found


def test_every_gke_problem_is_reported_in_one_run():
    found = problems(with_(gke={"existing_cluster_name": "platform", "master_authorized_networks": ["10.0.0.0/8"]},
                           server={"shutdown_grace_seconds": 900}))
    assert "needs gke.existing_cluster_location" in found
    assert "gke.master_authorized_networks applies to a created cluster" in found
    assert "server.shutdown_grace_seconds=900" in found


# kubernetes-validate --strict and checkov run on these stacks' manifests in tests/kubernetes
# (test_kubernetes_manifests.py renders every repository stack on a Kubernetes runtime).

# The custom resources the GKE runtime adds, against their projects' published CRD schemas (tests/kubernetes/crds).
GKE_CRDS = {"Gateway": "gateway.networking.k8s.io_gateways.yaml.gz",
            "HTTPRoute": "gateway.networking.k8s.io_httproutes.yaml.gz",
            "GCPBackendPolicy": "networking.gke.io_gcpbackendpolicies.yaml.gz",
            "HealthCheckPolicy": "networking.gke.io_healthcheckpolicies.yaml.gz",
            "SecretProviderClass": "secrets-store.csi.x-k8s.io_secretproviderclasses.yaml.gz"}


def crd_errors(kind: str, files) -> list[str]:
    from tests.kubernetes.test_kubernetes_manifests import _CRD_CHECK, CRDS, tool

    result = subprocess.run([tool("python"), "-c", _CRD_CHECK, str(CRDS / GKE_CRDS[kind]), *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("stack", STACKS)
def test_the_gateway_route_and_gke_policies_match_their_published_schemas(stack, tmp_path):
    from langgraph_infra import manifests as rendering

    files = rendering.write(manifests(plan_of(stack)), tmp_path)
    for kind in GKE_CRDS:
        found = [f for f in files if yaml.safe_load(f.read_text())["kind"] == kind]
        assert len(found) == 1, kind
        assert crd_errors(kind, found) == []


def test_the_gateway_schema_would_catch_a_bad_listener(tmp_path):
    from langgraph_infra import manifests as rendering

    [gateway] = [f for f in rendering.write(manifests(plan_of("gke-prod")), tmp_path)
                 if yaml.safe_load(f.read_text())["kind"] == "Gateway"]
    doc = yaml.safe_load(gateway.read_text())
    doc["spec"]["listeners"][0]["port"] = 70000
    gateway.write_text(yaml.safe_dump(doc))
    assert any("70000" in e for e in crd_errors("Gateway", [gateway]))


def test_the_gke_parts_are_public_components_of_the_gcp_target():
    import pulumi

    from langgraph_infra import gcp

    for name in gcp.GKE_COMPONENTS:
        component = getattr(gcp, name)
        assert issubclass(component, pulumi.ComponentResource) and getattr(gcp, f"{name}Args") is not None
        assert sys.modules[component.__module__].TYPE == f"langgraph-infra:gcp:{name}"
