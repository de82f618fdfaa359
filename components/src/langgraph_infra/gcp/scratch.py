"""The writable scratch paths of a Cloud Run container (`contract.WRITABLE_PATHS`) as in-memory volumes.

Cloud Run cannot make a container's root filesystem read-only, set its user or drop capabilities: the root is
Cloud Run's own in-memory filesystem, the user is the image's `USER` (1000:1000 in the generated Dockerfile) and the
sandbox (gVisor, or the second generation's microVM) confines the process. What it can do is give the scratch
paths dedicated in-memory volumes with a size cap, so that a graph filling /tmp fails its write instead of the
instance running out of memory.
"""

from __future__ import annotations

from typing import Any

from .. import contract


def volume_name(path: str) -> str:
    return "scratch" + path.replace("/", "-")


def volumes() -> list[dict[str, Any]]:
    """The template's `volumes`: one capped in-memory volume per writable path."""
    return [{"name": volume_name(path), "empty_dir": {"medium": "MEMORY", "size_limit": f"{contract.SCRATCH_SIZE_MIB}Mi"}}
            for path in contract.WRITABLE_PATHS]


def mounts() -> list[dict[str, Any]]:
    """The container's `volume_mounts` of those volumes."""
    return [{"name": volume_name(path), "mount_path": path} for path in contract.WRITABLE_PATHS]
