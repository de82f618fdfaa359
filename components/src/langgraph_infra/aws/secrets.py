"""Secrets: one Secrets Manager entry per secret the server reads (connection URIs, licence key, app keys), each
created from a value marked secret or adopted by name/ARN (an adopted value never enters Pulumi state).
Containers get references only; `grant_read(role)` lets exactly one role read exactly these entries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..naming import child
from . import policies

TYPE = "langgraph-infra:aws:Secrets"
# ECS reads a secret once, when a task starts: this variable, set from the created secrets' versions, makes a new
# value (a rotated password) a new task definition, which the service rolls out.
REVISION_ENV = "SECRETS_REVISION"


@dataclass
class SecretsArgs:
    """The Secrets Manager entries the server reads: some created from secret values, some adopted."""

    path: str
    """Prefix of the created secrets' names, e.g. `langgraph-dev` gives `langgraph-dev/POSTGRES_URI`."""
    created: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secrets to create, by environment variable name, from values that are secret Outputs (each is stored as a
    secret in state). Default: none is created."""
    adopted: dict[str, str] = field(default_factory=dict)
    """Existing secrets to reference, by environment variable name: a full ARN, or a name looked up at deploy time
    (in the provider's region). Their values never enter Pulumi state. Default: none is adopted."""
    recovery_window_days: int = 7
    """Days a deleted secret can still be restored (0 deletes at once: for dev stacks that are rebuilt often).
    Default: 7."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every secret created. Default: none beyond the provider's default tags."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer KMS key of the created secrets. Default: none, the AWS-managed `aws/secretsmanager` key."""


def revision_of(version_ids: dict[str, str]) -> str:
    """A short digest of secret versions, by variable name."""
    return hashlib.sha256("\n".join(f"{n}={v}" for n, v in sorted(version_ids.items())).encode()).hexdigest()[:16]


def is_arn(value: str) -> bool:
    return value.startswith("arn:")


class Secrets(pulumi.ComponentResource):
    """Outputs: `arns` (environment variable name -> secret ARN), `version_ids` (of the created secrets' current
    values: what a consumer depends on to notice a new value)."""

    arns: dict[str, pulumi.Output[str]]
    version_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self._name = name
        self.arns = {}
        self.version_ids = {}
        for env_name, value in sorted(args.created.items()):
            key = child(name, env_name.lower().replace("_", "-"))
            secret = aws.secretsmanager.Secret(key, name=f"{args.path}/{env_name}",
                                               description=f"{env_name} for the LangGraph Agent Server",
                                               recovery_window_in_days=args.recovery_window_days,
                                               kms_key_id=args.kms_key_arn,
                                               tags=args.tags, opts=pulumi.ResourceOptions(parent=self))
            version = aws.secretsmanager.SecretVersion(key, secret_id=secret.id,
                                                       secret_string=pulumi.Output.secret(value),
                                                       opts=pulumi.ResourceOptions(parent=self))
            self.arns[env_name] = secret.arn
            self.version_ids[env_name] = version.version_id
        for env_name, ref in sorted(args.adopted.items()):
            if is_arn(ref):
                self.arns[env_name] = pulumi.Output.from_input(ref)
            else:
                found = aws.secretsmanager.get_secret_output(name=ref, opts=pulumi.InvokeOptions(parent=self))
                self.arns[env_name] = found.arn
        self.register_outputs({"arns": self.arns})

    def revision(self) -> pulumi.Output[str]:
        """`revision_of` the created secrets' current versions: it changes whenever one of their values does."""
        names = sorted(self.version_ids)
        return pulumi.Output.all(*[self.version_ids[n] for n in names]).apply(
            lambda ids: revision_of(dict(zip(names, ids, strict=True))))

    def container_secrets(self, names: list[str]) -> pulumi.Output[list[dict[str, str]]]:
        """ECS `secrets` entries (name + valueFrom ARN) for these variables, sorted as AWS returns them."""
        return pulumi.Output.all(*[self.arns[n] for n in names]).apply(
            lambda arns: sorted(({"name": n, "valueFrom": a} for n, a in zip(names, arns, strict=True)), key=lambda e: e["name"]))

    def arn_list(self, names: list[str]) -> pulumi.Output[list[str]]:
        return pulumi.Output.all(*[self.arns[n] for n in names]).apply(list)

    def grant_read(self, name: str, role: aws.iam.Role, names: list[str]) -> aws.iam.RolePolicy:
        """Let `role` read exactly the secrets `names` (GetSecretValue on their ARNs, nothing else)."""
        return aws.iam.RolePolicy(
            child(self._name, f"read-{name}"), role=role.id,
            policy=self.arn_list(names).apply(lambda arns: policies.document([policies.read_secrets(arns)])),
            opts=pulumi.ResourceOptions(parent=self))
