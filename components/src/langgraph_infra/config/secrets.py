"""The `secrets` section: each app secret, created from a secret config value or adopted."""

from __future__ import annotations

from pydantic import Field

from .base import _Model


class SecretSource(_Model):
    existing: str | None = None
    """Adopt an existing secret by name or ARN (aws) / resource name (gcp): its value never enters Pulumi state.
    Default (no `existing`): created from the Pulumi secret config key of the same name
    (`pulumi config set --secret NAME VALUE`)."""
    kms_key_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$")
    """aws: the customer-managed KMS key an adopted secret is encrypted with; the execution roles then get
    `kms:Decrypt` on that key, through Secrets Manager only. Default: none (the AWS-managed key needs no grant)."""
