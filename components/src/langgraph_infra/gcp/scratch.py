"""The writable scratch paths of a Cloud Run container (`contract.WRITABLE_PATHS`) as in-memory volumes.

Cloud Run cannot make a container's root filesystem read-only, set its user or drop capabilities: the root is
Cloud Run's own in-memory filesystem, the user is the image's `USER` (1000:1000 in the generated Dockerfile) and the
sandbox (gVisor, or the second generation's microVM) confines the process. What it can do is give the scratch
paths dedicated in-memory volumes with a size cap, so that a graph filling /tmp fails its write instead of the
instance running out of memory.
"""

from __future__ import annotations

import pulumi_gcp as gcp

from .. import contract

SIZE_LIMIT = f"{contract.SCRATCH_SIZE_MIB}Mi"


def volume_name(path: str) -> str:
    return "scratch" + path.replace("/", "-")


def service_volumes() -> list[gcp.cloudrunv2.ServiceTemplateVolumeArgsDict]:
    """A service template's `volumes`: one capped in-memory volume per writable path."""
    return [{"name": volume_name(p), "empty_dir": {"medium": "MEMORY", "size_limit": SIZE_LIMIT}}
            for p in contract.WRITABLE_PATHS]


def service_mounts() -> list[gcp.cloudrunv2.ServiceTemplateContainerVolumeMountArgsDict]:
    """A service container's `volume_mounts` of those volumes."""
    return [{"name": volume_name(p), "mount_path": p} for p in contract.WRITABLE_PATHS]


def worker_pool_volumes() -> list[gcp.cloudrunv2.WorkerPoolTemplateVolumeArgsDict]:
    """The same volumes, typed for a worker pool's template."""
    return [{"name": volume_name(p), "empty_dir": {"medium": "MEMORY", "size_limit": SIZE_LIMIT}}
            for p in contract.WRITABLE_PATHS]


def worker_pool_mounts() -> list[gcp.cloudrunv2.WorkerPoolTemplateContainerVolumeMountArgsDict]:
    """The same mounts, typed for a worker pool's container."""
    return [{"name": volume_name(p), "mount_path": p} for p in contract.WRITABLE_PATHS]
