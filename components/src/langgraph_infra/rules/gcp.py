"""GCP rules: Cloud SQL, Memorystore, Cloud Run (services and the queue's worker pool), Artifact Registry; and the
prod admission of images (Binary Authorization)."""

from __future__ import annotations

from typing import Any

from ..wire import PlannedResource, json_value
from .common import pgaudit_scope, plain_credential_problem, stack_environment
from .rule import COMPLIANT, NOT_APPLICABLE, Outcome, Rule, StackRule, outcome, violation


def _cloud_sql(i: dict[str, Any]) -> Outcome:
    ip = (i.get("settings") or {}).get("ipConfiguration") or {}
    return outcome(
        None if ip.get("ipv4Enabled") is False else "ipConfiguration.ipv4Enabled must be false (private IP only)",
        None if ip.get("sslMode") == "ENCRYPTED_ONLY" else "ipConfiguration.sslMode must be ENCRYPTED_ONLY",
    )


def _memorystore(i: dict[str, Any]) -> Outcome:
    return outcome(
        None if i.get("authEnabled") is True else "authEnabled must be true",
        None if i.get("transitEncryptionMode") == "SERVER_AUTHENTICATION"
        else "transitEncryptionMode must be SERVER_AUTHENTICATION",
    )


def _plain_credentials(i: dict[str, Any]) -> list[str | None]:
    return [plain_credential_problem(env.get("name", ""), env.get("value"))
            for container in (i.get("template") or {}).get("containers") or []
            for env in container.get("envs") or [] if "value" in env]


def _cloud_run_envs(i: dict[str, Any]) -> Outcome:
    return outcome(*_plain_credentials(i))


def _worker_pool(i: dict[str, Any]) -> Outcome:
    scaling = i.get("scaling") or {}
    count = scaling.get("manualInstanceCount", scaling.get("minInstanceCount", 0)) or 0
    return outcome(*_plain_credentials(i), None if count >= 1 else "the queue worker pool must run at least 1 instance")


def cloud_sql_logs_no_parameters(i: dict[str, Any]) -> Outcome:
    """Cloud SQL flags: bound parameters never logged, pgaudit (when set) never logs statement contents."""
    flags = {f.get("name"): str(f.get("value")) for f in (i.get("settings") or {}).get("databaseFlags") or []}
    return outcome(
        *(None if flags.get(k) == "0" else f"database flag {k} must be 0 (bound parameters never logged)"
          for k in ("log_parameter_max_length", "log_parameter_max_length_on_error")),
        pgaudit_scope(flags["pgaudit.log"]) if "pgaudit.log" in flags else None)


def artifact_registry_scanned(i: dict[str, Any]) -> Outcome:
    """A Docker repository has vulnerability scanning on (INHERITED from the project's Container Scanning API)."""
    if i.get("format") != "DOCKER":
        return NOT_APPLICABLE
    config = json_value(i.get("vulnerabilityScanningConfig")) or {}
    if not isinstance(config, dict) or config.get("enablementConfig") != "INHERITED":
        return violation("vulnerabilityScanningConfig.enablementConfig must be INHERITED (Artifact Analysis scans "
                         "each push)")
    return COMPLIANT


def _prod_image_admission(resources: list[PlannedResource]) -> list[tuple[PlannedResource, str]]:
    """In a prod stack: Cloud Run enforces Binary Authorization."""
    if stack_environment(resources) != "prod":
        return []
    found = []
    for r in resources:
        if r.type in ("gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/workerPool:WorkerPool"):
            binauthz = json_value(r.inputs.get("binaryAuthorization")) or {}
            if not (isinstance(binauthz, dict) and (binauthz.get("useDefault") is True or binauthz.get("policy"))):
                found.append((r, "prod Cloud Run must enforce Binary Authorization (admission.require_attestation)"))
    return found


RULES: tuple[Rule, ...] = (
    Rule("cloudsql-private-tls", "Cloud SQL: private IP only, TLS required",
         ("gcp:sql/databaseInstance:DatabaseInstance",), _cloud_sql),
    Rule("memorystore-auth-tls", "Memorystore: AUTH and in-transit encryption",
         ("gcp:redis/instance:Instance",), _memorystore),
    Rule("cloudrun-secrets-by-reference", "No credential in a Cloud Run service's plain environment",
         ("gcp:cloudrunv2/service:Service",), _cloud_run_envs),
    Rule("cloudrun-queue-always-on", "The queue worker pool always runs, with no plain credential",
         ("gcp:cloudrunv2/workerPool:WorkerPool",), _worker_pool),
    Rule("cloudsql-logs-no-parameters", "Cloud SQL never logs bound parameters; pgaudit logs ddl and role only",
         ("gcp:sql/databaseInstance:DatabaseInstance",), cloud_sql_logs_no_parameters),
    Rule("artifact-registry-scanned", "Artifact Registry scans every pushed image",
         ("gcp:artifactregistry/repository:Repository",), artifact_registry_scanned),
)
"""The GCP rules, in the order the pack reports them."""

PROD_IMAGE_ADMISSION = StackRule("prod-image-admission",
                                 "Prod Cloud Run admits only attested images (Binary Authorization)",
                                 _prod_image_admission)
