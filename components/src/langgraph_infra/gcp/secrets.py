"""Secrets: one Secret Manager secret per secret the server reads (connection URIs, licence key, app keys), each
created from a value marked secret or adopted by name (an adopted value never enters Pulumi state). Containers get
references only; `grant_read(name, member, names)` lets one service account read exactly those secrets."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..naming import child

TYPE = "langgraph-infra:gcp:Secrets"
READ_ROLE = "roles/secretmanager.secretAccessor"
# An adopted secret is read at its newest version (rotate it by adding a version, then redeploy).
LATEST = "latest"


@dataclass(frozen=True)
class SecretRef:
    """What a container needs to read one secret: the secret (name, or full resource name) and its version."""

    secret: pulumi.Input[str]
    version: pulumi.Input[str]


@dataclass
class SecretsArgs:
    """The Secret Manager secrets the server reads, in the provider's project: some created from secret values,
    some adopted."""

    prefix: str
    """Prefix of the created secrets' ids, e.g. `langgraph-gcp-dev` gives `langgraph-gcp-dev-POSTGRES_URI`."""
    created: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secrets to create, by environment variable name, from values that are secret Outputs (each is stored as a
    secret in state). Default: none is created."""
    adopted: dict[str, str] = field(default_factory=dict)
    """Existing secrets to reference, by environment variable name: a secret id in the stack's project, or
    `projects/<project>/secrets/<id>`. Their values never enter Pulumi state. Default: none is adopted."""
    kms_key: pulumi.Input[str] | None = None
    """Cloud KMS key of the created secrets (CMEK), with `kms_location`: they are then replicated in that location
    only (automatic replication takes global keys only). Default: none, Google-managed keys, automatic
    replication."""
    kms_location: str | None = None
    """The key's location (the stack's region), where the secrets are then replicated. Default: no location, which
    only automatic replication (no `kms_key`) accepts."""
    depends_on: list[pulumi.Resource] | None = None
    """Resources the created secrets wait for (the key's grants). Default: the secrets wait for nothing."""


def replication(args: SecretsArgs) -> gcp.secretmanager.SecretReplicationArgs:
    """Automatic replication, or, with a customer key, one replica in the key's location encrypted with it."""
    return replication_for(args.kms_key, args.kms_location)


def replication_for(kms_key: pulumi.Input[str] | None, kms_location: str | None
                    ) -> gcp.secretmanager.SecretReplicationArgs:
    """`replication` for any secret of the stack, from its customer key and that key's location."""
    if kms_key is None:
        return gcp.secretmanager.SecretReplicationArgs(auto=gcp.secretmanager.SecretReplicationAutoArgs())
    return gcp.secretmanager.SecretReplicationArgs(user_managed=gcp.secretmanager.SecretReplicationUserManagedArgs(
        replicas=[gcp.secretmanager.SecretReplicationUserManagedReplicaArgs(
            location=kms_location or "",
            customer_managed_encryption=gcp.secretmanager.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs(
                kms_key_name=kms_key))]))


class Secrets(pulumi.ComponentResource):
    """Outputs: `ids` (environment variable name -> secret resource name). `refs` holds the references containers
    use: a created secret pinned to the version this deployment wrote (a new value rolls out a new revision),
    an adopted one at `latest`."""

    ids: dict[str, pulumi.Output[str]]
    refs: dict[str, SecretRef]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._name = name
        self.ids, self.refs = {}, {}
        for env_name, value in sorted(args.created.items()):
            key = child(name, env_name.lower().replace("_", "-"))
            secret = gcp.secretmanager.Secret(
                key, secret_id=f"{args.prefix}-{env_name}",
                replication=replication(args),
                annotations={"purpose": f"{env_name} for the LangGraph Agent Server"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=args.depends_on))
            version = gcp.secretmanager.SecretVersion(key, secret=secret.id,
                                                      secret_data=pulumi.Output.secret(value),
                                                      opts=pulumi.ResourceOptions(parent=self))
            self.ids[env_name] = secret.id
            self.refs[env_name] = SecretRef(secret=secret.secret_id, version=version.version)
        for env_name, existing in sorted(args.adopted.items()):
            self.ids[env_name] = pulumi.Output.from_input(existing)
            self.refs[env_name] = SecretRef(secret=existing, version=LATEST)
        self.register_outputs({"ids": self.ids})

    def grant_read(self, name: str, member: pulumi.Input[str],
                   names: list[str]) -> list[gcp.secretmanager.SecretIamMember]:
        """Let `member` (`serviceAccount:...`) read exactly the secrets `names`: one binding per secret, nothing
        project-wide. Containers that reference the secrets must depend on the returned bindings."""
        return [
            gcp.secretmanager.SecretIamMember(
                child(self._name, f"read-{name}-{env_name.lower().replace('_', '-')}"),
                secret_id=self.ids[env_name], role=READ_ROLE, member=member,
                opts=pulumi.ResourceOptions(parent=self))
            for env_name in names
        ]
