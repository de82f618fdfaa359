"""Defense in depth on GCP (issue 14): scratch volumes, the audit trail, scanned and admitted images, customer keys."""

from __future__ import annotations

import pytest

from langgraph_infra import contract
from tests.conftest import plan_of

STACKS = ["gcp-dev", "gcp-prod"]
RUN_SERVICE = "gcp:cloudrunv2/service:Service"
WORKER_POOL = "gcp:cloudrunv2/workerPool:WorkerPool"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("kind", [RUN_SERVICE, WORKER_POOL])
def test_writable_paths_are_capped_in_memory_volumes(stack, kind):
    template = plan_of(stack).one(kind).inputs["template"]
    [c] = [c for c in template["containers"] if c["name"] == "agent-server"]
    assert [m["mountPath"] for m in c["volumeMounts"]] == list(contract.WRITABLE_PATHS)
    by_name = {v["name"]: v for v in template["volumes"]}
    for mount in c["volumeMounts"]:
        assert by_name[mount["name"]]["emptyDir"] == {"medium": "MEMORY",
                                                      "sizeLimit": f"{contract.SCRATCH_SIZE_MIB}Mi"}


@pytest.mark.parametrize("stack", STACKS)
def test_cloud_sql_logs_connections_and_pgaudit_ddl_role_but_never_bound_parameters(stack):
    flags = {f["name"]: f["value"] for f in
             plan_of(stack).one("gcp:sql/databaseInstance:DatabaseInstance").inputs["settings"]["databaseFlags"]}
    assert {k: flags[k] for k in ("cloudsql.enable_pgaudit", "pgaudit.log", "pgaudit.log_parameter",
                                  "log_connections", "log_disconnections", "log_parameter_max_length",
                                  "log_parameter_max_length_on_error")} == {
        "cloudsql.enable_pgaudit": "on", "pgaudit.log": "ddl,role", "pgaudit.log_parameter": "off",
        "log_connections": "on", "log_disconnections": "on", "log_parameter_max_length": "0",
        "log_parameter_max_length_on_error": "0"}


# Scanned and admitted images ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", STACKS)
def test_artifact_registry_scans_every_pushed_image(stack):
    plan = plan_of(stack)
    repo = plan.one("gcp:artifactregistry/repository:Repository")
    assert repo.inputs["vulnerabilityScanningConfig"] == {"enablementConfig": "INHERITED"}
    [api] = [s for s in plan.by_type("gcp:projects/service:Service")
             if s.inputs["service"] == "containerscanning.googleapis.com"]
    assert api.inputs["disableOnDestroy"] is False
    assert api.name in repo.depends_on


def test_prod_admits_only_images_attested_by_the_stacks_attestor():
    plan = plan_of("gcp-prod")
    attestor = plan.one("gcp:binaryauthorization/attestor:Attestor")
    policy = plan.one("gcp:binaryauthorization/policy:Policy").inputs
    assert policy["globalPolicyEvaluationMode"] == "ENABLE"
    assert policy["defaultAdmissionRule"] == {
        "evaluationMode": "REQUIRE_ATTESTATION", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
        "requireAttestationsBies": [attestor.inputs["name"]]}
    note = plan.one("gcp:containeranalysis/note:Note")
    assert attestor.inputs["attestationAuthorityNote"]["noteReference"] == note.inputs["name"]
    [key] = attestor.inputs["attestationAuthorityNote"]["publicKeys"]
    assert key["pkixPublicKey"]["signatureAlgorithm"] == "EC_SIGN_P256_SHA256"
    signing = plan.one("gcp:kms/cryptoKey:CryptoKey", "agent-admission-signing-key").inputs
    assert signing["purpose"] == "ASYMMETRIC_SIGN"
    for kind in (RUN_SERVICE, WORKER_POOL):
        resource = plan.one(kind)
        assert resource.inputs["binaryAuthorization"] == {"useDefault": True}
        assert "agent-admission-policy" in resource.depends_on
    assert set(plan.outputs) >= {"attestor", "attestor_key_version"}


def test_dev_runs_without_binary_authorization_by_default():
    plan = plan_of("gcp-dev")
    assert plan.by_type("gcp:binaryauthorization/policy:Policy") == []
    assert plan.one(RUN_SERVICE).inputs.get("binaryAuthorization") is None


# Customer-managed keys ----------------------------------------------------------------------------------------------

GCP_KEY = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"


def encrypted_with(plan, key: str) -> None:
    assert plan.one("gcp:sql/databaseInstance:DatabaseInstance").inputs["encryptionKeyName"] == key
    assert plan.one("gcp:redis/instance:Instance").inputs["customerManagedKey"] == key
    assert plan.one("gcp:artifactregistry/repository:Repository").inputs["kmsKeyName"] == key
    for secret in plan.by_type("gcp:secretmanager/secret:Secret"):
        assert secret.inputs["replication"] == {"userManaged": {"replicas": [
            {"location": "europe-west1", "customerManagedEncryption": {"kmsKeyName": key}}]}}


def test_an_adopted_cloud_kms_key_encrypts_database_cache_registry_and_secrets():
    plan = plan_of("gcp-dev", f"encryption.kms_key={GCP_KEY}")
    encrypted_with(plan, GCP_KEY)
    assert plan.by_type("gcp:kms/cryptoKey:CryptoKey") == []


def test_a_created_key_rotates_and_each_service_agent_may_use_it_before_its_resource_exists():
    plan = plan_of("gcp-dev", "encryption.create_key=true")
    key = plan.one("gcp:kms/cryptoKey:CryptoKey", "agent-key-key")
    assert key.inputs["rotationPeriod"] == f"{90 * 86400}s"
    encrypted_with(plan, "<mock:CryptoKey/agent-key-key>")
    grants = [g for g in plan.by_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")]
    assert {g.inputs["role"] for g in grants} == {"roles/cloudkms.cryptoKeyEncrypterDecrypter"}
    assert len(grants) == 4
    db = plan.one("gcp:sql/databaseInstance:DatabaseInstance")
    assert {g.name for g in grants} <= set(db.depends_on)


def test_without_encryption_secrets_replicate_automatically_with_googles_keys():
    plan = plan_of("gcp-dev")
    assert plan.one("gcp:sql/databaseInstance:DatabaseInstance").inputs.get("encryptionKeyName") is None
    assert all(s.inputs["replication"] == {"auto": {}} for s in plan.by_type("gcp:secretmanager/secret:Secret"))
