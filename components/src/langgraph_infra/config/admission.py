"""The `admission` section: which images may run."""

from __future__ import annotations

from .base import _Model


class AdmissionSettings(_Model):
    """Which images may run: only those this pipeline scanned and promoted."""

    require_attestation: bool = False
    """gcp: Binary Authorization admits only images attested by the stack's attestor, which the promotion workflow
    signs after the image's vulnerability scan shows no CRITICAL finding (the project's policy: one stack per
    project owns it). ECS has no admission control: on aws the promotion workflow's scan gate and the
    digest-pinned, immutable image are the control. Default: off; on in gcp prod."""
