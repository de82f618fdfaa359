"""StackKey: the customer-managed Cloud KMS key of `encryption` (adopted by name, or created with 90-day rotation),
used for Cloud SQL, Memorystore, Artifact Registry and the created secrets (CMEK).

Each of those services encrypts with the key as its own service agent: for a created key the stack creates the
agents (`ServiceIdentity`) and grants each `roles/cloudkms.cryptoKeyEncrypterDecrypter` on this key only; an adopted
key's owner grants the same (docs/security.md lists the agents). The key is regional (the stack's region), as Cloud
SQL and Memorystore require; the secrets are then replicated in that region only (user-managed replication), since
automatic replication takes global keys only. Logs: Cloud Logging's CMEK is a project or organisation setting of the
log buckets, outside this stack (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..naming import child

TYPE = "langgraph-infra:gcp:StackKey"
ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# The services that encrypt with the key, by their API (their service agents are created for the grant).
AGENT_SERVICES = ("sqladmin.googleapis.com", "redis.googleapis.com", "artifactregistry.googleapis.com",
                  "secretmanager.googleapis.com")
ROTATION_SECONDS = 90 * 86400


@dataclass
class StackKeyArgs:
    """Adopt `key_name`, or create a key ring and key in `region`."""

    name_prefix: str
    """The created key ring's name (the stack's prefix)."""
    project: str
    """The project of the key and of the service agents."""
    region: str
    """The key's location: the stack's region."""
    key_name: str | None = None
    """An existing key (`projects/P/locations/L/keyRings/R/cryptoKeys/K`). Default: none, and one is created."""


class StackKey(pulumi.ComponentResource):
    """Outputs: `key_name`. `ready` lists the grants the encrypted resources must wait for."""

    key_name: pulumi.Output[str]
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        o = pulumi.ResourceOptions(parent=self)
        self.ready = []
        if args.key_name:
            self.key_name = pulumi.Output.from_input(args.key_name)
        else:
            ring = gcp.kms.KeyRing(child(name, "ring"), name=f"{args.name_prefix}-data", location=args.region,
                                   project=args.project, opts=o)
            key = gcp.kms.CryptoKey(child(name, "key"), name="data", key_ring=ring.id, purpose="ENCRYPT_DECRYPT",
                                    rotation_period=f"{ROTATION_SECONDS}s", opts=o)
            for api in AGENT_SERVICES:
                agent = gcp.projects.ServiceIdentity(child(name, f"agent-{api.split('.')[0]}"), project=args.project,
                                                     service=api, opts=o)
                self.ready.append(gcp.kms.CryptoKeyIAMMember(
                    child(name, f"use-{api.split('.')[0]}"), crypto_key_id=key.id, role=ENCRYPTER,
                    member=agent.member, opts=o))
            self.key_name = key.id
        self.register_outputs({"key_name": self.key_name})
