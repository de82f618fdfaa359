"""The local containers hardened like the cloud ones: a read-only root, tmpfs at `contract.WRITABLE_PATHS`, the
image's unprivileged user, every capability dropped, no privilege escalation (`no-new-privileges`)."""

from __future__ import annotations

from .. import contract

USER = f"{contract.RUNTIME_UID}:{contract.RUNTIME_GID}"
SECURITY_OPTS = ["no-new-privileges:true"]


def tmpfs() -> dict[str, str]:
    """Docker's `tmpfs` map: each writable path, capped, without setuid or device files."""
    return {path: f"rw,nosuid,nodev,size={contract.SCRATCH_SIZE_MIB}m" for path in contract.WRITABLE_PATHS}
