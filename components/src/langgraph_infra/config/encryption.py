"""The `encryption` section: customer-managed keys, for teams whose compliance requires them."""

from __future__ import annotations

from .base import _Model


class EncryptionSettings(_Model):
    """Customer-managed keys, for teams whose compliance requires them; the clouds' own keys otherwise."""

    kms_key: str | None = None
    """An existing key for the database, cache, registry, secrets and logs: a KMS key ARN on aws
    (`arn:aws:kms:REGION:ACCOUNT:key/ID`, in the stack's region), a Cloud KMS key on gcp
    (`projects/P/locations/REGION/keyRings/R/cryptoKeys/K`). Default: none, each service's own key."""
    create_key: bool = False
    """Create one customer-managed key for this stack, with automatic yearly rotation, used as `kms_key` is.
    Default: off."""

    @property
    def enabled(self) -> bool:
        return self.create_key or self.kms_key is not None
