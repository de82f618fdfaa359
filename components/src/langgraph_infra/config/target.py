"""The `target` section: which cloud and runtime run the stack, and where."""

from __future__ import annotations

from .base import Cloud, Runtime, _Model


class Target(_Model):
    cloud: Cloud
    """Which cloud: `aws`, `gcp` or `local` (a Docker engine). Required."""
    runtime: Runtime
    """What runs the containers: `ecs` on aws; `cloudrun` or `gke` on gcp; `docker` on local. Required."""
    region: str | None = None
    """Cloud region, e.g. `us-east-1` or `europe-west1`. Required on aws and gcp."""
    project: str | None = None
    """GCP project id. Required on gcp, not allowed elsewhere."""
