"""ImageAdmission: Binary Authorization admits only images this pipeline attested.

The stack creates an attestor (a Container Analysis note and an asymmetric Cloud KMS signing key) and sets the
project's policy to require its attestation for every image but the `exempt_images` named (KEDA's, on GKE),
blocking and audit-logging the rest; the Cloud Run service and worker pool then enforce the project policy
(`binary_authorization.use_default`), and a GKE cluster its project-singleton policy. The promotion workflow
(.github/workflows/promote-prod.yml, its GCP entries) signs the attestation for one digest, and only after Artifact Analysis
shows that digest has no CRITICAL vulnerability: what runs is what was scanned.

The policy is the project's (one per project): one stack per project owns it. Key rings cannot be deleted in Cloud
KMS; `pulumi destroy` leaves the ring and disables nothing the stack does not own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..naming import bounded, child

TYPE = "langgraph-infra:gcp:ImageAdmission"
APIS = ("binaryauthorization.googleapis.com", "containeranalysis.googleapis.com")
SIGNING_ALGORITHM = "EC_SIGN_P256_SHA256"
ATTESTOR_ID_LIMIT = 63


@dataclass
class ImageAdmissionArgs:
    """An attestor and the project's Binary Authorization policy requiring it."""

    name_prefix: str
    """Start of the attestor, note and key ring names (the stack's prefix)."""
    project: str
    """The project whose policy this is."""
    region: str
    """Location of the signing key's key ring."""
    exempt_images: list[str] = field(default_factory=list)
    """Images admitted without this pipeline's attestation (the policy's `admissionWhitelistPatterns`): images the
    stack runs but does not build (Google's collector sidecar; KEDA's, on GKE), each by its exact reference (registry,
    path and tag, no wildcard), so only that release is exempt. Default: none, every image needs the attestation."""


def exempt_patterns(images: list[str]) -> list[gcp.binaryauthorization.PolicyAdmissionWhitelistPatternArgsDict]:
    """The policy's `admission_whitelist_patterns`, one per image, each the image's exact reference and no wildcard.
    Binary Authorization matches a pattern against the whole reference, tag included (its AdmissionWhitelistPattern:
    `registry/path/to/image`, a trailing `*` matching within one path segment, e.g. `gcr.io/nginx*` matches
    `gcr.io/nginx@latest` but not `gcr.io/nginx/image`;
    https://cloud.google.com/binary-authorization/docs/reference/rest/Shared.Types/Policy)."""
    return [{"name_pattern": image} for image in sorted(set(images))]


class ImageAdmission(pulumi.ComponentResource):
    """Outputs: `attestor` (`projects/P/attestors/A`), `signing_key_version` (what the workflow signs with).
    `policy` is the resource Cloud Run must wait for."""

    attestor: pulumi.Output[str]
    signing_key_version: pulumi.Output[str]

    def __init__(self, name: str, args: ImageAdmissionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        o = pulumi.ResourceOptions(parent=self)
        apis = [gcp.projects.Service(child(name, api.split(".")[0]), project=args.project, service=api,
                                     disable_on_destroy=False, opts=o) for api in APIS]
        after_apis = pulumi.ResourceOptions(parent=self, depends_on=apis)
        attestor_id = bounded(f"{args.name_prefix}-built-by-pipeline", ATTESTOR_ID_LIMIT)
        note = gcp.containeranalysis.Note(
            child(name, "note"), name=attestor_id, project=args.project,
            attestation_authority={"hint": {"human_readable_name": f"{args.name_prefix}: scanned and promoted"}},
            opts=after_apis)
        ring = gcp.kms.KeyRing(child(name, "ring"), name=f"{args.name_prefix}-attestor", location=args.region,
                               project=args.project, opts=o)
        key = gcp.kms.CryptoKey(child(name, "signing-key"), name="attestor", key_ring=ring.id,
                                purpose="ASYMMETRIC_SIGN",
                                version_template={"algorithm": SIGNING_ALGORITHM, "protection_level": "SOFTWARE"},
                                opts=o)
        version = gcp.kms.get_kms_crypto_key_version_output(crypto_key=key.id, version=1,
                                                            opts=pulumi.InvokeOptions(parent=self))
        attestor = gcp.binaryauthorization.Attestor(
            child(name, "attestor"), name=attestor_id, project=args.project,
            description="Images the promotion workflow scanned (no CRITICAL finding) and attested",
            attestation_authority_note={
                "note_reference": note.name,
                "public_keys": [{
                    "id": version.id.apply(lambda v: f"//cloudkms.googleapis.com/v1/{v}"),
                    "pkix_public_key": {"public_key_pem": version.public_keys[0].pem,
                                        "signature_algorithm": SIGNING_ALGORITHM},
                }],
            },
            opts=after_apis)
        self.policy = gcp.binaryauthorization.Policy(
            child(name, "policy"), project=args.project,
            description="Only images attested by the promotion workflow run",
            global_policy_evaluation_mode="ENABLE",
            admission_whitelist_patterns=exempt_patterns(args.exempt_images) or None,
            default_admission_rule={"evaluation_mode": "REQUIRE_ATTESTATION",
                                    "enforcement_mode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                                    "require_attestations_bies": [attestor.name]},
            opts=after_apis)
        self.attestor = pulumi.Output.concat("projects/", args.project, "/attestors/", attestor.name)
        self.signing_key_version = version.id
        self.register_outputs({"attestor": self.attestor, "signing_key_version": self.signing_key_version})
